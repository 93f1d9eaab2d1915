package fakeexec

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

type vg struct {
	name         string
	uuid         string
	extentKiB    uint64
	totalExtents uint64
	pvPath       string // the disk holding the VG's only PV
	lvs          []*lv  // in creation order
	byName       map[string]*lv
	allocExt     uint64 // extents of pools and linear LVs
	spareKiB     uint64 // hidden pool metadata spare (lvol0_pmspare)
	// origins names the origin LV of each thin snapshot LV. Few LVs have
	// one, so it is not a field of every lv.
	origins map[*lv]string
}

// origin returns the name of l's origin LV, or "".
func (v *vg) origin(l *lv) string { return v.origins[l] }

// setOrigin records that thin LV l is a snapshot of LV origin.
func (v *vg) setOrigin(l *lv, origin string) {
	if v.origins == nil {
		v.origins = map[*lv]string{}
	}
	v.origins[l] = origin
}

// addLV appends l and accounts for its extents.
func (v *vg) addLV(l *lv) {
	if v.byName == nil {
		v.byName = map[string]*lv{}
	}
	v.lvs = append(v.lvs, l)
	v.byName[l.name] = l
	if l.kind != lvThin {
		v.allocExt += ceilDiv(l.sizeKiB+l.metaKiB, v.extentKiB)
	} else if p := v.byName[l.pool]; p != nil {
		p.thins++
	}
}

// lvKind is the kind of an LV.
type lvKind uint8

const (
	lvLinear lvKind = iota
	lvPool
	lvThin
)

// String returns the kind as the LV inspection type reports it.
func (k lvKind) String() string {
	switch k {
	case lvPool:
		return "pool"
	case lvThin:
		return "thin"
	}
	return "linear"
}

// lv is one logical volume. A node holds two per brick (its thin pool and
// its thin LV), so the struct is kept small: the uuid inline, the kind a
// byte, a thin LV's pool name the pool's own string, and a snapshot's origin
// in vg.origins.
type lv struct {
	name    string
	pool    string // thin LVs: their pool
	sizeKiB uint64 // data size for pools, virtual size for thin LVs
	metaKiB uint64 // pool metadata size
	fs      *filesystem
	uuid    lvmUUID
	thins   int32 // pools: number of thin LVs
	kind    lvKind
	active  bool
	mounted bool
}

func (v *vg) lv(name string) *lv { return v.byName[name] }

func (v *vg) usedExtents() uint64 {
	return v.allocExt + ceilDiv(v.spareKiB, v.extentKiB)
}

func (v *vg) freeExtents() uint64 { return v.totalExtents - v.usedExtents() }

func (v *vg) thinCount(pool string) int {
	if p := v.byName[pool]; p != nil {
		return int(p.thins)
	}
	return 0
}

func (v *vg) hasPool() bool {
	for _, l := range v.lvs {
		if l.kind == lvPool {
			return true
		}
	}
	return false
}

func ceilDiv(a, b uint64) uint64 {
	if b == 0 {
		return 0
	}
	return (a + b - 1) / b
}

func roundUp(a, b uint64) uint64 { return ceilDiv(a, b) * b }

// mapperName is the device-mapper name of vg/lv: hyphens doubled, joined by one.
func mapperName(vg, lv string) string {
	return strings.ReplaceAll(vg, "-", "--") + "-" + strings.ReplaceAll(lv, "-", "--")
}

// lvByDev resolves /dev/mapper/<vg>-<lv> or /dev/<vg>/<lv>.
func (n *node) lvByDev(p string) (*vg, *lv) {
	if name, found := strings.CutPrefix(p, "/dev/mapper/"); found {
		for _, v := range n.vgs {
			esc := strings.ReplaceAll(v.name, "-", "--") + "-"
			if rest, ok := strings.CutPrefix(name, esc); ok {
				if l := v.lv(strings.ReplaceAll(rest, "--", "-")); l != nil && mapperName(v.name, l.name) == name {
					return v, l
				}
			}
		}
		return nil, nil
	}
	if rest, found := strings.CutPrefix(p, "/dev/"); found {
		vgName, lvName, split := strings.Cut(rest, "/")
		if split {
			if v := n.vgs[vgName]; v != nil {
				if l := v.lv(lvName); l != nil {
					return v, l
				}
			}
		}
	}
	return nil, nil
}

func (n *node) lvMounted(_ *vg, l *lv) bool { return l.mounted }

