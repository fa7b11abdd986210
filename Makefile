SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DEFAULT_GOAL := help

GO ?= go
BIN := $(CURDIR)/bin

.PHONY: help
help: ## Show this help.
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

PLUGINS := $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/protoc-gen-go-vtproto $(BIN)/protoc-gen-connect-go $(BIN)/protoc-gen-grpc-gateway

$(PLUGINS) &: go.mod
	$(GO) build -o $(BIN)/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc github.com/planetscale/vtprotobuf/cmd/protoc-gen-go-vtproto connectrpc.com/connect/cmd/protoc-gen-connect-go github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway

.PHONY: generate
generate: $(PLUGINS) ## Regenerate gen/ from proto/.
	cd proto && $(GO) tool -modfile=../tools/go.mod buf generate

.PHONY: checkgenerate
checkgenerate: generate ## Fail if gen/ differs from what `make generate` writes.
	@test -z "$$(git status --porcelain -- gen)" || { git status --porcelain -- gen; echo "gen/ is stale: run make generate and commit" >&2; exit 1; }

# The Node.js client of the cross-language test (interop/): installed from
# its committed lockfile when node is present, so that make test runs it.
.PHONY: interop-deps
interop-deps: ## Install the Node.js client of the cross-language test (npm ci in interop/node).
	cd interop/node && npm ci --no-audit --no-fund

.PHONY: test
test: $(if $(shell command -v node),interop-deps) ## Run all tests with the race detector, and every benchmark once.
	$(GO) test -race -count=1 ./...
	$(GO) test -run='^$$' -bench=. -benchtime=1x -short -count=1 ./bench/...

.PHONY: redteam
redteam: ## Run the hostile-client probes (internal/hostile) at the full scale of the attacks they pin.
	$(GO) test -count=1 -v -timeout 30m ./internal/hostile -args -redteam

.PHONY: lint
lint: ## go vet, gofmt and staticcheck.
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w" >&2; exit 1; }
	$(GO) tool -modfile=tools/go.mod staticcheck ./...

.PHONY: clean
clean: ## Remove built binaries.
	rm -rf $(BIN)

PROFILE ?= quick

.PHONY: report
report: $(if $(shell command -v node),interop-deps) ## Measure and write results/<profile>/REPORT.md and REPORT.html (PROFILE=quick, about 10 min; PROFILE=full, about 1 h 15 min with make fleet's sections).
	$(GO) run ./cmd/report -profile $(PROFILE) -readme README.md
ifeq ($(PROFILE),full)
	$(MAKE) fleet PROFILE=full
	$(GO) run ./cmd/report -skip-run -profile full -readme README.md
endif

.PHONY: report-stability
report-stability: $(if $(shell command -v node),interop-deps) ## Measure the profile twice (results/<profile>/stability-1, -2) and print every verdict that differs.
	$(GO) run ./cmd/report -profile $(PROFILE) -stability

SERVER_FLAGS ?= -rest-addr 127.0.0.1:8080 -grpc-addr 127.0.0.1:50051

.PHONY: serve
serve: ## Run the REST and gRPC server in the foreground (SERVER_FLAGS='... -user name:pw -tls').
	$(GO) run ./cmd/server $(SERVER_FLAGS)

BENCH ?= .
COUNT ?= 10
BENCHTIME ?= 1s
RAW := results/raw

