package config

import (
	"fmt"
	"strconv"
	"strings"
)

// envVar is one environment variable the server honours and how it is
// applied to the configuration.
type envVar struct {
	name  string
	apply func(c *Config, v string) error
}

// applyEnv applies every set, non-empty variable in the order of envVars.
func (c *Config) applyEnv(env Env) error {
	if env == nil {
		return nil
	}
	for _, e := range envVars() {
		v, ok := env(e.name)
		if !ok || v == "" {
			continue
		}
		if err := e.apply(c, v); err != nil {
			return fmt.Errorf("environment variable %s: %w", e.name, err)
		}
	}
	return nil
}

// both applies f to the common options of sshexec and kubeexec: the
// command-level variables are read by Heketi for either transport.
func both(c *Config, f func(*ExecConfig)) {
	f(&c.GlusterFS.SSHExec.ExecConfig)
	f(&c.GlusterFS.KubeExec.ExecConfig)
}

// envVars lists the server's environment variables (facts 6.2) with
// Heketi's parsing rules. Heketi ignores values it cannot parse; Basalt
// reports them.
func envVars() []envVar {
	str := func(name string, set func(*Config, string)) envVar {
		return envVar{name, func(c *Config, v string) error { set(c, v); return nil }}
	}
	// present: any non-empty value means true.
	present := func(name string, set func(*Config)) envVar {
		return envVar{name, func(c *Config, _ string) error { set(c); return nil }}
	}
	boolean := func(name string, set func(*Config, bool)) envVar {
		return envVar{name, func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("expected true or false, got %q", v)
			}
			set(c, b)
			return nil
		}}
	}
	// yesNo: the first character decides, y/1 true and n/0 false.
	yesNo := func(name string, set func(*Config, bool)) envVar {
		return envVar{name, func(c *Config, v string) error {
			switch strings.ToLower(v)[0] {
			case 'y', '1':
				set(c, true)
			case 'n', '0':
				set(c, false)
			default:
				return fmt.Errorf("expected a value starting with y, n, 1 or 0, got %q", v)
			}
			return nil
		}}
	}
	integer := func(name string, set func(*Config, int)) envVar {
		return envVar{name, func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("expected an integer, got %q", v)
			}
			set(c, n)
			return nil
		}}
	}
	unsigned := func(name string, bits int, set func(*Config, uint64)) envVar {
		return envVar{name, func(c *Config, v string) error {
			n, err := strconv.ParseUint(v, 10, bits)
			if err != nil {
				return fmt.Errorf("expected an integer from 0 to %d, got %q", uint64(1<<bits-1), v)
			}
			set(c, n)
			return nil
		}}
	}

	return []envVar{
		// Server (Heketi main.go).
		str("HEKETI_USER_KEY", func(c *Config, v string) { c.JWT.User.Key = v }),
		str("HEKETI_ADMIN_KEY", func(c *Config, v string) { c.JWT.Admin.Key = v }),
		str("HEKETI_HTTP_PORT", func(c *Config, v string) { c.Port = v }),
		present("HEKETI_BACKUP_DB_TO_KUBE_SECRET", func(c *Config) { c.BackupDBToKubeSecret = true }),
		present("HEKETI_PROFILING", func(c *Config) { c.Profiling = true }),
		str("HEKETI_DEFAULT_STATE", func(c *Config, v string) { c.DefaultState = v }),
		boolean("HEKETI_DISABLE_HEALTH_MONITOR", func(c *Config, b bool) { c.GlusterFS.DisableMonitorGlusterNodes = b }),
		boolean("HEKETI_DISABLE_BACKGROUND_CLEANER", func(c *Config, b bool) { c.GlusterFS.DisableBackgroundCleaner = b }),
		unsigned("HEKETI_JWT_IAT_LEEWAY_SECONDS", 64, func(c *Config, n uint64) { c.JWT.IATLeewaySeconds = n }),
		str("HEKETI_KUBE_DB_SECRET_NAME", func(c *Config, v string) { c.KubeDBSecretName = v }),
		integer("HEKETI_MOCK_DEVICE_SIZE_GB", func(c *Config, n int) { c.MockDeviceSizeGB = n }),

		// Application (Heketi apps/glusterfs/app.go).
		str("HEKETI_EXECUTOR", func(c *Config, v string) { c.GlusterFS.Executor = v }),
		str("HEKETI_DB_PATH", func(c *Config, v string) { c.GlusterFS.DBFile = v }),
		str("HEKETI_GLUSTERAPP_LOGLEVEL", func(c *Config, v string) { c.GlusterFS.LogLevel = v }),
		boolean("HEKETI_AUTO_CREATE_BLOCK_HOSTING_VOLUME", func(c *Config, b bool) { c.GlusterFS.AutoCreateBlockHostingVolume = b }),
		integer("HEKETI_BLOCK_HOSTING_VOLUME_SIZE", func(c *Config, n int) { c.GlusterFS.BlockHostingVolumeSizeGB = n }),
		str("HEKETI_BLOCK_HOSTING_VOLUME_OPTIONS", func(c *Config, v string) { c.GlusterFS.BlockHostingVolumeOptions = v }),
		boolean("HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION", func(c *Config, b bool) {
			both(c, func(e *ExecConfig) { e.RebalanceOnExpansion = b })
		}),
		unsigned("HEKETI_MAX_INFLIGHT_OPERATIONS", 64, func(c *Config, n uint64) { c.GlusterFS.MaxInflightOperations = n }),
		str("HEKETI_PRE_REQUEST_VOLUME_OPTIONS", func(c *Config, v string) { c.GlusterFS.PreRequestVolumeOptions = v }),
		str("HEKETI_POST_REQUEST_VOLUME_OPTIONS", func(c *Config, v string) { c.GlusterFS.PostRequestVolumeOptions = v }),
		str("HEKETI_ZONE_CHECKING", func(c *Config, v string) { c.GlusterFS.ZoneChecking = v }),
		integer("HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER", func(c *Config, n int) { c.GlusterFS.MaxVolumesPerCluster = n }),

		// Common executor options (Heketi executors/cmdexec), both transports.
		unsigned("HEKETI_GLUSTER_CLI_TIMEOUT", 32, func(c *Config, n uint64) {
			both(c, func(e *ExecConfig) { e.GlusterCLITimeout = uint32(n) })
		}),
		boolean("HEKETI_DEBUG_UMOUNT_FAILURES", func(c *Config, b bool) {
			both(c, func(e *ExecConfig) { e.DebugUmountFailures = b })
		}),
		str("HEKETI_BLOCK_VOLUME_DEFAULT_PREALLOC", func(c *Config, v string) {
			both(c, func(e *ExecConfig) { e.BlockPrealloc = v })
		}),
		str("HEKETI_LVM_WRAPPER", func(c *Config, v string) {
			both(c, func(e *ExecConfig) { e.LVMWrapper = v })
		}),
		str("HEKETI_FSTAB", func(c *Config, v string) {
			both(c, func(e *ExecConfig) { e.Fstab = v })
		}),
		str("HEKETI_MOUNT_OPTS", func(c *Config, v string) {
			both(c, func(e *ExecConfig) { e.MountOpts = v })
		}),
		integer("HEKETI_SNAPSHOT_LIMIT", func(c *Config, n int) {
			both(c, func(e *ExecConfig) { e.SnapshotLimit = n })
		}),

		// ssh executor (Heketi executors/sshexec, pkg/remoteexec/ssh).
		str("HEKETI_SSH_KEYFILE", func(c *Config, v string) { c.GlusterFS.SSHExec.KeyFile = v }),
		str("HEKETI_SSH_USER", func(c *Config, v string) { c.GlusterFS.SSHExec.User = v }),
		str("HEKETI_SSH_PORT", func(c *Config, v string) { c.GlusterFS.SSHExec.Port = v }),
		str("SSH_KNOWN_HOSTS", func(c *Config, v string) { c.GlusterFS.SSHExec.KnownHostsFile = v }),

		// kube executor (Heketi executors/kubeexec).
		str("HEKETI_KUBE_NAMESPACE", func(c *Config, v string) { c.GlusterFS.KubeExec.Namespace = v }),
		yesNo("HEKETI_KUBE_GLUSTER_DAEMONSET", func(c *Config, b bool) { c.GlusterFS.KubeExec.GlusterDaemonSet = b }),
		yesNo("HEKETI_KUBE_USE_POD_NAMES", func(c *Config, b bool) { c.GlusterFS.KubeExec.UsePodNames = b }),
	}
}

// applyFlags applies the command line, the last and strongest source.
func (c *Config) applyFlags(f Flags) {
	c.DisableAuth = f.DisableAuth
	if f.Port != "" {
		c.Port = f.Port
	}
	if f.DBPath != "" {
		c.GlusterFS.DBFile = f.DBPath
	}
	if f.Executor != "" {
		c.GlusterFS.Executor = f.Executor
	}
}
