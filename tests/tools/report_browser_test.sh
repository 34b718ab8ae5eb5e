#!/usr/bin/env bash
# tools:report's page in a real browser (headless Chromium, Debian package
# chromium, which tools/bazel installs): the report of the newest quick
# loss comparison and of the whole committed run export (every kind of chart:
# curves, ROC, intervals over seeds, CED, detection PR, attacks, parallel
# coordinates), and of the newest sweep's points. Fails on any console
# message or page error, on a chart that drew nothing, when a kind of chart
# is missing from the whole export's page or the parallel coordinates from
# the sweep's, and when the table's filter shows other rows than the words
# typed select.
# Screenshots go to the test's outputs. No network: the page is a local file
# with Chart.js inlined.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x "$chromium" ]]; then
  echo "FAIL: $chromium not found: the Debian package chromium is installed by tools/bazel"
  exit 1
fi
outputs="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}"
export_file=experiments/results_runs.tsv
# The newest quick comparison of runs of two losses or more (a lone re-run is
# a comparison too, and so is ArcFace against its bf16 variant: one loss).
quick=$(awk -F'\t' '
          $2 == "tag" && $3 == "comparison" && $4 ~ /^quick-[0-9]+$/ {comparison[$1] = $4}
          $2 == "param" && $3 == "loss" {loss[$1] = $4}
          END {for (run in comparison) if (run in loss) print comparison[run], loss[run]}' "$export_file" |
        sort -u | awk '{losses[$1]++} END {for (c in losses) if (losses[c] >= 2) print c}' |
        sort -t- -k2,2n | tail -1)
[[ -n "$quick" ]] || { echo "FAIL: no quick comparison in $export_file"; exit 1; }

browse() {  # browse PAGE PROFILE ARGS...: chromium headless on a local file.
  local page=$1 profile=$2
  shift 2
  # The networking flags keep Chromium from reaching for Google's hosts,
  # which this machine's closed network refuses.
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --no-first-run --disable-background-networking --disable-component-update --disable-sync \
      --disable-extensions --user-data-dir="$TEST_TMPDIR/$profile" "$@" "$page"
}

status=0
check() {  # check NAME FILTER REPORT_ARGS... : writes, renders and checks one report.
  local name=$1 words=$2
  shift 2
  local page="$TEST_TMPDIR/$name.html"
  if ! BUILD_WORKSPACE_DIRECTORY="$TEST_TMPDIR" tools/report --export_file="$PWD/$export_file" \
      --out="$page" "$@" >"$TEST_TMPDIR/$name.out" 2>&1; then
    echo "FAIL: $name: tools:report exited non-zero"; cat "$TEST_TMPDIR/$name.out"; status=1; return
  fi
  browse "file://$page#selfcheck=$words" "$name-profile" --enable-logging=stderr --v=0 \
      --virtual-time-budget=15000 --dump-dom >"$TEST_TMPDIR/$name.dom" 2>"$TEST_TMPDIR/$name.log" ||
    { echo "FAIL: $name: chromium exited non-zero"; tail -20 "$TEST_TMPDIR/$name.log"; status=1; return; }
  if grep -q 'CONSOLE' "$TEST_TMPDIR/$name.log"; then
    echo "FAIL: $name: console messages:"; grep 'CONSOLE' "$TEST_TMPDIR/$name.log"; status=1
  fi
  python3 - "$TEST_TMPDIR/$name.dom" "$name" "$words" "$@" <<'PY' || status=1
import html, json, re, sys
dom, name, words = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
m = re.search(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', dom, re.S)
if not m or not m.group(1).strip():
    sys.exit(f"FAIL: {name}: the page wrote no self-check (its script did not run to the end)")
check = json.loads(html.unescape(m.group(1)))
failed = []
if check["errors"]:
    failed.append(f"page errors {check['errors']}")
blank = [c["id"] for c in check["charts"] if not c["drawn"]]
if blank:
    failed.append(f"charts that drew nothing: {blank}")
if not check["charts"]:
    failed.append("no charts")
if not check["filter_rows_match"] or not 0 < check["rows_after_filter"] < check["rows"]:
    failed.append(f"filter '{words}': {check['rows_after_filter']} of {check['rows']} rows, "
                  f"match {check['filter_rows_match']}")
args = " ".join(sys.argv[4:])
if "--sweep" in args and "chart-parallel" not in {c["id"] for c in check["charts"]}:
    failed.append("a sweep's page without its parallel coordinates")
if "--comparison" not in args and "--sweep" not in args:
    every = {"chart-curves", "chart-roc", "chart-intervals", "chart-differences", "chart-ced",
             "chart-pr", "chart-attacks", "chart-parallel"}
    missing = every - {c["id"] for c in check["charts"]}
    if missing:
        failed.append(f"charts missing from the whole export's page: {sorted(missing)}")
if failed:
    sys.exit(f"FAIL: {name}: " + "; ".join(failed))
print(f"{name}: {len(check['charts'])} charts drawn ({', '.join(c['id'] for c in check['charts'])}), "
      f"filter kept {check['rows_after_filter']} of {check['rows']} rows, no page errors")
PY
  browse "file://$page" "$name-shot" --hide-scrollbars --window-size=1400,4200 \
      --virtual-time-budget=15000 --screenshot="$outputs/$name.png" >/dev/null 2>&1 ||
    { echo "FAIL: $name: no screenshot"; status=1; }
}

# Filter words that keep some rows and drop others: one loss of the
# comparison (one seed or several); one loss among finished runs of the
# whole export.
check quick_comparison "loss=arcface" --comparison="$quick"
check whole_export "arcface%20finished"
# The newest sweep of the export: its points' page.
sweep=$(awk -F'\t' '$2 == "tag" && $3 == "sweep" {s = $4} END {print s}' "$export_file")
[[ -n "$sweep" ]] || { echo "FAIL: no sweep in $export_file"; exit 1; }
# A flag value some but not all of its points have (a point's tag sweep_point
# is "flag=value;flag=value"), so the filter must drop rows and keep some.
words=$(awk -F'\t' -v sweep="$sweep" '
  $2 == "tag" && $3 == "sweep" && $4 == sweep {in_sweep[$1] = 1}
  $2 == "tag" && $3 == "sweep_point" {point[$1] = $4}
  END {
    for (run in in_sweep) {
      if (!(run in point)) continue
      ++runs; n = split(point[run], parts, ";")
      for (i = 1; i <= n; ++i) ++count[parts[i]]
    }
    for (w in count) if (count[w] < runs) {print w; exit}
  }' "$export_file")
[[ -n "$words" ]] || { echo "FAIL: sweep $sweep has no flag value that only some of its points have"; exit 1; }
check sweep_points "$words" --sweep="$sweep"
exit $status
