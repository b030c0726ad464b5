/*
 * Ping-pong over POSIX message queues: one queue per direction, NAME.a to
 * the echo process and NAME.b back, with the attributes of the posixmq
 * transport (mq_maxmsg and mq_msgsize at fs/mqueue/msg_max and msgsize_max,
 * at most 10 and 8192), messages of SIZE bytes received into a buffer of
 * mq_msgsize; blocking mq_send and mq_receive. Both queues are unlinked as soon
 * as they are open: the descriptors, which fork shares, keep them alive,
 * and nothing is left behind whatever happens.
 */
#include "cref.h"

#include <fcntl.h>
#include <mqueue.h>

#define MAX_SIZE 8192 /* the default fs/mqueue/msgsize_max */
#define MAX_MSG 10     /* the default fs/mqueue/msg_max */

static mqd_t to_peer, to_self;
static unsigned char *out, *in;
static size_t size;
static long msgsize, maxmsg; /* each queue's attributes */

/* limit is the number in /proc/sys/fs/mqueue/NAME, at most max (max where
 * the file cannot be read). */
static long limit(const char *name, long max)
{
	char path[128];
	long v = max;
	FILE *f;
	snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = max;
		fclose(f);
	}
	return v < max ? v : max;
}

static void mq_put(mqd_t q, const unsigned char *msg)
{
	if (mq_send(q, (const char *)msg, size, 0) != 0)
		die("mq_send");
}

static void mq_take(mqd_t q, unsigned char *msg)
{
	long n = mq_receive(q, (char *)msg, (size_t)msgsize, NULL);
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
	struct mq_attr attr = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
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
	msgsize = limit("msgsize_max", MAX_SIZE);
	maxmsg = limit("msg_max", MAX_MSG);
	if ((long)size > msgsize)
		fail("size %zu above mq_msgsize %ld", size, msgsize);
	to_peer = open_queue(a.name, "a");
	to_self = open_queue(a.name, "b");
	out = malloc(size);
	in = malloc((size_t)msgsize);
	if (!out || !in)
		die("malloc");
	memset(out, 0xa5, size);
	cref_run(&a);
	return 0;
}
