#!/usr/bin/env bash
# The README's OpenCV-only example, built (it links OpenCV and nothing of
# facerec) and run on the shipped recogniser exported by tools:models: two
# celebA_ir photos of one person are more similar than photos of two people,
# and the same person clears the recogniser's threshold at FAR 0.1 (from the
# manifest). Needs FACEREC_DATA.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="$TEST_TMPDIR/clone"
rm -rf "$work" && mkdir -p "$work"
ln -s "$bin/models" "$work/models"
status=0
fail() { echo "FAIL: $*"; status=1; }
if ldd "$bin/examples/opencv_face_similarity" | grep -E 'torch|absl|facerec' >/dev/null; then
  fail "the example links more than OpenCV: $(ldd "$bin/examples/opencv_face_similarity" | grep -E 'torch|absl')"
fi
BUILD_WORKSPACE_DIRECTORY="$work" "$bin/tools/models" export facerec-arcface --out=arcface.onnx >/dev/null ||
  fail "export failed"
ir="$FACEREC_DATA/celeba500/celebA_ir"
# Two photos of the first query identity, one of the next identity.
mapfile -t same < <(awk -F, 'NR > 1 { n[$2]++; if (n[$2] <= 2 && (first == "" || $2 == first)) { first = $2; print $1 } }' \
  "$ir/celebA_anno_query.csv" | head -2)
other=$(awk -F, -v id="$(awk -F, -v f="${same[0]}" '$1 == f { print $2 }' "$ir/celebA_anno_query.csv")" \
  'NR > 1 && $2 != id { print $1; exit }' "$ir/celebA_anno_query.csv")
run() { "$bin/examples/opencv_face_similarity" "$work/arcface.onnx" "$ir/celebA_query/$1" "$ir/celebA_query/$2"; }
s_same=$(run "${same[0]}" "${same[1]}")
s_other=$(run "${same[0]}" "$other")
threshold=$(python3 -c "import json; m=[m for m in json.load(open('$work/models/manifest.json'))['models'] if m['kind']=='recogniser'][0]; print(m['thresholds_at_far']['0.1'])")
awk -v a="$s_same" -v b="$s_other" 'BEGIN { exit !(a > b + 0.1) }' || fail "same person $s_same, two people $s_other"
awk -v a="$s_same" -v t="$threshold" 'BEGIN { exit !(a > t) }' || fail "same person $s_same under the FAR 0.1 threshold $threshold"
if "$bin/examples/opencv_face_similarity" "$work/arcface.onnx" /no/such.png "$ir/celebA_query/$other" \
    >/dev/null 2>"$work/missing.err"; then
  fail "a missing photo was accepted"
fi
grep -q "^cannot read /no/such.png$" "$work/missing.err" || fail "a missing photo is not named: $(cat "$work/missing.err")"
[[ $status -eq 0 ]] && echo "OpenCV alone: same person $s_same, two people $s_other (threshold at FAR 0.1: $threshold)"
exit $status
