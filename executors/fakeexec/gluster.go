package fakeexec

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pool is a gluster trusted storage pool and the state its members share.
type pool struct {
	members   []*node
	volumes   map[string]*volume
	snaps     map[string]*snapshot
	blocks    map[string]*blockVolume // by "<hosting volume>/<name>"
	snapLimit int
	bricks    brickIndex // every volume brick of the pool, for O(depth) overlap checks
}

// brickIndex finds volume bricks by node and path. exact holds each brick
// path; under counts, for every ancestor directory of a brick path, the
// bricks below it. Together they answer "does this path contain, or lie in,
// an existing brick" without scanning every volume.
type brickIndex struct {
	exact map[*node]map[string]*brick
	under map[*node]map[string]int
}

func (ix *brickIndex) add(bs ...*brick) {
	if ix.exact == nil {
		ix.exact, ix.under = map[*node]map[string]*brick{}, map[*node]map[string]int{}
	}
	for _, b := range bs {
		if ix.exact[b.n] == nil {
			ix.exact[b.n], ix.under[b.n] = map[string]*brick{}, map[string]int{}
		}
		ix.exact[b.n][b.path] = b
		for d := path.Dir(b.path); ; d = path.Dir(d) {
			ix.under[b.n][d]++
			if d == "/" || d == "." {
				break
			}
		}
	}
}

func (ix *brickIndex) remove(bs ...*brick) {
	for _, b := range bs {
		if ix.exact[b.n] == nil || ix.exact[b.n][b.path] != b {
			continue
		}
		delete(ix.exact[b.n], b.path)
		for d := path.Dir(b.path); ; d = path.Dir(d) {
			if ix.under[b.n][d]--; ix.under[b.n][d] <= 0 {
				delete(ix.under[b.n], d)
			}
			if d == "/" || d == "." {
				break
			}
		}
	}
}

// overlaps reports whether p on n is, contains, or lies in a brick other than
// ignore.
func (ix *brickIndex) overlaps(n *node, p string, ignore *brick) bool {
	for q := p; ; q = path.Dir(q) {
		if b := ix.exact[n][q]; b != nil && b != ignore {
			return true
		}
		if q == "/" || q == "." {
			break
		}
	}
	below := ix.under[n][p]
	if ignore != nil && ignore.n == n && strings.HasPrefix(ignore.path, p+"/") {
		below--
	}
	return below > 0
}

type volume struct {
	name       string
	id         rawUUID
	replica    int
	arbiter    int
	disperse   int
	redundancy int
	bricks     []*brick
	// The volume's options, most recently added first, are own (those set
	// after creation) followed by defaults (those gluster gave it at
	// creation). defaults is a list shared by many volumes until one of
	// them changes a default's value; see setOption.
	own      []Option
	defaults []Option
	heal     map[string]string // brick name -> numberOfEntries override
	started  bool
	// everStarted distinguishes a stopped volume ("Stopped") from one never
	// started ("Created"), as gluster's volume info does.
	everStarted bool
}

type brick struct {
	host string
	path string
	n    *node
}

func (b *brick) name() string { return b.host + ":" + b.path }

type snapshot struct {
	name    string
	uuid    string
	volID   string // snapshot volume id without dashes
	origin  string
	bricks  []snapBrick
	active  bool
	created time.Time
}

// snapBrick is one brick of a snapshot or clone: an LV in the original
// brick's thin pool, mounted under /run/gluster/snaps/<id>/brick<N>.
type snapBrick struct {
	n      *node
	host   string
	vg     string
	lv     string
	mount  string // mount point
	subdir string // brick directory relative to the mount point ("/brick")
}

func (s snapBrick) brickPath() string { return s.mount + s.subdir }

func newPool(n *node) *pool {
	return &pool{members: []*node{n}, volumes: map[string]*volume{}, snaps: map[string]*snapshot{}, blocks: map[string]*blockVolume{}}
}

// poolOf returns n's pool, creating it on first use: a single-member pool,
// or for nodes made by AutoNodes the pool all auto nodes share. Callers hold
// f.gmu.
func (f *Fake) poolOf(n *node) *pool {
	if n.pool != nil {
		return n.pool
	}
	if n.auto {
		if f.autoPool == nil {
			f.autoPool = newPool(n)
		} else {
			f.autoPool.members = append(f.autoPool.members, n)
		}
		n.pool = f.autoPool
		return n.pool
	}
	n.pool = newPool(n)
	return n.pool
}

// adopt handles AutoNodes' blind spot: an auto node is created under its
// manage hostname and cannot know its storage hostname, so a brick host that
// names no node holding the brick directory is matched by the directory
// itself. The node found takes host as its storage hostname, and an empty
// auto node created under that name (by a peer probe) is dropped. Callers
// hold f.gmu.
func (c *gcli) adopt(host, p string) *node {
	if !c.f.opts.AutoNodes {
		return nil
	}
	var found *node
	for _, m := range c.f.allNodes() {
		if m.auto && withNode(m, func() bool { return m.dirExists(p) }) {
			found = m
			break
		}
	}
	if found == nil || c.f.poolOf(found) != c.p {
		return nil
	}
	c.f.mu.Lock()
	for i := 0; i < len(c.f.order); i++ {
		x := c.f.order[i]
		if x != found && x.auto && (x.manage == host || x.storage == host) && withNode(x, func() bool { return len(x.disks) == 0 && len(x.vgs) == 0 }) {
			delete(c.f.nodes, x.manage)
			c.f.order = append(c.f.order[:i], c.f.order[i+1:]...)
			i--
			if x.pool != nil {
				for j, m := range x.pool.members {
					if m == x {
						x.pool.members = append(x.pool.members[:j], x.pool.members[j+1:]...)
						break
					}
				}
			}
		}
	}
	found.mu.Lock()
	found.storage = host
	found.mu.Unlock()
	c.f.mu.Unlock()
	return found
}

