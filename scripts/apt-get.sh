#!/usr/bin/env bash
# apt-get with sudo when not root, that waits for apt's locks instead of failing: on a fresh
# machine another apt (unattended upgrades, cloud-init) often holds them for minutes.
set -euo pipefail
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
waited=0
while :; do
  log=$(mktemp)
  # DPkg::Lock::Timeout covers dpkg's lock; the lists' lock of `update` is retried below.
  if "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@" 2>"$log"; then
    cat "$log" >&2
    rm -f "$log"
    exit 0
  fi
  cat "$log" >&2
  if grep -qiE "could not get lock|unable to acquire|is another process using it" "$log" && [ "$waited" -lt 3600 ]; then
    rm -f "$log"
    echo "==> apt is busy (another apt or dpkg holds its lock): waiting" >&2
    sleep 15
    waited=$((waited + 15))
    continue
  fi
  rm -f "$log"
  exit 1
done