// parseSizeKiB parses an LVM size (default unit def: 'k' or 'm').
func parseSizeKiB(s string, def byte) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty size")
	}
	unit := def
	last := s[len(s)-1]
	if last < '0' || last > '9' {
		unit = last | 0x20
		s = s[:len(s)-1]
		if unit == 'b' && len(s) > 0 && (s[len(s)-1]|0x20) == 'i' {
			s = s[:len(s)-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size")
	}
	mult := map[byte]float64{'k': 1, 'm': 1024, 'g': 1 << 20, 't': 1 << 30, 'p': 1 << 40, 's': 0.5, 'b': 1.0 / 1024}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("invalid unit")
	}
	return uint64(math.Ceil(v * mult)), nil
}

// lvmArgs is a parsed lvm command line.
type lvmArgs struct {
	opts  map[string]string
	flags map[string]int
	ops   []string
}

func (a lvmArgs) opt(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := a.opts[n]; ok {
			return v, true
		}
	}
	return "", false
}

func (a lvmArgs) flag(names ...string) bool {
	for _, n := range names {
		if a.flags[n] > 0 {
			return true
		}
	}
	return false
}

// lvmValued lists options that take a value.
var lvmValued = map[string]bool{
	"-o": true, "--options": true, "--reportformat": true, "--units": true, "--metadatasize": true, "--uuid": true,
	"--dataalignment": true, "--physicalextentsize": true, "-s": true, "--autobackup": true, "-A": true,
	"--poolmetadatasize": true, "--chunksize": true, "--size": true, "-L": true, "--thin": true,
	"-T": true, "--virtualsize": true, "-V": true, "--name": true, "-n": true, "--select": true,
	"-S": true, "--sort": true, "-O": true, "--separator": true, "--config": true, "--type": true,
	"--thinpool": true, "--zero": true, "-Z": true,
}

func parseLVM(sub string, args []string) lvmArgs {
	a := lvmArgs{opts: map[string]string{}, flags: map[string]int{}}
	for i := 0; i < len(args); i++ {
		x := args[i]
		if !strings.HasPrefix(x, "-") || x == "-" {
			a.ops = append(a.ops, x)
			continue
		}
		if k, v, eq := strings.Cut(x, "="); eq {
			a.opts[k] = v
			continue
		}
		valued := lvmValued[x]
		if sub == "vgdisplay" && x == "-c" {
			valued = false
		}
		if (x == "-c") && sub == "lvcreate" {
			valued = true
		}
		if (x == "--thin" || x == "-T") && (i+1 >= len(args) || strings.HasPrefix(args[i+1], "-")) {
			valued = false
		}
		if valued && i+1 < len(args) {
			a.opts[x] = args[i+1]
			i++
			continue
		}
		if len(x) > 2 && x[1] != '-' {
			// -qq, -ff, -An
			if strings.Trim(x[1:], string(x[1])) == "" {
				a.flags["-"+string(x[1])] += len(x) - 1
				continue
			}
			if x[1] == 'A' {
				a.opts["-A"] = x[2:]
				continue
			}
		}
		a.flags[x]++
	}
	return a
}

const backupWarning = "  WARNING: This metadata update is NOT backed up.\n"

func (a lvmArgs) noBackup() bool {
	v, _ := a.opt("--autobackup", "-A")
	return v == "n"
}

func vgNotFound(name string) output {
	return fail(5, fmt.Sprintf("  Volume group \"%s\" not found\n  Cannot process volume group %s\n", name, name))
}

// lvm runs an lvm subcommand; args[0] is the subcommand.
func (n *node) lvm(f *Fake, args []string) output {
	sub := args[0]
	a := parseLVM(sub, args[1:])
	n.mu.Lock()
	defer n.mu.Unlock()
	switch sub {
	case "pvcreate":
		return n.pvcreate(a)
	case "pvremove":
		return n.pvremove(a)
	case "vgcreate":
		return n.vgcreate(a)
	case "vgremove":
		return n.vgremove(a)
	case "vgdisplay":
		return n.vgdisplay(a)
	case "lvcreate":
		return n.lvcreate(a)
	case "lvremove":
		return n.lvremove(a)
	case "pvs", "vgs", "lvs":
		return n.report(sub, a)
	}
	return fail(3, fmt.Sprintf("  No such command '%s'.  Try 'help'.\n", sub))
}