func (p *pool) member(host string) *node {
	for _, m := range p.members {
		if m.storage == host || m.manage == host {
			return m
		}
	}
	return nil
}

func (p *pool) sortedVolumes() []*volume {
	out := make([]*volume, 0, len(p.volumes))
	for _, name := range sortedKeys(p.volumes) {
		out = append(out, p.volumes[name])
	}
	return out
}

func withNode[T any](n *node, fn func() T) T {
	n.mu.Lock()
	defer n.mu.Unlock()
	return fn()
}

func nodeUp(n *node) bool { return withNode(n, func() bool { return n.glusterdUp }) }

const connFailed = "Connection failed. Please check if gluster daemon is operational.\n"

// gluster runs the gluster CLI on n.
func (f *Fake) gluster(n *node, args []string) output {
	isXML := false
	var rest []string
	for i, a := range args {
		switch {
		case a == "--xml":
			isXML = true
		case strings.HasPrefix(a, "--") && len(rest) == 0:
		default:
			rest = append(rest, args[i])
		}
	}
	f.gmu.Lock()
	defer f.gmu.Unlock()
	if !nodeUp(n) {
		return output{stdout: connFailed, code: 1}
	}
	c := &gcli{f: f, n: n, p: f.poolOf(n), xml: isXML}
	if len(rest) == 0 {
		return fail(1, "unrecognized word: (position 0)\n")
	}
	switch rest[0] {
	case "peer":
		return c.peer(rest[1:])
	case "pool":
		return c.poolList()
	case "volume":
		return c.volume(rest[1:])
	case "snapshot":
		return c.snapshot(rest[1:])
	}
	return fail(1, fmt.Sprintf("unrecognized word: %s (position 0)\n", rest[0]))
}

// gcli is one gluster CLI invocation.
type gcli struct {
	f   *Fake
	n   *node
	p   *pool
	xml bool
}

const xmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cliOutput>\n"

func xmlOK(body string) string {
	return xmlHead + "  <opRet>0</opRet>\n  <opErrno>0</opErrno>\n  <opErrstr/>\n" + body + "</cliOutput>\n"
}

