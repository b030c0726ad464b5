/*
 * Signal-handler experiments that a Go process cannot host: the Go
 * runtime serves every signal it catches with its own handler, whose
 * flags, mask and stack are its own. One experiment per run:
 *
 *	handlers EXPERIMENT
 *
 * An experiment that needs a signal prints "ready" once its handler is in
 * place, and waits for SIGUSR1, which the test sends; every experiment
 * ends by printing one line of what it observed and exiting 0. A setup
 * step that fails prints its error on stderr and exits 1.
 *
 * Nesting (defer, nodefer, mask, nomask): SIGUSR1's handler sends a second
 * signal to its own process and reads sigpending; every handler entry is
 * logged with its nesting depth (1: not nested), and the pending set shows
 * which of SIGUSR1 and SIGUSR2 were held there:
 *
 *	entries=SIGUSR1@1,SIGUSR1@1 pending=SIGUSR1
 *
 * Alternate stacks (onstack, offstack, flags, change, small, disable):
 * where SIGUSR1's handler ran ("alternate": inside the stack given to
 * sigaltstack; "thread": inside the process's [stack] mapping; "other"),
 * the ss_flags sigaltstack reports, and the errno names of the calls
 * that fail.
 */
#define _XOPEN_SOURCE 700 /* not _GNU_SOURCE: MINSIGSTKSZ stays the kernel's constant */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "handlers: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "handlers: %s\n", what);
	exit(1);
}

static void install(int sig, void (*handler)(int), int flags, const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		die("sigaction");
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGUSR1:
		return "SIGUSR1";
	case SIGUSR2:
		return "SIGUSR2";
	}
	return "another signal";
}

static const char *errname(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case EPERM:
		return "EPERM";
	case ENOMEM:
		return "ENOMEM";
	case EINVAL:
		return "EINVAL";
	case EFAULT:
		return "EFAULT";
	}
	return "another errno";
}

/* The errno name of a call's outcome, "ok" on success. */
static const char *outcome(int ret)
{
	return errname(ret == 0 ? 0 : errno);
}

/* Handler entries, counted by the handlers themselves. */
static volatile sig_atomic_t entries;

/*
 * Waiting for a signal without a race: the experiment's signals stay
 * blocked from setup until sigsuspend, which unblocks them only while it
 * sleeps; it returns after a handler ran.
 */
static sigset_t wait_mask;

static void hold_signals(void)
{
	sigset_t both, old;

	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &both, &old) != 0)
		die("sigprocmask");
	wait_mask = old;
	sigdelset(&wait_mask, SIGUSR1);
	sigdelset(&wait_mask, SIGUSR2);
}

static void await_entries(int n)
{
	printf("ready\n");
	fflush(stdout);
	while (entries < n)
		sigsuspend(&wait_mask);
}

/* Nesting. */

#define MAX_LOG 4

static volatile sig_atomic_t depth;
static int log_sig[MAX_LOG], log_depth[MAX_LOG];
static int second;              /* what the first handler sends its own process */
static sigset_t pending_in_handler; /* sigpending right after that send */

static void nesting_handler(int sig)
{
	int n = entries++;

	depth++;
	if (n < MAX_LOG) {
		log_sig[n] = sig;
		log_depth[n] = depth;
	}
	if (n == 0) {
		kill(getpid(), second);
		sigpending(&pending_in_handler);
	}
	depth--;
}

static void nesting(int flags, int mask_second, int sig2)
{
	sigset_t mask;
	int i, any = 0;

	second = sig2;
	sigemptyset(&mask);
	if (mask_second)
		sigaddset(&mask, sig2);
	hold_signals();
	install(SIGUSR1, nesting_handler, flags, &mask);
	if (sig2 != SIGUSR1)
		install(sig2, nesting_handler, 0, NULL);
	await_entries(2);
	printf("entries=");
	for (i = 0; i < entries && i < MAX_LOG; i++)
		printf("%s%s@%d", i ? "," : "", signame(log_sig[i]), log_depth[i]);
	printf(" pending=");
	for (i = 0; i < 2; i++) {
		int sig = i ? SIGUSR2 : SIGUSR1;

		if (sigismember(&pending_in_handler, sig) == 1) {
			printf("%s%s", any ? "," : "", signame(sig));
			any = 1;
		}
	}
	printf("%s\n", any ? "" : "none");
}

/* Alternate stacks. */

#define ALT_SIZE (1 << 16) /* room for a signal frame with any FPU state */

static char alt[ALT_SIZE], other_alt[ALT_SIZE];
static uintptr_t handler_sp;  /* an address on the handler's stack */
static int flags_in_handler;  /* ss_flags sigaltstack reports there */
static int try_change;        /* the handler tries to change the stack */
static int change_in_handler, disable_in_handler; /* errno, 0 for success */

