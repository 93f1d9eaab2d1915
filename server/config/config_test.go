package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors/cmdexec"
)

// base is the smallest file that validates: mock executor, both JWT keys.
const base = `{"jwt":{"admin":{"key":"adm"},"user":{"key":"usr"}},"glusterfs":{"executor":"mock"}}`

// mapEnv turns a map into an Env.
func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// merge overlays the JSON object patch on the JSON object doc (objects are
// merged recursively) so a test can state only what it changes.
func merge(t *testing.T, doc, patch string) string {
	t.Helper()
	var d, p map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("bad test document %s: %v", doc, err)
	}
	if err := json.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatalf("bad test patch %s: %v", patch, err)
	}
	var rec func(d, p map[string]any)
	rec = func(d, p map[string]any) {
		for k, v := range p {
			pm, pok := v.(map[string]any)
			dm, dok := d[k].(map[string]any)
			if pok && dok {
				rec(dm, pm)
				continue
			}
			d[k] = v
		}
	}
	rec(d, p)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeFile creates a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustParse(t *testing.T, doc string, env map[string]string, f Flags) Config {
	t.Helper()
	c, err := Parse("test.json", []byte(doc), mapEnv(env), f)
	if err != nil {
		t.Fatalf("expected no error, got %v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	d := Default()
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"port", d.Port, "8080"},
		{"default_state", d.DefaultState, "normal"},
		{"jwt.iat_leeway_seconds", d.JWT.IATLeewaySeconds, uint64(120)},
		{"kube_db_secret_name", d.KubeDBSecretName, "heketi-db-backup"},
		{"mock_device_size_gb", d.MockDeviceSizeGB, 500},
		{"executor", d.GlusterFS.Executor, "ssh"},
		{"db", d.GlusterFS.DBFile, "heketi.db"},
		{"loglevel", d.GlusterFS.LogLevel, "info"},
		{"brick_max_size_gb", d.GlusterFS.BrickMaxSizeGB, 4096},
		{"brick_min_size_gb", d.GlusterFS.BrickMinSizeGB, 1},
		{"max_bricks_per_volume", d.GlusterFS.MaxBricksPerVolume, 32},
		{"average_file_size_kb", d.GlusterFS.AverageFileSizeKB, uint64(64)},
		{"zone_checking", d.GlusterFS.ZoneChecking, "none"},
		{"max_volumes_per_cluster", d.GlusterFS.MaxVolumesPerCluster, 1000},
		{"block_hosting_volume_size", d.GlusterFS.BlockHostingVolumeSizeGB, 1024},
		{"block_hosting_volume_options", d.GlusterFS.BlockHostingVolumeOptions, "group gluster-block"},
		{"refresh_time_monitor_gluster_nodes", d.GlusterFS.RefreshTimeMonitorGlusterNodes, uint32(120)},
		{"start_time_monitor_gluster_nodes", d.GlusterFS.StartTimeMonitorGlusterNodes, uint32(10)},
		{"max_inflight_operations", d.GlusterFS.MaxInflightOperations, uint64(8)},
		{"refresh_time_background_cleaner", d.GlusterFS.RefreshTimeBackgroundCleaner, uint32(3600)},
		{"start_time_background_cleaner", d.GlusterFS.StartTimeBackgroundCleaner, uint32(60)},
		{"operation_retry_limits.volume_create", d.GlusterFS.OperationRetryLimits.VolumeCreate, 4},
		{"sshexec.user", d.GlusterFS.SSHExec.User, "heketi"},
		{"sshexec.port", d.GlusterFS.SSHExec.Port, "22"},
		{"sshexec.max_sessions_per_host", d.GlusterFS.SSHExec.MaxSessionsPerHost, 8},
		{"sshexec.connect_timeout_seconds", d.GlusterFS.SSHExec.ConnectTimeoutSeconds, 30},
		{"sshexec.insecure_ignore_host_key", d.GlusterFS.SSHExec.InsecureIgnoreHostKey, false},
		{"kubeexec.max_connections", d.GlusterFS.KubeExec.MaxConnections, int64(64)},
		{"basalt.listen_address", d.Basalt.ListenAddress, ""},
		{"basalt.http_read_timeout", d.Basalt.HTTPReadTimeout(), 60 * time.Second},
		{"basalt.http_write_timeout", d.Basalt.HTTPWriteTimeout(), 120 * time.Second},
		{"basalt.http_idle_timeout", d.Basalt.HTTPIdleTimeout(), 120 * time.Second},
		{"basalt.max_running_jobs", d.Basalt.MaxRunningJobs, 32},
		{"basalt.job_result_retention", d.Basalt.JobResultRetention(), 10 * time.Minute},
		{"basalt.shutdown_grace", d.Basalt.ShutdownGrace(), 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("expected default %v (%T), got %v (%T)", tc.want, tc.want, tc.got, tc.got)
			}
		})
	}
	t.Run("common executor options equal cmdexec defaults", func(t *testing.T) {
		for name, e := range map[string]ExecConfig{"sshexec": d.GlusterFS.SSHExec.ExecConfig, "kubeexec": d.GlusterFS.KubeExec.ExecConfig} {
			c := Default()
			c.GlusterFS.SSHExec.ExecConfig = e
			if got, want := c.CmdExec(), cmdexec.DefaultConfig(); got != want {
				t.Errorf("%s: expected cmdexec.DefaultConfig() %+v, got %+v", name, want, got)
			}
		}
	})
}

func TestZeroMeansDefault(t *testing.T) {
	doc := merge(t, base, `{"port":"","default_state":"","mock_device_size_gb":0,"glusterfs":{
		"db":"","loglevel":"","brick_max_size_gb":0,"brick_min_size_gb":0,"max_bricks_per_volume":0,
		"average_file_size_kb":0,"zone_checking":"","max_volumes_per_cluster":0,"block_hosting_volume_size":0,
		"block_hosting_volume_options":"","refresh_time_monitor_gluster_nodes":0,"start_time_monitor_gluster_nodes":0,
		"max_inflight_operations":0,"refresh_time_background_cleaner":0,"start_time_background_cleaner":0,
		"operation_retry_limits":{"volume_create":0},
		"sshexec":{"fstab":"","mountopts":"","gluster_cli_timeout":0,"pv_data_alignment":"","vg_physicalextentsize":"",
			"lv_chunksize":"","block_prealloc":"","user":"","port":"","max_sessions_per_host":0,"connect_timeout_seconds":0},
		"kubeexec":{"max_connections":0}},
		"basalt":{"http_read_timeout_seconds":0,"max_running_jobs":0,"job_result_retention_minutes":0}}`)
	got := mustParse(t, doc, nil, Flags{})
	want := Default()
	want.GlusterFS.Executor = ExecutorMock
	want.JWT = got.JWT
	// 0 is meaningful for the retention: Heketi's delete-on-first-read.
	want.Basalt.JobResultRetentionMinutes = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("expected zero values to become defaults:\nwant %+v\n got %+v", want, got)
	}
	t.Run("executor empty means ssh", func(t *testing.T) {
		dir := t.TempDir()
		key := writeFile(t, dir, "id", "k")
		kh := writeFile(t, dir, "kh", "")
		doc := merge(t, base, `{"glusterfs":{"executor":"","sshexec":{"keyfile":"`+key+`","known_hosts_file":"`+kh+`"}}}`)
		if got := mustParse(t, doc, nil, Flags{}).GlusterFS.Executor; got != "ssh" {
			t.Errorf("expected executor ssh, got %q", got)
		}
	})
}

