#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting and lints, the engine's unit and
# integration tests, the UI's browser tests, end-to-end tests of the real app under Xvfb, and
# the Debian package built, installed and smoke-tested.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
export PATH="$HOME/.cargo/bin:$PATH"
started=$SECONDS
step() { echo; echo "==> $* ($((SECONDS - started)) s)"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# The integration tests in tests/ are the CLI package's test targets (they run its binary):
# a file that cli/Cargo.toml does not list would silently never run.
for t in tests/*.rs; do
  grep -q "path = \"../$t\"" cli/Cargo.toml || { echo "$t is not a [[test]] of cli/Cargo.toml" >&2; exit 1; }
done

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "engine and shell tests (cargo test)"
cargo test --workspace

# The contract between the app and its UI is generated from the Rust side (build.rs: the
# capability; a test: ui/src/bindings.ts); committed copies must be current.
step "generated files are current"
git diff --exit-code --stat -- src-tauri/capabilities ui/src/bindings.ts ||
  { echo "generated files changed: commit them (see src-tauri/build.rs, src-tauri/src/bindings.rs)" >&2; exit 1; }

step "the app and the UI for the end-to-end tests"
cargo build --quiet -p segue-app
(cd ui && npx vite build --logLevel warn)

# The release build of the package takes the other core while the browser and end-to-end tests
# run (they wait on progress, not on a quiet machine). It needs the target dir's lock, so every
# other cargo build is done by now, and ui/dist must not change under it (built just above;
# the UI tests below run without rebuilding it).
package_log=target/package-build.log
mkdir -p target
./scripts/package.sh --no-setup >"$package_log" 2>&1 &
package_pid=$!
# On a failure below, stop the build too (cargo is package.sh's child).
trap 'pkill -P "$package_pid" 2>/dev/null; kill "$package_pid" 2>/dev/null || true' EXIT

step "UI unit tests (Chromium, mocked IPC)"
(cd ui && node --test --test-concurrency=1 tests/)

step "end-to-end tests (real app, WebKitWebDriver, Xvfb)"
xvfb-run -a -s "-screen 0 1400x900x24" node --test --test-concurrency=1 tests/e2e/

step "the Debian package: built (release), installed, validated, smoke-tested, removed"
wait "$package_pid" || { cat "$package_log" >&2; echo "building the package failed" >&2; exit 1; }
trap - EXIT
xvfb-run -a -s "-screen 0 1400x900x24" ./tests/package.sh "$(tail -n 1 "$package_log")"

# The shared bad-input corpus (beside the repo in CI) adds cases of its own.
if [ -f ../shared/corpus/make_bad.py ]; then
  step "shared bad-input corpus"
  ./tests/corpus_bad.sh
fi
step "all tests passed"
