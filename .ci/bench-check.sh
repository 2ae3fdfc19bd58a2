#!/usr/bin/env bash
# Benchmark of `lpetrust check` at scale, loopback only: N endpoints
# (default 500) on 127.1.x.y, each serving one RSA-2048 certificate (what a
# Front End serves and the phones need; KEYS=cheap serves P-256 and RSA-1024
# instead) and delaying every TLS handshake by DELAY_MS (default 200),
# published in a loopback DNS server as one pool name, audited with the
# concurrency lpetrust chooses by default.
#
# It measures the client. In a real pool the Front Ends are other machines;
# here the fixture's servers (benchpool: three RSA-2048 private-key
# operations per endpoint) would compete with lpetrust for the same CPUs.
# So on a machine with 2 CPUs or more, lpetrust (and the openssl loop) is
# pinned with taskset (Debian: util-linux) to the first half of the CPUs this
# script may use and chooses its concurrency for them; benchpool may use
# every CPU (SERVERS=rest pins it to the other half), with 8 scheduler
# threads per CPU, so that the endpoints share the CPUs like separate
# servers. The CPUs each got are printed. With one CPU, or without taskset,
# both run unpinned and a note says so; PIN=0 runs them unpinned on purpose.
#
# Reported:
#   - wall time against the ideal ceil(N/C) * DELAY, C the concurrency
#     lpetrust chooses on its CPUs (target: <= 1.3x on a quiet machine),
#   - a sequential `openssl s_client` loop over the same endpoints in the same
#     run (target: check >= 25x faster),
#   - peak memory (maximum resident set size) of the lpetrust process,
#   - CPU time per endpoint of lpetrust and of the servers,
#   - the machine's load average before the run.
# Usage: .ci/bench-check.sh [N] [DELAY_MS]     (env: RUNS=3, KEYS=rsa2048, OPENSSL=1, PIN=1, SERVERS=all)
set -euo pipefail
N=${1:-500}
DELAY_MS=${2:-200}
KEYS=${KEYS:-rsa2048}
OPENSSL=${OPENSSL:-1}
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { echo "bench-check: openssl is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-check: /usr/bin/time (Debian package time) is needed" >&2; exit 2; }
# Up to 3 connections per endpoint in flight, plus N listeners.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# The CPUs: the client gets the first half (at least one), pinned; the
# servers may use every CPU (SERVERS=rest: only the other half). In a real
# pool the Front Ends are other machines: the fixture's 500-2000 RSA-2048
# servers must not be what the audit waits for, so they get the client's
# idle time too, while the client chooses its concurrency for its own CPUs.
client_pin=() server_pin=() client_cpus=all server_cpus=all pin_note=
if [ "${PIN:-1}" = 0 ]; then
	pin_note="PIN=0: client and servers share the CPUs (not pinned)"
