#!/usr/bin/env bash
# CI check of deploy/slurm/dse-array.sbatch on a real Slurm: installs munge and Slurm from Debian (if missing),
# starts a single-node cluster on this machine (slurmctld + slurmd, all its CPUs; every state file in a temporary
# directory) and submits the unchanged sbatch script twice as a job array of 4 tasks: (1) a small grid sweep, one
# shard directory per task, merged with `npm run dse -- merge`; (2) a small adaptive search, the tasks sharing one
# directory (DSE_SHARED_OUT=1). Each is compared with the same sweep run on this machine alone: dse.csv,
# pareto.json and recommendation.json/.txt must be byte-identical. Stops the daemons it started on exit.
#
#   bash deploy/slurm/ci-single-node.sh [SWEEP.yaml]     (as root; default sweep: test/dse/fixtures/grid.yaml)
#
# Called by .ci/run. Needs root (apt-get, munged as user munge, slurmd). Recipe: docs/dse.md "Slurm job array".
set -euo pipefail
cd "$(dirname "$0")/../.."
SWEEP=${1:-test/dse/fixtures/grid.yaml}
TASKS=4
log() { printf '[slurm-ci] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "deploy/slurm/ci-single-node.sh: needs root (installs packages, starts munged and slurmd)" >&2
  exit 2
fi
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
log "$(dpkg-query -W -f '${Package} ${Version}  ' slurm-wlm munge 2>/dev/null)"

T=$(mktemp -d /tmp/dse-slurm-ci.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  local rc=$?
  # Stop what this script started, by pid (slurmd, slurmctld, munged), newest first.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$T"/log/*.log "$T"/logs/*.out; do [ -f "$f" ] && { echo "----- $f"; tail -n 40 "$f"; }; done
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT

# --- munge: a fresh key and a private socket, daemon running as user munge ---
mkdir -p "$T/munge" "$T/log"
chown munge:munge "$T/munge"
chmod 755 "$T/munge"   # munged wants its socket directory searchable by all
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$T/munge/munge.key"
chmod 400 "$T/munge/munge.key"
SOCK="$T/munge/munge.socket"
runuser -u munge -- munged --key-file="$T/munge/munge.key" --socket="$SOCK" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed"
for _ in $(seq 50); do [ -s "$T/munge/munged.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/munge/munged.pid")")
log "munged running (pid ${PIDS[0]})"

# --- slurm.conf: one node (this machine, all its CPUs), one partition ---
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
mkdir -p "$T/spool/d" "$T/spool/ctld" "$T/logs"
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=dse-ci
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$T/spool/ctld
SlurmdSpoolDir=$T/spool/d
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld
for _ in $(seq 50); do [ -s "$T/slurmctld.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/slurmctld.pid")")
slurmd
for _ in $(seq 50); do [ -s "$T/slurmd.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/slurmd.pid")")
for _ in $(seq 60); do
  state=$(sinfo -h -n "$HOST" -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
sinfo
[ "$state" = idle ] || { echo "slurm node not idle after 60 s (state: ${state:-none})" >&2; exit 1; }

# --- job arrays: the user's script, unchanged; only resources and the log path overridden ---
# One CPU per task so that the 4 tasks fit a small node (the script asks for 4 by default); the job logs go to the
# temporary directory instead of ./logs of the checkout.
run_array() { # SWEEP OUTDIR [VAR=value for the submission...]
  local sweep=$1 out=$2 job t0 fail=0 i line st ex node
  shift 2
  job=$(env "$@" sbatch --parsable --array=0-$((TASKS - 1)) --cpus-per-task=1 --mem-per-cpu=1500M \
    --output="$T/logs/dse-%A_%a.out" deploy/slurm/dse-array.sbatch "$sweep" "$out")
  log "submitted job array $job (tasks 0-$((TASKS - 1))) for $sweep ${*:-}"
  t0=$(date +%s)
  while squeue -h -j "$job" 2>/dev/null | grep -q .; do
    if [ $(($(date +%s) - t0)) -gt 1200 ]; then
      echo "job array $job still running after 20 min" >&2
      scancel "$job" || true
      return 1
    fi
    squeue -h -j "$job" -o '  %i %T %M %R' | sed 's/^/[slurm-ci] /'
    sleep 5
  done
  log "job array $job finished after $(($(date +%s) - t0)) s"
  for ((i = 0; i < TASKS; i++)); do
    line=$(scontrol -o show job "${job}_$i" 2>/dev/null || true)
    st=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$line")
    ex=$(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<<"$line")
    node=$(sed -n 's/.* BatchHost=\([^ ]*\).*/\1/p' <<<"$line")
    log "task $i: $st exit $ex on ${node:-?}; $(tail -n 2 "$T/logs/dse-${job}_$i.out" 2>/dev/null | tr '\n' ' ')"
    [ "$st" = COMPLETED ] || fail=1
  done
  [ "$fail" -eq 0 ] || { echo "some array tasks of $job did not complete" >&2; return 1; }
}

same_outputs() { # DIR_A DIR_B WHAT
  local f
  for f in dse.csv pareto.json recommendation.json recommendation.txt; do
    if cmp -s "$1/$f" "$2/$f"; then
      log "$f: $3 == single-machine run"
    else
      echo "$f differs ($3 vs single machine):" >&2
      diff "$1/$f" "$2/$f" | head -20 >&2 || true
      return 1
    fi
  done
}

# 1. A grid sweep: one shard per task into OUTDIR/shard-i, then merge.
OUT="$T/out"
run_array "$SWEEP" "$OUT"
log "merging the shard directories"
npm run --silent dse -- merge "$OUT"/shard-* --out "$OUT/merged" --no-png
log "the same sweep on this machine alone"
npm run --silent dse -- "$SWEEP" --out "$T/single" --no-png --quiet
log "merged table (dse.csv, first columns):"
cut -d, -f1-12 "$OUT/merged/dse.csv" | sed 's/^/    /'
same_outputs "$OUT/merged" "$T/single" "merged Slurm shards"

# 2. An adaptive search: the 4 tasks share one directory (DSE_SHARED_OUT=1) and split every rung.
ADAPTIVE=test/dse/fixtures/adaptive-tiny.yaml
run_array "$ADAPTIVE" "$T/adaptive" DSE_SHARED_OUT=1
log "the same adaptive search on this machine alone"
npm run --silent dse -- "$ADAPTIVE" --out "$T/adaptive-single" --no-png --quiet
log "adaptive finalists (dse.csv, first columns):"
cut -d, -f1-8 "$T/adaptive/dse.csv" | sed 's/^/    /'
same_outputs "$T/adaptive" "$T/adaptive-single" "Slurm tasks sharing one directory"
log "stored runs: $(ls "$T/adaptive/points" | wc -l) (Slurm) vs $(ls "$T/adaptive-single/points" | wc -l) (single machine)"

log "PASS: Slurm job arrays of $TASKS tasks (grid + merge, adaptive in a shared directory) == single-machine runs"
