package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// normalize applies Heketi's "zero or empty means the default" rules after
// all sources are merged, so a file or variable that says 0 gets the same
// result as in Heketi.
func (c *Config) normalize() {
	d := Default()
	str := func(p *string, def string) {
		if *p == "" {
			*p = def
		}
	}
	num := func(p *int, def int) {
		if *p == 0 {
			*p = def
		}
	}
	u32 := func(p *uint32, def uint32) {
		if *p == 0 {
			*p = def
		}
	}
	str(&c.Port, d.Port)
	str(&c.DefaultState, d.DefaultState)
	str(&c.KubeDBSecretName, d.KubeDBSecretName)
	num(&c.MockDeviceSizeGB, d.MockDeviceSizeGB)

	g, dg := &c.GlusterFS, d.GlusterFS
	str(&g.Executor, dg.Executor)
	str(&g.DBFile, dg.DBFile)
	str(&g.LogLevel, dg.LogLevel)
	num(&g.BrickMaxSizeGB, dg.BrickMaxSizeGB)
	num(&g.BrickMinSizeGB, dg.BrickMinSizeGB)
	num(&g.MaxBricksPerVolume, dg.MaxBricksPerVolume)
	if g.AverageFileSizeKB == 0 {
		g.AverageFileSizeKB = dg.AverageFileSizeKB
	}
	str(&g.ZoneChecking, dg.ZoneChecking)
	num(&g.MaxVolumesPerCluster, dg.MaxVolumesPerCluster)
	num(&g.BlockHostingVolumeSizeGB, dg.BlockHostingVolumeSizeGB)
	str(&g.BlockHostingVolumeOptions, dg.BlockHostingVolumeOptions)
	u32(&g.RefreshTimeMonitorGlusterNodes, dg.RefreshTimeMonitorGlusterNodes)
	u32(&g.StartTimeMonitorGlusterNodes, dg.StartTimeMonitorGlusterNodes)
	if g.MaxInflightOperations == 0 {
		g.MaxInflightOperations = dg.MaxInflightOperations
	}
	u32(&g.RefreshTimeBackgroundCleaner, dg.RefreshTimeBackgroundCleaner)
	u32(&g.StartTimeBackgroundCleaner, dg.StartTimeBackgroundCleaner)
	num(&g.OperationRetryLimits.VolumeCreate, dg.OperationRetryLimits.VolumeCreate)

	for _, e := range []*ExecConfig{&g.SSHExec.ExecConfig, &g.KubeExec.ExecConfig} {
		de := defaultExec()
		str(&e.Fstab, de.Fstab)
		str(&e.MountOpts, de.MountOpts)
		u32(&e.GlusterCLITimeout, de.GlusterCLITimeout)
		str(&e.PVDataAlignment, de.PVDataAlignment)
		str(&e.VGPhysicalExtentSize, de.VGPhysicalExtentSize)
		str(&e.LVChunkSize, de.LVChunkSize)
		str(&e.BlockPrealloc, de.BlockPrealloc)
	}
	str(&g.SSHExec.User, dg.SSHExec.User)
	str(&g.SSHExec.Port, dg.SSHExec.Port)
	num(&g.SSHExec.MaxSessionsPerHost, dg.SSHExec.MaxSessionsPerHost)
	num(&g.SSHExec.ConnectTimeoutSeconds, dg.SSHExec.ConnectTimeoutSeconds)
	if g.KubeExec.MaxConnections == 0 {
		g.KubeExec.MaxConnections = dg.KubeExec.MaxConnections
	}

	b, db := &c.Basalt, d.Basalt
	num(&b.HTTPReadTimeoutSeconds, db.HTTPReadTimeoutSeconds)
	num(&b.HTTPWriteTimeoutSeconds, db.HTTPWriteTimeoutSeconds)
	num(&b.HTTPIdleTimeoutSeconds, db.HTTPIdleTimeoutSeconds)
	num(&b.MaxRunningJobs, db.MaxRunningJobs)
	num(&b.ShutdownGraceSeconds, db.ShutdownGraceSeconds)
	// JobResultRetentionMinutes: 0 is meaningful (Heketi's behaviour).
}

