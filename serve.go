package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/negroni"
	"k8s.io/client-go/rest"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/executors/instrumented"
	"github.com/basalt-storage/basalt/executors/kubeexec"
	"github.com/basalt-storage/basalt/executors/sshexec"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/config"
	"github.com/basalt-storage/basalt/server/kubebackup"
	"github.com/basalt-storage/basalt/server/metrics"
	"github.com/basalt-storage/basalt/server/middleware"
)

// serveFlags are the command-line settings that override the config file.
type serveFlags = config.Flags

// recoveryTimeout bounds start-up repair of interrupted operations.
const recoveryTimeout = 10 * time.Minute

// serveFromFile loads heketi.json (plus environment and flags) and serves.
func serveFromFile(path string, flags serveFlags) error {
	cfg, err := config.Load(path, os.LookupEnv, flags)
	if err != nil {
		return err
	}
	return serve(cfg, nil)
}

// newLogger builds the logger from the configured Heketi log level.
func newLogger(level string) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	switch level {
	case "none":
		l.SetLevel(logrus.PanicLevel)
	case "critical":
		l.SetLevel(logrus.FatalLevel)
	case "error":
		l.SetLevel(logrus.ErrorLevel)
	case "warning":
		l.SetLevel(logrus.WarnLevel)
	case "debug":
		l.SetLevel(logrus.DebugLevel)
	default:
		l.SetLevel(logrus.InfoLevel)
	}
	return logrus.NewEntry(l)
}

// newExecutor builds the executor the config selects, its transport timed
// into m (nil: not timed). The returned close function releases the
// transport's connections.
func newExecutor(cfg config.Config, store db.Store, log *logrus.Entry, m *metrics.Metrics) (executors.Executor, func(), error) {
	elog := log.WithField("component", "executor")
	var transport executors.Transport
	closeFn := func() {}
	switch cfg.GlusterFS.Executor {
	case "mock", "inject/mock":
		size := uint64(cfg.MockDeviceSizeGB) * 1024 * 1024
		// The command log is for tests; a server keeps only the latest few.
		fake := fakeexec.New(fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: size, LogLimit: 1000})
		log.WithField("device_size_gb", cfg.MockDeviceSizeGB).Warn("using the mock executor: storage nodes are simulated in memory")
		exec := cmdexec.New(instrumented.New(fake, m), cfg.CmdExec(), elog)
		if err := seedMockNodes(store, fake, exec, cmdexec.NewRenderer(cfg.CmdExec())); err != nil {
			return nil, nil, fmt.Errorf("mock executor: rebuilding simulated nodes from the database: %w", err)
		}
		return exec, closeFn, nil
	case "ssh", "inject/ssh":
		s := cfg.GlusterFS.SSHExec
		t, err := sshexec.New(sshexec.Config{
			User:                  s.User,
			Port:                  s.Port,
			KeyFile:               s.KeyFile,
			KnownHostsFiles:       s.KnownHostsFiles(),
			InsecureIgnoreHostKey: s.InsecureIgnoreHostKey,
			Sudo:                  s.Sudo,
			MaxSessionsPerHost:    s.MaxSessionsPerHost,
			ConnectTimeout:        s.ConnectTimeout(),
		}, elog)
		if err != nil {
			return nil, nil, fmt.Errorf("glusterfs.sshexec: %w", err)
		}
		transport, closeFn = t, func() { _ = t.Close() }
	case "kube", "kubernetes":
		k := cfg.GlusterFS.KubeExec
		t, err := kubeexec.New(kubeexec.Config{
			Namespace:            k.Namespace,
			Kubeconfig:           k.Kubeconfig,
			GlusterDaemonSet:     k.GlusterDaemonSet,
			UsePodNames:          k.UsePodNames,
			MaxConnections:       int(k.MaxConnections),
			DisableTimeoutPrefix: k.DisableTimeoutPrefix,
		}, elog)
		if err != nil {
			return nil, nil, fmt.Errorf("glusterfs.kubeexec: %w", err)
		}
		transport = t
	default:
		return nil, nil, fmt.Errorf("invalid executor: %s", cfg.GlusterFS.Executor)
	}
	return cmdexec.New(instrumented.New(transport, m), cfg.CmdExec(), elog), closeFn, nil
}

