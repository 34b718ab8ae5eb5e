#!/usr/bin/env bash
# Every run a committed file cites can be looked up from the repository: a
# run is cited by the first 8 (or more) hex digits of its uid ("run
# 1b25c2b8", "runs 1b25c2b8 (CE), 021c47bd (triplet)", "summary fe8e85fe"),
# and every such id, wherever it stands in a list, must be a run of the
# committed export (experiments/results_runs.tsv; tools:runs import loads it
# into any store). Any 8-hex-digit word with both a digit and a letter counts
# as a citation: git's short commit ids have 7 digits and dates have no letter.
# Store-local run numbers ("run 36") mean nothing in another store, so
# committed documents do not use them.
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
# The export itself, this test's own examples and test fixtures are not citations.
skip=(':!experiments/results_runs.tsv' ':!tests/')
failed=0
cited=0
while IFS= read -r hit; do
  uid=${hit##*:}
  [[ $uid =~ [0-9] && $uid =~ [a-f] ]] || continue
  cited=$((cited + 1))
  if ! grep -qx "$uid" <<<"$known"; then
    echo "FAIL: ${hit%:*}: cites run $uid, which is not in experiments/results_runs.tsv"
    failed=1
  fi
done < <(git -C "$root" grep -n -o -w -E '[0-9a-f]{8}' -- "${skip[@]}")
# Store-local numbers: "run 36", "runs 13-18", "store runs 48, 36".
if hits=$(git -C "$root" grep -n -E '\b([Ss]tore )?[Rr]uns? [0-9]{1,5}\b' -- '*.md' '*.flags' '*.h' '*.cc' \
            "${skip[@]}"); then
  echo "FAIL: store-local run numbers (cite runs by uid prefix, tools/results_table.h):"
  echo "$hits"
  failed=1
fi
echo "checked $cited citations against $(wc -l <<<"$known") exported runs"
[[ $failed -eq 0 && $cited -gt 0 ]]
