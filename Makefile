# cloudless: the targets a newcomer can guess. Everything runs inside .venv, made from the repo's own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ORACLE_SRC := ../shared/avm-oracle
ORACLE := .cache/avm-oracle
BENCH_RUNS ?= 5

.PHONY: install test lint bench demo oracle clean toolchains modules k8s aqua image

install: $(VENV)/.installed k8s aqua

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

# Main job until the operator demo exists: the AIR engine runs AquaVM's smoke vectors
# over a simulated network and checks every outcome against the real AquaVM's.
demo: install
	$(PY) -m cloudless_runtime.air.conformance $(ORACLE_SRC)/smoke.jsonl tests/conformance/corpus.jsonl --check

test: install modules
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check runtime_image localcluster operator tests bench helm
	$(VENV)/bin/ruff format --check runtime_image localcluster operator tests bench helm
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install oracle
	$(PY) -m bench.air_vs_aquavm --oracle $(ORACLE) --runs $(BENCH_RUNS)
	$(PY) -m bench.particle_roundtrip --oracle $(ORACLE) --runs 100
	$(PY) -m bench.marine_call
	$(PY) -m bench.matcher
	$(PY) -m bench.localcluster_startup --runs $(BENCH_RUNS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache aqua/node_modules
