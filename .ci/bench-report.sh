#!/usr/bin/env bash
# Benchmark of `lpetrust report` (issue 5): a generated 1,000,000-row Lync
# "IP Phone Inventory Report" CSV judged against 3 chains, compared in the
# same run with one awk pass counting the same file by its user-agent
# (version) column. Targets: report wall time <= 3x awk, peak RSS <= 300 MB.
#
# Usage: .ci/bench-report.sh [ROWS [PHONES]]
#   ROWS    rows in the inventory (default 1000000)
#   PHONES  distinct MAC addresses (default ROWS: every row a different
#           phone, the worst case for memory; fewer makes later rows newer
#           registrations of the same phones)
# Needs: go, awk, GNU time (/usr/bin/time, Debian package "time") for the
# peak RSS; without it the RSS is not reported.
set -euo pipefail

rows=${1:-1000000}
phones=${2:-$rows}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building lpetrust"
(cd "$repo" && go build -o "$work/lpetrust" ./cmd/lpetrust)

echo "generating $rows rows for $phones phones"
awk -v rows="$rows" -v phones="$phones" 'BEGIN {
  print "Manufacturer,Hardware version,MAC address,User URI,User agent,Last logon time,Last logoff time,Last activity"
  nm = split("POLYCOM,CX600|POLYCOM,CX500|POLYCOM,CX3000|POLYCOM,CX700|LG-Nortel,IP8540|Aastra,6725ip|Aastra,6721ip|HP,4120|HP,4110", models, "|")
  nv = split("4.0.7577.4047 4.0.7577.4100 4.0.7577.4363 4.0.7577.4397 4.0.7577.4414 4.0.7577.4420 4.0.7577.4444 4.0.7577.4451 4.0.7577.4455 4.0.7577.4463", vers, " ")
  for (i = 0; i < rows; i++) {
    p = i % phones
    if (i % 50 == 49) {
      printf "Microsoft,PC,,sip:desk%d@contoso.com,UCCAPI/15.0.4481.1000 OC/15.0.4481.1000 (Microsoft Lync),11/%d/2026 8:00:00 AM,,\n", p, i % 28 + 1
      continue
    }
    m = models[p % nm + 1]; v = vers[int(p / nm) % nv + 1]
    printf "%s,00-04-F2-%02X-%02X-%02X,sip:user%d@contoso.com,CPE/%s OCPhone/%s (Microsoft Lync Phone Edition),11/%d/2026 %d:%02d:00 AM,,\n", \
      m, int(p / 65536) % 256, int(p / 256) % 256, p % 256, p, v, v, i % 28 + 1, i % 11 + 1, i % 60
  }
}' > "$work/inventory.csv"
ls -l "$work/inventory.csv" | awk '{ printf "inventory: %.1f MB\n", $5 / 1e6 }'

chains=(--chain "$repo/testdata/inventory/chains/today.pem"
        --chain "$repo/testdata/inventory/chains/renewal-g2.pem"
        --chain "$repo/testdata/pfx/chain.p7b")
store=(--store "$repo/testdata/inventory/chains/overlay-contoso.yaml")

# measure NAME CMD... : wall seconds and peak RSS (KB) of one run.
measure() {
  local name=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out" || true
  else
    local start end
    start=$(date +%s.%N); "$@" > "$work/$name.out" || true; end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc) 0" > "$work/$name.time"
  fi
  read -r secs kb < <(tail -n 1 "$work/$name.time")
  eval "${name}_secs=$secs; ${name}_kb=$kb"
}

cat "$work/inventory.csv" > /dev/null # same page-cache state for both
measure awk awk -F, 'NR > 1 { n[$5]++ } END { for (v in n) print n[v], v }' "$work/inventory.csv"
measure html "$work/lpetrust" "${store[@]}" report --inventory "$work/inventory.csv" "${chains[@]}" --at 2026-11-22 -o html
measure table "$work/lpetrust" "${store[@]}" report --inventory "$work/inventory.csv" "${chains[@]}" --at 2026-11-22 -o table

echo
head -6 "$work/table.out"
echo
printf '%-44s %8s %10s\n' "run" "wall s" "peak RSS"
printf '%-44s %8.2f %7d MB\n' "awk, one pass counting by the version column" "$awk_secs" $((awk_kb / 1024))
printf '%-44s %8.2f %7d MB\n' "lpetrust report -o html (3 chains)" "$html_secs" $((html_kb / 1024))
printf '%-44s %8.2f %7d MB\n' "lpetrust report -o table (every phone listed)" "$table_secs" $((table_kb / 1024))
ratio=$(awk -v a="$awk_secs" -v b="$html_secs" 'BEGIN { printf "%.2f", b / a }')
echo "report -o html / awk = ${ratio}x (target <= 3x); peak RSS $((html_kb / 1024)) MB (target <= 300 MB)"
awk -v r="$ratio" -v kb="$html_kb" 'BEGIN { exit !(r <= 3 && kb <= 300 * 1024) }' && echo "PASS" || { echo "FAIL"; exit 1; }
