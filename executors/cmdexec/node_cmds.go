package cmdexec

import "fmt"

// Node, LVM and device commands (heketi-facts §7.3, §7.4, §7.8 examiner).
// Examples use the default configuration; with lvm_wrapper set, every
// /usr/sbin/lvm and /usr/bin/udevadm line is prefixed by "<wrapper> ".

// GlusterdStatus renders the health probe:
//
//	systemctl status glusterd
func (r Renderer) GlusterdStatus() string { return "systemctl status glusterd" }

// PeerProbe renders:
//
//	gluster --mode=script --timeout=600 peer probe <storage host>
func (r Renderer) PeerProbe(storageHost string) string {
	return r.gluster("peer probe " + storageHost)
}

// PeerDetach renders:
//
//	gluster --mode=script --timeout=600 peer detach <storage host>
func (r Renderer) PeerDetach(storageHost string) string {
	return r.gluster("peer detach " + storageHost)
}

// SnapshotMaxHardLimit renders:
//
//	gluster --mode=script --timeout=600 snapshot config snap-max-hard-limit <n>
func (r Renderer) SnapshotMaxHardLimit(n int) string {
	return r.gluster(fmt.Sprintf("snapshot config snap-max-hard-limit %d", n))
}

// PeerProbeSequence renders the commands run on an existing node when a node
// is added: the probe, then the snapshot limit when Config.SnapshotLimit > 0.
//
//	gluster --mode=script --timeout=600 peer probe 10.0.0.2
//	gluster --mode=script --timeout=600 snapshot config snap-max-hard-limit 14
func (r Renderer) PeerProbeSequence(storageHost string) []string {
	cmds := []string{r.PeerProbe(storageHost)}
	if r.cfg.SnapshotLimit > 0 {
		cmds = append(cmds, r.SnapshotMaxHardLimit(r.cfg.SnapshotLimit))
	}
	return cmds
}

// Wipefs renders (device path unquoted, as Heketi does):
//
//	wipefs --all /dev/sdb
func (r Renderer) Wipefs(device string) string { return "wipefs --all " + device }

// PVCreate renders:
//
//	/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'
func (r Renderer) PVCreate(device string) string {
	return r.lvm(fmt.Sprintf("pvcreate -qq --metadatasize=128M --dataalignment=%s %s",
		r.cfg.PVDataAlignment, shellQuote(device)))
}

// VGCreate renders:
//
//	/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n vg_<deviceid> /dev/sdb
func (r Renderer) VGCreate(vg, device string) string {
	return r.lvm(fmt.Sprintf("vgcreate -qq --physicalextentsize=%s --autobackup=%s %s %s",
		r.cfg.VGPhysicalExtentSize, r.autobackup(), vg, device))
}

// PVsDevice renders the PV lookup of one device:
//
//	/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json /dev/sdb
func (r Renderer) PVsDevice(device string) string {
	return r.lvm("pvs -o pv_name,pv_uuid,vg_name --reportformat=json " + device)
}

// VGsPV renders the PV lookup through a volume group, used when no PV uuid is
// known:
//
//	/usr/sbin/lvm vgs -o pv_name,pv_uuid,vg_name --reportformat=json vg_<deviceid>
func (r Renderer) VGsPV(vg string) string {
	return r.lvm("vgs -o pv_name,pv_uuid,vg_name --reportformat=json " + vg)
}

// UdevadmSymlinks renders:
//
//	/usr/bin/udevadm info --query=symlink --name=/dev/sdb
func (r Renderer) UdevadmSymlinks(device string) string {
	return r.udevadm("info --query=symlink --name=" + device)
}

// VGDisplay renders:
//
//	/usr/sbin/lvm vgdisplay -c vg_<deviceid>
func (r Renderer) VGDisplay(vg string) string { return r.lvm("vgdisplay -c " + vg) }

// VGRemove renders:
//
//	/usr/sbin/lvm vgremove -qq vg_<deviceid>
func (r Renderer) VGRemove(vg string) string { return r.lvm("vgremove -qq " + vg) }

