package fakeexec

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// node is the model of one storage node. Every field but pool is guarded by
// mu; pool is guarded by Fake.gmu.
type node struct {
	mu         sync.Mutex
	manage     string
	storage    string
	uuid       string
	glusterdUp bool
	autoDisk   uint64
	auto       bool // created by Options.AutoNodes
	ids        *idSource

	disks     map[string]*disk // by path as added
	diskOrder []*disk
	vgs       map[string]*vg
	root      *filesystem
	mounts    []*mount // modelled mounts (not the base system ones), in mount order
	mountIdx  map[string]*mount
	files     map[string]*textFile
	// bricks holds the paths served by running brick processes (started
	// volumes and activated snapshots), with a use count.
	bricks map[string]int
	// below counts running bricks and mounts under each directory (busy).
	below map[string]int

	pool *pool
}

type disk struct {
	path      string
	sizeKiB   uint64
	links     []string // udev symlinks without the /dev/ prefix
	signature string   // a non-LVM signature (e.g. "xfs"), or ""
	pv        *pv
}

type pv struct {
	uuid       string
	vg         string
	peStartKiB uint64
}

// mount is a filesystem mounted by a command: the filesystem of LV vg/lv at
// target. Its source device and type follow from those.
type mount struct {
	target string
	fs     *filesystem
	vg, lv string
}

// source returns the device mounted: /dev/mapper/<vg>-<lv>.
func (m *mount) source() string { return "/dev/mapper/" + mapperName(m.vg, m.lv) }

// fstype returns the type of the mounted filesystem.
func (m *mount) fstype() string { return m.fs.kind.String() }

const defaultFstab = "/dev/vda\t/\text4\tdefaults,errors=remount-ro\t0\t1"

// baseMounts is what `mount` lists on a fresh node before any brick mount
// (capture 20).
var baseMounts = []string{
	"sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)",
	"proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)",
	"udev on /dev type devtmpfs (rw,nosuid,relatime,size=982168k,nr_inodes=245542,mode=755,inode64)",
	"devpts on /dev/pts type devpts (rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000)",
	"tmpfs on /run type tmpfs (rw,nosuid,nodev,noexec,relatime,size=201212k,mode=755,inode64)",
	"/dev/vda on / type ext4 (rw,relatime,errors=remount-ro)",
	"securityfs on /sys/kernel/security type securityfs (rw,nosuid,nodev,noexec,relatime)",
	"tmpfs on /dev/shm type tmpfs (rw,nosuid,nodev,inode64)",
	"tmpfs on /run/lock type tmpfs (rw,nosuid,nodev,noexec,relatime,size=5120k,inode64)",
	"cgroup2 on /sys/fs/cgroup type cgroup2 (rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot)",
	"pstore on /sys/fs/pstore type pstore (rw,nosuid,nodev,noexec,relatime)",
	"bpf on /sys/fs/bpf type bpf (rw,nosuid,nodev,noexec,relatime,mode=700)",
	"systemd-1 on /proc/sys/fs/binfmt_misc type autofs (rw,relatime,fd=30,pgrp=1,timeout=0,minproto=5,maxproto=5,direct,pipe_ino=13813)",
	"hugetlbfs on /dev/hugepages type hugetlbfs (rw,relatime,pagesize=2M)",
	"mqueue on /dev/mqueue type mqueue (rw,nosuid,nodev,noexec,relatime)",
	"debugfs on /sys/kernel/debug type debugfs (rw,nosuid,nodev,noexec,relatime)",
	"tracefs on /sys/kernel/tracing type tracefs (rw,nosuid,nodev,noexec,relatime)",
	"ramfs on /run/credentials/systemd-sysusers.service type ramfs (ro,nosuid,nodev,noexec,relatime,mode=700)",
	"configfs on /sys/kernel/config type configfs (rw,nosuid,nodev,noexec,relatime)",
	"fusectl on /sys/fs/fuse/connections type fusectl (rw,nosuid,nodev,noexec,relatime)",
	"ramfs on /run/credentials/systemd-tmpfiles-setup-dev.service type ramfs (ro,nosuid,nodev,noexec,relatime,mode=700)",
	"ramfs on /run/credentials/systemd-tmpfiles-setup.service type ramfs (ro,nosuid,nodev,noexec,relatime,mode=700)",
	"binfmt_misc on /proc/sys/fs/binfmt_misc type binfmt_misc (rw,nosuid,nodev,noexec,relatime)",
	"ramfs on /run/credentials/systemd-sysctl.service type ramfs (ro,nosuid,nodev,noexec,relatime,mode=700)",
}

