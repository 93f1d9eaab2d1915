// Package config is the Basalt server's typed configuration.
//
// A Config is built in one pass by Load: Heketi's defaults, then the JSON file
// (heketi.json, with Heketi's key names and encoding/json semantics), then the
// HEKETI_* environment variables, then command-line flags; the result is
// normalized (Heketi's "zero means default" rules) and validated once. The
// returned value holds every setting; the package keeps no mutable state, so
// callers pass the Config (or the parts they need) down explicitly.
//
// docs/config.md describes every key, its default, the environment variable
// that overrides it and where Basalt differs from Heketi.
package config

import (
	"path/filepath"
	"time"
)

// Executor names accepted in glusterfs.executor and HEKETI_EXECUTOR.
const (
	ExecutorMock       = "mock"
	ExecutorSSH        = "ssh"
	ExecutorKube       = "kube"
	ExecutorKubernetes = "kubernetes"
	ExecutorInjectSSH  = "inject/ssh"
	ExecutorInjectMock = "inject/mock"
)

// Admin states accepted in default_state and HEKETI_DEFAULT_STATE.
const (
	StateNormal      = "normal"
	StateReadOnly    = "read-only"
	StateLocalClient = "local-client"
)

// Zone checking modes accepted in glusterfs.zone_checking.
const (
	ZoneCheckingNone   = "none"
	ZoneCheckingStrict = "strict"
)

// Heketi's defaults, applied by Default and, for keys where Heketi treats
// zero as "use the default", again after all sources are merged.
const (
	DefaultPort                      = "8080" // Basalt: Heketi has no default port
	DefaultDBFile                    = "heketi.db"
	DefaultLogLevel                  = "info"
	DefaultBrickMaxSizeGB            = 4096
	DefaultBrickMinSizeGB            = 1
	DefaultMaxBricksPerVolume        = 32
	DefaultAverageFileSizeKB         = 64
	DefaultMaxVolumesPerCluster      = 1000
	DefaultBlockHostingVolumeSizeGB  = 1024
	DefaultBlockHostingVolumeOptions = "group gluster-block"
	DefaultRefreshTimeMonitor        = 120
	DefaultStartTimeMonitor          = 10
	DefaultMaxInflightOperations     = 8
	DefaultRefreshTimeCleaner        = 3600
	DefaultStartTimeCleaner          = 60
	DefaultVolumeCreateRetries       = 4
	DefaultJWTIATLeewaySeconds       = 120
	DefaultKubeDBSecretName          = "heketi-db-backup"
	DefaultMockDeviceSizeGB          = 500

	DefaultFstab                = "/etc/fstab"
	DefaultMountOpts            = "rw,inode64,noatime,nouuid"
	DefaultGlusterCLITimeout    = 600
	DefaultPVDataAlignment      = "256K"
	DefaultVGPhysicalExtentSize = "4M"
	DefaultLVChunkSize          = "256K"
	DefaultBlockPrealloc        = "full"

	DefaultSSHUser               = "heketi"
	DefaultSSHPort               = "22"
	DefaultSSHMaxSessionsPerHost = 8
	DefaultSSHConnectTimeout     = 30
	DefaultKubeMaxConnections    = 64

	DefaultHTTPReadTimeout           = 60
	DefaultHTTPWriteTimeout          = 120
	DefaultHTTPIdleTimeout           = 120
	DefaultMaxRunningJobs            = 32
	DefaultJobResultRetentionMinutes = 10
	DefaultShutdownGraceSeconds      = 30
)

