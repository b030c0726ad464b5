/*
 * One-way streaming over one single-producer single-consumer ring in the
 * layout of helpers/shmring, in plain C: the reference for the streaming
 * benchmark. The parent copies ROUNDS messages of SIZE bytes into the ring
 * as fast as the ring takes them; the child copies each out, checks its
 * stamp, and publishes its tail every CAPACITY/2 messages. The timed part
 * ends when the child has taken the last message: it then answers through
 * a word of its own. CAPACITY and MAX_SIZE are those of the streaming
 * transports, so that cells lie as far apart as there. The memory is a
 * MAP_SHARED anonymous mapping, which fork shares.
 *
 * Usage and output as every C reference (cref.h); ROUNDS counts messages.
 */
#define CREF_ONE_WAY
#include "cref.h"

#include <stdatomic.h>
#include <sys/mman.h>

#define LINE 64
#define CAPACITY 16
#define MAX_SIZE (1 << 20)
#define CELL_HEADER 8
#define CELL_BYTES ((CELL_HEADER + MAX_SIZE + LINE - 1) / LINE * LINE)
/* Control lines: the consumer's tail, then its answer, each alone on a line. */
#define OFF_TAIL 0
#define OFF_DONE LINE
#define RING_HEADER (2 * LINE)
#define RING_BYTES (RING_HEADER + (size_t)CAPACITY * CELL_BYTES)

static unsigned char *mem;
static uint32_t size;

static _Atomic uint32_t *word(size_t off) { return (_Atomic uint32_t *)(mem + off); }

static unsigned char *cell(uint32_t n)
{
	return mem + RING_HEADER + (size_t)(n % CAPACITY) * CELL_BYTES;
}

/* produce sends messages [from, to), each stamped with its number. */
static void produce(unsigned char *msg, uint32_t from, uint32_t to)
{
	static uint32_t seen;
	for (uint32_t pos = from; pos < to; pos++) {
		unsigned char *c;
		while (pos - seen >= CAPACITY)
			seen = atomic_load_explicit(word(OFF_TAIL), memory_order_acquire);
		c = cell(pos);
		stamp(msg, size, pos);
		memcpy(c + 4, &size, sizeof size);
		memcpy(c + CELL_HEADER, msg, size);
		atomic_store_explicit((_Atomic uint32_t *)c, pos + 1, memory_order_release);
	}
}

/* consume takes messages [from, to) and checks each one's stamp. */
static void consume(unsigned char *msg, uint32_t from, uint32_t to)
{
	for (uint32_t pos = from; pos < to; pos++) {
		unsigned char *c = cell(pos);
		uint32_t n;
		while (atomic_load_explicit((_Atomic uint32_t *)c, memory_order_acquire) != pos + 1)
			;
		memcpy(&n, c + 4, sizeof n);
		if (n != size)
			fail("message %u has %u bytes, want %u", pos, n, size);
		memcpy(msg, c + CELL_HEADER, size);
		check_stamp(msg, size, pos);
		if ((pos + 1) % (CAPACITY / 2) == 0)
			atomic_store_explicit(word(OFF_TAIL), pos + 1, memory_order_release);
	}
	atomic_store_explicit(word(OFF_DONE), to, memory_order_release);
}

static void await_done(uint32_t n)
{
	while (atomic_load_explicit(word(OFF_DONE), memory_order_acquire) != n)
		;
}

int main(int argc, char **argv)
{
	struct cref_args a = cref_parse(argc, argv, MAX_SIZE);
	uint32_t warm = WARMUP, total;
	uint64_t t0, c0, elapsed, cpu;
	unsigned char *msg;

	if (a.name)
		fail("stream takes no name");
	if (a.rounds > (long)(UINT32_MAX / 2 - WARMUP))
		fail("rounds: at most %u", UINT32_MAX / 2 - WARMUP);
	total = warm + (uint32_t)a.rounds;
	mem = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	size = (uint32_t)a.size;
	msg = malloc(size);
	if (!msg)
		die("malloc");
	memset(msg, 0xa5, size);
	if (cref_fork(&a) == 0) {
		consume(msg, 0, warm);
		c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		consume(msg, warm, total);
		cref_echo_done(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	produce(msg, 0, warm);
	await_done(warm);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = clock_ns(CLOCK_MONOTONIC);
	produce(msg, warm, total);
	await_done(total);
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
	cref_report(&a, elapsed, cpu);
	return 0;
}
