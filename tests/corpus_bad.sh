#!/usr/bin/env bash
# Scans the shared bad-input corpus (../shared/corpus/make_bad.py: 38 broken, hostile or odd
# files) with the real CLI and checks the expected behaviour of each: the scan finishes, every
# valid file is a track, every broken one has a failure with a reason, nothing is listed twice.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
export CORPUS_DIR="$work/corpus"
python3 ../shared/corpus/make_bad.py >/dev/null
# The CLI of the build scripts/test.sh tested (SEGUE_PROFILE), else the debug build.
profile=${SEGUE_PROFILE:-debug}
segue=${SEGUE_BIN:-target/$profile/segue}
[ -x "$segue" ] || {
  echo "$segue is missing: build it first (cargo build -p segue-cli$([ "$profile" = release ] && echo ' --release'))" >&2
  exit 1
}
data="$work/data"
"$segue" --data-dir "$data" folder add "$CORPUS_DIR/bad" >/dev/null
timeout 300 "$segue" --data-dir "$data" scan --json > "$work/summary.json"
"$segue" --data-dir "$data" tracks --json > "$work/tracks.json"
"$segue" --data-dir "$data" failures --json > "$work/failures.json"
python3 tests/check_bad_corpus.py "$CORPUS_DIR" "$work"