elif command -v taskset >/dev/null; then
	# This process's allowed CPUs, "0-3,6" expanded to one per line.
	mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: *//' | tr ',' '\n' |
		awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }')
	if [ "${#cpus[@]}" -ge 2 ]; then
		half=$(( ${#cpus[@]} / 2 ))
		client_cpus=$(IFS=,; echo "${cpus[*]:0:half}")
		client_pin=(taskset -c "$client_cpus")
		if [ "${SERVERS:-all}" = rest ]; then
			server_cpus=$(IFS=,; echo "${cpus[*]:half}")
			server_pin=(taskset -c "$server_cpus")
		fi
	else
		pin_note="only one CPU: client and servers share it (not pinned)"
	fi
else
	pin_note="taskset not found (Debian: util-linux): client and servers share the CPUs (not pinned)"
fi
setsid=()
if command -v setsid >/dev/null; then setsid=(setsid); fi
[ -z "$pin_note" ] || echo "bench-check: note: $pin_note" >&2

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/lpetrust" ./cmd/lpetrust
go build -o "$work/benchpool" ./chain/live/internal/benchpool

# The concurrency lpetrust chooses on the client's CPUs, for the ideal.
CONCURRENCY=$("${client_pin[@]}" "$work/benchpool" -n "$N" -concurrency)

mkfifo "$work/hold"
# In a session of its own (setsid): with the kernel's autogroup scheduling
# its 8 threads per CPU then share a CPU with the client as one group, not
# as 8 competitors, the way servers on other machines leave the client alone.
"${setsid[@]}" "${server_pin[@]}" "$work/benchpool" -n "$N" -delay "${DELAY_MS}ms" -keys "$KEYS" -targets "$work/targets.txt" <"$work/hold" >"$work/ready" &
server_pid=$!
exec 9>"$work/hold" # keeps benchpool's standard input open
for _ in $(seq 100); do [ -s "$work/ready" ] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
[ -s "$work/ready" ] || { echo "bench-check: benchpool did not start" >&2; exit 1; }
read -r dns_kv port_kv name_kv _ <"$work/ready"
dns=${dns_kv#dns=}; port=${port_kv#port=}; name=${name_kv#name=}
load=$(cut -d' ' -f1-3 /proc/loadavg)
# CPU time (user + system, clock ticks) of the servers so far.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
ticks_per_s=$(getconf CLK_TCK)

# lpetrust check, RUNS times (default 3; the median is compared): exit 1 is
# expected (the benchmark CA is in no firmware store).
RUNS=${RUNS:-3}
times=()
rss_kb=0
client_cpu_ms=0
server_before=$(server_ticks)
for _ in $(seq "$RUNS"); do
	start=$(date +%s%N)
	"${client_pin[@]}" /usr/bin/time -f '%M %U %S' -o "$work/rss" "$work/lpetrust" check "$name" --resolver "$dns" --port "$port" -o json >"$work/check.json" || true
	end=$(date +%s%N)
	times+=($(( (end - start) / 1000000 )))
	read -r rss user sys < <(tail -n 1 "$work/rss")
	[ "$rss" -gt "$rss_kb" ] && rss_kb=$rss
	client_cpu_ms=$(awk -v a="$client_cpu_ms" -v u="$user" -v s="$sys" 'BEGIN { print a + (u + s) * 1000 }')
done
server_cpu_ms=$(( ($(server_ticks) - server_before) * 1000 / ticks_per_s ))
check_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
all_ms=$(printf '%s ' "${times[@]}")
checked=$(grep -c '"phone_handshake"' "$work/check.json" || true)
failed=$(grep -c '^    "error": "' "$work/check.json" || true)

# The same endpoints, one openssl s_client after the other (OPENSSL=0 skips it).
openssl_ms=0
if [ "$OPENSSL" = 1 ]; then
	start=$(date +%s%N)
	while read -r ep; do
		"${client_pin[@]}" openssl s_client -connect "$ep" -servername "$name" </dev/null >/dev/null 2>&1 || true
	done <"$work/targets.txt"
	end=$(date +%s%N)
	openssl_ms=$(( (end - start) / 1000000 ))
fi

ideal_ms=$(( (N + CONCURRENCY - 1) / CONCURRENCY * DELAY_MS ))
awk -v n="$N" -v d="$DELAY_MS" -v c="$CONCURRENCY" -v ideal="$ideal_ms" -v check="$check_ms" \
	-v ossl="$openssl_ms" -v rss="$rss_kb" -v checked="$checked" -v failed="$failed" -v all="$all_ms" \
	-v keys="$KEYS" -v load="$load" -v ccpus="$client_cpus" -v scpus="$server_cpus" -v note="$pin_note" \
	-v ccpu="$client_cpu_ms" -v scpu="$server_cpu_ms" -v runs="$RUNS" 'BEGIN {
	printf "endpoints:            %d (keys %s, each handshake delayed %d ms), chosen concurrency %d\n", n, keys, d, c
	printf "CPUs:                 lpetrust %s, benchpool %s%s\n", ccpus, scpus, note == "" ? "" : " (" note ")"
	printf "load average before:  %s\n", load
	printf "endpoints reported:   %d (%d with an error)\n", checked, failed
	printf "lpetrust check:       %.2f s (median; runs in ms: %s)\n", check / 1000, all
	printf "ideal ceil(N/C)*d:    %.2f s  -> check/ideal = %.2fx (target <= 1.3x)\n", ideal / 1000, check / ideal
	if (ossl > 0) printf "openssl s_client loop: %.2f s -> speedup = %.1fx (target >= 25x)\n", ossl / 1000, ossl / check
	printf "peak RSS of check:    %.1f MiB (largest of the runs)\n", rss / 1024
	printf "CPU per endpoint:     lpetrust %.2f ms, servers %.2f ms (user + system, mean of the runs)\n", ccpu / runs / n, scpu / runs / n
}'