func signatureWarning(d *disk) output {
	return fail(5, fmt.Sprintf("WARNING: %s signature detected on %s at offset 0. Wipe it? [y/n]: [n]\n  Aborted wiping of %s.\n  1 existing signature left on the device.\n", d.signature, d.path, d.signature))
}

func peStart(a lvmArgs) uint64 {
	if md, ok := a.opt("--metadatasize"); ok {
		if kib, err := parseSizeKiB(md, 'm'); err == nil {
			return roundUp(4+kib, 1024)
		}
	}
	return 1024
}

// initPV writes a PV label; `--uuid <uuid>` (as used with --norestorefile
// to recreate a known PV) sets its uuid instead of a new one.
func (n *node) initPV(d *disk, a lvmArgs) {
	uuid, ok := a.opt("--uuid")
	if !ok || uuid == "" {
		uuid = n.ids.lvm()
	}
	d.pv = &pv{uuid: uuid, peStartKiB: peStart(a)}
}

func (n *node) pvcreate(a lvmArgs) output {
	if len(a.ops) == 0 {
		return fail(3, "  Please enter a physical volume path.\n")
	}
	var out output
	for _, p := range a.ops {
		d := n.findDisk(p, true)
		switch {
		case d == nil:
			return fail(5, out.stderr+fmt.Sprintf("  Cannot use %s: device not found\n", p))
		case d.pv != nil && d.pv.vg != "" && a.flags["-f"] < 2:
			return fail(5, out.stderr+fmt.Sprintf("  Can't initialize physical volume \"%s\" of volume group \"%s\" without -ff\n  %s: physical volume not initialized.\n", p, d.pv.vg, p))
		case d.signature != "" && a.flags["-f"] == 0 && !a.flag("-y", "--yes"):
			return signatureWarning(d)
		}
		d.signature = ""
		n.initPV(d, a)
		if a.flags["-q"] == 0 {
			out.stdout += fmt.Sprintf("  Physical volume \"%s\" successfully created.\n", p)
		}
	}
	return out
}

func (n *node) pvremove(a lvmArgs) output {
	var out output
	for _, p := range a.ops {
		d := n.findDisk(p, false)
		if d == nil || d.pv == nil {
			return fail(5, out.stderr+fmt.Sprintf("  No PV found on device %s.\n", p))
		}
		if d.pv.vg != "" && a.flags["-f"] < 2 {
			return fail(5, fmt.Sprintf("  PV %s is used by VG %s so please use vgreduce first.\n  (If you are certain you need pvremove, then confirm by using --force twice.)\n  %s: physical volume label not removed.\n", p, d.pv.vg, p))
		}
		d.pv = nil
		if a.flags["-q"] == 0 {
			out.stdout += fmt.Sprintf("  Labels on physical volume \"%s\" successfully wiped.\n", p)
		}
	}
	return out
}

func (n *node) vgcreate(a lvmArgs) output {
	if len(a.ops) < 2 {
		return fail(3, "  Please provide volume group name and physical volumes\n")
	}
	name, devs := a.ops[0], a.ops[1:]
	if len(devs) != 1 {
		return fail(3, "  fakeexec models one physical volume per volume group\n")
	}
	ext := uint64(4096)
	if s, ok := a.opt("--physicalextentsize", "-s"); ok {
		kib, err := parseSizeKiB(s, 'm')
		if err != nil || kib == 0 {
			return fail(3, fmt.Sprintf("  Invalid argument for --physicalextentsize: %s\n", s))
		}
		ext = kib
	}
	if _, exists := n.vgs[name]; exists {
		return fail(5, fmt.Sprintf("  A volume group called %s already exists.\n", name))
	}
	d := n.findDisk(devs[0], true)
	if d == nil {
		return fail(5, fmt.Sprintf("  No device found for %s.\n", devs[0]))
	}
	if d.pv != nil && d.pv.vg != "" {
		return fail(5, fmt.Sprintf("  Physical volume '%s' is already in volume group '%s'\n  Unable to add physical volume '%s' to volume group '%s'\n  %s: physical volume not initialized.\n", devs[0], d.pv.vg, devs[0], d.pv.vg, devs[0]))
	}
	if d.pv == nil {
		if d.signature != "" {
			return signatureWarning(d)
		}
		n.initPV(d, a)
	}
	if d.sizeKiB <= d.pv.peStartKiB+ext {
		return fail(5, fmt.Sprintf("  Physical volume %s is too small for a volume group.\n", devs[0]))
	}
	d.pv.vg = name
	n.vgs[name] = &vg{name: name, uuid: n.ids.lvm(), extentKiB: ext, totalExtents: (d.sizeKiB - d.pv.peStartKiB) / ext, pvPath: d.path}
	var out output
	if a.flags["-q"] == 0 {
		out.stdout = fmt.Sprintf("  Volume group \"%s\" successfully created\n", name)
	}
	if a.noBackup() {
		out.stderr = backupWarning
	}
	return out
}

