#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting and lints, the engine's unit and
# integration tests, the UI's browser tests, and end-to-end tests of the real app under Xvfb.
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

step "UI unit tests (Chromium, mocked IPC)"
(cd ui && npm test --silent)

step "end-to-end tests (real app, WebKitWebDriver, Xvfb)"
cargo build --quiet -p segue-app
xvfb-run -a -s "-screen 0 1400x900x24" node --test --test-concurrency=1 tests/e2e/

step "the Debian package: built, installed, validated, smoke-tested, removed"
xvfb-run -a -s "-screen 0 1400x900x24" ./tests/package.sh

# The shared bad-input corpus (beside the repo in CI) adds cases of its own.
if [ -f ../shared/corpus/make_bad.py ]; then
  step "shared bad-input corpus"
  ./tests/corpus_bad.sh
fi
step "all tests passed"
