/* worker: see worker.h. */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct worker {
	pthread_t thread;
	pthread_mutex_t lock; /* guards head, tail, stopping */
	pthread_cond_t wake;
	struct worker_item *head, *tail;
	bool stopping;
	void (*run)(void *ctx, struct worker_item *item);
	void *ctx;
};

/* Takes the whole queue under one lock and runs it outside the lock, so queueing never waits
 * for a run. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		struct worker_item *item = w->head;
		w->head = w->tail = NULL;
		bool stopping = w->stopping;
		pthread_mutex_unlock(&w->lock);
		if (!item && stopping)
			return NULL;
		while (item) {
			struct worker_item *next = item->next;
			w->run(w->ctx, item);
			item = next;
		}
	}
}

int worker_start(struct worker **out, void (*run)(void *ctx, struct worker_item *item), void *ctx)
{
	struct worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->run = run;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -rc;
	}
	*out = w;
	return 0;
}

void worker_queue(struct worker *w, struct worker_batch *batch)
{
	if (!batch->head)
		return;
	pthread_mutex_lock(&w->lock);
	bool was_empty = !w->head;
	if (w->tail)
		w->tail->next = batch->head;
	else
		w->head = batch->head;
	w->tail = batch->tail;
	/* A thread that is running a batch comes back for the queue without a signal. */
	if (was_empty)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	batch->head = batch->tail = NULL;
}

void worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
