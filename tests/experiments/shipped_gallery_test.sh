#!/usr/bin/env bash
# experiments:evaluate_gallery's LFW protocol gives the same rank-1 (within
# 0.01) with the shipped models, chosen by alias default in a fresh store, as
# with the same models found in a store through the runs that trained them
# (the committed export imported, the files at the paths those runs recorded;
# the detector and landmark net by the fallback rule, the recogniser by its
# run's artifact path). On LFW fold 1's people whose names begin with A to D
# (evaluate_gallery --dataset=folder:), a quarter of the protocol's photos:
# the two paths are what is compared, and the whole fold takes 80 s. Needs
# FACEREC_DATA.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}"
status=0
fail() { echo "FAIL: $*"; status=1; }
rank1() { sed -n 's/^rank-1 accuracy \([0-9.]*\);.*/\1/p' "$1"; }

people="$TEST_TMPDIR/people"
rm -rf "$people" && mkdir -p "$people"
for dir in "$FACEREC_DATA"/lfw_fold1/lfw-deepfunneled/[A-D]*; do ln -s "$dir" "$people/$(basename "$dir")"; done

shipped="$TEST_TMPDIR/shipped"
rm -rf "$shipped" && mkdir -p "$shipped"
ln -s "$bin/models" "$shipped/models"
BUILD_WORKSPACE_DIRECTORY="$shipped" "$bin/experiments/evaluate_gallery" --threads=2 --dataset=folder:"$people" \
  >"$shipped/out" 2>"$shipped/err" || { fail "evaluate_gallery with the shipped models"; tail -3 "$shipped/err"; }
grep -q "using detector facerec-detector:1 (alias default" "$shipped/err" || fail "not the shipped detector"

stored="$TEST_TMPDIR/stored"
rm -rf "$stored" && mkdir -p "$stored"
BUILD_WORKSPACE_DIRECTORY="$stored" "$bin/tools/runs" import "$bin/experiments/results_runs.tsv" >/dev/null
manifest="$bin/models/manifest.json"
recogniser=""
while IFS=$'\t' read -r kind uid file; do
  artifact=$(sqlite3 "$stored/results.db" "select a.path from artifacts a join runs r on r.id = a.run_id
    where r.uid = '$uid' and a.kind in ('detector_net', 'landmark_net', 'embedding_net')")
  [[ -n "$artifact" ]] || { fail "run $uid has no model artifact in the export"; continue; }
  mkdir -p "$stored/$(dirname "$artifact")"
  cp "$bin/$file" "$stored/$artifact"
  [[ "$kind" == recogniser ]] && recogniser="$artifact"
done < <(python3 -c "
import json
for m in json.load(open('$manifest'))['models']: print(m['kind'], m['run_uid'], m['file'], sep='\t')")
BUILD_WORKSPACE_DIRECTORY="$stored" "$bin/experiments/evaluate_gallery" --threads=2 --dataset=folder:"$people" \
  --embedding_model="$recogniser" \
  >"$stored/out" 2>"$stored/err" || { fail "evaluate_gallery with the store's models"; tail -3 "$stored/err"; }
grep -q "using detector .*(fallback: " "$stored/err" || fail "the store's detector was not found by the run rule: $(cat "$stored/err" | head -3)"

a=$(rank1 "$shipped/out")
b=$(rank1 "$stored/out")
[[ -n "$a" && -n "$b" ]] || fail "no rank-1 line: '$a' '$b'"
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01) }' || fail "rank-1 $a (shipped) vs $b (store)"
[[ $status -eq 0 ]] && echo "LFW gallery rank-1: shipped $a, from the store $b"
exit $status
