#!/usr/bin/env bash
# Every run a committed file cites can be looked up from the repository: a
# citation is "run <first 8 hex digits of its uid>", and each one must be a run
# of the committed export (experiments/results_runs.tsv; tools:runs import
# loads it into any store). Store-local run numbers ("run 36") mean nothing in
# another store, so committed documents do not use them.
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/docs/committed_files.sh"
export_file="$root/experiments/results_runs.tsv"
if [[ ! -s "$export_file" ]]; then
  echo "FAIL: no run export at experiments/results_runs.tsv" >&2
  exit 1
fi
known=$(awk -F'\t' '$2 == "run" { print substr($1, 1, 8) }' "$export_file" | sort -u)
if [[ -z "$known" ]]; then
  echo "FAIL: experiments/results_runs.tsv holds no run" >&2
  exit 1
fi
# The export itself and this test's own examples are not citations.
skip=(':!experiments/results_runs.tsv' ':!tests/docs/cited_runs_test.sh')
failed=0
cited=0
while IFS= read -r hit; do
  uid=${hit##* }
  cited=$((cited + 1))
  if ! grep -qx "$uid" <<<"$known"; then
    echo "FAIL: ${hit%%:run*}: cites run $uid, which is not in experiments/results_runs.tsv"
    failed=1
  fi
done < <(git -C "$root" grep -n -o -E '\b[Rr]uns? [0-9a-f]{8}\b' -- "${skip[@]}" |
         sed -E 's/[Rr]uns? ([0-9a-f]{8})$/run \1/')
# Store-local numbers: "run 36", "runs 13-18", "store runs 48, 36".
if hits=$(git -C "$root" grep -n -E '\b([Ss]tore )?[Rr]uns? [0-9]{1,5}\b' -- '*.md' '*.flags' '*.h' '*.cc' ':!tests/' \
            "${skip[@]}"); then
  echo "FAIL: store-local run numbers (cite runs by uid prefix, tools/results_table.h):"
  echo "$hits"
  failed=1
fi
echo "checked $cited citations against $(wc -l <<<"$known") exported runs"
[[ $failed -eq 0 && $cited -gt 0 ]]
