# polyconc: the two commands are `make compare` and `make test`.
# Everything they need is installed by `make setup` (a .venv with maturin,
# pytest and the comparison tools); Go modules and Maven artefacts are
# fetched by the language folders' own builds.

PYTHON3 ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
PREFIX ?= /usr/local
# Loom runs in its own target dir: `--cfg loom` would otherwise rebuild
# everything the normal tests built.
LOOM_ENV := RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=$(CURDIR)/target/loom

.PHONY: setup build test test-rust test-loom test-python test-c test-comparisons \
        compare report bench install clean

setup: $(VENV)/.ready

$(VENV)/.ready: comparisons/requirements.txt bindings-python/requirements-dev.txt
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r comparisons/requirements.txt -r bindings-python/requirements-dev.txt
	touch $@

build: setup
	cargo build --workspace --release
	$(MAKE) -C bindings-python develop VENV=$(VENV)
	$(MAKE) -C bindings-c build

test: test-rust test-loom test-python test-c test-comparisons
	@echo "make test: all suites passed"

test-rust:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace --features polyconc/test-hooks
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

test-loom:
	$(LOOM_ENV) cargo test -p polyconc --test loom --release
	$(LOOM_ENV) cargo test -p polyconc --lib --release
	$(LOOM_ENV) cargo test -p polyconc --test loom_sync2 --release
	$(LOOM_ENV) cargo test -p polyconc --test future_loom --release
	$(LOOM_ENV) cargo test -p polyconc --test queue_transfer_loom --release

test-python: setup
	$(MAKE) -C bindings-python test VENV=$(VENV)

test-c:
	$(MAKE) -C bindings-c test

test-comparisons: setup
	$(MAKE) -C bindings-python develop VENV=$(VENV)
	$(MAKE) -C comparisons lint test unit smoke VENV=$(VENV)

compare: setup
	$(MAKE) -C bindings-python develop VENV=$(VENV)
	$(MAKE) -C comparisons compare VENV=$(VENV) $(if $(FULL),FULL=1)

report: setup
	$(MAKE) -C comparisons report VENV=$(VENV)

bench:
	cargo bench -p polyconc

install:
	$(MAKE) -C bindings-c install PREFIX=$(PREFIX)

clean:
	cargo clean
	rm -rf $(VENV)
