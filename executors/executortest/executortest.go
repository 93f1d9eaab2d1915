// Package executortest is the conformance suite every executors.Transport
// must pass, in the manner of containerd's snapshotter suite: a transport's
// own test builds a Target and calls Run.
//
// The suite runs plain POSIX shell commands (bash is available on storage
// nodes) inside Target.Dir on Target.Host, so it proves the transport against
// a real shell: ordering, stop at the first failure, stderr as the error
// text, exit statuses, timeouts and cancellation that really kill the remote
// process, concurrency, large outputs and quoting of awkward strings.
// Timeouts and kills are checked through /proc, so the host must be Linux.
//
// A transport's test calls it like this:
//
//	func TestConformance(t *testing.T) {
//		tr := newTransportUnderTest(t)
//		executortest.Run(t, func(t *testing.T) executortest.Target {
//			return executortest.Target{Transport: tr, Host: "node1", Dir: scratchDirOn(t, "node1")}
//		})
//	}
package executortest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

// Target is what a transport's test hands the suite.
type Target struct {
	// Transport under test.
	Transport executors.Transport
	// Host to run commands on, as the transport expects it.
	Host string
	// Dir is a writable scratch directory on Host, empty and owned by this
	// subtest. The suite creates and removes files only inside it.
	Dir string
}

// Run runs the conformance suite. newTarget is called once per subtest, with
// the subtest's *testing.T, so it may use t.TempDir and t.Cleanup.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tg Target)
	}{
		{"EmptyCommandList", testEmpty},
		{"Ordering", testOrdering},
		{"StdoutAndStderrPerCommand", testOutputs},
		{"StopAtFirstFailure", testStopAtFirstFailure},
		{"StderrIsTheErrorText", testStderrIsErrorText},
		{"ExitStatus", testExitStatus},
		{"StdinIsEmpty", testStdinIsEmpty},
		{"Timeout", testTimeout},
		{"ContextDeadline", testContextDeadline},
		{"ContextCancel", testContextCancel},
		{"ContextAlreadyDone", testContextAlreadyDone},
		{"Concurrency", testConcurrency},
		{"LargeOutput", testLargeOutput},
		{"Quoting", testQuoting},
		{"HeketiAwkAndSedLines", testHeketiLines},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newTarget(t))
		})
	}
}

// Quote quotes s as one POSIX shell word.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// path is name inside the target's scratch dir, quoted for the shell.
func (tg Target) path(name string) string {
	return Quote(tg.Dir + "/" + name)
}

// run runs cmds with a generous timeout.
func (tg Target) run(ctx context.Context, cmds ...string) ([]executors.Result, error) {
	return tg.Transport.Run(ctx, tg.Host, cmds, time.Minute)
}

// mustRun runs cmds and fails the test unless all succeed.
func (tg Target) mustRun(t *testing.T, cmds ...string) []executors.Result {
	t.Helper()
	res, err := tg.run(context.Background(), cmds...)
	if err != nil {
		t.Fatalf("Run(%q) = error %v, want success", cmds, err)
	}
	if len(res) != len(cmds) {
		t.Fatalf("Run(%q) returned %d results, want %d", cmds, len(res), len(cmds))
	}
	return res
}

// exists reports whether name exists in the scratch dir.
func (tg Target) exists(t *testing.T, name string) bool {
	t.Helper()
	res := tg.mustRun(t, "if [ -e "+tg.path(name)+" ]; then echo yes; else echo no; fi")
	return strings.TrimSpace(res[0].Stdout) == "yes"
}

func commandError(t *testing.T, err error) *executors.CommandError {
	t.Helper()
	var ce *executors.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %T %v, want a *executors.CommandError", err, err)
	}
	return ce
}

func testEmpty(t *testing.T, tg Target) {
	for _, cmds := range [][]string{nil, {}} {
		res, err := tg.Transport.Run(context.Background(), tg.Host, cmds, time.Minute)
		if err != nil || len(res) != 0 {
			t.Errorf("Run(%#v) = %d results, %v; want 0 results and no error", cmds, len(res), err)
		}
	}
}

