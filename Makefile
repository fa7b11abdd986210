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

$(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc: go.mod
	$(GO) build -o $(BIN)/ google.golang.org/protobuf/cmd/protoc-gen-go google.golang.org/grpc/cmd/protoc-gen-go-grpc

.PHONY: generate
generate: $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc ## Regenerate gen/ from proto/.
	cd proto && $(GO) tool -modfile=../tools/go.mod buf generate

.PHONY: checkgenerate
checkgenerate: generate ## Fail if gen/ differs from what `make generate` writes.
	@test -z "$$(git status --porcelain -- gen)" || { git status --porcelain -- gen; echo "gen/ is stale: run make generate and commit" >&2; exit 1; }

.PHONY: test
test: ## Run all tests with the race detector, and every benchmark once.
	$(GO) test -race -count=1 ./...

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
report: ## Measure and write results/<profile>/REPORT.md (PROFILE=quick, about 10 min; PROFILE=full, about 1 h).
	$(GO) run ./cmd/report -profile $(PROFILE)

SERVER_FLAGS ?= -rest-addr 127.0.0.1:8080 -grpc-addr 127.0.0.1:50051

.PHONY: serve
serve: ## Run the REST and gRPC server in the foreground (SERVER_FLAGS='... -user name:pw -tls').
	$(GO) run ./cmd/server $(SERVER_FLAGS)
