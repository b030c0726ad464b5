/*
 * What every C reference program shares: its arguments, pinning, the fork
 * of the echo process, the message stamp that proves the payload made the
 * round trip, timing, and the one line the Go benchmark parses.
 *
 * Usage of every program: PROG ROUNDS SELF_CPU PEER_CPU SIZE [NAME]
 * The parent (pinned to SELF_CPU) sends SIZE bytes, the child (pinned to
 * PEER_CPU) echoes them; WARMUP round trips run untimed, then ROUNDS timed
 * ones. The parent prints
 *     rounds=ROUNDS ns=ELAPSED cpu-ns=CPU
 * where ELAPSED is the CLOCK_MONOTONIC time of the timed round trips and
 * CPU the CPU time both processes spent during them.
 */
#ifndef CREF_H
#define CREF_H

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Round trips before the clock starts, as the Go ping-pong does. */
#define WARMUP 1000

struct cref_args {
	long rounds;
	int self_cpu, peer_cpu;
	size_t size;
	const char *name; /* NULL when not given */
};

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* die reports a failed call with its errno. */
static void die(const char *what)
{
	fail("%s: %s", what, strerror(errno));
}

static struct cref_args cref_parse(int argc, char **argv, size_t max_size)
{
	struct cref_args a = {0};
	char *end;
	if (argc != 5 && argc != 6)
		fail("usage: %s ROUNDS SELF_CPU PEER_CPU SIZE [NAME]", argv[0]);
	a.rounds = strtol(argv[1], &end, 10);
	if (*end || a.rounds < 0)
		fail("rounds: %s", argv[1]);
	a.self_cpu = (int)strtol(argv[2], &end, 10);
	if (*end || a.self_cpu < 0)
		fail("self cpu: %s", argv[2]);
	a.peer_cpu = (int)strtol(argv[3], &end, 10);
	if (*end || a.peer_cpu < 0)
		fail("peer cpu: %s", argv[3]);
	a.size = (size_t)strtoul(argv[4], &end, 10);
	if (*end || a.size < 1 || a.size > max_size)
		fail("size: %s (1 to %zu bytes)", argv[4], max_size);
	if (argc == 6)
		a.name = argv[5];
	return a;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) != 0)
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		die("sched_setaffinity");
}

/*
 * The stamp: round i's number at the start of the message and its low byte,
 * inverted, at the end (for messages of 9 bytes or more; below that, the
 * low byte at both ends), so that a message that was not carried, or was
 * carried from an earlier round, fails the check. The bytes between are
 * copied like the rest but not checked.
 */
static void stamp(unsigned char *msg, size_t size, uint64_t i)
{
	if (size > sizeof i) {
		memcpy(msg, &i, sizeof i);
		msg[size - 1] = (unsigned char)~i;
	} else {
		msg[0] = (unsigned char)i;
		msg[size - 1] = (unsigned char)i;
	}
}

static void check_stamp(const unsigned char *msg, size_t size, uint64_t i)
{
	uint64_t got;
	int ok;
	if (size > sizeof i) {
		memcpy(&got, msg, sizeof got);
		ok = got == i && msg[size - 1] == (unsigned char)~i;
	} else {
		ok = msg[0] == (unsigned char)i && msg[size - 1] == (unsigned char)i;
	}
	if (!ok)
		fail("round %llu: the echo does not carry the message sent", (unsigned long long)i);
}

/*
 * Whole-message write and read on a blocking fd: a stream may carry a
 * message in parts, so each loops until all of it has gone or come. End of
 * file before the message is whole is a failure.
 */
static inline void cref_write_full(int fd, const unsigned char *msg, size_t size)
{
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, msg + done, size - done);
		if (n < 0)
			die("write");
		done += (size_t)n;
	}
}

static inline void cref_read_full(int fd, unsigned char *msg, size_t size)
{
	size_t done = 0;
	while (done < size) {
		ssize_t n = read(fd, msg + done, size - done);
		if (n < 0)
			die("read");
		if (n == 0)
			fail("read: end of file: the other process has gone");
		done += (size_t)n;
	}
}

/* In the parent: the child's pid, and its wait status once reaped. In the
 * child: the parent's pid. */
static pid_t cref_partner;
static volatile sig_atomic_t cref_child_reaped;
static volatile int cref_child_status;
static int cref_report_fd = -1;

/*
 * The echo process exits 0 only after its last round, when every echo the
 * parent waits for is already sent; any other end of it is a failure,
 * which ends the parent at once rather than leaving it waiting for ever.
 */
static void on_sigchld(int sig)
{
	static const char msg[] = "ping: the echo process failed\n";
	int status;
	(void)sig;
	if (waitpid(cref_partner, &status, WNOHANG) != cref_partner)
		return;
	cref_child_status = status;
	cref_child_reaped = 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (write(2, msg, sizeof msg - 1) < 0) {
			/* nothing more to say */
		}
		_exit(1);
	}
}

