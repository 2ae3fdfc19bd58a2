#!/bin/sh
# Regenerates the PKCS#12 and PKCS#7 test files with OpenSSL 3 (see README.md).
# A throwaway test hierarchy: root -> issuing CA -> pool.contoso.test.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/root.key" -out root.pem -days 7300 \
	-subj "/O=lpetrust tests/CN=lpetrust Test Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.csr" \
	-subj "/O=lpetrust tests/CN=lpetrust Test Issuing CA"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$tmp/ca.ext"
openssl x509 -req -in "$tmp/ca.csr" -CA root.pem -CAkey "$tmp/root.key" -CAcreateserial -days 5475 \
	-sha256 -extfile "$tmp/ca.ext" -out ca.pem
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" \
	-subj "/O=Contoso/CN=pool.contoso.test"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:pool.contoso.test,DNS:sip.contoso.test\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$tmp/leaf.ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial -days 3650 \
	-sha256 -extfile "$tmp/leaf.ext" -out leaf.pem
rm -f ./*.srl
cat ca.pem >"$tmp/ca-chain.pem"

pw=$(head -n1 password.txt)
# Modern encoding (OpenSSL 3 default: PBES2 AES-256-CBC, PBKDF2, HMAC-SHA256 MAC).
openssl pkcs12 -export -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-passout "pass:$pw" -out aes256.pfx
# Modern encoding with the empty password (what many exports without a password use).
openssl pkcs12 -export -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-passout pass: -out nopassword.pfx
# Legacy Windows encoding: 3DES for key and certificates, SHA-1 MAC.
openssl pkcs12 -export -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1 -passout "pass:$pw" -out legacy-3des.pfx
# Oldest encoding: RC2-40 certificates, 3DES key, SHA-1 MAC (OpenSSL's -legacy).
openssl pkcs12 -export -legacy -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-passout "pass:$pw" -out legacy-rc2.pfx
# The other ciphers PKCS#12 readers support: RC2-128 (key and certificates,
# SHA-1 MAC); AES-128 certificates, AES-192 key, SHA-512 MAC.
openssl pkcs12 -export -legacy -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-certpbe PBE-SHA1-RC2-128 -keypbe PBE-SHA1-RC2-128 -macalg sha1 -passout "pass:$pw" -out legacy-rc2-128.pfx
openssl pkcs12 -export -inkey "$tmp/leaf.key" -in leaf.pem -certfile "$tmp/ca-chain.pem" \
	-certpbe AES-128-CBC -keypbe AES-192-CBC -macalg sha512 -passout "pass:$pw" -out aes128.pfx

# PKCS#7 bundles (.p7b) of leaf and issuing CA, PEM and DER.
cat leaf.pem ca.pem >"$tmp/bundle.pem"
openssl crl2pkcs7 -nocrl -certfile "$tmp/bundle.pem" -out chain.p7b
openssl crl2pkcs7 -nocrl -certfile "$tmp/bundle.pem" -outform DER -out chain-der.p7b