// serve runs the server until SIGINT or SIGTERM. prepare, when not nil, runs
// after recovery and before the listener opens (the demo loads its topology).
func serve(cfg config.Config, prepare func(*glusterfs.App, *logrus.Entry) error) error {
	log := newLogger(cfg.GlusterFS.LogLevel)
	log.WithField("config", cfg.RedactedJSON()).Info("effective configuration")
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	if cfg.DisableAuth {
		log.Warn("WARNING: started with --disable-auth: the API accepts requests without tokens")
	}

	store, err := db.Open(cfg.GlusterFS.DBFile, db.Options{ReadOnly: cfg.GlusterFS.DBReadOnly})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.WithError(err).Error("closing the database")
		}
	}()
	log.WithField("db", store.Path()).Info("database open")

	reg := metrics.New(metrics.Options{Version: version, Log: log.WithField("component", "metrics")})
	exec, closeExec, err := newExecutor(cfg, store, log, reg)
	if err != nil {
		return err
	}
	defer closeExec()
	app := glusterfs.New(store, exec, glusterfs.Options{Log: log.WithField("component", "app"), Config: appConfig(cfg)})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if !cfg.GlusterFS.DBReadOnly {
		rctx, cancel := context.WithTimeout(ctx, recoveryTimeout)
		rep, err := app.Recover(rctx)
		cancel()
		if err != nil {
			return fmt.Errorf("recovering interrupted operations: %w", err)
		}
		if n := len(rep.RolledBack) + len(rep.Completed) + len(rep.Failed); n > 0 {
			log.WithFields(logrus.Fields{"rolled_back": len(rep.RolledBack), "completed": len(rep.Completed), "failed": len(rep.Failed)}).
				Warn("repaired operations interrupted by the last stop")
		}
	}
	if prepare != nil {
		if err := prepare(app, log); err != nil {
			return err
		}
	}

	// Background tasks stop (and are waited for) before the store closes.
	bgCtx, stopBackground := context.WithCancel(context.Background())
	defer func() { stopBackground(); app.WaitBackground() }()
	g := cfg.GlusterFS
	if !g.DisableBackgroundCleaner && !g.DBReadOnly {
		app.StartBackgroundCleaner(bgCtx, time.Duration(g.StartTimeBackgroundCleaner)*time.Second, time.Duration(g.RefreshTimeBackgroundCleaner)*time.Second)
	}
	if !g.DisableMonitorGlusterNodes {
		app.StartHealthMonitor(bgCtx, time.Duration(g.StartTimeMonitorGlusterNodes)*time.Second, time.Duration(g.RefreshTimeMonitorGlusterNodes)*time.Second)
	}

	retention := cfg.Basalt.JobResultRetention()
	if retention == 0 {
		retention = -1 // 0 in the config means Heketi's forget-on-first-read
	}
	jobs := async.New(async.Options{
		MaxRunning: cfg.Basalt.MaxRunningJobs,
		Retention:  retention,
		Logger:     log.WithField("component", "jobs"),
	})
	reg.Watch(app, jobs)
	admin, err := middleware.NewAdminState(cfg.DefaultState)
	if err != nil {
		return fmt.Errorf("unable to set admin state: %w", err)
	}
	var auth *middleware.JWT
	if !cfg.DisableAuth {
		if auth, err = middleware.NewJWT(middleware.JWTConfig{
			AdminKey:  cfg.JWT.Admin.Key,
			UserKey:   cfg.JWT.User.Key,
			IATLeeway: cfg.JWT.IATLeeway(),
			Log:       log.WithField("component", "auth"),
		}); err != nil {
			return err
		}
	}
	// SIGUSR2 puts the admin mode back to normal (Heketi's escape hatch
	// from read-only, which cannot be left over the API).
	usr2 := make(chan os.Signal, 1)
	signal.Notify(usr2, syscall.SIGUSR2)
	defer signal.Stop(usr2)
	go func() {
		for range usr2 {
			admin.Reset()
			log.Warn("SIGUSR2: admin mode reset to normal")
		}
	}()

	var hooks []negroni.Handler
	backupDone := make(chan struct{})
	var kb *kubebackup.Backup
	if cfg.BackupDBToKubeSecret && !cfg.GlusterFS.DBReadOnly {
		kb = kubeDBBackup(cfg, store, log)
	}
	if kb != nil {
		hooks = append(hooks, kb.Middleware())
		go func() { kb.Run(bgCtx); close(backupDone) }()
	} else {
		close(backupDone)
	}
	api := server.New(app, jobs, server.Options{
		Log:     log.WithField("component", "http"),
		Auth:    auth,
		Admin:   admin,
		Store:   store,
		Metrics: reg,

		Profiling: cfg.Profiling,
		Hooks:     hooks,
	})
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadTimeout:       cfg.Basalt.HTTPReadTimeout(),
		ReadHeaderTimeout: cfg.Basalt.HTTPReadTimeout(),
		WriteTimeout:      cfg.Basalt.HTTPWriteTimeout(),
		IdleTimeout:       cfg.Basalt.HTTPIdleTimeout(),
		// TLS 1.2 is the oldest version without known protocol weaknesses;
		// Go's defaults pick modern cipher suites for it.
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},
	}
	addr := net.JoinHostPort(cfg.Basalt.ListenAddress, cfg.Port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	serveErr := make(chan error, 1)
	go func() {
		if cfg.EnableTLS {
			serveErr <- srv.ServeTLS(ln, cfg.CertFile, cfg.KeyFile)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	log.WithFields(logrus.Fields{"address": ln.Addr().String(), "tls": cfg.EnableTLS}).Info("listening")

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	api.SetShuttingDown() // /readyz fails from now on
	stopBackground()      // no new cleaner passes or health checks
	log.Info("shutting down: no new requests; waiting for running jobs to reach a safe point")
	grace, cancel := context.WithTimeout(context.Background(), cfg.Basalt.ShutdownGrace())
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		log.WithError(err).Warn("HTTP shutdown did not finish in time")
	}
	if err := jobs.Shutdown(grace); err != nil {
		log.WithError(err).Warn("jobs were cancelled at the end of the grace period; start-up recovery will repair them")
	}
	select { // the last database copy to the Kubernetes secret, if any
	case <-backupDone:
	case <-grace.Done():
	}
	log.Info("stopped")
	return nil
}

// seedMockNodes rebuilds the simulated nodes from the database, so that a
// restarted mock server's nodes hold what its database describes: each
// device's PV (with its recorded uuid) and VG, each finished volume's bricks
// and gluster volume. It sends the same command lines real nodes get.
// Records of unfinished operations are left to recovery.
func seedMockNodes(store db.Store, fake *fakeexec.Fake, exec executors.Executor, r cmdexec.Renderer) error {
	ctx := context.Background()
	hosts := map[string][2]string{} // node id -> manage, storage
	return store.View(func(rd db.Reader) error {
		ids, err := rd.NodeIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := rd.Node(id)
			if err != nil {
				return err
			}
			fake.AddNode(n.ManageHost(), n.StorageHost())
			hosts[id] = [2]string{n.ManageHost(), n.StorageHost()}
			devIDs, err := rd.NodeDeviceIDs(id)
			if err != nil {
				return err
			}
			for _, did := range devIDs {
				d, err := rd.Device(did)
				if err != nil {
					return err
				}
				if d.PendingOpID != "" {
					continue
				}
				pv := r.PVCreate(d.Name)
				if d.PVUUID != "" {
					pv = strings.Replace(pv, "pvcreate -qq ", "pvcreate -qq --uuid "+d.PVUUID+" --norestorefile ", 1)
				}
				if _, err := fake.Run(ctx, n.ManageHost(), []string{pv, r.VGCreate(cmdexec.VGName(d.ID), d.Name)}, time.Minute); err != nil {
					return fmt.Errorf("device %s on %s: %w", d.Name, n.ManageHost(), err)
				}
			}
		}
		// Join each cluster's nodes into one trusted pool, as node add did.
		clusterIDs, err := rd.ClusterIDs()
		if err != nil {
			return err
		}
		for _, cid := range clusterIDs {
			members, err := rd.ClusterNodeIDs(cid)
			if err != nil {
				return err
			}
			for i := 1; i < len(members); i++ {
				probe := r.PeerProbe(hosts[members[i]][1])
				if _, err := fake.Run(ctx, hosts[members[0]][0], []string{probe}, time.Minute); err != nil {
					return fmt.Errorf("peer probe of %s: %w", hosts[members[i]][1], err)
				}
			}
		}
		volIDs, err := rd.VolumeIDs()
		if err != nil {
			return err
		}
		for _, vid := range volIDs {
			v, err := rd.Volume(vid)
			if err != nil {
				return err
			}
			if v.PendingOpID != "" {
				continue
			}
			req := executors.VolumeRequest{ID: v.ID, Name: v.Name, Options: v.Options,
				Durability: executors.Durability{Type: string(v.Durability.Type), Replica: v.Durability.Replicate.Replica,
					Data: v.Durability.Disperse.Data, Redundancy: v.Durability.Disperse.Redundancy}}
			if req.Durability.Type == "replicate" && req.Durability.Replica == 0 {
				req.Durability.Replica = 2
			}
			bids, err := rd.VolumeBrickIDs(vid)
			if err != nil {
				return err
			}
			for _, bid := range bids {
				b, err := rd.Brick(bid)
				if err != nil {
					return err
				}
				h := hosts[b.NodeID]
				br := executors.BrickRequest{ID: b.ID, DeviceID: b.DeviceID, ThinPool: b.ThinPool, LV: b.LV, Path: b.Path,
					SizeKiB: b.SizeKiB, TpSizeKiB: b.TpSizeKiB, PoolMetadataSizeKiB: b.PoolMetadataSizeKiB, Gid: v.Gid,
					Arbiter: b.SubType == db.BrickSubTypeArbiter}
				if err := exec.BrickCreate(ctx, h[0], br); err != nil {
					return fmt.Errorf("brick %s on %s: %w", b.ID, h[0], err)
				}
				req.Bricks = append(req.Bricks, h[1]+":"+b.Path)
			}
			if len(bids) > 0 {
				first, err := rd.Brick(bids[0])
				if err != nil {
					return err
				}
				if err := exec.VolumeCreate(ctx, hosts[first.NodeID][0], req); err != nil {
					return fmt.Errorf("volume %s: %w", v.Name, err)
				}
			}
		}
		return nil
	})
}

