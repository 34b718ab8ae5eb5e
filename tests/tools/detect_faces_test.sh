#!/usr/bin/env bash
# tools:detect_faces on real photos, a faceless one and a broken one: the CSV
# has the documented header, a row per face with 16 fields, a row with only
# the file for the faceless photo, none for the broken one (named on stderr),
# and drawn copies when asked. Needs FACEREC_DATA (tools/bazel exports it).
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
binary="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/detect_faces"
dir="${TEST_TMPDIR}/photos"
mkdir -p "$dir"
cp "$FACEREC_DATA/dlib_faces/2008_002506.jpg" "$dir/three.jpg"
# A photo without a face: one grey colour (written as PGM, which OpenCV reads).
printf 'P5\n64 48\n255\n' >"$dir/blank.pgm"
head -c $((64 * 48)) /dev/zero | tr '\0' '\200' >>"$dir/blank.pgm"
echo "not a jpeg" >"$dir/broken.jpg"
printf 'three.jpg\nblank.pgm\nbroken.jpg\n' >"$dir/list.txt"
status=0
for detector in haar dlib_hog; do
  out="${TEST_TMPDIR}/$detector.csv"
  drawn="${TEST_TMPDIR}/drawn_$detector"
  if ! BUILD_WORKSPACE_DIRECTORY="$TEST_TMPDIR" "$binary" --list="$dir/list.txt" --out="$out" \
      --detector="$detector" --annotated_dir="$drawn" 2>"$out.err" >/dev/null; then
    echo "FAIL: $detector exited non-zero"; cat "$out.err"; status=1; continue
  fi
  header=$(head -1 "$out")
  [[ "$header" == "file,x,y,w,h,score,lex,ley,rex,rey,nx,ny,lmx,lmy,rmx,rmy" ]] ||
    { echo "FAIL: $detector header '$header'"; status=1; }
  faces=$(grep -c '^three.jpg,[0-9]' "$out" || true)
  [[ "$faces" -ge 3 ]] || { echo "FAIL: $detector: $faces rows for three.jpg's 3 faces"; cat "$out"; status=1; }
  blank=$(grep '^blank.pgm' "$out" || true)
  [[ "$blank" == "blank.pgm,,,,,,,,,,,,,,," ]] || { echo "FAIL: $detector faceless row '$blank'"; status=1; }
  if grep -q '^broken.jpg' "$out"; then echo "FAIL: $detector wrote a row for broken.jpg"; status=1; fi
  grep -q "list.txt:3: broken.jpg: cannot be read" "$out.err" ||
    { echo "FAIL: $detector did not name broken.jpg"; cat "$out.err"; status=1; }
  if awk -F, 'NR > 1 && NF != 16 { bad = 1 } END { exit !bad }' "$out"; then
    echo "FAIL: $detector: a row without 16 fields"; status=1
  fi
  [[ -s "$drawn/three.jpg" && -s "$drawn/blank.jpg" ]] || { echo "FAIL: $detector drew no copies"; status=1; }
  echo "ok: $detector, $faces faces in three.jpg"
done
# A bad detector name is a clear error, exit 2.
if BUILD_WORKSPACE_DIRECTORY="$TEST_TMPDIR" "$binary" --list="$dir/list.txt" --detector=yolo \
    2>"${TEST_TMPDIR}/yolo.err" >/dev/null; then
  echo "FAIL: --detector=yolo succeeded"; status=1
else
  code=$?
  [[ $code -eq 2 ]] && grep -q -- "--detector=yolo: unknown face detector 'yolo'" "${TEST_TMPDIR}/yolo.err" ||
    { echo "FAIL: --detector=yolo: exit $code, $(cat "${TEST_TMPDIR}/yolo.err")"; status=1; }
fi
exit $status
