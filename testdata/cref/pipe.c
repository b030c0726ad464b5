/*
 * Ping-pong over two pipes, one per direction, with blocking read and
 * write, the reference for the table's pipe row. Each side closes the
 * ends it does not use, so that either sees end of file or EPIPE if the
 * other goes.
 */
#include "cref.h"

#define MAX_SIZE (1 << 16) /* the default pipe capacity */

static int to_peer[2], to_self[2];
static unsigned char *out, *in;
static size_t size;

static void ping_round(uint64_t i)
{
	stamp(out, size, i);
	cref_write_full(to_peer[1], out, size);
	cref_read_full(to_self[0], in, size);
	check_stamp(in, size, i);
}

static void echo_round(void)
{
	cref_read_full(to_peer[0], in, size);
	cref_write_full(to_self[1], in, size);
}

/* Each side keeps only the ends it uses. */
static void close_unused(int in_child)
{
	if (in_child) {
		close(to_peer[1]);
		close(to_self[0]);
	} else {
		close(to_peer[0]);
		close(to_self[1]);
	}
}

int main(int argc, char **argv)
{
	struct cref_args a = cref_parse(argc, argv, MAX_SIZE);

	if (a.name)
		fail("pipe takes no name");
	if (pipe(to_peer) != 0 || pipe(to_self) != 0)
		die("pipe");
	signal(SIGPIPE, SIG_IGN);
	size = a.size;
	out = malloc(size);
	in = malloc(size);
	if (!out || !in)
		die("malloc");
	memset(out, 0xa5, size);
	cref_on_fork = close_unused;
	cref_run(&a);
	return 0;
}