const xfsMountOpts = "rw,noatime,nouuid,attr2,inode64,logbufs=8,logbsize=256k,sunit=512,swidth=512,noquota"

func newNode(manage, storage string, autoDisk uint64, ids *idSource) *node {
	n := &node{
		ids:        ids,
		manage:     manage,
		storage:    storage,
		uuid:       ids.uuid(),
		glusterdUp: true,
		autoDisk:   autoDisk,
		disks:      map[string]*disk{},
		vgs:        map[string]*vg{},
		root:       newFS(fsExt4),
		files:      map[string]*textFile{"/etc/fstab": newTextFile(defaultFstab)},
		bricks:     map[string]int{},
		below:      map[string]int{},
		mountIdx:   map[string]*mount{},
	}
	for _, d := range []string{"/etc", "/var", "/var/lib", "/var/lib/glusterd", "/run", "/run/gluster", "/dev", "/tmp", "/usr", "/root", "/proc", "/sys"} {
		n.root.add(d)
	}
	return n
}

func (n *node) locked(fn func() output) output {
	n.mu.Lock()
	defer n.mu.Unlock()
	return fn()
}

func (n *node) addDisk(p string, sizeKiB uint64) *disk {
	if d, ok := n.disks[p]; ok {
		d.sizeKiB = sizeKiB
		return d
	}
	base := path.Base(p)
	d := &disk{path: p, sizeKiB: sizeKiB, links: []string{
		"disk/by-id/virtio-" + base,
		"disk/by-path/virtio-pci-fake-" + base,
	}}
	n.disks[p] = d
	n.diskOrder = append(n.diskOrder, d)
	return d
}

const pvUUIDPrefix = "/dev/disk/by-id/lvm-pv-uuid-"

// findDisk resolves a device path (the disk's own path, one of its udev
// symlinks or its PV uuid link) to a disk. With auto, an unknown plain /dev
// path becomes a disk of the node's auto size.
func (n *node) findDisk(p string, auto bool) *disk {
	if d, ok := n.disks[p]; ok {
		return d
	}
	if strings.HasPrefix(p, pvUUIDPrefix) {
		uuid := strings.TrimPrefix(p, pvUUIDPrefix)
		for _, d := range n.diskOrder {
			if d.pv != nil && d.pv.uuid == uuid {
				return d
			}
		}
		return nil
	}
	if strings.HasPrefix(p, "/dev/") {
		for _, d := range n.diskOrder {
			for _, l := range d.links {
				if "/dev/"+l == p {
					return d
				}
			}
		}
	}
	if auto && n.autoDisk > 0 && strings.HasPrefix(p, "/dev/") && !strings.HasPrefix(p, "/dev/mapper/") {
		if _, lv := n.lvByDev(p); lv == nil && path.Clean(p) == p {
			return n.addDisk(p, n.autoDisk)
		}
	}
	return nil
}

func (d *disk) symlinks() []string {
	out := append([]string(nil), d.links...)
	if d.pv != nil {
		out = append(out, "disk/by-id/lvm-pv-uuid-"+d.pv.uuid)
	}
	return out
}

