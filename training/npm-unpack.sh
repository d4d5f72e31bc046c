#!/usr/bin/env bash
# Fetches one npm package with `npm pack` (the registry's tarball, no install, no scripts
# run) and unpacks it into TARGET, replacing what was there only once the unpack succeeded.
#
# Usage: training/npm-unpack.sh PACKAGE VERSION TARGET
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: npm-unpack.sh PACKAGE VERSION TARGET" >&2; exit 2; }
package=$1
version=$2
target=$3
command -v npm >/dev/null || { echo "npm-unpack.sh: npm not found; it is needed to fetch $package" >&2; exit 1; }
parent=$(dirname "$target")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$work" && npm pack --silent "$package@$version" | tail -n 1)
tar -xzf "$work/$tarball" -C "$work"
rm -rf "$target"
mv "$work/package" "$target"
