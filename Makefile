# ipcsuite: semantics tests and throughput benchmarks for Linux IPC.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
COUNT       ?= 6
BENCHTIME   ?= 1s
OUT         ?= out

.PHONY: all deps test bench table lint smoke clean matrix

all: test

deps:
	$(GO) mod download

# Every semantics test, with each package's leak check.
test: deps
	$(GO) test -count=1 -timeout 10m ./...

# Every benchmark, COUNT samples each, kept for benchstat.
bench: deps
	@mkdir -p $(OUT)
	$(GO) test -p 1 -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(COUNT) -timeout 60m ./... | tee $(OUT)/bench.txt

# The classic table: ping-pong rows and the floors, rendered by cmd/ipctable.
table: deps
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench '^Benchmark(Table|Floor)$$' -benchtime $(BENCHTIME) -count $(COUNT) -timeout 60m . | tee $(OUT)/table.txt
	$(GO) run ./cmd/ipctable $(OUT)/table.txt

lint: deps
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Every benchmark once, to show they run.
smoke: deps
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 10m ./...

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
