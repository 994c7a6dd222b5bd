# Tandem — the two commands a user needs are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
# Tandem is built on the machine that runs it, so the compiler may use every vector instruction
# the CPU has (AVX2/AVX-512 and FMA on x86-64): the elementwise kernels run ~4× faster than with
# the baseline target. Override with `make TARGET_FLAGS=` for a portable build.
TARGET_FLAGS ?= -Xswiftc -target-cpu -Xswiftc native
SWIFT_BUILD_FLAGS := -c $(CONFIG) $(TARGET_FLAGS)

# Fast OpenBLAS kernels where the CPU supports them (see scripts/blas-env.sh and docs/benchmarks.md).
BLAS_CORETYPE := $(shell scripts/blas-env.sh)
ifneq ($(BLAS_CORETYPE),)
export OPENBLAS_CORETYPE := $(BLAS_CORETYPE)
endif
# Idle OpenBLAS threads sleep after 2^20 cycles instead of spinning beside the convolutions'
# threads (BLASRuntime.preferredThreadTimeout); `tandem` sets the same itself.
export OPENBLAS_THREAD_TIMEOUT ?= 20

.PHONY: run test bench bootstrap build clean

bootstrap:
	@scripts/bootstrap.sh

## Seconds each fuzz target runs in `make test` (docs/reliability.md).
FUZZ_SECONDS ?= 60

build: bootstrap
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product tandem

## Builds in release, then on the default problem: solves the reference data (NetCDF), trains the
## multi-task Fourier neural operator (quick profile) and compares it with the solver (metrics,
## report, figures). PROBLEM=problems/darcy-multigeometry.toml runs the paper's DeepONet instead.
PROBLEM ?= problems/darcy-multigeometry-fno.toml
RUN_DIR ?= runs/$(basename $(notdir $(PROBLEM)))
run: build
	@mkdir -p runs
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/tandem check $(PROBLEM)
	rm -rf $(RUN_DIR)
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/tandem train $(PROBLEM) --out $(RUN_DIR) --profile quick
	$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)/tandem compare $(RUN_DIR)

## Runs the whole test suite (release mode: the numerical tests need optimised code to stay fast).
test: bootstrap
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --build-tests
	TANDEM_TEST_PYTHON=$$(scripts/python-test-env.sh) $(SWIFT) test $(SWIFT_BUILD_FLAGS) --skip-build
	Fuzz/run.sh $(FUZZ_SECONDS)

## Runs the benchmarks against PyTorch (CPU) side by side; writes bench-results/.
bench: bootstrap
	Benchmarks/run.sh

clean:
	rm -rf .build
