#!/usr/bin/env bash
# run.sh: Basalt managing a real three-node GlusterFS + LVM cluster in QEMU guests (make test-e2e).
#
# Needs root and about 4 GiB of RAM; uses software emulation (TCG) only. Everything runs inside a network
# namespace the script creates (basalt-e2e-<pid>): a bridge, three taps, three guests at 10.0.0.1-3, the host
# side at 10.0.0.254, the basalt server on 127.0.0.1:8080 and the FUSE mounts. No traffic leaves it.
# A trap removes guests, mounts and the namespace on success, failure or interrupt; on failure the tail of
# every guest console and of the server log is printed. See docs/e2e.md.
#
# Environment: BASALT_E2E_KEEP=1 keeps the run directory; BASALT_E2E_CACHE moves the image cache.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NODES=(1 2 3)
GUEST_MEM=768
BOOT_TIMEOUT=600 # seconds until every guest answers ssh and runs glusterd

log() { printf '%s e2e: %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

if [ "${1:-}" != --inner ]; then
	# ---- outer half: host set-up, namespace, cleanup ----
	[ "$(id -u)" = 0 ] || die "run as root (network namespace, taps, FUSE mounts)"
	need=()
	for c in qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mount.glusterfs:glusterfs-client \
		ssh:openssh-client curl:curl jq:jq ip:iproute2 flock:util-linux; do
		command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}")
	done
	if [ ${#need[@]} -gt 0 ]; then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
	fi
	T0=$(date +%s)
	IMG=$("$HERE/build-image.sh")
	[ -f "$IMG/ok" ] || die "build-image.sh gave '$IMG', not a finished image directory"
	RUN=$(mktemp -d /tmp/basalt-e2e.XXXXXX)
	NS=basalt-e2e-$$
	export IMG RUN NS T0
	echo "image	$(($(date +%s) - T0))" >"$RUN/times.tsv"

	cleanup() {
		local rc=$?
		trap - EXIT INT TERM
		set +e
		if [ -e "/run/netns/$NS" ]; then
			# Everything left in the namespace was started by this run: guests, basalt, FUSE daemons.
			for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
			for _ in $(seq 20); do [ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && break; sleep 0.5; done
			for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
			ip netns del "$NS"
		fi
		if [ "$rc" != 0 ]; then
			for n in "${NODES[@]}"; do
				echo "---- node$n console (last 40 lines) ----" >&2
				tail -n 40 "$RUN/node$n.console" 2>/dev/null | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | tr -d '\r' >&2
			done
			echo "---- basalt log (last 80 lines) ----" >&2
			tail -n 80 "$RUN/basalt.log" >&2 2>/dev/null
			log "FAILED after $(($(date +%s) - T0)) s; run directory $RUN"
		elif [ -z "${BASALT_E2E_KEEP:-}" ]; then
			rm -rf "$RUN"
		fi
		exit "$rc"
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	log "building basalt and basalt-cli"
	(cd "$ROOT" && go build -o "$RUN/bin/basalt" . && go build -o "$RUN/bin/basalt-cli" ./client/cli/basalt-cli)

	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" addr add 10.0.0.254/24 dev br0
	ip -n "$NS" link set br0 up
	for n in "${NODES[@]}"; do
		ip -n "$NS" tuntap add dev "tap$n" mode tap
		ip -n "$NS" link set "tap$n" master br0
		ip -n "$NS" link set "tap$n" up
	done
	# One shell inside the namespace runs the rest, so the FUSE mounts share its mount namespace.
	ip netns exec "$NS" "$0" --inner
	log "PASSED in $(($(date +%s) - T0)) s"
	exit 0
fi

# ---- inner half: runs inside the namespace ----
BIN=$RUN/bin
export HEKETI_CLI_SERVER=http://127.0.0.1:8080
# A generous connect timeout: with six emulated guests on two cores (two runs at once) sshd took more than 5 s
# to send its banner.
SSHOPTS=(-i "$IMG/id_ed25519" -o UserKnownHostsFile="$RUN/known_hosts" -o StrictHostKeyChecking=yes
	-o ConnectTimeout=30 -o ServerAliveInterval=15 -o BatchMode=yes -o LogLevel=ERROR)
printf '10.0.0.1,10.0.0.2,10.0.0.3 %s\n' "$(cut -d' ' -f1,2 "$IMG/ssh_host_ed25519_key.pub")" >"$RUN/known_hosts"

# g N CMD...: runs CMD on guest N. ssh's own failures (exit 255: no connection, banner timeout) are retried
# twice; the command's exit status is returned as it is.
g() {
	local n=$1 try rc
	shift
	for try in 1 2 3; do
		rc=0
		ssh "${SSHOPTS[@]}" "root@10.0.0.$n" "$@" || rc=$?
		[ "$rc" = 255 ] || return "$rc"
		[ "$try" = 3 ] || { log "ssh to node$n failed (exit 255), retrying"; sleep 5; }
	done
	return 255
}
cli() { "$BIN/basalt-cli" "$@"; }

# step NAME: times what follows until the next step/finish, and sums the executor's own command times
# (from the server's debug log) over the same span: the cost if every command ran one at a time.
STEP= STEP_T= STEP_LINE=
step_end() {
	[ -n "$STEP" ] || return 0
	local dt serial
	dt=$(awk -v a="$(date +%s.%N)" -v b="$STEP_T" 'BEGIN { print a - b }')
	serial=$(tail -n +"$STEP_LINE" "$RUN/basalt.log" 2>/dev/null | awk '
		/msg="ssh command"/ { if (match($0, /duration=[0-9.]+(ms|s|m[0-9.]+s)/)) { d = substr($0, RSTART + 9, RLENGTH - 9);
			if (d ~ /ms$/) s += d / 1000; else if (d ~ /m/) { split(d, a, "m"); s += a[1] * 60 + a[2] } else s += d; n++ } }
		END { printf "%.1f\t%d", s, n }')
	printf '%s\t%.1f\t%s\n' "$STEP" "$dt" "$serial" >>"$RUN/times.tsv"
	log "step '$STEP' took $(printf %.1f "$dt") s (commands run one at a time: ${serial%%	*} s)"
	STEP=
}
step() {
	step_end
	STEP=$1 STEP_T=$(date +%s.%N)
	STEP_LINE=$(($(wc -l <"$RUN/basalt.log" 2>/dev/null || echo 0) + 1))
	log "== $1"
}

# ---- guests ----
: >"$RUN/basalt.log"
step boot
for n in "${NODES[@]}"; do
	qemu-img create -q -f qcow2 -b "$IMG/root.img" -F raw "$RUN/node$n.qcow2"
	truncate -s 8G "$RUN/node$n.data"
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 1 -m "$GUEST_MEM" \
		-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
		-append "root=LABEL=root rw console=ttyS0 net.ifnames=0 quiet systemd.show_status=1 basalt.ip=10.0.0.$n basalt.hostname=node$n" \
		-drive "file=$RUN/node$n.qcow2,format=qcow2,if=none,id=d0,cache=unsafe" -device virtio-blk-pci,drive=d0,addr=0x4 \
		-drive "file=$RUN/node$n.data,format=raw,if=none,id=d1,cache=unsafe" -device virtio-blk-pci,drive=d1,addr=0x5,serial=brick0 \
		-netdev "tap,id=n0,ifname=tap$n,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,addr=0x3,mac=52:54:00:e2:e0:0$n" \
		-display none -serial "file:$RUN/node$n.console" -monitor none -no-reboot \
		-daemonize -pidfile "$RUN/node$n.pid"
done
deadline=$(($(date +%s) + BOOT_TIMEOUT))
for n in "${NODES[@]}"; do
	# (plain ssh, no retries: this loop is the retry)
	until ssh "${SSHOPTS[@]}" "root@10.0.0.$n" systemctl is-active -q glusterd 2>/dev/null; do
		kill -0 "$(cat "$RUN/node$n.pid")" 2>/dev/null || die "node$n: qemu exited"
		[ "$(date +%s)" -lt "$deadline" ] || die "node$n: no ssh with glusterd running after ${BOOT_TIMEOUT} s"
		sleep 3
	done
	log "node$n up: $(g "$n" 'hostname; uname -r; lsblk -dno NAME,SIZE /dev/vdb' | tr '\n' ' ')"
done

# ---- basalt ----
cat >"$RUN/heketi.json" <<CONF
{
  "port": "8080",
  "glusterfs": {
    "executor": "ssh",
    "db": "$RUN/heketi.db",
    "loglevel": "debug",
    "disable_monitor_gluster_nodes": true,
    "operation_retry_limits": {"volume_create": 1},
    "sshexec": {"keyfile": "$IMG/id_ed25519", "user": "root", "port": "22", "known_hosts_file": "$RUN/known_hosts"}
  }
}
CONF
BASALT_PID=
start_basalt() {
	"$BIN/basalt" --config "$RUN/heketi.json" --disable-auth >>"$RUN/basalt.log" 2>&1 &
	BASALT_PID=$!
	for _ in $(seq 100); do
		curl -fsS "$HEKETI_CLI_SERVER/hello" >/dev/null 2>&1 && return 0
		kill -0 "$BASALT_PID" 2>/dev/null || die "basalt exited at start-up"
		sleep 0.2
	done
	die "basalt does not answer /hello"
}
stop_basalt() {
	kill -TERM "$BASALT_PID"
	wait "$BASALT_PID" || die "basalt exited with status $? on SIGTERM"
}
# state_of_basalt prints the volume list and the topology, arrays sorted.
state_of_basalt() {
	curl -fsS "$HEKETI_CLI_SERVER/volumes" | jq -S '.volumes | sort'
	cli topology info --json | jq -S 'walk(if type == "array" then sort else . end)'
}
# restart_basalt stops and starts the server and checks it still knows every volume and the topology.
restart_basalt() {
	local before after
	step "restart basalt"
	before=$(state_of_basalt)
	stop_basalt
	start_basalt
	after=$(state_of_basalt)
	[ "$before" = "$after" ] || die "state changed across a restart: $(diff <(echo "$before") <(echo "$after") | head -20)"
	log "basalt restarted; volumes and topology unchanged"
}
start_basalt

# guest_state N: what a guest holds that a brick operation creates.
guest_state() {
	g "$1" '/usr/sbin/lvm lvs --noheadings -o lv_name 2>/dev/null | tr -d " " | sort
		echo "-- mounts"; grep /var/lib/heketi/mounts /proc/mounts | cut -d" " -f1,2 | sort
		echo "-- fstab"; grep brick_ /etc/fstab | sort
		echo "-- dirs"; ls /var/lib/heketi/mounts/vg_* 2>/dev/null | sort
		echo "-- volumes"; gluster --mode=script volume list 2>&1 | sort'
}
# checksum_dir DIR: writes files of random data and records their checksums.
write_files() {
	local dir=$1 i
	for i in 1 2 3 4 5; do head -c $((i * 1024 * 1024 + i)) /dev/urandom >"$dir/file$i"; done
	mkdir -p "$dir/sub" && echo hello >"$dir/sub/small"
	(cd "$dir" && sha256sum file* sub/small) >"$RUN/$(basename "$dir").sha256"
}
verify_files() { (cd "$1" && sha256sum --quiet -c "$RUN/$(basename "$1").sha256") || die "checksums differ in $1"; }
# mount_volume JSON DIR: mounts a volume from the mount info basalt returned.
mount_volume() {
	local json=$1 dir=$2 dev backup
	dev=$(jq -r '.mount.glusterfs.device' <<<"$json")
	# basalt gives the backup servers comma-separated, as Heketi does; mount.glusterfs wants them colon-separated.
	backup=$(jq -r '.mount.glusterfs.options["backup-volfile-servers"] // empty' <<<"$json" | tr , :)
	mkdir -p "$dir"
	mount -t glusterfs ${backup:+-o backup-volfile-servers=$backup} "$dev" "$dir" || die "mount -t glusterfs $dev failed"
	MOUNTS+=("$dir")
}
MOUNTS=()
umount_all() { local m; for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done; MOUNTS=(); }
trap 'umount_all' EXIT

# ---- 1. topology ----
step "topology load"
jq -n '{clusters: [{nodes: [range(1; 4) as $i | {
	node: {hostnames: {manage: ["10.0.0.\($i)"], storage: ["10.0.0.\($i)"]}, zone: $i},
	devices: [{name: "/dev/vdb", destroydata: false}]}]}]}' >"$RUN/topology.json"
