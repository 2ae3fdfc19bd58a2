#!/usr/bin/env bash
# Writes a generated Lync "IP Phone Inventory Report" CSV to standard
# output: ROWS registrations of PHONES distinct MAC addresses (later rows of
# a MAC are newer registrations of it), every 50th row a desktop client, the
# LPE phones spread over 9 models and 10 firmware builds. The benchmarks'
# inventory (.ci/bench-report.sh, .ci/bench-instructions.sh); the Go
# benchmarks write the same layout (chain/report/bench_test.go).
# Usage: .ci/gen-inventory.sh ROWS [PHONES]   (PHONES defaults to ROWS)
set -euo pipefail
rows=${1:?rows}
phones=${2:-$rows}
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
}'
