#!/usr/bin/env bash
# Builds the wolfSSL 5.5.4 interop peer (DTLS 1.3) from Debian's source package, once per machine.
# Result: $WOLFSSL_DIR/examples/server/server and $WOLFSSL_DIR/examples/client/client
# (default WOLFSSL_DIR=/var/cache/dtls-accel-sim/wolfssl-5.5.4). Idempotent: a second run only prints the paths.
# Needs root (apt) on Debian 12; runs with no stdin (CI=true). See docs/interop.md.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

CACHE=${DTLS_SIM_CACHE:-/var/cache/dtls-accel-sim}
VERSION=5.5.4
DIR=${WOLFSSL_DIR:-$CACHE/wolfssl-$VERSION}
FLAGS="--enable-dtls --enable-dtls13 --enable-dtlscid --enable-psk --enable-curve25519 --enable-ed25519 \
--enable-session-ticket --enable-earlydata --enable-aesccm --disable-shared --enable-static"
STAMP="$DIR/.dtls-accel-sim-built"

done_msg() {
  echo "wolfSSL $VERSION (DTLS 1.3) ready:"
  echo "  server: $DIR/examples/server/server"
  echo "  client: $DIR/examples/client/client"
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$FLAGS" ] \
   && [ -x "$DIR/examples/server/server" ] && [ -x "$DIR/examples/client/client" ]; then
  done_msg; exit 0
fi

mkdir -p "$CACHE"
# One builder at a time per machine (parallel CI jobs share the cache).
exec 9>"$CACHE/.wolfssl.lock"
flock 9
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$FLAGS" ] && [ -x "$DIR/examples/server/server" ]; then
  done_msg; exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi

# 1. deb-src entries (a copy of the deb822 sources with Types: deb-src).
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      | $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  else
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
  fi
fi

# 2. tools + source
$SUDO apt-get update -q </dev/null
$SUDO apt-get install -y -q --no-install-recommends dpkg-dev autoconf automake libtool make gcc libc6-dev </dev/null
WORK="$CACHE/src.$$"
rm -rf "$WORK"; mkdir -p "$WORK"
( cd "$WORK" && apt-get source -q --download-only wolfssl </dev/null \
  && dpkg-source --no-check -x wolfssl_$VERSION*.dsc wolfssl-$VERSION >/dev/null )

# 3. build
rm -rf "$DIR"
mv "$WORK/wolfssl-$VERSION" "$DIR"
rm -rf "$WORK"
cd "$DIR"
./autogen.sh >/dev/null 2>&1
# shellcheck disable=SC2086
./configure $FLAGS >configure.log 2>&1 || { tail -30 configure.log; exit 1; }
make -j"$(nproc 2>/dev/null || echo 2)" >make.log 2>&1 || { tail -40 make.log; exit 1; }
test -x examples/server/server && test -x examples/client/client
echo "$FLAGS" >"$STAMP"
done_msg