/*
 * cref_fork forks the echo process. The child gets 0, is pinned to the peer
 * CPU and dies with the parent (SIGKILL); the parent gets the child's pid,
 * is pinned to its own CPU and ends as soon as the child fails.
 */
static pid_t cref_fork(const struct cref_args *a)
{
	int report[2];
	struct sigaction sa;
	pid_t parent = getpid(), child;

	if (pipe(report) != 0)
		die("pipe");
	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			die("prctl");
		if (getppid() != parent)
			fail("echo: the parent has gone");
		cref_partner = parent;
		close(report[0]);
		cref_report_fd = report[1];
		pin(a->peer_cpu);
		return 0;
	}
	cref_partner = child;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		die("sigaction");
	/* The child may have failed before the handler was in place. */
	on_sigchld(SIGCHLD);
	close(report[1]);
	cref_report_fd = report[0];
	pin(a->self_cpu);
	return child;
}

/* In the child, after its last round: hands its CPU time to the parent. */
static void cref_echo_done(uint64_t cpu_ns)
{
	if (write(cref_report_fd, &cpu_ns, sizeof cpu_ns) != (ssize_t)sizeof cpu_ns)
		die("write cpu time");
	_exit(0);
}

/* In the parent, after its last round: reaps the child, which must have
 * exited 0, and prints the line. */
static void cref_report(const struct cref_args *a, uint64_t elapsed_ns, uint64_t cpu_ns)
{
	uint64_t child_cpu = 0;
	sigset_t chld;
	int status;

	if (read(cref_report_fd, &child_cpu, sizeof child_cpu) != (ssize_t)sizeof child_cpu)
		fail("echo process sent no cpu time");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (cref_child_reaped)
		status = cref_child_status;
	else if (waitpid(cref_partner, &status, 0) != cref_partner)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("echo process ended with status 0x%x", status);
	printf("rounds=%ld ns=%llu cpu-ns=%llu\n", a->rounds,
	       (unsigned long long)elapsed_ns, (unsigned long long)(cpu_ns + child_cpu));
	if (fflush(stdout) != 0)
		die("stdout");
}

#ifndef CREF_ONE_WAY /* the ping-pong programs; stream.c runs one way */

/* Each program defines one round of each side, and may set cref_on_fork
 * to run on each side once the echo process exists. */
static void ping_round(uint64_t i); /* send round i's message, receive and check its echo */
static void echo_round(void);       /* receive a message and send it back */
static void (*cref_on_fork)(int in_child);

/* cref_run forks the echo process and runs the rounds on both sides,
 * timing those after the warm-up; the parent prints the line. */
static void cref_run(const struct cref_args *a)
{
	uint64_t i, total = WARMUP + (uint64_t)a->rounds, t0, c0, elapsed, cpu;
	pid_t child = cref_fork(a);

	if (cref_on_fork)
		cref_on_fork(child == 0);
	if (child == 0) {
		for (i = 0; i < WARMUP; i++)
			echo_round();
		c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (; i < total; i++)
			echo_round();
		cref_echo_done(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	for (i = 0; i < WARMUP; i++)
		ping_round(i);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = clock_ns(CLOCK_MONOTONIC);
	for (; i < total; i++)
		ping_round(i);
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	cref_report(a, elapsed, cpu);
}

#ifdef CREF_SOCKET_PAIR
/*
 * The stream-socket programs: a program that defines CREF_SOCKET_PAIR before including
 * this header opens a connected pair of stream sockets and hands it to
 * cref_socket_main, which gives the first end to the parent and the second
 * to the echo process. Each process keeps only its own end, so that either
 * sees end of file or EPIPE if the other goes.
 */
static int cref_ends[2];
static int cref_fd; /* this process's end once forked */
static unsigned char *cref_out, *cref_in;
static size_t cref_size;

static void ping_round(uint64_t i)
{
	stamp(cref_out, cref_size, i);
	cref_write_full(cref_fd, cref_out, cref_size);
	cref_read_full(cref_fd, cref_in, cref_size);
	check_stamp(cref_in, cref_size, i);
}

static void echo_round(void)
{
	cref_read_full(cref_fd, cref_in, cref_size);
	cref_write_full(cref_fd, cref_in, cref_size);
}

static void keep_own_end(int in_child)
{
	cref_fd = cref_ends[in_child];
	close(cref_ends[!in_child]);
}

/* cref_socket_main is the whole of a stream-socket program's main. */
static int cref_socket_main(int argc, char **argv, size_t max_size, void (*open_pair)(int ends[2]))
{
	struct cref_args a = cref_parse(argc, argv, max_size);

	if (a.name)
		fail("%s takes no name", argv[0]);
	open_pair(cref_ends);
	signal(SIGPIPE, SIG_IGN);
	cref_size = a.size;
	cref_out = malloc(cref_size);
	cref_in = malloc(cref_size);
	if (!cref_out || !cref_in)
		die("malloc");
	memset(cref_out, 0xa5, cref_size);
	cref_on_fork = keep_own_end;
	cref_run(&a);
	return 0;
}
#endif

#endif /* CREF_ONE_WAY */

#endif
