#!/usr/bin/env bash
# Removes what systemd/install.sh installed: the unit and /opt/logowatch. The config
# (/etc/logowatch) and state (/var/lib/logowatch: catalog, caches, MQTT buffer) stay
# for a later reinstall unless --purge, which also removes them and the logowatch user.
#
#   sudo systemd/uninstall.sh [--purge]
#   sudo DESTDIR=/tmp/root systemd/uninstall.sh [--purge]     no systemctl, no host users
set -euo pipefail

readonly unit_name=logowatch.service
readonly user=logowatch

say() { echo "uninstall.sh: $*"; }
die() { echo "uninstall.sh: $*" >&2; exit 1; }

purge=false
for arg in "$@"; do
  case $arg in
    --purge) purge=true ;;
    -h | --help)
      sed -n '2,7s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument '$arg' (usage: uninstall.sh [--purge])" ;;
  esac
done

root=${DESTDIR:-}
root=${root%/}
if [[ -n $root ]]; then
  [[ -d $root ]] || die "DESTDIR $root does not exist"
  root=$(cd "$root" && pwd)
fi
[[ $EUID -eq 0 ]] || die "must run as root to remove files owned by root and the '$user' user (try: sudo $0)"

opt=$root/opt/logowatch
etc=$root/etc/logowatch
state=$root/var/lib/logowatch
unit_dir=$root/etc/systemd/system
systemd_running=false
[[ -z $root && -d /run/systemd/system ]] && systemd_running=true

# Stopped before its files go, so the service is not left running a deleted jar.
if [[ -z $root ]] && command -v systemctl >/dev/null; then
  if $systemd_running && systemctl is-active --quiet "$unit_name"; then
    systemctl stop "$unit_name"
    say "stopped $unit_name"
  fi
  if systemctl is-enabled --quiet "$unit_name" 2>/dev/null; then
    systemctl disable --quiet "$unit_name"
    say "disabled $unit_name"
  fi
fi
# systemctl is not called under DESTDIR; an enable done there left this link.
rm -f "$unit_dir/multi-user.target.wants/$unit_name"

if [[ -e $unit_dir/$unit_name ]]; then
  rm -f "$unit_dir/$unit_name"
  say "removed $unit_dir/$unit_name"
fi
if $systemd_running; then
  systemctl daemon-reload
  systemctl reset-failed "$unit_name" 2>/dev/null || true
fi

if [[ -e $opt ]]; then
  rm -rf "$opt"
  say "removed $opt"
fi

if ! $purge; then
  say "kept $etc (config) and $state (catalog, caches, MQTT buffer) and user $user; uninstall.sh --purge removes them"
  exit 0
fi

# Admin overrides from `systemctl edit logowatch` are configuration too.
for dir in "$etc" "$state" "$unit_dir/$unit_name.d"; do
  if [[ -e $dir ]]; then
    rm -rf "$dir"
    say "removed $dir"
  fi
done
if $systemd_running; then systemctl daemon-reload; fi

if [[ -n $root ]]; then
  prefix=(--prefix "$root")
  has_user() { [[ -f $root/etc/passwd ]] && grep -q "^$user:" "$root/etc/passwd"; }
  has_group() { [[ -f $root/etc/group ]] && grep -q "^$user:" "$root/etc/group"; }
else
  prefix=()
  has_user() { getent passwd "$user" >/dev/null; }
  has_group() { getent group "$user" >/dev/null; }
fi
if has_user; then
  userdel "${prefix[@]}" "$user"
  say "removed user $user"
fi
# userdel drops the group itself only when login.defs has USERGROUPS_ENAB yes.
if has_group; then
  groupdel "${prefix[@]}" "$user"
  say "removed group $user"
fi
