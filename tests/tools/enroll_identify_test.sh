#!/usr/bin/env bash
# tools:enroll and tools:identify end to end on LFW photos, with Haar as the
# detector and untrained landmark and embedding nets (make_untrained_models):
# the plumbing, not the accuracy (measured with trained models in
# experiments/RESULTS.md). Enrolment skips a broken and a faceless photo by
# name and still writes the gallery; identify prints one line per face, JSON
# on request, names unreadable and faceless photos and runs the rest, and
# refuses a gallery made by another recogniser. Needs FACEREC_DATA.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="$TEST_TMPDIR"
lfw="$FACEREC_DATA/lfw_fold1/lfw-deepfunneled"
"$bin/tests/tools/make_untrained_models" "$work"
mkdir -p "$work/people/Hugo_Chavez" "$work/people/Jennifer_Garner" "$work/people/Nobody"
cp "$lfw/Hugo_Chavez/Hugo_Chavez_0002.jpg" "$lfw/Hugo_Chavez/Hugo_Chavez_0027.jpg" "$work/people/Hugo_Chavez/"
cp "$lfw/Jennifer_Garner/Jennifer_Garner_0001.jpg" "$work/people/Jennifer_Garner/"
echo "not a jpeg" >"$work/people/Jennifer_Garner/broken.jpg"
printf 'P5\n64 48\n255\n' >"$work/people/Nobody/blank.pgm"
head -c $((64 * 48)) /dev/zero | tr '\0' '\200' >>"$work/people/Nobody/blank.pgm"
models=(--detector=haar --landmark_model="$work/landmark_net.pt" --db="$work/none.db")
status=0
fail() { echo "FAIL: $*"; status=1; }

BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/enroll" --people="$work/people" --gallery=g.gallery \
  "${models[@]}" --embedding_model="$work/embedding_a.pt" >"$work/enroll.out" 2>"$work/enroll.err" ||
  { fail "enroll exited non-zero"; cat "$work/enroll.err"; }
grep -q "enrolled 2 people from 3 photos" "$work/enroll.out" || fail "enroll summary: $(cat "$work/enroll.out")"
grep -q "broken.jpg: cannot be read as an image; skipped" "$work/enroll.err" || fail "broken photo not named"
grep -q "blank.pgm: no face found; skipped" "$work/enroll.err" || fail "faceless photo not named"
grep -q "Nobody: no usable photo; not enrolled" "$work/enroll.err" || fail "empty person not named"
[[ "$(sqlite3 "$work/g.gallery" "select group_concat(name) from person")" == "Hugo_Chavez,Jennifer_Garner" ]] ||
  fail "gallery people: $(sqlite3 "$work/g.gallery" "select * from person" | cut -c1-80)"
sha=$(sha256sum "$work/embedding_a.pt" | cut -d' ' -f1)
[[ "$(sqlite3 "$work/g.gallery" "select value from gallery where key='recogniser_sha256'")" == "$sha" ]] ||
  fail "gallery does not record the recogniser's sha256"

cp "$lfw/Hugo_Chavez/Hugo_Chavez_0033.jpg" "$work/probe.jpg"
echo "garbage" >"$work/broken_probe.jpg"
BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery --threshold=0.5 \
  "${models[@]}" --embedding_model="$work/embedding_a.pt" probe.jpg broken_probe.jpg people/Nobody/blank.pgm \
  >"$work/identify.out" 2>"$work/identify.err" || { fail "identify exited non-zero"; cat "$work/identify.err"; }
line=$(grep '^probe.jpg' "$work/identify.out" | head -1)
IFS=$'\t' read -r file box name score best <<<"$line"
[[ "$box" =~ ^[0-9]+,[0-9]+,[0-9]+,[0-9]+$ ]] || fail "box field '$box'"
[[ "$best" == "Hugo_Chavez" || "$best" == "Jennifer_Garner" ]] || fail "best name '$best'"
awk -v s="$score" -v n="$name" 'BEGIN { exit !((s >= 0.5 && n != "unknown") || (s < 0.5 && n == "unknown")) }' ||
  fail "name '$name' does not follow score $score against threshold 0.5"
grep -q $'^broken_probe.jpg\tunreadable' "$work/identify.out" || fail "unreadable photo has no line"
grep -q $'^people/Nobody/blank.pgm\tno face' "$work/identify.out" || fail "faceless photo has no line"

BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery --threshold=0.5 --json \
  "${models[@]}" --embedding_model="$work/embedding_a.pt" probe.jpg >"$work/identify.json" 2>/dev/null ||
  fail "identify --json exited non-zero"
grep -q '^{"photo":"probe.jpg","faces":\[{"box":\[' "$work/identify.json" || fail "json: $(cat "$work/identify.json")"

if BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/identify" --gallery=g.gallery --threshold=0.5 \
    "${models[@]}" --embedding_model="$work/embedding_b.pt" probe.jpg >/dev/null 2>"$work/other.err"; then
  fail "a gallery of another recogniser was accepted"
fi
grep -q "the gallery was made by recogniser ${sha:0:12}" "$work/other.err" || fail "refusal message: $(cat "$work/other.err")"
[[ $status -eq 0 ]] && echo "enroll and identify: all checks passed"
exit $status
