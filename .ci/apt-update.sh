#!/bin/sh
# Refreshes the Debian package lists, retrying: a mirror answers a routine
# error now and then (a Release file mid-sync, an index size mismatch). When
# every try fails it says so and succeeds anyway: the lists already on the
# machine usually still install; the install that follows is what decides.
export DEBIAN_FRONTEND=noninteractive
for try in 1 2 3; do
	if apt-get update -qq; then
		exit 0
	fi
	echo "== apt-get update failed (try $try of 3)" >&2
	[ "$try" = 3 ] || sleep $((try * 5))
done
echo "== apt-get update kept failing: installing from the package lists already here" >&2
exit 0
