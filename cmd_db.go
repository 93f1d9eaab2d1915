package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/db/dbcheck"
	"github.com/basalt-storage/basalt/db/heketidump"
)

// The offline database tools of Heketi's command line (facts 6.3):
//
//	basalt db export --dbfile=<db> --jsonfile=<out|->    Heketi-format JSON dump
//	basalt db import --jsonfile=<in> --dbfile=<new db>   build a new database from a dump
//	basalt db consistency-check --dbfile=<db>            print the /db/check report
//	basalt offline cleanup-operations --config=<file>    repair stale and failed operations
//
// Each takes --debug. They work on Basalt database files; a heketi.db (gob
// records) must first be exported with `heketi db export`.

// dbCommand is `basalt db`.
func dbCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Export, import and check the database offline",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(dbExportCommand(), dbImportCommand(), dbCheckCommand(), dbDeleteEmptyBricksCommand())
	return cmd
}

// toolLogger logs to stderr at info, or debug with --debug.
func toolLogger(debug bool) *logrus.Entry {
	if debug {
		return newLogger("debug")
	}
	return newLogger("info")
}

// errFileExists is Heketi's refusal to overwrite a file.
func errFileExists(path string) error {
	return fmt.Errorf("%s file already exists", path)
}

// requireFlag fails when a mandatory flag is empty.
func requireFlag(name, value string) error {
	if value == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}

func dbExportCommand() *cobra.Command {
	var dbFile, jsonFile string
	var debug bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the database as Heketi's JSON dump (- for stdout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("dbfile", dbFile); err != nil {
				return err
			}
			if err := requireFlag("jsonfile", jsonFile); err != nil {
				return err
			}
			return dbExport(dbFile, jsonFile, cmd.OutOrStdout(), toolLogger(debug))
		},
	}
	cmd.Flags().StringVar(&dbFile, "dbfile", "", "database file to export")
	cmd.Flags().StringVar(&jsonFile, "jsonfile", "", "JSON file to write (must not exist); - writes to stdout")
	cmd.Flags().BoolVar(&debug, "debug", false, "log each step")
	return cmd
}

// dbExport opens dbFile read-only (waiting at most db.DefaultLockTimeout for
// a running server to let go of it) and writes the dump of one snapshot,
// indented, to jsonFile or, for "-", to stdout. An existing jsonFile is
// never overwritten; a failed export leaves no partial file behind.
func dbExport(dbFile, jsonFile string, stdout io.Writer, log *logrus.Entry) error {
	if jsonFile != "-" {
		if _, err := os.Stat(jsonFile); err == nil {
			return errFileExists(jsonFile)
		}
	}
	store, err := db.Open(dbFile, db.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer store.Close()
	log.WithField("db", dbFile).Debug("database open read-only")
	var dump *heketidump.Dump
	if err := store.View(func(r db.Reader) error {
		var err error
		dump, err = heketidump.Export(r)
		return err
	}); err != nil {
		return fmt.Errorf("export %s: %w", dbFile, err)
	}
	data, err := indent(dump)
	if err != nil {
		return err
	}
	if jsonFile == "-" {
		_, err := stdout.Write(data)
		return err
	}
	f, err := os.OpenFile(jsonFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return errFileExists(jsonFile)
	}
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(jsonFile)
		return fmt.Errorf("write %s: %w", jsonFile, err)
	}
	log.WithFields(logrus.Fields{"json": jsonFile, "clusters": len(dump.Clusters), "volumes": len(dump.Volumes),
		"pending_operations": len(dump.PendingOps)}).Debug("database exported")
	return nil
}

// indent encodes v as the HTTP routes do: four-space indent, final newline.
func indent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func dbImportCommand() *cobra.Command {
	var dbFile, jsonFile string
	var debug bool
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Build a new database from Heketi's JSON dump",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("jsonfile", jsonFile); err != nil {
				return err
			}
			if err := requireFlag("dbfile", dbFile); err != nil {
				return err
			}
			return dbImport(jsonFile, dbFile, toolLogger(debug))
		},
	}
	cmd.Flags().StringVar(&jsonFile, "jsonfile", "", "JSON dump to read")
	cmd.Flags().StringVar(&dbFile, "dbfile", "", "database file to create (must not exist)")
	cmd.Flags().BoolVar(&debug, "debug", false, "log each step")
	return cmd
}