cli topology load --json "$RUN/topology.json" --strict
topo=$(cli topology info --json)
[ "$(jq '[.clusters[].nodes[]] | length' <<<"$topo")" = 3 ] || die "expected 3 nodes, topology is $topo"
[ "$(jq '[.clusters[].nodes[].devices[]] | length' <<<"$topo")" = 3 ] || die "expected 3 devices, topology is $topo"
[ "$(jq '[.clusters[].nodes[].zone] | unique | length' <<<"$topo")" = 3 ] || die "expected 3 zones"
peers=$(g 1 gluster --mode=script peer status | grep -c 'Peer in Cluster (Connected)')
[ "$peers" = 2 ] || die "node1 sees $peers connected peers, expected 2"
for n in "${NODES[@]}"; do g "$n" '/usr/sbin/lvm vgs --noheadings -o vg_name' | grep -q vg_ || die "node$n has no VG"; done

# ---- 2. replica-3 volume, mounted, files written and read back ----
step "volume create (replica 3, 1 GiB)"
v1=$(cli volume create --size 1 --replica 3 --json)
v1id=$(jq -r .id <<<"$v1") v1name=$(jq -r .name <<<"$v1")
step "mount, write, read back"
mount_volume "$v1" "$RUN/mnt-v1"
write_files "$RUN/mnt-v1"
umount "$RUN/mnt-v1" && MOUNTS=()
mount_volume "$v1" "$RUN/mnt-v1"
verify_files "$RUN/mnt-v1"
for n in "${NODES[@]}"; do # replica 3: every node's brick holds every file
	c=$(g "$n" "ls /var/lib/heketi/mounts/vg_*/brick_*/brick/ | grep -c '^file'")
	[ "$c" = 5 ] || die "node$n bricks hold $c files of 5"
