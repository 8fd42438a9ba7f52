/* files.c — files and directories through WASI: results and errno of each call. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

int main(void) {
	char buf[256];
	struct stat st;
	int fd, n;

	CHECK(mkdir("/tmp/d", 0755) == 0);
	CHECK_ERR(mkdir("/tmp/d", 0755), EEXIST);
	CHECK_ERR(open("/tmp/d/none", O_RDONLY), ENOENT);
	CHECK_ERR(open("/tmp/d/none/x", O_RDONLY), ENOENT);

	fd = open("/tmp/d/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 3);
	CHECK(write(fd, "hello, world\n", 13) == 13);
	CHECK(lseek(fd, 0, SEEK_CUR) == 13);
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	n = read(fd, buf, sizeof buf);
	CHECK(n == 6 && memcmp(buf, "world\n", 6) == 0);
	CHECK(pwrite(fd, "W", 1, 7) == 1);
	CHECK(pread(fd, buf, 5, 7) == 5 && memcmp(buf, "World", 5) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 13 && S_ISREG(st.st_mode));
	CHECK(ftruncate(fd, 5) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 5);
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(read(99, buf, 1), EBADF);
	printf("ok file io\n");

	fd = open("/tmp/d/a.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "!", 1) == 1 && close(fd) == 0);
	CHECK(stat("/tmp/d/a.txt", &st) == 0 && st.st_size == 6);
	CHECK_ERR(open("/tmp/d/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);

	CHECK(rename("/tmp/d/a.txt", "/tmp/d/b.txt") == 0);
	CHECK_ERR(stat("/tmp/d/a.txt", &st), ENOENT);
	CHECK(link("/tmp/d/b.txt", "/tmp/d/c.txt") == 0);
	CHECK(stat("/tmp/d/b.txt", &st) == 0 && st.st_nlink == 2);
	CHECK(symlink("b.txt", "/tmp/d/l") == 0);
	n = readlink("/tmp/d/l", buf, sizeof buf);
	CHECK(n == 5 && memcmp(buf, "b.txt", 5) == 0);
	CHECK(lstat("/tmp/d/l", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("/tmp/d/l", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6);
	printf("ok names\n");

	{
		struct timespec t[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
		CHECK(utimensat(AT_FDCWD, "/tmp/d/b.txt", t, 0) == 0);
		CHECK(stat("/tmp/d/b.txt", &st) == 0 && st.st_mtim.tv_sec == 1234567890);
		printf("ok utimes\n");
	}

	{
		DIR *d = opendir("/tmp/d");
		struct dirent *e;
		int seen = 0;
		CHECK(d != 0);
		while ((e = readdir(d)) != 0) {
			if (!strcmp(e->d_name, "b.txt")) seen |= 1;
			if (!strcmp(e->d_name, "c.txt")) seen |= 2;
			if (!strcmp(e->d_name, "l")) seen |= 4;
			if (!strcmp(e->d_name, "a.txt")) seen |= 8;
		}
		CHECK(seen == 7);
		rewinddir(d);
		CHECK(readdir(d) != 0);
		CHECK(closedir(d) == 0);
		printf("ok readdir\n");
	}

	CHECK(chdir("/tmp/d") == 0);
	CHECK(getcwd(buf, sizeof buf) && strcmp(buf, "/tmp/d") == 0);
	fd = open("c.txt", O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 6) == 6 && memcmp(buf, "hello!", 6) == 0);
	CHECK(close(fd) == 0);
	CHECK(chdir("/") == 0);
	printf("ok cwd\n");

	CHECK_ERR(rmdir("/tmp/d"), ENOTEMPTY);
	CHECK_ERR(unlink("/tmp/d/none"), ENOENT);
	CHECK(unlink("/tmp/d/b.txt") == 0);
	CHECK(unlink("/tmp/d/c.txt") == 0);
	CHECK(unlink("/tmp/d/l") == 0);
	CHECK(rmdir("/tmp/d") == 0);
	CHECK_ERR(stat("/tmp/d", &st), ENOENT);
	printf("ok remove\n");

	{
		char t1[] = "/tmp/tmpXXXXXX", t2[] = "/tmp/tmpXXXXXX", d[] = "/tmp/dirXXXXXX";
		int a = mkstemp(t1), b = mkstemp(t2);
		CHECK(a >= 0 && b >= 0 && strcmp(t1, t2) != 0 && strncmp(t1, "/tmp/tmp", 8) == 0);
		CHECK(fstat(a, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
		CHECK(close(a) == 0 && close(b) == 0 && unlink(t1) == 0 && unlink(t2) == 0);
		CHECK(mkdtemp(d) == d && stat(d, &st) == 0 && S_ISDIR(st.st_mode) && rmdir(d) == 0);
		char bad[] = "/tmp/nope";
		CHECK_ERR(mkstemp(bad), EINVAL);
		printf("ok mkstemp\n");
	}

	{
		FILE *f = fopen("/etc/passwd", "r");
		CHECK(f && fgets(buf, sizeof buf, f) && strncmp(buf, "root:", 5) == 0);
		fclose(f);
		printf("ok stdio\n");
	}
	return 0;
}
