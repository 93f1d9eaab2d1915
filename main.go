// Command basalt is the Basalt server: a drop-in replacement for the Heketi
// GlusterFS management server.
//
//	basalt --config heketi.json [--disable-auth]   run the server
//	basalt demo                                     run a demo server (mock nodes, no auth)
//	basalt --version                                print the version
//
// main only parses the command line; serve.go wires config -> db, executor,
// app, server and runs them until SIGINT/SIGTERM.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func versionLine() string {
	return fmt.Sprintf("Basalt %s (Heketi v10 compatible; using go: %s)", version, runtime.Version())
}

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	var (
		configFile  string
		disableAuth bool
		showVersion bool
		flags       serveFlags
	)
	root := &cobra.Command{
		Use:           "basalt",
		Short:         "Basalt: GlusterFS volume management with Heketi's REST API",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Println(versionLine())
			if showVersion {
				return nil
			}
			if configFile == "" {
				return fmt.Errorf("Please provide configuration file")
			}
			flags.DisableAuth = disableAuth
			return serveFromFile(configFile, flags)
		},
	}
	root.Flags().StringVar(&configFile, "config", "", "configuration file (heketi.json)")
	root.Flags().BoolVar(&disableAuth, "disable-auth", false, "serve without JWT authentication")
	root.Flags().BoolVarP(&showVersion, "version", "v", false, "print the version and exit")
	root.Flags().StringVar(&flags.Port, "port", "", "listen port (overrides the config file and HEKETI_HTTP_PORT)")
	root.Flags().StringVar(&flags.DBPath, "db", "", "database file (overrides glusterfs.db and HEKETI_DB_PATH)")
	root.AddCommand(demoCommand())
	root.AddCommand(dbCommand(), offlineCommand())
	return root
}
