package proc

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/ipcsuite/ipcsuite/helpers/sys"
)

// A Role is the body of a peer process: the test binary re-executes itself
// and Main runs the role named in the environment instead of the tests. It
// returns the process's exit code.
type Role func(args []string) int

// Environment variables that turn a re-executed test binary into a peer.
const (
	envRole    = "IPCSUITE_PEER_ROLE"
	envCPU     = "IPCSUITE_PEER_CPU"
	envCtlIn   = "IPCSUITE_PEER_CTL_IN"
	envCtlOut  = "IPCSUITE_PEER_CTL_OUT"
	envNFiles  = "IPCSUITE_PEER_NFILES"
	envParent  = "IPCSUITE_PEER_PARENT"
	envRunRoot = "IPCSUITE_RUN_ROOT"
)

var roles = struct {
	sync.Mutex
	fn       map[string]Role
	internal map[string]bool // the harness's own roles: not every package uses them
	used     map[string]bool
}{fn: map[string]Role{}, internal: map[string]bool{}, used: map[string]bool{}}

// Register adds a peer role. Call it from init or a package-level var. A
// test run that runs every test fails if a registered role was never used,
// so dead roles do not accumulate.
func Register(name string, fn Role) {
	register(name, fn, false)
}

// RegisterShared adds a role that the harness registers in every package
// that imports it (an echo peer, a floor's peer): a package that spawns no
// such peer is not failed for it.
func RegisterShared(name string, fn Role) {
	register(name, fn, true)
}

func register(name string, fn Role, internal bool) {
	roles.Lock()
	defer roles.Unlock()
	if _, dup := roles.fn[name]; dup {
		panic("proc: role registered twice: " + name)
	}
	roles.fn[name] = fn
	roles.internal[name] = internal
}

func markUsed(name string) {
	roles.Lock()
	defer roles.Unlock()
	if roles.fn[name] == nil {
		panic("proc: spawn of unregistered role " + strconv.Quote(name))
	}
	roles.used[name] = true
}

// unusedRoles lists the package's own roles that no test spawned.
func unusedRoles() []string {
	roles.Lock()
	defer roles.Unlock()
	var out []string
	for name := range roles.fn {
		if !roles.used[name] && !roles.internal[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Main is the body of every package's TestMain. In a peer it runs the role
// and exits. In the test process it sweeps what killed runs left behind,
// runs the tests, and fails the run if the tests leaked an IPC object, a
// named file, a child process or a listening socket, or never used a
// registered role.
func Main(m *testing.M, opts ...MainOption) {
	if name := os.Getenv(envRole); name != "" {
		os.Exit(runRole(name))
	}
	for _, opt := range opts {
		opt()
	}
	sweep()
	before := takeSnapshot()
	for _, fn := range beforeTests {
		fn()
	}
	code := m.Run()
	if leaks := before.leaksSince(); len(leaks) > 0 {
		fmt.Fprintln(os.Stderr, "ipcsuite: leak check: the tests left behind:")
		for _, l := range leaks {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		code = nonzero(code)
	}
	if ranEverything() {
		if unused := unusedRoles(); len(unused) > 0 {
			fmt.Fprintf(os.Stderr, "ipcsuite: peer roles registered but never spawned: %v\n", unused)
			code = nonzero(code)
		}
	}
	removeRunRoot()
	os.Exit(code)
}

var beforeTests []func()

// BeforeTests adds fn to what Main runs in the test process just before the
// tests (and benchmarks) start, such as printing a benchmark's configuration.
// Call it from init.
func BeforeTests(fn func()) { beforeTests = append(beforeTests, fn) }

func nonzero(code int) int {
	if code == 0 {
		return 1
	}
	return code
}

// ranEverything reports whether this run selected every test, so that an
// unused role means a dead role rather than a filtered run.
func ranEverything() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	if f := flag.Lookup("test.short"); f != nil && f.Value.String() == "true" {
		return false
	}
	return true
}

func runRole(name string) int {
	roles.Lock()
	fn := roles.fn[name]
	roles.Unlock()
	if fn == nil {
		fmt.Fprintf(os.Stderr, "ipcsuite peer: unknown role %q\n", name)
		return 2
	}
	if cpu := os.Getenv(envCPU); cpu != "" {
		n, err := strconv.Atoi(cpu)
		if err == nil {
			err = sys.PinProcess(n)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "ipcsuite peer: pin to cpu %s: %v\n", cpu, err)
			return 2
		}
	}
	return fn(os.Args[1:])
}
