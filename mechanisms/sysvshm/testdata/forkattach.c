// forkattach ID: attaches segment ID, then forks. The child writes
// "from-the-child" at offset 0 through the address it inherited, says
// "child wrote", and exits after reading one line of stdin. The parent
// reaps it, says "child ended", and exits when its stdin closes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: forkattach ID\n");
		return 2;
	}
	char *mem = shmat(atoi(argv[1]), NULL, 0);
	if (mem == (void *)-1) {
		perror("shmat");
		return 1;
	}
	fflush(stdout);
	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		strcpy(mem, "from-the-child");
		printf("child wrote\n");
		fflush(stdout);
		char c;
		while (read(0, &c, 1) == 1 && c != '\n') // one line, byte by byte, leaving the rest
			;
		_exit(0);
	}
	int status;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "child %d did not exit 0\n", child);
		return 1;
	}
	printf("child ended\n");
	fflush(stdout);
	char buf[64];
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
