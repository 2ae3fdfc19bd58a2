#!/usr/bin/env bash
# Benchmark of `lpetrust report` (issues 5 and 17): a generated Lync
# "IP Phone Inventory Report" CSV judged against 3 chains in EVERY output
# format, each written to a file, compared in the same run with one awk pass
# counting the same file by its user-agent (version) column.
# Targets (issue 17): every format within 2x the awk pass; peak RSS under
# 150 MB at 10^6 rows and under 300 MB at 10^7.
#
# Usage: .ci/bench-report.sh [ROWS [PHONES [FORMATS]]]
#   ROWS     rows in the inventory (default 1000000)
#   PHONES   distinct MAC addresses (default ROWS: every row a different
#            phone, the worst case for memory; fewer makes later rows newer
#            registrations of the same phones: 10000000 30000 is a year of
#            a 30,000-phone estate)
#   FORMATS  the -o values to run (default "table csv csv-long json html")
# Examples:
#   bash .ci/bench-report.sh 1000000              # 10^6 rows, every row a phone
#   bash .ci/bench-report.sh 10000000 30000       # a year of a 30,000-phone estate
#   bash .ci/bench-report.sh 10000000             # 10^7 distinct phones
# Every listing writes one line per phone, up to six times the inventory's
# bytes, where awk writes a few lines: the "write s" column is the wall time
# of dd writing that many bytes to a file beside it (the same file system),
# the part of a format's time that is the kernel copying its output.
# RUNS=N (default 1) runs awk and each format N times and keeps the fastest
# run (the machine's other work and the page cache's writeback scatter
# single runs). Every run of a format follows a run of awk, and the
# format's ratio is to the fastest of those ("awk s"): this machine's speed
# drifts by a fifth within a minute, so only runs side by side compare.
# NULL=1 writes every output to /dev/null instead (what the report costs
# without writing its bytes; no sizes, no write column).
# OVER=1 writes every output over the pages of one existing file (the
# shell's 1<>, no truncation), made once at 7 times the inventory's size:
# the kernel still copies every byte into the page cache, but allocates no
# new memory for it. On a virtual machine that hands freed memory back to
# its host (virtio-balloon free page reporting) every new page of a fresh
# file costs a fault in the host, and that, not lpetrust, is most of a
# listing's time to a new file; the write column is then dd over the file.
# Environment: WORK (default: a new directory under TMPDIR) holds the
# inventory (about 150 bytes a row) and, one at a time, each output (deleted
# as soon as it is measured). Needs: go, awk, GNU time (/usr/bin/time,
# Debian package "time") for the peak RSS.
# Exit status: 1 when a target is missed.
set -euo pipefail

rows=${1:-1000000}
phones=${2:-$rows}
formats=${3:-table csv csv-long json html}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "GNU time (/usr/bin/time) is needed for the peak RSS (Debian: apt-get install time)" >&2
  exit 2
fi

need=$((rows * 150 / 1000000 + 200)) # MB: the inventory and the room for one output
avail=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ "$avail" -lt $((need * 8)) ]; then
  echo "$work: ${avail} MB free, about $((need * 8)) MB needed (inventory and the largest output)" >&2
  exit 2
fi

echo "building lpetrust"
(cd "$repo" && go build -o "$work/lpetrust" ./cmd/lpetrust)

echo "generating $rows rows for $phones phones"
bash "$repo/.ci/gen-inventory.sh" "$rows" "$phones" > "$work/inventory.csv"
ls -l "$work/inventory.csv" | awk '{ printf "inventory: %.1f MB\n", $5 / 1e6 }'

chains=(--chain "$repo/testdata/inventory/chains/today.pem"
        --chain "$repo/testdata/inventory/chains/renewal-g2.pem"
        --chain "$repo/testdata/pfx/chain.p7b")
store=(--store "$repo/testdata/inventory/chains/overlay-contoso.yaml")

# The awk pass: the inventory counted by its user-agent (version) column.
awk_count='NR > 1 { n[$5]++ } END { for (v in n) print n[v], v }'

# awk_pass: the wall seconds of one awk pass.
awk_pass() {
  /usr/bin/time -f "%e" -o "$work/time" awk -F, "$awk_count" "$work/inventory.csv" > /dev/null
  tail -n 1 "$work/time"
}

