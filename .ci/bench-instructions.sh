#!/usr/bin/env bash
# Instructions a registration costs `lpetrust report`, per output format:
# valgrind's cachegrind counts them exactly (this machine's wall times
# scatter by a fifth and more), in a serial run without the collector
# (GOMAXPROCS=1 GOGC=off) over ROWS distinct phones, minus the same run over
# the header alone (start-up: the known CAs parsed, the chains judged).
# Compare two builds by running it in each checkout. json and html include
# the inventory's SHA-256 in its AVX2 form: valgrind offers no SHA
# instructions, which real CPUs use.
# Usage: .ci/bench-instructions.sh [ROWS [FORMATS]]   (defaults: 100000, every format)
# Needs: go, awk, valgrind (Debian package "valgrind").
set -euo pipefail
rows=${1:-100000}
formats=${2:-table csv csv-long json html}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 2; }
(cd "$repo" && go build -o "$work/lpetrust" ./cmd/lpetrust)
bash "$repo/.ci/gen-inventory.sh" "$rows" > "$work/rows.csv"
head -n 1 "$work/rows.csv" > "$work/header.csv"

# count FORMAT FILE: instructions of one serial run.
count() {
  GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$work/lpetrust" --store "$repo/testdata/inventory/chains/overlay-contoso.yaml" -o "$1" report --inventory "$2" \
    --chain "$repo/testdata/inventory/chains/today.pem" --chain "$repo/testdata/inventory/chains/renewal-g2.pem" \
    --chain "$repo/testdata/pfx/chain.p7b" --at 2026-11-22 2>&1 >/dev/null |
    awk '/I *refs/ { gsub(",", "", $4); print $4 }' || true # the report's exit status says what it found
}
printf '%-10s %14s %14s %10s\n' format start-up "$rows rows" "a row"
for f in $formats; do
  s=$(count "$f" "$work/header.csv")
  r=$(count "$f" "$work/rows.csv")
  printf '%-10s %14d %14d %10d\n' "$f" "$s" "$r" $(( (r - s) / rows ))
done
