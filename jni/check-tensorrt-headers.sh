#!/usr/bin/env bash
# Compiles the TensorRT backend of liblogowatch_trt.so against a folder of TensorRT headers,
# for machines without TensorRT (CI, a workstation): it proves the code matches that
# TensorRT's API without needing libnvinfer or a GPU. Nothing is linked or installed.
#
#   jni/check-tensorrt-headers.sh TENSORRT_INCLUDE_DIR [CUDA_INCLUDE_DIR]
#
# TENSORRT_INCLUDE_DIR holds NvInferRuntime.h (e.g. the include/ folder of a TensorRT release
# or of the NVIDIA/TensorRT repository at the matching tag); CUDA_INCLUDE_DIR holds
# cuda_runtime_api.h (default: /usr/local/cuda/include). JNI headers are not needed: the
# TensorRT backend does not include jni.h. Prints the TensorRT version it compiled against and
# the TensorRT and CUDA runtime symbols the object needs at link time.
set -euo pipefail

usage() { echo "usage: $0 TENSORRT_INCLUDE_DIR [CUDA_INCLUDE_DIR]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
trt=$1
cuda=${2:-/usr/local/cuda/include}
src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)/src
cxx=${CXX:-g++}

[[ -f $trt/NvInferRuntime.h ]] || { echo "$0: no NvInferRuntime.h in $trt" >&2; exit 2; }
[[ -f $cuda/cuda_runtime_api.h ]] || { echo "$0: no cuda_runtime_api.h in $cuda (pass the CUDA include folder)" >&2; exit 2; }
command -v "$cxx" >/dev/null || { echo "$0: no C++ compiler ($cxx); install g++" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

major=$(sed -n 's/^#define \(NV_TENSORRT_MAJOR\|TRT_MAJOR_ENTERPRISE\) \([0-9]*\).*/\2/p' "$trt/NvInferVersion.h" | head -n1)
minor=$(sed -n 's/^#define \(NV_TENSORRT_MINOR\|TRT_MINOR_ENTERPRISE\) \([0-9]*\).*/\2/p' "$trt/NvInferVersion.h" | head -n1)
patch=$(sed -n 's/^#define \(NV_TENSORRT_PATCH\|TRT_PATCH_ENTERPRISE\) \([0-9]*\).*/\2/p' "$trt/NvInferVersion.h" | head -n1)
echo "TensorRT headers: $trt (version ${major:-?}.${minor:-?}.${patch:-?})"
echo "CUDA headers:     $cuda"

flags=(-std=c++17 -O2 -fPIC -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror
       -DLOGOWATCH_WITH_TENSORRT -I "$src" -isystem "$trt" -isystem "$cuda")
for unit in tensorrt_engine engine messages; do
  echo "+ $cxx ${flags[*]} -c $src/$unit.cpp -o $out/$unit.o"
  "$cxx" "${flags[@]}" -c "$src/$unit.cpp" -o "$out/$unit.o"
done

echo "compiled: tensorrt_engine.cpp, engine.cpp, messages.cpp (with the TensorRT backend enabled)"
echo "symbols left for libnvinfer and libcudart at link time:"
nm -uC "$out/tensorrt_engine.o" | sed -n 's/^ *U //p' | grep -E '^(cuda|createInferRuntime|getInferLib|nvinfer1)' | sort -u | sed 's/^/  /'
