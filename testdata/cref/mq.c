/*
 * Ping-pong over POSIX message queues: one queue per direction, NAME.a to
 * the echo process and NAME.b back, each holding one message of SIZE
 * bytes; blocking mq_send and mq_receive. Both queues are unlinked as soon
 * as they are open: the descriptors, which fork shares, keep them alive,
 * and nothing is left behind whatever happens.
 */
#include "cref.h"

#include <fcntl.h>
#include <mqueue.h>

#define MAX_SIZE 8192 /* the default fs/mqueue/msgsize_max */

static mqd_t to_peer, to_self;
static unsigned char *out, *in;
static size_t size;

static void mq_put(mqd_t q, const unsigned char *msg)
{
	if (mq_send(q, (const char *)msg, size, 0) != 0)
		die("mq_send");
}

static void mq_take(mqd_t q, unsigned char *msg)
{
	long n = mq_receive(q, (char *)msg, size, NULL);
	if (n < 0)
		die("mq_receive");
	if ((size_t)n != size)
		fail("mq_receive: %ld bytes, want %zu", n, size);
}

static void ping_round(uint64_t i)
{
	stamp(out, size, i);
	mq_put(to_peer, out);
	mq_take(to_self, in);
	check_stamp(in, size, i);
}

static void echo_round(void)
{
	mq_take(to_peer, in);
	mq_put(to_self, in);
}

static mqd_t open_queue(const char *base, const char *suffix)
{
	char name[256];
	struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = (long)size};
	mqd_t q;
	if (snprintf(name, sizeof name, "/%s.%s", base, suffix) >= (int)sizeof name)
		fail("queue name too long: %s", base);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		die(name);
	if (mq_unlink(name) != 0)
		die("mq_unlink");
	return q;
}

int main(int argc, char **argv)
{
	struct cref_args a = cref_parse(argc, argv, MAX_SIZE);

	if (!a.name)
		fail("mq needs a queue name");
	size = a.size;
	to_peer = open_queue(a.name, "a");
	to_self = open_queue(a.name, "b");
	out = malloc(size);
	in = malloc(size);
	if (!out || !in)
		die("malloc");
	memset(out, 0xa5, size);
	cref_run(&a);
	return 0;
}
