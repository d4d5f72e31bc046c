#!/usr/bin/env bash
# Trains the default models and writes models/logo-embedder and models/logo-detector
# (model.onnx, model.json each).
#
# Steps: training/setup.sh (Debian packages, simple-icons) -> Debian's PyTorch packages ->
# embedder/prerender.py (training views, once) -> embedder/train.py (resumable) ->
# embedder/export.py -> detector/prerender.py (training frames, once) -> detector/train.py
# (resumable) -> detector/export.py. Fixed seed; a second run with the same options resumes
# or reuses what is done. Run it in the background on a shared machine:
#   nohup training/train.sh > train.out 2>&1 &
#
# Usage: training/train.sh [--schedule short|long] [--steps N] [--seed N] [--out DIR] [--work DIR]
#                          [--only embedder|detector] [--real-repo DIR] [--sportswear-repo DIR]
#                          [--embedder-real none|brands|backgrounds] [--logodet-repo DIR]
#                          [--no-apt] [--no-setup]
#   --schedule short  the committed models: embedder 2000 steps of 160 crops (30-60 min on 2
#                     shared cores), detector 2500 steps of 16 crops (40-80 min)
#   --schedule long   embedder 6000 steps and twice the rendered frames per brand (about 3 h)
#   --steps           embedder steps instead of the schedule's
#   --out             models folder to write (default models/)
#   --work            rendered data and run folders (default ~/.cache/logowatch)
#   --real-repo       a git snapshot of jordane95/yologo-dataset: the detector also trains on
#                     its real street photos (groups 1, 2, 4, 5; 3 and 6 held out), mixed with
#                     2,400 synthetic frames, 3000 steps (the "mixed" row of docs/accuracy.md)
#   --sportswear-repo a git snapshot of Zhe-cz/logo-detection-project (with --real-repo): the
#                     detector also trains on its photos of five sportswear brands (361, anta,
#                     erke, kappa, xtep); the other five are the open dev set, never trained on.
#                     This is how the committed detector was trained (51.7 min on 2 cores)
#   --embedder-real   with --sportswear-repo, real crops in the embedder's batches too
#                     (embedder/realviews.py): "brands" (the five training brands' photo crops and
#                     real backgrounds) or "backgrounds" (real backgrounds only); default none,
#                     as the committed embedder (measured in docs/accuracy.md)
#   --logodet-repo    a git snapshot of leaaumagy/Logo-detection-with-yolov8-on-youtube-videos
#                     (with --sportswear-repo): its LogoDet-3K clothes photos of 29 training marks
#                     (realdata/logodet_clothes.py; 12 more are an open dev set) fine-tune the
#                     detector, 1000 more steps with zoomed-out crops so large marks are learnt
#                     whole; with --embedder-real brands the embedder's real crops include them
# Needs ../shared/models/mobilenet_v3_small_imagenet_features.pt for the ImageNet start;
# without it the backbones train from scratch (with a warning) and end up clearly worse.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
python=/usr/bin/python3
schedule=short
steps=
seed=0
out=$repo/models
work=${LOGOWATCH_TRAINING_WORK:-$HOME/.cache/logowatch}
only=
real_repo=
sportswear_repo=
logodet_repo=
embedder_real=none
apt=1
setup=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --schedule) schedule=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --no-apt) apt=0; shift ;;
    --no-setup) setup=0; shift ;;
    --real-repo) real_repo=$2; shift 2 ;;
    --sportswear-repo) sportswear_repo=$2; shift 2 ;;
    --embedder-real) embedder_real=$2; shift 2 ;;
    --logodet-repo) logodet_repo=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "train.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
case $schedule in
  short) frames=8; : "${steps:=2000}" ;;
  long) frames=16; : "${steps:=6000}" ;;
  *) echo "train.sh: --schedule must be short or long, got $schedule" >&2; exit 2 ;;
