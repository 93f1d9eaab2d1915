#!/usr/bin/env bash
# build-image.sh builds (or finds) the Debian bookworm guest image the e2e test boots.
#
# Usage: build-image.sh            prints the cache directory holding the image on stdout
#
# The image is cached under $BASALT_E2E_CACHE (default /var/cache/basalt-e2e)/<hash>/, where <hash> is the
# SHA-256 of this script: changing the recipe builds a new image, re-running it finds the old one. The cache
# directory holds:
#   vmlinuz, initrd.img    the guest kernel and its initramfs (the stock one has the virtio drivers)
#   root.img               raw ext4 root filesystem, label "root"; guests boot copy-on-write overlays of it
#   id_ed25519[.pub]       the client key root's authorized_keys accepts
#   ssh_host_ed25519_key.pub  the one host key every guest presents (for known_hosts)
#   ok                     written last: the build finished
#
# Guests read their address and hostname from the kernel command line (basalt.ip=, basalt.hostname=), so one
# image serves every node. glusterd is enabled and has no UUID yet: each guest makes its own on first boot.
# Everything the build needs is installed here with apt-get.
set -euo pipefail

# The Debian mirror apt already uses (deb822 .sources or one-line format), not its security suite.
MIRROR=${BASALT_E2E_MIRROR:-$({ cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } |
	awk '/^URIs:/ || /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }')}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE_ROOT=${BASALT_E2E_CACHE:-/var/cache/basalt-e2e}
HASH=$(sha256sum "$0" | cut -c1-16)
OUT=$CACHE_ROOT/$HASH

log() { echo "build-image: $*" >&2; }

if [ -f "$OUT/ok" ]; then
	echo "$OUT"
	exit 0
fi

# From here on stdout is for the cache path alone: callers run IMG=$(build-image.sh), so anything a build step
# prints (dpkg-divert and systemctl in the chroot talk on stdout) must go to stderr. fd 3 keeps the real stdout.
exec 3>&1 1>&2
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [ -f "$OUT/ok" ]; then # built by a concurrent run while we waited
	echo "$OUT" >&3
	exit 0
fi

need=()
for c in debootstrap:debootstrap mkfs.ext4:e2fsprogs ssh-keygen:openssh-client; do
	command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; }
fi

WORK=$(mktemp -d "$CACHE_ROOT/build.XXXXXX")
R=$WORK/rootfs
# debootstrap may leave /proc, /sys or /dev mounted in the rootfs if it fails: never descend into them.
trap 'for m in proc sys dev/pts dev; do umount -l "$R/$m" 2>/dev/null || true; done; rm -rf --one-file-system "$WORK"' EXIT
start=$(date +%s)
log "debootstrap bookworm from $MIRROR into $R (about 3 minutes)"
debootstrap --variant=minbase --arch=amd64 \
	--include=linux-image-amd64,systemd-sysv,udev,kmod,iproute2,procps,openssh-server,glusterfs-server,lvm2,thin-provisioning-tools,xfsprogs \
	bookworm "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -n 40 "$WORK/debootstrap.log" >&2; exit 1; }
log "debootstrap took $(($(date +%s) - start)) s"

# Keys: one client key for root, one host key shared by every guest.
ssh-keygen -q -t ed25519 -N '' -C basalt-e2e -f "$WORK/id_ed25519"
rm -f "$R"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C basalt-e2e-host -f "$R/etc/ssh/ssh_host_ed25519_key"
cp "$R/etc/ssh/ssh_host_ed25519_key.pub" "$WORK/"
install -d -m 0700 "$R/root/.ssh"
install -m 0600 "$WORK/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
cat >"$R/etc/ssh/sshd_config.d/basalt-e2e.conf" <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
MaxSessions 32
MaxStartups 64:30:128
CONF

echo "LABEL=root / ext4 defaults,noatime 0 1" >"$R/etc/fstab"
echo node >"$R/etc/hostname"
cat >"$R/etc/hosts" <<'HOSTS'
127.0.0.1 localhost
10.0.0.1 node1
10.0.0.2 node2
10.0.0.3 node3
10.0.0.254 host
HOSTS
printf 'dm_thin_pool\ndm_snapshot\nxfs\n' >>"$R/etc/modules"

# Address and hostname from the kernel command line.
cat >"$R/usr/local/sbin/basalt-e2e-net" <<'NET'
#!/bin/sh
set -e
for w in $(cat /proc/cmdline); do
	case "$w" in
	basalt.ip=*) ip=${w#basalt.ip=} ;;
	basalt.hostname=*) name=${w#basalt.hostname=} ;;
	esac
done
[ -n "$name" ] && hostname "$name" && echo "$name" >/etc/hostname
ip link set lo up
# Wait for the NIC here rather than through a device unit: systemd gives up on a device after 90 s, and a
# guest emulated on a busy host can take longer than that before udev has loaded virtio_net.
i=0
until [ -e /sys/class/net/eth0 ]; do
	i=$((i + 1))
	[ "$i" -le 1200 ] || { echo "basalt-e2e-net: no eth0 after 600 s" >&2; exit 1; }
	sleep 0.5
done
ip addr add "$ip/24" dev eth0
ip link set eth0 up
NET
chmod 0755 "$R/usr/local/sbin/basalt-e2e-net"
cat >"$R/etc/systemd/system/basalt-e2e-net.service" <<'UNIT'
[Unit]
Description=basalt e2e static address from the kernel command line
DefaultDependencies=no
Wants=network.target
Before=network.target network-online.target glusterd.service ssh.service
After=systemd-udevd.service systemd-udev-trigger.service

[Service]
Type=oneshot
RemainAfterExit=yes
TimeoutStartSec=infinity
ExecStart=/usr/local/sbin/basalt-e2e-net

[Install]
WantedBy=multi-user.target
UNIT

chroot "$R" /bin/sh -c '
set -e
systemctl enable basalt-e2e-net.service glusterd.service ssh.service
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	man-db.timer systemd-networkd-wait-online.service getty@tty1.service lvm2-lvmpolld.socket >/dev/null 2>&1 || true
dpkg-divert --local --rename --add /usr/lib/x86_64-linux-gnu/glusterfs/gsyncd
rm -f /var/lib/glusterd/glusterd.info /etc/machine-id /var/lib/dbus/machine-id
: > /etc/machine-id
apt-get clean
'
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin

cp "$R"/boot/vmlinuz-* "$WORK/vmlinuz"
cp "$R"/boot/initrd.img-* "$WORK/initrd.img"
truncate -s 3G "$WORK/root.img"
mkfs.ext4 -q -F -L root -d "$R" "$WORK/root.img"
rm -rf "$R" "$WORK/debootstrap.log"

mkdir -p "$OUT"
mv "$WORK"/vmlinuz "$WORK"/initrd.img "$WORK"/root.img "$WORK"/id_ed25519 "$WORK"/id_ed25519.pub "$WORK"/ssh_host_ed25519_key.pub "$OUT/"
date -u +%FT%TZ >"$OUT/ok"
log "image ready in $OUT after $(($(date +%s) - start)) s"
echo "$OUT" >&3
