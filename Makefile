# FotoGal: `make run` starts everything on the embedded backends;
# `make test` runs every test of every module. `make help` lists the rest.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
TOOLS_BIN := $(CURDIR)/tools/bin
BIN       := $(CURDIR)/bin
BUF       := $(TOOLS_BIN)/buf
BINARIES  := auth user image feed gateway
MODULES   := proto pkg services/auth services/user services/image services/feed gateway e2e

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Install the pinned buf, protoc plugins and grpcurl into tools/bin.
	cd tools && GOWORK=off GOBIN=$(TOOLS_BIN) $(GO) install tool

.PHONY: proto
proto: tools ## Regenerate Go code, gateway handlers and the OpenAPI document from proto/.
	PATH=$(TOOLS_BIN):$$PATH $(BUF) generate

.PHONY: proto-check
proto-check: tools ## Fail when the generated code differs from what `make proto` makes of the .proto files.
	./scripts/check-generated.sh $(TOOLS_BIN)

.PHONY: lint
lint: tools ## buf lint, buf breaking against main, gofmt and go vet.
	$(BUF) lint
	@if git rev-parse --verify -q main >/dev/null; then $(BUF) breaking --against '.git#branch=main'; fi
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then \
		echo "not gofmt'ed:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet work

.PHONY: modules
modules: ## Build every module on its own (GOWORK=off), as an image build of one service does.
	@for m in $(MODULES); do echo "GOWORK=off go build ./... in $$m"; (cd $$m && GOWORK=off $(GO) build ./...); done

.PHONY: build
build: ## Build every binary into bin/.
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./services/auth/cmd/auth ./services/user/cmd/user \
		./services/image/cmd/image ./services/feed/cmd/feed ./gateway/cmd/gateway \
		./pkg/ocifake/cmd/ocifake

.PHONY: run
run: build ## Start the four services and the gateway on the embedded backends (Ctrl-C stops all).
	BIN=$(BIN) ./scripts/run.sh

.PHONY: run-ocifake
run-ocifake: build ## The same stack on the OCI backends (NoSQL, Object Storage, Logging), against the local fakes (data under ./var/ocifake).
	BIN=$(BIN) FOTOGAL_DATA_DIR=$${FOTOGAL_DATA_DIR:-./var/ocifake} ./scripts/run.sh ocifake

.PHONY: check-k8s
check-k8s: ## Build every kustomize base and overlay with the pinned kustomize and check the deployment rules.
	GO=$(GO) ./scripts/check-k8s.sh

.PHONY: test
test: proto-check lint modules check-k8s ## Run every test of every module, end-to-end and browser tests included.
	./scripts/check-chromium.sh
	$(GO) test -race -count=1 -timeout 20m work
	FOTOGAL_E2E_BACKEND=oci $(GO) test -race -count=1 -timeout 20m ./e2e
	FOTOGAL_SOAK_DURATION=60s $(GO) test -race -count=1 -timeout 10m -run '^TestSoak$$' ./e2e/soak
	FUZZTIME=3s GO=$(GO) ./scripts/fuzz.sh
	GO=$(GO) ./scripts/test-containers.sh

.PHONY: fuzz
fuzz: ## Run every Go fuzz target for FUZZTIME each (default 30s).
	GO=$(GO) ./scripts/fuzz.sh

.PHONY: test-containers
test-containers: ## Build the images and run the tests across real containers (e2e/containers; needs a Docker Engine).
	GO=$(GO) ./scripts/test-containers.sh

.PHONY: compose-secret
compose-secret: ## Make the service credential of the Compose deployment (deploy/compose/secrets/service-secret), once.
	./scripts/compose-secret.sh

.PHONY: test-nosql-live
test-nosql-live: ## Run the store contract suites against a real Oracle NoSQL (FOTOGAL_NOSQL_* as for the services; see the README).
	FOTOGAL_NOSQL_LIVE=1 $(GO) test -count=1 -timeout 30m -run 'TestStore$$' \
		./services/auth/internal/store/nosql ./services/user/internal/store/nosql \
		./services/image/internal/store/nosql ./services/feed/internal/store/nosql

.PHONY: bench
bench: ## Seed a timeline grid, start the real binaries and print feed latencies (BENCH_FULL=1: the whole grid).
	bash services/feed/bench.sh $(if $(BENCH_FULL),-full)

.PHONY: bench-images
bench-images: ## Serve and make photos beside nginx and vipsthumbnail, on real 12–15 MP photographs, and print the ratios.
	bash scripts/bench-images.sh

SOAK_DURATION ?= 10m

.PHONY: soak
soak: ## Drive the real binaries with a mixed load for SOAK_DURATION (default 10m); print latencies, errors and resources.
	GO=$(GO) SOAK_DURATION=$(SOAK_DURATION) bash scripts/soak.sh

.PHONY: images
images: ## Build the images fotogal/{auth,user,image,feed,gateway}:latest (docker build, else buildah; FOTOGAL_IMAGE_TAG adds a tag).
	GO=$(GO) ./scripts/images.sh

.PHONY: clean
clean: ## Remove built binaries (data under ./var is kept).
	rm -rf $(BIN)
