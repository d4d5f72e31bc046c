#!/usr/bin/env bash
# Installs what the data scripts (training/synth, samples/make_samples.sh) need:
#   - Debian packages: rsvg-convert (SVG -> PNG), opencv-doc (real background footage and
#     photos), Debian's python3 with numpy and Pillow, ffmpeg;
#   - the npm package simple-icons (CC0 brand marks), fetched with `npm pack` into a cache.
# Idempotent: installs only missing packages and fetches simple-icons only once.
#
# Usage: training/setup.sh [--no-apt]
# Environment: LOGOWATCH_SIMPLE_ICONS  cache folder (default ~/.cache/logowatch/simple-icons)
set -euo pipefail

# The version every committed sample and every generated dataset was made with.
SIMPLE_ICONS_VERSION=16.37.0
PACKAGES=(librsvg2-bin opencv-doc python3 python3-numpy python3-pil ffmpeg)

cache=${LOGOWATCH_SIMPLE_ICONS:-$HOME/.cache/logowatch/simple-icons}
apt=1
for arg in "$@"; do
  case $arg in
    --no-apt) apt=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $apt -eq 1 ]]; then
  missing=()
  for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup.sh: Debian packages present: ${PACKAGES[*]}"
  else
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
      sudo=(sudo)
    fi
    echo "setup.sh: installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

target=$cache/$SIMPLE_ICONS_VERSION
if [[ -f $target/data/simple-icons.json && -d $target/icons ]]; then
  echo "setup.sh: simple-icons $SIMPLE_ICONS_VERSION present in $target"
else
  echo "setup.sh: fetching simple-icons $SIMPLE_ICONS_VERSION with npm pack into $target"
  "$(dirname "$0")/npm-unpack.sh" simple-icons "$SIMPLE_ICONS_VERSION" "$target"
fi
# Scripts look for <cache>/current; it names the pinned version.
ln -sfn "$SIMPLE_ICONS_VERSION" "$cache/current"
echo "setup.sh: simple-icons ready: $cache/current -> $SIMPLE_ICONS_VERSION"