func TestFileValues(t *testing.T) {
	doc := merge(t, base, `{"port":"9090","backup_db_to_kube_secret":true,"profiling":true,"default_state":"read-only",
		"kube_db_secret_name":"sec","mock_device_size_gb":7,
		"jwt":{"iat_leeway_seconds":0},
		"glusterfs":{"db":"/var/lib/x.db","db_read_only":true,"loglevel":"debug","brick_max_size_gb":100,
		"brick_min_size_gb":2,"max_bricks_per_volume":12,"average_file_size_kb":128,
		"pre_request_volume_options":"performance.rda-cache-limit 10MB","post_request_volume_options":"a b, c d",
		"zone_checking":"strict","max_volumes_per_cluster":-1,"auto_create_block_hosting_volume":true,
		"block_hosting_volume_size":500,"block_hosting_volume_options":"group gluster-block,x y",
		"disable_monitor_gluster_nodes":true,"refresh_time_monitor_gluster_nodes":5,"start_time_monitor_gluster_nodes":6,
		"max_inflight_operations":3,"disable_background_cleaner":true,"refresh_time_background_cleaner":7,
		"start_time_background_cleaner":8,"operation_retry_limits":{"volume_create":9},
		"kubeexec":{"namespace":"gl","gluster_daemonset":true,"use_pod_names":true,"max_connections":-5,
			"disable_timeout_prefix":true,"kubeconfig":"","fstab":"/var/lib/heketi/fstab","mountopts":"rw",
			"snapshot_limit":14,"backup_lvm_metadata":true,"gluster_cli_timeout":30,"pv_data_alignment":"1M",
			"vg_physicalextentsize":"8M","lv_chunksize":"512K","xfs_sw":4,"xfs_su":128,"debug_umount_failures":true,
			"block_prealloc":"falloc","lvm_wrapper":"chroot /rootfs"},
		"injectexec":{"command_injection":{"commands":[{"cmd":"^lvcreate","reaction":{"err":"boom","pause":1}}],
			"results":[{"cmd":"x","result":"y","reaction":{"result":"z"}}]}}},
		"basalt":{"listen_address":"127.0.0.1","http_read_timeout_seconds":1,"http_write_timeout_seconds":2,
		"http_idle_timeout_seconds":3,"max_running_jobs":4,"job_result_retention_minutes":5,"shutdown_grace_seconds":6}}`)
	c := mustParse(t, doc, nil, Flags{})
	g := c.GlusterFS
	k := g.KubeExec
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"port", c.Port, "9090"},
		{"backup_db_to_kube_secret", c.BackupDBToKubeSecret, true},
		{"profiling", c.Profiling, true},
		{"default_state", c.DefaultState, "read-only"},
		{"kube_db_secret_name", c.KubeDBSecretName, "sec"},
		{"mock_device_size_gb", c.MockDeviceSizeGB, 7},
		{"jwt.iat_leeway_seconds explicit 0 kept", c.JWT.IATLeewaySeconds, uint64(0)},
		{"db", g.DBFile, "/var/lib/x.db"},
		{"db_read_only", g.DBReadOnly, true},
		{"loglevel", g.LogLevel, "debug"},
		{"brick_max_size_gb", g.BrickMaxSizeGB, 100},
		{"brick_min_size_gb", g.BrickMinSizeGB, 2},
		{"max_bricks_per_volume", g.MaxBricksPerVolume, 12},
		{"average_file_size_kb", g.AverageFileSizeKB, uint64(128)},
		{"pre_request_volume_options", g.PreRequestVolumeOptions, "performance.rda-cache-limit 10MB"},
		{"post_request_volume_options", g.PostRequestVolumeOptions, "a b, c d"},
		{"zone_checking", g.ZoneChecking, "strict"},
		{"max_volumes_per_cluster negative kept (unlimited)", g.MaxVolumesPerCluster, -1},
		{"auto_create_block_hosting_volume", g.AutoCreateBlockHostingVolume, true},
		{"block_hosting_volume_size", g.BlockHostingVolumeSizeGB, 500},
		{"block_hosting_volume_options", g.BlockHostingVolumeOptions, "group gluster-block,x y"},
		{"disable_monitor_gluster_nodes", g.DisableMonitorGlusterNodes, true},
		{"refresh_time_monitor_gluster_nodes", g.RefreshTimeMonitorGlusterNodes, uint32(5)},
		{"start_time_monitor_gluster_nodes", g.StartTimeMonitorGlusterNodes, uint32(6)},
		{"max_inflight_operations", g.MaxInflightOperations, uint64(3)},
		{"disable_background_cleaner", g.DisableBackgroundCleaner, true},
		{"refresh_time_background_cleaner", g.RefreshTimeBackgroundCleaner, uint32(7)},
		{"start_time_background_cleaner", g.StartTimeBackgroundCleaner, uint32(8)},
		{"operation_retry_limits.volume_create", g.OperationRetryLimits.VolumeCreate, 9},
		{"kubeexec.namespace", k.Namespace, "gl"},
		{"kubeexec.gluster_daemonset", k.GlusterDaemonSet, true},
		{"kubeexec.use_pod_names", k.UsePodNames, true},
		{"kubeexec.max_connections negative kept (unlimited)", k.MaxConnections, int64(-5)},
		{"kubeexec.disable_timeout_prefix", k.DisableTimeoutPrefix, true},
		{"kubeexec common options", k.ExecConfig, ExecConfig{Fstab: "/var/lib/heketi/fstab", MountOpts: "rw",
			SnapshotLimit: 14, RebalanceOnExpansion: true, BackupLVMMetadata: true, GlusterCLITimeout: 30,
			PVDataAlignment: "1M", VGPhysicalExtentSize: "8M", LVChunkSize: "512K", XFSSw: 4, XFSSu: 128,
			DebugUmountFailures: true, BlockPrealloc: "falloc", LVMWrapper: "chroot /rootfs"}},
		{"sshexec common options untouched", g.SSHExec.ExecConfig, defaultExec()},
		{"injectexec commands", g.InjectExec.CommandInjection.Commands,
			[]CommandHook{{Cmd: "^lvcreate", Reaction: Reaction{Err: "boom", Pause: 1}}}},
		{"injectexec results", g.InjectExec.CommandInjection.Results,
			[]ResultHook{{Result: "y", CommandHook: CommandHook{Cmd: "x", Reaction: Reaction{Result: "z"}}}}},
		{"basalt", c.Basalt, BasaltConfig{ListenAddress: "127.0.0.1", HTTPReadTimeoutSeconds: 1,
			HTTPWriteTimeoutSeconds: 2, HTTPIdleTimeoutSeconds: 3, MaxRunningJobs: 4,
			JobResultRetentionMinutes: 5, ShutdownGraceSeconds: 6}},
		{"unknown keys", c.UnknownKeys, []string(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("expected %+v, got %+v", tc.want, tc.got)
			}
		})
	}
}

