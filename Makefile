# ipcsuite: semantics tests and throughput benchmarks for Linux IPC.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
COUNT       ?= 6
BENCHTIME   ?= 1s
OUT         ?= out

.PHONY: all deps test bench table report lint smoke clean matrix

all: test

# The zmq build tag, where libzmq and pkg-config are there to build
# mechanisms/zmq (cgo): computed once, when a recipe first uses it, which
# is after deps has run. Without it that package skips. The matrix never
# takes it: its guests run static binaries built with CGO off.
ZMQTAGS = $(eval ZMQTAGS := $(shell pkg-config --exists libzmq 2>/dev/null && echo -tags zmq))$(ZMQTAGS)

# Go modules, and Debian's libzmq3-dev and pkg-config when missing: apt-get
# only as root; otherwise, or when it fails, mechanisms/zmq skips.
deps:
	$(GO) mod download
	@pkg-config --exists libzmq 2>/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzmq3-dev pkg-config; } >/dev/null; } || \
		echo "deps: libzmq3-dev and pkg-config are missing and were not installed: mechanisms/zmq will skip" >&2

# Every semantics test, with each package's leak check.
test: deps
	$(GO) test $(ZMQTAGS) -count=1 -timeout 10m ./...

# Benchmarks run in pure Go binaries (CGO_ENABLED=0), as a Go program
# built without cgo runs, and only the zmq rows, which need cgo, in a binary
# with the zmq tag. In a cgo binary every thread is glibc's, registered with
# rseq(2), and the kernel updates that registration each time a thread is
# switched back in: on one CPU it slows every round trip of every row, a
# cost the rows would owe only to libzmq being linked into the binary.
ZMQROWS := '^Benchmark(Table|Latency)$$/^mech=zmq-'

# Every benchmark, COUNT samples each, kept for benchstat.
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c
bench: deps
	@mkdir -p $(OUT)
	{ CGO_ENABLED=0 $(GO) test -p 1 -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(COUNT) -timeout 60m ./... && \
	  { [ -z "$(ZMQTAGS)" ] || $(GO) test $(ZMQTAGS) -run '^$$' -bench $(ZMQROWS) -benchtime $(BENCHTIME) -count $(COUNT) -timeout 60m . ; } ; } | tee $(OUT)/bench.txt

# The classic table: ping-pong rows, their latency percentiles and the
# floors, rendered by cmd/ipctable into table.md, table.csv, table.json and
# table.svg. PASSES passes of -count 1 rather than one -count: a row's
# samples spread over the whole run, and the progress knows the number of
# rows once the first pass is over. A failed row does not stop the run: the
# table is printed with it marked, and make fails at the end. Each pass is
# bounded by PASS_TIMEOUT. The raw output, for benchstat, is table.txt.
PASSES          ?= 10
TABLE_BENCHTIME ?= 300ms
PASS_TIMEOUT    ?= 10m
table: SHELL := /bin/bash
table: .SHELLFLAGS := -o pipefail -c
table: deps
	@mkdir -p $(OUT)
	CGO_ENABLED=0 $(GO) test -c -o $(OUT)/ipcsuite.test .
	rm -f $(OUT)/ipcsuite-zmq.test
	$(if $(ZMQTAGS),$(GO) test $(ZMQTAGS) -c -o $(OUT)/ipcsuite-zmq.test .)
	$(GO) build -o $(OUT)/ipctable ./cmd/ipctable
	@status=0; \
	( failed=0; for i in $$(seq $(PASSES)); do \
		$(OUT)/ipcsuite.test -test.run '^$$' -test.bench '^Benchmark(Table|Latency|Floor)$$' \
			-test.benchtime $(TABLE_BENCHTIME) -test.count 1 -test.timeout $(PASS_TIMEOUT) || failed=$$?; \
		[ ! -x $(OUT)/ipcsuite-zmq.test ] || $(OUT)/ipcsuite-zmq.test -test.run '^$$' -test.bench $(ZMQROWS) \
			-test.benchtime $(TABLE_BENCHTIME) -test.count 1 -test.timeout $(PASS_TIMEOUT) || failed=$$?; \
	done; exit $$failed ) | $(OUT)/ipctable -progress -passes $(PASSES) -tee $(OUT)/table.txt || status=$$?; \
	$(OUT)/ipctable -out $(OUT) $(OUT)/table.txt || status=$$?; \
	exit $$status

# One page, $(OUT)/report.html: per mechanism package, its rows of the
# last make table ($(OUT)/table.txt) beside the verdicts of its tests on
# every kernel of the last make matrix ($(OUT)/matrix), judged by
# testdata/matrix/expected.txt.
report:
	$(GO) run ./cmd/ipctable -report $(OUT)/report.html -matrix $(OUT)/matrix $(OUT)/table.txt
	@echo "wrote $(OUT)/report.html"

lint: deps
	$(GO) vet $(ZMQTAGS) ./...
	$(GO) run $(STATICCHECK) $(ZMQTAGS) ./...

# Every benchmark once, to show they run.
smoke: deps
	$(GO) test $(ZMQTAGS) -p 1 -run '^$$' -bench . -benchtime 1x -timeout 10m ./...

clean:
	rm -rf $(OUT)

# The conformance matrix: the semantics suite on Debian's cloud kernels
# (under qemu TCG), on this machine and under gVisor, judged against
# testdata/matrix/expected.txt. Installs qemu and runsc from Debian if
# missing. KERNELS=5.10 GVISOR=0 for a subset. Results in $(OUT)/matrix.
KERNELS ?= 5.10,6.1,6.12,7.x
GVISOR  ?= 1
matrix: deps
	GVISOR=$(GVISOR) bash cmd/matrix/install-tools.sh
	$(GO) run ./cmd/matrix -kernels '$(KERNELS)' -gvisor=$(if $(filter 0,$(GVISOR)),false,true) -out $(OUT)/matrix
