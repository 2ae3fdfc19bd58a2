#!/bin/bash
# Stops the Samba AD DC that .ci/samba-start.sh started in DIR, by the pid it
# recorded, and waits until it has exited (and 636 is closed).
#
#   .ci/samba-stop.sh [DIR]
set -eu

D=${1:-${TMPDIR:-/tmp}/lpetrust-samba}
pidfile=$D/run/dc.pid

if [ ! -f "$pidfile" ]; then
	echo "samba-stop: no $pidfile: not running" >&2
	exit 0
fi
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then
			echo "samba-stop: pid $pid still running after 15 s, sending KILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.1
	done
fi
rm -f "$pidfile"
echo "samba-stop: stopped pid $pid" >&2
