// Package fakeexec is an in-memory model of GlusterFS storage nodes that acts
// as an executors.Transport.
//
// The Fake receives the very command lines that executors/cmdexec renders for
// real nodes (lvm, udevadm, mkfs.xfs, mkdir, mount, umount, awk, sed,
// systemctl, gluster, gluster-block, ...), parses each one and applies it to a
// model of every node: disks, LVM physical volumes, volume groups, thin pools
// and thin LVs, XFS filesystems and their directories, mounts, fstab lines,
// glusterd state, trusted storage pools and the gluster volumes, snapshots and
// block volumes those pools share. Outputs, error texts and exit codes follow
// the captures of a real GlusterFS 10.3 / LVM2 2.03 node kept in
// shared/testdata/captures.
//
// It serves Basalt's `executor: mock` mode and every test that needs nodes. On
// top of the model it offers fault injection (Inject), a command log
// (Commands) and leak detection (Leaks) for rollback tests. A Fake is safe for
// concurrent use: each node has its own lock and gluster pool state has one
// more.
package fakeexec

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

var _ executors.Transport = (*Fake)(nil)

// ErrUnreachable is wrapped by the error Run returns when a host cannot be
// reached: it is not a known node (and Options.AutoNodes is off) or an
// injected fault marks it Unreachable.
var ErrUnreachable = errors.New("fakeexec: host unreachable")

// Options tune a Fake.
type Options struct {
	// AutoNodes makes an unknown host answer as a healthy node with glusterd
	// up, created on first use with the same manage and storage hostname.
	// Auto nodes share one trusted pool, and since an auto node cannot know
	// its storage hostname, a gluster brick "host:path" whose host names no
	// node holding path is matched to the auto node that has the directory,
	// which then takes host as its storage hostname.
	AutoNodes bool
	// AutoDiskSizeKiB, when not 0, makes any plain /dev path (not
	// /dev/mapper/..., not a PV uuid link) that is not yet known on a node
	// appear as a disk of this size (KiB), on every node.
	AutoDiskSizeKiB uint64
	// Latency is added to every command, for tests of pending operations.
	Latency time.Duration
	// Seed, when not 0, makes every generated id (PV, VG and LV uuids,
	// node, volume, snapshot and block ids) repeatable across runs that
	// issue the same commands in the same order.
	Seed uint64
	// LogLimit caps the command log; the oldest records are dropped first.
	// 0 means 100000, enough for tests and bounded for a long-running
	// `executor: mock` server.
	LogLimit int
}

// Fault changes the outcome of matching commands. See Fake.Inject.
type Fault struct {
	// Host is the manage hostname the fault applies to; "" means any host.
	Host string
	// Match is a regular expression matched against the command line; ""
	// matches every command.
	Match string
	// Nth fails only the Nth matching call (1-based); 0 means every call.
	Nth int
	// Times limits how many times the fault fires; 0 means unlimited.
	Times int
	// ExitStatus, Stdout and Stderr replace the command's outcome when any of
	// them is set; the command is then not applied to the model.
	ExitStatus int
	Stdout     string
	Stderr     string
	// Delay is slept before answering, honouring the context and the
	// per-command timeout. A fault with only a Delay runs the real command
	// afterwards.
	Delay time.Duration
	// Hold, when set, keeps the command waiting until the channel is closed
	// (or the context ends), after any Delay. Tests use it to catch an
	// operation in flight without depending on how fast the machine is.
	Hold <-chan struct{}
	// Reached, when set, is sent a value each time the fault fires, before
	// any Delay or Hold, so a test can wait until an operation has
	// certainly got to the command. The send waits for a receiver or the
	// end of the context; give the channel a buffer if not every firing is
	// received.
	Reached chan<- struct{}
	// Unreachable makes the transport itself fail, as if the host were down.
	Unreachable bool
}

// Record is one command the Fake received, as kept in the command log.
type Record struct {
	Host       string
	Command    string
	ExitStatus int
	Stdout     string
	Stderr     string
	// Injected is true when a Fault decided the outcome.
	Injected bool
	// TimedOut is true when the command exceeded its timeout.
	TimedOut bool
	Time     time.Time
}

type fault struct {
	Fault
	re      *regexp.Regexp
	matched int
	fired   int
	removed bool
}

// Fake is an in-memory set of storage nodes that implements
// executors.Transport. Create it with New.
type Fake struct {
	opts Options
	ids  *idSource

	mu     sync.Mutex // guards nodes, order, faults and log
	nodes  map[string]*node
	order  []*node
	faults []*fault
	log    []Record

	autoPool *pool // the pool AutoNodes nodes share; guarded by gmu

	// gmu guards gluster state: every node's pool pointer and the pools.
	// It is taken before any node lock, never while holding one. It may be
	// held while taking mu.
	gmu sync.Mutex
}