esac
case $embedder_real in
  none) ;;
  brands|backgrounds) [[ -n $sportswear_repo ]] || { echo "train.sh: --embedder-real needs --sportswear-repo" >&2; exit 2; } ;;
  *) echo "train.sh: --embedder-real must be none, brands or backgrounds, got $embedder_real" >&2; exit 2 ;;
esac
case $only in
  ""|embedder|detector) ;;
  *) echo "train.sh: --only must be embedder or detector, got $only" >&2; exit 2 ;;
esac
detector_steps=2500
if [[ -n $real_repo ]]; then
  git --git-dir "$real_repo" cat-file -e 0c7dd0c091ef301fe53e39df3ba3a787a28a8f82 2>/dev/null || {
    echo "train.sh: --real-repo $real_repo is not a git snapshot of jordane95/yologo-dataset holding commit 0c7dd0c" >&2
    exit 2
  }
  detector_steps=3000
fi
if [[ -n $sportswear_repo ]]; then
  [[ -n $real_repo ]] || { echo "train.sh: --sportswear-repo needs --real-repo (its negatives come from yologo)" >&2; exit 2; }
  git --git-dir "$sportswear_repo" cat-file -e 49f366c8c1b76ebac5b220d47f6ca611675e209d 2>/dev/null || {
    echo "train.sh: --sportswear-repo $sportswear_repo is not a git snapshot of Zhe-cz/logo-detection-project holding commit 49f366c" >&2
    exit 2
  }
fi
if [[ -n $logodet_repo ]]; then
  [[ -n $sportswear_repo ]] || { echo "train.sh: --logodet-repo needs --sportswear-repo" >&2; exit 2; }
  git --git-dir "$logodet_repo" cat-file -e 637a6d258e17852d4b1ac7cea66669b99032bdbf 2>/dev/null || {
    echo "train.sh: --logodet-repo $logodet_repo is not a git snapshot of leaaumagy/Logo-detection-with-yolov8-on-youtube-videos holding commit 637a6d2" >&2
    exit 2
  }
fi

if [[ $setup -eq 1 ]]; then
  if [[ $apt -eq 1 ]]; then "$here/setup.sh"; else "$here/setup.sh" --no-apt; fi
fi
if [[ $apt -eq 1 ]]; then
  missing=()
  for pkg in python3-torch python3-torchvision python3-onnx python3-numpy python3-pil; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "train.sh: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

real=$work/real/yologo-proposals
sportswear=$work/real/sportswear
if [[ -n $real_repo ]]; then
  [[ -f $real/labels.jsonl ]] || "$python" "$here/realdata/yologo.py" --repo "$real_repo" --out "$real"
fi
if [[ -n $sportswear_repo ]]; then
  [[ -f $sportswear/labels.jsonl ]] ||
    "$python" "$here/realdata/sportswear.py" --repo "$sportswear_repo" --negatives "$real" --out "$sportswear"
fi
logodet=$work/real/logodet-clothes
if [[ -n $logodet_repo ]]; then
  [[ -f $logodet/card.json ]] ||
    "$python" "$here/realdata/logodet_clothes.py" --repo "$logodet_repo" --negatives "$real" --out "$logodet"
fi

