// Command basalt-cli is a drop-in replacement for heketi-cli: it manages a
// Basalt (or Heketi) server with heketi-cli's commands, flags, environment
// variables, output and exit codes. `make install` also installs it as
// heketi-cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/basalt-storage/basalt/client/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Options{Version: version})
	stop()
	os.Exit(code)
}