// New returns an empty Fake.
func New(opts Options) *Fake {
	return &Fake{opts: opts, nodes: map[string]*node{}, ids: newIDSource(opts.Seed)}
}

// AddNode adds a healthy node (glusterd up, alone in its own trusted pool)
// addressed by manageHost; storageHost, when not empty, is the name gluster
// and peer probes use for it. Adding an existing host returns that node.
func (f *Fake) AddNode(manageHost, storageHost string) *Node {
	return &Node{f: f, n: f.addNode(manageHost, storageHost, false)}
}

func (f *Fake) addNode(manageHost, storageHost string, auto bool) *node {
	if storageHost == "" {
		storageHost = manageHost
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := f.nodes[manageHost]; ok {
		return n
	}
	n := newNode(manageHost, storageHost, f.opts.AutoDiskSizeKiB, f.ids)
	n.auto = auto
	f.nodes[manageHost] = n
	f.order = append(f.order, n)
	return n
}

// Node returns the node with manage (or storage) hostname host, or nil.
func (f *Fake) Node(host string) *Node {
	n := f.lookup(host, false)
	if n == nil {
		return nil
	}
	return &Node{f: f, n: n}
}

// Hosts returns the manage hostnames of all nodes in the order they were added.
func (f *Fake) Hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.order))
	for i, n := range f.order {
		out[i] = n.manage
	}
	return out
}

// lookup finds a node by manage hostname, then by storage hostname. With
// create and AutoNodes, an unknown host becomes a new node.
func (f *Fake) lookup(host string, create bool) *node {
	f.mu.Lock()
	if n, ok := f.nodes[host]; ok {
		f.mu.Unlock()
		return n
	}
	for _, n := range f.order {
		if n.storage == host {
			f.mu.Unlock()
			return n
		}
	}
	f.mu.Unlock()
	if create && f.opts.AutoNodes && host != "" {
		return f.addNode(host, host, true)
	}
	return nil
}

func (f *Fake) allNodes() []*node {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*node(nil), f.order...)
}

// Inject adds a fault and returns a function that removes it. Faults are
// tried in the order they were added; every matching fault counts the call,
// and the first one whose Nth/Times conditions hold decides the outcome.
// Inject panics if Match is not a valid regular expression.
func (f *Fake) Inject(ft Fault) (remove func()) {
	fl := &fault{Fault: ft}
	if ft.Match != "" {
		fl.re = regexp.MustCompile(ft.Match)
	}
	f.mu.Lock()
	f.faults = append(f.faults, fl)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, x := range f.faults {
			if x == fl {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
				return
			}
		}
	}
}

// pickFault returns a copy of the fault that fires for this call, if any.
func (f *Fake) pickFault(host, cmd string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var chosen *fault
	for _, fl := range f.faults {
		if fl.Host != "" && fl.Host != host {
			continue
		}
		if fl.re != nil && !fl.re.MatchString(cmd) {
			continue
		}
		fl.matched++
		if chosen != nil {
			continue
		}
		if fl.Times > 0 && fl.fired >= fl.Times {
			continue
		}
		if fl.Nth > 0 && fl.matched != fl.Nth {
			continue
		}
		fl.fired++
		chosen = fl
	}
	if chosen == nil {
		return Fault{}, false
	}
	return chosen.Fault, true
}

// Commands returns a copy of the command log, oldest first.
func (f *Fake) Commands() []Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Record(nil), f.log...)
}

// CommandLines returns the logged command lines run on host ("" = all hosts).
func (f *Fake) CommandLines(host string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.log {
		if host == "" || r.Host == host {
			out = append(out, r.Command)
		}
	}
	return out
}

// ResetCommands empties the command log.
func (f *Fake) ResetCommands() {
	f.mu.Lock()
	f.log = nil
	f.mu.Unlock()
}

func (f *Fake) record(r Record) {
	limit := f.opts.LogLimit
	if limit <= 0 {
		limit = 100000
	}
	f.mu.Lock()
	if len(f.log) >= limit {
		drop := max(1, limit/10)
		f.log = append(f.log[:0], f.log[drop:]...)
	}
	f.log = append(f.log, r)
	f.mu.Unlock()
}

// Run implements executors.Transport: it runs cmds on host in order and stops
// at the first command that exits non-zero, returning a
// *executors.CommandError for it. A host that is not known (without
// AutoNodes) or marked Unreachable by a fault yields an error wrapping
// ErrUnreachable; a context that ends yields the context's error.
func (f *Fake) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	results := make([]executors.Result, 0, len(cmds))
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		res, timedOut, err := f.runOne(ctx, host, cmd, timeout)
		if err != nil {
			return results, err
		}
		results = append(results, res)
		if res.ExitStatus != 0 || timedOut {
			return results, &executors.CommandError{
				Host:       host,
				Command:    cmd,
				ExitStatus: res.ExitStatus,
				Stdout:     res.Stdout,
				Stderr:     res.Stderr,
				TimedOut:   timedOut,
			}
		}
	}
	return results, nil
}

