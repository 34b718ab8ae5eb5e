#!/usr/bin/env bash
# experiments/RESULTS.md is tools:results' output on the committed run export,
# byte for byte: what a fresh clone gets from
#   tools/bazel run //tools:results -- --export_file=experiments/results_runs.tsv \
#       --preset=full --out=experiments/RESULTS.md
# Runs in the runfiles tree, which holds the export, the notes and the document.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
out="${TEST_TMPDIR}/RESULTS.md"
tools/results --export_file=experiments/results_runs.tsv --preset=full \
    --notes=experiments/results_notes.md >"$out"
if ! diff -u experiments/RESULTS.md "$out"; then
  echo "FAIL: experiments/RESULTS.md is not what tools:results writes from the export" \
       "(regenerate it with the command above)"
  exit 1
fi
echo "RESULTS.md regenerated identically ($(wc -c <"$out") bytes)"
