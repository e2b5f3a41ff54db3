#!/usr/bin/env bash
# Records what the `segue` CLI prints (stdout, stderr, exit code) for a fixed set of commands on
# a fresh demo library, one file per command, so two builds can be compared byte for byte:
#
#   scripts/cli-snapshot.sh path/to/old/segue /tmp/before
#   scripts/cli-snapshot.sh target/debug/segue /tmp/after
#   diff -r /tmp/before /tmp/after
#
# The library lives at a fixed path so paths in the output agree between runs; timestamps and
# timings (which differ on every run) are replaced by placeholders.
set -euo pipefail
# Under its own name: clap prints the binary's name in usage lines.
mkdir -p /tmp/segue-cli-snapshot-bin
cp "$1" /tmp/segue-cli-snapshot-bin/segue
bin=/tmp/segue-cli-snapshot-bin/segue
out=$2
work=/tmp/segue-cli-snapshot
rm -rf "$work" "$out"
mkdir -p "$work" "$out"
export SEGUE_DATA_DIR="$work/data" SEGUE_ANALYSIS_WORKERS=1 NO_COLOR=1 RUST_BACKTRACE=0
cd "$work"

n=0
# Placeholders for what legitimately changes between runs: dates, durations of work, rates.
scrub() {
  sed -E \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?/<time>/g' \
    -e 's/"(elapsed_s|build_ms|built_at|audio_hours_per_hour|rate|files_per_s|seconds)": [0-9.e+-]+/"\1": <n>/g' \
    -e 's/[0-9.]+ ?(ms|s) \(/<t> (/g' \
    -e 's/in [0-9.]+ ?(ms|s|min)/in <t>/g' \
    -e 's/[0-9.]+ ?(files\/s|x realtime|×)/<rate> \1/g'
}
run() {
  n=$((n + 1))
  local name
  name=$(printf '%02d' "$n")-$(echo "$*" | tr -c 'a-zA-Z0-9-' '_' | cut -c1-60)
  set +e
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err" </dev/null
  echo "exit $?" >>"$out/$name.out"
  set -e
  scrub <"$out/$name.out" >"$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name.out"
  scrub <"$out/$name.err" >"$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name.err"
}

run --help
for c in folder scan analyze show similar playlist playlists play index tracks failures stats demo musicnn bench; do
  run "$c" --help
done
run demo --json
# Track ids follow the order in which parallel scan workers finish, and the index's statistics
# the moment it was built during the analysis: for outputs that agree run to run, the queries
# below use a second library of the same files, scanned by one worker, its index rebuilt.
cp -r "$work/data/demo" "$work/music"
export SEGUE_DATA_DIR="$work/data2"
run folder add "$work/music"
run scan --workers 1 --json
run index rebuild --json
run folder ls
run folder ls --json
run stats
run stats --json
run tracks
run tracks --json
run tracks --search "demo" --json
run failures
run failures --json
run show 1
run show 1 --json
run show "$work/music/does-not-exist.wav"
run show 999
run similar 1
run similar 1 -n 5 --json
run similar 7 -n 3
demo_file() { find "$work/music" -type f | sort | sed -n "$1p"; }
printf '1\n2\n%s\n' "$(demo_file 1)" >"$work/batch.txt"
run similar --batch "$work/batch.txt" -n 3 --json
run similar "$(demo_file 5)" -n 4 --json
run index stats
run index stats --json
run playlist 1
run playlist 1 --json
run playlist 2 -n 10 --order flow
run playlist 3 -n 10 --order harmonic --json
run playlist 4 --max-per-artist 0 --max-per-album 0 -n 30
run playlist 5 --bpm-tolerance 8 --key-compatible
run playlist 6 --bpm-range 100-130 --json
run playlist 7 --bpm-range nonsense
run playlist 8 --not 9 --min-duration 10 --max-duration 40
run playlist 1 2 --include electronic --avoid piano -n 12
run playlist 10 --folder "$work/music" -n 8
run playlist 11 -n 6 --save "Snapshot list" --export "$work/p.m3u8"
run playlist 12 -n 6 --export "$work/p.xspf"
cp "$work/p.m3u8" "$out/export.m3u8"
cp "$work/p.xspf" "$out/export.xspf"
run playlists
run playlists list --json
run playlists show 1
run playlists show 1 --json
run playlists rename 1 "Renamed"
run playlists export 1 "$work/saved.m3u8"
cp "$work/saved.m3u8" "$out/saved.m3u8"
run playlists delete 1
run playlists show 1
run folder rm 999
run scan --json
run analyze --json
run index rebuild --json
run musicnn "$(demo_file 1)" --patches 2 --json
run play 1 --seconds 0.2 --device nonexistent-device
run nonsense-command
echo "recorded $n commands in $out"