func testOrdering(t *testing.T, tg Target) {
	log := tg.path("log")
	var cmds []string
	var want strings.Builder
	for i := range 10 {
		cmds = append(cmds, fmt.Sprintf("echo step%d >> %s", i, log))
		fmt.Fprintf(&want, "step%d\n", i)
	}
	cmds = append(cmds, "cat "+log)
	res := tg.mustRun(t, cmds...)
	for i, r := range res {
		if r.Command != cmds[i] {
			t.Errorf("result %d: Command = %q, want %q", i, r.Command, cmds[i])
		}
		if r.ExitStatus != 0 {
			t.Errorf("result %d: ExitStatus = %d, want 0", i, r.ExitStatus)
		}
	}
	if got := res[len(res)-1].Stdout; got != want.String() {
		t.Errorf("file written by the commands = %q, want %q (commands out of order?)", got, want.String())
	}
}

func testOutputs(t *testing.T, tg Target) {
	cmds := []string{
		"echo one",
		"printf two",
		"printf 'three\\nfour\\n'",
		"echo out; echo err >&2",
		"true",
		"echo 'only stderr' >&2",
		"printf 'no newline'; printf ' at the end' >&2",
	}
	want := []executors.Result{
		{Stdout: "one\n"},
		{Stdout: "two"},
		{Stdout: "three\nfour\n"},
		{Stdout: "out\n", Stderr: "err\n"},
		{},
		{Stderr: "only stderr\n"},
		{Stdout: "no newline", Stderr: " at the end"},
	}
	res := tg.mustRun(t, cmds...)
	for i, r := range res {
		if r.Stdout != want[i].Stdout || r.Stderr != want[i].Stderr {
			t.Errorf("%q: stdout %q, stderr %q; want stdout %q, stderr %q", cmds[i], r.Stdout, r.Stderr, want[i].Stdout, want[i].Stderr)
		}
	}
}

func testStopAtFirstFailure(t *testing.T, tg Target) {
	cmds := []string{
		"echo first > " + tg.path("first"),
		"echo boom >&2; exit 3",
		"touch " + tg.path("third"),
		"touch " + tg.path("fourth"),
	}
	res, err := tg.run(context.Background(), cmds...)
	ce := commandError(t, err)
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2 (the commands up to the failing one)", len(res))
	}
	if res[1].Command != cmds[1] || res[1].ExitStatus != 3 || res[1].Stderr != "boom\n" {
		t.Errorf("failing result = %+v, want command %q, exit status 3, stderr \"boom\\n\"", res[1], cmds[1])
	}
	if ce.Command != cmds[1] || ce.Host != tg.Host || ce.ExitStatus != 3 || ce.TimedOut {
		t.Errorf("CommandError = %+v, want command %q on %q, exit status 3, not timed out", ce, cmds[1], tg.Host)
	}
	if !tg.exists(t, "first") {
		t.Errorf("the command before the failure did not run")
	}
	for _, f := range []string{"third", "fourth"} {
		if tg.exists(t, f) {
			t.Errorf("command after the failure ran: %s exists", f)
		}
	}
}

func testStderrIsErrorText(t *testing.T, tg Target) {
	tests := []struct {
		name, cmd, want string
	}{
		{"stderr", "echo 'to stdout'; echo 'Volume vol1 does not exist' >&2; exit 1", "Volume vol1 does not exist"},
		{"multi-line stderr", "printf 'line one\\nline two\\n' >&2; exit 1", "line one\nline two"},
		{"stderr with spaces around", "printf '  padded \\n\\n' >&2; exit 1", "padded"},
		{"stdout when stderr is empty", "echo 'only on stdout'; exit 1", "only on stdout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tg.run(context.Background(), tc.cmd)
			ce := commandError(t, err)
			if got := ce.Error(); got != tc.want {
				t.Errorf("error text = %q, want %q", got, tc.want)
			}
		})
	}
}

func testExitStatus(t *testing.T, tg Target) {
	tests := []struct {
		cmd        string
		want       int
		stderrPart string
	}{
		{"exit 1", 1, ""},
		{"exit 2", 2, ""},
		{"exit 42", 42, ""},
		{"exit 255", 255, ""},
		{"false", 1, ""},
		{"basalt-no-such-command-xyz", 127, "not found"},
		{"test -d " + Quote("/nonexistent/basalt"), 1, ""},
	}
	for _, tc := range tests {
		res, err := tg.run(context.Background(), tc.cmd)
		if err == nil {
			t.Errorf("%q: no error, want exit status %d", tc.cmd, tc.want)
			continue
		}
		ce := commandError(t, err)
		if ce.ExitStatus != tc.want || len(res) != 1 || res[0].ExitStatus != tc.want {
			t.Errorf("%q: CommandError exit status %d, results %+v; want exit status %d", tc.cmd, ce.ExitStatus, res, tc.want)
		}
		if !strings.Contains(ce.Stderr, tc.stderrPart) {
			t.Errorf("%q: stderr %q, want it to contain %q", tc.cmd, ce.Stderr, tc.stderrPart)
		}
	}
}

