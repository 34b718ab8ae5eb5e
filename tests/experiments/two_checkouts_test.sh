#!/usr/bin/env bash
# The same tiny configuration run from two checkout paths is the same
# configuration: same config hash, same workspace-relative artifact path,
# and no checkout path anywhere in either record. (The weights themselves are
# equal only at equal thread counts: see facerec/train/trainer.h.) Then the
# saved net, evaluated with other shape flags, is recorded as what it is: its
# own shape and its sha256.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
binary="$PWD/experiments/train_landmarks"
for name in checkout_a deeper/checkout_b; do
  dir="${TEST_TMPDIR}/$name"
  mkdir -p "$dir"
  (cd "$dir" && BUILD_WORKSPACE_DIRECTORY="$dir" "$binary" --epochs=1 --validate_every=1 \
     --base_width=8 --refine_passes=0 --flip_average=false --db=results.db >/dev/null 2>"$dir/stderr") ||
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
# Origins name what was typed, and only that: not flags the process set itself.
origins=$(query "$a" "select key || '=' || value from tags where key like 'origin/%' order by key")
echo "origins:     $(tr '\n' ' ' <<<"$origins")"
grep -qx "origin/epochs=command line" <<<"$origins" || { echo "FAIL: no origin for --epochs"; status=1; }
if grep -q "logtostderr" <<<"$origins"; then echo "FAIL: logtostderr recorded as typed"; status=1; fi
dir="${TEST_TMPDIR}/checkout_a"
(cd "$dir" && BUILD_WORKSPACE_DIRECTORY="$dir" "$binary" --model="$artifact_a" --base_width=16 \
   --refine_passes=0 --flip_average=false --db=results.db >/dev/null 2>"$dir/stderr_eval") ||
  { echo "FAIL: train_landmarks --model=$artifact_a"; tail -5 "$dir/stderr_eval"; exit 1; }
eval_width=$(query "$a" "select value from params p join runs r on r.id = p.run_id
                         where r.name = 'landmark_net_eval' and p.key = 'base_width'")
eval_sha=$(query "$a" "select value from params p join runs r on r.id = p.run_id
                       where r.name = 'landmark_net_eval' and p.key = 'model_sha256'")
file_sha=$(sha256sum "$dir/$artifact_a" | cut -d' ' -f1)
echo "evaluated:   base_width $eval_width, sha256 $eval_sha"
[[ "$eval_width" == 8 ]] || { echo "FAIL: the evaluated net's base_width is recorded as '$eval_width'"; status=1; }
[[ "$eval_sha" == "$file_sha" ]] || { echo "FAIL: model_sha256 '$eval_sha' is not the file's $file_sha"; status=1; }
exit $status