// Config is the whole server configuration. JSON names are Heketi's
// (heketi.json); fields marked Basalt-only are extensions Heketi does not know.
type Config struct {
	// Port is the TCP port the API listens on (HEKETI_HTTP_PORT).
	Port string `json:"port"`
	// UseAuth is accepted for compatibility and ignored, as in Heketi: auth
	// is on unless the server is started with --disable-auth.
	UseAuth bool `json:"use_auth"`
	// JWT holds the HMAC secrets for the "admin" and "user" issuers.
	JWT JWTConfig `json:"jwt"`
	// BackupDBToKubeSecret copies the DB into a Kubernetes Secret after
	// every change (HEKETI_BACKUP_DB_TO_KUBE_SECRET).
	BackupDBToKubeSecret bool `json:"backup_db_to_kube_secret"`
	// KubeDBSecretName names that Secret (Basalt-only key;
	// HEKETI_KUBE_DB_SECRET_NAME).
	KubeDBSecretName string `json:"kube_db_secret_name"`
	// EnableTLS serves HTTPS with CertFile and KeyFile.
	EnableTLS bool `json:"enable_tls"`
	// CertFile is the PEM certificate (chain) for HTTPS.
	CertFile string `json:"cert_file"`
	// KeyFile is the PEM private key for HTTPS.
	KeyFile string `json:"key_file"`
	// Profiling enables the unauthenticated /debug/pprof routes
	// (HEKETI_PROFILING).
	Profiling bool `json:"profiling"`
	// DefaultState is the initial admin state: normal, read-only or
	// local-client (HEKETI_DEFAULT_STATE).
	DefaultState string `json:"default_state"`
	// MockDeviceSizeGB is the size every device reports under the mock
	// executor (Basalt-only key; HEKETI_MOCK_DEVICE_SIZE_GB).
	MockDeviceSizeGB int `json:"mock_device_size_gb"`
	// GlusterFS is the "glusterfs" object: application and executor settings.
	GlusterFS GlusterFSConfig `json:"glusterfs"`
	// Basalt is the Basalt-only "basalt" object: HTTP server and job runner.
	Basalt BasaltConfig `json:"basalt"`

	// DisableAuth is set only by the --disable-auth flag: no JWT checks.
	DisableAuth bool `json:"-"`
	// UnknownKeys lists, sorted, the dotted paths of file keys Basalt does not
	// know (keys starting with "_" excluded). They are ignored, as Heketi
	// does; the server should log a warning for each.
	UnknownKeys []string `json:"-"`
	// IgnoredKeys lists, sorted, the dotted paths of known keys present in the
	// file that have no effect (use_auth, allocator, ...). See Warnings.
	IgnoredKeys []string `json:"-"`
}

// JWTConfig is the "jwt" object.
type JWTConfig struct {
	// Admin is the key for tokens with iss "admin" (HEKETI_ADMIN_KEY).
	Admin JWTKey `json:"admin"`
	// User is the key for tokens with iss "user" (HEKETI_USER_KEY).
	User JWTKey `json:"user"`
	// IATLeewaySeconds is how far in the future a token's iat may be
	// (Basalt-only key; HEKETI_JWT_IAT_LEEWAY_SECONDS; default 120).
	IATLeewaySeconds uint64 `json:"iat_leeway_seconds"`
}

// JWTKey is one issuer's entry in the "jwt" object.
type JWTKey struct {
	// Key is the shared HMAC secret, used as raw bytes.
	Key string `json:"key"`
}

// IATLeeway returns IATLeewaySeconds as a duration.
func (j JWTConfig) IATLeeway() time.Duration {
	return time.Duration(j.IATLeewaySeconds) * time.Second
}

