#!/usr/bin/env bash
# Regenerates the demo content in this folder from redistributable inputs:
#   demo.mp4          the demo clip (1280x720, 25 fps, H.264)
#   catalog/<brand>/  reference images of the demo brands (+ brand.json)
#   demo-truth.json   when and where each brand is visible in the clip
# Inputs: simple-icons (npm, CC0) and Debian opencv-doc footage, both fetched or installed
# by training/setup.sh. Deterministic: the same inputs give the same files.
#
# Usage: samples/make_samples.sh [--crf N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

"$here/../training/setup.sh"
rm -rf "$here/catalog"
/usr/bin/python3 "$here/make_demo.py" --out "$here" "$@"

total=$(du -sk --exclude='*.py' --exclude='*.sh' "$here" | cut -f1)
echo "make_samples.sh: samples/ holds ${total} KiB"
if (( total > 15 * 1024 )); then
  echo "make_samples.sh: samples/ is over 15 MiB; raise --crf" >&2
  exit 1
fi
