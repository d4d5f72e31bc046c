#!/usr/bin/env bash
# Installs (or upgrades) logowatch as a systemd service. Run as root from a source
# checkout after `./logowatch build`; running it again is safe and keeps the config.
#
#   sudo systemd/install.sh
#   sudo JAR_DIR=/path/to/build systemd/install.sh     jar and libs/ built elsewhere
#   sudo MODELS_DIR=/path/to/models systemd/install.sh models from elsewhere (default: models/)
#   sudo DESTDIR=/tmp/root systemd/install.sh          into another root (image, test)
#
# With DESTDIR nothing on the host changes: systemctl is not called and the service
# user is created in $DESTDIR/etc/{passwd,group,shadow,gshadow} (useradd --prefix),
# skeleton files being made first if absent; owners are the numeric ids found there.
set -euo pipefail

readonly unit_name=logowatch.service
readonly user=logowatch

say() { echo "install.sh: $*"; }
warn() { echo "install.sh: WARNING: $*" >&2; }
die() { echo "install.sh: $*" >&2; exit 1; }

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
jar_dir=${JAR_DIR:-$repo/app/target}
models_dir=${MODELS_DIR:-$repo/models}
root=${DESTDIR:-}
root=${root%/}
if [[ -n $root ]]; then
  [[ -d $root ]] || die "DESTDIR $root does not exist; create it first"
  # Absolute, so later messages and paths do not depend on the working directory.
  root=$(cd "$root" && pwd)
fi
opt=$root/opt/logowatch
etc=$root/etc/logowatch
state=$root/var/lib/logowatch
unit_dir=$root/etc/systemd/system

# Every check comes before the first change, so a refusal leaves the system as it was.
[[ $EUID -eq 0 ]] || die "must run as root to create the '$user' user and set owners (try: sudo $0)"
[[ -f $jar_dir/logowatch.jar ]] ||
  die "$jar_dir/logowatch.jar not found: the jar has not been built yet. Build it with './logowatch build' in $repo (or point JAR_DIR at a folder holding logowatch.jar and libs/)."
[[ -d $jar_dir/libs ]] ||
  die "$jar_dir/libs/ not found: logowatch.jar needs its libraries beside it; rebuild with './logowatch build'."
for f in logowatch "systemd/$unit_name" systemd/README.md; do
  [[ -f $repo/$f ]] || die "$repo/$f not found: run install.sh from a complete logowatch source checkout"
done
if [[ -n $root ]]; then
  prefix=(--prefix "$root")
  mkdir -p "$root/etc"
  # useradd --prefix edits these files but will not create them.
  for f in passwd group; do
    [[ -e $root/etc/$f ]] || { install -m 0644 /dev/null "$root/etc/$f"; say "created skeleton $root/etc/$f"; }
  done
  for f in shadow gshadow; do
    [[ -e $root/etc/$f ]] || { install -m 0640 /dev/null "$root/etc/$f"; say "created skeleton $root/etc/$f"; }
  done
  user_field() { awk -F: -v u="$1" -v n="$2" '$1 == u { print $n; exit }' "$root/etc/passwd"; }
  group_field() { awk -F: -v g="$1" -v n="$2" '$1 == g { print $n; exit }' "$root/etc/group"; }
else
  prefix=()
  # getent also sees users from NSS sources other than /etc/passwd.
  user_field() { getent passwd "$1" | cut -d: -f"$2" || true; }
  group_field() { getent group "$1" | cut -d: -f"$2" || true; }
fi

if [[ -z $(group_field "$user" 3) ]]; then
  groupadd "${prefix[@]}" --system "$user"
  say "created group $user (gid $(group_field "$user" 3))"
fi
if [[ -z $(user_field "$user" 3) ]]; then
  useradd "${prefix[@]}" --system --no-create-home --home-dir /var/lib/logowatch \
    --shell /usr/sbin/nologin --gid "$user" --comment "logowatch service" "$user"
  say "created system user $user (uid $(user_field "$user" 3))"
fi
# The unit grants video/render itself; membership also helps `sudo -u logowatch` debugging.
for g in video render; do
  members=$(group_field "$g" 4)
  if [[ -n $(group_field "$g" 3) && ",$members," != *",$user,"* ]]; then
    usermod "${prefix[@]}" --append --groups "$g" "$user"
    say "added $user to group $g"
  fi
done
uid=$(user_field "$user" 3)
gid=$(group_field "$user" 3)
[[ -n $uid && -n $gid ]] || die "user or group '$user' still missing after creating it; check ${root:-}/etc/passwd and group"

