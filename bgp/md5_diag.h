/*
 * md5_diag: why a connect went unanswered. With TCP MD5 a wrong key looks exactly like an
 * unreachable peer (the other kernel drops our signed SYNs without a word, RFC 2385 2.0); the
 * only evidence is this namespace's kernel counters of MD5 drops. Reading them is file I/O, so
 * it runs in libuv's thread pool, never on the loop: a snapshot when a connect starts, a second
 * read when it times out, and the peer's last_error is made precise when that one returns.
 */
#ifndef VBR_BGP_MD5_DIAG_H
#define VBR_BGP_MD5_DIAG_H

struct bgp_peer;

/* A connect is starting: take the counters' snapshot (off the loop). */
void md5_diag_connect_started(struct bgp_peer *peer);
/* The connect got no answer in time: last_error says so now, and is refined to "TCP MD5
 * authentication failed: ..." if the counters grew since the snapshot. */
void md5_diag_connect_timed_out(struct bgp_peer *peer);

#endif