// resolve finds the filesystem holding absolute path p and p's path inside
// that filesystem ("/" for its root; see filesystem).
func (n *node) resolve(p string) (*filesystem, string, *mount) {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	p = path.Clean(p)
	var best *mount
	if len(n.mountIdx) > 0 {
		for q := p; q != "/"; q = path.Dir(q) {
			if m := n.mountIdx[q]; m != nil {
				best = m
				break
			}
		}
	}
	if best == nil {
		return n.root, p, nil
	}
	// best.target is p or an ancestor of it.
	rel := p[len(best.target):]
	if rel == "" {
		rel = "/"
	}
	return best.fs, rel, best
}

func (n *node) dirExists(p string) bool {
	fs, rel, _ := n.resolve(p)
	return fs.get(rel) != nil
}

func (n *node) dirMeta(p string) *dirMeta {
	fs, rel, _ := n.resolve(p)
	return fs.get(rel)
}

// dirEmpty reports whether directory p has no entries.
func (n *node) dirEmpty(p string) bool {
	d := n.dirMeta(p)
	return d == nil || d.children == 0
}

// sharedPath returns the string the root filesystem holds for directory p
// when p is that directory's absolute, clean path, else a copy of p: a mount
// point kept by the model then costs no second copy of the path.
func (n *node) sharedPath(p string) string {
	if fs, rel, _ := n.resolve(p); fs == n.root {
		if d := fs.find(rel); d != nil && d.rel == p {
			return d.rel
		}
	}
	return strings.Clone(p)
}

func (n *node) mountAt(target string) *mount {
	return n.mountIdx[path.Clean(target)]
}

// addMount records a mount and marks its LV open.
func (n *node) addMount(m *mount) {
	n.mounts = append(n.mounts, m)
	n.mountIdx[m.target] = m
	n.addBelow(m.target, 1)
	if v := n.vgs[m.vg]; v != nil {
		if l := v.lv(m.lv); l != nil {
			l.mounted = true
		}
	}
}

// removeMount drops the mount at index i.
func (n *node) removeMount(i int) {
	m := n.mounts[i]
	n.mounts = append(n.mounts[:i], n.mounts[i+1:]...)
	delete(n.mountIdx, m.target)
	n.addBelow(m.target, -1)
	if v := n.vgs[m.vg]; v != nil {
		if l := v.lv(m.lv); l != nil {
			l.mounted = false
		}
	}
}

// mkdirAll creates p and its missing parents.
func (n *node) mkdirAll(p string) {
	p = path.Clean("/" + p)
	for i := 1; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			fs, rel, _ := n.resolve(p[:i])
			fs.add(rel)
		}
	}
}

func splitFlags(args []string) (flags map[string]bool, operands []string) {
	flags = map[string]bool{}
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags[a] = true
			continue
		}
		operands = append(operands, a)
	}
	return flags, operands
}

