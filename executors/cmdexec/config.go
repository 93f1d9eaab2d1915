package cmdexec

// Config holds the executor options common to every transport (facts 6.1,
// "Common executor options"). The zero value is not useful: start from
// DefaultConfig and override.
type Config struct {
	Fstab                string // file brick mounts are appended to
	MountOpts            string // brick mount options
	SnapshotLimit        int    // >0: set snap-max-hard-limit after every peer probe
	RebalanceOnExpansion bool   // run "volume rebalance <vol> start" after add-brick
	BackupLVMMetadata    bool   // --autobackup=y instead of n
	GlusterCLITimeout    int    // seconds, --timeout= of every gluster CLI call
	PVDataAlignment      string // pvcreate --dataalignment
	VGPhysicalExtentSize string // vgcreate --physicalextentsize
	LVChunkSize          string // thin pool --chunksize for data bricks
	XFSSw                int    // with XFSSu: mkfs.xfs -d su=<su>,sw=<sw>
	XFSSu                int
	DebugUmountFailures  bool   // run lsof after a failed umount
	BlockPrealloc        string // gluster-block prealloc value
	LVMWrapper           string // prefix for lvm and udevadm invocations
}

// DefaultConfig returns Heketi's defaults.
func DefaultConfig() Config {
	return Config{
		Fstab:                "/etc/fstab",
		MountOpts:            "rw,inode64,noatime,nouuid",
		RebalanceOnExpansion: true,
		GlusterCLITimeout:    600,
		PVDataAlignment:      "256K",
		VGPhysicalExtentSize: "4M",
		LVChunkSize:          "256K",
		BlockPrealloc:        "full",
	}
}