func TestCaseInsensitiveKeys(t *testing.T) {
	c := mustParse(t, `{"PORT":"8081","JWT":{"Admin":{"KEY":"a"},"user":{"Key":"u"}},
		"GlusterFS":{"Executor":"mock","SSHEXEC":{"Snapshot_Limit":3}}}`, nil, Flags{})
	if c.Port != "8081" || c.JWT.Admin.Key != "a" || c.GlusterFS.SSHExec.SnapshotLimit != 3 {
		t.Errorf("expected port 8081, admin key a, snapshot_limit 3, got %q, %q, %d",
			c.Port, c.JWT.Admin.Key, c.GlusterFS.SSHExec.SnapshotLimit)
	}
	if len(c.UnknownKeys) != 0 {
		t.Errorf("expected no unknown keys, got %v", c.UnknownKeys)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	file := merge(t, base, `{"port":"1111","default_state":"normal","glusterfs":{"zone_checking":"none",
		"sshexec":{"fstab":"/f","snapshot_limit":1},"kubeexec":{"namespace":"file","gluster_daemonset":true}}}`)
	cases := []struct {
		env  string
		val  string
		got  func(Config) any
		want any
	}{
		{"HEKETI_USER_KEY", "envu", func(c Config) any { return c.JWT.User.Key }, "envu"},
		{"HEKETI_ADMIN_KEY", "enva", func(c Config) any { return c.JWT.Admin.Key }, "enva"},
		{"HEKETI_HTTP_PORT", "2222", func(c Config) any { return c.Port }, "2222"},
		{"HEKETI_BACKUP_DB_TO_KUBE_SECRET", "no", func(c Config) any { return c.BackupDBToKubeSecret }, true},
		{"HEKETI_PROFILING", "0", func(c Config) any { return c.Profiling }, true},
		{"HEKETI_DEFAULT_STATE", "local-client", func(c Config) any { return c.DefaultState }, "local-client"},
		{"HEKETI_DISABLE_HEALTH_MONITOR", "true", func(c Config) any { return c.GlusterFS.DisableMonitorGlusterNodes }, true},
		{"HEKETI_DISABLE_BACKGROUND_CLEANER", "1", func(c Config) any { return c.GlusterFS.DisableBackgroundCleaner }, true},
		{"HEKETI_JWT_IAT_LEEWAY_SECONDS", "5", func(c Config) any { return c.JWT.IATLeeway() }, 5 * time.Second},
		{"HEKETI_KUBE_DB_SECRET_NAME", "s2", func(c Config) any { return c.KubeDBSecretName }, "s2"},
		{"HEKETI_MOCK_DEVICE_SIZE_GB", "42", func(c Config) any { return c.MockDeviceSizeGB }, 42},
		{"HEKETI_EXECUTOR", "inject/mock", func(c Config) any { return c.GlusterFS.Executor }, "inject/mock"},
		{"HEKETI_DB_PATH", "/e.db", func(c Config) any { return c.GlusterFS.DBFile }, "/e.db"},
		{"HEKETI_GLUSTERAPP_LOGLEVEL", "warning", func(c Config) any { return c.GlusterFS.LogLevel }, "warning"},
		{"HEKETI_AUTO_CREATE_BLOCK_HOSTING_VOLUME", "true", func(c Config) any { return c.GlusterFS.AutoCreateBlockHostingVolume }, true},
		{"HEKETI_BLOCK_HOSTING_VOLUME_SIZE", "50", func(c Config) any { return c.GlusterFS.BlockHostingVolumeSizeGB }, 50},
		{"HEKETI_BLOCK_HOSTING_VOLUME_OPTIONS", "a b", func(c Config) any { return c.GlusterFS.BlockHostingVolumeOptions }, "a b"},
		{"HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION", "false", func(c Config) any { return c.CmdExec().RebalanceOnExpansion }, false},
		{"HEKETI_MAX_INFLIGHT_OPERATIONS", "99", func(c Config) any { return c.GlusterFS.MaxInflightOperations }, uint64(99)},
		{"HEKETI_PRE_REQUEST_VOLUME_OPTIONS", "x y", func(c Config) any { return c.GlusterFS.PreRequestVolumeOptions }, "x y"},
		{"HEKETI_POST_REQUEST_VOLUME_OPTIONS", "p q", func(c Config) any { return c.GlusterFS.PostRequestVolumeOptions }, "p q"},
		{"HEKETI_ZONE_CHECKING", "strict", func(c Config) any { return c.GlusterFS.ZoneChecking }, "strict"},
		{"HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER", "-1", func(c Config) any { return c.GlusterFS.MaxVolumesPerCluster }, -1},
		{"HEKETI_GLUSTER_CLI_TIMEOUT", "60", func(c Config) any { return c.CmdExec().GlusterCLITimeout }, 60},
		{"HEKETI_DEBUG_UMOUNT_FAILURES", "true", func(c Config) any { return c.CmdExec().DebugUmountFailures }, true},
		{"HEKETI_BLOCK_VOLUME_DEFAULT_PREALLOC", "falloc", func(c Config) any { return c.CmdExec().BlockPrealloc }, "falloc"},
		{"HEKETI_LVM_WRAPPER", "w", func(c Config) any { return c.CmdExec().LVMWrapper }, "w"},
		{"HEKETI_FSTAB", "/env/fstab", func(c Config) any { return c.GlusterFS.KubeExec.Fstab + " " + c.GlusterFS.SSHExec.Fstab }, "/env/fstab /env/fstab"},
		{"HEKETI_MOUNT_OPTS", "ro", func(c Config) any { return c.CmdExec().MountOpts }, "ro"},
		{"HEKETI_SNAPSHOT_LIMIT", "14", func(c Config) any { return c.CmdExec().SnapshotLimit }, 14},
		{"HEKETI_SSH_KEYFILE", "/k", func(c Config) any { return c.GlusterFS.SSHExec.KeyFile }, "/k"},
		{"HEKETI_SSH_USER", "root", func(c Config) any { return c.GlusterFS.SSHExec.User }, "root"},
		{"HEKETI_SSH_PORT", "2200", func(c Config) any { return c.GlusterFS.SSHExec.Port }, "2200"},
		{"SSH_KNOWN_HOSTS", "/a:/b", func(c Config) any { return c.GlusterFS.SSHExec.KnownHostsFiles() }, []string{"/a", "/b"}},
		{"HEKETI_KUBE_NAMESPACE", "envns", func(c Config) any { return c.GlusterFS.KubeExec.Namespace }, "envns"},
		{"HEKETI_KUBE_GLUSTER_DAEMONSET", "No", func(c Config) any { return c.GlusterFS.KubeExec.GlusterDaemonSet }, false},
		{"HEKETI_KUBE_USE_POD_NAMES", "Yes", func(c Config) any { return c.GlusterFS.KubeExec.UsePodNames }, true},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.env] = true
		t.Run(tc.env, func(t *testing.T) {
			c := mustParse(t, file, map[string]string{tc.env: tc.val}, Flags{})
			if got := tc.got(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s=%q: expected %v, got %v", tc.env, tc.val, tc.want, got)
			}
		})
	}
	for _, e := range envVars() {
		if !seen[e.name] {
			t.Errorf("expected a test case for %s, found none", e.name)
		}
	}
	t.Run("empty value is absent", func(t *testing.T) {
		c := mustParse(t, file, map[string]string{"HEKETI_HTTP_PORT": "", "HEKETI_PROFILING": ""}, Flags{})
		if c.Port != "1111" || c.Profiling {
			t.Errorf("expected port 1111 and profiling off, got %q and %v", c.Port, c.Profiling)
		}
	})
	t.Run("zero from env means default", func(t *testing.T) {
		c := mustParse(t, file, map[string]string{"HEKETI_GLUSTER_MAX_VOLUMES_PER_CLUSTER": "0", "HEKETI_MAX_INFLIGHT_OPERATIONS": "0"}, Flags{})
		if c.GlusterFS.MaxVolumesPerCluster != 1000 || c.GlusterFS.MaxInflightOperations != 8 {
			t.Errorf("expected 1000 and 8, got %d and %d", c.GlusterFS.MaxVolumesPerCluster, c.GlusterFS.MaxInflightOperations)
		}
	})
}