// GlusterFSConfig is the "glusterfs" object.
type GlusterFSConfig struct {
	// Executor selects the executor: mock, ssh, kube, kubernetes,
	// inject/ssh or inject/mock (HEKETI_EXECUTOR; default ssh).
	Executor string `json:"executor"`
	// DBFile is the bolt database path (HEKETI_DB_PATH; default heketi.db).
	DBFile string `json:"db"`
	// DBReadOnly opens the database read-only.
	DBReadOnly bool `json:"db_read_only"`
	// Allocator is accepted for compatibility and unused, as in Heketi.
	Allocator string `json:"allocator"`
	// LogLevel is none, critical, error, warning, info or debug
	// (HEKETI_GLUSTERAPP_LOGLEVEL; default info).
	LogLevel string `json:"loglevel"`
	// BrickMaxSizeGB is the largest brick the allocator creates (0: 4096).
	BrickMaxSizeGB int `json:"brick_max_size_gb"`
	// BrickMinSizeGB is the smallest brick the allocator creates (0: 1).
	BrickMinSizeGB int `json:"brick_min_size_gb"`
	// MaxBricksPerVolume caps the bricks of one volume (0: 32).
	MaxBricksPerVolume int `json:"max_bricks_per_volume"`
	// AverageFileSizeKB sizes arbiter bricks (0: 64).
	AverageFileSizeKB uint64 `json:"average_file_size_kb"`
	// PreRequestVolumeOptions are comma-separated "key value" gluster volume
	// options put before a request's own (HEKETI_PRE_REQUEST_VOLUME_OPTIONS).
	PreRequestVolumeOptions string `json:"pre_request_volume_options"`
	// PostRequestVolumeOptions are put after a request's own options
	// (HEKETI_POST_REQUEST_VOLUME_OPTIONS).
	PostRequestVolumeOptions string `json:"post_request_volume_options"`
	// ZoneChecking is none or strict (HEKETI_ZONE_CHECKING; default none).
	ZoneChecking string `json:"zone_checking"`
	// MaxVolumesPerCluster caps volumes per cluster; 0 means 1000, negative
	// means unlimited (HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER).
	MaxVolumesPerCluster int `json:"max_volumes_per_cluster"`
	// AutoCreateBlockHostingVolume creates block hosting volumes on demand
	// (HEKETI_AUTO_CREATE_BLOCK_HOSTING_VOLUME).
	AutoCreateBlockHostingVolume bool `json:"auto_create_block_hosting_volume"`
	// BlockHostingVolumeSizeGB is the size of auto-created block hosting
	// volumes (HEKETI_BLOCK_HOSTING_VOLUME_SIZE; 0: 1024).
	BlockHostingVolumeSizeGB int `json:"block_hosting_volume_size"`
	// BlockHostingVolumeOptions are the comma-separated options of block
	// hosting volumes (HEKETI_BLOCK_HOSTING_VOLUME_OPTIONS).
	BlockHostingVolumeOptions string `json:"block_hosting_volume_options"`
	// DisableMonitorGlusterNodes turns the node health monitor off
	// (HEKETI_DISABLE_HEALTH_MONITOR).
	DisableMonitorGlusterNodes bool `json:"disable_monitor_gluster_nodes"`
	// RefreshTimeMonitorGlusterNodes is the monitor period in seconds (0: 120).
	RefreshTimeMonitorGlusterNodes uint32 `json:"refresh_time_monitor_gluster_nodes"`
	// StartTimeMonitorGlusterNodes is the delay before the first check (0: 10).
	StartTimeMonitorGlusterNodes uint32 `json:"start_time_monitor_gluster_nodes"`
	// MaxInflightOperations caps concurrent state-changing operations
	// (HEKETI_MAX_INFLIGHT_OPERATIONS; 0: 8).
	MaxInflightOperations uint64 `json:"max_inflight_operations"`
	// DisableBackgroundCleaner turns the stale-operation cleaner off
	// (HEKETI_DISABLE_BACKGROUND_CLEANER).
	DisableBackgroundCleaner bool `json:"disable_background_cleaner"`
	// RefreshTimeBackgroundCleaner is the cleaner period in seconds (0: 3600).
	RefreshTimeBackgroundCleaner uint32 `json:"refresh_time_background_cleaner"`
	// StartTimeBackgroundCleaner is the delay before the first clean (0: 60).
	StartTimeBackgroundCleaner uint32 `json:"start_time_background_cleaner"`
	// OperationRetryLimits is the "operation_retry_limits" object.
	OperationRetryLimits RetryLimits `json:"operation_retry_limits"`
	// SSHExec configures the ssh executor (and inject/ssh).
	SSHExec SSHConfig `json:"sshexec"`
	// KubeExec configures the kube/kubernetes executor.
	KubeExec KubeConfig `json:"kubeexec"`
	// InjectExec holds the test-only fault injection hooks of the inject/*
	// executors.
	InjectExec InjectConfig `json:"injectexec"`
}

// RetryLimits is the "operation_retry_limits" object.
type RetryLimits struct {
	// VolumeCreate is how many times a failed volume create is retried with
	// a new placement (0: 4, i.e. 5 attempts).
	VolumeCreate int `json:"volume_create"`
}

