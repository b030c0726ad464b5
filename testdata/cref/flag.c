/*
 * The classic shared-memory ping-pong: one buffer per direction, guarded by
 * a flag word on a cache line of its own before the data. The sender waits
 * for the flag to say the buffer is free, copies the message in and raises
 * the flag (a release); the receiver spins on the flag (an acquire), copies
 * the message out and lowers the flag.
 *
 * Without NAME the memory is a System V segment (the "Shared Memory" row),
 * marked for removal as soon as it is attached, so that it goes with the
 * two processes whatever happens. With NAME it is a MAP_SHARED mapping of
 * the file NAME (the "Memory-Mapped Files" row), created, sized and
 * unlinked at once for the same reason.
 */
#include "cref.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#define LINE 64
#define MAX_SIZE 65536
#define BUFFER_BYTES (LINE + MAX_SIZE)

struct buffer {
	_Atomic uint32_t *full;
	unsigned char *data;
};

static struct buffer buffer_at(unsigned char *mem)
{
	struct buffer b = {(_Atomic uint32_t *)mem, mem + LINE};
	return b;
}

static void put(struct buffer *b, const unsigned char *msg, size_t size)
{
	while (atomic_load_explicit(b->full, memory_order_acquire) != 0)
		;
	memcpy(b->data, msg, size);
	atomic_store_explicit(b->full, 1, memory_order_release);
}

static void take(struct buffer *b, unsigned char *msg, size_t size)
{
	while (atomic_load_explicit(b->full, memory_order_acquire) != 1)
		;
	memcpy(msg, b->data, size);
	atomic_store_explicit(b->full, 0, memory_order_release);
}

static struct buffer to_peer, to_self;
static unsigned char *out, *in;
static size_t size;

static void ping_round(uint64_t i)
{
	stamp(out, size, i);
	put(&to_peer, out, size);
	take(&to_self, in, size);
	check_stamp(in, size, i);
}

static void echo_round(void)
{
	take(&to_peer, in, size);
	put(&to_self, in, size);
}

static unsigned char *sysv_memory(size_t bytes)
{
	int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
	void *mem;
	if (id < 0)
		die("shmget");
	mem = shmat(id, NULL, 0);
	if (mem == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		die("shmat");
	}
	if (shmctl(id, IPC_RMID, NULL) != 0)
		die("shmctl(IPC_RMID)");
	return mem;
}

static unsigned char *file_memory(const char *path, size_t bytes)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	void *mem;
	if (fd < 0)
		die(path);
	if (unlink(path) != 0)
		die("unlink");
	if (ftruncate(fd, (off_t)bytes) != 0)
		die("ftruncate");
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	close(fd);
	return mem;
}

int main(int argc, char **argv)
{
	struct cref_args a = cref_parse(argc, argv, MAX_SIZE);
	size_t bytes = 2 * BUFFER_BYTES;
	unsigned char *mem = a.name ? file_memory(a.name, bytes) : sysv_memory(bytes);

	to_peer = buffer_at(mem);
	to_self = buffer_at(mem + BUFFER_BYTES);
	size = a.size;
	out = malloc(size);
	in = malloc(size);
	if (!out || !in)
		die("malloc");
	memset(out, 0xa5, size);
	cref_run(&a);
	return 0;
}