.PHONY: bench
bench: ## go test -bench into results/raw/bench-<date>.txt (BENCH=regexps, space-separated, COUNT=10 interleaved passes, BENCHTIME=1s, env BENCH_SET=default|full).
	@mkdir -p $(RAW) $(BIN)
	$(GO) test -c -o $(BIN)/bench.test ./bench
	@out=$(RAW)/bench-$$(date -u +%Y%m%dT%H%M%SZ).txt; \
	{ echo "commit: $$(git rev-parse HEAD)$$(git diff --quiet HEAD -- . || echo -dirty)"; \
	  echo "go: $$($(GO) env GOVERSION)"; \
	  echo "cpu: $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"; \
	  echo "gomaxprocs: $${GOMAXPROCS:-$$(nproc)}"; \
	  echo "date: $$(date -u +%Y-%m-%dT%H:%M:%SZ)"; \
	  echo "benchset: $${BENCH_SET:-default}"; \
	  echo "benchtime: $(BENCHTIME)"; echo; } > $$out; \
	pats='$(value BENCH)'; set -f; \
	for i in $$(seq $(COUNT)); do \
	  echo "pass $$i of $(COUNT)" >&2; \
	  for pat in $$pats; do \
	    (cd bench && $(BIN)/bench.test -test.run='^$$' -test.bench="$$pat" -test.benchmem -test.count=1 -test.benchtime=$(BENCHTIME) -test.timeout=0) | tee -a $$out; \
	  done; \
	done; \
	echo "wrote $$out"

# Columns of make compare, the first being the baseline of "vs base".
VARIANTS ?= rest rest-proto rest-h2c rest-sse grpc nethttp tcp core

.PHONY: compare
compare: ## benchstat the newest (by name) results/raw/bench-*.txt, variants as columns (rest the baseline), also into <it>.benchstat.txt.
	@raw=$$(ls $(RAW)/bench-*.txt 2>/dev/null | grep -v '\.benchstat\.txt$$' | sort | tail -1); \
	test -n "$$raw" || { echo "no $(RAW)/bench-*.txt: run make bench first" >&2; exit 1; }; \
	{ $(GO) tool benchstat -filter '-.name:Codec' -col '/variant@($(VARIANTS))' "$$raw"; \
	  echo; $(GO) tool benchstat -filter '.name:Codec' -col /codec "$$raw"; } | tee "$${raw%.txt}.benchstat.txt"; \
	echo "wrote $${raw%.txt}.benchstat.txt"

.PHONY: crosscheck
crosscheck: ## Cross-check cmd/loadgen against wrk, h2load and ghz on one pinned server (DURATION=3s ROUNDS=2; RPCS, PAYLOADS, CONCS, ROWS, H2_CONNS pick rows; see the script).
	BIN=$(BIN) bash bench/crosscheck/crosscheck.sh

FLEET_FLAGS ?=

.PHONY: fleet
fleet: ## Three backends behind HAProxy L4/L7 and gRPC round robin, a backend killed mid-run, a sweep to 10,000 callers, a veth network path: raw results into results/<profile>/raw (root for HAProxy and namespaces; FLEET_FLAGS='-sections balance -duration 10s').
	@mkdir -p $(BIN) results/$(PROFILE)/raw
	$(GO) build -o $(BIN)/server ./cmd/server
	$(GO) build -o $(BIN)/loadgen ./cmd/loadgen
	$(GO) run ./cmd/fleet -server $(BIN)/server -loadgen $(BIN)/loadgen -out results/$(PROFILE)/raw -profile $(PROFILE) $(FLEET_FLAGS)

QPS_DRIVER ?=
QPS_RUNS ?= 1
QPS_RESULTS ?=

.PHONY: qps
qps: ## Run grpc's qps_json_driver (QPS_DRIVER=path) on cmd/worker: stock and per-variant scenarios, on loopback and with server and each client in its own network namespace (root); QPS_RUNS=N repeats ours, QPS_RESULTS=dir keeps the result files; skips without a driver.
	QPS_DRIVER='$(if $(QPS_DRIVER),$(abspath $(QPS_DRIVER)))' QPS_RUNS='$(QPS_RUNS)' QPS_RESULTS='$(if $(QPS_RESULTS),$(abspath $(QPS_RESULTS)))' $(GO) test -count=1 -timeout 30m -run '^TestQPSDriver$$' -v ./cmd/worker

SOAK_DURATION ?= 5m
SOAK_FLAGS ?=

.PHONY: soak
soak: ## Soak the server binary under every call kind over every variant, sampling RSS, goroutines, fds (SOAK_DURATION=5m, SOAK_FLAGS='-rate 10').
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/server ./cmd/server
	$(GO) run ./cmd/soak -server $(BIN)/server -duration $(SOAK_DURATION) $(SOAK_FLAGS)