func (n *node) vgremove(a lvmArgs) output {
	var out output
	for _, name := range a.ops {
		v := n.vgs[name]
		if v == nil {
			return vgNotFound(name)
		}
		for _, l := range v.lvs {
			if n.lvMounted(v, l) {
				return fail(5, fmt.Sprintf("  Logical volume %s/%s contains a filesystem in use.\n", v.name, l.name))
			}
		}
		if visible := countVisible(v); visible > 0 && a.flags["-f"] == 0 {
			return fail(5, fmt.Sprintf("  Do you really want to remove volume group \"%s\" containing %d logical volumes? [y/n]: [n]\n  Volume group \"%s\" not removed\n", name, visible, name))
		}
		if d := n.disks[v.pvPath]; d != nil && d.pv != nil {
			d.pv.vg = ""
		}
		delete(n.vgs, name)
		if a.flags["-q"] == 0 {
			out.stdout += fmt.Sprintf("  Volume group \"%s\" successfully removed\n", name)
		}
	}
	return out
}

func countVisible(v *vg) int { return len(v.lvs) }

func countOpen(n *node, v *vg) int {
	c := 0
	for _, l := range v.lvs {
		if n.lvMounted(v, l) {
			c++
		}
	}
	return c
}

func (n *node) vgdisplay(a lvmArgs) output {
	names := a.ops
	if len(names) == 0 {
		names = sortedKeys(n.vgs)
	}
	var b strings.Builder
	for _, name := range names {
		v := n.vgs[name]
		if v == nil {
			return vgNotFound(name)
		}
		total, free := v.totalExtents, v.freeExtents()
		if a.flag("-c", "--colon") {
			fmt.Fprintf(&b, "  %s:r/w:772:-1:0:%d:%d:-1:0:1:1:%d:%d:%d:%d:%d:%s\n",
				v.name, countVisible(v), countOpen(n, v), total*v.extentKiB, v.extentKiB, total, total-free, free, v.uuid)
			continue
		}
		fmt.Fprintf(&b, "  --- Volume group ---\n  VG Name               %s\n  Format                lvm2\n  VG Access             read/write\n  VG Status             resizable\n  Cur LV                %d\n  Open LV               %d\n  Cur PV                1\n  Act PV                1\n  VG Size               %s\n  PE Size               %s\n  Total PE              %d\n  Alloc PE / Size       %d / %s\n  Free  PE / Size       %d / %s\n  VG UUID               %s\n\n",
			v.name, countVisible(v), countOpen(n, v), fmtSize(total*v.extentKiB, "h"), fmtSize(v.extentKiB, "h"), total,
			total-free, fmtSize((total-free)*v.extentKiB, "h"), free, fmtSize(free*v.extentKiB, "h"), v.uuid)
	}
	return ok(b.String())
}

func splitVGLV(s string) (string, string, bool) {
	s = strings.TrimPrefix(s, "/dev/")
	return strings.Cut(s, "/")
}

