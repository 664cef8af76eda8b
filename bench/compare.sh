#!/usr/bin/env bash
# Runs the peer benchmark (supriya and its raw-UDP Python floor) and this project's bench
# (scserver and its std-socket Rust floor) on the same machine, one after the other, then prints
# a Markdown table of the figures and their ratios.
#
#   bench/compare.sh [PERIOD]        # JACK dummy period in frames, default 64
#
# Outputs land in $OUT (default /tmp/scserver-compare): peer.json, scserver.json, table.md.
set -euo pipefail

PERIOD="${1:-64}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared/bench}"
OUT="${OUT:-/tmp/scserver-compare}"
VENV="${VENV:-/tmp/peer-venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$OUT"

# Build first, so compiling never overlaps a measurement.
(cd "$ROOT" && cargo bench --bench workloads --no-run)

VENV="$VENV" "$SHARED/setup.sh" >&2
echo "peer (supriya + raw UDP floor), period $PERIOD ..." >&2
# Run from $OUT: supriya's package directory must not be the working directory.
(cd "$OUT" && "$VENV/bin/python" "$SHARED/supriya_bench.py" --jack-period "$PERIOD" \
    > "$OUT/peer.json" 2> "$OUT/peer.log")

echo "scserver (+ Rust std-socket floor), period $PERIOD ..." >&2
(cd "$ROOT" && cargo bench --bench workloads -- --jack-period "$PERIOD" \
    > "$OUT/scserver.json" 2> "$OUT/scserver.log")

python3 "$HERE/compare.py" "$OUT/peer.json" "$OUT/scserver.json" | tee "$OUT/table.md"