// Validate checks the merged configuration once, at start-up, and returns
// the first problem as one line naming the key. Where Heketi has a fixed
// text for the problem that text comes first and a hint follows in
// parentheses. Validate reads the TLS, SSH and kubeconfig files it names to
// check they are usable; it changes nothing.
func (c Config) Validate() error {
	checks := []func() error{
		c.validateServer,
		c.validateGlusterFS,
		c.validateExecutors,
		c.validateBasalt,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) validateServer() error {
	if err := checkPort("port", c.Port); err != nil {
		return err
	}
	if !c.DisableAuth {
		switch {
		case c.JWT.Admin.Key == "":
			return errors.New("Missing JWT information in config file (jwt.admin.key is empty: set it or HEKETI_ADMIN_KEY, or start with --disable-auth)")
		case c.JWT.User.Key == "":
			return errors.New("Missing JWT information in config file (jwt.user.key is empty: set it or HEKETI_USER_KEY, or start with --disable-auth)")
		}
	}
	switch c.DefaultState {
	case StateNormal, StateReadOnly, StateLocalClient:
	default:
		return fmt.Errorf("unable to set admin state: unknown admin state name: %s (default_state must be normal, read-only or local-client)", c.DefaultState)
	}
	if c.EnableTLS {
		if c.CertFile == "" {
			return errors.New("cert_file: required when enable_tls is true")
		}
		if c.KeyFile == "" {
			return errors.New("key_file: required when enable_tls is true")
		}
		if err := readable("cert_file", c.CertFile); err != nil {
			return err
		}
		if err := readable("key_file", c.KeyFile); err != nil {
			return err
		}
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return fmt.Errorf("cert_file, key_file: unusable TLS key pair: %s", oneLine(err))
		}
	}
	if c.MockDeviceSizeGB < 0 {
		return fmt.Errorf("mock_device_size_gb: must not be negative, got %d", c.MockDeviceSizeGB)
	}
	return nil
}

func (c Config) validateGlusterFS() error {
	g := c.GlusterFS
	if !validExecutor(g.Executor) {
		return fmt.Errorf("invalid executor: %s (glusterfs.executor must be mock, ssh, kube, kubernetes, inject/ssh or inject/mock)", g.Executor)
	}
	switch g.LogLevel {
	case "none", "critical", "error", "warning", "info", "debug":
	default:
		return fmt.Errorf("glusterfs.loglevel: must be none, critical, error, warning, info or debug, got %q", g.LogLevel)
	}
	nonNegative := []struct {
		key string
		v   int
	}{
		{"glusterfs.brick_max_size_gb", g.BrickMaxSizeGB},
		{"glusterfs.brick_min_size_gb", g.BrickMinSizeGB},
		{"glusterfs.max_bricks_per_volume", g.MaxBricksPerVolume},
		{"glusterfs.block_hosting_volume_size", g.BlockHostingVolumeSizeGB},
		{"glusterfs.operation_retry_limits.volume_create", g.OperationRetryLimits.VolumeCreate},
	}
	for _, n := range nonNegative {
		if n.v < 0 {
			return fmt.Errorf("%s: must not be negative, got %d", n.key, n.v)
		}
	}
	if g.BrickMinSizeGB > g.BrickMaxSizeGB {
		return fmt.Errorf("glusterfs.brick_min_size_gb: must not exceed glusterfs.brick_max_size_gb (%d), got %d", g.BrickMaxSizeGB, g.BrickMinSizeGB)
	}
	switch g.ZoneChecking {
	case ZoneCheckingNone, ZoneCheckingStrict:
	default:
		return fmt.Errorf("glusterfs.zone_checking: must be none or strict, got %q", g.ZoneChecking)
	}
	for _, o := range []struct{ key, v string }{
		{"glusterfs.pre_request_volume_options", g.PreRequestVolumeOptions},
		{"glusterfs.post_request_volume_options", g.PostRequestVolumeOptions},
		{"glusterfs.block_hosting_volume_options", g.BlockHostingVolumeOptions},
	} {
		if err := checkVolumeOptions(o.key, o.v); err != nil {
			return err
		}
	}
	return nil
}