// ExecConfig holds the executor keys common to "sshexec" and "kubeexec"
// (Heketi's cmdexec options). CmdExec converts the selected one into a
// cmdexec.Config.
type ExecConfig struct {
	// Fstab is the file brick mounts are written to (HEKETI_FSTAB).
	Fstab string `json:"fstab"`
	// MountOpts are the brick mount options (HEKETI_MOUNT_OPTS).
	MountOpts string `json:"mountopts"`
	// Sudo prefixes every command with "sudo " (ssh transport only).
	Sudo bool `json:"sudo"`
	// SnapshotLimit, when > 0, sets snap-max-hard-limit after each peer
	// probe (HEKETI_SNAPSHOT_LIMIT).
	SnapshotLimit int `json:"snapshot_limit"`
	// RebalanceOnExpansion starts a rebalance after add-brick. As in Heketi
	// the file value is overwritten with true; only
	// HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION can turn it off.
	RebalanceOnExpansion bool `json:"rebalance_on_expansion"`
	// BackupLVMMetadata passes --autobackup=y to LVM commands.
	BackupLVMMetadata bool `json:"backup_lvm_metadata"`
	// GlusterCLITimeout is the gluster CLI --timeout in seconds
	// (HEKETI_GLUSTER_CLI_TIMEOUT; 0: 600).
	GlusterCLITimeout uint32 `json:"gluster_cli_timeout"`
	// PVDataAlignment is pvcreate --dataalignment (default 256K).
	PVDataAlignment string `json:"pv_data_alignment"`
	// VGPhysicalExtentSize is vgcreate --physicalextentsize (default 4M).
	VGPhysicalExtentSize string `json:"vg_physicalextentsize"`
	// LVChunkSize is the thin pool --chunksize (default 256K).
	LVChunkSize string `json:"lv_chunksize"`
	// XFSSw is the mkfs.xfs stripe width; used only with XFSSu.
	XFSSw int `json:"xfs_sw"`
	// XFSSu is the mkfs.xfs stripe unit; used only with XFSSw.
	XFSSu int `json:"xfs_su"`
	// DebugUmountFailures runs lsof after a failed umount
	// (HEKETI_DEBUG_UMOUNT_FAILURES).
	DebugUmountFailures bool `json:"debug_umount_failures"`
	// BlockPrealloc is gluster-block's prealloc value
	// (HEKETI_BLOCK_VOLUME_DEFAULT_PREALLOC; default full).
	BlockPrealloc string `json:"block_prealloc"`
	// LVMWrapper prefixes lvm and udevadm invocations (HEKETI_LVM_WRAPPER).
	LVMWrapper string `json:"lvm_wrapper"`
}

// SSHConfig is the "sshexec" object.
type SSHConfig struct {
	ExecConfig
	// KeyFile is the private key file (HEKETI_SSH_KEYFILE); required by the
	// ssh executor.
	KeyFile string `json:"keyfile"`
	// User is the login user (HEKETI_SSH_USER; default heketi).
	User string `json:"user"`
	// Port is the SSH port (HEKETI_SSH_PORT; default 22).
	Port string `json:"port"`
	// KnownHostsFile names the known_hosts file, or several separated by
	// the OS path list separator (Basalt-only key; env SSH_KNOWN_HOSTS).
	KnownHostsFile string `json:"known_hosts_file"`
	// InsecureIgnoreHostKey skips host key verification, Heketi's behaviour
	// (Basalt-only key, explicit opt-in).
	InsecureIgnoreHostKey bool `json:"insecure_ignore_host_key"`
	// MaxSessionsPerHost caps concurrent sessions to one node (Basalt-only
	// key; 0: 8).
	MaxSessionsPerHost int `json:"max_sessions_per_host"`
	// ConnectTimeoutSeconds bounds the TCP connect and SSH handshake
	// (Basalt-only key; 0: 30).
	ConnectTimeoutSeconds int `json:"connect_timeout_seconds"`
}