func (n *node) mkdir(args []string) output {
	flags, ops := splitFlags(args)
	parents := flags["-p"] || flags["--parents"]
	if len(ops) == 0 {
		return fail(1, "mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
	}
	var out output
	for _, p := range ops {
		if parents {
			n.mkdirAll(p)
			continue
		}
		if n.dirExists(p) {
			out.stderr += fmt.Sprintf("mkdir: cannot create directory ‘%s’: File exists\n", p)
			out.code = 1
			continue
		}
		if !n.dirExists(path.Dir(path.Clean(p))) {
			out.stderr += fmt.Sprintf("mkdir: cannot create directory ‘%s’: No such file or directory\n", p)
			out.code = 1
			continue
		}
		fs, rel, _ := n.resolve(p)
		fs.add(rel)
	}
	return out
}

func (n *node) rmdir(args []string) output {
	_, ops := splitFlags(args)
	if len(ops) == 0 {
		return fail(1, "rmdir: missing operand\nTry 'rmdir --help' for more information.\n")
	}
	var out output
	for _, p := range ops {
		cp := path.Clean(p)
		switch {
		case !n.dirExists(cp):
			out.stderr += fmt.Sprintf("rmdir: failed to remove '%s': No such file or directory\n", p)
			out.code = 1
		case n.mountAt(cp) != nil:
			out.stderr += fmt.Sprintf("rmdir: failed to remove '%s': Device or resource busy\n", p)
			out.code = 1
		case !n.dirEmpty(cp):
			out.stderr += fmt.Sprintf("rmdir: failed to remove '%s': Directory not empty\n", p)
			out.code = 1
		default:
			fs, rel, _ := n.resolve(cp)
			fs.remove(rel)
		}
	}
	return out
}

func (n *node) chown(args []string) output {
	_, ops := splitFlags(args)
	if len(ops) < 2 {
		return fail(1, "chown: missing operand\nTry 'chown --help' for more information.\n")
	}
	owner := ops[0]
	user, group, hasGroup := strings.Cut(owner, ":")
	var out output
	for _, p := range ops[1:] {
		m := n.dirMeta(p)
		if m == nil {
			out.stderr += fmt.Sprintf("chown: cannot access '%s': No such file or directory\n", p)
			out.code = 1
			continue
		}
		if user != "" {
			if uid, err := strconv.Atoi(user); err == nil {
				m.uid = uid
			} else if user != "root" {
				return fail(1, fmt.Sprintf("chown: invalid user: ‘%s’\n", owner))
			}
		}
		if hasGroup && group != "" {
			gid, err := strconv.Atoi(group)
			if err != nil {
				if group != "root" {
					return fail(1, fmt.Sprintf("chown: invalid group: ‘%s’\n", owner))
				}
			}
			m.gid = gid
		}
	}
	return out
}

func (n *node) chmod(args []string) output {
	_, ops := splitFlags(args)
	if len(ops) < 2 {
		return fail(1, "chmod: missing operand\nTry 'chmod --help' for more information.\n")
	}
	mode, err := strconv.ParseUint(ops[0], 8, 32)
	if err != nil {
		return fail(1, fmt.Sprintf("chmod: invalid mode: ‘%s’\nTry 'chmod --help' for more information.\n", ops[0]))
	}
	var out output
	for _, p := range ops[1:] {
		m := n.dirMeta(p)
		if m == nil {
			out.stderr += fmt.Sprintf("chmod: cannot access '%s': No such file or directory\n", p)
			out.code = 1
			continue
		}
		m.mode = uint32(mode)
	}
	return out
}

func (n *node) mountLine(m *mount) string {
	return fmt.Sprintf("%s on %s type %s (%s)", m.source(), m.target, m.fstype(), xfsMountOpts)
}

// mount lists mounts (no operands, optionally -t TYPE) or mounts a device.
func (n *node) mount(args []string) output {
	var opts, fstype string
	var ops []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" && i+1 < len(args):
			opts = args[i+1]
			i++
		case a == "-t" && i+1 < len(args):
			fstype = args[i+1]
			i++
		case strings.HasPrefix(a, "-"):
		default:
			ops = append(ops, a)
		}
	}
	_ = opts
	if len(ops) == 0 {
		var b strings.Builder
		if fstype == "" {
			for _, l := range baseMounts {
				b.WriteString(l + "\n")
			}
		}
		for _, m := range n.mounts {
			if fstype == "" || fstype == m.fstype() {
				b.WriteString(n.mountLine(m) + "\n")
			}
		}
		return ok(b.String())
	}
	if len(ops) != 2 {
		return fail(1, "mount: bad usage\nTry 'mount --help' for more information.\n")
	}
	src, target := ops[0], path.Clean(ops[1])
	v, l := n.lvByDev(src)
	if l == nil {
		if d := n.findDisk(src, false); d != nil {
			return fail(32, fmt.Sprintf("mount: %s: wrong fs type, bad option, bad superblock on %s, missing codepage or helper program, or other error.\n       dmesg(1) may have more information after failed mount system call.\n", target, src))
		}
		return fail(32, fmt.Sprintf("mount: %s: special device %s does not exist.\n", target, src))
	}
	if !n.dirExists(target) {
		return fail(32, fmt.Sprintf("mount: %s: mount point does not exist.\n", target))
	}
	if l.fs == nil || (fstype != "" && fstype != l.fs.kind.String()) {
		return fail(32, fmt.Sprintf("mount: %s: wrong fs type, bad option, bad superblock on %s, missing codepage or helper program, or other error.\n       dmesg(1) may have more information after failed mount system call.\n", target, src))
	}
	if l.mounted {
		for _, m := range n.mounts {
			if m.vg == v.name && m.lv == l.name {
				return fail(32, fmt.Sprintf("mount: %s: %s already mounted on %s.\n", target, src, m.target))
			}
		}
	}
	if n.mountIdx[target] != nil {
		return fail(32, fmt.Sprintf("mount: %s: %s already mounted or mount point busy.\n", target, src))
	}
	n.addMount(&mount{target: n.sharedPath(target), fs: l.fs, vg: v.name, lv: l.name})
	l.active = true
	return ok("")
}