// testStdinIsEmpty checks that a command reading stdin sees end of file at
// once instead of hanging: node commands get no input.
func testStdinIsEmpty(t *testing.T, tg Target) {
	start := time.Now()
	res, err := tg.Transport.Run(context.Background(), tg.Host, []string{"cat; echo done", "read -r line || echo eof"}, 20*time.Second)
	if err != nil {
		t.Fatalf("commands reading stdin: %v, want success", err)
	}
	if res[0].Stdout != "done\n" || res[1].Stdout != "eof\n" {
		t.Errorf("stdout %q and %q, want \"done\\n\" and \"eof\\n\"", res[0].Stdout, res[1].Stdout)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("commands reading stdin took %v, want them to see end of file at once", d)
	}
}

// sleeper returns a command that records its shell's pid and a child's pid in
// the scratch dir and then waits on the child, which sleeps for 30 s.
func (tg Target) sleeper(name string) string {
	return fmt.Sprintf("echo $$ > %s; sleep 30 & echo $! >> %s; wait; touch %s",
		tg.path(name+".pids"), tg.path(name+".pids"), tg.path(name+".survived"))
}

// waitDead waits until the processes whose pids the sleeper named name
// recorded are gone (zombies count as gone) and fails the test after 10 s.
func (tg Target) waitDead(t *testing.T, name string) {
	t.Helper()
	check := fmt.Sprintf(`for p in $(cat %s); do
  if kill -0 "$p" 2>/dev/null; then
    s=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | cut -d' ' -f1)
    [ "$s" = Z ] || echo "$p"
  fi
done`, tg.path(name+".pids"))
	var alive string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res := tg.mustRun(t, check)
		if alive = strings.TrimSpace(res[0].Stdout); alive == "" {
			return
		}
	}
	t.Errorf("remote processes %s still alive 10 s after the command was stopped, want them killed", strings.Fields(alive))
}

// waitPids waits until the sleeper named name has recorded both pids.
func (tg Target) waitPids(t *testing.T, name string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res := tg.mustRun(t, "cat "+tg.path(name+".pids")+" 2>/dev/null || true")
		if len(strings.Fields(res[0].Stdout)) == 2 {
			return
		}
	}
	t.Fatalf("the sleeping command did not start within 10 s")
}

func testTimeout(t *testing.T, tg Target) {
	cmds := []string{tg.sleeper("s"), "touch " + tg.path("after")}
	start := time.Now()
	res, err := tg.Transport.Run(context.Background(), tg.Host, cmds, 2*time.Second)
	elapsed := time.Since(start)
	if elapsed > 15*time.Second {
		t.Errorf("Run took %v with a 2 s timeout, want it to return soon after 2 s", elapsed)
	}
	if elapsed < 2*time.Second {
		t.Errorf("Run took %v with a 2 s timeout, want at least 2 s", elapsed)
	}
	ce := commandError(t, err)
	if !ce.TimedOut || ce.Command != cmds[0] {
		t.Errorf("CommandError = %+v, want TimedOut for %q", ce, cmds[0])
	}
	if len(res) != 1 || res[0].Command != cmds[0] {
		t.Errorf("results = %+v, want one result for the timed-out command", res)
	}
	if tg.exists(t, "after") {
		t.Errorf("the command after the timed-out one ran")
	}
	tg.waitDead(t, "s")
}

func testContextDeadline(t *testing.T, tg Target) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := tg.Transport.Run(ctx, tg.Host, []string{tg.sleeper("d")}, time.Minute)
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("Run took %v with a 2 s context deadline, want it to return soon after 2 s", elapsed)
	}
	var ce *executors.CommandError
	if !(errors.As(err, &ce) && ce.TimedOut) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %T %v, want a timed-out CommandError or context.DeadlineExceeded", err, err)
	}
	tg.waitDead(t, "d")
}

