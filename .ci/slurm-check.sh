#!/usr/bin/env bash
# A real single-node Slurm cluster: run a sweep as a 4-task job array with contrib/slurm/realign-sweep.sbatch,
# merge the parts, and compare the results byte for byte with a one-machine run.
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge (installed here if missing).
#
# It leaves the host as it found it: its configuration, state, logs and pid files live in a temporary folder that
# Slurm is pointed at with SLURM_CONF (slurmctld, slurmd, sbatch, sinfo and squeue all read it; slurmd hands it to
# the job steps), so /etc/slurm is never written; anything it must create outside that folder (munge's run folders,
# a munge key) is removed again on exit; and it stops only the processes it started, by their ids: its daemons,
# and the job-step daemons (slurmstepd) of its own cluster, found by the configuration in their environment.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
realign="$root/target/release/realign"
work=$(mktemp -d /tmp/realign-slurm.XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
cores=$(nproc)
pids=()
created=() # files and folders outside $work that this script created, removed on exit
export SLURM_CONF="$work/slurm.conf"

# The slurmstepd processes of this cluster: their environment carries this script's SLURM_CONF.
own_stepds() {
    local p
    for p in $(pgrep -x slurmstepd 2>/dev/null || true); do
        if (tr '\0' '\n' <"/proc/$p/environ") 2>/dev/null | grep -qx "SLURM_CONF=$SLURM_CONF"; then echo "$p"; fi
    done
}
cleanup() {
    local p
    # Jobs of this cluster first (its controller knows only them), so their steps end on their own.
    if [ -n "${jid:-}" ]; then scancel "$jid" 2>/dev/null || true; fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 1
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in $(own_stepds); do kill -9 "$p" 2>/dev/null || true; done
    for p in "${created[@]}"; do rm -rf "$p"; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "slurm check failed: $*" >&2
    for f in "$work"/*.log "$work"/*.out; do echo "--- $f"; tail -n 40 "$f"; done 2>/dev/null
    exit 1
}
poll() { # poll SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS
    local limit=$1; shift
    for _ in $(seq "$limit"); do "$@" && return 0; sleep 1; done
    return 1
}

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
for port in 6817 6818; do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is taken"; fi
done

# munge: the key comes with the package; start the daemon unless one already answers. Folders and a key it has to
# create are recorded and removed on exit; existing ones are left as they are.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    for d in /run/munge /var/log/munge /var/lib/munge; do
        if [ ! -d "$d" ]; then
            mkdir -p "$d"
            chown munge:munge "$d"
            created+=("$d")
        fi
    done
    if [ ! -f /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
        created+=(/etc/munge/munge.key)
    fi
    setpriv --reuid=munge --regid=munge --init-groups munged -F >"$work/munged.out" 2>&1 &
    pids+=($!)
    poll 20 sh -c 'munge -n 2>/dev/null | unmunge >/dev/null 2>&1' || fail "munged did not start"
fi

# Fresh state for every check: no stale jobs from an earlier run; nothing outside $work.
mkdir -p "$work/state" "$work/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=realign-ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cores} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
poll 60 sh -c 'sinfo -h -N -o %t 2>/dev/null | grep -qx idle' || fail "the node never became idle"
echo "Slurm is up: $(sinfo -h -N -o '%N %t %c')"

sweep="$root/scenarios/sweeps/oil-x-elasticity.toml"
echo "== one machine"
"$realign" sweep "$sweep" --quiet --out "$work/one"
echo "== a 4-task job array"
jid=$(cd "$work" && REALIGN="$realign" sbatch --parsable --array=0-3 --cpus-per-task=1 \
    --export=ALL,REALIGN="$realign" "$root/contrib/slurm/realign-sweep.sbatch" "$sweep" "$work/array")
echo "job $jid"
poll 300 sh -c "[ -z \"\$(squeue -h -j $jid 2>/dev/null)\" ]" || fail "job $jid did not finish in time"
for i in 0 1 2 3; do
    [ -f "$work/array/part-$i/shard.json" ] || { cat "$work"/realign-sweep-*.out || true; fail "part $i did not finish"; }
done
"$realign" merge "$work"/array/part-* --out "$work/merged" --quiet
for f in sweep.csv analysis.json heatmap-union-fracture.png heatmap-union-fracture.svg heatmap-policy-revision.png heatmap-any-partner-leaves-orbit.png; do
    cmp "$work/one/$f" "$work/merged/$f" || fail "$f differs between the job array and one machine"
done
echo "Slurm job array of 4 parts, merged: byte-identical to the one-machine run"
