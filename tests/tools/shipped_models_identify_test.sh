#!/usr/bin/env bash
# A fresh clone's path to names: with no store and no model flags, tools:enroll
# and tools:identify register the shipped models (models/manifest.json), say
# which ones they use, and match LFW people on photos they were not enrolled
# with, on LibTorch and on OpenCV's dnn module alike; identify's `unknown` threshold comes from the manifest (no run of the
# recogniser in the store). A registry name of the wrong kind and an unknown
# name are one-line errors with exit status 2. Needs FACEREC_DATA.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="$TEST_TMPDIR/clone"
lfw="$FACEREC_DATA/lfw_fold1/lfw-deepfunneled"
rm -rf "$work" && mkdir -p "$work/people" "$work/probes"
ln -s "$bin/models" "$work/models"
status=0
fail() { echo "FAIL: $*"; status=1; }
for person in Hugo_Chavez Jennifer_Garner Pervez_Musharraf Jeremy_Greenstock; do
  mapfile -t photos < <(ls "$lfw/$person" | sort)
  mkdir -p "$work/people/$person"
  cp "$lfw/$person/${photos[0]}" "$lfw/$person/${photos[1]}" "$work/people/$person/"
  cp "$lfw/$person/${photos[2]}" "$work/probes/$person.jpg"
done

BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/enroll" --people=people --gallery=g.gallery \
  >"$work/enroll.out" 2>"$work/enroll.err" || { fail "enroll exited non-zero"; cat "$work/enroll.err"; }
grep -q "enrolled 4 people from 8 photos" "$work/enroll.out" || fail "enroll: $(cat "$work/enroll.out")"
grep -q "using recogniser .*alias default" "$work/enroll.err" || fail "enroll did not say which recogniser: $(cat "$work/enroll.err")"
grep -q "using detector .*alias default" "$work/enroll.err" || fail "enroll did not say which detector"

(cd "$work" && BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery probes/*.jpg) \
  >"$work/identify.out" 2>"$work/identify.err" || { fail "identify exited non-zero"; cat "$work/identify.err"; }
named=0 best=0
for person in Hugo_Chavez Jennifer_Garner Pervez_Musharraf Jeremy_Greenstock; do
  # Columns: photo, box, name or unknown, score, best name. The probe's
  # largest-scoring face is the person's.
  line=$(grep $'^probes/'"$person"$'.jpg	' "$work/identify.out" | sort -t$'	' -k4,4gr | head -1)
  IFS=$'	' read -r _ _ name score top <<<"$line"
  [[ "$top" == "$person" ]] && best=$((best + 1))
  [[ "$name" == "$person" ]] && named=$((named + 1))
  [[ "$name" == "$top" || "$name" == "unknown" ]] || fail "$person: name '$name' is neither the best match nor unknown"
done
# Four people, new photos of each: the best match is the person for at least
# three, and at least one clears the strict 1e-3 false-accept threshold
# (celebA_ir's, from the manifest; LFW photos score lower than celebA's).
((best >= 3)) || fail "best match right for $best of 4: $(cat "$work/identify.out")"
((named >= 1)) || fail "nobody named above the threshold: $(cat "$work/identify.out")"
grep -q "the one the gallery was made with" "$work/identify.err" || fail "identify did not use the gallery's recogniser"
# The same chain on OpenCV's dnn module (the models exported to ONNX in
# memory): the same faces, boxes and names, and scores within 1e-3. The
# runtimes agree to ~1e-6 on each net, but the landmark net's first pass
# places the second crop and, with upright refinement (on by default since
# issue 35), also turns it by the eyes' angle, so those differences move the
# final points a little: scores differed by up to 4e-4 at 6cff56b (0.2537
# against 0.2541), against 1e-4 with level crops.
(cd "$work" && BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery --backend=opencv_dnn \
  probes/*.jpg) >"$work/identify_opencv.out" 2>"$work/identify_opencv.err" ||
  { fail "identify --backend=opencv_dnn exited non-zero"; cat "$work/identify_opencv.err"; }
[[ $(wc -l <"$work/identify.out") -eq $(wc -l <"$work/identify_opencv.out") ]] &&
  paste "$work/identify.out" "$work/identify_opencv.out" | awk -F'\t' '
    NF != 10 || $1 != $6 || $2 != $7 || $3 != $8 || $5 != $10 { bad = 1 }
    { d = $4 - $9; if (d < 0) d = -d; if (d > 0.001) bad = 1 }
    END { exit bad }' ||
  fail "the backends differ: $(diff "$work/identify.out" "$work/identify_opencv.out")"
[[ "$(sqlite3 "$work/results.db" "select count(*) from models")" == 3 ]] || fail "the store does not hold the 3 shipped models"

BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/detect_faces" --detector_model=facerec-arcface \
  --list=/dev/null --out=d.csv >/dev/null 2>"$work/kind.err" && fail "a recogniser was taken as a detector"
[[ $(wc -l <"$work/kind.err") -eq 1 ]] || fail "wrong-kind error is not one line: $(cat "$work/kind.err")"
grep -q "is a recogniser model, not a detector" "$work/kind.err" || fail "wrong-kind message: $(cat "$work/kind.err")"
set +e
BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/detect_faces" --detector_model=nobody --list=/dev/null --out=d.csv \
  >/dev/null 2>"$work/unknown.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "unknown model name exited $code, not 2"
grep -q "no model named 'nobody'" "$work/unknown.err" || fail "unknown-name message: $(cat "$work/unknown.err")"
# A truncated model file: one line naming it, exit 2.
head -c 4096 "$work/models/facerec-arcface.pt" >"$work/truncated.pt"
set +e
BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery --embedding_model=truncated.pt \
  probes/Hugo_Chavez.jpg >/dev/null 2>"$work/truncated.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "a truncated model exited $code, not 2"
[[ $(grep -c '^identify: ' "$work/truncated.err") -eq 1 ]] &&
  grep -q '^identify: .*truncated.pt: not an embedding net: ' "$work/truncated.err" ||
  fail "truncated-model error: $(cat "$work/truncated.err")"
[[ $(grep -vc '^identify: \|^facerec: using ' "$work/truncated.err") -eq 0 ]] ||
  fail "more than the error and the model choice on stderr: $(cat "$work/truncated.err")"
[[ $status -eq 0 ]] && echo "shipped models: all checks passed (best match right for $best of 4, $named named)"
exit $status
