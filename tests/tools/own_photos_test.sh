#!/usr/bin/env bash
# Your own photos with the shipped models in a fresh workspace: tools:datasets
# describes a folder of people; tools:cluster_faces groups unlabelled LFW
# photos into people (every face, a CSV, contact sheets, a run in the store)
# and a named group becomes a person with tools:enroll --from_clusters;
# tools:identify --calibration --fpir sets "unknown" on photos of other
# people. Bad input gets one clear error and writes nothing. Needs FACEREC_DATA.
set -euo pipefail
: "${FACEREC_DATA:?FACEREC_DATA is not set: run through tools/bazel, which exports it}"
bin="${TEST_SRCDIR}/${TEST_WORKSPACE}"
work="$TEST_TMPDIR/clone"
lfw="$FACEREC_DATA/lfw_fold1/lfw-deepfunneled"
rm -rf "$work" && mkdir -p "$work/photos" "$work/people" "$work/others"
ln -s "$bin/models" "$work/models"
export BUILD_WORKSPACE_DIRECTORY="$work"
status=0
fail() { echo "FAIL: $*"; status=1; }

# Unlabelled photos: four people with 4+ photos, mixed in one folder tree.
people=(Jeremy_Greenstock Trent_Lott Jimmy_Carter Hugo_Chavez)
for person in "${people[@]}"; do
  mkdir -p "$work/photos/$person-trip"
  for f in $(ls "$lfw/$person" | sort | head -5); do cp "$lfw/$person/$f" "$work/photos/$person-trip/"; done
done
mkdir -p "$work/photos/unsorted" && printf 'garbage' >"$work/photos/unsorted/broken.jpg"

"$bin/tools/datasets" describe --dataset=folder:photos >"$work/describe.out" 2>"$work/describe.err" ||
  { fail "datasets describe exited non-zero"; cat "$work/describe.err"; }
grep -q "folder:photos: 21 photos of 5 identities" "$work/describe.out" || fail "describe: $(cat "$work/describe.out")"
grep -q "faces found (largest used): none 0, one .*unreadable 1" "$work/describe.out" ||
  fail "describe faces: $(cat "$work/describe.out")"

"$bin/tools/cluster_faces" --photos=photos --out=clusters >"$work/cluster.out" 2>"$work/cluster.err" ||
  { fail "cluster_faces exited non-zero"; cat "$work/cluster.err"; }
[[ -f "$work/clusters/clusters.csv" && -f "$work/clusters/summary.txt" && -f "$work/clusters/sheets/group_0000.jpg" ]] ||
  fail "cluster_faces output incomplete: $(ls -R "$work/clusters")"
head -1 "$work/clusters/clusters.csv" | grep -qx "photo,x,y,w,h,cluster,score" || fail "csv header"
grep -q "broken.jpg" "$work/clusters/summary.txt" || fail "the unreadable photo is not listed in the summary"
grep -q "cluster_faces: faces 21/21" "$work/cluster.err" || fail "no progress line: $(cat "$work/cluster.err")"
# Each of the four people's photos should mostly share one group: the group
# holding most of Trent_Lott's faces holds no one else's.
group=$(grep '^Trent_Lott-trip/' "$work/clusters/clusters.csv" | cut -d, -f6 | grep -v unassigned | sort | uniq -c |
  sort -rn | head -1 | awk '{print $2}')
[[ -n "$group" ]] || fail "Trent_Lott's faces were all left unassigned: $(cat "$work/clusters/clusters.csv")"
others=$(awk -F, -v g="$group" 'NR > 1 && $6 == g && $1 !~ /^Trent_Lott-trip/' "$work/clusters/clusters.csv" | wc -l)
[[ $others -eq 0 ]] || fail "group $group mixes people: $(grep ",$group," "$work/clusters/clusters.csv")"
[[ "$(sqlite3 "$work/results.db" "select count(*) from runs r join experiments e on e.id = r.experiment_id where e.name = 'cluster_faces' and r.status = 'FINISHED'")" == 1 ]] ||
  fail "no finished cluster_faces run in the store"

"$bin/tools/enroll" --from_clusters=clusters --name="$group:trent" --gallery=g.gallery >"$work/enroll.out" 2>"$work/enroll.err" ||
  { fail "enroll --from_clusters exited non-zero"; cat "$work/enroll.err"; }
grep -q "enrolled trent from" "$work/enroll.out" || fail "enroll: $(cat "$work/enroll.out")"
probe=$(ls "$lfw/Trent_Lott" | sort | sed -n 6p)
"$bin/tools/identify" --gallery=g.gallery --threshold=0.3 "$lfw/Trent_Lott/$probe" >"$work/identify.out" 2>/dev/null ||
  fail "identify exited non-zero"
grep -q $'\ttrent\t' "$work/identify.out" || fail "the enrolled group does not name a new photo: $(cat "$work/identify.out")"

# --fpir against this gallery, calibrated on 100+ photos of people not in it.
n=0
for dir in "$lfw"/*; do
  name=$(basename "$dir")
  [[ "$name" == Trent_Lott ]] && continue
  mkdir -p "$work/others/$name" && cp "$dir"/* "$work/others/$name/"
  n=$((n + $(ls "$dir" | wc -l)))
  ((n >= 120)) && break
done
"$bin/tools/identify" --gallery=g.gallery --calibration=folder:others --fpir=0.01 "$lfw/Trent_Lott/$probe" \
  >/dev/null 2>"$work/fpir.err" || { fail "identify --fpir exited non-zero"; cat "$work/fpir.err"; }
grep -q "FPIR 0.01 against these 1 people, calibrated on 1[0-9][0-9] photos of others in folder:others" "$work/fpir.err" ||
  fail "identify --fpir: $(cat "$work/fpir.err")"
set +e
"$bin/tools/identify" --gallery=g.gallery --fpir=0.01 "$lfw/Trent_Lott/$probe" >/dev/null 2>"$work/nocal.err"
code=$?
set -e
[[ $code -eq 2 ]] && grep -q "needs --calibration" "$work/nocal.err" || fail "--fpir without calibration: $code $(cat "$work/nocal.err")"

# Bad input: an empty folder and a missing one are one error each, exit 2,
# and leave no run behind.
mkdir -p "$work/empty"
for args in "--photos=empty --out=o1" "--photos=absent --out=o2" "--photos=photos --out=o3 --algorithm=kmeans"; do
  set +e
  # shellcheck disable=SC2086
  "$bin/tools/cluster_faces" $args >/dev/null 2>"$work/bad.err"
  code=$?
  set -e
  [[ $code -eq 2 ]] || fail "cluster_faces $args exited $code, not 2: $(cat "$work/bad.err")"
  [[ $(grep -c '^cluster_faces: ' "$work/bad.err") -eq 1 ]] || fail "cluster_faces $args: $(cat "$work/bad.err")"
done
[[ "$(sqlite3 "$work/results.db" "select count(*) from runs r join experiments e on e.id = r.experiment_id where e.name = 'cluster_faces'")" == 1 ]] ||
  fail "a failed cluster_faces left a run behind"
[[ $status -eq 0 ]] && echo "own photos: all checks passed (Trent_Lott's group $group)"
exit $status