// validateExecutors checks the object of the selected executor only (the
// one CmdExec and the transport read), so that leftovers in an unused
// object do not stop a server that Heketi would have started.
func (c Config) validateExecutors() error {
	g := c.GlusterFS
	switch g.Executor {
	case ExecutorKube, ExecutorKubernetes:
		if err := checkExec("glusterfs.kubeexec", g.KubeExec.ExecConfig); err != nil {
			return err
		}
		if k := g.KubeExec.Kubeconfig; k != "" {
			return readable("glusterfs.kubeexec.kubeconfig", k)
		}
		return nil
	case ExecutorMock, ExecutorInjectMock:
		// The fake nodes render commands from sshexec's options.
		return checkExec("glusterfs.sshexec", g.SSHExec.ExecConfig)
	}
	s := g.SSHExec
	if err := checkExec("glusterfs.sshexec", s.ExecConfig); err != nil {
		return err
	}
	if err := checkPort("glusterfs.sshexec.port", s.Port); err != nil {
		return err
	}
	if s.MaxSessionsPerHost < 0 {
		return fmt.Errorf("glusterfs.sshexec.max_sessions_per_host: must not be negative, got %d", s.MaxSessionsPerHost)
	}
	if s.ConnectTimeoutSeconds < 0 {
		return fmt.Errorf("glusterfs.sshexec.connect_timeout_seconds: must not be negative, got %d", s.ConnectTimeoutSeconds)
	}
	if s.KeyFile == "" {
		return errors.New("Missing ssh private key file in configuration (glusterfs.sshexec.keyfile or HEKETI_SSH_KEYFILE)")
	}
	if err := readable("glusterfs.sshexec.keyfile", s.KeyFile); err != nil {
		return err
	}
	files := s.KnownHostsFiles()
	if len(files) == 0 && !s.InsecureIgnoreHostKey {
		return errors.New("glusterfs.sshexec.known_hosts_file: required to verify node host keys (or SSH_KNOWN_HOSTS); set glusterfs.sshexec.insecure_ignore_host_key to true to skip verification as Heketi did")
	}
	for _, f := range files {
		if err := readable("glusterfs.sshexec.known_hosts_file", f); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) validateBasalt() error {
	b := c.Basalt
	if a := b.ListenAddress; a != "" {
		if strings.ContainsAny(a, " \t/") || (strings.Contains(a, ":") && net.ParseIP(a) == nil) {
			return fmt.Errorf("basalt.listen_address: must be an IP address or host name, without port or brackets, got %q", a)
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{
		{"basalt.http_read_timeout_seconds", b.HTTPReadTimeoutSeconds},
		{"basalt.http_write_timeout_seconds", b.HTTPWriteTimeoutSeconds},
		{"basalt.http_idle_timeout_seconds", b.HTTPIdleTimeoutSeconds},
		{"basalt.max_running_jobs", b.MaxRunningJobs},
		{"basalt.job_result_retention_minutes", b.JobResultRetentionMinutes},
		{"basalt.shutdown_grace_seconds", b.ShutdownGraceSeconds},
	} {
		if n.v < 0 {
			return fmt.Errorf("%s: must not be negative, got %d", n.key, n.v)
		}
	}
	return nil
}

// validExecutor reports whether name is an accepted executor.
func validExecutor(name string) bool {
	switch name {
	case ExecutorMock, ExecutorSSH, ExecutorKube, ExecutorKubernetes, ExecutorInjectSSH, ExecutorInjectMock:
		return true
	}
	return false
}

// preallocPattern is the set of values gluster-block accepts for prealloc
// that are safe to put on a command line.
var preallocPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

// lvmSize matches LVM size arguments such as 256K, 4M, 1.5g or 512.
var lvmSize = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[bBsSkKmMgGtTpPeE]?$`)

// checkExec validates the common executor options under prefix.
func checkExec(prefix string, e ExecConfig) error {
	for _, n := range []struct {
		key string
		v   int
	}{
		{"snapshot_limit", e.SnapshotLimit},
		{"xfs_sw", e.XFSSw},
		{"xfs_su", e.XFSSu},
	} {
		if n.v < 0 {
			return fmt.Errorf("%s.%s: must not be negative, got %d", prefix, n.key, n.v)
		}
	}
	if !preallocPattern.MatchString(e.BlockPrealloc) {
		return fmt.Errorf("%s.block_prealloc: must match ^[a-zA-Z0-9-_]+$, got %q", prefix, e.BlockPrealloc)
	}
	for _, s := range []struct{ key, v string }{
		{"pv_data_alignment", e.PVDataAlignment},
		{"vg_physicalextentsize", e.VGPhysicalExtentSize},
		{"lv_chunksize", e.LVChunkSize},
	} {
		if !lvmSize.MatchString(s.v) {
			return fmt.Errorf("%s.%s: must be an LVM size such as 256K or 4M, got %q", prefix, s.key, s.v)
		}
	}
	if strings.ContainsAny(e.Fstab, " \t\n'\"") {
		return fmt.Errorf("%s.fstab: must be a path without spaces or quotes, got %q", prefix, e.Fstab)
	}
	if strings.ContainsAny(e.MountOpts, " \t\n'\"") {
		return fmt.Errorf("%s.mountopts: must be a comma-separated option list without spaces or quotes, got %q", prefix, e.MountOpts)
	}
	return nil
}

// checkVolumeOptions checks a comma-separated list of "key value" gluster
// volume options: every item needs a key and a value.
func checkVolumeOptions(key, list string) error {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	for _, item := range strings.Split(list, ",") {
		if len(strings.Fields(item)) < 2 {
			return fmt.Errorf("%s: each comma-separated item must be \"<option> <value>\", got %q", key, strings.TrimSpace(item))
		}
	}
	return nil
}

// checkPort requires a decimal TCP port number 1-65535.
func checkPort(key, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 || strings.TrimLeft(v, "0123456789") != "" {
		return fmt.Errorf("%s: must be a port number from 1 to 65535, got %q", key, v)
	}
	return nil
}

// readable requires that path names a regular file the server can open.
func readable(key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: cannot read %q: %s", key, path, oneLine(unwrapPathError(err)))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: cannot read %q: %s", key, path, oneLine(err))
	}
	if st.IsDir() {
		return fmt.Errorf("%s: %q is a directory, not a file", key, path)
	}
	return nil
}

// unwrapPathError drops the operation and path an *os.PathError repeats.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// oneLine keeps an error's text on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