static int query(void)
{
	stack_t ss;

	if (sigaltstack(NULL, &ss) != 0)
		die("sigaltstack query");
	return ss.ss_flags;
}

static const char *flagname(int flags)
{
	switch (flags) {
	case 0:
		return "0";
	case SS_ONSTACK:
		return "SS_ONSTACK";
	case SS_DISABLE:
		return "SS_DISABLE";
	}
	return "other flags";
}

static int set_stack(char *sp, size_t size, int flags)
{
	stack_t ss = {.ss_sp = sp, .ss_size = size, .ss_flags = flags};

	return sigaltstack(&ss, NULL);
}

static void give_stack(void)
{
	if (set_stack(alt, sizeof alt, 0) != 0)
		die("sigaltstack");
}

static void stack_handler(int sig)
{
	volatile char here;
	stack_t cur;

	(void)sig;
	handler_sp = (uintptr_t)&here;
	if (sigaltstack(NULL, &cur) == 0)
		flags_in_handler = cur.ss_flags;
	else
		flags_in_handler = -1;
	if (try_change) {
		change_in_handler = set_stack(other_alt, sizeof other_alt, 0) == 0 ? 0 : errno;
		disable_in_handler = set_stack(NULL, 0, SS_DISABLE) == 0 ? 0 : errno;
	}
	entries++;
}

/* Whether addr lies in the process's [stack] mapping (proc(5)). */
static int on_thread_stack(uintptr_t addr)
{
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!maps)
		die("open /proc/self/maps");
	while (fgets(line, sizeof line, maps)) {
		unsigned long lo, hi;

		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			found = addr >= lo && addr < hi;
	}
	fclose(maps);
	return found;
}

static const char *where(uintptr_t addr)
{
	if (addr >= (uintptr_t)alt && addr < (uintptr_t)alt + sizeof alt)
		return "alternate";
	if (on_thread_stack(addr))
		return "thread";
	return "other";
}

/* Where SIGUSR1's handler, installed with flags, runs. */
static void run_handler(int flags)
{
	hold_signals();
	install(SIGUSR1, stack_handler, flags, NULL);
	await_entries(1);
}

int main(int argc, char **argv)
{
	const char *x;

	if (argc != 2)
		fail("usage: handlers EXPERIMENT");
	x = argv[1];
	if (strcmp(x, "defer") == 0) {
		nesting(0, 0, SIGUSR1);
	} else if (strcmp(x, "nodefer") == 0) {
		nesting(SA_NODEFER, 0, SIGUSR1);
	} else if (strcmp(x, "mask") == 0) {
		nesting(0, 1, SIGUSR2);
	} else if (strcmp(x, "nomask") == 0) {
		nesting(0, 0, SIGUSR2);
	} else if (strcmp(x, "onstack") == 0 || strcmp(x, "offstack") == 0) {
		give_stack();
		run_handler(strcmp(x, "onstack") == 0 ? SA_ONSTACK : 0);
		printf("stack=%s\n", where(handler_sp));
	} else if (strcmp(x, "flags") == 0) {
		int before;

		give_stack();
		before = query();
		run_handler(SA_ONSTACK);
		printf("before=%s in-handler=%s after=%s\n", flagname(before),
		       flags_in_handler < 0 ? "error" : flagname(flags_in_handler), flagname(query()));
	} else if (strcmp(x, "change") == 0) {
		give_stack();
		try_change = 1;
		run_handler(SA_ONSTACK);
		printf("change-on-it=%s disable-on-it=%s change-off-it=%s\n", errname(change_in_handler),
		       errname(disable_in_handler), outcome(set_stack(other_alt, sizeof other_alt, 0)));
	} else if (strcmp(x, "small") == 0) {
		const char *below = outcome(set_stack(alt, MINSIGSTKSZ - 1, 0));
		const char *below_flags = flagname(query());
		const char *at = outcome(set_stack(alt, MINSIGSTKSZ, 0));

		printf("below=%s flags=%s at=%s flags=%s\n", below, below_flags, at, flagname(query()));
	} else if (strcmp(x, "disable") == 0) {
		const char *initial = flagname(query()), *installed, *disabled;

		give_stack();
		installed = flagname(query());
		if (set_stack(NULL, 0, SS_DISABLE) != 0)
			die("sigaltstack SS_DISABLE");
		disabled = flagname(query());
		run_handler(SA_ONSTACK);
		printf("initial=%s installed=%s disabled=%s stack=%s\n", initial, installed, disabled,
		       where(handler_sp));
	} else {
		fail("unknown experiment");
	}
	fflush(stdout);
	return 0;
}
