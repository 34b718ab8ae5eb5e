#!/usr/bin/env bash
# No committed file holds an absolute path of the machine it was made on: the
# checkout's own location, or a home or work directory. Records and documents
# must mean the same thing in any checkout (see facerec/core/data_root.h,
# WorkspaceRelative).
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/docs/committed_files.sh"
patterns=("$root/" "/root/" "/home/" "/work/")
found=0
for pattern in "${patterns[@]}"; do
  # Committed files only; this test names the patterns itself.
  if hits=$(git -C "$root" grep -n -F -e "$pattern" -- ':!tests/docs/no_machine_paths_test.sh'); then
    echo "FAIL: committed files contain '$pattern':"
    echo "$hits"
    found=1
  fi
done
files=$(git -C "$root" ls-files | wc -l)
echo "checked $files committed files for ${#patterns[@]} patterns"
[[ $found -eq 0 && $files -gt 100 ]]
