/* clocks.c — clocks, sleeps and randomness: what a program sees of the kernel's time. */
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long long ns(struct timespec t) {
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
	struct timespec a, b, req = { 0, 250000000 };
	struct timeval tv;
	unsigned char rnd[8];
	long long d;

	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0);
	CHECK(a.tv_sec >= 1704067200); /* the default epoch, 2024-01-01 */
	CHECK(gettimeofday(&tv, 0) == 0 && tv.tv_sec >= a.tv_sec);
	CHECK(time(0) >= a.tv_sec);

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	CHECK(nanosleep(&req, 0) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	d = ns(b) - ns(a);
	CHECK(d >= 250000000LL);
	printf("ok nanosleep %lld ms\n", d / 1000000);

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	CHECK(usleep(100000) == 0);
	CHECK(sleep(1) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	d = ns(b) - ns(a);
	CHECK(d >= 1100000000LL);
	printf("ok sleep %lld ms\n", d / 1000000);

	CHECK(getentropy(rnd, sizeof rnd) == 0);
	printf("ok random %02x%02x%02x%02x%02x%02x%02x%02x\n", rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5], rnd[6], rnd[7]);
	return 0;
}
