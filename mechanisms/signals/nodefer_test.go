package signals

import "testing"

// While a handler runs, the kernel blocks its own signal, unless the
// handler was installed with SA_NODEFER, and every signal of its sa_mask
// (man 2 sigaction); a blocked signal stays pending and comes once the
// handler has returned. The test sends SIGUSR1; its handler, in a C
// program, sends a second signal to its own process and reads sigpending;
// the program logs each handler entry with its nesting depth (1: not
// inside another handler). A kernel that did not block the running
// handler's signal, or ignored sa_mask, shows depth 2 and nothing pending;
// one that ignored SA_NODEFER, or blocked a signal outside sa_mask, shows
// depth 1 and the signal pending; one that lost the held signal never
// reports a second entry.
func TestHandlerSignalMask(t *testing.T) {
	prog := buildHandlers(t)
	for _, c := range []struct {
		rule, experiment, want string
	}{
		{"own_signal_held_until_the_handler_returns", "defer", "entries=SIGUSR1@1,SIGUSR1@1 pending=SIGUSR1"},
		{"SA_NODEFER_reenters_the_handler_at_once", "nodefer", "entries=SIGUSR1@1,SIGUSR1@2 pending=none"},
		{"sa_mask_signal_held_until_the_handler_returns", "mask", "entries=SIGUSR1@1,SIGUSR2@1 pending=SIGUSR2"},
		{"signal_outside_sa_mask_interrupts_the_handler", "nomask", "entries=SIGUSR1@1,SIGUSR2@2 pending=none"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if got := observe(t, prog, c.experiment, true); got != c.want {
				t.Fatalf("%s: %q, want %q", c.experiment, got, c.want)
			}
		})
	}
}
