#!/bin/bash
# Provisions (once) and starts a Samba AD domain controller on loopback for
# the adpublish integration tests. Installs nothing (see .ci/samba-install.sh);
# needs root.
#
#   .ci/samba-start.sh [DIR] [strong]
#
# With "strong" it runs a second DC for the signing tests instead, on
# 127.0.0.2: realm STRONG.EXAMPLE.COM, "ldap server require strong auth = yes"
# and no TLS at all (like an AD DC without an LDAPS certificate that requires
# LDAP signing). Its DIR/env holds LPETRUST_TEST_STRONG_* variables:
#
#   LPETRUST_TEST_STRONG_LDAP_URL          ldap://127.0.0.2:389
#   LPETRUST_TEST_STRONG_CONFIG_NC         CN=Configuration,DC=strong,DC=example,DC=com
#   LPETRUST_TEST_STRONG_ADMIN             Administrator@STRONG.EXAMPLE.COM
#   LPETRUST_TEST_STRONG_ADMIN_PASSWORD_FILE
#   LPETRUST_TEST_STRONG_DISABLED          a disabled user (lpedisabled@STRONG.EXAMPLE.COM)
#   LPETRUST_TEST_STRONG_DISABLED_PASSWORD_FILE
#   LPETRUST_TEST_STRONG_KRB5_CONF         krb5.conf pointing at its KDC (127.0.0.2:88)
#   LPETRUST_TEST_STRONG_SPN               ldap/dc2.strong.example.com (ldap/127.0.0.2 works too)
#   LPETRUST_TEST_STRONG_DIR               DIR
#
# Without "strong":
#
# DIR defaults to $TMPDIR/lpetrust-samba (or /tmp/lpetrust-samba). A DIR that
# already holds a provisioned domain is started again without provisioning,
# which is how the tests restart a stopped DC. When the DC answers on 636 the
# script writes DIR/env, to be sourced before `go test ./adpublish/`:
#
#   LPETRUST_TEST_LDAP_URL                 ldaps://127.0.0.1:636
#   LPETRUST_TEST_LDAP_STARTTLS_URL        ldap://127.0.0.1:389
#   LPETRUST_TEST_LDAP_CA                  CA certificate of the DC's TLS certificate
#   LPETRUST_TEST_LDAP_CONFIG_NC           CN=Configuration,DC=test,DC=example,DC=com
#   LPETRUST_TEST_LDAP_ADMIN               Administrator@test.example.com
#   LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE
#   LPETRUST_TEST_LDAP_USER                an ordinary user (no rights on the PKI containers)
#   LPETRUST_TEST_LDAP_USER_PASSWORD_FILE
#   LPETRUST_TEST_KRB5_CONF                krb5.conf pointing at the DC's KDC
#   LPETRUST_TEST_KRB5_REALM               TEST.EXAMPLE.COM
#   LPETRUST_TEST_KRB5_SPN                 ldap/dc1.test.example.com (the DC's LDAP service)
#   LPETRUST_TEST_KRB5_ADMIN_KEYTAB        keytab of the administrator
#   LPETRUST_TEST_SAMBA_DIR                DIR (the tests stop and restart the DC with
#   LPETRUST_TEST_SAMBA_START/STOP         these scripts; they stop only DIR/run/dc.pid)
set -eu

D=${1:-${TMPDIR:-/tmp}/lpetrust-samba}
PROFILE=${2:-default}
REALM=TEST.EXAMPLE.COM
DOMAIN=TEST
HOST=dc1
IP=127.0.0.1
INTERFACES=lo
STRONG_AUTH=allow_sasl_over_tls
PORT=636
CONFIG_NC='CN=Configuration,DC=test,DC=example,DC=com'
case $PROFILE in
default) ;;
strong)
	REALM=STRONG.EXAMPLE.COM
	DOMAIN=STRONG
	HOST=dc2
	IP=127.0.0.2
	INTERFACES=127.0.0.2/8
	STRONG_AUTH=yes
	PORT=389
	CONFIG_NC='CN=Configuration,DC=strong,DC=example,DC=com'
	;;
*)
	echo "samba-start: unknown profile $PROFILE (want strong)" >&2
	exit 2
	;;
esac
NETBIOS=$(echo "$HOST" | tr 'a-z' 'A-Z')
HERE=$(cd "$(dirname "$0")" && pwd)