// PVRemove renders:
//
//	/usr/sbin/lvm pvremove -qq '/dev/disk/by-id/lvm-pv-uuid-<pvuuid>'
func (r Renderer) PVRemove(device string) string {
	return r.lvm("pvremove -qq " + shellQuote(device))
}

// Rmdir renders:
//
//	rmdir <path>
func (r Renderer) Rmdir(path string) string { return "rmdir " + path }

// DeviceSetupSequence renders the device add sequence (heketi-facts §7.4),
// prefixed by wipefs when destroyData is set:
//
//	wipefs --all /dev/sdb
//	/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'
//	/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n vg_<deviceid> /dev/sdb
//	/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json /dev/sdb
//	/usr/bin/udevadm info --query=symlink --name=/dev/sdb
//	/usr/sbin/lvm vgdisplay -c vg_<deviceid>
func (r Renderer) DeviceSetupSequence(deviceID, device string, destroyData bool) []string {
	cmds := r.deviceCreate(deviceID, device, destroyData)
	return append(cmds, r.DeviceInfoSequence(deviceID, device)...)
}

func (r Renderer) deviceCreate(deviceID, device string, destroyData bool) []string {
	var cmds []string
	if destroyData {
		cmds = append(cmds, r.Wipefs(device))
	}
	return append(cmds, r.PVCreate(device), r.VGCreate(VGName(deviceID), device))
}

// DeviceInfoSequence renders the device inspection (the tail of device add and
// the resync sequence), addressing the device by handle:
//
//	/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json /dev/disk/by-id/lvm-pv-uuid-<pvuuid>
//	/usr/bin/udevadm info --query=symlink --name=/dev/disk/by-id/lvm-pv-uuid-<pvuuid>
//	/usr/sbin/lvm vgdisplay -c vg_<deviceid>
func (r Renderer) DeviceInfoSequence(deviceID, handle string) []string {
	return []string{r.PVsDevice(handle), r.UdevadmSymlinks(handle), r.VGDisplay(VGName(deviceID))}
}

// DeviceTeardownSequence renders the device delete sequence. Normally:
//
//	/usr/sbin/lvm vgremove -qq vg_<deviceid>
//	/usr/sbin/lvm pvremove -qq '/dev/disk/by-id/lvm-pv-uuid-<pvuuid>'
//	rmdir /var/lib/heketi/mounts/vg_<deviceid>
//
// With force (forceforget) the rmdir comes first:
//
//	rmdir /var/lib/heketi/mounts/vg_<deviceid>
//	/usr/sbin/lvm vgremove -qq vg_<deviceid>
//	/usr/sbin/lvm pvremove -qq '/dev/disk/by-id/lvm-pv-uuid-<pvuuid>'
func (r Renderer) DeviceTeardownSequence(deviceID, handle string, force bool) []string {
	rm := r.Rmdir(DeviceMountDir(deviceID))
	lvm := []string{r.VGRemove(VGName(deviceID)), r.PVRemove(handle)}
	if force {
		return append([]string{rm}, lvm...)
	}
	return append(lvm, rm)
}

// Examiner (read-only) commands.

// PVsReport renders:
//
//	/usr/sbin/lvm pvs --reportformat json --units k
func (r Renderer) PVsReport() string { return r.lvm("pvs --reportformat json --units k") }

// VGsReport renders:
//
//	/usr/sbin/lvm vgs --reportformat json --units k
func (r Renderer) VGsReport() string { return r.lvm("vgs --reportformat json --units k") }

// LVsReport renders:
//
//	/usr/sbin/lvm lvs --reportformat json --units k
func (r Renderer) LVsReport() string { return r.lvm("lvs --reportformat json --units k") }

// Mounts renders:
//
//	mount
func (r Renderer) Mounts() string { return "mount" }

// CatFstab renders:
//
//	cat /etc/fstab
func (r Renderer) CatFstab() string { return "cat " + r.cfg.Fstab }
