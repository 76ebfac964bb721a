/*
 * worker: a thread that runs queued items in the order they were queued. Any thread may
 * queue; the items are intrusive nodes (no allocation), queued in batches, and a batch
 * queued while the thread is busy costs one uncontended lock and no wake-up.
 */
#ifndef VBR_SERVICE_WORKER_H
#define VBR_SERVICE_WORKER_H

#include <stddef.h>

struct worker_item {
	struct worker_item *next;
};

/* Items collected by one thread and queued together: one lock and at most one wake-up. */
struct worker_batch {
	struct worker_item *head, *tail;
};

static inline void worker_batch_add(struct worker_batch *b, struct worker_item *item)
{
	item->next = NULL;
	if (b->tail)
		b->tail->next = item;
	else
		b->head = item;
	b->tail = item;
}

struct worker;

/* run(ctx, item) is called on the worker's thread for each queued item. -errno if the
 * thread cannot start. */
int worker_start(struct worker **out, void (*run)(void *ctx, struct worker_item *item), void *ctx);
/* Queues the batch's items (which must stay valid until run has been called with each) and
 * empties the batch. */
void worker_queue(struct worker *w, struct worker_batch *batch);
/* Runs what is still queued, then joins the thread and frees it. */
void worker_stop(struct worker *w);

#endif
