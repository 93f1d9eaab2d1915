package cmdexec

import (
	"context"
	"errors"
	"fmt"

	"github.com/basalt-storage/basalt/executors"
)

// blockOutput returns the JSON gluster-block printed, whether the command
// succeeded or failed: gluster-block reports failures on stdout with a
// non-zero exit status.
func blockOutput(res []executors.Result, err error) (string, bool) {
	var ce *executors.CommandError
	if errors.As(err, &ce) {
		return ce.Stdout, ce.Stdout != ""
	}
	if err != nil || len(res) == 0 {
		return "", false
	}
	return stdoutOf(res), true
}

// BlockVolumeCreate runs on host (10 min):
//
//	gluster-block create <hv>/<name> ha <n> auth enable|disable prealloc <p> <host1,host2,...> <size>GiB --json
//
// and returns the target gluster-block reports (IQN, USERNAME, PASSWORD,
// PORTAL(S)). RESULT FAIL gives "Failed to create block volume: <errMsg>".
// With auth the output holds the CHAP secret, so it is never logged.
func (e *Executor) BlockVolumeCreate(ctx context.Context, host string, req executors.BlockVolumeRequest) (*executors.BlockVolumeInfo, error) {
	r := e.r
	if req.Prealloc != "" {
		r.cfg.BlockPrealloc = req.Prealloc
	}
	cmd := r.BlockCreate(BlockVolumeSpec{
		HostingVolume: req.HostingVolume,
		Name:          req.Name,
		HA:            len(req.Hosts),
		Auth:          req.Auth,
		Hosts:         req.Hosts,
		SizeGiB:       req.SizeGiB,
	})
	res, err := e.run(ctx, host, BlockTimeout, cmd)
	out, have := blockOutput(res, err)
	if !req.Auth && have {
		e.log.WithFields(map[string]any{"host": host, "block": req.HostingVolume + "/" + req.Name, "output": out}).Debug("gluster-block create")
	}
	if !have {
		return nil, err
	}
	parsed, perr := ParseBlockCreate(out)
	if perr != nil {
		if err != nil && !isFailResult(out) {
			return nil, err // not gluster-block's JSON: keep the command's error
		}
		return nil, perr
	}
	if err != nil {
		return nil, err
	}
	return &executors.BlockVolumeInfo{IQN: parsed.IQN, Username: parsed.Username, Password: parsed.Password, Portals: parsed.Portals}, nil
}

// isFailResult reports whether out is gluster-block JSON with RESULT FAIL.
func isFailResult(out string) bool {
	res, err := ParseBlockResult(out)
	return err == nil && res.Failed()
}

// blockError turns a failed gluster-block call into an error carrying
// gluster-block's errMsg when it printed one.
func blockError(res []executors.Result, err error) error {
	if err == nil {
		out, _ := blockOutput(res, nil)
		if p, perr := ParseBlockResult(out); perr == nil && p.Failed() {
			return errors.New(p.ErrMsg)
		}
		return nil
	}
	if out, have := blockOutput(res, err); have {
		if p, perr := ParseBlockResult(out); perr == nil && p.ErrMsg != "" {
			return fmt.Errorf("%s: %w", p.ErrMsg, err)
		}
	}
	return err
}

// BlockVolumeDestroy runs on host (10 min):
//
//	gluster-block delete <hv>/<name> --json
//
// An answer saying the block volume "doesn't exist" or "does not exist"
// counts as success.
func (e *Executor) BlockVolumeDestroy(ctx context.Context, host, hostingVolume, name string) error {
	res, err := e.run(ctx, host, BlockTimeout, e.r.BlockDelete(hostingVolume, name))
	berr := blockError(res, err)
	if berr == nil {
		return nil
	}
	if !isTransportError(err) && IsBlockNotExist(berr.Error()) {
		return nil
	}
	return berr
}

// BlockVolumeExpand runs on host (10 min); note the two spaces:
//
//	gluster-block modify <hv>/<name>  size <n>GiB --json
func (e *Executor) BlockVolumeExpand(ctx context.Context, host, hostingVolume, name string, newSizeGiB int) error {
	res, err := e.run(ctx, host, BlockTimeout, e.r.BlockModifySize(hostingVolume, name, newSizeGiB))
	return blockError(res, err)
}

// BlockVolumeSize runs on host (10 min):
//
//	gluster-block info <hv>/<name> --json
//
// and returns SIZE in bytes; "doesn't exist" gives exists=false.
func (e *Executor) BlockVolumeSize(ctx context.Context, host, hostingVolume, name string) (uint64, bool, error) {
	res, err := e.run(ctx, host, BlockTimeout, e.r.BlockInfo(hostingVolume, name))
	if err != nil {
		berr := blockError(res, err)
		if !isTransportError(err) && IsBlockNotExist(berr.Error()) {
			return 0, false, nil
		}
		return 0, false, berr
	}
	info, err := ParseBlockInfo(stdoutOf(res))
	if err != nil {
		return 0, false, err
	}
	size, err := info.SizeBytes()
	if err != nil {
		return 0, false, err
	}
	return size, true, nil
}