// busy reports whether something holds mount point target: a running brick
// process or another mount below it.
func (n *node) busy(target string) bool {
	return n.bricks[target] > 0 || n.below[target] > 0
}

// addBelow counts (delta +1) or uncounts (-1) a running brick or a mount at
// p in every ancestor directory of p, so busy needs no scan.
func (n *node) addBelow(p string, delta int) {
	for d := path.Dir(p); ; d = path.Dir(d) {
		if n.below[d] += delta; n.below[d] <= 0 {
			delete(n.below, d)
		}
		if d == "/" || d == "." {
			return
		}
	}
}

// brickUp and brickDown start and stop one brick process serving p.
func (n *node) brickUp(p string) {
	if n.bricks[p]++; n.bricks[p] == 1 {
		n.addBelow(p, 1)
	}
}

func (n *node) brickDown(p string) {
	if n.bricks[p] > 1 {
		n.bricks[p]--
		return
	}
	if _, ok := n.bricks[p]; ok {
		delete(n.bricks, p)
		n.addBelow(p, -1)
	}
}

func (n *node) umount(args []string) output {
	_, ops := splitFlags(args)
	if len(ops) == 0 {
		return fail(1, "Usage:\n umount [-hV]\n umount -a [options]\n umount [options] <source> | <directory>\n")
	}
	var out output
	for _, p := range ops {
		cp := path.Clean(p)
		idx := -1
		switch m := n.mountIdx[cp]; {
		case strings.HasPrefix(cp, "/dev/"):
			// A device may be given instead of a mount point: the last
			// mount of it or at it.
			for i, x := range n.mounts {
				if x.target == cp || x.source() == cp {
					idx = i
				}
			}
		case m != nil:
			// The index holds the latest mount at cp; find it by identity,
			// not by comparing every mount's path.
			for i := len(n.mounts) - 1; i >= 0; i-- {
				if n.mounts[i] == m {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			out.code = 32
			if n.dirExists(cp) {
				out.stderr += fmt.Sprintf("umount: %s: not mounted.\n", p)
			} else {
				out.stderr += fmt.Sprintf("umount: %s: no mount point specified.\n", p)
			}
			continue
		}
		m := n.mounts[idx]
		if n.busy(m.target) {
			out.code = 32
			out.stderr += fmt.Sprintf("umount: %s: target is busy.\n", p)
			continue
		}
		n.removeMount(idx)
	}
	return out
}

// lsof lists processes using a path: brick processes of running bricks.
func (n *node) lsof(args []string) output {
	_, ops := splitFlags(args)
	var b strings.Builder
	for _, p := range ops {
		cp := path.Clean(p)
		for _, bp := range sortedKeys(n.bricks) {
			// lsof of a mount point lists every user of that filesystem;
			// of any other path only the users of that very path.
			_, _, bm := n.resolve(bp)
			if n.bricks[bp] > 0 && (bp == cp || (bm != nil && bm.target == cp)) {
				if b.Len() == 0 {
					b.WriteString("COMMAND    PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n")
				}
				fmt.Fprintf(&b, "glusterfs 970 root  cwd    DIR  253,4       40  128 %s\n", bp)
			}
		}
	}
	if b.Len() == 0 {
		return output{code: 1}
	}
	return ok(b.String())
}

// awk supports only the fstab append Heketi renders:
// awk "BEGIN {print \"<line>\" >> \"<file>\"}".
func (n *node) awk(args []string) output {
	if len(args) != 1 {
		return fail(2, "awk: unsupported usage in fakeexec\n")
	}
	prog := strings.TrimSpace(args[0])
	const head, sep, tail = `BEGIN {print "`, `" >> "`, `"}`
	if !strings.HasPrefix(prog, head) || !strings.HasSuffix(prog, tail) || !strings.Contains(prog, sep) {
		return fail(2, "awk: unsupported program in fakeexec: "+prog+"\n")
	}
	body := strings.TrimSuffix(strings.TrimPrefix(prog, head), tail)
	i := strings.LastIndex(body, sep)
	line, file := body[:i], body[i+len(sep):]
	// The file keeps the line as long as the node lives: its own copy, not
	// a piece of the program text.
	line = strings.Clone(strings.ReplaceAll(line, `\"`, `"`))
	if !n.dirExists(path.Dir(file)) {
		return fail(2, fmt.Sprintf("awk: cmd. line:1: fatal: can't redirect to `%s' (No such file or directory)\n", file))
	}
	f := n.files[file]
	if f == nil {
		f = newTextFile()
		n.files[file] = f
	}
	f.append(line)
	return ok("")
}

// sed supports in-place line deletion: sed -i[SUFFIX] "/REGEX/d" FILE.
func (n *node) sed(args []string) output {
	var suffix, script string
	inPlace := false
	var files []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "-i"):
			inPlace = true
			suffix = strings.TrimPrefix(a, "-i")
		case script == "":
			script = a
		default:
			files = append(files, a)
		}
	}
	if !inPlace || !strings.HasPrefix(script, "/") || !strings.HasSuffix(script, "/d") || len(script) < 3 || len(files) == 0 {
		return fail(1, "sed: unsupported usage in fakeexec\n")
	}
	pattern := script[1 : len(script)-2]
	var out output
	for _, file := range files {
		f, exists := n.files[file]
		if !exists {
			out.code = 2
			out.stderr += fmt.Sprintf("sed: can't read %s: No such file or directory\n", file)
			continue
		}
		if suffix != "" {
			n.files[file+suffix] = f.backup(n.files[file+suffix])
		}
		f.deleteMatching(pattern)
	}
	return out
}

