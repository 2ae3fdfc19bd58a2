#!/usr/bin/env bash
# Benchmark of `lpetrust check` at scale (issue 6), loopback only:
# N endpoints (default 500) on 127.1.x.y, each delaying every TLS handshake
# by DELAY_MS (default 200), published in a loopback DNS server as one pool
# name, audited with the default concurrency (32). Reported:
#   - wall time against the ideal ceil(N/32) * DELAY (target: <= 1.25x),
#   - a sequential `openssl s_client` loop over the same endpoints in the same
#     run (target: check >= 25x faster),
#   - peak memory (maximum resident set size) of the lpetrust process.
# Usage: .ci/bench-check.sh [N] [DELAY_MS]
set -euo pipefail
N=${1:-500}
DELAY_MS=${2:-200}
CONCURRENCY=32
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { echo "bench-check: openssl is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-check: /usr/bin/time (Debian package time) is needed" >&2; exit 2; }
# Up to 3 connections per endpoint in flight, plus N listeners.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/lpetrust" ./cmd/lpetrust
go build -o "$work/benchpool" ./chain/live/internal/benchpool

mkfifo "$work/hold"
"$work/benchpool" -n "$N" -delay "${DELAY_MS}ms" -targets "$work/targets.txt" <"$work/hold" >"$work/ready" &
server_pid=$!
exec 9>"$work/hold" # keeps benchpool's standard input open
for _ in $(seq 100); do [ -s "$work/ready" ] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/ready" ] || { echo "bench-check: benchpool did not start" >&2; exit 1; }
read -r dns_kv port_kv name_kv _ <"$work/ready"
dns=${dns_kv#dns=}; port=${port_kv#port=}; name=${name_kv#name=}

# lpetrust check, RUNS times (default 3; the median is compared): exit 1 is
# expected (the benchmark CA is in no firmware store).
RUNS=${RUNS:-3}
times=()
rss_kb=0
for _ in $(seq "$RUNS"); do
	start=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$work/rss" "$work/lpetrust" check "$name" --resolver "$dns" --port "$port" -o json >"$work/check.json" || true
	end=$(date +%s%N)
	times+=($(( (end - start) / 1000000 )))
	rss=$(tail -n 1 "$work/rss")
	[ "$rss" -gt "$rss_kb" ] && rss_kb=$rss
done
check_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
all_ms=$(printf '%s ' "${times[@]}")
checked=$(grep -c '"phone_handshake"' "$work/check.json" || true)
failed=$(grep -c '^    "error": "' "$work/check.json" || true)

# The same endpoints, one openssl s_client after the other.
start=$(date +%s%N)
while read -r ep; do
	openssl s_client -connect "$ep" -servername "$name" </dev/null >/dev/null 2>&1 || true
done <"$work/targets.txt"
end=$(date +%s%N)
openssl_ms=$(( (end - start) / 1000000 ))

ideal_ms=$(( (N + CONCURRENCY - 1) / CONCURRENCY * DELAY_MS ))
awk -v n="$N" -v d="$DELAY_MS" -v c="$CONCURRENCY" -v ideal="$ideal_ms" -v check="$check_ms" \
	-v ossl="$openssl_ms" -v rss="$rss_kb" -v checked="$checked" -v failed="$failed" -v all="$all_ms" 'BEGIN {
	printf "endpoints:            %d (each handshake delayed %d ms), concurrency %d\n", n, d, c
	printf "endpoints reported:   %d (%d with an error)\n", checked, failed
	printf "lpetrust check:       %.2f s (median; runs in ms: %s)\n", check / 1000, all
	printf "ideal ceil(N/C)*d:    %.2f s  -> check/ideal = %.2fx (target <= 1.25x)\n", ideal / 1000, check / ideal
	printf "openssl s_client loop: %.2f s -> speedup = %.1fx (target >= 25x)\n", ossl / 1000, ossl / check
	printf "peak RSS of check:    %.1f MiB (largest of the runs)\n", rss / 1024
}'
