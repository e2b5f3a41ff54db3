#!/usr/bin/env bash
# rustc with Clippy's lints, warnings denied: scripts/test.sh sets this as cargo's
# RUSTC_WORKSPACE_WRAPPER, so the build the tests need also lints the workspace's crates (Clippy's
# driver is rustc plus the lints; dependencies are built by plain rustc). `cargo clippy` would
# compile every dependency a second time, in check mode, for the same lints.
set -euo pipefail
driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
exec "$driver" "$@" -D warnings
