package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/config"
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

// newExecutor builds the executor the config selects.
func newExecutor(cfg config.Config, store db.Store, log *logrus.Entry) (executors.Executor, error) {
	var transport executors.Transport
	switch cfg.GlusterFS.Executor {
	case "mock":
		size := uint64(cfg.MockDeviceSizeGB) * 1024 * 1024
		fake := fakeexec.New(fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: size})
		log.WithField("device_size_gb", cfg.MockDeviceSizeGB).Warn("using the mock executor: storage nodes are simulated in memory")
		exec := cmdexec.New(fake, cfg.CmdExec(), log.WithField("component", "executor"))
		if err := seedMockNodes(store, fake, exec); err != nil {
			return nil, fmt.Errorf("mock executor: rebuilding simulated nodes from the database: %w", err)
		}
		return exec, nil
	default:
		return nil, fmt.Errorf("glusterfs.executor: %q is not available in this build yet", cfg.GlusterFS.Executor)
	}
	return cmdexec.New(transport, cfg.CmdExec(), log.WithField("component", "executor")), nil
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

	exec, err := newExecutor(cfg, store, log)
	if err != nil {
		return err
	}
	app := glusterfs.New(store, exec, glusterfs.Options{Log: log.WithField("component", "app")})

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

	retention := cfg.Basalt.JobResultRetention()
	if retention == 0 {
		retention = -1 // 0 in the config means Heketi's forget-on-first-read
	}
	jobs := async.New(async.Options{
		MaxRunning: cfg.Basalt.MaxRunningJobs,
		Retention:  retention,
		Logger:     log.WithField("component", "jobs"),
	})
	srv := &http.Server{
		Handler:           server.New(app, jobs, server.Options{Log: log.WithField("component", "http")}).Handler(),
		ReadTimeout:       cfg.Basalt.HTTPReadTimeout(),
		ReadHeaderTimeout: cfg.Basalt.HTTPReadTimeout(),
		WriteTimeout:      cfg.Basalt.HTTPWriteTimeout(),
		IdleTimeout:       cfg.Basalt.HTTPIdleTimeout(),
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
	log.Info("shutting down: no new requests; waiting for running jobs to reach a safe point")
	grace, cancel := context.WithTimeout(context.Background(), cfg.Basalt.ShutdownGrace())
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		log.WithError(err).Warn("HTTP shutdown did not finish in time")
	}
	if err := jobs.Shutdown(grace); err != nil {
		log.WithError(err).Warn("jobs were cancelled at the end of the grace period; start-up recovery will repair them")
	}
	log.Info("stopped")
	return nil
}

// seedMockNodes rebuilds the simulated nodes from the database, so that a
// restarted mock server's nodes have the VGs its database describes. Each
// device is set up again with the same commands a real node would get; the
// simulated PV gets a new uuid, which is written back to the database.
func seedMockNodes(store db.Store, fake *fakeexec.Fake, exec executors.Executor) error {
	type dev struct {
		host string
		d    *db.Device
	}
	var devs []dev
	err := store.View(func(rd db.Reader) error {
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
			devIDs, err := rd.NodeDeviceIDs(id)
			if err != nil {
				return err
			}
			for _, did := range devIDs {
				d, err := rd.Device(did)
				if err != nil {
					return err
				}
				if d.PendingOpID == "" { // recovery decides what happens to pending ones
					devs = append(devs, dev{n.ManageHost(), d})
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, x := range devs {
		info, err := exec.DeviceSetup(context.Background(), x.host, executors.DeviceRequest{ID: x.d.ID, Name: x.d.Name})
		if err != nil {
			return fmt.Errorf("device %s on %s: %w", x.d.Name, x.host, err)
		}
		err = store.Update(func(w db.Writer) error {
			d, err := w.Device(x.d.ID)
			if err != nil {
				return err
			}
			d.PVUUID, d.Paths = info.PVUUID, info.Paths
			return w.PutDevice(d)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
