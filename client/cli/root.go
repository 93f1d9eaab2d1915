// Package cli implements basalt-cli, a drop-in replacement for heketi-cli:
// the same commands, flags, defaults, environment variables
// (HEKETI_CLI_SERVER, HEKETI_CLI_USER, HEKETI_CLI_KEY), text and --json
// output and exit codes, built on the Go client in package client.
//
// Errors are printed as "Error: <text>" on standard error and make the
// command exit with status 255 (heketi-cli's -1). docs/cli.md lists every
// output format and says which ones are inferred rather than documented.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client"
)

// ExitError is the exit status of a failed command (heketi-cli's -1).
const ExitError = 255

// DefaultServer is the server address used when neither --server nor
// HEKETI_CLI_SERVER is set.
const DefaultServer = "http://localhost:8080"

// Environment variables read by the CLI, as heketi-cli reads them.
const (
	EnvServer = "HEKETI_CLI_SERVER"
	EnvUser   = "HEKETI_CLI_USER"
	EnvKey    = "HEKETI_CLI_KEY"
)

// Options configure one run of the CLI. Zero values select the process's
// standard streams and environment.
type Options struct {
	// Stdout and Stderr receive the command's output and errors.
	Stdout, Stderr io.Writer
	// Getenv reads environment variables (os.Getenv when nil).
	Getenv func(string) string
	// Version is printed by --version.
	Version string
	// ClientOptions are added to the options of every client the CLI
	// creates (tests use them to shorten retry delays).
	ClientOptions []client.Option
}

// app holds the global flags and the streams of one CLI run.
type app struct {
	stdout, stderr io.Writer
	version        string
	clientOpts     []client.Option

	server, user, secret string
	jsonOut              bool
	insecureTLS          bool
	tlsCerts             []string

	c *client.Client
}

// Run executes the CLI with args (without the program name) and returns the
// process exit status: 0 on success, ExitError on any error.
func Run(ctx context.Context, args []string, o Options) int {
	a := &app{stdout: o.Stdout, stderr: o.Stderr, version: o.Version, clientOpts: o.ClientOptions}
	if a.stdout == nil {
		a.stdout = os.Stdout
	}
	if a.stderr == nil {
		a.stderr = os.Stderr
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	root := a.rootCommand(getenv)
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(a.stderr, "Error: %s\n", errorText(err))
		return ExitError
	}
	return 0
}

// errorText is the message printed after "Error: ". A server error's text
// is the server's message (see client.Error), so unwrapped server errors
// print exactly as heketi-cli prints them.
func errorText(err error) string {
	return err.Error()
}

// rootCommand builds the command tree.
func (a *app) rootCommand(getenv func(string) string) *cobra.Command {
	var showVersion bool
	root := &cobra.Command{
		Use:           "heketi-cli",
		Short:         "Command line program for Heketi-compatible servers (Basalt)",
		Long:          "Command line program for Heketi-compatible servers (Basalt). A drop-in replacement for heketi-cli.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if showVersion {
				fmt.Fprintf(a.stdout, "basalt-cli %s\n", a.version)
				return nil
			}
			return cmd.Help()
		},
	}
	server := getenv(EnvServer)
	if server == "" {
		server = DefaultServer
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.server, "server", "s", server, "Heketi server. Can also be set using the environment variable "+EnvServer)
	f.StringVar(&a.user, "user", getenv(EnvUser), "Heketi user. Can also be set using the environment variable "+EnvUser)
	f.StringVar(&a.secret, "secret", getenv(EnvKey), "Secret key for specified user. Can also be set using the environment variable "+EnvKey)
	f.BoolVar(&a.jsonOut, "json", false, "Print response as JSON")
	f.BoolVarP(&a.insecureTLS, "insecure-tls", "I", false, "Do not verify the server's certificate (test set-ups only)")
	f.StringArrayVarP(&a.tlsCerts, "tls-cert", "C", nil, "A PEM certificate file to trust when connecting over TLS; repeatable")
	root.Flags().BoolVarP(&showVersion, "version", "v", false, "Print version")

	root.AddCommand(
		a.clusterCommand(),
		a.nodeCommand(),
		a.deviceCommand(),
		a.volumeCommand(),
		a.blockVolumeCommand(),
		a.brickCommand(),
		a.topologyCommand(),
		a.storageCommand(),
		a.logLevelCommand(),
		a.dbCommand(),
		a.serverCommand(),
	)
	return root
}

// client returns the client for the global flags, created on first use.
func (a *app) client() (*client.Client, error) {
	if a.c != nil {
		return a.c, nil
	}
	if a.server == "" {
		return nil, fmt.Errorf("server must be provided with --server or %s", EnvServer)
	}
	opts := []client.Option{client.WithUserAgent("basalt-cli/" + a.version)}
	if a.insecureTLS || len(a.tlsCerts) > 0 {
		opts = append(opts, client.WithTLS(client.TLSConfig{CAFiles: a.tlsCerts, InsecureSkipVerify: a.insecureTLS}))
	}
	opts = append(opts, a.clientOpts...)
	c, err := client.New(a.server, a.user, a.secret, opts...)
	if err != nil {
		return nil, err
	}
	a.c = c
	return c, nil
}

// printJSON writes v as one line of JSON.
func (a *app) printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

// printRaw writes server text (already JSON) followed by a newline if it
// lacks one.
func (a *app) printRaw(s string) {
	if strings.HasSuffix(s, "\n") {
		fmt.Fprint(a.stdout, s)
		return
	}
	fmt.Fprintln(a.stdout, s)
}

// printf writes formatted text to standard output.
func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

// idArg returns the single positional id argument or an error in
// heketi-cli's words.
func idArg(args []string, what string) (string, error) {
	if len(args) < 1 {
		return "", fmt.Errorf("%s id missing", what)
	}
	if len(args) > 1 {
		return "", fmt.Errorf("too many arguments: expected one %s id", what)
	}
	return args[0], nil
}
