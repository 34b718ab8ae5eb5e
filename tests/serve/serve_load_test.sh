#!/usr/bin/env bash
# Five seconds of //benchmarks:serve_load against the real tools:serve: 8
# clients identifying, enrolling and deleting over loopback must see no
# error, the gallery must hold exactly the acknowledged changes, and after
# kill -9 in the middle of enrolments the restarted server must still have
# every acknowledged photo. Speed is the benchmark's business, not this test's.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}/benchmarks/serve_load"
out="$TEST_TMPDIR/load.out"
if ! "$bin" --seconds=5 --clients=8 --people=8 --single_photo_repeats=1 --check --crash >"$out" 2>"$TEST_TMPDIR/load.err"; then
  echo "FAIL: serve_load --check failed"
  cat "$out"
  grep -v "^I20" "$TEST_TMPDIR/load.err" | tail -20
  exit 1
fi
cat "$out"
grep -q "| errors | 0 |" "$out" || { echo "FAIL: errors"; exit 1; }
grep -q "gallery afterwards | consistent" "$out" || { echo "FAIL: gallery"; exit 1; }
grep -Eq "kill -9 during enrolment \| [1-9][0-9]* photos acknowledged, 0 lost" "$out" || { echo "FAIL: crash"; exit 1; }
echo PASS
