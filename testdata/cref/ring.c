/*
 * Ping-pong over two single-producer single-consumer rings in the layout of
 * helpers/shmring, in plain C: per direction, four control words each on a
 * cache line of its own (the consumer's tail first), then CAPACITY cells,
 * each starting on a cache line with its turn word (the number of the
 * message it holds, plus 1) and the length, the data right after them, so
 * that the line that announces a message brings its first bytes along. The
 * producer copies the message in and stores the turn word (a release); the
 * consumer spins on the turn word (an acquire), copies the message out and
 * publishes its tail every CAPACITY/2 messages. CAPACITY and MAX_SIZE are
 * those of the sysvshm transport, so that cells lie as far apart as there.
 * The memory is a MAP_SHARED anonymous mapping, which fork shares.
 */
#include "cref.h"

#include <stdatomic.h>
#include <sys/mman.h>

#define LINE 64
#define CAPACITY 16
#define MAX_SIZE 65536
#define CELL_HEADER 8
#define CELL_BYTES ((CELL_HEADER + MAX_SIZE + LINE - 1) / LINE * LINE)
#define RING_HEADER (4 * LINE)
#define RING_BYTES (RING_HEADER + CAPACITY * CELL_BYTES)

struct ring {
	unsigned char *mem;
	uint32_t pos, seen; /* private: next message number; tail last read or published */
};

static _Atomic uint32_t *tail_of(struct ring *r) { return (_Atomic uint32_t *)r->mem; }

static unsigned char *cell(struct ring *r, uint32_t n)
{
	return r->mem + RING_HEADER + (size_t)(n % CAPACITY) * CELL_BYTES;
}

static _Atomic uint32_t *turn_of(unsigned char *c) { return (_Atomic uint32_t *)c; }

static void ring_send(struct ring *r, const unsigned char *msg, uint32_t size)
{
	unsigned char *c;
	while (r->pos - r->seen >= CAPACITY)
		r->seen = atomic_load_explicit(tail_of(r), memory_order_acquire);
	c = cell(r, r->pos);
	memcpy(c + 4, &size, sizeof size);
	memcpy(c + CELL_HEADER, msg, size);
	r->pos++;
	atomic_store_explicit(turn_of(c), r->pos, memory_order_release);
}

static void ring_recv(struct ring *r, unsigned char *msg, uint32_t size)
{
	unsigned char *c = cell(r, r->pos);
	uint32_t n;
	while (atomic_load_explicit(turn_of(c), memory_order_acquire) != r->pos + 1)
		;
	memcpy(&n, c + 4, sizeof n);
	if (n != size)
		fail("message %u has %u bytes, want %u", r->pos, n, size);
	memcpy(msg, c + CELL_HEADER, size);
	r->pos++;
	if (r->pos - r->seen >= CAPACITY / 2) {
		r->seen = r->pos;
		atomic_store_explicit(tail_of(r), r->pos, memory_order_release);
	}
}

static struct ring to_peer, to_self;
static unsigned char *out, *in;
static uint32_t size;

static void ping_round(uint64_t i)
{
	stamp(out, size, i);
	ring_send(&to_peer, out, size);
	ring_recv(&to_self, in, size);
	check_stamp(in, size, i);
}

static void echo_round(void)
{
	ring_recv(&to_peer, in, size);
	ring_send(&to_self, in, size);
}

int main(int argc, char **argv)
{
	struct cref_args a = cref_parse(argc, argv, MAX_SIZE);
	unsigned char *mem;

	if (a.name)
		fail("ring takes no name");
	mem = mmap(NULL, 2 * RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	to_peer.mem = mem;
	to_self.mem = mem + RING_BYTES;
	size = (uint32_t)a.size;
	out = malloc(size);
	in = malloc(size);
	if (!out || !in)
		die("malloc");
	memset(out, 0xa5, size);
	cref_run(&a);
	return 0;
}