done
restart_basalt

# ---- 3. expand ----
step "volume expand (+1 GiB)"
cli volume expand --volume "$v1id" --expand-size 1 --json >"$RUN/v1-expanded.json"
step "check expand"
info=$(g 1 gluster --mode=script volume info "$v1name")
grep -q 'Number of Bricks: 2 x 3 = 6' <<<"$info" || die "expected 2 x 3 bricks after expand, gluster says: $info"
hosts=$(cli topology info --json | jq '[.clusters[].nodes[] | {key: .id, value: .hostnames.storage[0]}] | from_entries')
for b in $(jq -r --argjson h "$hosts" '.bricks[] | "\($h[.node]):\(.path)"' "$RUN/v1-expanded.json"); do
	grep -q "Brick[0-9]*: $b\$" <<<"$info" || die "brick $b missing from gluster volume info"
done
[ "$(jq '.bricks | length' "$RUN/v1-expanded.json")" = 6 ] || die "basalt lists $(jq '.bricks | length' "$RUN/v1-expanded.json") bricks, expected 6"
# add-brick is followed by a rebalance; files being migrated can be briefly missing from a client whose
# layout predates the expansion, so check the data once the rebalance is done, through a fresh mount.
for _ in $(seq 90); do
	st=$(g 1 gluster --mode=script volume rebalance "$v1name" status 2>&1 || true)
	grep -q completed <<<"$st" && ! grep -Eq 'in progress|not started|failed' <<<"$st" && break
	sleep 2
