# Tandem — the two commands a user needs are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release

# Fast OpenBLAS kernels where the CPU supports them (see scripts/blas-env.sh and docs/benchmarks.md).
BLAS_CORETYPE := $(shell scripts/blas-env.sh)
ifneq ($(BLAS_CORETYPE),)
export OPENBLAS_CORETYPE := $(BLAS_CORETYPE)
endif

.PHONY: run test bench bootstrap build clean

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c $(CONFIG) --product tandem

## Builds in release and runs the main job on the built-in default problem.
run: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/tandem demo

## Runs the whole test suite (release mode: the numerical tests need optimised code to stay fast).
test: bootstrap
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

## Runs the benchmarks against PyTorch (CPU) side by side; writes bench-results/.
bench: bootstrap
	benchmarks/run.sh

clean:
	rm -rf .build
