#!/usr/bin/env bash
# Installs the external tools of the trace and SystemC checks (Debian 12), once per machine:
#   libsystemc-dev + g++   SystemC 2.3.4 cross-check (npm run validate -- systemc, test/trace/systemc.test.ts)
#   tshark (+ capinfos)    pcapng read-back (test/trace/writers.test.ts)
#   gtkwave (vcd2fst)      VCD conversion check (test/trace/writers.test.ts)
# Idempotent: when every tool is present it only prints what it found. Needs root (apt) and no stdin (CI=true).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

have_all() {
  command -v g++ >/dev/null && [ -f /usr/include/systemc.h ] && command -v tshark >/dev/null \
    && command -v capinfos >/dev/null && command -v vcd2fst >/dev/null
}

if ! have_all; then
  # one installer at a time (parallel CI jobs on one machine)
  exec 9>/var/lock/dtls-accel-sim-systemc.lock
  flock 9
  if ! have_all; then
    apt-get update -qq
    # tshark asks whether non-root users may capture: the noninteractive default (no) is what we want
    apt-get install -y -qq libsystemc-dev g++ tshark >/dev/null
    apt-get install -y -qq --no-install-recommends gtkwave >/dev/null
  fi
fi
echo "trace tools ready: $(g++ --version | head -1); SystemC $(grep -m1 -o 'SC_VERSION_MAJOR *[0-9]*' /usr/include/sysc/kernel/sc_ver.h 2>/dev/null | grep -o '[0-9]*$' || echo '?').x; $(tshark --version 2>/dev/null | head -1); vcd2fst $(command -v vcd2fst)"
