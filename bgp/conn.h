/*
 * conn: one BGP transport connection on libuv, below the FSM. It frames incoming bytes into
 * messages and hands them up one at a time with bounded work per wake-up (about
 * BGP_CONN_BUDGET octets of messages, then it yields to the loop so timers and other peers
 * run), queues outgoing bytes, reports each completed write (progress for the FSM's RFC 9687
 * send hold timer), and can close after the queued bytes are written (a NOTIFICATION is
 * queued and the socket closed only after it is written).
 *
 * A conn is heap-allocated and freed in its libuv close callback; after bgp_conn_close() the
 * owner must not touch it and gets no further callback.
 */
#ifndef VBR_BGP_CONN_H
#define VBR_BGP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "msg.h"

/* Octets of messages handled per wake-up. The work is per prefix and a prefix is a few octets,
 * so octets measure it better than messages: 32 KiB is about 8,000 prefixes, tens of ms. */
#define BGP_CONN_BUDGET 32768

struct bgp_conn;

struct bgp_conn_ops {
	/* Outgoing connect finished: status 0, or a negative libuv error. */
	void (*connected)(void *owner, struct bgp_conn *conn, int status);
	/* One whole message. Return false if the conn was closed inside (stop delivering). */
	bool (*message)(void *owner, struct bgp_conn *conn, const struct bgp_frame *frame);
	/* Framing error: err is the Message Header Error to send. */
	void (*frame_error)(void *owner, struct bgp_conn *conn, const struct bgp_notification *err);
	/* The peer closed (status UV_EOF), or a read or write failed (status < 0). The conn stays
	 * open until the owner closes it. */
	void (*failed)(void *owner, struct bgp_conn *conn, int status);
	/* A write to the kernel completed (progress for the send hold timer). May be NULL. */
	void (*written)(void *owner, struct bgp_conn *conn);
};

struct bgp_conn {
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_write_t write_req;
	uv_idle_t resume;      /* continues framing after the budget ran out */
	uv_timer_t linger;     /* bounds close-after-flush */
	const struct bgp_conn_ops *ops;
	void *owner;
	bool outgoing;
	bool connected;
	bool reading;
	bool writing;
	bool closing;          /* bgp_conn_close() called: no more callbacks */
	bool close_after_flush;
	bool failed_reported;
	size_t work;           /* octets delivered since the conn last yielded to the loop */
	int handles_open;      /* handles still to be closed before the memory goes */
	uint32_t local_ip, remote_ip; /* host byte order */
	uint8_t *rbuf;
	size_t rlen, rcap;
	struct bgp_wbuf out;      /* queued, not yet handed to the kernel */
	struct bgp_wbuf inflight; /* being written */
	void (*closed_cb)(void *arg); /* optional: called once the conn is fully closed */
	void *closed_arg;
	/* A NOTIFICATION counts as sent once the write holding it completed, also after the
	 * conn was closed (they usually are right after one): reported to closed_arg's owner
	 * by peer id, since the session may be gone by then. */
	void (*notification_written)(void *arg, uint32_t peer_id, uint8_t code);
	uint32_t peer_id;
	int out_notify, inflight_notify; /* NOTIFICATION code in that buffer, or -1 */
};

/* The message just appended to conn->out is a NOTIFICATION with this code. */
void bgp_conn_mark_notification(struct bgp_conn *conn, uint8_t code);

/* Starts an outgoing connection to ip:port (host order) with an optional TCP MD5 key and an
 * optional local address to bind (0 = any). */
int bgp_conn_connect(uv_loop_t *loop, uint32_t ip, uint16_t port, const char *md5_key,
		     uint32_t bind_ip, const struct bgp_conn_ops *ops, void *owner,
		     struct bgp_conn **out);
/* Accepts a pending connection from the listening stream into a new conn (not yet reading). */
int bgp_conn_accept(uv_stream_t *listener, struct bgp_conn **out);
/* Hands the conn to its owner and starts reading. */
void bgp_conn_start(struct bgp_conn *conn, const struct bgp_conn_ops *ops, void *owner);
/* True while input received is not yet delivered (the budget of a loop turn ran out and the
 * rest waits for the next turn): the hold timer lets it run before it expires. Never touches
 * the socket, which libuv owns. */
bool bgp_conn_input_pending(const struct bgp_conn *conn);
/* Starts writing whatever was appended to conn->out. Returns 0 or a negative libuv error. */
int bgp_conn_flush(struct bgp_conn *conn);
/* Closes. flush: first write what is queued (bounded by linger_ms). No callbacks after this. */
void bgp_conn_close(struct bgp_conn *conn, bool flush, uint32_t linger_ms);
/* Bytes queued or being written. */
size_t bgp_conn_pending(const struct bgp_conn *conn);

#endif
