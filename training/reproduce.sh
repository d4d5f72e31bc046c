#!/usr/bin/env bash
# Checks that the training runs recorded in --work (what training/train.sh left there) are
# what the code here produces with the same seed, without spending the hours of a full run:
#
#   1. detector frames: renders the first chunk (250 frames) again and compares it, byte for
#      byte and box for box, with the recorded frames;
#   2. embedder views: renders the first --brands brands of the recorded views again, each
#      with the look-alikes the record names for it, and compares them byte for byte;
#   3. both trainings: runs the first --steps steps again from the ImageNet start on the
#      recorded data with the recorded run's settings (same schedule, same threads) and
#      compares every logged loss and learning rate with the recorded log.
#
# Each stage is deterministic given its seed, and train.sh's export re-writes byte-identical
# ONNX files from the same weights, so matching here means a full run reproduces the models.
#
# Usage: training/reproduce.sh [--steps N] [--brands N] [--work DIR] [--seed N] [--keep DIR]
#   --steps N    training steps to re-run for each model (default 100; the logs have a line
#                every 20 steps)
#   --brands N   brands of the embedder views to render again (default 40)
#   --work DIR   where train.sh worked (default ~/.cache/logowatch)
#   --keep DIR   write the new data and runs there and keep them (default: a temporary folder)
# Exit: 0 all identical, 1 something differs (printed), 2 usage or a recorded run missing.
# About 10 minutes on 2 cores with the defaults.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3
steps=100
brands=40
seed=0
work=${LOGOWATCH_TRAINING_WORK:-$HOME/.cache/logowatch}
keep=
while [[ $# -gt 0 ]]; do
  case $1 in
    --steps) steps=$2; shift 2 ;;
    --brands) brands=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | cut -c3-; exit 0 ;;
    *) echo "reproduce.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $steps =~ ^[1-9][0-9]*$ ]] || { echo "reproduce.sh: --steps must be a positive number, got $steps" >&2; exit 2; }
[[ $brands =~ ^[1-9][0-9]*$ ]] || { echo "reproduce.sh: --brands must be a positive number, got $brands" >&2; exit 2; }

frames_dir=$work/detector/frames-seed$seed
# train.sh's folder names for its default (short) schedule, the committed models' recipe.
views_dir=$work/embedder/views-f8-seed$seed
embedder_run=$work/embedder/run-short-s2000-seed$seed
detector_run=$work/detector/run-s2500-seed$seed
for need in "$frames_dir/frames.json" "$views_dir/views.json" "$embedder_run/train.log" "$detector_run/train.log"; do
  [[ -f $need ]] || { echo "reproduce.sh: no recorded run: $need is missing (run training/train.sh --seed $seed first)" >&2; exit 2; }
done

if [[ -n $keep ]]; then
  mkdir -p "$keep"; tmp=$(cd "$keep" && pwd)
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fi
failed=0
report() { # status what
  echo "reproduce.sh: $1 $2"
  [[ $1 == same ]] || failed=1
}

echo "reproduce.sh: detector frames, first chunk, against $frames_dir"
"$python" "$here/detector/prerender.py" --out "$tmp/frames" --frames 250 --seed "$seed" > "$tmp/frames.out"
if "$python" - "$frames_dir" "$tmp/frames" <<'PY'
import sys
import numpy as np
old, new = sys.argv[1], sys.argv[2]
n = 250 * 360 * 640 * 3
a = np.fromfile(f"{old}/frames.u8", np.uint8, count=n)
b = np.fromfile(f"{new}/frames.u8", np.uint8, count=n)
ob, nb = np.load(f"{old}/boxes.npz"), np.load(f"{new}/boxes.npz")
boxes_old = ob["boxes"][:ob["first"][250]]
ok = a.size == n and np.array_equal(a, b) and np.array_equal(boxes_old, nb["boxes"])
print(f"  250 frames: {int((a != b).sum()) if a.size == b.size else 'size differs'} bytes differ; "
      f"{len(boxes_old)} recorded boxes, {len(nb['boxes'])} new")
sys.exit(0 if ok else 1)
PY
then report same "detector frames"; else report DIFFERENT "detector frames"; fi

echo "reproduce.sh: embedder views, first $brands brands, against $views_dir"
if "$python" - "$here" "$views_dir" "$brands" <<'PY'
import json
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from synth.icons import IconSet
from embedder import backgrounds_split, views
from embedder.preprocess import SIZE
record, count = sys.argv[2], int(sys.argv[3])
meta = json.load(open(f"{record}/views.json"))
index = np.load(f"{record}/views.npz")
data = np.memmap(f"{record}/views.u8", np.uint8, mode="r").reshape(-1, SIZE, SIZE, 3)
icons = IconSet()
backgrounds = backgrounds_split.pool("train")
plan = views.ViewPlan(**meta["plan"])
differ = []
total = 0
for i, slug in enumerate(meta["brands"][:count]):
    new = views.brand_views(icons, slug, meta["neighbours"].get(slug, []), backgrounds, meta["seed"], plan)
    rows = np.nonzero(index["origin"] == i)[0]
    total += len(rows)
    if len(new) != len(rows) or not all(np.array_equal(np.asarray(v[0]), data[r]) for v, r in zip(new, rows)):
        differ.append(slug)
print(f"  {total} recorded views of {count} brands; brands whose views differ: {len(differ)} {' '.join(differ)}")
sys.exit(1 if differ else 0)
PY
then report same "embedder views"; else report DIFFERENT "embedder views"; fi

# Re-runs the first steps of a recorded run with its own settings and compares the log lines.
retrain() { # name script data-option data-dir recorded-run
  local name=$1 script=$2 data_option=$3 data=$4 recorded=$5
  local args
  args=$("$python" - "$recorded/train.log" <<'PY'
import json, sys
first = open(sys.argv[1]).readline()
s = json.loads(first.split("train: ", 1)[1])
skip = {"views", "frames", "out", "checkpoint_minutes", "validate_every", "stop_at"}
print(" ".join(f"--{k.replace('_', '-')} {v}" for k, v in s.items() if k not in skip))
PY
)
  echo "reproduce.sh: $name training, first $steps steps, against $recorded ($args)"
  # shellcheck disable=SC2086
  "$python" "$here/$script" "$data_option" "$data" --out "$tmp/$name-run" --stop-at "$steps" $args
  if "$python" - "$recorded/train.log" "$tmp/$name-run/train.log" "$steps" <<'PY'
import re, sys
def losses(path, last):
    out = {}
    for line in open(path):
        m = re.match(r"step (\d+)/\d+ (.*?) \d+(\.\d+)? (img|crops)/s", line)
        if m and int(m.group(1)) <= last:
            out[int(m.group(1))] = m.group(2)
    return out
old, new = losses(sys.argv[1], int(sys.argv[3])), losses(sys.argv[2], int(sys.argv[3]))
for step in sorted(old):
    mark = "" if old[step] == new.get(step) else "   <- differs"
    print(f"  step {step}: recorded {old[step]} | now {new.get(step, 'missing')}{mark}")
sys.exit(0 if old and old == new else 1)
PY
  then report same "$name training"; else report DIFFERENT "$name training"; fi
}
retrain embedder embedder/train.py --views "$views_dir" "$embedder_run"
retrain detector detector/train.py --frames "$frames_dir" "$detector_run"

if [[ $failed -eq 0 ]]; then
  echo "reproduce.sh: all identical"
else
  echo "reproduce.sh: differences found (above)"
fi
exit "$failed"