log() { echo "samba-start: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
	log "needs root (samba runs as root)"
	exit 1
fi
for tool in samba samba-tool openssl; do
	command -v "$tool" >/dev/null 2>&1 || { log "$tool not found: run .ci/samba-install.sh"; exit 1; }
done

if [ -f "$D/run/dc.pid" ] && kill -0 "$(cat "$D/run/dc.pid")" 2>/dev/null; then
	log "already running (pid $(cat "$D/run/dc.pid"))"
	exit 0
fi

if [ ! -f "$D/private/sam.ldb" ]; then
	log "provisioning $REALM into $D"
	rm -rf "$D"
	mkdir -p "$D/etc" "$D/tls" "$D/run" "$D/log" "$D/secrets"
	chmod 700 "$D/secrets"
	: >"$D/etc/smb.conf"
	# Random passwords meeting AD complexity rules (upper, lower, digit, symbol).
	admin_pw="Adm1n-$(openssl rand -hex 12)"
	user_pw="Us3r-$(openssl rand -hex 12)"
	printf '%s' "$admin_pw" >"$D/secrets/admin.password"
	printf '%s' "$user_pw" >"$D/secrets/user.password"
	chmod 600 "$D/secrets/admin.password" "$D/secrets/user.password"

	samba-tool domain provision --quiet --configfile="$D/etc/smb.conf" --targetdir="$D" \
		--server-role=dc --dns-backend=NONE --realm="$REALM" --domain="$DOMAIN" \
		--host-name="$HOST" --adminpass="$admin_pw" --option="netbios name=$NETBIOS" \
		--option="interfaces=$INTERFACES" --option='bind interfaces only=yes' \
		--option='server services=ldap kdc' \
		--option="ldap server require strong auth=$STRONG_AUTH" \
		>"$D/log/provision.out" 2>&1 || { log "provision failed, see $D/log/provision.out"; exit 1; }

	# Samba's own TLS certificate has no subjectAltName and Go refuses it:
	# make a small CA and a server certificate with the names tests dial.
	[ "$PROFILE" = strong ] || (
		cd "$D/tls"
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.pem \
			-subj '/CN=lpetrust test DC CA' -addext 'basicConstraints=critical,CA:TRUE' \
			-addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -keyout dc.key -out dc.csr \
			-subj "/CN=$HOST.$(echo "$REALM" | tr 'A-Z' 'a-z')" 2>/dev/null
		printf 'subjectAltName=DNS:%s.%s,DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
			"$HOST" "$(echo "$REALM" | tr 'A-Z' 'a-z')" >dc.ext
		openssl x509 -req -in dc.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile dc.ext -out dc.pem 2>/dev/null
		chmod 644 ca.pem dc.pem
		chmod 600 ca.key dc.key
	)

	# Keep everything under $D: nothing in /var or /run.
	tls="tls enabled = yes\\
	tls keyfile = $D/tls/dc.key\\
	tls certfile = $D/tls/dc.pem\\
	tls cafile = $D/tls/ca.pem"
	[ "$PROFILE" = strong ] && tls="tls enabled = no"
	sed -i "/^\[global\]/a\\
	$tls\\
	pid directory = $D/run\\
	ncalrpc dir = $D/run/ncalrpc\\
	winbindd socket directory = $D/run/winbindd\\
	ntp signd socket directory = $D/run/ntp_signd\\
	log file = $D/log/samba.log" "$D/etc/smb.conf"

	samba-tool user add lpeuser "$user_pw" --configfile="$D/etc/smb.conf" \
		>"$D/log/useradd.out" 2>&1 || { log "user add failed, see $D/log/useradd.out"; exit 1; }
	if [ "$PROFILE" = strong ]; then
		# A disabled account for the refusal tests (never the administrator).
		printf '%s' "$user_pw" >"$D/secrets/disabled.password"
		chmod 600 "$D/secrets/disabled.password"
		{ samba-tool user add lpedisabled "$user_pw" --configfile="$D/etc/smb.conf" &&
			samba-tool user disable lpedisabled --configfile="$D/etc/smb.conf"; } \
			>>"$D/log/useradd.out" 2>&1 || { log "disabled user failed, see $D/log/useradd.out"; exit 1; }
	fi

	realm_lc=$(echo "$REALM" | tr 'A-Z' 'a-z')
	cat >"$D/etc/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
[realms]
	$REALM = {
		kdc = $IP:88
	}
[domain_realm]
	.$realm_lc = $REALM
	$realm_lc = $REALM
	localhost = $REALM
EOF
fi

log "starting samba"
samba -F --debug-stdout -M single -s "$D/etc/smb.conf" --maximum-runtime=7200 \
	</dev/null >>"$D/log/samba.out" 2>&1 &
echo $! >"$D/run/dc.pid"

i=0
until (exec 3<>"/dev/tcp/$IP/$PORT") 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$(cat "$D/run/dc.pid")" 2>/dev/null; then
		log "samba did not open $IP:$PORT, see $D/log/samba.out"
		exit 1
	fi
	sleep 0.1
done

if [ ! -f "$D/run/spn.done" ]; then
	# Kerberos binds need the ldap/dc1 service principal names, and the tests
	# a keytab of the administrator.
	# The second DC is also reached as ldap://127.0.0.2 (no DNS name here).
	{ samba_spnupdate -s "$D/etc/smb.conf" &&
		{ [ "$PROFILE" != strong ] || samba-tool spn add "ldap/$IP" "$NETBIOS\$" -s "$D/etc/smb.conf"; }; } \
		>"$D/log/spnupdate.out" 2>&1 && : >"$D/run/spn.done" ||
		log "samba_spnupdate failed (Kerberos tests will fail), see $D/log/spnupdate.out"
	rm -f "$D/secrets/admin.keytab"
	samba-tool domain exportkeytab "$D/secrets/admin.keytab" --principal="Administrator@$REALM" \
		-s "$D/etc/smb.conf" >"$D/log/keytab.out" 2>&1 ||
		log "keytab export failed (Kerberos tests will fail), see $D/log/keytab.out"
fi

if [ "$PROFILE" = strong ]; then
	cat >"$D/env" <<EOF
LPETRUST_TEST_STRONG_LDAP_URL=ldap://$IP:389
LPETRUST_TEST_STRONG_CONFIG_NC=$CONFIG_NC
LPETRUST_TEST_STRONG_ADMIN=Administrator@$REALM
LPETRUST_TEST_STRONG_ADMIN_PASSWORD_FILE=$D/secrets/admin.password
LPETRUST_TEST_STRONG_DISABLED=lpedisabled@$REALM
LPETRUST_TEST_STRONG_DISABLED_PASSWORD_FILE=$D/secrets/disabled.password
LPETRUST_TEST_STRONG_KRB5_CONF=$D/etc/krb5.conf
LPETRUST_TEST_STRONG_SPN=ldap/$HOST.$(echo "$REALM" | tr 'A-Z' 'a-z')
LPETRUST_TEST_STRONG_DIR=$D
EOF
	log "ready (pid $(cat "$D/run/dc.pid")); env in $D/env"
	exit 0
fi
cat >"$D/env" <<EOF
LPETRUST_TEST_LDAP_URL=ldaps://127.0.0.1:636
LPETRUST_TEST_LDAP_STARTTLS_URL=ldap://127.0.0.1:389
LPETRUST_TEST_LDAP_CA=$D/tls/ca.pem
LPETRUST_TEST_LDAP_CONFIG_NC=$CONFIG_NC
LPETRUST_TEST_LDAP_ADMIN=Administrator@$(echo "$REALM" | tr 'A-Z' 'a-z')
LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE=$D/secrets/admin.password
LPETRUST_TEST_LDAP_USER=lpeuser@$(echo "$REALM" | tr 'A-Z' 'a-z')
LPETRUST_TEST_LDAP_USER_PASSWORD_FILE=$D/secrets/user.password
LPETRUST_TEST_KRB5_CONF=$D/etc/krb5.conf
LPETRUST_TEST_KRB5_REALM=$REALM
LPETRUST_TEST_KRB5_SPN=ldap/$HOST.$(echo "$REALM" | tr 'A-Z' 'a-z')
LPETRUST_TEST_KRB5_ADMIN_KEYTAB=$D/secrets/admin.keytab
LPETRUST_TEST_SAMBA_DIR=$D
LPETRUST_TEST_SAMBA_START=$HERE/samba-start.sh
LPETRUST_TEST_SAMBA_STOP=$HERE/samba-stop.sh
EOF
log "ready (pid $(cat "$D/run/dc.pid")); env in $D/env"