func TestFlagsOverrideEnv(t *testing.T) {
	env := map[string]string{"HEKETI_HTTP_PORT": "2222", "HEKETI_DB_PATH": "/env.db", "HEKETI_EXECUTOR": "ssh"}
	cases := []struct {
		name  string
		flags Flags
		want  [3]string
		auth  bool
	}{
		{"no flags keep env", Flags{Executor: "mock"}, [3]string{"2222", "/env.db", "mock"}, false},
		{"all flags win", Flags{Port: "3333", DBPath: "/flag.db", Executor: "inject/mock", DisableAuth: true},
			[3]string{"3333", "/flag.db", "inject/mock"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, merge(t, base, `{"port":"1111","glusterfs":{"db":"/file.db"}}`), env, tc.flags)
			got := [3]string{c.Port, c.GlusterFS.DBFile, c.GlusterFS.Executor}
			if got != tc.want || c.DisableAuth != tc.auth {
				t.Errorf("expected %v disable_auth=%v, got %v disable_auth=%v", tc.want, tc.auth, got, c.DisableAuth)
			}
		})
	}
	t.Run("disable-auth makes JWT keys optional", func(t *testing.T) {
		c := mustParse(t, `{"glusterfs":{"executor":"mock"}}`, nil, Flags{DisableAuth: true})
		if !c.DisableAuth {
			t.Errorf("expected DisableAuth true, got false")
		}
	})
}

func TestRebalanceForced(t *testing.T) {
	cases := []struct {
		name string
		file string
		env  map[string]string
		want bool
	}{
		{"file false is overwritten", `{"glusterfs":{"sshexec":{"rebalance_on_expansion":false},"kubeexec":{"rebalance_on_expansion":false}}}`, nil, true},
		{"absent is true", `{}`, nil, true},
		{"env false turns it off", `{"glusterfs":{"sshexec":{"rebalance_on_expansion":true}}}`, map[string]string{"HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION": "false"}, false},
		{"env true keeps it on", `{}`, map[string]string{"HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION": "TRUE"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, merge(t, base, tc.file), tc.env, Flags{})
			for _, ex := range []string{"mock", "kube"} {
				c.GlusterFS.Executor = ex
				if got := c.CmdExec().RebalanceOnExpansion; got != tc.want {
					t.Errorf("executor %s: expected rebalance_on_expansion %v, got %v", ex, tc.want, got)
				}
			}
		})
	}
}

func TestUnknownAndIgnoredKeys(t *testing.T) {
	doc := merge(t, base, `{"_comment":"x","bogus":1,"use_auth":true,"jwt":{"_c":"x","admin":{"keyy":"x"}},
		"glusterfs":{"allocator":"simple","_c":1,"sshexec":{"hots":"x","rebalance_on_expansion":false},
		"kubeexec":{"host":"https://k","password":"p","sudo":true},
		"injectexec":{"command_injection":{"commands":[{"cmd":"a"},{"cmd":"b","oops":1}]}}},
		"basalt":{"listen_adress":"x"}}`)
	c := mustParse(t, doc, nil, Flags{})
	wantUnknown := []string{"basalt.listen_adress", "bogus", "glusterfs.injectexec.command_injection.commands[1].oops",
		"glusterfs.kubeexec.host", "glusterfs.kubeexec.password", "glusterfs.sshexec.hots", "jwt.admin.keyy"}
	if !reflect.DeepEqual(c.UnknownKeys, wantUnknown) {
		t.Errorf("expected unknown keys %v, got %v", wantUnknown, c.UnknownKeys)
	}
	wantIgnored := []string{"glusterfs.allocator", "glusterfs.kubeexec.sudo", "glusterfs.sshexec.rebalance_on_expansion", "use_auth"}
	if !reflect.DeepEqual(c.IgnoredKeys, wantIgnored) {
		t.Errorf("expected ignored keys %v, got %v", wantIgnored, c.IgnoredKeys)
	}
	w := c.Warnings()
	if len(w) != len(wantUnknown)+len(wantIgnored) {
		t.Fatalf("expected %d warnings, got %d: %q", len(wantUnknown)+len(wantIgnored), len(w), w)
	}
	if want := "unknown config key basalt.listen_adress ignored"; w[0] != want {
		t.Errorf("expected first warning %q, got %q", want, w[0])
	}
	for _, line := range w {
		if strings.Contains(line, "https://k") || strings.Contains(line, "\n") {
			t.Errorf("expected warnings to name keys only, on one line, got %q", line)
		}
	}
}

// sshFiles creates a readable key file and known_hosts file.
func sshFiles(t *testing.T) (key, knownHosts string) {
	dir := t.TempDir()
	return writeFile(t, dir, "id_rsa", "not really a key"), writeFile(t, dir, "known_hosts", "")
}

