#!/usr/bin/env bash
# The TLS material of compose's SASL_SSL profile (docker-compose.sasl-ssl.yml), made once into the
# kafka-tls volume by a one-shot container of the Kafka image itself: its JRE's keytool, as the
# image may have no openssl. A CA of its own, and one broker certificate it signed for the three
# brokers' names (and localhost) in a PKCS12 key store; clients trust ca.crt.
#   make-compose-tls.sh <private dir> <public dir> <store password>
# The private dir (the brokers' key store) is mounted by the brokers only; the public one (ca.crt)
# by the clients.
set -euo pipefail
private=$1
public=$2
pass=$3
cd "$private"
[ -s broker.p12 ] && [ -s "$public/ca.crt" ] && exit 0
rm -f ca.p12 broker.p12 broker.csr broker.crt ca.crt
keytool -genkeypair -noprompt -alias ca -dname "CN=Akaso Burger compose Kafka CA" -ext bc:c \
  -keyalg EC -groupname secp256r1 -validity 825 -storetype PKCS12 -keystore ca.p12 -storepass "$pass"
keytool -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$pass" -file ca.crt
keytool -genkeypair -noprompt -alias broker -dname "CN=kafka" -keyalg EC -groupname secp256r1 \
  -validity 397 -storetype PKCS12 -keystore broker.p12 -storepass "$pass"
keytool -certreq -alias broker -keystore broker.p12 -storepass "$pass" -file broker.csr
keytool -gencert -rfc -alias ca -keystore ca.p12 -storepass "$pass" -infile broker.csr -outfile broker.crt \
  -validity 397 -ext SAN=dns:kafka-1,dns:kafka-2,dns:kafka-3,dns:localhost,ip:127.0.0.1 \
  -ext KU:c=digitalSignature -ext EKU=serverAuth
keytool -importcert -noprompt -alias ca -file ca.crt -keystore broker.p12 -storepass "$pass"
keytool -importcert -noprompt -alias broker -file broker.crt -keystore broker.p12 -storepass "$pass"
# The CA's key goes with ca.p12: nothing else can be signed with it.
rm -f ca.p12 broker.csr
cp ca.crt "$public/ca.crt"
# Readable by the brokers, which run as the image's own user; the key store is password-protected.
chmod 644 broker.p12 broker.crt ca.crt "$public/ca.crt"
