/*
 * Ping-pong over a stream socketpair (AF_UNIX, SOCK_STREAM), the reference
 * for the table's unix-stream row, set up as that row is: one end for each
 * process.
 */
#define CREF_SOCKET_PAIR
#include "cref.h"

#include <sys/socket.h>

#define MAX_SIZE (1 << 16)

static void open_socketpair(int ends[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
		die("socketpair");
}

int main(int argc, char **argv)
{
	return cref_socket_main(argc, argv, MAX_SIZE, open_socketpair);
}
