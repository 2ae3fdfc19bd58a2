#!/usr/bin/env bash
# Rewrites cmd/lpetrust/default.pgo, the CPU profile `go build` optimizes
# the lpetrust binary with (profile-guided optimization: hot calls
# inlined). The profile is of the report benchmarks, the hot path of the
# largest jobs: 100,000 distinct phones and a year of 1,000 phones in small,
# in every output format. Re-run it after a change to the report or
# inventory packages' hot code, and commit the profile with it; an old
# profile only optimizes less, never wrongly.
# Usage: bash .ci/pgo-profile.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
go test ./chain/report -run '^$' -bench 'BenchmarkReport(Estate)?$' -benchtime 30x \
  -cpuprofile "$tmp/cpu.pprof" -o "$tmp/report.test"
mv "$tmp/cpu.pprof" cmd/lpetrust/default.pgo
echo "cmd/lpetrust/default.pgo: $(stat -c %s cmd/lpetrust/default.pgo) bytes"
