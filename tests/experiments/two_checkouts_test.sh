#!/usr/bin/env bash
# The same tiny configuration run from two checkout paths is the same
# configuration: same config hash, same workspace-relative artifact path,
# and no checkout path anywhere in either record. (The weights themselves are
# equal only at equal thread counts: see facerec/train/trainer.h.)
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
binary="$PWD/experiments/train_landmarks"
for name in checkout_a deeper/checkout_b; do
  dir="${TEST_TMPDIR}/$name"
  mkdir -p "$dir"
  (cd "$dir" && BUILD_WORKSPACE_DIRECTORY="$dir" "$binary" --epochs=1 --validate_every=1 \
     --refine_passes=0 --flip_average=false --db=results.db >/dev/null 2>"$dir/stderr") ||
    { echo "FAIL: train_landmarks in $dir"; tail -5 "$dir/stderr"; exit 1; }
done
a="${TEST_TMPDIR}/checkout_a/results.db"
b="${TEST_TMPDIR}/deeper/checkout_b/results.db"
query() { sqlite3 "$1" "$2"; }
hash_a=$(query "$a" "select config_hash from runs")
hash_b=$(query "$b" "select config_hash from runs")
artifact_a=$(query "$a" "select path from artifacts where kind = 'landmark_net'")
artifact_b=$(query "$b" "select path from artifacts where kind = 'landmark_net'")
echo "config hash: $hash_a / $hash_b"
echo "artifact:    $artifact_a / $artifact_b"
status=0
[[ -n "$hash_a" && "$hash_a" == "$hash_b" ]] || { echo "FAIL: config hashes differ"; status=1; }
[[ "$artifact_a" == artifacts/landmarks/* && "$artifact_a" == "$artifact_b" ]] ||
  { echo "FAIL: artifact records differ or are not workspace-relative"; status=1; }
for db in "$a" "$b"; do
  for table in params tags artifacts; do
    if query "$db" "select * from $table" | grep -F "${TEST_TMPDIR}"; then
      echo "FAIL: $table of $db holds the checkout path"
      status=1
    fi
  done
done
exit $status
