/* disk.c — writes DIR/notes/N.txt for N in 0..99 (each "note N\n") and DIR/sum.txt with
 * their total size read back, on whatever is mounted at DIR (argv[1]). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv) {
	char path[256], buf[64];
	long total = 0;
	int i, fd, n;
	FILE *f;

	CHECK(argc == 2);
	snprintf(path, sizeof path, "%s/notes", argv[1]);
	CHECK(mkdir(path, 0755) == 0);
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof path, "%s/notes/%d.txt", argv[1], i);
		f = fopen(path, "w");
		CHECK(f != 0);
		fprintf(f, "note %d\n", i);
		CHECK(fclose(f) == 0);
	}
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof path, "%s/notes/%d.txt", argv[1], i);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0);
		n = read(fd, buf, sizeof buf);
		CHECK(n > 0);
		total += n;
		close(fd);
	}
	snprintf(path, sizeof path, "%s/sum.txt", argv[1]);
	f = fopen(path, "w");
	CHECK(f != 0);
	fprintf(f, "%ld\n", total);
	CHECK(fclose(f) == 0);
	printf("ok wrote 100 notes, %ld bytes\n", total);
	return 0;
}
