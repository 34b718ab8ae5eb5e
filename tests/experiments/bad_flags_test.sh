#!/usr/bin/env bash
# Every experiment binary, fed values a user might type wrongly: each must
# exit 2 with one line naming the flag (or file) and what is allowed, and
# leave no run in the store. One row per case: binary | arguments | message.
set -uo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
# Flag checks come before any computation: skip the start-up re-exec that
# sets the threading environment (core/process.h), so each of the ~100 cases
# loads LibTorch once instead of twice.
export FACEREC_ENV_PREPARED=1
failures=0
cases=0
while IFS='|' read -r binary args expected; do
  [[ -z "$binary" || "$binary" == \#* ]] && continue
  cases=$((cases + 1))
  db="${TEST_TMPDIR}/case${cases}.db"
  rm -f "$db"*
  # shellcheck disable=SC2086
  [[ "$binary" == */* ]] || binary="experiments/$binary"
  stderr=$("$binary" $args --db="$db" 2>&1 >/dev/null)
  code=$?
  runs=0
  [[ -f "$db" ]] && runs=$(sqlite3 "$db" "select count(*) from runs")
  last=$(tail -n 1 <<<"$stderr")
  if [[ $code -ne 2 || "$last" != *"$expected"* || "$runs" != 0 ]]; then
    echo "FAIL: $binary $args: exit $code (want 2), runs $runs (want 0), last line: $last"
    echo "      want the last line to contain: $expected"
    failures=$((failures + 1))
  else
    echo "ok: $binary $args -> $last"
  fi
done <<'TABLE'
compare_losses|--optimizer=foo|--optimizer=foo: unknown optimizer 'foo'; allowed: sgd, adamw
compare_losses|--schedule=bogus|--schedule=bogus: unknown schedule 'bogus'; allowed: cosine, step
compare_losses|--batch_size=0|--batch_size=0: must be >= 1
compare_losses|--epochs=-1|--epochs=-1: must be at least 1
compare_losses|--epochs=0|--epochs=0: must be at least 1
compare_losses|--adversarial_epsilon=300|--adversarial_epsilon=300: must be in [0, 255] grey levels
compare_losses|--adversarial_steps=-2|--adversarial_steps=-2: must be >= 0 (0 = clean training)
compare_losses|--finetune_from=deadbeef00|--finetune_from=deadbeef00: no run with uid deadbeef00
compare_losses|--exclude=no/such/list.txt|--exclude=no/such/list.txt:
compare_losses|--lr=-0.1|--lr=-0.1: must be a positive number
compare_losses|--seeds=1,x|--seeds=1,x: 'x' is not a number
compare_losses|--world_size=3|--world_size=3: must divide the batch (64 images): equal shards
compare_losses|--world_size=2 --rank=2|--rank=2: must be in [0, --world_size=2) or -1
compare_losses|--world_size=0|--world_size=0: must be >= 1
compare_losses|--seeds=1,2.5|--seeds=1,2.5: '2.5' is not a seed (a whole number >= 0)
compare_losses|--seeds=3,3|--seeds=3,3: seed 3 is listed twice
compare_losses|--bootstrap_replicates=0|--bootstrap_replicates=0: must be >= 1
compare_losses|--bootstrap_confidence=1|--bootstrap_confidence=1: must be in (0, 1)
compare_losses|--momentum=1.5|--momentum=1.5: must be in [0, 1)
compare_losses|--warmup_epochs=50|--warmup_epochs=50: must be in [0, epochs]
compare_losses|--losses=ce,foo|--losses=ce,foo: unknown 'foo'; allowed: ce, triplet
compare_losses|--losses=,|--losses=,: name at least one of
compare_losses|--alignments=mine|--alignments=mine: unknown 'mine'; allowed: provided, landmark_net
compare_losses|--backbone=resnet9000|--backbone=resnet9000: unknown backbone; allowed:
compare_losses|--stem_stride=3|--stem_stride=3: allowed: 1, 2
compare_losses|--input_height=8|--input_height=8: must be >= 16
compare_losses|--triplet_mining=easy|--triplet_mining=easy: allowed: batch_hard, semi_hard
compare_losses|--min_crop_area=0|--min_crop_area=0: must be in (0, 1]
compare_losses|--color_jitter=2|--color_jitter=2: must be in [0, 1)
compare_losses|--step_milestones=5,x|--step_milestones=5,x: 'x' is not a number
compare_losses|--validate_every=0|--validate_every=0: must be >= 1
compare_losses|--loader_workers=0|--loader_workers=0: must be in [1, 64]
compare_losses|--device=gpu3|--device=gpu3: not a torch device
compare_losses|--preset=nope|config 'nope'
compare_losses|--landmark_model=no/such.pt --alignments=landmark_net|--landmark_model
compare_losses|--pk_identities=100000|--pk_identities=100000: the training images have only 500 identities
compare_losses|--data_root=/no/such/dir|data root '/no/such/dir'
compare_losses|--teachers=no/such.pt|--teachers=no/such.pt
compare_losses|--teachers=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|--teachers=aaaaaaaaaaaa...: no run
compare_losses|--distillation=kl|--distillation=kl: allowed: cosine, relational
compare_losses|--distillation_weight=-1|--distillation_weight=-1: must be in [0, 10000]
compare_losses|--teacher_combination=sum|--teacher_combination=sum: allowed: concatenate, average
compare_losses|--base_loss=softmax|--base_loss=softmax: unknown loss; allowed:
train_landmarks|--epochs=0|--epochs=0: must be >= 1
train_landmarks|--input_size=30|--input_size=30: must be a positive multiple of 16
train_landmarks|--shifted_mtfl_rows=keep|--shifted_mtfl_rows=keep: allowed: drop, correct
train_landmarks|--head=heatmap|--head=heatmap: allowed: regression, soft_argmax
train_landmarks|--seeds=1 --reference_dlib_model=/no/such.dat|--reference_dlib_model=/no/such.dat: cannot be read
train_landmarks|--max_eye_mouth_fraction=0.1|--max_eye_mouth_fraction=0.1: must be in [--min_eye_mouth_fraction, 1)
train_landmarks|--holdout_every=-3|--holdout_every=-3: must be 0 (none) or >= 2
train_landmarks|--model=no/such/net.pt|--model=
train_landmarks|--device=tpu|--device=tpu: not a torch device
dlib_landmarks|--model=/no/such.dat|--model=/no/such.dat: cannot be read
dlib_landmarks|--sets=mtfl_test,nope|nope
audit_landmark_labels|--patch_side=8|--patch_side=8
audit_landmark_labels|--sets=nope|nope
evaluate_detectors|--detectors=haar,yolo|--detectors=haar,yolo: unknown 'yolo'; allowed: ours, haar, dlib_hog
evaluate_detectors|--detectors=ours --detector_model=/no/such.pt|--detector_model=/no/such.pt
evaluate_detectors|--sets=wider|--sets=wider: unknown 'wider'
evaluate_detectors|--iou=0|--iou=0: must be in (0, 1]
evaluate_detectors|--nms_iou=2|--nms_iou=2: must be in (0, 1]
evaluate_detectors|--min_face_size=-3|--min_face_size=-3: must be >= 1, or 0 for the detector's own smallest face
evaluate_detectors|--external_detections=ssd|--external_detections=ssd: 'ssd' is not NAME=FILE
evaluate_detectors|--detectors= --external_detections=ssd=/no/such.tsv|--external_detections=ssd=/no/such.tsv: /no/such.tsv: cannot be opened
train_detector|--sources=facemask_train,wider|--sources=facemask_train,wider: unknown 'wider'
train_detector|--val_sets=facemask_train|facemask_train is a training set
train_detector|--input_size=300|--input_size=300: must be a positive multiple of 32
train_detector|--epochs=0|--epochs=0: must be at least 1
train_detector|--landmark_model=/no/such.pt|/no/such.pt
train_detector|--reference_detector=x.pt|--reference_detector=x.pt: is scored only with --seeds
train_detector|--seeds=1 --reference_detector=/no/such.pt|--reference_detector=/no/such.pt: no such file
evaluate_pipeline|--detector=yolo|--detector=yolo: unknown 'yolo'
evaluate_pipeline|--landmarks=sift|--landmarks=sift: unknown 'sift'
evaluate_pipeline|--detector=haar --embedding_model=/no/such.pt --landmark_model=/no/such.pt|--landmark_model=/no/such.pt: no such file
evaluate_pipeline|--crop_padding=mirror|--crop_padding=mirror: unknown crop padding 'mirror'
evaluate_pipeline|--score_threshold=inf|--score_threshold=inf: must be finite
attack_recogniser|--methods=cw|--methods=cw: unknown 'cw'
attack_recogniser|--epsilons=0,-1|--epsilons=-1: each must be in [0, 255]
attack_recogniser|--attacked=worst|--attacked=worst: must be 'best', 'all', run uids (8+ hex digits) or registry names: no model named 'worst'
attack_recogniser|--eyeglass_epsilons=0|--eyeglass_epsilons=0: each must be in (0, 255]
attack_recogniser|--epsilons= --eyeglass_epsilons=|--epsilons=: --epsilons and --eyeglass_epsilons are both empty
find_trash|--set=lfw --face_check=none|--set=lfw: unknown set 'lfw'; allowed: celeba500, celeba_ir
find_trash|--folds=1|--folds=1: must be >= 2
find_trash|--loss=triplet|--loss=triplet: has no classification head
find_trash|--min_centre_gap=3|--min_centre_gap=3: must be in [-2, 2]
find_trash|--no_face_z=-1|--no_face_z=-1: must be >= 0
find_trash|--list=/no/such/list.txt --face_check=none|--list=/no/such/list.txt
find_trash|--face_check=dlib|--face_check=dlib: must be none or a detector: ours, haar, dlib_hog
find_trash|--face_check=ours|--face_check=ours:
find_trash|--face_check=ours --face_check_model=/no/such.pt|--face_check_model=/no/such.pt
sweep||--name=: required: the sweep's name
sweep|--name=a,b --grid=lr=0.1|--name=a,b: may not hold ',' or '='
sweep|--name=s|--grid=: give exactly one of --grid and --space
sweep|--name=s --grid=lr --dry_run|--grid=lr: grid: 'lr' is not flag=values
sweep|--name=s --space=lr=log:0:1 --random=3|--space=lr=log:0:1: space: lr=log:0:1: need lo <= hi and 0 < lo
sweep|--name=s --space=lr=0.1:0.2|--random=0: must be >= 1 with --space
sweep|--name=s --grid=lr=0.1 --target=nonesuch|--target=nonesuch: no experiment binary nonesuch
validate_trash_search|--swap_rates=0.1,1.5 --face_check=none|--swap_rates=1.5: each must be in [0, 1)
validate_trash_search|--junk_rate=-0.1 --face_check=none|--junk_rate=-0.1: must be in [0, 1)
tools/enroll|--people=/no/such/dir|--people=/no/such/dir: no such folder
tools/identify|--far=2 x.jpg|--far=2: must be in (0, 1)
tools/identify|--gallery=/no/such.gallery x.jpg|/no/such.gallery: no such gallery
tools/detect_faces|--list=x --detector=yolo|--detector=yolo: unknown face detector 'yolo'
data_report|--max_failures_shown=-1|--max_failures_shown=-1: must be >= 0
data_report|--data_root=/no/such/dir|data root '/no/such/dir'
tools/runs|show abc|'abc' is not a run number or uid (a number, or 8 to 32 hex digits)
tools/runs|frobnicate|unknown command 'frobnicate'
tools/runs|import /no/such/runs.tsv|/no/such/runs.tsv
tools/runs|export --metric_points=-1|--metric_points=-1: must be >= 0
tools/results|--sections=losses,plots|--sections=losses,plots: unknown section 'plots'
tools/results|--export_file=/no/such/runs.tsv|--export_file: cannot read run export /no/such/runs.tsv
tools/report||--out is required
tools/report|--out=r.html --runs=xyz|--runs: 'xyz' is not a run uid
tools/report|--out=r.html --export_file=/no/such/runs.tsv|--export_file=/no/such/runs.tsv: cannot read run export
tools/report|--out=r.html --comparison=quick-0|no runs tagged comparison=quick-0
tools/report|--out=r.html --max_points=-1|--max_points=-1: must be >= 0
tools/align_faces|--box=loose --list=x|--box=loose: allowed: whole, tight
tools/align_faces|--crop_size=0 --list=x|--crop_size=0: must be in [16, 1024]
tools/align_faces|--list=/no/such/list.txt --landmark_model=/no/such.pt|/no/such
TABLE
echo "$((cases - failures)) passed, $failures failed"
[[ $failures -eq 0 && $cases -gt 0 ]]
