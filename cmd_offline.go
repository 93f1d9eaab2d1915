package main

import (
	"fmt"
	"os"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/server/config"
)

// offlineEnv is what an offline subcommand (cleanup-operations,
// state examine gluster, update-dbvol) works with: the server's database,
// executor and application, built the way `basalt` builds them but without
// the HTTP side.
type offlineEnv struct {
	store *db.BoltStore
	exec  executors.Executor
	app   *glusterfs.App
}

// openOffline loads configFile, opens the configured database (read-only
// when readOnly; either way a running server holds the lock, so this fails
// after the lock timeout while one runs) and builds the configured executor.
// It logs at the configured level, or debug when debug is set. The returned
// function closes everything.
func openOffline(configFile string, debug, readOnly bool) (*offlineEnv, func(), error) {
	cfg, err := config.Load(configFile, os.LookupEnv, config.Flags{DisableAuth: true})
	if err != nil {
		return nil, nil, err
	}
	level := cfg.GlusterFS.LogLevel
	if debug {
		level = "debug"
	}
	log := newLogger(level)
	if !readOnly && cfg.GlusterFS.DBReadOnly {
		return nil, nil, fmt.Errorf("the database is configured read-only (glusterfs.db_read_only); this command needs to write it")
	}
	store, err := db.Open(cfg.GlusterFS.DBFile, db.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, nil, err
	}
	closeStore := func() {
		if err := store.Close(); err != nil {
			log.WithError(err).Error("closing the database")
		}
	}
	exec, closeExec, err := newExecutor(cfg, store, log, nil)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	app := glusterfs.New(store, exec, glusterfs.Options{Log: log.WithField("component", "app"), Config: appConfig(cfg)})
	env := &offlineEnv{store: store, exec: exec, app: app}
	return env, func() { closeExec(); closeStore() }, nil
}
