#include "md5_diag.h"

#include <stdio.h>
#include <stdlib.h>

#include "md5.h"
#include "peer.h"
#include "speaker_int.h"

struct md5_read {
	uv_work_t work;
	struct bgp_speaker *speaker;
	uint32_t peer_id; /* the peer may be gone when the read returns: found again by id */
	bool timed_out;	  /* false: the snapshot at connect; true: the check at the timeout */
	uint64_t count;
	int err;
};

static void read_work(uv_work_t *w)
{
	struct md5_read *r = w->data;
	r->err = bgp_md5_kernel_failures(&r->count);
}

static void refine(struct bgp_peer *peer, uint64_t now)
{
	if (now <= peer->md5_failures_at_connect)
		return;
	snprintf(peer->last_error, sizeof(peer->last_error),
		 "TCP MD5 authentication failed: no answer to our connect, and the kernel dropped "
		 "%llu segment(s) whose TCP MD5 signature did not match the configured keys (wrong "
		 "or missing key)",
		 (unsigned long long)(now - peer->md5_failures_at_connect));
	peer_notify_counters(peer);
}

static void read_done(uv_work_t *w, int status)
{
	struct md5_read *r = w->data;
	struct bgp_peer *peer = speaker_find_peer(r->speaker, r->peer_id);
	if (peer && status == 0 && r->err == 0 && !r->speaker->shutting_down) {
		if (r->timed_out)
			refine(peer, r->count);
		else
			peer->md5_failures_at_connect = r->count;
	}
	speaker_handle_closed(r->speaker);
	free(r);
}

static void queue_read(struct bgp_peer *peer, bool timed_out)
{
	struct bgp_speaker *sp = peer->speaker;
	struct md5_read *r = calloc(1, sizeof(*r));
	if (!r)
		return; /* only the diagnosis is less precise */
	*r = (struct md5_read){.speaker = sp, .peer_id = peer->config.id, .timed_out = timed_out};
	r->work.data = r;
	/* Counted like a handle, so the speaker is not freed before read_done. */
	sp->open_handles++;
	if (uv_queue_work(sp->loop, &r->work, read_work, read_done) != 0) {
		sp->open_handles--;
		free(r);
	}
}

void md5_diag_connect_started(struct bgp_peer *peer)
{
	queue_read(peer, false);
}

void md5_diag_connect_timed_out(struct bgp_peer *peer)
{
	snprintf(peer->last_error, sizeof(peer->last_error), "%s",
		 peer->config.auth_key[0] ? "TCP connect timed out: no answer to TCP MD5 signed SYN "
					    "(TCP MD5 key mismatch, or peer unreachable)"
					  : "TCP connect timed out (peer unreachable, or it expects a "
					    "TCP MD5 key)");
	queue_read(peer, true);
}
