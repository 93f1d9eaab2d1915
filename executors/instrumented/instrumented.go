// Package instrumented is a Transport decorator that reports how long
// commands take on storage nodes, for the
// basalt_executor_command_duration_seconds histogram.
//
// Transports run an ordered batch of commands per call and report no timing
// per command, so the decorator times the whole Run call and attributes it
// to one program of the batch: the first one that does real work, skipping
// file helpers (mkdir, awk, chmod, ...) that only prepare for it. Most
// batches hold a single command; a brick create (mkdir, lvcreate, mkfs.xfs,
// awk, mount, ...) is reported as lvcreate, which is how operators think of
// it ("lvcreate is slow") and keeps the label set small. The program is
// the command's executable base name (gluster, mkfs.xfs, systemctl), with
// LVM's subcommand instead of "lvm" (lvcreate, not lvm), wrappers such as
// sudo, timeout and an lvm_wrapper skipped; anything that does not look like
// a program name is reported as "other".
package instrumented

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

// Observer receives one observation per Run call.
type Observer interface {
	ObserveCommand(command, host string, d time.Duration)
}

// Transport wraps another transport and reports each Run to an Observer.
type Transport struct {
	next executors.Transport
	obs  Observer
	now  func() time.Time
}

var _ executors.Transport = (*Transport)(nil)

// New returns next decorated with timing reports to obs.
func New(next executors.Transport, obs Observer) *Transport {
	return &Transport{next: next, obs: obs, now: time.Now}
}

// Run runs cmds through the wrapped transport and reports the elapsed time,
// labelled with BatchProgram(cmds) and host, whatever the outcome.
func (t *Transport) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	start := t.now()
	res, err := t.next.Run(ctx, host, cmds, timeout)
	if len(cmds) > 0 {
		t.obs.ObserveCommand(BatchProgram(cmds), host, t.now().Sub(start))
	}
	return res, err
}

// helpers are programs that only prepare or tidy up around the real work of
// a batch.
var helpers = map[string]bool{
	"mkdir": true, "rmdir": true, "awk": true, "sed": true, "chmod": true, "chown": true,
	"echo": true, "test": true, "cat": true, "ls": true, "true": true, "other": true,
}

// BatchProgram names a batch of commands by its first program that is not a
// helper, or by its first program when all are helpers.
func BatchProgram(cmds []string) string {
	if len(cmds) == 0 {
		return "other"
	}
	for _, c := range cmds {
		if p := Program(c); !helpers[p] {
			return p
		}
	}
	return Program(cmds[0])
}

// wrappers are leading words that run another program.
var wrappers = map[string]bool{"sudo": true, "timeout": true, "env": true, "nice": true, "ionice": true, "exec": true}

// Program returns the low-cardinality program name of a shell command line:
// the base name of its executable, or of LVM's subcommand. See the package
// documentation.
func Program(cmd string) string {
	words := strings.Fields(cmd)
	for i := 0; i < len(words); i++ {
		w := words[i]
		base := path.Base(w)
		switch {
		case strings.Contains(w, "=") && !strings.HasPrefix(w, "-"): // VAR=value
			continue
		case strings.HasPrefix(w, "-"): // a wrapper's option
			continue
		case wrappers[base]:
			if base == "timeout" && i+1 < len(words) && startsWithDigit(words[i+1]) {
				i++ // its duration
			}
			continue
		case base == "lvm" || base == "udevadm":
			if base == "lvm" && i+1 < len(words) {
				return clean(words[i+1])
			}
			return base
		}
		// An lvm_wrapper puts its own program first: look one word ahead.
		if i+1 < len(words) && path.Base(words[i+1]) == "lvm" && i+2 < len(words) {
			return clean(words[i+2])
		}
		if i+1 < len(words) && path.Base(words[i+1]) == "udevadm" {
			return "udevadm"
		}
		return clean(base)
	}
	return "other"
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// clean returns s if it is a plausible program name, else "other".
func clean(s string) string {
	if s == "" || len(s) > 32 {
		return "other"
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return "other"
		}
	}
	return s
}
