package executortest_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/executortest"
)

// local runs commands with bash on this machine. It is the smallest honest
// transport and proves that the suite itself holds together.
type local struct{}

var _ executors.Transport = local{}

func (local) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	var results []executors.Result
	for _, c := range cmds {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(cctx, "/bin/bash", "-c", c)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = time.Second
		err := cmd.Run()
		timedOut := cctx.Err() != nil
		cancel()
		res := executors.Result{Command: c, Stdout: stdout.String(), Stderr: stderr.String(), ExitStatus: cmd.ProcessState.ExitCode()}
		results = append(results, res)
		switch {
		case ctx.Err() != nil:
			return results, ctx.Err()
		case timedOut:
			return results, &executors.CommandError{Host: host, Command: c, ExitStatus: -1, Stderr: "command timed out", TimedOut: true}
		case err == nil:
		default:
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return results, err
			}
			return results, &executors.CommandError{Host: host, Command: c, ExitStatus: res.ExitStatus, Stdout: res.Stdout, Stderr: res.Stderr}
		}
	}
	return results, nil
}

func TestLocal(t *testing.T) {
	executortest.Run(t, func(t *testing.T) executortest.Target {
		return executortest.Target{Transport: local{}, Host: "localhost", Dir: t.TempDir()}
	})
}