func testContextCancel(t *testing.T, tg Target) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type out struct {
		res []executors.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := tg.Transport.Run(ctx, tg.Host, []string{tg.sleeper("c"), "touch " + tg.path("after")}, time.Minute)
		done <- out{res, err}
	}()
	tg.waitPids(t, "c")
	cancel()
	var o out
	select {
	case o = <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("Run did not return within 15 s of cancelling its context")
	}
	var ce *executors.CommandError
	if !errors.Is(o.err, context.Canceled) && !(errors.As(o.err, &ce) && ce.TimedOut) {
		t.Errorf("error = %T %v, want context.Canceled or a timed-out CommandError", o.err, o.err)
	}
	if tg.exists(t, "after") {
		t.Errorf("the command after the cancelled one ran")
	}
	tg.waitDead(t, "c")
}

func testContextAlreadyDone(t *testing.T, tg Target) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := tg.Transport.Run(ctx, tg.Host, []string{"touch " + tg.path("ran")}, time.Minute)
	if err == nil {
		t.Errorf("Run with a cancelled context succeeded (%d results), want an error", len(res))
	}
	if tg.exists(t, "ran") {
		t.Errorf("Run with a cancelled context ran the command")
	}
}

func testConcurrency(t *testing.T, tg Target) {
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			f := tg.path("f" + strconv.Itoa(i))
			cmds := []string{
				fmt.Sprintf("sleep 1; echo %d > %s", i, f),
				fmt.Sprintf("echo %d-more >> %s", i, f),
				"cat " + f,
			}
			if i%5 == 4 {
				// Some runs fail half way, which must not disturb the others.
				cmds[1] = fmt.Sprintf("echo fail-%d >&2; exit %d", i, i)
			}
			res, err := tg.run(context.Background(), cmds...)
			if i%5 == 4 {
				var ce *executors.CommandError
				if !errors.As(err, &ce) || ce.Error() != fmt.Sprintf("fail-%d", i) || ce.ExitStatus != i || len(res) != 2 {
					errs <- fmt.Errorf("run %d: %d results, error %v; want 2 results and fail-%d, exit status %d", i, len(res), err, i, i)
				}
				return
			}
			want := fmt.Sprintf("%d\n%d-more\n", i, i)
			if err != nil || len(res) != 3 || res[2].Stdout != want {
				errs <- fmt.Errorf("run %d: %+v, %v; want %q from the last command", i, res, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each run sleeps 1 s; one at a time would take 20 s.
	if elapsed := time.Since(start); elapsed > 12*time.Second {
		t.Errorf("%d concurrent runs of 1 s took %v, want them to overlap", n, elapsed)
	}
}

func testLargeOutput(t *testing.T, tg Target) {
	const lines = 1000000 // seq prints 6.9 MB
	var want strings.Builder
	for i := 1; i <= lines; i++ {
		want.WriteString(strconv.Itoa(i))
		want.WriteByte('\n')
	}
	res := tg.mustRun(t,
		fmt.Sprintf("seq 1 %d", lines),
		// Both streams at once: a transport that drains them one after the
		// other deadlocks here.
		fmt.Sprintf("seq 1 %d >&2 & seq 1 %d; wait", lines, lines),
		"head -c 5242880 /dev/zero | tr '\\0' x",
	)
	if res[0].Stdout != want.String() {
		t.Errorf("seq stdout: %d bytes, want %d identical bytes", len(res[0].Stdout), want.Len())
	}
	if res[1].Stdout != want.String() || res[1].Stderr != want.String() {
		t.Errorf("parallel stdout/stderr: %d and %d bytes, want %d identical bytes each", len(res[1].Stdout), len(res[1].Stderr), want.Len())
	}
	if got := res[2].Stdout; len(got) != 5<<20 || strings.Trim(got, "x") != "" {
		t.Errorf("5 MiB of x: got %d bytes, want 5242880 x", len(got))
	}
}

// awkward holds strings that are hard to pass through layers of shell quoting.
var awkward = []string{
	"plain",
	"",
	" ",
	"it's",
	"'",
	"''",
	`'\''`,
	`"double"`,
	`"`,
	`$HOME ${PATH} $(id -u) $$ $1 $@`,
	"`id -u` `",
	`back\slash \\ \n \' \"`,
	"line one\nline two\n",
	"\n",
	"tab\there",
	"ünïcödé ✓ 日本語 🚀",
	`;&|<>(){}[]*?~!#%^=+`,
	"-n",
	"--",
	`a'b"c$d` + "`e`" + `\f`,
	`sh -c 'echo "$0 '\''x'\''"'`,
}

func testQuoting(t *testing.T, tg Target) {
	t.Run("printf", func(t *testing.T) {
		for _, s := range awkward {
			res := tg.mustRun(t, "printf '%s' "+Quote(s))
			if res[0].Stdout != s {
				t.Errorf("printf round trip of %q gave %q", s, res[0].Stdout)
			}
		}
	})
	t.Run("file", func(t *testing.T) {
		// Write with one command, read with another.
		for i, s := range awkward {
			f := tg.path("q" + strconv.Itoa(i))
			res := tg.mustRun(t, "printf '%s' "+Quote(s)+" > "+f, "cat "+f)
			if res[1].Stdout != s {
				t.Errorf("file round trip of %q gave %q", s, res[1].Stdout)
			}
		}
	})
	t.Run("double-quoted", func(t *testing.T) {
		// Double quotes with escapes, as the awk lines of cmdexec use them.
		res := tg.mustRun(t, `x="a 'single' \"double\" \$dollar \`+"`tick\\`"+`"; printf '%s' "$x"`)
		if want := "a 'single' \"double\" $dollar `tick`"; res[0].Stdout != want {
			t.Errorf("got %q, want %q", res[0].Stdout, want)
		}
	})
	t.Run("multi-line command", func(t *testing.T) {
		res := tg.mustRun(t, "echo one\necho 'two'\nif true; then\n  echo three\nfi")
		if want := "one\ntwo\nthree\n"; res[0].Stdout != want {
			t.Errorf("got %q, want %q", res[0].Stdout, want)
		}
	})
	t.Run("bash", func(t *testing.T) {
		// Commands run under bash (facts 7.1), so bashisms work.
		res := tg.mustRun(t, `a=(x y z); echo "${#a[@]} ${a[1]}"; [[ abc == a* ]] && echo glob`)
		if want := "3 y\nglob\n"; res[0].Stdout != want {
			t.Errorf("got %q, want %q", res[0].Stdout, want)
		}
	})
}

// testHeketiLines runs the fstab awk and sed lines of brick create and
// destroy (facts 7.5, 7.6) against a scratch fstab.
func testHeketiLines(t *testing.T, tg Target) {
	fstab := tg.Dir + "/fstab"
	const (
		dev  = "/dev/mapper/vg_0f1e2d3c-brick_a1b2c3d4"
		mnt  = "/var/lib/heketi/mounts/vg_0f1e2d3c/brick_a1b2c3d4"
		dev2 = "/dev/mapper/vg_0f1e2d3c-brick_e5f6a7b8"
		mnt2 = "/var/lib/heketi/mounts/vg_0f1e2d3c/brick_e5f6a7b8"
	)
	awk := func(dev, mnt string) string {
		return fmt.Sprintf(`awk "BEGIN {print \"%s %s xfs rw,inode64,noatime,nouuid 1 2\" >> \"%s\"}"`, dev, mnt, fstab)
	}
	line1 := dev + " " + mnt + " xfs rw,inode64,noatime,nouuid 1 2\n"
	line2 := dev2 + " " + mnt2 + " xfs rw,inode64,noatime,nouuid 1 2\n"
	res := tg.mustRun(t,
		"echo '# fstab' > "+Quote(fstab),
		awk(dev, mnt),
		awk(dev2, mnt2),
		"cat "+Quote(fstab),
		`sed -i.save "/brick_a1b2c3d4/d" `+Quote(fstab),
		"cat "+Quote(fstab),
		"cat "+Quote(fstab+".save"),
	)
	if got, want := res[3].Stdout, "# fstab\n"+line1+line2; got != want {
		t.Errorf("fstab after the awk lines = %q, want %q", got, want)
	}
	if got, want := res[5].Stdout, "# fstab\n"+line2; got != want {
		t.Errorf("fstab after the sed line = %q, want %q", got, want)
	}
	if got, want := res[6].Stdout, "# fstab\n"+line1+line2; got != want {
		t.Errorf("fstab.save = %q, want %q", got, want)
	}
}
