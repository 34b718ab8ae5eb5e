#!/usr/bin/env bash
# tools:runs reproduce without git or a build (--replay_binary): a tiny
# detector training recorded at 2 threads is replayed from its record into a
# store of its own, imported beside the original, and every result number
# agrees bit for bit, with the same params and data fingerprint. The
# checkout-and-build path is the same code after those two steps. Needs
# FACEREC_DATA (tools/bazel exports it).
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
detector="${TEST_SRCDIR}/${TEST_WORKSPACE}/experiments/train_detector"
runs="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/runs"
workspace="${TEST_TMPDIR}/workspace"
mkdir -p "$workspace/experiments/configs"
# The presets the detector reads, where a checkout keeps them.
cp -r "${TEST_SRCDIR}/${TEST_WORKSPACE}/experiments/configs/detector" "$workspace/experiments/configs/"
export BUILD_WORKSPACE_DIRECTORY="$workspace"
# Two threads: the replay must not depend on the test runner's one thread.
"$detector" --seed=3 --epochs=2 --batch_size=2 --sources=dlib_train --val_sets=dlib_test --threads=2 \
  --run_name=tiny --db="$workspace/store.db" >"$TEST_TMPDIR/original.log" 2>&1 ||
  { echo "FAIL: the original run"; tail -20 "$TEST_TMPDIR/original.log"; exit 1; }
out="$TEST_TMPDIR/reproduce.txt"
"$runs" reproduce 1 --db="$workspace/store.db" --replay_binary="$detector" \
  --replay_worktree="$TEST_TMPDIR/replay" >"$out" 2>"$TEST_TMPDIR/reproduce.err" ||
  { echo "FAIL: runs reproduce exited non-zero"; cat "$TEST_TMPDIR/reproduce.err"; exit 1; }
status=0
grep -q "^Data fingerprint: same" "$out" || { echo "FAIL: data fingerprint"; status=1; }
grep -q "^Params: identical" "$out" || { echo "FAIL: params differ"; status=1; }
grep -q "^Artifact detector_net: identical bytes" "$out" || { echo "FAIL: the weights differ"; status=1; }
line=$(grep "^Results: " "$out" || true)
# "Results: N of N numbers identical bit for bit", with N > 0.
if [[ ! "$line" =~ ^Results:\ ([0-9]+)\ of\ ([0-9]+)\ numbers\ identical ]] ||
   [[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]] || [[ "${BASH_REMATCH[1]}" -lt 5 ]]; then
  echo "FAIL: results line '$line'"; status=1
fi
# The replay is in the store beside the original, tagged with its source.
"$runs" show 2 --db="$workspace/store.db" | grep -q "replay_of" || { echo "FAIL: replay not tagged"; status=1; }
if [[ $status -ne 0 ]]; then cat "$out"; fi
exit $status