func TestInvalidValues(t *testing.T) {
	key, kh := sshFiles(t)
	dir := t.TempDir()
	ssh := `{"glusterfs":{"executor":"ssh","sshexec":{"keyfile":"` + key + `","known_hosts_file":"` + kh + `"}}}`
	cases := []struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  string
	}{
		{"port not a number", `{"port":"http"}`, nil, Flags{}, `port: must be a port number from 1 to 65535, got "http"`},
		{"port zero", `{"port":"0"}`, nil, Flags{}, `port: must be a port number from 1 to 65535, got "0"`},
		{"port too big", `{"port":"65536"}`, nil, Flags{}, `port: must be a port number from 1 to 65535, got "65536"`},
		{"port signed", `{"port":"+80"}`, nil, Flags{}, `port: must be a port number from 1 to 65535, got "+80"`},
		{"port from env", `{}`, map[string]string{"HEKETI_HTTP_PORT": "x"}, Flags{}, `port: must be a port number from 1 to 65535, got "x"`},
		{"port from flag", `{}`, nil, Flags{Port: "99999"}, `port: must be a port number from 1 to 65535, got "99999"`},
		{"missing admin key", `{"jwt":{"admin":{"key":""}}}`, nil, Flags{}, "Missing JWT information in config file (jwt.admin.key is empty: set it or HEKETI_ADMIN_KEY, or start with --disable-auth)"},
		{"missing user key", `{"jwt":{"user":{"key":""}}}`, nil, Flags{}, "Missing JWT information in config file (jwt.user.key is empty: set it or HEKETI_USER_KEY, or start with --disable-auth)"},
		{"default_state", `{"default_state":"frozen"}`, nil, Flags{}, "unable to set admin state: unknown admin state name: frozen (default_state must be normal, read-only or local-client)"},
		{"default_state from env", `{}`, map[string]string{"HEKETI_DEFAULT_STATE": "readonly"}, Flags{}, "unable to set admin state: unknown admin state name: readonly (default_state must be normal, read-only or local-client)"},
		{"executor", `{"glusterfs":{"executor":"docker"}}`, nil, Flags{}, "invalid executor: docker (glusterfs.executor must be mock, ssh, kube, kubernetes, inject/ssh or inject/mock)"},
		{"executor from flag", `{}`, nil, Flags{Executor: "SSH"}, "invalid executor: SSH (glusterfs.executor must be mock, ssh, kube, kubernetes, inject/ssh or inject/mock)"},
		{"loglevel", `{"glusterfs":{"loglevel":"verbose"}}`, nil, Flags{}, `glusterfs.loglevel: must be none, critical, error, warning, info or debug, got "verbose"`},
		{"zone_checking", `{"glusterfs":{"zone_checking":"loose"}}`, nil, Flags{}, `glusterfs.zone_checking: must be none or strict, got "loose"`},
		{"brick_max_size_gb", `{"glusterfs":{"brick_max_size_gb":-1}}`, nil, Flags{}, "glusterfs.brick_max_size_gb: must not be negative, got -1"},
		{"brick_min_size_gb", `{"glusterfs":{"brick_min_size_gb":-2}}`, nil, Flags{}, "glusterfs.brick_min_size_gb: must not be negative, got -2"},
		{"max_bricks_per_volume", `{"glusterfs":{"max_bricks_per_volume":-3}}`, nil, Flags{}, "glusterfs.max_bricks_per_volume: must not be negative, got -3"},
		{"block_hosting_volume_size", `{}`, map[string]string{"HEKETI_BLOCK_HOSTING_VOLUME_SIZE": "-5"}, Flags{}, "glusterfs.block_hosting_volume_size: must not be negative, got -5"},
		{"volume_create retries", `{"glusterfs":{"operation_retry_limits":{"volume_create":-1}}}`, nil, Flags{}, "glusterfs.operation_retry_limits.volume_create: must not be negative, got -1"},
		{"brick min above max", `{"glusterfs":{"brick_min_size_gb":10,"brick_max_size_gb":5}}`, nil, Flags{}, "glusterfs.brick_min_size_gb: must not exceed glusterfs.brick_max_size_gb (5), got 10"},
		{"pre request options", `{"glusterfs":{"pre_request_volume_options":"a b,novalue"}}`, nil, Flags{}, `glusterfs.pre_request_volume_options: each comma-separated item must be "<option> <value>", got "novalue"`},
		{"post request options", `{"glusterfs":{"post_request_volume_options":"x"}}`, nil, Flags{}, `glusterfs.post_request_volume_options: each comma-separated item must be "<option> <value>", got "x"`},
		{"block prealloc", `{"glusterfs":{"sshexec":{"block_prealloc":"full; rm -rf /"}}}`, nil, Flags{}, `glusterfs.sshexec.block_prealloc: must match ^[a-zA-Z0-9-_]+$, got "full; rm -rf /"`},
		{"block prealloc from env", `{}`, map[string]string{"HEKETI_BLOCK_VOLUME_DEFAULT_PREALLOC": "a b"}, Flags{}, `glusterfs.sshexec.block_prealloc: must match ^[a-zA-Z0-9-_]+$, got "a b"`},
		{"snapshot_limit", `{"glusterfs":{"executor":"kube","kubeexec":{"snapshot_limit":-1}}}`, nil, Flags{}, "glusterfs.kubeexec.snapshot_limit: must not be negative, got -1"},
		{"xfs_sw", `{"glusterfs":{"sshexec":{"xfs_sw":-1}}}`, nil, Flags{}, "glusterfs.sshexec.xfs_sw: must not be negative, got -1"},
		{"xfs_su", `{"glusterfs":{"sshexec":{"xfs_su":-1}}}`, nil, Flags{}, "glusterfs.sshexec.xfs_su: must not be negative, got -1"},
		{"heketi placeholder in pv_data_alignment", `{"glusterfs":{"sshexec":{"pv_data_alignment":"Set to the stripe size"}}}`, nil, Flags{}, `glusterfs.sshexec.pv_data_alignment: must be an LVM size such as 256K or 4M, got "Set to the stripe size"`},
		{"vg extent size", `{"glusterfs":{"executor":"kubernetes","kubeexec":{"vg_physicalextentsize":"4 MB"}}}`, nil, Flags{}, `glusterfs.kubeexec.vg_physicalextentsize: must be an LVM size such as 256K or 4M, got "4 MB"`},
		{"lv chunk size", `{"glusterfs":{"sshexec":{"lv_chunksize":"big"}}}`, nil, Flags{}, `glusterfs.sshexec.lv_chunksize: must be an LVM size such as 256K or 4M, got "big"`},
		{"fstab with space", `{"glusterfs":{"sshexec":{"fstab":"/etc/my fstab"}}}`, nil, Flags{}, `glusterfs.sshexec.fstab: must be a path without spaces or quotes, got "/etc/my fstab"`},
		{"mountopts with space", `{}`, map[string]string{"HEKETI_MOUNT_OPTS": "rw, noatime"}, Flags{}, `glusterfs.sshexec.mountopts: must be a comma-separated option list without spaces or quotes, got "rw, noatime"`},
		{"mock device size", `{"mock_device_size_gb":-1}`, nil, Flags{}, "mock_device_size_gb: must not be negative, got -1"},
		{"tls without cert", `{"enable_tls":true,"key_file":"/k"}`, nil, Flags{}, "cert_file: required when enable_tls is true"},
		{"tls without key", `{"enable_tls":true,"cert_file":"/c"}`, nil, Flags{}, "key_file: required when enable_tls is true"},
		{"tls unreadable cert", `{"enable_tls":true,"cert_file":"` + dir + `/nope.pem","key_file":"` + key + `"}`, nil, Flags{}, `cert_file: cannot read "` + dir + `/nope.pem": no such file or directory`},
		{"tls cert is a directory", `{"enable_tls":true,"cert_file":"` + dir + `","key_file":"` + key + `"}`, nil, Flags{}, `cert_file: "` + dir + `" is a directory, not a file`},
		{"tls garbage pair", `{"enable_tls":true,"cert_file":"` + key + `","key_file":"` + key + `"}`, nil, Flags{}, "cert_file, key_file: unusable TLS key pair: tls: failed to find any PEM data in certificate input"},
		{"ssh without keyfile", `{"glusterfs":{"executor":"ssh"}}`, nil, Flags{}, "Missing ssh private key file in configuration (glusterfs.sshexec.keyfile or HEKETI_SSH_KEYFILE)"},
		{"inject/ssh without keyfile", `{"glusterfs":{"executor":"inject/ssh"}}`, nil, Flags{}, "Missing ssh private key file in configuration (glusterfs.sshexec.keyfile or HEKETI_SSH_KEYFILE)"},
		{"ssh keyfile unreadable", ssh, map[string]string{"HEKETI_SSH_KEYFILE": dir + "/none"}, Flags{}, `glusterfs.sshexec.keyfile: cannot read "` + dir + `/none": no such file or directory`},
		{"ssh without known hosts", ssh, map[string]string{"SSH_KNOWN_HOSTS": ":"}, Flags{}, "glusterfs.sshexec.known_hosts_file: required to verify node host keys (or SSH_KNOWN_HOSTS); set glusterfs.sshexec.insecure_ignore_host_key to true to skip verification as Heketi did"},
		{"ssh known hosts unreadable", ssh, map[string]string{"SSH_KNOWN_HOSTS": kh + ":" + dir + "/kh2"}, Flags{}, `glusterfs.sshexec.known_hosts_file: cannot read "` + dir + `/kh2": no such file or directory`},
		{"ssh port", ssh, map[string]string{"HEKETI_SSH_PORT": "ssh"}, Flags{}, `glusterfs.sshexec.port: must be a port number from 1 to 65535, got "ssh"`},
		{"ssh sessions", merge(t, ssh, `{"glusterfs":{"sshexec":{"max_sessions_per_host":-1}}}`), nil, Flags{}, "glusterfs.sshexec.max_sessions_per_host: must not be negative, got -1"},
		{"ssh connect timeout", merge(t, ssh, `{"glusterfs":{"sshexec":{"connect_timeout_seconds":-1}}}`), nil, Flags{}, "glusterfs.sshexec.connect_timeout_seconds: must not be negative, got -1"},
		{"kubeconfig unreadable", `{"glusterfs":{"executor":"kube","kubeexec":{"kubeconfig":"` + dir + `/kc"}}}`, nil, Flags{}, `glusterfs.kubeexec.kubeconfig: cannot read "` + dir + `/kc": no such file or directory`},
		{"listen address with port", `{"basalt":{"listen_address":"0.0.0.0:8080"}}`, nil, Flags{}, `basalt.listen_address: must be an IP address or host name, without port or brackets, got "0.0.0.0:8080"`},
		{"listen address bracketed", `{"basalt":{"listen_address":"[::1]"}}`, nil, Flags{}, `basalt.listen_address: must be an IP address or host name, without port or brackets, got "[::1]"`},
		{"read timeout", `{"basalt":{"http_read_timeout_seconds":-1}}`, nil, Flags{}, "basalt.http_read_timeout_seconds: must not be negative, got -1"},
		{"write timeout", `{"basalt":{"http_write_timeout_seconds":-1}}`, nil, Flags{}, "basalt.http_write_timeout_seconds: must not be negative, got -1"},
		{"idle timeout", `{"basalt":{"http_idle_timeout_seconds":-1}}`, nil, Flags{}, "basalt.http_idle_timeout_seconds: must not be negative, got -1"},
		{"max running jobs", `{"basalt":{"max_running_jobs":-1}}`, nil, Flags{}, "basalt.max_running_jobs: must not be negative, got -1"},
		{"retention", `{"basalt":{"job_result_retention_minutes":-1}}`, nil, Flags{}, "basalt.job_result_retention_minutes: must not be negative, got -1"},
		{"shutdown grace", `{"basalt":{"shutdown_grace_seconds":-1}}`, nil, Flags{}, "basalt.shutdown_grace_seconds: must not be negative, got -1"},

		// Malformed environment values name the variable.
		{"env bool", `{}`, map[string]string{"HEKETI_DISABLE_HEALTH_MONITOR": "yes"}, Flags{}, `environment variable HEKETI_DISABLE_HEALTH_MONITOR: expected true or false, got "yes"`},
		{"env rebalance", `{}`, map[string]string{"HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION": "off"}, Flags{}, `environment variable HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION: expected true or false, got "off"`},
		{"env int", `{}`, map[string]string{"HEKETI_SNAPSHOT_LIMIT": "ten"}, Flags{}, `environment variable HEKETI_SNAPSHOT_LIMIT: expected an integer, got "ten"`},
		{"env uint64", `{}`, map[string]string{"HEKETI_MAX_INFLIGHT_OPERATIONS": "-1"}, Flags{}, `environment variable HEKETI_MAX_INFLIGHT_OPERATIONS: expected an integer from 0 to 18446744073709551615, got "-1"`},
		{"env uint32", `{}`, map[string]string{"HEKETI_GLUSTER_CLI_TIMEOUT": "4294967296"}, Flags{}, `environment variable HEKETI_GLUSTER_CLI_TIMEOUT: expected an integer from 0 to 4294967295, got "4294967296"`},
		{"env leeway", `{}`, map[string]string{"HEKETI_JWT_IAT_LEEWAY_SECONDS": "2m"}, Flags{}, `environment variable HEKETI_JWT_IAT_LEEWAY_SECONDS: expected an integer from 0 to 18446744073709551615, got "2m"`},
		{"env yes/no", `{}`, map[string]string{"HEKETI_KUBE_GLUSTER_DAEMONSET": "true"}, Flags{}, `environment variable HEKETI_KUBE_GLUSTER_DAEMONSET: expected a value starting with y, n, 1 or 0, got "true"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.json", []byte(merge(t, base, tc.file)), mapEnv(tc.env), tc.flags)
			if err == nil {
				t.Fatalf("expected error %q, got none", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("expected error\n  %q\ngot\n  %q", tc.want, err.Error())
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("expected a one-line error, got %q", err.Error())
			}
		})
	}
}

func TestValidCornerValues(t *testing.T) {
	key, kh := sshFiles(t)
	cases := []struct {
		name string
		file string
		env  map[string]string
	}{
		{"port bounds", `{"port":"65535"}`, nil},
		{"every admin state", `{"default_state":"local-client"}`, nil},
		{"ssh with known hosts", `{"glusterfs":{"executor":"ssh","sshexec":{"keyfile":"` + key + `","known_hosts_file":"` + kh + `"}}}`, nil},
		{"ssh insecure opt-in", `{"glusterfs":{"executor":"ssh","sshexec":{"keyfile":"` + key + `","insecure_ignore_host_key":true}}}`, nil},
		{"ssh via env", `{"glusterfs":{"executor":"ssh"}}`, map[string]string{"HEKETI_SSH_KEYFILE": key, "SSH_KNOWN_HOSTS": kh}},
		{"kubernetes in cluster", `{"glusterfs":{"executor":"kubernetes"}}`, nil},
		{"listen on IPv6", `{"basalt":{"listen_address":"::1"}}`, nil},
		{"listen on a name", `{"basalt":{"listen_address":"localhost"}}`, nil},
		{"loglevel none", `{"glusterfs":{"loglevel":"none"}}`, nil},
		{"leftovers in the unused executor object", `{"glusterfs":{"executor":"mock","kubeexec":{"pv_data_alignment":"Optional","snapshot_limit":-1}}}`, nil},
		{"sshexec port placeholder with kube executor", `{"glusterfs":{"executor":"kube","sshexec":{"port":"Optional: ssh port"}}}`, nil},
		{"brick min equals max", `{"glusterfs":{"brick_min_size_gb":5,"brick_max_size_gb":5}}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse("test.json", []byte(merge(t, base, tc.file)), mapEnv(tc.env), Flags{}); err != nil {
				t.Errorf("expected no error, got %v", err)
			}
		})
	}
}

func TestTypeErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string
	}{
		{"string in int", `{"glusterfs":{"sshexec":{"xfs_sw":"Set to stripe width"}}}`,
			`config file test.json: glusterfs.sshexec.xfs_sw: expected an integer, got string "Set to stripe width"`},
		{"key spelled in capitals", `{"GlusterFS":{"KubeExec":{"Snapshot_Limit":"14"}}}`,
			`config file test.json: GlusterFS.KubeExec.Snapshot_Limit: expected an integer, got string "14"`},
		{"number in string", `{"port":8080}`, `config file test.json: port: expected a string, got number 8080`},
		{"fraction in int", `{"glusterfs":{"brick_max_size_gb":1.5}}`, `config file test.json: glusterfs.brick_max_size_gb: expected an integer, got number 1.5`},
		{"negative uint32", `{"glusterfs":{"sshexec":{"gluster_cli_timeout":-1}}}`, `config file test.json: glusterfs.sshexec.gluster_cli_timeout: expected an integer from 0 to 4294967295, got number -1`},
		{"negative uint64", `{"glusterfs":{"max_inflight_operations":-8}}`, `config file test.json: glusterfs.max_inflight_operations: expected a non-negative integer, got number -8`},
		{"string in bool", `{"enable_tls":"yes"}`, `config file test.json: enable_tls: expected true or false, got string "yes"`},
		{"array in object", `{"glusterfs":{"sshexec":[]}}`, `config file test.json: glusterfs.sshexec: expected an object, got an array`},
		{"object in string", `{"jwt":{"admin":{"key":{"v":1}}}}`, `config file test.json: jwt.admin.key: expected a string, got an object`},
		{"inside an array", `{"glusterfs":{"injectexec":{"command_injection":{"commands":[{"cmd":"a"},{"reaction":{"pause":"1s"}}]}}}}`,
			`config file test.json: glusterfs.injectexec.command_injection.commands[1].reaction.pause: expected a non-negative integer, got string "1s"`},
		{"long string shortened", `{"glusterfs":{"sshexec":{"xfs_su":"` + strings.Repeat("x", 100) + `"}}}`,
			`config file test.json: glusterfs.sshexec.xfs_su: expected an integer, got string "` + strings.Repeat("x", 60) + `..."`},
		{"syntax error", "{\n  \"port\": \"8080\",\n  \"jwt\": }\n", `config file test.json: invalid JSON at line 3, column 10: invalid character '}' looking for beginning of value`},
		{"truncated", `{"port": "8080"`, `config file test.json: invalid JSON: unexpected end of JSON input`},
		{"empty file", ``, `config file test.json: invalid JSON: unexpected end of JSON input`},
		{"not an object", `[]`, `config file test.json: (top level): expected an object, got an array`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("test.json", []byte(tc.doc), nil, Flags{DisableAuth: true})
			if err == nil {
				t.Fatalf("expected error %q, got none", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("expected error\n  %q\ngot\n  %q", tc.want, err.Error())
			}
		})
	}
}