done
grep -q completed <<<"$st" && ! grep -Eq 'in progress|not started|failed' <<<"$st" || die "rebalance of $v1name did not complete: $st"
umount "$RUN/mnt-v1" && MOUNTS=()
mount_volume "$v1" "$RUN/mnt-v1"
verify_files "$RUN/mnt-v1"
echo after-expand >"$RUN/mnt-v1/after-expand" && grep -q after-expand "$RUN/mnt-v1/after-expand"
restart_basalt
verify_files "$RUN/mnt-v1"

# ---- 4. disperse volume and a gid volume ----
step "volume create (disperse 2+1, 2 GiB)"
v2=$(cli volume create --size 2 --durability disperse --disperse-data 2 --redundancy 1 --json)
v2name=$(jq -r .name <<<"$v2")
step "volume create (replica 3, gid 2000)"
v3=$(cli volume create --size 1 --gid 2000 --json)
step "check disperse and gid"
g 1 gluster --mode=script volume info "$v2name" | grep -q 'Number of Bricks: 1 x (2 + 1) = 3' || die "$v2name is not disperse 2+1"
mount_volume "$v2" "$RUN/mnt-v2"
write_files "$RUN/mnt-v2"
verify_files "$RUN/mnt-v2"
mount_volume "$v3" "$RUN/mnt-v3"
[ "$(stat -c %g "$RUN/mnt-v3")" = 2000 ] || die "gid volume root has group $(stat -c %g "$RUN/mnt-v3"), expected 2000"
[ "$(stat -c %a "$RUN/mnt-v3")" = 2775 ] || die "gid volume root has mode $(stat -c %a "$RUN/mnt-v3"), expected 2775"
touch "$RUN/mnt-v3/f" && [ "$(stat -c %g "$RUN/mnt-v3/f")" = 2000 ] || die "new file on the gid volume is not group 2000"