func (n *node) lvcreate(a lvmArgs) output {
	var vgName, poolName string
	if t, ok := a.opt("--thin", "-T", "--thinpool"); ok {
		var split bool
		vgName, poolName, split = splitVGLV(t)
		if !split {
			poolName = t
			vgName = ""
		}
	}
	if vgName == "" && len(a.ops) > 0 {
		vgName = a.ops[0]
	}
	if vgName == "" {
		return fail(3, "  Please specify a volume group name.\n")
	}
	v := n.vgs[vgName]
	if v == nil {
		return vgNotFound(vgName)
	}
	name, _ := a.opt("--name", "-n")
	var sizeKiB, virtKiB uint64
	if s, ok := a.opt("--size", "-L"); ok {
		kib, err := parseSizeKiB(s, 'm')
		if err != nil || kib == 0 {
			return fail(3, fmt.Sprintf("  Invalid argument for --size: %s\n", s))
		}
		sizeKiB = roundUp(kib, v.extentKiB)
	}
	if s, ok := a.opt("--virtualsize", "-V"); ok {
		kib, err := parseSizeKiB(s, 'm')
		if err != nil || kib == 0 {
			return fail(3, fmt.Sprintf("  Invalid argument for --virtualsize: %s\n", s))
		}
		virtKiB = roundUp(kib, v.extentKiB)
	}
	var out output
	if a.flags["-q"] == 0 {
		defer func() {
			if out.code == 0 {
				if name != "" {
					out.stdout += fmt.Sprintf("  Logical volume \"%s\" created.\n", name)
				}
			}
		}()
	}
	exists := func(lvName string) bool { return lvName != "" && v.lv(lvName) != nil }
	switch {
	case poolName != "" && sizeKiB > 0:
		// New thin pool, and a thin LV in it when a virtual size is given.
		if exists(poolName) {
			return fail(5, fmt.Sprintf("  Logical Volume \"%s\" already exists in volume group \"%s\"\n", poolName, vgName))
		}
		if virtKiB > 0 && (exists(name) || name == poolName) {
			return fail(5, fmt.Sprintf("  Logical Volume \"%s\" already exists in volume group \"%s\"\n", name, vgName))
		}
		metaKiB := uint64(4096)
		if s, ok := a.opt("--poolmetadatasize"); ok {
			kib, err := parseSizeKiB(s, 'm')
			if err != nil || kib == 0 {
				return fail(3, fmt.Sprintf("  Invalid argument for --poolmetadatasize: %s\n", s))
			}
			metaKiB = kib
		}
		metaKiB = roundUp(metaKiB, v.extentKiB)
		spare := max(v.spareKiB, metaKiB)
		need := ceilDiv(sizeKiB, v.extentKiB) + ceilDiv(metaKiB, v.extentKiB) + ceilDiv(spare-v.spareKiB, v.extentKiB)
		if free := v.freeExtents(); need > free {
			return fail(5, fmt.Sprintf("  Volume group \"%s\" has insufficient free space (%d extents): %d required.\n", vgName, free, need))
		}
		v.spareKiB = spare
		p := &lv{name: strings.Clone(poolName), kind: lvPool, sizeKiB: sizeKiB, metaKiB: metaKiB, uuid: n.ids.lvmUUID(), active: true}
		v.addLV(p)
		if virtKiB > 0 {
			if name == "" {
				name = nextLVName(v)
			}
			v.addLV(&lv{name: strings.Clone(name), kind: lvThin, sizeKiB: virtKiB, pool: p.name, uuid: n.ids.lvmUUID(), active: true})
		} else if name == "" {
			name = poolName
		}
	case poolName != "":
		// Thin LV in an existing pool.
		p := v.lv(poolName)
		if p == nil || p.kind != lvPool {
			return fail(5, fmt.Sprintf("  Failed to find logical volume \"%s/%s\"\n", vgName, poolName))
		}
		if virtKiB == 0 {
			return fail(3, "  --virtualsize is required for a thin volume.\n")
		}
		if exists(name) {
			return fail(5, fmt.Sprintf("  Logical Volume \"%s\" already exists in volume group \"%s\"\n", name, vgName))
		}
		if name == "" {
			name = nextLVName(v)
		}
		v.addLV(&lv{name: strings.Clone(name), kind: lvThin, sizeKiB: virtKiB, pool: p.name, uuid: n.ids.lvmUUID(), active: true})
	case sizeKiB > 0:
		if exists(name) {
			return fail(5, fmt.Sprintf("  Logical Volume \"%s\" already exists in volume group \"%s\"\n", name, vgName))
		}
		need := ceilDiv(sizeKiB, v.extentKiB)
		if free := v.freeExtents(); need > free {
			return fail(5, fmt.Sprintf("  Volume group \"%s\" has insufficient free space (%d extents): %d required.\n", vgName, free, need))
		}
		if name == "" {
			name = nextLVName(v)
		}
		v.addLV(&lv{name: strings.Clone(name), kind: lvLinear, sizeKiB: sizeKiB, uuid: n.ids.lvmUUID(), active: true})
	default:
		return fail(3, "  Please specify either size or extents but not both.\n")
	}
	if a.noBackup() {
		out.stderr = backupWarning
	}
	return out
}