// KnownHostsFiles splits KnownHostsFile into its file names.
func (s SSHConfig) KnownHostsFiles() []string {
	var files []string
	for _, f := range filepath.SplitList(s.KnownHostsFile) {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// ConnectTimeout returns ConnectTimeoutSeconds as a duration.
func (s SSHConfig) ConnectTimeout() time.Duration {
	return time.Duration(s.ConnectTimeoutSeconds) * time.Second
}

// KubeConfig is the "kubeexec" object.
type KubeConfig struct {
	ExecConfig
	// Namespace holds the gluster pods (HEKETI_KUBE_NAMESPACE); empty means
	// the namespace of the server's own service account.
	Namespace string `json:"namespace"`
	// GlusterDaemonSet selects pods by node name instead of by label
	// (HEKETI_KUBE_GLUSTER_DAEMONSET).
	GlusterDaemonSet bool `json:"gluster_daemonset"`
	// UsePodNames treats node manage hostnames as pod names
	// (HEKETI_KUBE_USE_POD_NAMES).
	UsePodNames bool `json:"use_pod_names"`
	// MaxConnections caps concurrent pod execs; 0 means 64, negative means
	// unlimited.
	MaxConnections int64 `json:"max_connections"`
	// DisableTimeoutPrefix runs commands without the "timeout <N>m" prefix.
	DisableTimeoutPrefix bool `json:"disable_timeout_prefix"`
	// Kubeconfig is a kubeconfig file for running outside the cluster
	// (Basalt-only key); empty means the in-cluster configuration.
	Kubeconfig string `json:"kubeconfig"`
}

// InjectConfig is the "injectexec" object (test-only fault injection). Its
// inner key names are Heketi's Go field names; matching is case-insensitive.
type InjectConfig struct {
	// CommandInjection holds the hooks.
	CommandInjection CommandInjection `json:"command_injection"`
}

// CommandInjection is the "command_injection" object.
type CommandInjection struct {
	// Commands are checked before a command runs.
	Commands []CommandHook `json:"commands"`
	// Results are checked after a command ran.
	Results []ResultHook `json:"results"`
}

// CommandHook replaces the result of commands matching Cmd.
type CommandHook struct {
	// Cmd is a regular expression matched against the command line.
	Cmd string `json:"Cmd"`
	// CondFile, when set, makes the hook fire only while this file exists.
	CondFile string `json:"CondFile"`
	// Reaction is what the hook produces.
	Reaction Reaction `json:"Reaction"`
}

// ResultHook replaces results matching both Cmd and Result.
type ResultHook struct {
	// Result is a regular expression matched against the output or error.
	Result string `json:"Result"`
	CommandHook
}

// Reaction is the fake outcome of a hooked command.
type Reaction struct {
	// Result is the fake standard output.
	Result string `json:"Result"`
	// Err, when set, makes the command fail with this text.
	Err string `json:"Err"`
	// Pause sleeps this many seconds first.
	Pause uint64 `json:"Pause"`
	// Panic, when set, panics the server with this text.
	Panic string `json:"Panic"`
	// ExitStatus is the fake exit status.
	ExitStatus int `json:"ExitStatus"`
	// ErrOutput is the fake standard error.
	ErrOutput string `json:"ErrOutput"`
	// ForceErr fails the command even when Err is empty.
	ForceErr bool `json:"ForceErr"`
	// ForceErrOutput keeps ErrOutput empty even when Err is set.
	ForceErrOutput bool `json:"ForceErrOutput"`
}

// BasaltConfig is the Basalt-only "basalt" object.
type BasaltConfig struct {
	// ListenAddress is the IP or host name to listen on; empty means all
	// interfaces.
	ListenAddress string `json:"listen_address"`
	// HTTPReadTimeoutSeconds bounds reading a request (0: 60).
	HTTPReadTimeoutSeconds int `json:"http_read_timeout_seconds"`
	// HTTPWriteTimeoutSeconds bounds writing a response (0: 120).
	HTTPWriteTimeoutSeconds int `json:"http_write_timeout_seconds"`
	// HTTPIdleTimeoutSeconds bounds idle keep-alive connections (0: 120).
	HTTPIdleTimeoutSeconds int `json:"http_idle_timeout_seconds"`
	// MaxRunningJobs caps concurrently running async jobs (0: 32).
	MaxRunningJobs int `json:"max_running_jobs"`
	// JobResultRetentionMinutes is how long a finished job's result stays
	// readable after it is first read; 0 deletes it on the first read, as
	// Heketi does. Default 10.
	JobResultRetentionMinutes int `json:"job_result_retention_minutes"`
	// ShutdownGraceSeconds is how long shutdown waits for running work
	// (0: 30).
	ShutdownGraceSeconds int `json:"shutdown_grace_seconds"`
}

// HTTPReadTimeout returns HTTPReadTimeoutSeconds as a duration.
func (b BasaltConfig) HTTPReadTimeout() time.Duration {
	return time.Duration(b.HTTPReadTimeoutSeconds) * time.Second
}

// HTTPWriteTimeout returns HTTPWriteTimeoutSeconds as a duration.
func (b BasaltConfig) HTTPWriteTimeout() time.Duration {
	return time.Duration(b.HTTPWriteTimeoutSeconds) * time.Second
}

// HTTPIdleTimeout returns HTTPIdleTimeoutSeconds as a duration.
func (b BasaltConfig) HTTPIdleTimeout() time.Duration {
	return time.Duration(b.HTTPIdleTimeoutSeconds) * time.Second
}

// JobResultRetention returns JobResultRetentionMinutes as a duration.
func (b BasaltConfig) JobResultRetention() time.Duration {
	return time.Duration(b.JobResultRetentionMinutes) * time.Minute
}

// ShutdownGrace returns ShutdownGraceSeconds as a duration.
func (b BasaltConfig) ShutdownGrace() time.Duration {
	return time.Duration(b.ShutdownGraceSeconds) * time.Second
}

// Default returns the configuration used when no file, environment or flag
// sets anything: Heketi's defaults plus Basalt's. It does not validate: the
// JWT keys and the ssh key file are empty.
func Default() Config {
	exec := defaultExec()
	return Config{
		Port:             DefaultPort,
		KubeDBSecretName: DefaultKubeDBSecretName,
		DefaultState:     StateNormal,
		MockDeviceSizeGB: DefaultMockDeviceSizeGB,
		JWT:              JWTConfig{IATLeewaySeconds: DefaultJWTIATLeewaySeconds},
		GlusterFS: GlusterFSConfig{
			Executor:                       ExecutorSSH,
			DBFile:                         DefaultDBFile,
			LogLevel:                       DefaultLogLevel,
			BrickMaxSizeGB:                 DefaultBrickMaxSizeGB,
			BrickMinSizeGB:                 DefaultBrickMinSizeGB,
			MaxBricksPerVolume:             DefaultMaxBricksPerVolume,
			AverageFileSizeKB:              DefaultAverageFileSizeKB,
			ZoneChecking:                   ZoneCheckingNone,
			MaxVolumesPerCluster:           DefaultMaxVolumesPerCluster,
			BlockHostingVolumeSizeGB:       DefaultBlockHostingVolumeSizeGB,
			BlockHostingVolumeOptions:      DefaultBlockHostingVolumeOptions,
			RefreshTimeMonitorGlusterNodes: DefaultRefreshTimeMonitor,
			StartTimeMonitorGlusterNodes:   DefaultStartTimeMonitor,
			MaxInflightOperations:          DefaultMaxInflightOperations,
			RefreshTimeBackgroundCleaner:   DefaultRefreshTimeCleaner,
			StartTimeBackgroundCleaner:     DefaultStartTimeCleaner,
			OperationRetryLimits:           RetryLimits{VolumeCreate: DefaultVolumeCreateRetries},
			SSHExec: SSHConfig{
				ExecConfig:            exec,
				User:                  DefaultSSHUser,
				Port:                  DefaultSSHPort,
				MaxSessionsPerHost:    DefaultSSHMaxSessionsPerHost,
				ConnectTimeoutSeconds: DefaultSSHConnectTimeout,
			},
			KubeExec: KubeConfig{
				ExecConfig:     exec,
				MaxConnections: DefaultKubeMaxConnections,
			},
		},
		Basalt: BasaltConfig{
			HTTPReadTimeoutSeconds:    DefaultHTTPReadTimeout,
			HTTPWriteTimeoutSeconds:   DefaultHTTPWriteTimeout,
			HTTPIdleTimeoutSeconds:    DefaultHTTPIdleTimeout,
			MaxRunningJobs:            DefaultMaxRunningJobs,
			JobResultRetentionMinutes: DefaultJobResultRetentionMinutes,
			ShutdownGraceSeconds:      DefaultShutdownGraceSeconds,
		},
	}
}

func defaultExec() ExecConfig {
	return ExecConfig{
		Fstab:                DefaultFstab,
		MountOpts:            DefaultMountOpts,
		RebalanceOnExpansion: true,
		GlusterCLITimeout:    DefaultGlusterCLITimeout,
		PVDataAlignment:      DefaultPVDataAlignment,
		VGPhysicalExtentSize: DefaultVGPhysicalExtentSize,
		LVChunkSize:          DefaultLVChunkSize,
		BlockPrealloc:        DefaultBlockPrealloc,
	}
}
