// echo: says "ready", then says back every line it reads from stdin, and
// exits 0 when stdin closes.
#include <stdio.h>

int main(void) {
	char line[256];
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof line, stdin)) {
		fputs(line, stdout);
		fflush(stdout);
	}
	return 0;
}
