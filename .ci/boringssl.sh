#!/usr/bin/env bash
# Builds the BoringSSL interop peer (DTLS 1.3) once per machine: BoringSSL's libssl/libcrypto from the source tarball
# test/fixtures/boringssl/ (cmake + ninja from Debian), then the project's own UDP client/server program
# deploy/peers/boringssl/peer.cc on DTLS_method().
# Result: $BORINGSSL_DIR/bin/bssl-dtls-peer (default BORINGSSL_DIR=/var/cache/dtls-accel-sim/boringssl-a0689af29).
# Idempotent: the libraries are rebuilt only when the tarball changes, the peer only when peer.cc changes (stamp
# files hold their SHA-256); a second run only prints the path. Needs root (apt) on Debian 12 if cmake, ninja, g++ or
# perl are missing; runs with no stdin (CI=true). See docs/interop.md "BoringSSL".
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE=${DTLS_SIM_CACHE:-/var/cache/dtls-accel-sim}
VERSION=a0689af29
TARBALL=${BORINGSSL_TARBALL:-$ROOT/test/fixtures/boringssl/boringssl-$VERSION.tar.xz}
DIR=${BORINGSSL_DIR:-$CACHE/boringssl-$VERSION}
PEER_SRC="$ROOT/deploy/peers/boringssl/peer.cc"
PEER="$DIR/bin/bssl-dtls-peer"

done_msg() {
  echo "BoringSSL $VERSION (DTLS 1.3) peer ready: $PEER"
}

if [ ! -f "$TARBALL" ]; then
  echo "BoringSSL source not found: $TARBALL" >&2
  exit 1
fi
LIB_SUM="$(sha256sum "$TARBALL" | cut -d' ' -f1) Release ssl crypto"
PEER_SUM="$(sha256sum "$PEER_SRC" | cut -d' ' -f1) $LIB_SUM"

up_to_date() {
  [ -f "$DIR/.lib-stamp" ] && [ "$(cat "$DIR/.lib-stamp")" = "$LIB_SUM" ] \
    && [ -f "$DIR/.peer-stamp" ] && [ "$(cat "$DIR/.peer-stamp")" = "$PEER_SUM" ] && [ -x "$PEER" ]
}

if up_to_date; then done_msg; exit 0; fi

mkdir -p "$CACHE"
# One builder at a time per machine (parallel CI jobs share the cache).
exec 9>"$CACHE/.boringssl.lock"
flock 9
if up_to_date; then done_msg; exit 0; fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi

# 1. tools (Debian 12: cmake 3.25, ninja-build, g++, perl); no Go toolchain is needed for the libraries.
if ! command -v cmake >/dev/null || ! command -v ninja >/dev/null || ! command -v g++ >/dev/null \
   || ! command -v perl >/dev/null; then
  $SUDO apt-get update -q </dev/null
  $SUDO apt-get install -y -q --no-install-recommends cmake ninja-build g++ perl </dev/null
fi

# 2. libraries (about 4 minutes on 2 cores)
if [ ! -f "$DIR/.lib-stamp" ] || [ "$(cat "$DIR/.lib-stamp")" != "$LIB_SUM" ] \
   || [ ! -f "$DIR/bssl/build/libssl.a" ] || [ ! -f "$DIR/bssl/build/libcrypto.a" ]; then
  WORK="$CACHE/boringssl-src.$$"
  rm -rf "$WORK"; mkdir -p "$WORK"
  tar -xJf "$TARBALL" -C "$WORK"
  test -d "$WORK/bssl"
  rm -rf "$DIR"; mkdir -p "$DIR"
  mv "$WORK/bssl" "$DIR/bssl"
  rm -rf "$WORK"
  cmake -S "$DIR/bssl" -B "$DIR/bssl/build" -GNinja -DCMAKE_BUILD_TYPE=Release >"$DIR/cmake.log" 2>&1 \
    || { tail -30 "$DIR/cmake.log"; exit 1; }
  ninja -C "$DIR/bssl/build" ssl crypto >"$DIR/ninja.log" 2>&1 || { tail -40 "$DIR/ninja.log"; exit 1; }
  echo "$LIB_SUM" >"$DIR/.lib-stamp"
fi

# 3. the peer program (a few seconds)
mkdir -p "$DIR/bin"
g++ -O2 -std=c++17 -Wall -I"$DIR/bssl/include" "$PEER_SRC" "$DIR/bssl/build/libssl.a" "$DIR/bssl/build/libcrypto.a" \
  -lpthread -o "$PEER.tmp"
mv "$PEER.tmp" "$PEER"
echo "$PEER_SUM" >"$DIR/.peer-stamp"
done_msg