// basicRegexMatch matches the literal patterns Heketi uses (brick_<id>);
// regular-expression metacharacters other than '.' are taken literally.
func basicRegexMatch(pattern, s string) bool {
	if !strings.Contains(pattern, ".") {
		return strings.Contains(s, pattern)
	}
	for i := 0; i+len(pattern) <= len(s); i++ {
		match := true
		for j := 0; j < len(pattern); j++ {
			if pattern[j] != '.' && pattern[j] != s[i+j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func (n *node) cat(args []string) output {
	_, ops := splitFlags(args)
	var out output
	var b strings.Builder
	for _, f := range ops {
		file, exists := n.files[f]
		if !exists {
			out.code = 1
			out.stderr += fmt.Sprintf("cat: %s: No such file or directory\n", f)
			continue
		}
		for _, l := range file.Lines() {
			b.WriteString(l + "\n")
		}
	}
	out.stdout = b.String()
	return out
}

func (n *node) udevadm(args []string) output {
	if len(args) == 0 || args[0] != "info" {
		return fail(1, "udevadm: unsupported usage in fakeexec\n")
	}
	var query, name string
	for _, a := range args[1:] {
		switch {
		case strings.HasPrefix(a, "--query="):
			query = strings.TrimPrefix(a, "--query=")
		case strings.HasPrefix(a, "--name="):
			name = strings.TrimPrefix(a, "--name=")
		}
	}
	d := n.findDisk(name, true)
	if d == nil {
		if v, l := n.lvByDev(name); l != nil {
			if query == "symlink" {
				return ok(fmt.Sprintf("%s/%s mapper/%s disk/by-id/dm-name-%s\n", v.name, l.name, mapperName(v.name, l.name), mapperName(v.name, l.name)))
			}
			return ok("")
		}
		return fail(1, fmt.Sprintf("Unknown device \"%s\": No such device\n", name))
	}
	switch query {
	case "symlink":
		return ok(strings.Join(d.symlinks(), " ") + "\n")
	case "name":
		return ok(strings.TrimPrefix(d.path, "/dev/") + "\n")
	case "path":
		return ok("/devices/virtual/block/" + path.Base(d.path) + "\n")
	}
	return fail(1, "udevadm: unsupported query in fakeexec\n")
}

func (n *node) wipefs(f *Fake, args []string) output {
	_, ops := splitFlags(args)
	var out output
	for _, p := range ops {
		d := n.findDisk(p, true)
		if d == nil {
			out.code = 1
			out.stderr += fmt.Sprintf("wipefs: error: %s: probing initialization failed: No such file or directory\n", p)
			continue
		}
		if d.pv != nil && d.pv.vg != "" {
			if v := n.vgs[d.pv.vg]; v != nil && len(v.lvs) > 0 {
				out.code = 1
				out.stderr += fmt.Sprintf("wipefs: error: %s: probing initialization failed: Device or resource busy\n", p)
				continue
			}
			delete(n.vgs, d.pv.vg)
		}
		if d.pv != nil {
			out.stdout += fmt.Sprintf("%s: 8 bytes were erased at offset 0x00000218 (LVM2_member): 4c 56 4d 32 20 30 30 31\n", d.path)
			d.pv = nil
		}
		if d.signature != "" {
			out.stdout += fmt.Sprintf("%s: 4 bytes were erased at offset 0x00000000 (%s): 58 46 53 42\n", d.path, d.signature)
			d.signature = ""
		}
	}
	return out
}

func (n *node) systemctl(args []string) output {
	_, ops := splitFlags(args)
	if len(ops) < 2 {
		return fail(1, "Too few arguments.\n")
	}
	verb, unit := ops[0], strings.TrimSuffix(ops[1], ".service")
	if unit != "glusterd" {
		return fail(4, fmt.Sprintf("Unit %s.service could not be found.\n", unit))
	}
	switch verb {
	case "start":
		n.glusterdUp = true
		return ok("")
	case "stop":
		n.glusterdUp = false
		return ok("")
	case "restart":
		n.glusterdUp = true
		return ok("")
	case "is-active":
		if n.glusterdUp {
			return ok("active\n")
		}
		return output{stdout: "inactive\n", code: 3}
	case "status":
		if n.glusterdUp {
			return ok(fmt.Sprintf(glusterdActive, n.manage))
		}
		return output{stdout: fmt.Sprintf(glusterdInactive, n.manage), code: 3}
	case "enable", "disable":
		return ok("")
	}
	return fail(1, fmt.Sprintf("Unknown command verb %s.\n", verb))
}

const glusterdActive = `● glusterd.service - GlusterFS, a clustered file-system server
     Loaded: loaded (/lib/systemd/system/glusterd.service; enabled; preset: enabled)
     Active: active (running) since Mon 2026-11-23 23:21:41 UTC; 3s ago
       Docs: man:glusterd(8)
    Process: 849 ExecStart=/usr/sbin/glusterd -p /var/run/glusterd.pid --log-level $LOG_LEVEL $GLUSTERD_OPTIONS (code=exited, status=0/SUCCESS)
   Main PID: 850 (glusterd)
      Tasks: 9 (limit: 2301)
     Memory: 12.9M
        CPU: 408ms
     CGroup: /system.slice/glusterd.service
             └─850 /usr/sbin/glusterd -p /var/run/glusterd.pid --log-level INFO

Nov 23 23:21:40 %[1]s systemd[1]: Starting glusterd.service - GlusterFS, a clustered file-system server...
Nov 23 23:21:41 %[1]s systemd[1]: Started glusterd.service - GlusterFS, a clustered file-system server.
`

const glusterdInactive = `○ glusterd.service - GlusterFS, a clustered file-system server
     Loaded: loaded (/lib/systemd/system/glusterd.service; enabled; preset: enabled)
     Active: inactive (dead)
       Docs: man:glusterd(8)

Nov 23 23:25:33 %[1]s systemd[1]: Stopping glusterd.service - GlusterFS, a clustered file-system server...
Nov 23 23:25:33 %[1]s systemd[1]: glusterd.service: Deactivated successfully.
Nov 23 23:25:33 %[1]s systemd[1]: Stopped glusterd.service - GlusterFS, a clustered file-system server.
`

// sortedMounts returns mount targets in lexical order.
func (n *node) sortedMounts() []*mount {
	out := append([]*mount(nil), n.mounts...)
	sort.Slice(out, func(i, j int) bool { return out[i].target < out[j].target })
	return out
}

// mkfsXFS makes an XFS filesystem on an LV (or refuses like mkfs.xfs).
func (n *node) mkfsXFS(args []string) output {
	force := false
	var dev string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-f":
			force = true
		case a == "-i" || a == "-n" || a == "-d" || a == "-l" || a == "-b" || a == "-L" || a == "-m" || a == "-s":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			dev = a
		}
	}
	if dev == "" {
		return fail(1, "No device name specified\nUsage: mkfs.xfs [options] <device>\n")
	}
	v, l := n.lvByDev(dev)
	if l == nil {
		if d := n.findDisk(dev, false); d != nil {
			if d.pv != nil && !force {
				return fail(1, fmt.Sprintf("mkfs.xfs: %s appears to contain an existing filesystem (LVM2_member).\nmkfs.xfs: Use the -f option to force overwrite.\n", dev))
			}
			d.pv = nil
			d.signature = "xfs"
			return ok(mkfsOutput(dev, d.sizeKiB))
		}
		return fail(1, fmt.Sprintf("Error accessing specified device %s: No such file or directory\nUsage: mkfs.xfs [options] <device>\n", dev))
	}
	if l.kind == lvPool {
		return fail(1, fmt.Sprintf("Error accessing specified device %s: No such file or directory\nUsage: mkfs.xfs [options] <device>\n", dev))
	}
	if n.lvMounted(v, l) {
		return fail(1, fmt.Sprintf("mkfs.xfs: %s contains a mounted filesystem\nUsage: mkfs.xfs [options] <device>\n", dev))
	}
	if l.fs != nil && !force {
		return fail(1, fmt.Sprintf("mkfs.xfs: %s appears to contain an existing filesystem (xfs).\nmkfs.xfs: Use the -f option to force overwrite.\n", dev))
	}
	l.fs = newFS(fsXFS)
	return ok(mkfsOutput(dev, l.sizeKiB))
}

func mkfsOutput(dev string, sizeKiB uint64) string {
	blocks := sizeKiB / 4
	return fmt.Sprintf(`meta-data=%s isize=512    agcount=8, agsize=%d blks
         =                       sectsz=512   attr=2, projid32bit=1
         =                       crc=1        finobt=1, sparse=1, rmapbt=0
         =                       reflink=1    bigtime=1 inobtcount=1 nrext64=0
data     =                       bsize=4096   blocks=%d, imaxpct=25
         =                       sunit=64     swidth=64 blks
naming   =version 2              bsize=8192   ascii-ci=0, ftype=1
log      =internal log           bsize=4096   blocks=16384, version=2
         =                       sectsz=512   sunit=64 blks, lazy-count=1
realtime =none                   extsz=4096   blocks=0, rtextents=0
Discarding blocks...Done.
`, dev, blocks/8, blocks)
}