func nextLVName(v *vg) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("lvol%d", i)
		if v.lv(name) == nil {
			return name
		}
	}
}

// removeLV drops l from v and releases the pool metadata spare with the last pool.
func (v *vg) removeLV(l *lv) {
	for i, x := range v.lvs {
		if x == l {
			v.lvs = append(v.lvs[:i], v.lvs[i+1:]...)
			break
		}
	}
	delete(v.byName, l.name)
	delete(v.origins, l)
	for x, o := range v.origins {
		if o == l.name {
			delete(v.origins, x)
		}
	}
	if l.kind != lvThin {
		v.allocExt -= ceilDiv(l.sizeKiB+l.metaKiB, v.extentKiB)
	} else if p := v.byName[l.pool]; p != nil {
		p.thins--
	}
	if !v.hasPool() {
		v.spareKiB = 0
	}
}

func (n *node) lvremove(a lvmArgs) output {
	var out output
	quiet := a.flags["-q"] > 0
	for _, target := range a.ops {
		vgName, lvName, split := splitVGLV(target)
		v := n.vgs[vgName]
		if v == nil {
			return vgNotFound(vgName)
		}
		if !split {
			return fail(5, "  fakeexec: lvremove of a whole volume group is not modelled\n")
		}
		l := v.lv(lvName)
		if l == nil {
			out.stderr += fmt.Sprintf("  Failed to find logical volume \"%s/%s\"\n", vgName, lvName)
			out.code = 5
			return out
		}
		if l.kind == lvPool {
			var thins []*lv
			for _, t := range v.lvs {
				if l.thins == 0 {
					break // the usual case (its bricks went first): no scan
				}
				if t.kind == lvThin && t.pool == l.name {
					thins = append(thins, t)
				}
			}
			for _, t := range thins {
				if n.lvMounted(v, t) {
					// LVM deactivates what it could before giving up.
					for _, o := range thins {
						if !n.lvMounted(v, o) {
							o.active = false
						}
					}
					out.stderr += fmt.Sprintf("  Logical volume %s/%s contains a filesystem in use.\n", vgName, t.name)
					out.code = 5
					return out
				}
			}
			for _, t := range thins {
				v.removeLV(t)
				if !quiet {
					out.stdout += fmt.Sprintf("  Logical volume \"%s\" successfully removed.\n", t.name)
				}
			}
		} else if n.lvMounted(v, l) {
			out.stderr += fmt.Sprintf("  Logical volume %s/%s contains a filesystem in use.\n", vgName, l.name)
			out.code = 5
			return out
		}
		v.removeLV(l)
		if !quiet {
			out.stdout += fmt.Sprintf("  Logical volume \"%s\" successfully removed.\n", l.name)
		}
		if a.noBackup() {
			out.stderr += backupWarning
		}
	}
	return out
}

// fmtSize renders KiB the way LVM does for --units (k, m, g, t, or h).
func fmtSize(kib uint64, units string) string {
	suffix := strings.ToLower(units)
	div := map[string]float64{"k": 1, "m": 1024, "g": 1 << 20, "t": 1 << 30}
	d, known := div[suffix]
	if !known {
		suffix = "k"
		d = 1
		for _, u := range []string{"t", "g", "m"} {
			if float64(kib) >= div[u] {
				suffix, d = u, div[u]
				break
			}
		}
		if kib == 0 {
			return "0 "
		}
		val := float64(kib) / d
		r := math.Floor(val*100) / 100
		if r != val {
			return fmt.Sprintf("<%.2f%s", r, suffix)
		}
		return fmt.Sprintf("%.2f%s", r, suffix)
	}
	return fmt.Sprintf("%.2f%s", float64(kib)/d, suffix)
}

var defaultFields = map[string][]string{
	"pvs": {"pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free"},
	"vgs": {"vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"},
	"lvs": {"lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent", "metadata_percent", "move_pv", "mirror_log", "copy_percent", "convert_lv"},
}

