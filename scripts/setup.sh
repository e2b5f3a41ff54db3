#!/usr/bin/env bash
# Installs what Segue needs to build, run and test on Debian/Ubuntu, skipping what is there.
# Safe to run again. Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0 want_package=0
[ "${1:-}" = "--tests" ] && want_tests=1 && want_package=1
[ "${1:-}" = "--package" ] && want_package=1

# Build and runtime packages (Tauri 2 / WebKitGTK 4.1, ALSA for audio preview; cmake builds
# the bundled libopus that decodes Opus files and FAISS, which links OpenBLAS and LAPACK;
# ccache keeps FAISS's objects for the next profile's build: scripts/cargo-env.sh).
packages=(build-essential pkg-config file curl libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libasound2-dev cmake ccache libopenblas-dev liblapack-dev
  nodejs npm)
# Test-only: a virtual display, WebDriver for WebKit, a browser for UI unit tests,
# encoders to generate test audio (jmac, in Java, is Debian's one Monkey's Audio encoder),
# tools the shared bad-input corpus uses, mpv (a real
# player must load the playlists Segue exports), and GTK for Python (the end-to-end tests
# drop a file on the app from a real drag source: tests/e2e/drag-source.py).
if [ "$want_tests" = 1 ]; then
  packages+=(webkit2gtk-driver xvfb xauth xdotool imagemagick chromium lame vorbis-tools
    flac sox libsox-fmt-all ffmpeg python3 mpv python3-gi gir1.2-gtk-3.0
    libjmac-java default-jre-headless)
  # The package's checks: its desktop entry and AppStream file validated, and the binaries
  # run on an emulated CPU without AVX2 (they must say so, not crash; the app in a zenity box).
  packages+=(desktop-file-utils appstream qemu-user zenity)
fi
# The Debian package: icons resized from the master, dependencies found by dpkg-shlibdeps.
if [ "$want_package" = 1 ]; then
  packages+=(imagemagick dpkg-dev binutils)
fi
missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from elsewhere (nvm, NodeSource): a working binary is enough.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  ./scripts/apt-get.sh update -qq
  ./scripts/apt-get.sh install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

# A toolchain older than Cargo.toml's rust-version (a distribution's cargo, an old rustup
# install) cannot build Segue: update rustup's, or install rustup's beside the other.
need=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
have=$(rustc --version 2>/dev/null | awk '{print $2}')
older() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" != "$2" ]; }
if [ -n "$need" ] && older "${have:-0}" "$need"; then
  if command -v rustup >/dev/null; then
    echo "==> Rust ${have:-?} is older than the $need Segue needs: rustup update"
    rustup update --no-self-update stable
  else
    echo "==> Rust ${have:-?} is older than the $need Segue needs: installing rustup's toolchain"
    # rustup's installer would stop to ask about the other Rust on the PATH.
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
      RUSTUP_INIT_SKIP_PATH_CHECK=yes sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  have=$(rustc --version 2>/dev/null | awk '{print $2}')
  if older "${have:-0}" "$need"; then
    echo "Rust $have is still older than $need (a pinned default toolchain?): run 'rustup default stable'" >&2
    exit 1
  fi
fi

if [ "$want_tests" = 1 ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "==> installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi

echo "==> installing UI packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
if [ "$want_tests" = 1 ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "==> building the UI"
(cd ui && npm run --silent build)

# MusiCNN weights for genre/mood tags (from PyPI; skipped when present). The app runs without
# them (and says how to enable tags); the tests need them.
if ! ./scripts/fetch-models.sh; then
  if [ "$want_tests" = 1 ]; then
    echo "error: could not fetch the MusiCNN weights (the tests need them)" >&2
    exit 1
  fi
  echo "warning: could not fetch the MusiCNN weights; tags stay off until scripts/fetch-models.sh succeeds" >&2
fi

