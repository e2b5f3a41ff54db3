#!/usr/bin/env bash
# The Debian package as users get it: built by scripts/package.sh, installed with apt (then
# removed again), its metadata validated, the installed binaries run — on this CPU and on an
# emulated one without AVX2 — and the installed app smoke-tested end to end
# (tests/e2e/installed-smoke.mjs). Needs a display (scripts/test.sh runs it under xvfb-run).
# Prints the package's size and the time from `apt install` to the first window; never gates on
# them. Usage: tests/package.sh [PACKAGE.deb] (default: build it with scripts/package.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-test-limits.sh
[ -n "${DISPLAY:-}" ] || { echo "no DISPLAY: run under xvfb-run" >&2; exit 1; }
fail() { echo "package test: $*" >&2; exit 1; }

# The package scripts/test.sh built while other tests ran, or a fresh one.
deb=${1:-$(./scripts/package.sh | tail -n 1)}
[ -f "$deb" ] || fail "scripts/package.sh made no package"
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "==> $deb: $(du -k "$deb" | cut -f1) KiB, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "    Depends: $depends"
for lib in libwebkit2gtk-4.1-0 libasound2 libgtk-3-0; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done
grep -Eq 'libopenblas|libblas3' <<<"$depends" || fail "Depends lacks BLAS"
! grep -q -- '-dev' <<<"$depends" || fail "Depends names -dev packages: $depends"

# A Segue installed before (an earlier run stopped halfway) must not stand in for this one.
if dpkg-query -W segue >/dev/null 2>&1; then ./scripts/apt-get.sh remove -y -qq segue >/dev/null; fi
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  ./scripts/apt-get.sh remove -y -qq segue >/dev/null || true
}
trap cleanup EXIT
started=$(date +%s%N)
./scripts/apt-get.sh install -y -qq --no-install-recommends "./$deb" >/dev/null
installed=$(date +%s%N)

# The first window, started as the menu entry starts it, on a fresh library.
scratch=$(mktemp -d)
XDG_DATA_HOME="$scratch/xdg" segue-app --data-dir "$scratch/data" >"$scratch/app.log" 2>&1 &
app_pid=$!
# (Seen once, not searched again: xdotool fails with BadWindow when a window it walks is
# destroyed mid-search, as WebKit's helper windows are while the app starts.)
shown=
for _ in $(seq 1 1200); do
  xdotool search --onlyvisible --name '^Segue$' >/dev/null 2>&1 && { shown=1; break; }
  kill -0 "$app_pid" 2>/dev/null || { cat "$scratch/app.log" >&2; fail "the installed app exited"; }
  sleep 0.1
done
window=$(date +%s%N)
[ -n "$shown" ] || fail "no window after 120 s"
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=
echo "==> apt install: $(((installed - started) / 1000000)) ms; then the first window: $(((window - installed) / 1000000)) ms"

# What the package holds, where the system looks for it.
[ "$(segue --version)" = "segue $version" ] || fail "segue --version: $(segue --version)"
[ "$(command -v segue)" = /usr/bin/segue ] || fail "segue is not /usr/bin/segue"
desktop-file-validate /usr/share/applications/org.segue.app.desktop
appstreamcli validate --no-net --explain /usr/share/metainfo/org.segue.app.metainfo.xml
for size in 16 22 24 32 48 64 96 128 256 512; do
  icon=/usr/share/icons/hicolor/${size}x${size}/apps/org.segue.app.png
  identify -format '%wx%h' "$icon" | grep -qx "${size}x${size}" || fail "$icon is not ${size}x${size}"
done
zcat /usr/share/man/man1/segue.1.gz | grep -q '^\.TH segue 1' || fail "no man page segue(1)"
zcat /usr/share/man/man1/segue-playlist.1.gz | grep -q 'seed' || fail "no man page segue-playlist(1)"
bash -c 'source /usr/share/bash-completion/completions/segue && complete -p segue' >/dev/null ||
  fail "the bash completion does not load"
grep -q 'playlists' /usr/share/zsh/vendor-completions/_segue || fail "zsh completion"
grep -q 'playlists' /usr/share/fish/vendor_completions.d/segue.fish || fail "fish completion"
[ -s /usr/share/segue/models/musicnn/MSD_musicnn/.data-00000-of-00001 ] || fail "no MusiCNN weights"
[ -s /usr/share/doc/segue/copyright ] || fail "no copyright file"

# The same emulator with a CPU that has them runs it: what follows is the CPU's doing.
[ "$(qemu-x86_64 -cpu Haswell /usr/bin/segue --version 2>/dev/null)" = "segue $version" ] ||
  fail "segue does not run on an emulated Haswell"
# A CPU without AVX2/FMA/F16C (emulated): a plain message and exit status 1, not SIGILL.
set +e
old_cpu=$(qemu-x86_64 -cpu Westmere /usr/bin/segue --version 2>&1)
status=$?
set -e
[ "$status" = 1 ] || fail "on a CPU without AVX2, segue exited with $status: $old_cpu"
grep -q "lacks the AVX2, FMA, F16C instructions" <<<"$old_cpu" || fail "unclear message: $old_cpu"
echo "==> on a CPU without AVX2: $old_cpu"
# The app there: the same message on stderr and in a message box; dismissed, it exits with 1.
qemu-x86_64 -cpu Westmere /usr/bin/segue-app >"$scratch/old-cpu.log" 2>&1 &
app_pid=$!
box=
for _ in $(seq 1 1200); do
  box=$(xdotool search --onlyvisible --name 'Segue cannot start' 2>/dev/null | head -n 1) && [ -n "$box" ] && break
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$box" ] || { cat "$scratch/old-cpu.log" >&2; fail "no message box from the app on a CPU without AVX2"; }
xdotool windowfocus --sync "$box"
xdotool key --window "$box" Return
set +e
wait "$app_pid"
status=$?
set -e
app_pid=
[ "$status" = 1 ] || fail "the app on a CPU without AVX2 exited with $status: $(cat "$scratch/old-cpu.log")"
grep -q "lacks the AVX2, FMA, F16C instructions" "$scratch/old-cpu.log" || fail "the app said: $(cat "$scratch/old-cpu.log")"

# The installed app, end to end.
SEGUE_APP=/usr/bin/segue-app SEGUE_CLI=/usr/bin/segue node --test --test-concurrency=1 $(node_test_limits) tests/e2e/installed-smoke.mjs
rm -rf "$scratch"
echo "==> the package passed"
