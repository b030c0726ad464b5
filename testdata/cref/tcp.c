/*
 * Ping-pong over one TCP connection on IPv4 loopback, the reference for
 * the table's tcp row, set up as that row is: a listener bound to
 * 127.0.0.1 on a port the kernel picks, a socket connected to it, the
 * accepted end handed to the echo process, TCP_NODELAY on both ends (Nagle
 * would hold each message until the previous one is acknowledged), the
 * listener closed.
 */
#define CREF_SOCKET_PAIR
#include "cref.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define MAX_SIZE (1 << 16)

static void nodelay(int fd)
{
	int on = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
		die("setsockopt TCP_NODELAY");
}

/* connect_loopback: ends[0] is the connected socket, ends[1] the accepted
 * one. */
static void connect_loopback(int ends[2])
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0)
		die("socket");
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* port 0: the kernel picks */
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
		die("bind");
	if (listen(lfd, 1) != 0)
		die("listen");
	if (getsockname(lfd, (struct sockaddr *)&addr, &len) != 0)
		die("getsockname");
	ends[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ends[0] < 0)
		die("socket");
	if (connect(ends[0], (struct sockaddr *)&addr, sizeof addr) != 0)
		die("connect");
	ends[1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (ends[1] < 0)
		die("accept4");
	nodelay(ends[0]);
	nodelay(ends[1]);
	close(lfd);
}

int main(int argc, char **argv)
{
	return cref_socket_main(argc, argv, MAX_SIZE, connect_loopback);
}
