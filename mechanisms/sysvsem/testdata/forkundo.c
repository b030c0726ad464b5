// forkundo ID: adds 1 to semaphore 0 of set ID with SEM_UNDO, then forks a
// child that ends at once, reaps it and says "child ended"; it exits when
// its stdin closes, which reverts its own adjustment.
#include <stdio.h>
#include <stdlib.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: forkundo ID\n");
		return 2;
	}
	int id = atoi(argv[1]);
	struct sembuf op = {.sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO};
	if (semop(id, &op, 1) < 0) {
		perror("semop");
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0)
		_exit(0);
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