// dbImport creates dbFile from the dump in jsonFile in one transaction. It
// refuses an existing dbFile and removes the new file when the import fails,
// so a corrected dump can be imported with the same command.
func dbImport(jsonFile, dbFile string, log *logrus.Entry) error {
	if _, err := os.Stat(dbFile); err == nil {
		return errFileExists(dbFile)
	}
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		return err
	}
	dump := heketidump.New()
	if err := json.Unmarshal(data, dump); err != nil {
		return fmt.Errorf("%s is not a JSON database dump: %w", jsonFile, err)
	}
	store, err := db.Open(dbFile, db.Options{})
	if err != nil {
		_ = os.Remove(dbFile)
		return err
	}
	log.WithField("db", dbFile).Debug("new database created")
	err = store.Update(func(w db.Writer) error { return heketidump.Import(dump, w) })
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dbFile)
		return fmt.Errorf("import %s: %w", jsonFile, err)
	}
	log.WithFields(logrus.Fields{"db": dbFile, "clusters": len(dump.Clusters), "nodes": len(dump.Nodes),
		"volumes": len(dump.Volumes), "pending_operations": len(dump.PendingOps)}).Debug("database imported")
	return nil
}

func dbCheckCommand() *cobra.Command {
	var dbFile string
	var debug bool
	cmd := &cobra.Command{
		Use:   "consistency-check",
		Short: "Print the database consistency report (as GET /db/check)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("dbfile", dbFile); err != nil {
				return err
			}
			log := toolLogger(debug)
			store, err := db.Open(dbFile, db.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer store.Close()
			var rep *dbcheck.Report
			if err := store.View(func(r db.Reader) error {
				var err error
				rep, err = dbcheck.Check(r)
				return err
			}); err != nil {
				return fmt.Errorf("check %s: %w", dbFile, err)
			}
			log.WithField("inconsistencies", rep.TotalInconsistencies).Debug("database checked")
			data, err := indent(rep)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.Flags().StringVar(&dbFile, "dbfile", "", "database file to check")
	cmd.Flags().BoolVar(&debug, "debug", false, "log each step")
	return cmd
}

// offlineCommand is `basalt offline`.
func offlineCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "offline",
		Short: "Maintenance that runs while the server is stopped",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(cleanupOperationsCommand(), offlineStateCommand(), updateDBVolCommand())
	return cmd
}

func cleanupOperationsCommand() *cobra.Command {
	var configFile string
	var debug bool
	cmd := &cobra.Command{
		Use:   "cleanup-operations",
		Short: "Repair every pending operation left by failures or crashes, in the foreground",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if configFile == "" {
				return fmt.Errorf("Please provide configuration file")
			}
			return cleanupOperations(configFile, debug, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "configuration file (heketi.json)")
	cmd.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	return cmd
}

// cleanupOperations opens the configured database read-write (so a running
// server, which holds the lock, makes it fail after the lock timeout), builds
// the configured executor and repairs every pending operation the way
// start-up recovery does: creates and expands that did not finish are undone
// on the nodes and in the database, deletes are finished. With the server
// stopped every pending operation is stale, so all are eligible. It prints
// one line per outcome and fails when an operation could not be repaired
// (it is then kept with status failed).
func cleanupOperations(configFile string, debug bool, stdout io.Writer) error {
	env, closeEnv, err := openOffline(configFile, debug, false)
	if err != nil {
		return err
	}
	defer closeEnv()
	app := env.app

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, recoveryTimeout)
	defer cancel()
	rep, err := app.Recover(ctx)
	if rep != nil {
		fmt.Fprintf(stdout, "rolled back: %d, completed: %d, failed: %d\n", len(rep.RolledBack), len(rep.Completed), len(rep.Failed))
	}
	if err != nil {
		return fmt.Errorf("cleaning up pending operations: %w", err)
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d pending operations could not be cleaned up and are kept as failed: %s",
			len(rep.Failed), strings.Join(rep.Failed, ", "))
	}
	return nil
}
