#!/usr/bin/env bash
# Builds TensorRT engines on this device from model folders (model.json + the ONNX file it
# names), with trtexec. Engines only load with the TensorRT version and GPU that built them,
# so each engine is named by the model's sha256, the TensorRT version and the GPU's compute
# capability, and gets a manifest beside it that the service checks at start-up.
#
#   tensorrt-engines/build_engines.sh [options] MODEL_DIR...
#
#   --precision fp16|fp32|int8   default fp16 (inputs and outputs stay float32 either way)
#   --calibration DIR            INT8: folder of representative images (jpg/png) to calibrate with
#   --calibration-cache FILE     INT8: an existing calibration cache instead of DIR
#   --min-batch N --opt-batch N --max-batch N
#                                batch range of the engine for models with a dynamic batch axis
#                                (defaults: detectors 1/1/4, embedders 1/8/32)
#   --workspace MIB              limit of TensorRT's builder workspace (default: TensorRT's own)
#   --trtexec FILE               trtexec to use (default: trtexec on PATH, then /usr/src/tensorrt/bin/trtexec)
#   --force                      build even when a fitting engine exists
#
# Writes into MODEL_DIR/engines/:
#   <stem>.<sha12>.trt<version>.sm<capability>.<precision>.engine       the engine
#   … .engine.json                                                      its manifest
#   … .engine.log                                                       trtexec's output
# Building takes minutes per model; with the service installed by systemd/install.sh, build in
# the checkout's models/ and re-run install.sh so the engines are copied with the models.
set -euo pipefail

say() { echo "build_engines.sh: $*"; }
die() { echo "build_engines.sh: $*" >&2; exit 1; }
usage() { sed -n '2,25s/^# \{0,1\}//p' "$0" >&2; exit 2; }

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
precision=fp16
calibration=
calibration_cache=
min_batch=
opt_batch=
max_batch=
workspace=
trtexec=
force=0
dirs=()
while (($#)); do
  case $1 in
    --precision) precision=${2:?--precision needs a value}; shift 2 ;;
    --calibration) calibration=${2:?--calibration needs a folder}; shift 2 ;;
    --calibration-cache) calibration_cache=${2:?--calibration-cache needs a file}; shift 2 ;;
    --min-batch) min_batch=${2:?}; shift 2 ;;
    --opt-batch) opt_batch=${2:?}; shift 2 ;;
    --max-batch) max_batch=${2:?}; shift 2 ;;
    --workspace) workspace=${2:?}; shift 2 ;;
    --trtexec) trtexec=${2:?}; shift 2 ;;
    --force) force=1; shift ;;
    -h | --help) usage ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) dirs+=("$1"); shift ;;
  esac
done
((${#dirs[@]})) || usage
case $precision in
  fp16 | fp32) ;;
  int8) [[ -n $calibration || -n $calibration_cache ]] ||
    die "--precision int8 needs --calibration DIR (a few hundred images like the cameras see) or --calibration-cache FILE" ;;
  *) die "--precision must be fp16, fp32 or int8, got $precision" ;;
esac
for n in "$min_batch" "$opt_batch" "$max_batch" "$workspace"; do
  [[ -z $n || $n =~ ^[1-9][0-9]*$ ]] || die "batch sizes and --workspace are whole numbers above 0, got $n"
done
command -v python3 >/dev/null || die "python3 is needed to read model.json (sudo apt install python3)"
command -v sha256sum >/dev/null || die "sha256sum is needed (coreutils)"
if [[ -z $trtexec ]]; then
  trtexec=$(command -v trtexec || true)
  [[ -n $trtexec ]] || trtexec=/usr/src/tensorrt/bin/trtexec
fi
[[ -x $trtexec ]] || die "trtexec not found at $trtexec: on a Jetson it comes with JetPack (sudo apt install nvidia-jetpack, or libnvinfer-bin), at /usr/src/tensorrt/bin/trtexec; or pass --trtexec FILE"

