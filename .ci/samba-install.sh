#!/bin/sh
# Installs the Debian packages a Samba AD domain controller needs for the
# adpublish integration tests (see .ci/samba-start.sh). Run as root.
# samba-ad-provision is only a Recommends of samba, but provisioning fails
# without it, hence --no-install-recommends plus the explicit list.
set -eu
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/apt-update.sh"
# Finish any half-done upgrade first (apt refuses new packages otherwise).
apt-get install -y -qq -f
apt-get install -y -qq --no-install-recommends \
	samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules \
	winbind ldb-tools ldap-utils openssl krb5-user libsasl2-modules-gssapi-mit
