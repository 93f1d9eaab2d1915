package cmdexec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

// capture is one real command output from testdata/captures (format described
// in testdata/captures/README.md).
type capture struct {
	Command string
	Exit    int
	Stdout  string
	Stderr  string
}

// loadCapture reads testdata/captures/<name>.
func loadCapture(t testing.TB, name string) capture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "captures", name))
	if err != nil {
		t.Fatalf("reading capture: %v", err)
	}
	c, err := parseCapture(string(data))
	if err != nil {
		t.Fatalf("capture %s: %v", name, err)
	}
	return c
}

func parseCapture(s string) (capture, error) {
	var c capture
	line, rest, ok := strings.Cut(s, "\n")
	if !ok || !strings.HasPrefix(line, "$ ") {
		return c, fmt.Errorf("no command line")
	}
	c.Command = strings.TrimPrefix(line, "$ ")
	line, rest, ok = strings.Cut(rest, "\n")
	if !ok || !strings.HasPrefix(line, "exit: ") {
		return c, fmt.Errorf("no exit line")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, "exit: "))
	if err != nil {
		return c, err
	}
	c.Exit = n
	rest, ok = strings.CutPrefix(rest, "--- stdout\n")
	if !ok {
		return c, fmt.Errorf("no stdout marker")
	}
	const marker = "--- stderr\n"
	var i int
	if strings.HasPrefix(rest, marker) {
		i = 0
	} else if j := strings.Index(rest, "\n"+marker); j >= 0 {
		i = j + 1
	} else {
		return c, fmt.Errorf("no stderr marker")
	}
	c.Stdout, c.Stderr = rest[:i], rest[i+len(marker):]
	return c, nil
}

// reply is a scripted outcome of one command: a result, or a transport error.
type reply struct {
	res executors.Result
	err error
}

func replyOf(c capture) reply {
	return reply{res: executors.Result{Stdout: c.Stdout, Stderr: c.Stderr, ExitStatus: c.Exit}}
}

// call is one command the recorder saw.
type call struct {
	host    string
	timeout time.Duration
	cmd     string
}

func (c call) String() string {
	return fmt.Sprintf("[%s] (%s) %s", c.host, minutes(c.timeout), c.cmd)
}

func minutes(d time.Duration) string { return fmt.Sprintf("%dm", int(d/time.Minute)) }

// recorder is a Transport that records every command and answers from a
// script: replies per command line, consumed in order (the last one repeats);
// commands without a script succeed with empty output.
type recorder struct {
	mu     sync.Mutex
	script map[string][]reply
	calls  []call
}

var _ executors.Transport = (*recorder)(nil)

func newRecorder() *recorder { return &recorder{script: map[string][]reply{}} }

func (r *recorder) on(cmd string, replies ...reply) *recorder {
	r.script[cmd] = append(r.script[cmd], replies...)
	return r
}

func (r *recorder) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []executors.Result
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r.calls = append(r.calls, call{host, timeout, cmd})
		rep := reply{}
		if q := r.script[cmd]; len(q) > 0 {
			rep = q[0]
			if len(q) > 1 {
				r.script[cmd] = q[1:]
			}
		}
		if rep.err != nil {
			return out, rep.err
		}
		res := rep.res
		res.Command = cmd
		out = append(out, res)
		if res.ExitStatus != 0 {
			return out, &executors.CommandError{Host: host, Command: cmd, ExitStatus: res.ExitStatus, Stdout: res.Stdout, Stderr: res.Stderr}
		}
	}
	return out, nil
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var l []string
	for _, c := range r.calls {
		l = append(l, c.String())
	}
	return l
}

// onHost formats rendered commands as golden lines for host and timeout.
func onHost(host string, timeout time.Duration, cmds ...string) []string {
	var l []string
	for _, c := range cmds {
		l = append(l, call{host, timeout, c}.String())
	}
	return l
}
