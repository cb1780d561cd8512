# cloudless: the targets a newcomer can guess. Everything runs inside .venv, made from the repo's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ORACLE_SRC := ../shared/avm-oracle
ORACLE := .cache/avm-oracle
BENCH_RUNS ?= 5

.PHONY: install test lint bench demo demo-down conformance oracle clean toolchains modules k8s aqua image

install: $(VENV)/.installed k8s aqua helm

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The local cluster's control plane, built from localcluster/k8s's pins into
# ~/.cache/cloudless/k8s/<hash>/bin: about 10-15 min the first time on 2 cores, then a cache hit.
k8s: $(VENV)/.installed
	$(PY) -m cloudless_localcluster.build

# The real Aqua compiler (npm @fluencelabs/aqua-api 0.14.6) and aqua-lib, for `cloudless aqua` and
# `cloudless run FILE.aqua`. Needs Node >= 18 and npm.
aqua: aqua/node_modules/.installed

aqua/node_modules/.installed: aqua/package-lock.json
	cd aqua && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Container images, built from the project's wheel (multi-stage; see runtime_image/Dockerfile and
# operator/Dockerfile). Needs a working docker or podman; where none is, says so and fails.
IMAGE_ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)
IMAGE_REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

image:
	@if [ -z "$(IMAGE_ENGINE)" ] || ! $(IMAGE_ENGINE) info >/dev/null 2>&1; then \
		echo "make image: no container engine available (no docker/podman, or '$(or $(IMAGE_ENGINE),docker) info' fails); no image built." >&2; \
		echo "make image: the Dockerfiles are still checked statically by 'make test' (tests/images)." >&2; \
		exit 1; \
	fi
	$(IMAGE_ENGINE) build -f runtime_image/Dockerfile --target runtime -t cloudless/runtime:dev --build-arg REVISION=$(IMAGE_REVISION) .
	$(IMAGE_ENGINE) build -f runtime_image/Dockerfile --target router -t cloudless/router:dev --build-arg REVISION=$(IMAGE_REVISION) .
	$(IMAGE_ENGINE) build -f runtime_image/Dockerfile --target prover -t cloudless/prover:dev --build-arg REVISION=$(IMAGE_REVISION) .
	$(IMAGE_ENGINE) build -f operator/Dockerfile --target operator -t cloudless/operator:dev --build-arg REVISION=$(IMAGE_REVISION) .

# Debian toolchains that build the example Wasm modules from source (C, C++ and Rust to wasm32-wasi).
TOOLCHAIN_PACKAGES := clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 \
	libc++abi-14-dev-wasm32 rustc libstd-rust-dev-wasm32