# A fresh lib/ is filled beside the old one and swapped in, so libraries removed from
# the build do not linger and a running service keeps its open (now unlinked) jars.
install -d -m 0755 -o 0 -g 0 "$opt"
rm -rf "$opt/lib.new" "$opt/lib.old"
install -d -m 0755 -o 0 -g 0 "$opt/lib.new" "$opt/lib.new/libs"
install -m 0644 -o 0 -g 0 "$jar_dir/logowatch.jar" "$opt/lib.new/logowatch.jar"
shopt -s nullglob
libs=("$jar_dir"/libs/*.jar)
shopt -u nullglob
if ((${#libs[@]})); then
  install -m 0644 -o 0 -g 0 "${libs[@]}" "$opt/lib.new/libs/"
fi
# The TensorRT bridge is compiled here, against the TensorRT this device runs (JetPack puts
# its headers in /usr/include/<triplet>-linux-gnu/); TRT_BRIDGE=skip leaves it out.
trt_header=
for h in /usr/include/*-linux-gnu/NvInferRuntime.h; do [[ -f $h ]] && trt_header=$h; done
if [[ ${TRT_BRIDGE:-auto} == skip || -z $trt_header ]]; then
  say "TensorRT not found (or TRT_BRIDGE=skip): no TensorRT bridge installed; models.engine: onnx works as before"
elif ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then
  warn "TensorRT is installed but cmake or g++ is missing, so its bridge was not built;" \
    "models.engine: tensorrt will not start until you run: sudo apt install cmake g++, then install.sh again"
else
  bridge_build=$(mktemp -d)
  if cmake -S "$repo/jni" -B "$bridge_build" -DLOGOWATCH_TENSORRT=ON >"$bridge_build.log" 2>&1 &&
    cmake --build "$bridge_build" -j "$(nproc)" >>"$bridge_build.log" 2>&1; then
    install -d -m 0755 -o 0 -g 0 "$opt/lib.new/native"
    install -m 0644 -o 0 -g 0 "$bridge_build/liblogowatch_trt.so" "$opt/lib.new/native/"
    rm -f "$bridge_build.log"
    say "built the TensorRT bridge against $trt_header into $opt/lib/native/"
  else
    warn "building the TensorRT bridge failed (log: $bridge_build.log); models.engine: tensorrt will not start"
  fi
  rm -rf "$bridge_build"
fi
if [[ -d $opt/lib ]]; then mv "$opt/lib" "$opt/lib.old"; fi
mv "$opt/lib.new" "$opt/lib"
rm -rf "$opt/lib.old"
say "installed $opt/lib/logowatch.jar and ${#libs[@]} libraries in $opt/lib/libs/ (from $jar_dir)"

install -m 0755 -o 0 -g 0 "$repo/logowatch" "$opt/logowatch"
install -m 0644 -o 0 -g 0 "$repo/systemd/README.md" "$opt/README.md"
say "installed launcher $opt/logowatch"

if [[ -d $models_dir ]]; then
  rm -rf "$opt/models.new"
  cp -RL "$models_dir" "$opt/models.new"  # -L: installed models must not point back into the checkout
  chown -R 0:0 "$opt/models.new"
  find "$opt/models.new" -type d -exec chmod 0755 {} +
  find "$opt/models.new" -type f -exec chmod 0644 {} +
  rm -rf "$opt/models"
  mv "$opt/models.new" "$opt/models"
  say "installed models from $models_dir in $opt/models/"
else
  say "no models at $models_dir: left $opt/models/ as it was"
fi

install -d -m 0755 -o 0 -g 0 "$unit_dir"
install -m 0644 -o 0 -g 0 "$repo/systemd/$unit_name" "$unit_dir/$unit_name"
say "installed unit $unit_dir/$unit_name"

# The config may name secret files, hence not world-readable; root owns it so the
# service cannot rewrite its own settings.
install -d -m 0750 -o 0 -g "$gid" "$etc"
template=$repo/config/logowatch.yaml
if [[ ! -f $template ]]; then
  if [[ -f $etc/logowatch.yaml ]]; then
    say "kept $etc/logowatch.yaml (no template at $template to compare with)"
  else
    warn "no config template at $template, so $etc/logowatch.yaml was not created;" \
      "write it before starting the service (it exits with code 2 without one)"
  fi
elif [[ -f $etc/logowatch.yaml ]]; then
  install -m 0640 -o 0 -g "$gid" "$template" "$etc/logowatch.yaml.dist"
  say "kept your $etc/logowatch.yaml; the new template is beside it as logowatch.yaml.dist"
else
  install -m 0640 -o 0 -g "$gid" "$template" "$etc/logowatch.yaml"
  say "installed config $etc/logowatch.yaml (edit it before starting)"
fi

install -d -m 0750 -o "$uid" -g "$gid" "$state"
say "state directory $state (owner $user, mode 0750)"

if [[ -n $root ]]; then
  say "DESTDIR install into $root done; systemctl was not run. On the target: systemctl daemon-reload && systemctl enable --now logowatch"
  exit 0
fi

if [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable "$unit_name"
  say "reloaded systemd and enabled $unit_name (it starts at boot)"
  if systemctl is-active --quiet "$unit_name"; then
    say "logowatch is running the previous version: restart it with  systemctl restart logowatch"
  fi
else
  systemctl enable "$unit_name"
  say "systemd is not running here: enabled $unit_name for the next boot, skipped daemon-reload"
fi
cat <<EOF

Next:
  edit   /etc/logowatch/logowatch.yaml   (JAVA_HOME, JAVA_OPTS: /etc/logowatch/environment)
  start  sudo systemctl start logowatch
  logs   journalctl -u logowatch -f
  state  systemctl status logowatch
  status page: http://$(hostname 2>/dev/null || echo this-device):<port>/ with the web port set in /etc/logowatch/logowatch.yaml
EOF