// heketiSample is the shape of Heketi's own etc/heketi.json: placeholder
// strings in integer fields, which Heketi itself cannot load.
const heketiSample = `{
  "_port_comment": "Heketi Server Port Number",
  "port": "8080",
  "_use_auth": "Enable JWT authorization. Please enable for deployment",
  "use_auth": false,
  "jwt": {
    "admin": {"key": "My Secret"},
    "user": {"key": "My Secret"}
  },
  "glusterfs": {
    "executor": "mock",
    "sshexec": {
      "keyfile": "path/to/private_key",
      "user": "sshuser",
      "port": "Optional: ssh port.  Default is 22",
      "fstab": "Optional: Specify fstab file on node.  Default is /etc/fstab",
      "pv_data_alignment": "Optional: Specify PV data alignment",
      "xfs_sw": "Optional: Specify xfs stripe width (sw)",
      "xfs_su": "Optional: Specify xfs stripe unit (su)",
      "gluster_cli_timeout": "Optional: Specify the gluster cli timeout"
    },
    "db": "/var/lib/heketi/heketi.db",
    "loglevel" : "debug"
  }
}`

func TestHeketiBrokenSample(t *testing.T) {
	path := writeFile(t, t.TempDir(), "heketi.json", heketiSample)
	_, err := Load(path, nil, Flags{})
	want := `config file ` + path + `: glusterfs.sshexec.xfs_sw: expected an integer, got string "Optional: Specify xfs stripe width (sw)"`
	if err == nil || err.Error() != want {
		t.Errorf("expected error\n  %q\ngot\n  %v", want, err)
	}
}