toolchains:
	@missing=$$(for p in $(TOOLCHAIN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing toolchain packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

modules: install toolchains
	$(MAKE) -C examples/modules PYTHON=$(abspath $(PY))

# The real AquaVM (node + npm), copied out of the read-only shared folder; used to record
# conformance expectations and as the bench reference. Tests never need it.
oracle: $(ORACLE)/node_modules/.installed

$(ORACLE)/node_modules/.installed: $(ORACLE_SRC)/package-lock.json
	rm -rf $(ORACLE) && mkdir -p $(ORACLE) && cp -r $(ORACLE_SRC)/. $(ORACLE)/ && chmod -R u+w $(ORACLE)
	cd $(ORACLE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The main job: a local cluster, the operator, ComputeUnits, the example deal and examples/hello.air
# run through one of its workers (see `cloudless demo --help`); `make demo-down` stops it all.
demo: install modules
	$(VENV)/bin/cloudless demo up

demo-down: install
	$(VENV)/bin/cloudless demo down

# The AIR engine runs AquaVM's smoke vectors and our corpus over a simulated network and checks
# every outcome against the one recorded from the real AquaVM.
conformance: install
	$(PY) -m cloudless_runtime.air.conformance $(ORACLE_SRC)/smoke.jsonl tests/conformance/corpus.jsonl --check

test: install modules prometheus
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check runtime_image localcluster operator tests bench helm
	$(VENV)/bin/ruff format --check runtime_image localcluster operator tests bench helm
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict bench helm
	$(VENV)/bin/lint-imports

bench: install oracle modules
	$(PY) -m bench.air_vs_aquavm --oracle $(ORACLE) --runs $(BENCH_RUNS)
	$(PY) -m bench.particle_roundtrip --oracle $(ORACLE) --runs 100
	$(PY) -m bench.marine_call
	$(PY) -m bench.matcher
	$(PY) -m bench.epoch_close
	$(PY) -m bench.prover
	$(PY) -m bench.localcluster_startup --runs $(BENCH_RUNS)
	$(PY) -m bench.deal_ready --runs 3

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache aqua/node_modules

# ---- The Helm chart, Prometheus and kind (docs/install.md) -------------------------------------------
.PHONY: helm kind prometheus chart kind-up helm-install

# The real helm (helm.sh/helm/v3, pinned in localcluster/helm), built like the control plane into
# ~/.cache/cloudless/helm/<hash>/bin: about 2 min the first time, then a cache hit.
helm: $(VENV)/.installed
	$(PY) -m cloudless_localcluster.build helm

# kind (sigs.k8s.io/kind, pinned in localcluster/kind) for `make kind-up`, built the same way.
kind: $(VENV)/.installed
	$(PY) -m cloudless_localcluster.build kind

# Debian's Prometheus and promtool: the chart tests run the dashboard's queries and alert rules on it.
prometheus:
	@if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then \
		echo "installing Debian's prometheus"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi

# The chart's generated files: its CRDs from crds/, the Grafana dashboard and alert rules from code.
chart: $(VENV)/.installed
	$(PY) helm/sync_crds.py
	$(PY) helm/dashboard.py
	$(PY) helm/alerts.py

HELM_BIN = $(shell $(PY) -m cloudless_localcluster.build helm --print-bin-dir)/helm
KIND_BIN = $(shell $(PY) -m cloudless_localcluster.build kind --print-bin-dir)/kind
KUBECTL_BIN = $(shell $(PY) -m cloudless_localcluster.build k8s --print-bin-dir)/kubectl
KIND_CLUSTER ?= cloudless
KIND_CONTEXT = kind-$(KIND_CLUSTER)
RELEASE ?= cloudless
RELEASE_NAMESPACE ?= cloudless-system
MONITORING_CRDS ?= 0
HELM_VALUES ?=
KIND_IMAGES := cloudless/operator:dev cloudless/runtime:dev cloudless/router:dev cloudless/prover:dev
# The chart's default epochs.dataDir.hostPath, made on the kind node for the images' user (uid 10001).
KIND_DATA_DIR ?= /var/lib/cloudless

# kind runs Kubernetes in Docker containers: without a working Docker these targets stop here.
define need_docker
	@if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then \
		echo "make $@: Docker is not available (no docker command, or 'docker info' fails); kind needs it." >&2; \
		echo "make $@: without Docker, use the local cluster: docs/install.md, 'Without Docker'." >&2; \
		exit 1; \
	fi
endef

# A one-node kind cluster from kind/cluster.yaml (kept if it exists).
kind-up: kind k8s
	$(need_docker)
	@if $(KIND_BIN) get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
		echo "kind cluster $(KIND_CLUSTER) exists"; \
	else \
		$(KIND_BIN) create cluster --name $(KIND_CLUSTER) --config kind/cluster.yaml --wait 180s; \
	fi
	docker exec $(KIND_CLUSTER)-control-plane install -d -o 10001 -g 10001 $(KIND_DATA_DIR)
	$(KUBECTL_BIN) --context $(KIND_CONTEXT) get nodes -L cloudless.dev/provider

# The images of `make image` loaded into kind, the CRDs applied server-side (Helm never upgrades
# them), optionally the Prometheus Operator's CRDs (MONITORING_CRDS=1), then the chart installed or
# upgraded; HELM_VALUES passes more flags to helm, e.g. HELM_VALUES='--set provider.name=acme'.
helm-install: helm kind k8s
	$(need_docker)
	@for image in $(KIND_IMAGES); do docker image inspect $$image >/dev/null 2>&1 \
		|| { echo "make helm-install: image $$image is missing: run 'make image' first" >&2; exit 1; }; done
	$(KIND_BIN) load docker-image --name $(KIND_CLUSTER) $(KIND_IMAGES)
	@if [ "$(MONITORING_CRDS)" = 1 ]; then \
		$(KUBECTL_BIN) --context $(KIND_CONTEXT) apply --server-side -f helm/monitoring-crds; fi
	$(KUBECTL_BIN) --context $(KIND_CONTEXT) apply --server-side --force-conflicts -f helm/cloudless/crds
	$(HELM_BIN) --kube-context $(KIND_CONTEXT) upgrade --install $(RELEASE) helm/cloudless \
		--namespace $(RELEASE_NAMESPACE) --create-namespace --wait --timeout 5m $(HELM_VALUES)