var fieldHeadings = map[string]string{
	"pv_name": "PV", "vg_name": "VG", "pv_fmt": "Fmt", "pv_attr": "Attr", "pv_size": "PSize", "pv_free": "PFree",
	"pv_uuid": "PV UUID", "pv_count": "#PV", "lv_count": "#LV", "snap_count": "#SN", "vg_attr": "Attr",
	"vg_size": "VSize", "vg_free": "VFree", "lv_name": "LV", "lv_attr": "Attr", "lv_size": "LSize",
	"pool_lv": "Pool", "origin": "Origin", "data_percent": "Data%", "metadata_percent": "Meta%",
	"move_pv": "Move", "mirror_log": "Log", "copy_percent": "Cpy%Sync", "convert_lv": "Convert",
	"thin_count": "#Thins", "vg_uuid": "VG UUID", "lv_uuid": "LV UUID", "vg_extent_size": "Ext",
	"vg_extent_count": "#Ext", "vg_free_count": "Free", "dev_size": "DevSize", "pe_start": "1st PE",
	"lv_path": "Path", "lv_dm_path": "DMPath",
}

// rightAligned lists numeric columns LVM aligns to the right.
var rightAligned = map[string]bool{
	"pv_size": true, "pv_free": true, "pv_count": true, "lv_count": true, "snap_count": true, "vg_size": true,
	"vg_free": true, "lv_size": true, "data_percent": true, "metadata_percent": true, "copy_percent": true,
	"thin_count": true, "vg_extent_size": true, "vg_extent_count": true, "vg_free_count": true, "dev_size": true,
	"pe_start": true,
}

type row map[string]string

func (n *node) report(sub string, a lvmArgs) output {
	units := "h"
	if u, ok := a.opt("--units"); ok {
		units = u
	}
	fields := defaultFields[sub]
	if o, ok := a.opt("-o", "--options"); ok {
		o = strings.TrimPrefix(o, "+")
		fields = strings.Split(o, ",")
	}
	var rows []row
	size := func(kib uint64) string { return fmtSize(kib, units) }
	switch sub {
	case "pvs":
		var disks []*disk
		if len(a.ops) == 0 {
			for _, d := range n.diskOrder {
				if d.pv != nil {
					disks = append(disks, d)
				}
			}
			sort.Slice(disks, func(i, j int) bool { return disks[i].path < disks[j].path })
		}
		for _, p := range a.ops {
			d := n.findDisk(p, false)
			if d == nil || d.pv == nil {
				return fail(5, fmt.Sprintf("  Failed to find physical volume \"%s\".\n", p))
			}
			disks = append(disks, d)
		}
		for _, d := range disks {
			rows = append(rows, n.pvRow(d, size))
		}
	case "vgs":
		names := a.ops
		if len(names) == 0 {
			names = sortedKeys(n.vgs)
		}
		for _, name := range names {
			v := n.vgs[name]
			if v == nil {
				return vgNotFound(name)
			}
			r := n.vgRow(v, size)
			if d := n.disks[v.pvPath]; d != nil {
				for k, x := range n.pvRow(d, size) {
					if _, set := r[k]; !set {
						r[k] = x
					}
				}
			}
			rows = append(rows, r)
		}
	case "lvs":
		type pair struct {
			v *vg
			l *lv
		}
		var lvs []pair
		if len(a.ops) == 0 {
			for _, name := range sortedKeys(n.vgs) {
				v := n.vgs[name]
				sorted := append([]*lv(nil), v.lvs...)
				sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
				for _, l := range sorted {
					lvs = append(lvs, pair{v, l})
				}
			}
		}
		for _, op := range a.ops {
			vgName, lvName, split := splitVGLV(op)
			v := n.vgs[vgName]
			if v == nil {
				return vgNotFound(vgName)
			}
			if !split {
				for _, l := range v.lvs {
					lvs = append(lvs, pair{v, l})
				}
				continue
			}
			l := v.lv(lvName)
			if l == nil {
				return fail(5, fmt.Sprintf("  Failed to find logical volume \"%s/%s\"\n", vgName, lvName))
			}
			lvs = append(lvs, pair{v, l})
		}
		for _, p := range lvs {
			rows = append(rows, n.lvRow(p.v, p.l, size))
		}
	}
	format, _ := a.opt("--reportformat")
	if format == "json" {
		return ok(renderJSONReport(strings.TrimSuffix(sub, "s"), fields, rows))
	}
	return ok(renderTable(fields, rows, a.flag("--noheadings")))
}

