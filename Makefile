# The two commands a new user runs (README): `make demo` and `make test`.
# Everything they need is installed from the package registries by the project's own files.

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV ?= .venv

.PHONY: demo test lint test-rust test-python test-node test-faults test-fuzz test-install test-dist generate bench bench-smoke clean \
	dist dist-ci dist-tools dist-wheels dist-npm dist-sdist crates-check crates-publish mutants

## What the client is for: the full inventory with live progress (20,000 simulated images, 50 ms a
## request, Qualys' limits scaled down), the critical images' vulnerabilities fanned out within the
## limits, a triage summary, JSONL files and an HTML report in demo-out/, and a plain sequential loop
## for comparison. Against Qualys when QUALYS_USERNAME and QUALYS_PASSWORD (or QUALYS_TOKEN) are set
## (with QUALYS_PLATFORM or QUALYS_BASE_URL). `make test` runs its short mode (tests/python).
demo: $(VENV)/bin/python
	$(VENV)/bin/maturin develop -q --release
	$(VENV)/bin/python examples/demo.py --out demo-out

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip "maturin>=1.9.4,<2"

## Every test: generated files fresh, one version everywhere, the GitHub workflows audited (zizmor,
## .ci/zizmor.sh), Rust (fmt, clippy, tests, the fault matrix), the Python and Node bindings (with
## the fault matrix), short fuzz runs, installing the packed npm tarball and sdist into fresh
## projects (build from source), installing the prebuilt x86_64 wheel and npm packages with no Rust
## on the PATH (with the binary, size and README checks), and the benchmarks' smoke mode (tiny
## sizes, so they do not rot).
test: lint test-rust test-python test-node test-fuzz test-install test-dist bench-smoke

## Besides formatting and clippy: generated files fresh, one version everywhere, no hand-written
## source file over 1,000 lines, no import cycle in any crate or package (.ci/cycles.sh installs
## the checkers it needs: import-linter into .venv-lint, madge from package.json).
lint:
	$(PYTHON) codegen/generate.py --check
	node bindings-node/scripts/version.js --check
	PYTHON=$(PYTHON) bash .ci/zizmor.sh
	bash .ci/long_files.sh
	PYTHON=$(PYTHON) bash .ci/cycles.sh
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-python:
	VENV=$(VENV) bash bindings-python/test.sh

test-node:
	bash bindings-node/test.sh

## The fault matrix alone (tests/faults/matrix.json), in all four clients: Rust, Python sync and
## async, Node. It is also part of test-rust, test-python and test-node.
test-faults:
	$(CARGO) test -p qualys-cs-faults
	VENV=$(VENV) bash bindings-python/test.sh tests/python/test_faults.py
	npm install --no-audit --no-fund
	node bindings-node/bin/qualys-cs.js build-from-source --if-missing
	node --test tests/node/faults.test.js

## Every fuzz target for FUZZ_SECONDS (default 10) each: the link-header parser, list-page and
## single-answer decoding (what the bindings' converters read), path and query building, the client
## options' reader, the filter and argument checks, the command line's parsing. Installs cargo-fuzz
## when missing; longer runs: tests/README.md.
test-fuzz:
	bash fuzz/run.sh

test-install:
	VENV=$(VENV) bash tests/install/check.sh

## The prebuilt artifacts: the x86_64 glibc wheel and npm packages built from this checkout, installed
## with no cargo on the PATH; every Linux binary in dist/ checked (architecture, glibc <= 2.17 or
## musl); size budgets; the packaged READMEs' links. `make dist` first checks all four Linux targets.
test-dist: dist-ci crates-check
	DIST=$(DIST) DIST_VENV=$(DIST_VENV) bash tests/install/test_dist.sh

## The publishable crates (all but `publish = false`) package for crates.io, in dependency order.
PUBLISHABLE = $$($(CARGO) metadata --no-deps --format-version 1 | $(PYTHON) -c \
	"import json, sys; print(' '.join('-p ' + p['name'] for p in json.load(sys.stdin)['packages'] if p.get('publish') != []))")
crates-check:
	$(CARGO) package --no-verify --allow-dirty --target-dir target/package-check $(PUBLISHABLE)

## The release: cargo publishes them in dependency order, each once the one before is in the index.
crates-publish:
	$(CARGO) publish $(PUBLISHABLE)

generate:
	$(PYTHON) codegen/generate.py

clean:
	$(CARGO) clean

## Mutation testing (not part of `make test`; about an hour): cargo-mutants over the
## security-relevant modules (the CI gates, the MCP audit log, secret redaction, the redirect and
## origin policy, the rate limiter, retry classification and backoff, a call's deadline, the
## paginator's stop rules, input validation), each mutant against the tests that exercise its
## module, one at a time (tests/mutants.sh). Prints caught / viable per module and fails on a
## survivor that tests/mutants-kept.txt does not list (why each is kept: tests/MUTANTS.md).
## `make mutants MUTANTS="ratelimit validate"` runs some modules only. Installs cargo-mutants when
## missing.
MUTANTS ?=
mutants:
	command -v cargo-mutants >/dev/null || $(CARGO) install --locked cargo-mutants@27.1.0
	CARGO=$(CARGO) bash tests/mutants.sh $(MUTANTS)

