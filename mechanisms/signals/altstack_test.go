package signals

import "testing"

// sigaltstack (man 2 sigaltstack), observed in a C program whose SIGUSR1
// handler the test triggers: a handler installed with SA_ONSTACK runs on
// the alternate stack (an address of its frame lies inside the stack given
// to sigaltstack), one without it on the thread's own stack (inside the
// process's [stack] mapping); sigaltstack reports SS_ONSTACK only while
// on it, and changing or disabling the stack from there is EPERM, though
// the same change succeeds off it; a stack smaller than MINSIGSTKSZ is
// ENOMEM and leaves none, one of exactly MINSIGSTKSZ is taken; a process
// starts with SS_DISABLE, and after SS_DISABLE an SA_ONSTACK handler runs
// on the thread's stack. A kernel that ignored SA_ONSTACK, or applied it
// without the flag, or let a handler switch the stack under its own frame,
// or took a stack too small for a signal frame, fails one of these.
func TestSigaltstack(t *testing.T) {
	prog := buildHandlers(t)
	for _, c := range []struct {
		rule, experiment string
		takesSignal      bool
		want             string
	}{
		{"SA_ONSTACK_handler_runs_on_the_alternate_stack", "onstack", true, "stack=alternate"},
		{"handler_without_SA_ONSTACK_runs_on_the_thread_stack", "offstack", true, "stack=thread"},
		{"SS_ONSTACK_reported_while_on_it", "flags", true, "before=0 in-handler=SS_ONSTACK after=0"},
		{"change_while_on_it_EPERM", "change", true, "change-on-it=EPERM disable-on-it=EPERM change-off-it=ok"},
		{"smaller_than_MINSIGSTKSZ_ENOMEM", "small", false, "below=ENOMEM flags=SS_DISABLE at=ok flags=0"},
		{"SS_DISABLE_turns_it_off", "disable", true, "initial=SS_DISABLE installed=0 disabled=SS_DISABLE stack=thread"},
	} {
		t.Run(c.rule, func(t *testing.T) {
			if got := observe(t, prog, c.experiment, c.takesSignal); got != c.want {
				t.Fatalf("%s: %q, want %q", c.experiment, got, c.want)
			}
		})
	}
}