if [[ $only != detector ]]; then
  views=$work/embedder/views-f$frames-seed$seed
  run=$work/embedder/run-$schedule-s$steps-seed$seed
  real_views=()
  if [[ $embedder_real != none ]]; then
    if [[ -n $logodet_repo ]]; then
      "$python" "$here/embedder/realviews.py" --sportswear "$sportswear" --yologo "$real" --logodet "$logodet" \
        --out "$work/embedder/real-views-logodet-seed$seed" --seed "$seed"
      real_views=(--real-views "$work/embedder/real-views-logodet-seed$seed" --real-brands 12)
      run=$work/embedder/run-reallogodet-$schedule-s$steps-seed$seed
    else
      "$python" "$here/embedder/realviews.py" --sportswear "$sportswear" --yologo "$real" \
        --out "$work/embedder/real-views-seed$seed" --seed "$seed"
      real_views=(--real-views "$work/embedder/real-views-seed$seed")
      run=$work/embedder/run-real-$schedule-s$steps-seed$seed
    fi
    if [[ $embedder_real == backgrounds ]]; then
      real_views+=(--real-per-brand 0 --real-backgrounds 32)
      run=$work/embedder/run-realbg-$schedule-s$steps-seed$seed
    fi
  fi
  mkdir -p "$work/embedder"
  echo "train.sh: embedder views in $views, run in $run"
  "$python" "$here/embedder/prerender.py" --out "$views" --seed "$seed" --frames "$frames"
  "$python" "$here/embedder/train.py" --views "$views" --out "$run" --steps "$steps" --seed "$seed" "${real_views[@]}"
  tail -n 2 "$run/train.log"
  "$python" "$here/embedder/export.py" --weights "$run/final.pt" --out "$out/logo-embedder"
fi
if [[ $only != embedder ]]; then
  mkdir -p "$work/detector"
  if [[ -z $real_repo ]]; then
    frames_dir=$work/detector/frames-seed$seed
    run=$work/detector/run-s$detector_steps-seed$seed
    echo "train.sh: detector frames in $frames_dir, run in $run"
    "$python" "$here/detector/prerender.py" --out "$frames_dir" --seed "$seed"
    # One thread, as the committed model was trained: the thread count changes the rounding of
    # PyTorch's reductions, so another count gives another (equally good) model.
    "$python" "$here/detector/train.py" --frames "$frames_dir" --out "$run" --steps "$detector_steps" \
      --seed "$seed" --threads 1
  else
    frames_dir=$work/detector/frames-n2400-seed$seed
    run=$work/detector/run-mixed-s$detector_steps-seed$seed
    echo "train.sh: detector frames in $frames_dir and $work/real/yologo-detector/frames, run in $run"
    "$python" "$here/detector/prerender.py" --out "$frames_dir" --seed "$seed" --frames 2400
    [[ -f $work/real/yologo-detector/frames/frames.json ]] ||
      "$python" "$here/realdata/detector_frames.py" --set "$real" --out "$work/real/yologo-detector"
    real_frames=("$work/real/yologo-detector/frames")
    if [[ -n $sportswear_repo ]]; then
      [[ -f $work/real/sportswear-detector/frames/frames.json ]] ||
        "$python" "$here/realdata/detector_frames.py" --set "$sportswear" --out "$work/real/sportswear-detector" \
          --dev-brands adidas,lining,newbalance,nike,puma
      real_frames+=("$work/real/sportswear-detector/frames")
      run=$work/detector/run-mixed3-s$detector_steps-seed$seed
    fi
    "$python" "$here/detector/train.py" --frames "$frames_dir" "${real_frames[@]}" --out "$run" \
      --steps "$detector_steps" --seed "$seed" --threads 2
    if [[ -n $logodet_repo ]]; then
      [[ -f $work/real/logodet-detector/frames/frames.json ]] ||
        "$python" "$here/realdata/detector_frames.py" --set "$logodet/train" --out "$work/real/logodet-detector" \
          --dev-groups ""
      base=$run
      run=$work/detector/run-mixed4-ft1000-seed$seed
      echo "train.sh: fine-tuning $base/final.pt with $work/real/logodet-detector/frames, run in $run"
      "$python" "$here/detector/train.py" --frames "$frames_dir" "${real_frames[@]}" \
        "$work/real/logodet-detector/frames" --init "$base/final.pt" --out "$run" --steps 1000 --lr 1e-3 \
        --warmup 50 --zoom-out 2.5 --seed "$seed" --threads 2
    fi
  fi
  tail -n 2 "$run/train.log"
  "$python" "$here/detector/export.py" --weights "$run/final.pt" --out "$out/logo-detector"
fi
