# Sourced by the tests that read every committed file (not declared inputs):
# sets $root to the git checkout the test was built from, found through
# README.md's runfiles link, or fails the test.
readme=$(readlink -f "${TEST_SRCDIR}/${TEST_WORKSPACE}/README.md")
root=$(dirname "$readme")
if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "FAIL: $root is not a git checkout; cannot list the committed files" >&2
  exit 1
fi