func (n *node) pvRow(d *disk, size func(uint64) string) row {
	r := row{"pv_name": d.path, "pv_uuid": d.pv.uuid, "vg_name": d.pv.vg, "pv_fmt": "lvm2",
		"dev_size": size(d.sizeKiB), "pe_start": size(d.pv.peStartKiB)}
	if v := n.vgs[d.pv.vg]; v != nil {
		r["pv_attr"] = "a--"
		r["pv_size"] = size(v.totalExtents * v.extentKiB)
		r["pv_free"] = size(v.freeExtents() * v.extentKiB)
	} else {
		r["pv_attr"] = "---"
		r["pv_size"] = size(d.sizeKiB - d.pv.peStartKiB)
		r["pv_free"] = r["pv_size"]
	}
	return r
}

func (n *node) vgRow(v *vg, size func(uint64) string) row {
	return row{"vg_name": v.name, "vg_uuid": v.uuid, "pv_count": "1", "lv_count": strconv.Itoa(countVisible(v)),
		"snap_count": "0", "vg_attr": "wz--n-", "vg_size": size(v.totalExtents * v.extentKiB),
		"vg_free": size(v.freeExtents() * v.extentKiB), "vg_extent_size": size(v.extentKiB),
		"vg_extent_count": strconv.FormatUint(v.totalExtents, 10), "vg_free_count": strconv.FormatUint(v.freeExtents(), 10)}
}

func (n *node) lvRow(v *vg, l *lv, size func(uint64) string) row {
	r := row{"lv_name": l.name, "vg_name": v.name, "lv_size": size(l.sizeKiB), "pool_lv": l.pool, "origin": v.origin(l),
		"data_percent": "", "metadata_percent": "", "move_pv": "", "mirror_log": "", "copy_percent": "", "convert_lv": "",
		"lv_uuid": l.uuid.String(), "thin_count": "", "lv_path": "/dev/" + v.name + "/" + l.name,
		"lv_dm_path": "/dev/mapper/" + mapperName(v.name, l.name)}
	switch l.kind {
	case lvPool:
		r["lv_attr"] = "twi-aotz--"
		r["data_percent"] = "0.00"
		r["metadata_percent"] = "10.55"
		if used := v.thinCount(l.name); used > 0 {
			r["data_percent"] = "6.49"
		}
		r["thin_count"] = strconv.Itoa(v.thinCount(l.name))
	case lvThin:
		switch {
		case n.lvMounted(v, l):
			r["lv_attr"] = "Vwi-aotz--"
		case l.active:
			r["lv_attr"] = "Vwi-a-tz--"
		default:
			r["lv_attr"] = "Vwi---tz--"
		}
		if l.active {
			r["data_percent"] = "0.00"
			if l.fs != nil {
				r["data_percent"] = "6.49"
			}
		}
	default:
		r["lv_attr"] = "-wi-a-----"
		if n.lvMounted(v, l) {
			r["lv_attr"] = "-wi-ao----"
		}
	}
	return r
}

// renderJSONReport renders an LVM --reportformat json report, byte for byte
// in LVM's layout.
func renderJSONReport(key string, fields []string, rows []row) string {
	var b strings.Builder
	b.WriteString("  {\n      \"report\": [\n          {\n              \"" + key + "\": [\n")
	for i, r := range rows {
		b.WriteString("                  {")
		for j, f := range fields {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q:%q", f, r[f])
		}
		b.WriteString("}")
		if i < len(rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("              ]\n          }\n      ]\n  }\n")
	return b.String()
}

func renderTable(fields []string, rows []row, noHeadings bool) string {
	widths := make([]int, len(fields))
	for i, f := range fields {
		h := fieldHeadings[f]
		if h == "" {
			h = f
		}
		widths[i] = len(h)
		for _, r := range rows {
			widths[i] = max(widths[i], len(r[f]))
		}
	}
	var b strings.Builder
	line := func(vals func(i int) string) {
		b.WriteString(" ")
		for i, f := range fields {
			b.WriteString(" ")
			if rightAligned[f] {
				fmt.Fprintf(&b, "%*s", widths[i], vals(i))
			} else {
				fmt.Fprintf(&b, "%-*s", widths[i], vals(i))
			}
		}
		b.WriteString("\n")
	}
	if !noHeadings {
		line(func(i int) string {
			if h := fieldHeadings[fields[i]]; h != "" {
				return h
			}
			return fields[i]
		})
	}
	for _, r := range rows {
		line(func(i int) string { return r[fields[i]] })
	}
	out := b.String()
	// LVM trims trailing blanks of left-aligned last columns.
	lines := strings.Split(out, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}