func TestHeketiBrokenSampleByName(t *testing.T) {
	_, err := Parse("heketi.json", []byte(heketiSample), nil, Flags{})
	want := `config file heketi.json: glusterfs.sshexec.xfs_sw: expected an integer, got string "Optional: Specify xfs stripe width (sw)"`
	if err == nil || err.Error() != want {
		t.Errorf("expected error\n  %q\ngot\n  %v", want, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.json")
	_, err := Load(path, nil, Flags{})
	want := "config file " + path + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("expected %q, got %v", want, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("expected errors.Is(err, fs.ErrNotExist), got false for %v", err)
	}
}

func TestSampleLoadsAndValidates(t *testing.T) {
	c, err := Load("../../heketi.json.sample", nil, Flags{})
	if err != nil {
		t.Fatalf("expected the sample to load, got %v", err)
	}
	if len(c.UnknownKeys) != 0 || len(c.IgnoredKeys) != 0 {
		t.Errorf("expected no unknown or ignored keys in the sample, got %v and %v", c.UnknownKeys, c.IgnoredKeys)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"executor", c.GlusterFS.Executor, "mock"},
		{"port", c.Port, "8080"},
		{"db", c.GlusterFS.DBFile, "data/heketi.db"},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("%s: expected %v, got %v", tc.name, tc.want, tc.got)
		}
	}
	if c.JWT.Admin.Key == "" || c.JWT.User.Key == "" {
		t.Errorf("expected sample JWT keys, got admin %q user %q", c.JWT.Admin.Key, c.JWT.User.Key)
	}
	t.Run("with ssh executor it names the missing key file", func(t *testing.T) {
		_, err := Load("../../heketi.json.sample", mapEnv(map[string]string{"HEKETI_EXECUTOR": "ssh"}), Flags{})
		if err == nil || !strings.HasPrefix(err.Error(), "glusterfs.sshexec.keyfile: cannot read") {
			t.Errorf("expected a keyfile error, got %v", err)
		}
	})
}

// allKeys lists the dotted JSON paths of every field of t.
func allKeys(prefix string, t reflect.Type) []string {
	var out []string
	for _, f := range jsonFields(t) {
		p := join(prefix, f.name)
		ft := f.typ
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, allKeys(p, ft)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

func TestSampleCoversEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../heketi.json.sample")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	has := func(path string) bool {
		var cur any = doc
		for _, part := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if cur, ok = m[part]; !ok {
				return false
			}
		}
		return true
	}
	for _, k := range allKeys("", reflect.TypeFor[Config]()) {
		if strings.HasPrefix(k, "glusterfs.injectexec.") || ignoredReason(k) != "" {
			continue // test-only hooks; keys with no effect
		}
		if k == "glusterfs.kubeexec.sudo" {
			continue
		}
		if !has(k) {
			t.Errorf("expected heketi.json.sample to set %s, it does not", k)
		}
	}
}

func TestDocsCoverEveryKeyAndVariable(t *testing.T) {
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, k := range allKeys("", reflect.TypeFor[Config]()) {
		if strings.HasPrefix(k, "glusterfs.injectexec.") {
			continue
		}
		// A table row names the key relative to its section, e.g.
		// `jwt.admin.key` or `operation_retry_limits.volume_create`.
		parts := strings.Split(k, ".")
		found := false
		for i := range parts {
			if strings.Contains(doc, "| `"+strings.Join(parts[i:], ".")+"` |") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("expected docs/config.md to have a table row for %s, it does not", k)
		}
	}
	for _, e := range envVars() {
		if !strings.Contains(doc, "`"+e.name+"`") {
			t.Errorf("expected docs/config.md to document `%s`, it does not", e.name)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := mustParse(t, merge(t, base, `{"jwt":{"admin":{"key":"topsecret-admin"},"user":{"key":"topsecret-user"}},"bogus":1}`), nil, Flags{})
	r := c.Redacted()
	if r.JWT.Admin.Key != Mask || r.JWT.User.Key != Mask {
		t.Errorf("expected both keys masked as %q, got %q and %q", Mask, r.JWT.Admin.Key, r.JWT.User.Key)
	}
	if c.JWT.Admin.Key != "topsecret-admin" {
		t.Errorf("expected the original to keep its key, got %q", c.JWT.Admin.Key)
	}
	r.UnknownKeys[0] = "changed"
	if c.UnknownKeys[0] != "bogus" {
		t.Errorf("expected the copy not to share slices, original became %v", c.UnknownKeys)
	}
	j := c.RedactedJSON()
	if strings.Contains(j, "topsecret") || !strings.Contains(j, Mask) {
		t.Errorf("expected masked JSON, got %s", j)
	}
	for _, want := range []string{`"port":"8080"`, `"executor":"mock"`, `"disable_auth":false`} {
		if !strings.Contains(j, want) {
			t.Errorf("expected JSON to contain %s, got %s", want, j)
		}
	}
	t.Run("empty key stays empty", func(t *testing.T) {
		c := mustParse(t, `{"glusterfs":{"executor":"mock"}}`, nil, Flags{DisableAuth: true})
		if r := c.Redacted(); r.JWT.Admin.Key != "" {
			t.Errorf("expected an empty key to stay empty, got %q", r.JWT.Admin.Key)
		}
	})
}

func TestCmdExecSelectsExecutorObject(t *testing.T) {
	doc := merge(t, base, `{"glusterfs":{"sshexec":{"fstab":"/ssh"},"kubeexec":{"fstab":"/kube"}}}`)
	c := mustParse(t, doc, nil, Flags{})
	cases := map[string]string{"mock": "/ssh", "inject/mock": "/ssh", "ssh": "/ssh", "inject/ssh": "/ssh", "kube": "/kube", "kubernetes": "/kube"}
	for ex, want := range cases {
		t.Run(ex, func(t *testing.T) {
			c.GlusterFS.Executor = ex
			if got := c.CmdExec().Fstab; got != want {
				t.Errorf("expected fstab %s for executor %s, got %s", want, ex, got)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	doc := merge(t, base, `{"enable_tls":true,"cert_file":"`+certFile+`","key_file":"`+keyFile+`"}`)
	if _, err := Parse("test.json", []byte(doc), nil, Flags{}); err != nil {
		t.Errorf("expected a valid key pair to pass, got %v", err)
	}
	_, otherKey := selfSigned(t, t.TempDir())
	doc = merge(t, base, `{"enable_tls":true,"cert_file":"`+certFile+`","key_file":"`+otherKey+`"}`)
	_, err := Parse("test.json", []byte(doc), nil, Flags{})
	if want := "cert_file, key_file: unusable TLS key pair: tls: private key does not match public key"; err == nil || err.Error() != want {
		t.Errorf("expected %q, got %v", want, err)
	}
}

// selfSigned writes a throw-away certificate and key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "basalt-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	return certFile, keyFile
}

func TestNoSharedState(t *testing.T) {
	a := mustParse(t, merge(t, base, `{"port":"1000"}`), nil, Flags{})
	b := mustParse(t, merge(t, base, `{"port":"2000"}`), nil, Flags{})
	if a.Port != "1000" || b.Port != "2000" || Default().Port != "8080" {
		t.Errorf("expected independent values 1000, 2000, 8080, got %s, %s, %s", a.Port, b.Port, Default().Port)
	}
	if !slices.Equal(a.GlusterFS.SSHExec.KnownHostsFiles(), nil) {
		t.Errorf("expected no known hosts files, got %v", a.GlusterFS.SSHExec.KnownHostsFiles())
	}
}