func xmlErr(errno int, msg, body string) string {
	return xmlHead + fmt.Sprintf("  <opRet>-1</opRet>\n  <opErrno>%d</opErrno>\n  <opErrstr>%s</opErrstr>\n", errno, esc(msg)) + body + "</cliOutput>\n"
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// failed reports a failed operation: "<op>: failed: <msg>" on stderr, or the
// XML error document with --xml.
func (c *gcli) failed(prefix, msg string) output {
	if c.xml {
		return output{stdout: xmlErr(30800, msg, ""), code: 1}
	}
	return fail(1, prefix+": failed: "+msg+"\n")
}

func (c *gcli) peer(args []string) output {
	if len(args) == 0 {
		return fail(1, "unrecognized command\n")
	}
	switch args[0] {
	case "probe":
		if len(args) < 2 {
			return fail(1, "Usage:\npeer probe { <HOSTNAME> | <IP-address> }\n")
		}
		host := args[1]
		if host == c.n.storage || host == c.n.manage || host == "localhost" {
			return ok("peer probe: Probe on localhost not needed\n")
		}
		t := c.f.lookup(host, true)
		if t == nil || !nodeUp(t) {
			return fail(1, "peer probe: failed: Probe returned with Transport endpoint is not connected\n")
		}
		tp := c.f.poolOf(t)
		if tp == c.p {
			return ok(fmt.Sprintf("peer probe: Host %s port 24007 already in peer list\n", host))
		}
		if len(tp.members) > 1 || len(tp.volumes) > 0 {
			return fail(1, fmt.Sprintf("peer probe: failed: %s is either already part of another cluster or having volumes configured\n", host))
		}
		c.p.members = append(c.p.members, t)
		t.pool = c.p
		return ok("peer probe: success\n")
	case "detach":
		if len(args) < 2 {
			return fail(1, "Usage:\npeer detach { <HOSTNAME> | <IP-address> } [force]\n")
		}
		host := args[1]
		t := c.p.member(host)
		if t == nil {
			return fail(1, fmt.Sprintf("peer detach: failed: %s is not part of cluster\n", host))
		}
		if t == c.n {
			return fail(1, fmt.Sprintf("peer detach: failed: %s is localhost\n", host))
		}
		for _, v := range c.p.volumes {
			for _, b := range v.bricks {
				if b.n == t {
					return fail(1, fmt.Sprintf("peer detach: failed: Peer %s hosts one or more bricks. If the peer is in not recoverable state then use either replace-brick or remove-brick command with force to remove all bricks from the peer and attempt the peer detach again.\n", host))
				}
			}
		}
		for i, m := range c.p.members {
			if m == t {
				c.p.members = append(c.p.members[:i], c.p.members[i+1:]...)
				break
			}
		}
		t.pool = nil
		return ok("peer detach: success\n")
	case "status":
		var b strings.Builder
		fmt.Fprintf(&b, "Number of Peers: %d\n", len(c.p.members)-1)
		for _, m := range c.p.members {
			if m == c.n {
				continue
			}
			state := "Connected"
			if !nodeUp(m) {
				state = "Disconnected"
			}
			fmt.Fprintf(&b, "\nHostname: %s\nUuid: %s\nState: Peer in Cluster (%s)\n", m.storage, m.uuid, state)
		}
		return ok(b.String())
	}
	return fail(1, "unrecognized word: "+args[0]+" (position 1)\n")
}

func (c *gcli) poolList() output {
	members := append([]*node(nil), c.p.members...)
	sort.SliceStable(members, func(i, j int) bool { return members[j] == c.n && members[i] != c.n })
	if c.xml {
		var b strings.Builder
		b.WriteString("  <peerStatus>\n")
		for _, m := range members {
			host := m.storage
			if m == c.n {
				host = "localhost"
			}
			conn := 1
			if !nodeUp(m) {
				conn = 0
			}
			fmt.Fprintf(&b, "    <peer>\n      <uuid>%s</uuid>\n      <hostname>%s</hostname>\n      <connected>%d</connected>\n    </peer>\n", m.uuid, esc(host), conn)
		}
		b.WriteString("  </peerStatus>\n")
		return ok(xmlOK(b.String()))
	}
	var b strings.Builder
	b.WriteString("UUID\t\t\t\t\tHostname \tState\n")
	for _, m := range members {
		host, state := m.storage, "Connected"
		if m == c.n {
			host = "localhost"
		}
		if !nodeUp(m) {
			state = "Disconnected"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s \n", m.uuid, host, state)
	}
	return ok(b.String())
}

// volume layout keywords parsed from create/add-brick.
type layout struct {
	replica, arbiter, disperse, data, redundancy int
	bricks                                       []string
	force                                        bool
}

func parseLayout(args []string) (layout, string) {
	var l layout
	num := func(i int) (int, bool) {
		if i >= len(args) {
			return 0, false
		}
		v, err := strconv.Atoi(args[i])
		return v, err == nil && v > 0
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v int
		var good bool
		switch a {
		case "replica", "arbiter", "disperse", "disperse-data", "redundancy", "stripe":
			v, good = num(i + 1)
			if !good {
				return l, fmt.Sprintf("%s count should be a number greater than 0", a)
			}
			i++
		case "transport":
			i++
			continue
		case "force":
			l.force = true
			continue
		default:
			if !strings.Contains(a, ":") {
				return l, fmt.Sprintf("wrong brick type: %s, use <HOSTNAME>:<export-dir-abs-path>", a)
			}
			if !strings.HasPrefix(a[strings.Index(a, ":")+1:], "/") {
				return l, fmt.Sprintf("wrong brick type: %s, use <HOSTNAME>:<export-dir-abs-path>", a)
			}
			l.bricks = append(l.bricks, a)
			continue
		}
		switch a {
		case "replica":
			l.replica = v
		case "arbiter":
			l.arbiter = v
		case "disperse":
			l.disperse = v
		case "disperse-data":
			l.data = v
		case "redundancy":
			l.redundancy = v
		case "stripe":
			return l, "stripe option not supported"
		}
	}
	if l.data > 0 {
		if l.redundancy == 0 {
			l.redundancy = 1
		}
		if l.disperse > 0 && l.disperse != l.data+l.redundancy {
			return l, "disperse count is not equal to sum of disperse-data and redundancy counts"
		}
		l.disperse = l.data + l.redundancy
	}
	if l.disperse > 0 && l.redundancy == 0 {
		l.redundancy = 1
	}
	if l.replica == 1 {
		return l, "replica count should be greater than 1"
	}
	if l.arbiter > 0 && (l.arbiter != 1 || l.replica != 3) {
		return l, "For arbiter configuration, replica count must be 3 and arbiter count must be 1. The 3rd brick of the replica will be the arbiter"
	}
	if l.disperse > 0 && (l.disperse < 3 || 2*l.redundancy >= l.disperse) {
		return l, "Cannot create a disperse volume with the given disperse/redundancy counts"
	}
	if len(l.bricks) == 0 {
		return l, "No bricks specified"
	}
	seen := map[string]bool{}
	for _, b := range l.bricks {
		if seen[b] {
			return l, "Found duplicate exports " + b
		}
		seen[b] = true
	}
	if leaf := l.leaf(); len(l.bricks)%leaf != 0 {
		kind := "replica"
		if l.disperse > 0 {
			kind = "disperse"
		}
		return l, fmt.Sprintf("number of bricks is not a multiple of %s count", kind)
	}
	return l, ""
}

func (l layout) leaf() int {
	switch {
	case l.replica > 0:
		return l.replica
	case l.disperse > 0:
		return l.disperse
	}
	return 1
}

// checkBricks validates new bricks against the pool: members, directories,
// bricks in use, root partition and same-server sets.
func (c *gcli) checkBricks(names []string, leaf int, kind string, force bool, ignore *brick) ([]*brick, string) {
	var out []*brick
	for _, name := range names {
		host, p, _ := strings.Cut(name, ":")
		p = path.Clean(p)
		m := c.p.member(host)
		if m == nil || !withNode(m, func() bool { return m.dirExists(p) }) {
			if a := c.adopt(host, p); a != nil {
				m = a
			}
		}
		if m == nil {
			return nil, fmt.Sprintf("Host %s is not in 'Peer in Cluster' state", host)
		}
		if !nodeUp(m) {
			return nil, fmt.Sprintf("Host %s not connected", host)
		}
		exists, onRoot := false, false
		withNode(m, func() bool {
			exists = m.dirExists(p)
			_, _, mnt := m.resolve(p)
			onRoot = mnt == nil
			return true
		})
		if !exists {
			return nil, fmt.Sprintf("Failed to create brick directory for brick %s:%s. Reason : No such file or directory ", host, p)
		}
		if c.p.bricks.overlaps(m, p, ignore) {
			return nil, fmt.Sprintf("Brick: %s not available. Brick may be containing or be contained by an existing brick.", name)
		}
		if onRoot && !force {
			return nil, fmt.Sprintf("The brick %s is being created in the root partition. It is recommended that you don't use the system's root partition for storage backend. Or use 'force' at the end of the command if you want to override this behavior.", name)
		}
		out = append(out, &brick{host: host, path: p, n: m})
	}
	if leaf > 1 && !force {
		for i := 0; i+leaf <= len(out); i += leaf {
			seen := map[*node]bool{}
			for _, b := range out[i : i+leaf] {
				if seen[b.n] {
					return nil, fmt.Sprintf("Multiple bricks of a %s volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. ", kind)
				}
				seen[b.n] = true
			}
		}
	}
	return out, ""
}

func (v *volume) leaf() int {
	switch {
	case v.replica > 0:
		return v.replica
	case v.disperse > 0:
		return v.disperse
	}
	return 1
}

func (v *volume) kind() string {
	if v.disperse > 0 {
		return "disperse"
	}
	return "replicate"
}

// typeInfo returns gluster's type number and name.
func (v *volume) typeInfo() (int, string) {
	dist := len(v.bricks) / v.leaf()
	switch {
	case v.replica > 0 && dist > 1:
		return 7, "Distributed-Replicate"
	case v.replica > 0:
		return 2, "Replicate"
	case v.disperse > 0 && dist > 1:
		return 9, "Distributed-Disperse"
	case v.disperse > 0:
		return 4, "Disperse"
	}
	return 0, "Distribute"
}

// options returns the volume's options in gluster's order. The caller must
// not modify the list.
func (v *volume) options() []Option {
	if len(v.own) == 0 {
		return v.defaults
	}
	out := make([]Option, 0, len(v.own)+len(v.defaults))
	return append(append(out, v.own...), v.defaults...)
}

func (v *volume) option(name string) (string, bool) {
	for _, o := range v.options() {
		if o.Name == name {
			return o.Value, true
		}
	}
	return "", false
}

// setOption updates an option in place or puts a new one first, as glusterd
// lists the most recently added option first.
func (v *volume) setOption(name, value string) {
	for i := range v.own {
		if v.own[i].Name == name {
			v.own[i].Value = value
			return
		}
	}
	for i := range v.defaults {
		if v.defaults[i].Name == name {
			// Other volumes share the list: change a copy.
			v.defaults = slices.Clone(v.defaults)
			v.defaults[i].Value = value
			return
		}
	}
	v.own = append([]Option{{Name: name, Value: value}}, v.own...)
}

func (c *gcli) setBricksRunning(bricks []*brick, running bool) {
	for _, b := range bricks {
		withNode(b.n, func() bool {
			if running {
				b.n.brickUp(b.path)
			} else {
				b.n.brickDown(b.path)
			}
			return true
		})
	}
}

func (c *gcli) volume(args []string) output {
	if len(args) == 0 {
		return fail(1, "unrecognized command\n")
	}
	sub, args := args[0], args[1:]
	need := func(k int, usage string) (output, bool) {
		if len(args) < k {
			return fail(1, "Usage:\n"+usage+"\n"), false
		}
		return output{}, true
	}
	switch sub {
	case "create":
		if o, good := need(2, "volume create <NEW-VOLNAME> [replica <COUNT> [arbiter <COUNT>]] [disperse [<COUNT>]] [disperse-data <COUNT>] [redundancy <COUNT>] [transport <tcp|rdma|tcp,rdma>] <NEW-BRICK> ... [force]"); !good {
			return o
		}
		return c.volCreate(args[0], args[1:])
	case "add-brick":
		if o, good := need(2, "volume add-brick <VOLNAME> [<replica> <COUNT> [arbiter <COUNT>]] <NEW-BRICK> ... [force]"); !good {
			return o
		}
		return c.addBrick(args[0], args[1:])
	case "set":
		if o, good := need(3, "volume set <VOLNAME> <KEY> <VALUE>"); !good {
			return o
		}
		v := c.p.volumes[args[0]]
		if v == nil {
			return c.failed("volume set", fmt.Sprintf("Volume %s does not exist", args[0]))
		}
		// "group <name>" applies an option group file (/var/lib/glusterd/groups);
		// the model records the group itself.
		if !strings.Contains(args[1], ".") && args[1] != "group" {
			return c.failed("volume set", fmt.Sprintf("option : %s does not exist", args[1]))
		}
		v.setOption(args[1], strings.Join(args[2:], " "))
		return c.success("volume set: success\n", "volSet", "")
	case "start":
		if o, good := need(1, "volume start <VOLNAME> [force]"); !good {
			return o
		}
		return c.volStart(args[0], len(args) > 1 && args[1] == "force")
	case "stop":
		if o, good := need(1, "volume stop <VOLNAME> [force]"); !good {
			return o
		}
		name := args[0]
		v := c.p.volumes[name]
		prefix := "volume stop: " + name
		if v == nil {
			return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", name))
		}
		if !v.started {
			return c.failed(prefix, fmt.Sprintf("Volume %s is not in the started state", name))
		}
		v.started = false
		c.setBricksRunning(v.bricks, false)
		return c.success(prefix+": success\n", "volStop", volXML(v))
	case "delete":
		if o, good := need(1, "volume delete <VOLNAME>"); !good {
			return o
		}
		name := args[0]
		v := c.p.volumes[name]
		prefix := "volume delete: " + name
		if v == nil {
			return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", name))
		}
		if v.started {
			return c.failed(prefix, fmt.Sprintf("Volume %s has been started.Volume needs to be stopped before deletion.", name))
		}
		if n := c.snapCount(name); n > 0 {
			return c.failed(prefix, fmt.Sprintf("Cannot delete Volume %s ,as it has %d snapshots. To delete the volume, first delete all the snapshots under it.", name, n))
		}
		delete(c.p.volumes, name)
		c.p.bricks.remove(v.bricks...)
		return c.success(prefix+": success\n", "volDelete", volXML(v))
	case "info":
		return c.volInfo(args)
	case "status":
		return c.volStatus(args)
	case "heal":
		return c.heal(args)
	case "replace-brick":
		return c.replaceBrick(args)
	case "rebalance":
		return c.rebalance(args)
	case "list":
		names := sortedKeys(c.p.volumes)
		if len(names) == 0 {
			return ok("No volumes present in cluster\n")
		}
		return ok(strings.Join(names, "\n") + "\n")
	}
	return fail(1, fmt.Sprintf("unrecognized word: %s (position 1)\n", sub))
}

func volXML(v *volume) string {
	return fmt.Sprintf("    <volume>\n      <name>%s</name>\n      <id>%s</id>\n    </volume>\n", esc(v.name), v.id.String())
}

// success prints text, or with --xml a document with element tag holding body.
func (c *gcli) success(text, tag, body string) output {
	if !c.xml {
		return ok(text)
	}
	if body == "" {
		return ok(xmlOK(fmt.Sprintf("  <%s/>\n", tag)))
	}
	return ok(xmlOK(fmt.Sprintf("  <%s>\n%s  </%s>\n", tag, body, tag)))
}

func (c *gcli) snapCount(vol string) int {
	n := 0
	for _, s := range c.p.snaps {
		if s.origin == vol {
			n++
		}
	}
	return n
}

// The options gluster sets on a new volume, by kind of volume. Volumes share
// these lists (see volume.setOption).
var (
	replicateDefaults  = []Option{{"cluster.granular-entry-heal", "on"}, {"storage.fips-mode-rchecksum", "on"}, {"transport.address-family", "inet"}, {"nfs.disable", "on"}, {"performance.client-io-threads", "off"}}
	disperseDefaults   = []Option{{"storage.fips-mode-rchecksum", "on"}, {"transport.address-family", "inet"}, {"nfs.disable", "on"}, {"performance.client-io-threads", "off"}}
	distributeDefaults = []Option{{"storage.fips-mode-rchecksum", "on"}, {"transport.address-family", "inet"}, {"nfs.disable", "on"}}
)

func defaultOptions(l layout) []Option {
	switch {
	case l.replica > 0:
		return replicateDefaults
	case l.disperse > 0:
		return disperseDefaults
	}
	return distributeDefaults
}

func (c *gcli) volCreate(name string, args []string) output {
	prefix := "volume create: " + name
	l, bad := parseLayout(args)
	if bad != "" {
		return fail(1, bad+"\n")
	}
	if _, exists := c.p.volumes[name]; exists {
		return c.failed(prefix, fmt.Sprintf("Volume %s already exists", name))
	}
	kind := "replicate"
	if l.disperse > 0 {
		kind = "disperse"
	}
	bricks, msg := c.checkBricks(l.bricks, l.leaf(), kind, l.force, nil)
	if msg != "" {
		return c.failed(prefix, msg)
	}
	v := &volume{name: name, id: c.f.ids.newUUID(), replica: l.replica, arbiter: l.arbiter, disperse: l.disperse,
		redundancy: l.redundancy, bricks: bricks, defaults: defaultOptions(l)}
	if l.disperse == 0 {
		v.redundancy = 0
	}
	c.p.volumes[name] = v
	c.p.bricks.add(v.bricks...)
	return c.success(prefix+": success: please start the volume to access data\n", "volCreate", volXML(v))
}

func (c *gcli) addBrick(name string, args []string) output {
	prefix := "volume add-brick"
	v := c.p.volumes[name]
	if v == nil {
		return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", name))
	}
	l, bad := parseLayout(append([]string{}, args...))
	if bad != "" && !strings.HasPrefix(bad, "number of bricks") {
		return fail(1, bad+"\n")
	}
	if (l.replica > 0 && l.replica != v.replica) || l.disperse > 0 && l.disperse != v.disperse {
		return c.failed(prefix, "changing the replica or disperse count is not modelled by fakeexec")
	}
	if len(l.bricks)%v.leaf() != 0 {
		return c.failed(prefix, fmt.Sprintf("Incorrect number of bricks supplied %d with count %d", len(l.bricks), v.leaf()))
	}
	bricks, msg := c.checkBricks(l.bricks, v.leaf(), v.kind(), l.force, nil)
	if msg != "" {
		return c.failed(prefix, msg)
	}
	v.bricks = append(v.bricks, bricks...)
	c.p.bricks.add(bricks...)
	if v.started {
		c.setBricksRunning(bricks, true)
	}
	return c.success("volume add-brick: success\n", "volAddBrick", "")
}

func (c *gcli) volStart(name string, force bool) output {
	prefix := "volume start: " + name
	v := c.p.volumes[name]
	if v == nil {
		return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", name))
	}
	if v.started && !force {
		return c.failed(prefix, fmt.Sprintf("Volume %s already started", name))
	}
	for _, b := range v.bricks {
		if !withNode(b.n, func() bool { return b.n.dirExists(b.path) }) {
			return c.failed(prefix, fmt.Sprintf("Failed to find brick directory %s for volume %s. Reason : No such file or directory", b.name(), name))
		}
	}
	if !v.started {
		v.started = true
		v.everStarted = true
		c.setBricksRunning(v.bricks, true)
	}
	return c.success(prefix+": success\n", "volStart", volXML(v))
}

func (c *gcli) volInfo(args []string) output {
	var vols []*volume
	if len(args) > 0 && args[0] != "all" {
		v := c.p.volumes[args[0]]
		if v == nil {
			if c.xml {
				return ok(xmlErr(30806, "Volume does not exist", "  <volInfo>\n    <volumes>\n      <count>0</count>\n    </volumes>\n  </volInfo>\n"))
			}
			return fail(1, fmt.Sprintf("Volume %s does not exist\n", args[0]))
		}
		vols = []*volume{v}
	} else {
		vols = c.p.sortedVolumes()
	}
	if !c.xml {
		if len(vols) == 0 {
			return ok("No volumes present\n")
		}
		var b strings.Builder
		for _, v := range vols {
			_, typ := v.typeInfo()
			status := "Created"
			if v.started {
				status = "Started"
			} else if v.everStarted {
				status = "Stopped"
			}
			fmt.Fprintf(&b, "\nVolume Name: %s\nType: %s\nVolume ID: %s\nStatus: %s\nSnapshot Count: %d\nNumber of Bricks: %d x %d = %d\nTransport-type: tcp\nBricks:\n",
				v.name, typ, v.id.String(), status, c.snapCount(v.name), len(v.bricks)/v.leaf(), v.leaf(), len(v.bricks))
			for i, br := range v.bricks {
				fmt.Fprintf(&b, "Brick%d: %s\n", i+1, br.name())
			}
			b.WriteString("Options Reconfigured:\n")
			for _, o := range v.options() {
				fmt.Fprintf(&b, "%s: %s\n", o.Name, o.Value)
			}
		}
		return ok(b.String())
	}
	var b strings.Builder
	b.WriteString("  <volInfo>\n    <volumes>\n")
	for _, v := range vols {
		typ, typeStr := v.typeInfo()
		status, statusStr := 0, "Created"
		switch {
		case v.started:
			status, statusStr = 1, "Started"
		case v.everStarted:
			status, statusStr = 2, "Stopped"
		}
		replica := v.replica
		if replica == 0 {
			replica = 1
		}
		fmt.Fprintf(&b, "      <volume>\n        <name>%s</name>\n        <id>%s</id>\n        <status>%d</status>\n        <statusStr>%s</statusStr>\n        <snapshotCount>%d</snapshotCount>\n        <brickCount>%d</brickCount>\n        <distCount>%d</distCount>\n        <replicaCount>%d</replicaCount>\n        <arbiterCount>%d</arbiterCount>\n        <disperseCount>%d</disperseCount>\n        <redundancyCount>%d</redundancyCount>\n        <type>%d</type>\n        <typeStr>%s</typeStr>\n        <transport>0</transport>\n        <bricks>\n",
			esc(v.name), v.id.String(), status, statusStr, c.snapCount(v.name), len(v.bricks), len(v.bricks)/v.leaf(), replica, v.arbiter, v.disperse, v.redundancy, typ, typeStr)
		for i, br := range v.bricks {
			arb := 0
			if v.arbiter > 0 && i%v.replica == v.replica-1 {
				arb = 1
			}
			name := esc(br.name())
			fmt.Fprintf(&b, "          <brick uuid=\"%s\">%s<name>%s</name><hostUuid>%s</hostUuid><isArbiter>%d</isArbiter></brick>\n", br.n.uuid, name, name, br.n.uuid, arb)
		}
		opts := v.options()
		fmt.Fprintf(&b, "        </bricks>\n        <optCount>%d</optCount>\n        <options>\n", len(opts))
		for _, o := range opts {
			fmt.Fprintf(&b, "          <option>\n            <name>%s</name>\n            <value>%s</value>\n          </option>\n", esc(o.Name), esc(o.Value))
		}
		b.WriteString("        </options>\n      </volume>\n")
	}
	fmt.Fprintf(&b, "      <count>%d</count>\n    </volumes>\n  </volInfo>\n", len(vols))
	return ok(xmlOK(b.String()))
}

func port(s string) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return 49152 + int(h.Sum32()%16000)
}

func (c *gcli) volStatus(args []string) output {
	var vols []*volume
	if len(args) > 0 && args[0] != "all" {
		v := c.p.volumes[args[0]]
		if v == nil {
			if c.xml {
				return output{stdout: xmlErr(30806, fmt.Sprintf("Volume %s does not exist", args[0]), ""), code: 1}
			}
			return fail(1, fmt.Sprintf("Volume %s does not exist\n", args[0]))
		}
		if !v.started {
			if c.xml {
				return output{stdout: xmlErr(0, fmt.Sprintf("Volume %s is not started", v.name), ""), code: 1}
			}
			return fail(1, fmt.Sprintf("Volume %s is not started\n", v.name))
		}
		vols = []*volume{v}
	} else {
		for _, v := range c.p.sortedVolumes() {
			if v.started {
				vols = append(vols, v)
			}
		}
	}
	var b strings.Builder
	if len(vols) == 0 {
		if !c.xml {
			return ok("No volumes present\n")
		}
		return ok(xmlOK("  <volStatus>\n    <volumes/>\n  </volStatus>\n"))
	}
	if !c.xml {
		for _, v := range vols {
			fmt.Fprintf(&b, "Status of volume: %s\nGluster process                             TCP Port  RDMA Port  Online  Pid\n------------------------------------------------------------------------------\n", v.name)
			for _, br := range v.bricks {
				online := "Y"
				if !nodeUp(br.n) {
					online = "N"
				}
				fmt.Fprintf(&b, "Brick %s\n                                            %d     0          %s       %d\n", br.name(), port(br.name()), online, port(br.name())%30000)
			}
			b.WriteString("\nTask Status of Volume " + v.name + "\n------------------------------------------------------------------------------\nThere are no active volume tasks\n\n")
		}
		return ok(b.String())
	}
	b.WriteString("  <volStatus>\n    <volumes>\n")
	for _, v := range vols {
		type entry struct {
			host, path, peer string
			up               bool
			port             string
			pid              int
		}
		var entries []entry
		for _, br := range v.bricks {
			up := nodeUp(br.n)
			p := strconv.Itoa(port(br.name()))
			pid := port(br.name()) % 30000
			if !up {
				p, pid = "N/A", -1
			}
			entries = append(entries, entry{br.host, br.path, br.n.uuid, up, p, pid})
		}
		if v.replica > 0 || v.disperse > 0 {
			seen := map[*node]bool{}
			for _, br := range v.bricks {
				if seen[br.n] {
					continue
				}
				seen[br.n] = true
				where := br.host
				if br.n == c.n {
					where = "localhost"
				}
				entries = append(entries, entry{"Self-heal Daemon", where, br.n.uuid, nodeUp(br.n), "N/A", port(br.n.uuid) % 30000})
			}
		}
		fmt.Fprintf(&b, "      <volume>\n        <volName>%s</volName>\n        <nodeCount>%d</nodeCount>\n", esc(v.name), len(entries))
		for _, e := range entries {
			st := 0
			if e.up {
				st = 1
			}
			fmt.Fprintf(&b, "        <node>\n          <hostname>%s</hostname>\n          <path>%s</path>\n          <peerid>%s</peerid>\n          <status>%d</status>\n          <port>%s</port>\n          <ports>\n            <tcp>%s</tcp>\n            <rdma>N/A</rdma>\n          </ports>\n          <pid>%d</pid>\n        </node>\n",
				esc(e.host), esc(e.path), e.peer, st, e.port, e.port, e.pid)
		}
		b.WriteString("        <tasks/>\n      </volume>\n")
	}
	b.WriteString("    </volumes>\n  </volStatus>\n")
	return ok(xmlOK(b.String()))
}

func (c *gcli) heal(args []string) output {
	if len(args) < 2 || args[1] != "info" {
		return fail(1, "Usage:\nvolume heal <VOLNAME> [enable | disable | full |statistics [heal-count [replica <HOSTNAME:BRICKNAME>]] |info [summary | split-brain] |split-brain {bigger-file <FILE> | latest-mtime <FILE> |source-brick <HOSTNAME:BRICKNAME> [<FILE>]} |granular-entry-heal {enable | disable}]\n")
	}
	v := c.p.volumes[args[0]]
	if v == nil {
		if c.xml {
			return output{stdout: xmlErr(30806, fmt.Sprintf("Volume %s does not exist", args[0]), ""), code: 1}
		}
		return fail(1, fmt.Sprintf("Volume %s does not exist\nVolume heal failed.\n", args[0]))
	}
	if v.replica == 0 && v.disperse == 0 {
		msg := fmt.Sprintf("Volume %s is not of type replicate/disperse", v.name)
		if c.xml {
			return output{stdout: xmlErr(0, msg, ""), code: 1}
		}
		return fail(1, msg+"\nVolume heal failed.\n")
	}
	if !v.started {
		msg := fmt.Sprintf("Volume %s is not started.", v.name)
		if c.xml {
			return output{stdout: xmlErr(0, msg, ""), code: 1}
		}
		return fail(1, msg+"\nVolume heal failed.\n")
	}
	var b strings.Builder
	if c.xml {
		b.WriteString(xmlHead + "  <healInfo>\n    <bricks>\n")
	}
	for _, br := range v.bricks {
		status, entries := "Connected", "0"
		if !nodeUp(br.n) {
			status, entries = "Transport endpoint is not connected", "-"
		} else if e, set := v.heal[br.name()]; set {
			entries = e
		}
		if c.xml {
			fmt.Fprintf(&b, "      <brick hostUuid=\"%s\">\n        <name>%s</name>\n        <status>%s</status>\n        <numberOfEntries>%s</numberOfEntries>\n      </brick>\n", br.n.uuid, esc(br.name()), status, entries)
		} else {
			fmt.Fprintf(&b, "Brick %s\nStatus: %s\nNumber of entries: %s\n\n", br.name(), status, entries)
		}
	}
	if c.xml {
		b.WriteString("    </bricks>\n  </healInfo>\n  <opRet>0</opRet>\n  <opErrno>0</opErrno>\n  <opErrstr/>\n</cliOutput>\n")
	}
	return ok(b.String())
}

func (c *gcli) replaceBrick(args []string) output {
	prefix := "volume replace-brick"
	if len(args) != 5 || args[3] != "commit" || args[4] != "force" {
		return fail(1, "Usage:\nvolume replace-brick <VOLNAME> <SOURCE-BRICK> <NEW-BRICK> {commit force}\n")
	}
	v := c.p.volumes[args[0]]
	if v == nil {
		return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", args[0]))
	}
	idx := -1
	for i, b := range v.bricks {
		if b.name() == args[1] {
			idx = i
		}
	}
	if idx < 0 {
		return c.failed(prefix, fmt.Sprintf("brick: %s does not exist in volume: %s", args[1], v.name))
	}
	old := v.bricks[idx]
	nb, msg := c.checkBricks([]string{args[2]}, 1, v.kind(), true, old)
	if msg != "" {
		return c.failed(prefix, msg)
	}
	// Same-server check within the set, as gluster does without force.
	set := idx / v.leaf() * v.leaf()
	for i := set; i < set+v.leaf() && i < len(v.bricks); i++ {
		if i != idx && v.bricks[i].n == nb[0].n {
			return c.failed(prefix, fmt.Sprintf("Multiple bricks of a %s volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. ", v.kind()))
		}
	}
	if v.started {
		c.setBricksRunning([]*brick{old}, false)
		c.setBricksRunning(nb, true)
	}
	v.bricks[idx] = nb[0]
	c.p.bricks.remove(old)
	c.p.bricks.add(nb[0])
	return c.success("volume replace-brick: success: replace-brick commit force operation successful\n", "volReplaceBrick", "")
}

func (c *gcli) rebalance(args []string) output {
	if len(args) < 2 {
		return fail(1, "Usage:\nvolume rebalance <VOLNAME> {{fix-layout start} | {start [force]|stop|status}}\n")
	}
	v := c.p.volumes[args[0]]
	prefix := "volume rebalance: " + args[0]
	if v == nil {
		return c.failed(prefix, fmt.Sprintf("Volume %s does not exist", args[0]))
	}
	switch args[1] {
	case "start", "fix-layout":
		if !v.started {
			return c.failed(prefix, fmt.Sprintf("Volume %s needs to be started to perform rebalance", v.name))
		}
		if len(v.bricks)/v.leaf() < 2 {
			return c.failed(prefix, fmt.Sprintf("Volume %s is not a distribute volume or contains only 1 brick.\nNot performing rebalance", v.name))
		}
		return c.success(fmt.Sprintf("%s: success: Rebalance on %s has been started successfully. Use rebalance status command to check status of the rebalance process.\nID: %s\n", prefix, v.name, c.f.ids.uuid()), "volRebalance", "")
	case "status", "stop":
		return c.success(fmt.Sprintf("%s: success\n", prefix), "volRebalance", "")
	}
	return fail(1, "Usage:\nvolume rebalance <VOLNAME> {{fix-layout start} | {start [force]|stop|status}}\n")
}
