#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting and lints, the engine's unit and
# integration tests, the UI's browser tests, end-to-end tests of the real app under Xvfb, and
# the Debian package built, installed and smoke-tested.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
. scripts/cargo-env.sh
started=$SECONDS
step() { echo; echo "==> $* ($((SECONDS - started)) s)"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# The integration tests in tests/ are the CLI package's test targets (they run its binary):
# a file that cli/Cargo.toml does not list would silently never run.
for t in tests/*.rs; do
  grep -q "path = \"../$t\"" cli/Cargo.toml || { echo "$t is not a [[test]] of cli/Cargo.toml" >&2; exit 1; }
done

# The release build of the package runs beside everything below, in its own profile dir (cargo
# locks target/release and target/debug apart): the tests wait on progress, not on a quiet
# machine, and the package's compile fills the cores the tests leave idle. FAISS's C++ is
# compiled first, once: the other profile's build then takes its objects from ccache instead of
# compiling them at the same time. ui/dist, which the package embeds, was built by setup.sh and
# nothing below changes it.
step "FAISS (C++), compiled once for both profiles"
cargo build --release --locked --quiet -p faiss-sys
package_log=target/package-build.log
./scripts/package.sh --no-setup >"$package_log" 2>&1 &
package_pid=$!
# On a failure below, stop the build too (cargo is package.sh's child).
trap 'pkill -P "$package_pid" 2>/dev/null; kill "$package_pid" 2>/dev/null || true' EXIT

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "engine and shell tests (cargo test)"
cargo test --workspace

# The contract between the app and its UI is generated from the Rust side (build.rs: the
# capability; a test: ui/src/bindings.ts); committed copies must be current.
step "generated files are current"
git diff --exit-code --stat -- src-tauri/capabilities ui/src/bindings.ts ||
  { echo "generated files changed: commit them (see src-tauri/build.rs, src-tauri/src/bindings.rs)" >&2; exit 1; }

# The whole workspace, as the tests just built it (features unified across the CLI and the app:
# `-p segue-app` alone would rebuild tokio and what depends on it).
step "the app for the end-to-end tests"
cargo build --quiet --workspace

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