# trtexec prints the TensorRT version and the selected GPU before it opens any model; asking it
# to load an engine that does not exist stops it right after, in a second or two.
probe=$("$trtexec" --loadEngine=/nonexistent/logowatch-probe.engine 2>&1 || true)
version=$(sed -n 's/.*TensorRT version: \([0-9][0-9.]*[0-9]\).*/\1/p' <<<"$probe" | head -n1)
capability=$(sed -n 's/.*Compute Capability: \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' <<<"$probe" | head -n1)
gpu=$(sed -n 's/.*Selected Device: \(.*\)$/\1/p' <<<"$probe" | head -n1)
if [[ -z $version || -z $capability ]]; then
  die "could not learn the TensorRT version and GPU from $trtexec; its output ends with:
$(tail -n 15 <<<"$probe")"
fi
say "TensorRT $version, GPU ${gpu:-?} (compute capability $capability), trtexec $trtexec"

# Fields of model.json, tab-separated: file sha256 task input height width.
read_model() {
  python3 - "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
size = m["input"]["size"]
h, w = (size[0], size[1]) if isinstance(size, list) else (size["height"], size["width"])
print(m["file"], m["sha256"].lower(), m["task"], m["input"]["name"], h, w, sep="\t")
PY
}

# Prints the manifest path of an engine in $1/engines that fits, if any.
fitting_engine() {
  python3 - "$1" "$2" "$version" "$capability" "$precision" <<'PY'
import glob, json, os, sys
folder, sha, version, capability, precision = sys.argv[1:]
for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
    try:
        m = json.load(open(path))
    except (OSError, ValueError):
        continue
    if (m.get("model_sha256"), m.get("tensorrt"), m.get("compute_capability"), m.get("precision")) == \
            (sha, version, capability, precision) and os.path.isfile(os.path.join(folder, m.get("engine", ""))):
        print(path)
        break
PY
}