// appConfig extracts the volume policy from the configuration.
func appConfig(cfg config.Config) glusterfs.Config {
	g := cfg.GlusterFS
	return glusterfs.Config{
		BrickMinSizeGB:            g.BrickMinSizeGB,
		BrickMaxSizeGB:            g.BrickMaxSizeGB,
		MaxBricksPerVolume:        g.MaxBricksPerVolume,
		MaxVolumesPerCluster:      g.MaxVolumesPerCluster,
		ZoneChecking:              g.ZoneChecking,
		PreRequestVolumeOptions:   g.PreRequestVolumeOptions,
		PostRequestVolumeOptions:  g.PostRequestVolumeOptions,
		BlockHostingVolumeOptions: g.BlockHostingVolumeOptions,
		AverageFileSizeKB:         g.AverageFileSizeKB,
		VolumeCreateRetries:       g.OperationRetryLimits.VolumeCreate,
		MaxInflightOperations:     int(g.MaxInflightOperations),

		AutoCreateBlockHostingVolume: g.AutoCreateBlockHostingVolume,
		BlockHostingVolumeSizeGB:     g.BlockHostingVolumeSizeGB,
	}
}

// kubeDBBackup sets up Heketi's backup of the database into a Kubernetes
// Secret. Like Heketi it only works inside a cluster; elsewhere it says so
// and the server runs without it.
func kubeDBBackup(cfg config.Config, store *db.BoltStore, log *logrus.Entry) *kubebackup.Backup {
	rc, err := rest.InClusterConfig()
	if err != nil {
		log.WithError(err).Warn("backup_db_to_kube_secret: not running inside Kubernetes; database backups to a secret are off")
		return nil
	}
	ns, err := os.ReadFile(kubeexec.DefaultNamespaceFile)
	if err != nil {
		log.WithError(err).Warn("backup_db_to_kube_secret: cannot read the pod's namespace; database backups to a secret are off")
		return nil
	}
	kb, err := kubebackup.New(kubebackup.Options{
		Config:     rc,
		Namespace:  strings.TrimSpace(string(ns)),
		SecretName: cfg.KubeDBSecretName,
		Snapshot:   store.Backup,
		Log:        log.WithField("component", "kube-db-backup"),
	})
	if err != nil {
		log.WithError(err).Warn("backup_db_to_kube_secret: database backups to a secret are off")
		return nil
	}
	kb.Trigger() // a first copy at start-up
	return kb
}