## Benchmarks (not part of `make test`): the full side-by-side run rewrites benches/README.md.
bench:
	$(PYTHON) benches/run.py

## Every benchmark scenario at tiny sizes: checks they still run and count right, judges no speed.
## The cold-start one runs the Lambda examples as their deployment zips unpack, built from dist/.
bench-smoke: dist-ci
	$(PYTHON) benches/run.py --smoke
	$(PYTHON) benches/coldstart.py --smoke

## Release artifacts into dist/: what this Linux machine can build (the release workflow builds
## macOS and Windows on their own runners). Linux binaries are cross-built with zig against glibc
## 2.17 (manylinux2014) or statically against musl, so one build runs on every distribution.
## Builds are niced: they are long and should not starve an interactive machine.
DIST ?= dist
DIST_VENV ?= .venv-dist
NICE ?= nice -n 19
LINUX_TARGETS := x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl
# The tools on the PATH of a dist build: zig, maturin, cargo-zigbuild (all from PyPI), then cargo.
DIST_ENV = PATH="$(abspath $(DIST_VENV))/bin:$$PATH"
# napi-rs' platform tag of a target triple: x86_64-unknown-linux-gnu -> linux-x64-gnu.
npm_tag = linux-$(if $(findstring x86_64,$(1)),x64,arm64)-$(if $(findstring musl,$(1)),musl,gnu)

dist: dist-wheels dist-sdist dist-npm

## What `make test` needs: the x86_64 glibc wheel, its npm platform package, the sdist and the npm
## main tarball.
dist-ci: dist-wheel-x86_64-unknown-linux-gnu dist-node-x86_64-unknown-linux-gnu dist-sdist
	node bindings-node/scripts/pack.js --out $(DIST) --main-only

dist-wheels: $(addprefix dist-wheel-,$(LINUX_TARGETS))

dist-npm: $(addprefix dist-node-,$(LINUX_TARGETS))
	node bindings-node/scripts/pack.js --out $(DIST)

dist-sdist: dist-tools
	$(DIST_ENV) maturin sdist -o $(DIST)

# abi3 wheel for CPython 3.10+; glibc targets tagged manylinux2014 (glibc 2.17), musl ones musllinux_1_2.
dist-wheel-%: dist-tools
	rm -f $(DIST)/qualys_cs-*-*$(if $(findstring musl,$*),musllinux_1_2,manylinux_2_17)_$(firstword $(subst -, ,$*)).whl
	rustup target add $*
	$(DIST_ENV) $(NICE) maturin build --release --strip --zig --target $* \
		--compatibility $(if $(findstring musl,$*),musllinux_1_2,manylinux2014) --out $(DIST)

# The addon into npm/<tag>/ (its package.json comes from `napi create-npm-dirs`). A `.2.17` suffix
# pins zig's glibc version for gnu targets; the generated loader and types go to a scratch folder.
dist-node-%: dist-tools node_modules/.package-lock.json
	rustup target add $*
	$(DIST_ENV) $(NICE) npx napi build --platform --release --strip --cross-compile \
		--target $*$(if $(findstring gnu,$*),.2.17) --manifest-path bindings-node/Cargo.toml \
		--package-json-path package.json --output-dir target/napi-out/$* --js native.js --dts native.d.ts
	cp target/napi-out/$*/qualys-cs.$(call npm_tag,$*).node npm/$(call npm_tag,$*)/
	node bindings-node/scripts/pack.js --out $(DIST) --platforms-only --only $(call npm_tag,$*)

node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-audit --no-fund --ignore-scripts
	@touch $@

## The build tools, from PyPI, in their own venv: zig, maturin, cargo-zigbuild and auditwheel. (Each
## build rule adds its target's Rust standard library with rustup: `make test` needs only x86_64.)
## Exact versions: the release workflow builds the Linux artifacts with these rules, so a new tool
## release cannot change what is published (maturin and auditwheel as in .github/workflows/).
dist-tools: $(DIST_VENV)/.tools-ok

$(DIST_VENV)/.tools-ok:
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install -q "pip==26.3"
	$(DIST_VENV)/bin/python -m pip install -q "ziglang==0.17.1" "cargo-zigbuild==0.24.1" "maturin==1.16.0" "auditwheel==6.8.2"
	# cargo-zigbuild and napi look for `zig` on the PATH; the ziglang package ships the binary.
	ln -sf "$$($(DIST_VENV)/bin/python -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')" $(DIST_VENV)/bin/zig
	@touch $@