write_manifest() { # manifest engine engine_sha model_file model_sha input min opt max command
  python3 - "$@" "$version" "$capability" "$gpu" "$precision" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" <<'PY'
import json, sys
(path, engine, engine_sha, model_file, model_sha, name, lo, opt, hi, command,
 version, capability, gpu, precision, built) = sys.argv[1:]
dims = lambda s: [int(d) for d in s.split("x")] if s else None
manifest = {
    "schema": 1, "engine": engine, "engine_sha256": engine_sha,
    "model_file": model_file, "model_sha256": model_sha,
    "tensorrt": version, "compute_capability": capability, "gpu": gpu, "precision": precision,
    "shapes": {name: {"min": dims(lo), "opt": dims(opt), "max": dims(hi)}} if lo else {},
    "built": built, "command": command,
}
with open(path + ".tmp", "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
PY
  mv "$1.tmp" "$1"
}

build_one() {
  local dir=$1
  [[ -f $dir/model.json ]] || die "no model.json in $dir (a model folder holds model.json and the ONNX file it names)"
  dir=$(cd "$dir" && pwd)
  local file sha task input height width
  IFS=$'\t' read -r file sha task input height width < <(read_model "$dir/model.json") ||
    die "cannot read $dir/model.json"
  local onnx=$dir/$file
  [[ -f $onnx ]] || die "$dir/model.json names $file, which does not exist"
  local actual
  actual=$(sha256sum "$onnx" | cut -d' ' -f1)
  [[ $actual == "$sha" ]] || die "$onnx does not match $dir/model.json: sha256 $actual, expected $sha (damaged, or model.json is stale)"

  local out=$dir/engines
  mkdir -p "$out"
  local existing
  existing=$(fitting_engine "$out" "$sha")
  if [[ -n $existing && $force -eq 0 ]]; then
    say "$dir: $existing already fits TensorRT $version on compute $capability ($precision); --force rebuilds it"
    return 0
  fi

  local lo hi mid
  if [[ $task == detect ]]; then lo=${min_batch:-1} mid=${opt_batch:-1} hi=${max_batch:-4}; else lo=${min_batch:-1} mid=${opt_batch:-8} hi=${max_batch:-32}; fi
  ((lo <= mid && mid <= hi)) || die "batch sizes must satisfy min <= opt <= max, got $lo/$mid/$hi"
  local stem=${file%.*}
  local name=$stem.${sha:0:12}.trt$version.sm${capability//./}.$precision.engine
  local engine=$out/$name log=$out/$name.log
  local tmp=$out/.$name.partial

  local args=(--onnx="$onnx" --saveEngine="$tmp" --skipInference
              --timingCacheFile="$out/.timing.trt$version.sm${capability//./}.cache")
  case $precision in
    fp16) args+=(--fp16) ;;
    int8)
      local cache=$calibration_cache
      if [[ -z $cache ]]; then
        cache=$out/$stem.${sha:0:12}.trt$version.int8.calib
        if [[ ! -f $cache ]]; then
          say "$dir: calibrating INT8 on the images in $calibration (minutes)"
          python3 "$here/calibrate_int8.py" --model-dir "$dir" --images "$calibration" --cache "$cache" \
            --batch "$mid" || die "INT8 calibration failed; see the messages above"
        fi
      fi
      [[ -f $cache ]] || die "calibration cache $cache does not exist"
      # fp16 too: layers INT8 cannot run fall back to half precision rather than float.
      args+=(--int8 --fp16 --calib="$cache")
      ;;
  esac
  [[ -z $workspace ]] || args+=(--memPoolSize="workspace:${workspace}M")
  local shape="3x${height}x${width}"
  local shapes=(--minShapes="$input:${lo}x$shape" --optShapes="$input:${mid}x$shape" --maxShapes="$input:${hi}x$shape")

  say "$dir: building $name with trtexec (this takes minutes the first time; log: $log)"
  local started=$SECONDS dynamic=1
  rm -f "$tmp"
  if ! "$trtexec" "${args[@]}" "${shapes[@]}" >"$log" 2>&1; then
    if grep -q "Static model does not take explicit shapes" "$log"; then
      # The ONNX file has a fixed batch: build it as it is.
      dynamic=0
      "$trtexec" "${args[@]}" >"$log" 2>&1 || { tail -n 20 "$log" >&2; rm -f "$tmp"; die "trtexec failed for $onnx (full log: $log)"; }
    else
      tail -n 20 "$log" >&2
      rm -f "$tmp"
      die "trtexec failed for $onnx (full log: $log)"
    fi
  fi
  [[ -s $tmp ]] || die "trtexec reported success but wrote no engine to $tmp (log: $log)"
  local built_version
  built_version=$(sed -n 's/.*TensorRT version: \([0-9][0-9.]*[0-9]\).*/\1/p' "$log" | head -n1)
  [[ -z $built_version || $built_version == "$version" ]] ||
    die "trtexec built with TensorRT $built_version, but probed $version; is more than one TensorRT installed?"
  mv "$tmp" "$engine"
  local engine_sha
  engine_sha=$(sha256sum "$engine" | cut -d' ' -f1)
  local command
  command="trtexec ${args[*]}"
  ((dynamic)) && command+=" ${shapes[*]}"
  command=${command//$tmp/$engine}
  if ((dynamic)); then
    write_manifest "$engine.json" "$name" "$engine_sha" "$file" "$sha" "$input" \
      "${lo}x$shape" "${mid}x$shape" "${hi}x$shape" "$command"
  else
    write_manifest "$engine.json" "$name" "$engine_sha" "$file" "$sha" "$input" "" "" "" "$command"
  fi
  say "$dir: built $engine ($(du -h "$engine" | cut -f1), $((SECONDS - started)) s)$( ((dynamic)) && echo ", batch $lo to $hi")"
}

for d in "${dirs[@]}"; do
  build_one "$d"
done
say "done. Check the speed with: logowatch bench --config FILE (models.engine: tensorrt)"
