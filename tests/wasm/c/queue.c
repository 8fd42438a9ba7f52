/* queue.c — the overlay's sys/queue.h: SLIST, STAILQ (and SIMPLEQ), LIST and TAILQ keep
 * their order through inserts and removals at every position. */
#include <sys/queue.h>

#include "check.h"

struct node {
	int v;
	SLIST_ENTRY(node) s;
	STAILQ_ENTRY(node) q;
	LIST_ENTRY(node) l;
	TAILQ_ENTRY(node) t;
};

SLIST_HEAD(shead, node);
STAILQ_HEAD(qhead, node);
LIST_HEAD(lhead, node);
TAILQ_HEAD(thead, node);

static struct node n[5];

#define COLLECT(buf, var, foreach) do { \
	int k_ = 0; \
	foreach \
		buf[k_++] = '0' + (var)->v; \
	buf[k_] = '\0'; \
} while (0)

int main(void) {
	struct shead sh;
	struct qhead qh = STAILQ_HEAD_INITIALIZER(qh);
	struct lhead lh;
	struct thead th;
	struct node *p;
	char got[8];
	int i;

	for (i = 0; i < 5; i++)
		n[i].v = i;
	SLIST_INIT(&sh);
	LIST_INIT(&lh);
	TAILQ_INIT(&th);
	CHECK(SLIST_EMPTY(&sh) && STAILQ_EMPTY(&qh) && LIST_EMPTY(&lh) && TAILQ_EMPTY(&th));
	for (i = 0; i < 5; i++) {
		SLIST_INSERT_HEAD(&sh, &n[i], s);
		STAILQ_INSERT_TAIL(&qh, &n[i], q);
		LIST_INSERT_HEAD(&lh, &n[i], l);
		TAILQ_INSERT_TAIL(&th, &n[i], t);
	}
	COLLECT(got, p, SLIST_FOREACH(p, &sh, s));
	CHECK(strcmp(got, "43210") == 0);
	SLIST_REMOVE(&sh, &n[2], node, s);
	COLLECT(got, p, SLIST_FOREACH(p, &sh, s));
	CHECK(strcmp(got, "4310") == 0);

	STAILQ_REMOVE_HEAD(&qh, q);
	STAILQ_REMOVE(&qh, &n[4], node, q);
	STAILQ_INSERT_TAIL(&qh, &n[0], q);
	COLLECT(got, p, STAILQ_FOREACH(p, &qh, q));
	CHECK(strcmp(got, "1230") == 0);

	LIST_REMOVE(&n[4], l);
	LIST_REMOVE(&n[0], l);
	LIST_INSERT_AFTER(&n[3], &n[4], l);
	COLLECT(got, p, LIST_FOREACH(p, &lh, l));
	CHECK(strcmp(got, "3421") == 0);

	TAILQ_REMOVE(&th, &n[4], t);
	TAILQ_INSERT_HEAD(&th, &n[4], t);
	TAILQ_REMOVE(&th, &n[2], t);
	TAILQ_INSERT_AFTER(&th, &n[3], &n[2], t);
	COLLECT(got, p, TAILQ_FOREACH(p, &th, t));
	CHECK(strcmp(got, "40132") == 0);
	printf("ok sys/queue.h\n");
	return 0;
}