# ---- 5. a create that fails half-way rolls back ----
step "failing create rolls back (glusterd stopped on node3)"
for n in "${NODES[@]}"; do guest_state "$n" >"$RUN/state-before.$n"; done
vols_before=$(curl -fsS "$HEKETI_CLI_SERVER/volumes" | jq -S .)
g 3 systemctl stop glusterd
if cli volume create --size 1 --json >"$RUN/failed-create.out" 2>&1; then
	die "volume create succeeded with glusterd stopped on node3: $(cat "$RUN/failed-create.out")"
fi
log "create failed as expected: $(tail -n 1 "$RUN/failed-create.out")"
grep -q 'lvcreate' <(tail -n +"$STEP_LINE" "$RUN/basalt.log") || die "the failed create never reached lvcreate: not a half-way failure"
# Where the rollback can finish depends on the placement. When the first brick landed on node3, gluster's
# "volume create" itself could not reach glusterd, and so can't the rollback's "volume stop/delete" on that
# node: basalt (like Heketi) then keeps the bricks under a failed pending operation, for the cleaner. Otherwise
# the rollback is complete at once. Either way, once node3 is back and the cleanup has run, every guest must be
# exactly as before.
pending=$(curl -fsS "$HEKETI_CLI_SERVER/operations/pending" | jq '.pendingoperations | length')
immediate=yes
for n in "${NODES[@]}"; do
	guest_state "$n" >"$RUN/state-failed.$n"
	# (node3's glusterd is down, so compare what is on disk, not the gluster volume lists)
	cmp -s <(sed '/^-- volumes/,$d' "$RUN/state-before.$n") <(sed '/^-- volumes/,$d' "$RUN/state-failed.$n") || immediate=no
done
log "right after the failure: guests as before: $immediate; pending operations: $pending"
g 3 systemctl start glusterd
for _ in $(seq 60); do
	[ "$(g 1 gluster --mode=script peer status | grep -c 'Peer in Cluster (Connected)')" = 2 ] && break
	sleep 2
done
if [ "$pending" != 0 ]; then
	[ "$immediate" = no ] || log "a pending operation is left although the guests are clean"
	cli server operations cleanup
	[ "$(curl -fsS "$HEKETI_CLI_SERVER/operations/pending" | jq '.pendingoperations | length')" = 0 ] ||
		die "pending operations left after cleanup: $(curl -fsS "$HEKETI_CLI_SERVER/operations/pending")"
else
	[ "$immediate" = yes ] || die "guests changed by the failed create and no pending operation records it"
fi
for n in "${NODES[@]}"; do
	guest_state "$n" >"$RUN/state-after.$n"
	diff -u "$RUN/state-before.$n" "$RUN/state-after.$n" >&2 || die "node$n changed after the rolled-back create"
done
[ "$(curl -fsS "$HEKETI_CLI_SERVER/volumes" | jq -S .)" = "$vols_before" ] || die "the volume list changed after the failed create"
restart_basalt

# ---- 6. delete everything ----
umount_all
step "volume delete (3 volumes)"
for id in $(curl -fsS "$HEKETI_CLI_SERVER/volumes" | jq -r '.volumes[]'); do
	cli volume delete "$id"
done
step "check nothing left"
[ "$(curl -fsS "$HEKETI_CLI_SERVER/volumes" | jq '.volumes | length')" = 0 ] || die "volumes left in basalt"
for n in "${NODES[@]}"; do
	s=$(g "$n" '/usr/sbin/lvm lvs --noheadings -o lv_name | grep -c . ;
		grep -c /var/lib/heketi/mounts /proc/mounts; grep -c brick_ /etc/fstab;
		gluster --mode=script volume list 2>&1' | tr '\n' ' ')
	[ "$s" = "0 0 0 No volumes present in cluster " ] || die "node$n is not clean: LVs, mounts, fstab lines, volumes: $s"
done
restart_basalt
step_end
trap - EXIT
stop_basalt
log "all steps passed"
printf '%-50s %9s %12s %9s\n' step "wall (s)" "serial (s)" commands >&2
awk -F'\t' '{printf "%-50s %9s %12s %9s\n", $1, $2, $3, $4}' "$RUN/times.tsv" >&2
cp "$RUN/times.tsv" "${BASALT_E2E_TIMES:-/tmp/basalt-e2e-times.tsv}"
