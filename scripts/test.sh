#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting and lints, the engine's unit and
# integration tests, the UI's browser tests, end-to-end tests of the real app under Xvfb, and
# the Debian package built, installed and smoke-tested.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
. scripts/cargo-env.sh
. scripts/node-test-limits.sh
started=$SECONDS
step() { echo; echo "==> $* ($((SECONDS - started)) s)"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# The integration tests in tests/ are the CLI package's test targets (they run its binary):
# a file that cli/Cargo.toml does not list would silently never run.
for t in tests/*.rs; do
  grep -q "path = \"../$t\"" cli/Cargo.toml || { echo "$t is not a [[test]] of cli/Cargo.toml" >&2; exit 1; }
done

# Work that waits more than it computes runs beside work that computes: the UI's browser tests
# beside the Rust builds, the package's staging and compression beside the engine's tests.
# Tests wait on progress, not on a quiet machine. ui/dist, which both the UI tests and the
# package use, was built by setup.sh and nothing below changes it.
ui_log=target/ui-tests.log
mkdir -p target
(cd ui && node --test --test-concurrency=1 tests/) >"$ui_log" 2>&1 &
ui_pid=$!
package_log=target/package-build.log
package_pid=
# On a failure below, stop what runs beside (cargo is package.sh's child).
stop_beside() {
  if [ -n "$ui_pid" ]; then pkill -P "$ui_pid" 2>/dev/null; kill "$ui_pid" 2>/dev/null || true; fi
  if [ -n "$package_pid" ]; then pkill -P "$package_pid" 2>/dev/null; kill "$package_pid" 2>/dev/null || true; fi
}
trap stop_beside EXIT

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

# Every test runs the build that ships (scripts/cargo-env.sh: release, the app serving its
# embedded UI), and the package is made from the very binaries the tests ran: the dependency
# tree is compiled optimised once (a debug build for the tests beside a release build for the
# package: 2,977 s on a clean clone here, against 2,429 s; docs/benchmarks.md, session 23).
# FAISS's C++ comes from ccache.
step "engine and shell tests: build (release, as shipped)"
cargo test "${shipped_build[@]}" --no-run --quiet
cargo build "${shipped_build[@]}" --quiet
export SEGUE_PROFILE=release
./scripts/package.sh --no-setup >"$package_log" 2>&1 &
package_pid=$!

step "engine and shell tests (cargo test)"
cargo test "${shipped_build[@]}"

# The contract between the app and its UI is generated from the Rust side (build.rs: the
# capability; a test: ui/src/bindings.ts); committed copies must be current.
step "generated files are current"
git diff --exit-code --stat -- src-tauri/capabilities ui/src/bindings.ts ||
  { echo "generated files changed: commit them (see src-tauri/build.rs, src-tauri/src/bindings.rs)" >&2; exit 1; }

step "UI unit tests (Chromium, mocked IPC), run beside the builds"
wait "$ui_pid" || { ui_pid=; cat "$ui_log"; echo "UI unit tests failed" >&2; exit 1; }
ui_pid=
grep -E '^# (tests|pass|fail) ' "$ui_log" || true

# No test may hang the run: a test file that goes on past 20 minutes fails (its apps are ended
# and described by the harness as its process exits), and the step as a whole has a ceiling.
# The longest file takes ~2 minutes here (the demo's analysis, waited on by its progress).
step "end-to-end tests (real app, WebKitWebDriver, Xvfb)"
timeout --kill-after=60 2700 xvfb-run -a -s "-screen 0 1400x900x24" \
  node --test --test-concurrency=1 $(node_test_limits) tests/e2e/ ||
  { rc=$?; [ "$rc" -ne 124 ] || echo "the end-to-end tests ran past 45 minutes: ended" >&2; exit "$rc"; }

step "the Debian package (of the binaries tested above): installed, validated, smoke-tested, removed"
wait "$package_pid" || { cat "$package_log" >&2; echo "building the package failed" >&2; exit 1; }
package_pid=
trap - EXIT
xvfb-run -a -s "-screen 0 1400x900x24" ./tests/package.sh "$(tail -n 1 "$package_log")"

# The shared bad-input corpus (beside the repo in CI) adds cases of its own.
if [ -f ../shared/corpus/make_bad.py ]; then
  step "shared bad-input corpus"
  ./tests/corpus_bad.sh
fi
step "all tests passed"