// runOne runs one command. err is set only for transport failures.
func (f *Fake) runOne(ctx context.Context, host, cmd string, timeout time.Duration) (executors.Result, bool, error) {
	ft, injected := f.pickFault(host, cmd)
	if injected && ft.Unreachable {
		f.record(Record{Host: host, Command: cmd, ExitStatus: -1, Injected: true, Time: time.Now()})
		return executors.Result{}, false, fmt.Errorf("%w: %s", ErrUnreachable, host)
	}
	n := f.lookup(host, true)
	if n == nil {
		f.record(Record{Host: host, Command: cmd, ExitStatus: -1, Time: time.Now()})
		return executors.Result{}, false, fmt.Errorf("%w: %s", ErrUnreachable, host)
	}
	if injected && ft.Reached != nil {
		select {
		case ft.Reached <- struct{}{}:
		case <-ctx.Done():
		}
	}
	delay := f.opts.Latency
	if injected {
		delay += ft.Delay
	}
	if delay > 0 {
		if timedOut, err := sleep(ctx, delay, timeout); err != nil || timedOut {
			rec := Record{Host: host, Command: cmd, ExitStatus: -1, Injected: injected, TimedOut: timedOut, Time: time.Now()}
			f.record(rec)
			if err != nil {
				return executors.Result{}, false, err
			}
			return executors.Result{Command: cmd, ExitStatus: -1}, true, nil
		}
	}
	if injected && ft.Hold != nil {
		select {
		case <-ctx.Done():
			f.record(Record{Host: host, Command: cmd, ExitStatus: -1, Injected: true, Time: time.Now()})
			return executors.Result{}, false, ctx.Err()
		case <-ft.Hold:
		}
	}
	var out output
	if injected && (ft.ExitStatus != 0 || ft.Stdout != "" || ft.Stderr != "") {
		out = output{stdout: ft.Stdout, stderr: ft.Stderr, code: ft.ExitStatus}
	} else {
		injected = false
		out = f.exec(n, cmd)
	}
	f.record(Record{Host: host, Command: cmd, ExitStatus: out.code, Stdout: out.stdout, Stderr: out.stderr, Injected: injected, Time: time.Now()})
	return executors.Result{Command: cmd, Stdout: out.stdout, Stderr: out.stderr, ExitStatus: out.code}, false, nil
}

// sleep waits d, or less when ctx ends (err) or timeout (>0) is shorter
// (timedOut).
func sleep(ctx context.Context, d, timeout time.Duration) (timedOut bool, err error) {
	wait := d
	if timeout > 0 && timeout < d {
		wait = timeout
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
	}
	return wait < d, nil
}

// idSource makes the random identifiers: crypto/rand, or a seeded
// generator when Options.Seed is set.
type idSource struct {
	mu  sync.Mutex
	rng *mrand.ChaCha8
}

func newIDSource(seed uint64) *idSource {
	if seed == 0 {
		return &idSource{}
	}
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &idSource{rng: mrand.NewChaCha8(s)}
}

func (ids *idSource) read(b []byte) {
	if ids == nil || ids.rng == nil {
		_, _ = rand.Read(b)
		return
	}
	ids.mu.Lock()
	_, _ = ids.rng.Read(b)
	ids.mu.Unlock()
}

// rawUUID is an RFC 4122 UUID kept as its 16 bytes; String renders it.
type rawUUID [16]byte

// String renders u in the usual 8-4-4-4-12 hex form.
func (u rawUUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// newUUID returns an RFC 4122 version 4 UUID.
func (ids *idSource) newUUID() rawUUID {
	var u rawUUID
	ids.read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// uuid returns a new RFC 4122 version 4 UUID as a string.
func (ids *idSource) uuid() string { return ids.newUUID().String() }

// lvmUUID is an LVM-style uuid, 32 alphanumerics, kept without its dashes:
// an LV holds it inline instead of pointing to a string.
type lvmUUID [32]byte

// String renders u as LVM prints it: 6-4-4-4-4-4-6 characters.
func (u lvmUUID) String() string {
	out := make([]byte, 0, len(u)+6)
	for i, c := range u {
		switch i {
		case 6, 10, 14, 18, 22, 26:
			out = append(out, '-')
		}
		out = append(out, c)
	}
	return string(out)
}

// lvmUUID returns a new LVM-style uuid.
func (ids *idSource) lvmUUID() lvmUUID {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var u lvmUUID
	ids.read(u[:])
	for i, c := range u {
		u[i] = chars[int(c)%len(chars)]
	}
	return u
}

// lvm returns a new LVM-style uuid as a string.
func (ids *idSource) lvm() string { return ids.lvmUUID().String() }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
