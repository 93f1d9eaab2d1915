package glusterfs

import (
	"fmt"
	"math"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/errs"
)

const kibPerGiB = 1024 * 1024

// validateVolumeCreate applies Heketi's request checks (facts 5.4) in its
// order and returns its exact texts.
func (a *App) validateVolumeCreate(req *api.VolumeCreateRequest) error {
	switch {
	case req.Size == 0:
		return errs.New(errs.Invalid, "validation failed: size: cannot be blank.")
	case req.Size < 0:
		return errs.New(errs.Invalid, "validation failed: size: must be no less than 1.")
	case !api.ValidVolumeName(req.Name):
		return errs.New(errs.Invalid, "validation failed: name: must be in a valid format.")
	}
	d := &req.Durability
	switch d.Type {
	case api.DurabilityUnassigned:
		d.Type = api.DurabilityNone
	case api.DurabilityNone:
	case api.DurabilityReplicate:
		if d.Replicate.Replica > 3 {
			return errs.New(errs.Invalid, "Invalid replica value")
		}
	case api.DurabilityDisperse:
		switch [2]int{d.Disperse.Data, d.Disperse.Redundancy} {
		case [2]int{2, 1}, [2]int{4, 2}, [2]int{8, 3}, [2]int{8, 4}:
		default:
			return errs.New(errs.Invalid, fmt.Sprintf("Invalid dispersion combination: %d+%d", d.Disperse.Data, d.Disperse.Redundancy))
		}
	default:
		return errs.New(errs.Invalid, "Unknown durability type")
	}
	if req.Gid < 0 {
		return errs.New(errs.Invalid, "Bad group id less than zero")
	}
	if req.Gid >= math.MaxInt32 {
		return errs.New(errs.Invalid, "Bad group id equal or greater than 2**32")
	}
	if req.Snapshot.Enable {
		if req.Snapshot.Factor < 1 || req.Snapshot.Factor > 100 {
			return errs.New(errs.Invalid, "Invalid snapshot factor")
		}
	} else {
		req.Snapshot.Factor = 1
	}
	minKiB := uint64(a.cfg.BrickMinSizeGB) * kibPerGiB
	if d.Type == api.DurabilityDisperse {
		minKiB *= uint64(d.Disperse.Data)
	}
	if uint64(req.Size)*kibPerGiB < minKiB {
		return errs.New(errs.Invalid, fmt.Sprintf("Requested volume size (%d GB) is smaller than the minimum supported volume size (%d)", req.Size, minKiB))
	}
	return nil
}

// effectiveOptions builds the option list Heketi stores and returns (facts
// 5.4): pre-request options, block-hosting options, the request's options,
// post-request options. Splitting an empty setting yields one "" element, as
// Heketi's does.
func (a *App) effectiveOptions(req []string, block bool) []string {
	out := strings.Split(a.cfg.PreRequestVolumeOptions, ",")
	if block {
		out = append(out, strings.Split(a.blockHostingOptions(), ",")...)
	}
	out = append(out, req...)
	return append(out, strings.Split(a.cfg.PostRequestVolumeOptions, ",")...)
}

func (a *App) blockHostingOptions() string {
	if a.cfg.BlockHostingVolumeOptions == "" {
		return "group gluster-block"
	}
	return a.cfg.BlockHostingVolumeOptions
}