# measure NAME CMD... : wall seconds, peak RSS (KB) and output size of the
# fastest of RUNS runs whose standard output goes to a file (deleted once
# measured); side is the fastest of the awk passes run before each of them.
measure() {
  local name=$1; shift
  local out=$work/out
  if [ "${NULL:-0}" = 1 ]; then out=/dev/null; fi
  local run secs='' kb user sys s k u y bytes=0 a
  side=''
  for run in $(seq "${RUNS:-1}"); do
    a=$(awk_pass)
    if [ -z "$side" ] || awk -v a="$a" -v b="$side" 'BEGIN { exit !(a < b) }'; then side=$a; fi
    if [ "${OVER:-0}" = 1 ]; then
      # fd 3 shares its offset with the child's standard output: after the
      # run it is the number of bytes written.
      exec 3<>"$out"
      /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >&3 || true
      bytes=$(awk '$1 == "pos:" { print $2 }' "/proc/$BASHPID/fdinfo/3")
      exec 3>&-
    else
      rm -f "$work/out"
      /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" > "$out" || true
    fi
    read -r s k u y < <(tail -n 1 "$work/time")
    if [ -z "$secs" ] || awk -v a="$s" -v b="$secs" 'BEGIN { exit !(a < b) }'; then
      secs=$s kb=$k user=$u sys=$y
    fi
  done
  if [ "$out" != /dev/null ] && [ "${OVER:-0}" != 1 ]; then bytes=$(stat -c %s "$out"); fi
  if [ "$name" = table ] && [ "$out" != /dev/null ]; then head -6 "$out" | sed 's/^/  | /'; fi
  if [ "${OVER:-0}" != 1 ]; then rm -f "$work/out"; fi
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  eval "secs_${name//-/_}=$secs; kb_${name//-/_}=$kb; bytes_${name//-/_}=$bytes; cpu_${name//-/_}=$cpu"
}

if [ "$rows" -ge 5000000 ]; then limit=300; else limit=150; fi
cat "$work/inventory.csv" > /dev/null # same page-cache state for every run
if [ "${OVER:-0}" = 1 ] && [ "${NULL:-0}" != 1 ]; then
  inv_mb=$(( $(stat -c %s "$work/inventory.csv") / 1048576 + 1 ))
  echo "OVER=1: outputs written over a file of $((inv_mb * 7)) MB made now"
  dd if=/dev/zero of="$work/out" bs=1M count=$((inv_mb * 7)) status=none
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure awk awk -F, "$awk_count" "$work/inventory.csv"
side_awk=$side
fail=0
# write_floor BYTES: wall seconds of dd writing that many bytes to a file.
write_floor() {
  if [ "${NULL:-0}" = 1 ]; then echo 0; return; fi
  if [ "${OVER:-0}" = 1 ]; then
    /usr/bin/time -f "%e" -o "$work/time" dd if=/dev/zero of="$work/out" bs=1M count=$(($1 / 1048576 + 1)) conv=notrunc status=none
    tail -n 1 "$work/time"
    return
  fi
  /usr/bin/time -f "%e" -o "$work/time" dd if=/dev/zero of="$work/out" bs=1M count=$(($1 / 1048576 + 1)) status=none
  rm -f "$work/out"
  tail -n 1 "$work/time"
}
printf '%-10s %8s %8s %8s %8s %9s %10s %8s %s\n' format "wall s" "awk s" "vs awk" "CPU s" "peak RSS" "output MB" "write s" result
printf '%-10s %8.2f %8.2f %7sx %8.2f %6d MB %10s %8s\n' awk "$secs_awk" "$side_awk" \
  "$(awk -v a="$side_awk" -v b="$secs_awk" 'BEGIN { printf "%.2f", b / a }')" "$cpu_awk" $((kb_awk / 1024)) - -
for f in $formats; do
  measure "$f" "$work/lpetrust" "${store[@]}" -o "$f" report --inventory "$work/inventory.csv" "${chains[@]}" --at 2026-11-22
  v=${f//-/_}
  eval "secs=\$secs_$v; kb=\$kb_$v; bytes=\$bytes_$v; cpu=\$cpu_$v"
  ratio=$(awk -v a="$side" -v b="$secs" 'BEGIN { printf "%.2f", b / a }')
  ok=PASS
  awk -v r="$ratio" -v kb="$kb" -v lim="$limit" 'BEGIN { exit !(r <= 2 && kb <= lim * 1024) }' || { ok=FAIL; fail=1; }
  printf '%-10s %8.2f %8.2f %7sx %8.2f %6d MB %10.1f %8.2f %s\n' "$f" "$secs" "$side" "$ratio" "$cpu" $((kb / 1024)) "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$(write_floor "$bytes")" "$ok"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo "targets: every format <= 2x awk, peak RSS <= ${limit} MB"
exit $fail
