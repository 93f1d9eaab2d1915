# Basalt's Makefile is its interface: README and CI call these targets only.
# `make help` lists them.

GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.1.0-dev)
LDFLAGS   := -X main.version=$(VERSION)
PREFIX    ?= /usr/local

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: build-cli ## Build the basalt server and basalt-cli into ./bin
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/basalt .

.PHONY: build-cli
build-cli: ## Build basalt-cli (the heketi-cli drop-in) into ./bin
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/basalt-cli ./client/cli/basalt-cli

.PHONY: demo
demo: ## Run a demo server on :8080 (mock nodes, ./data database, no auth, demo topology)
	$(GO) run -ldflags "$(LDFLAGS)" . demo

.PHONY: test
test: ## Run every test (unit, functional, real sshd and binary tests); installs sshd and promtool if missing
	scripts/test-deps.sh
	$(GO) test -count=1 ./...

.PHONY: test-e2e
test-e2e: ## Real end-to-end: basalt over SSH managing 3 GlusterFS+LVM QEMU guests (root; docs/e2e.md)
	tests/e2e/run.sh

.PHONY: test-race
test-race: ## Run the tests with the race detector
	scripts/test-deps.sh
	$(GO) test -count=1 -race ./...

.PHONY: check
check: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: bench
bench: ## Run every benchmark: package micro-benchmarks, then the 10,000-volume scale run (docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v /tests/bench)
	$(MAKE) bench-scale

.PHONY: bench-scale
bench-scale: ## The scale benchmark alone: real basalt + mock nodes, 10,000 volumes by 8 clients
	$(GO) test -run '^$$' -bench Scale10k -benchtime 1x -timeout 30m -v ./tests/bench/

.PHONY: install
install: build ## Install basalt, basalt-cli and a heketi-cli symlink into $(PREFIX)/bin
	install -D -m 0755 $(BIN)/basalt $(PREFIX)/bin/basalt
	install -D -m 0755 $(BIN)/basalt-cli $(PREFIX)/bin/basalt-cli
	ln -sf basalt-cli $(PREFIX)/bin/heketi-cli

.PHONY: clean
clean: ## Remove build outputs (keeps ./data)
	rm -rf $(BIN)
