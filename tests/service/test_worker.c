/* worker: items run in the order queued, on the worker's own thread; several producers lose
 * nothing; stop runs what is still queued before it returns. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "worker.h"

#define N_ITEMS	    20000
#define N_PRODUCERS 4

struct item {
	struct worker_item node;
	int producer;
	int seq;
};

struct record {
	pthread_t caller;
	atomic_int ran;
	int last_seq[N_PRODUCERS];
	atomic_int out_of_order;
	atomic_int on_caller_thread;
	bool slow;
};

static void run(void *ctx, struct worker_item *node)
{
	struct record *r = ctx;
	struct item *it = (struct item *)((char *)node - offsetof(struct item, node));
	if (pthread_equal(pthread_self(), r->caller))
		atomic_fetch_add(&r->on_caller_thread, 1);
	if (it->seq != r->last_seq[it->producer] + 1)
		atomic_fetch_add(&r->out_of_order, 1);
	r->last_seq[it->producer] = it->seq;
	if (r->slow)
		nanosleep(&(struct timespec){0, 20000}, NULL);
	atomic_fetch_add(&r->ran, 1);
}

static void record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->caller = pthread_self();
	for (int p = 0; p < N_PRODUCERS; p++)
		r->last_seq[p] = -1;
}

static struct item items[N_PRODUCERS][N_ITEMS];

/* Batches of varying size, then stop at once: every item ran, in order, on another thread. */
static void test_order_and_drain(void **state)
{
	(void)state;
	struct record r;
	record_init(&r);
	r.slow = true; /* the queue is still full when stop is called */
	struct worker *w;
	assert_int_equal(worker_start(&w, run, &r), 0);
	struct worker_batch batch = {0};
	int n = 2000;
	for (int i = 0; i < n; i++) {
		items[0][i] = (struct item){.producer = 0, .seq = i};
		worker_batch_add(&batch, &items[0][i].node);
		if (i % 7 == 0)
			worker_queue(w, &batch);
		assert_true(i % 7 != 0 || batch.head == NULL); /* queueing empties the batch */
	}
	worker_queue(w, &batch);
	worker_queue(w, &batch); /* an empty batch is nothing */
	worker_stop(w);
	assert_int_equal(atomic_load(&r.ran), n);
	assert_int_equal(atomic_load(&r.out_of_order), 0);
	assert_int_equal(atomic_load(&r.on_caller_thread), 0);
}

struct producer {
	struct worker *w;
	int id;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct worker_batch batch = {0};
	for (int i = 0; i < N_ITEMS; i++) {
		items[p->id][i] = (struct item){.producer = p->id, .seq = i};
		worker_batch_add(&batch, &items[p->id][i].node);
		if (i % (p->id + 1) == 0)
			worker_queue(p->w, &batch);
	}
	worker_queue(p->w, &batch);
	return NULL;
}

static void test_producers(void **state)
{
	(void)state;
	struct record r;
	record_init(&r);
	struct worker *w;
	assert_int_equal(worker_start(&w, run, &r), 0);
	pthread_t t[N_PRODUCERS];
	struct producer p[N_PRODUCERS];
	for (int i = 0; i < N_PRODUCERS; i++) {
		p[i] = (struct producer){w, i};
		assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
	}
	for (int i = 0; i < N_PRODUCERS; i++)
		pthread_join(t[i], NULL);
	worker_stop(w);
	assert_int_equal(atomic_load(&r.ran), N_PRODUCERS * N_ITEMS);
	assert_int_equal(atomic_load(&r.out_of_order), 0);
	for (int i = 0; i < N_PRODUCERS; i++)
		assert_int_equal(r.last_seq[i], N_ITEMS - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_drain),
	    cmocka_unit_test(test_producers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
