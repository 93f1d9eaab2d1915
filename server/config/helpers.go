package config

import (
	"encoding/json"
	"slices"

	"github.com/basalt-storage/basalt/executors/cmdexec"
)

// Mask replaces secrets in Redacted copies.
const Mask = "********"

// Redacted returns a copy safe to log: the JWT keys are replaced by Mask
// (an empty key stays empty, so a missing key is still visible). The copy
// shares nothing mutable with c.
func (c Config) Redacted() Config {
	r := c
	if r.JWT.Admin.Key != "" {
		r.JWT.Admin.Key = Mask
	}
	if r.JWT.User.Key != "" {
		r.JWT.User.Key = Mask
	}
	r.UnknownKeys = slices.Clone(c.UnknownKeys)
	r.IgnoredKeys = slices.Clone(c.IgnoredKeys)
	inj := &r.GlusterFS.InjectExec.CommandInjection
	inj.Commands = slices.Clone(inj.Commands)
	inj.Results = slices.Clone(inj.Results)
	return r
}

// RedactedJSON returns the effective configuration as one line of JSON with
// secrets masked, for the start-up log. --disable-auth shows as
// "disable_auth".
func (c Config) RedactedJSON() string {
	out := struct {
		Config
		DisableAuth bool `json:"disable_auth"`
	}{c.Redacted(), c.DisableAuth}
	b, err := json.Marshal(out)
	if err != nil {
		// Config holds only strings, numbers, booleans and slices of them.
		return "{}"
	}
	return string(b)
}

// ExecOptions returns the common executor options of the selected
// executor: kubeexec's for kube and kubernetes, sshexec's otherwise
// (including mock, whose fake nodes render the same commands).
func (c Config) ExecOptions() ExecConfig {
	switch c.GlusterFS.Executor {
	case ExecutorKube, ExecutorKubernetes:
		return c.GlusterFS.KubeExec.ExecConfig
	}
	return c.GlusterFS.SSHExec.ExecConfig
}

// CmdExec converts the selected executor's common options (ExecOptions)
// into the command builder's configuration. Sudo is not part of it: the
// ssh transport applies it.
func (c Config) CmdExec() cmdexec.Config {
	e := c.ExecOptions()
	return cmdexec.Config{
		Fstab:                e.Fstab,
		MountOpts:            e.MountOpts,
		SnapshotLimit:        e.SnapshotLimit,
		RebalanceOnExpansion: e.RebalanceOnExpansion,
		BackupLVMMetadata:    e.BackupLVMMetadata,
		GlusterCLITimeout:    int(e.GlusterCLITimeout),
		PVDataAlignment:      e.PVDataAlignment,
		VGPhysicalExtentSize: e.VGPhysicalExtentSize,
		LVChunkSize:          e.LVChunkSize,
		XFSSw:                e.XFSSw,
		XFSSu:                e.XFSSu,
		DebugUmountFailures:  e.DebugUmountFailures,
		BlockPrealloc:        e.BlockPrealloc,
		LVMWrapper:           e.LVMWrapper,
	}
}
