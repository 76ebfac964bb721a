/* rpc.c: the gRPC C core client (see rpc.h). One completion queue serves every call; each
 * batch has its own tag and we wait for exactly the tags we started, so a stream can poll
 * for Ctrl-C between events and cancel its call cleanly. */
#include "rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

#include "google/protobuf/empty.pb-c.h"
#include "vbr/v1/vbr.pb-c.h"

#define SERVICE			 "/vbr.v1.VirtualBorderRouter/"
#define UNARY_DEFAULT_TIMEOUT_MS 10000
#define MAX_LIST_PAGES		 100000

const struct rpc_method RPC_GET_ROUTER = {SERVICE "GetRouter", &vbr__v1__router__descriptor};
const struct rpc_method RPC_CREATE_BGP_GROUP = {SERVICE "CreateBgpGroup",
						&vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_GET_BGP_GROUP = {SERVICE "GetBgpGroup",
					     &vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_LIST_BGP_GROUPS = {SERVICE "ListBgpGroups",
					       &vbr__v1__list_bgp_groups_response__descriptor};
const struct rpc_method RPC_UPDATE_BGP_GROUP = {SERVICE "UpdateBgpGroup",
						&vbr__v1__bgp_group__descriptor};
const struct rpc_method RPC_DELETE_BGP_GROUP = {SERVICE "DeleteBgpGroup",
						&google__protobuf__empty__descriptor};
const struct rpc_method RPC_CREATE_BGP_PEER = {SERVICE "CreateBgpPeer",
					       &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_GET_BGP_PEER = {SERVICE "GetBgpPeer", &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_LIST_BGP_PEERS = {SERVICE "ListBgpPeers",
					      &vbr__v1__list_bgp_peers_response__descriptor};
const struct rpc_method RPC_UPDATE_BGP_PEER = {SERVICE "UpdateBgpPeer",
					       &vbr__v1__bgp_peer__descriptor};
const struct rpc_method RPC_DELETE_BGP_PEER = {SERVICE "DeleteBgpPeer",
					       &google__protobuf__empty__descriptor};
const struct rpc_method RPC_RESET_BGP_PEER = {SERVICE "ResetBgpPeer",
					      &google__protobuf__empty__descriptor};
const struct rpc_method RPC_ADD_BGP_NETWORK = {SERVICE "AddBgpNetwork",
					       &vbr__v1__bgp_network__descriptor};
const struct rpc_method RPC_LIST_BGP_NETWORKS = {SERVICE "ListBgpNetworks",
						 &vbr__v1__list_bgp_networks_response__descriptor};
const struct rpc_method RPC_DELETE_BGP_NETWORK = {SERVICE "DeleteBgpNetwork",
						  &google__protobuf__empty__descriptor};
const struct rpc_method RPC_LIST_ROUTES = {SERVICE "ListRoutes",
					   &vbr__v1__list_routes_response__descriptor};
const struct rpc_method RPC_WATCH_PEER_EVENTS = {SERVICE "WatchPeerEvents",
						 &vbr__v1__peer_event__descriptor};

struct rpc_conn {
	grpc_channel *channel;
	grpc_completion_queue *cq;
};

static const char *const code_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *rpc_code_name(int code)
{
	if (code >= 0 && (size_t)code < sizeof(code_names) / sizeof(code_names[0]))
		return code_names[code];
	return "UNKNOWN";
}

/* gRPC's own log lines would break the one-line error contract; show them only on request. */
static void quiet_log(gpr_log_func_args *args)
{
	fprintf(stderr, "grpc: %s:%d: %s\n", args->file, args->line, args->message);
}
static void drop_log(gpr_log_func_args *args)
{
	(void)args;
}

static char *read_file(const char *what, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		usage_error("cannot read %s file %s: %s", what, path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
		if (cap - len - 1 == 0) {
			if (cap > (64u << 20)) { /* no certificate file is this big */
				free(buf);
				buf = NULL;
				break;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		usage_error("cannot read %s file %s", what, path);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static grpc_channel_credentials *make_credentials(struct vbrctl *cli, int *exit_code)
{
	bool tls = cli->tls || cli->tls_ca || cli->tls_cert || cli->tls_key;
	if (!tls)
		return grpc_insecure_credentials_create();
	if (!cli->tls_cert != !cli->tls_key) {
		*exit_code = usage_error("--cert and --key go together (the client certificate "
					 "and its private key)");
		return NULL;
	}
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_channel_credentials *creds = NULL;
	if (cli->tls_ca && !(ca = read_file("--ca", cli->tls_ca)))
		goto out;
	if (cli->tls_cert && !(cert = read_file("--cert", cli->tls_cert)))
		goto out;
	if (cli->tls_key && !(key = read_file("--key", cli->tls_key)))
		goto out;
	grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
	creds = grpc_ssl_credentials_create(ca, cert ? &pair : NULL, NULL, NULL);
out:
	free(ca);
	free(cert);
	free(key);
	if (!creds && *exit_code == EXIT_OK)
		*exit_code = EXIT_USAGE;
	return creds;
}

static int conn_open(struct vbrctl *cli)
{
	if (cli->conn)
		return EXIT_OK;
	gpr_set_log_function(getenv("VBRCTL_DEBUG") ? quiet_log : drop_log);
	grpc_init();
	int rc = EXIT_OK;
	grpc_channel_credentials *creds = make_credentials(cli, &rc);
	if (!creds) {
		grpc_shutdown();
		return rc;
	}
	grpc_arg args[2];
	size_t n_args = 0;
	args[n_args].type = GRPC_ARG_INTEGER;
	args[n_args].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[n_args].value.integer = -1; /* pages are bounded by the server, not by us */
	n_args++;
	if (cli->tls_server_name) {
		args[n_args].type = GRPC_ARG_STRING;
		args[n_args].key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		args[n_args].value.string = (char *)cli->tls_server_name;
		n_args++;
	}
	grpc_channel_args channel_args = {.num_args = n_args, .args = args};
	struct rpc_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		grpc_channel_credentials_release(creds);
		grpc_shutdown();
		fprintf(stderr, "vbrctl: out of memory\n");
		return EXIT_USAGE;
	}
	conn->channel = grpc_channel_create(cli->server, creds, &channel_args);
	grpc_channel_credentials_release(creds);
	conn->cq = grpc_completion_queue_create_for_next(NULL);
	cli->conn = conn;
	return EXIT_OK;
}

void rpc_close(struct vbrctl *cli)
{
	struct rpc_conn *conn = cli->conn;
	if (!conn)
		return;
	grpc_channel_destroy(conn->channel);
	grpc_completion_queue_shutdown(conn->cq);
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(conn->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
	}
	grpc_completion_queue_destroy(conn->cq);
	free(conn);
	cli->conn = NULL;
	grpc_shutdown();
}

static gpr_timespec deadline_in(int64_t ms)
{
	if (ms < 0)
		return gpr_inf_future(GPR_CLOCK_REALTIME);
	return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* Waits for one specific tag; other tags cannot be outstanding on this queue meanwhile. */
static bool wait_tag(struct rpc_conn *conn, void *tag)
{
	for (;;) {
		grpc_event ev =
		    grpc_completion_queue_next(conn->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == tag)
			return ev.success != 0;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return false;
	}
}

static grpc_byte_buffer *pack(const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	grpc_slice slice = grpc_slice_malloc(len);
	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(slice));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return bb;
}

static ProtobufCMessage *unpack(const ProtobufCMessageDescriptor *desc, grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader reader;
	if (!grpc_byte_buffer_reader_init(&reader, bb))
		return NULL;
	grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, GRPC_SLICE_LENGTH(all),
							  GRPC_SLICE_START_PTR(all));
	grpc_slice_unref(all);
	return msg;
}

static bool quiet_errors;

/* The error contract is one line, and no server text may drive the terminal. */
static char *one_line(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return text;
}

bool rpc_quiet(struct vbrctl *cli, bool quiet)
{
	(void)cli;
	bool was = quiet_errors;
	quiet_errors = quiet;
	return was;
}

/* One line on stderr: the code name and the server's message. */
static int report(struct vbrctl *cli, const char *prefix, grpc_status_code code, grpc_slice details)
{
	if (quiet_errors)
		return code == GRPC_STATUS_UNAVAILABLE ? EXIT_CONNECT : EXIT_SERVER;
	char *text = one_line(grpc_slice_to_c_string(details));
	int rc = EXIT_SERVER;
	if (code == GRPC_STATUS_UNAVAILABLE) {
		fprintf(stderr, "vbrctl: %scannot connect to %s: UNAVAILABLE: %s\n", prefix,
			cli->server, text);
		rc = EXIT_CONNECT;
	} else if (code == GRPC_STATUS_DEADLINE_EXCEEDED) {
		fprintf(stderr, "vbrctl: %sDEADLINE_EXCEEDED: %s (server %s)\n", prefix, text,
			cli->server);
	} else {
		fprintf(stderr, "vbrctl: %s%s: %s\n", prefix, rpc_code_name(code), text);
	}
	gpr_free(text);
	return rc;
}

static grpc_call *start_call(struct vbrctl *cli, const struct rpc_method *method,
			     int64_t timeout_ms)
{
	return grpc_channel_create_call(cli->conn->channel, NULL, GRPC_PROPAGATE_DEFAULTS,
					cli->conn->cq, grpc_slice_from_static_string(method->path),
					NULL, deadline_in(timeout_ms), NULL);
}

int rpc_unary(struct vbrctl *cli, const struct rpc_method *method, const ProtobufCMessage *request,
	      ProtobufCMessage **response)
{
	*response = NULL;
	int rc = conn_open(cli);
	if (rc != EXIT_OK)
		return rc;
	int64_t timeout = cli->timeout_ms >= 0 ? cli->timeout_ms : UNARY_DEFAULT_TIMEOUT_MS;
	grpc_call *call = start_call(cli, method, timeout);
	grpc_byte_buffer *send = pack(request);
	grpc_byte_buffer *recv = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();

	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	/* wait_for_ready=false, said explicitly: no server means UNAVAILABLE now, not a hang. */
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
	int tag;
	grpc_call_error err = grpc_call_start_batch(call, ops, 6, &tag, NULL);
	if (err == GRPC_CALL_OK)
		wait_tag(cli->conn, &tag);

	if (err != GRPC_CALL_OK) {
		fprintf(stderr, "vbrctl: INTERNAL: cannot start the call (error %d)\n", (int)err);
		rc = EXIT_SERVER;
	} else if (status != GRPC_STATUS_OK) {
		rc = report(cli, "", status, details);
	} else if (!recv || !(*response = unpack(method->response, recv))) {
		fprintf(stderr, "vbrctl: INTERNAL: the server's reply to %s could not be decoded\n",
			method->path);
		rc = EXIT_SERVER;
	}
	if (recv)
		grpc_byte_buffer_destroy(recv);
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_call_unref(call);
	return rc;
}

int rpc_server_stream(struct vbrctl *cli, const struct rpc_method *method,
		      const ProtobufCMessage *request, rpc_stream_fn on_message, void *arg,
		      volatile sig_atomic_t *stop)
{
	int rc = conn_open(cli);
	if (rc != EXIT_OK)
		return rc;
	grpc_call *call = start_call(cli, method, cli->timeout_ms);
	grpc_byte_buffer *send = pack(request);
	grpc_byte_buffer *recv = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	int tag_start, tag_status, tag_message;
	int outstanding = 0;
	size_t received = 0;
	bool cancelled = false, status_done = false, decode_failed = false, connected = false;

	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
	if (grpc_call_start_batch(call, ops, 4, &tag_start, NULL) == GRPC_CALL_OK)
		outstanding++;

	grpc_op status_op;
	memset(&status_op, 0, sizeof(status_op));
	status_op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	status_op.data.recv_status_on_client.status = &status;
	status_op.data.recv_status_on_client.status_details = &details;
	status_op.data.recv_status_on_client.trailing_metadata = &trailing_md;
	if (grpc_call_start_batch(call, &status_op, 1, &tag_status, NULL) == GRPC_CALL_OK)
		outstanding++;
	else
		status_done = true;

	grpc_op msg_op;
	memset(&msg_op, 0, sizeof(msg_op));
	msg_op.op = GRPC_OP_RECV_MESSAGE;
	msg_op.data.recv_message.recv_message = &recv;
	bool message_pending =
	    grpc_call_start_batch(call, &msg_op, 1, &tag_message, NULL) == GRPC_CALL_OK;
	if (message_pending)
		outstanding++;

	while (outstanding > 0) {
		if (*stop && !cancelled) {
			grpc_call_cancel(call, NULL);
			cancelled = true;
		}
		/* Wake up now and then to notice Ctrl-C: the signal handler only sets *stop. */
		grpc_event ev = grpc_completion_queue_next(cli->conn->cq, deadline_in(100), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			continue;
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		outstanding--;
		if (ev.tag == &tag_status) {
			status_done = true;
		} else if (ev.tag == &tag_start) {
			/* The batch with RECV_INITIAL_METADATA succeeds only if we reached a
			 * server. */
			connected = ev.success != 0;
		} else if (ev.tag == &tag_message) {
			message_pending = false;
			if (!recv)
				continue; /* end of stream; the status follows */
			ProtobufCMessage *msg = unpack(method->response, recv);
			grpc_byte_buffer_destroy(recv);
			recv = NULL;
			if (!msg) {
				decode_failed = true;
				if (!cancelled) {
					grpc_call_cancel(call, NULL);
					cancelled = true;
				}
				continue;
			}
			received++;
			if (!*stop)
				on_message(arg, msg);
			protobuf_c_message_free_unpacked(msg, NULL);
			if (!*stop && !cancelled &&
			    grpc_call_start_batch(call, &msg_op, 1, &tag_message, NULL) ==
				GRPC_CALL_OK) {
				message_pending = true;
				outstanding++;
			}
		}
	}
	(void)message_pending;

	if (decode_failed) {
		fprintf(stderr,
			"vbrctl: INTERNAL: a streamed message from %s could not be decoded\n",
			method->path);
		rc = EXIT_SERVER;
	} else if (*stop) {
		rc = EXIT_OK; /* the user ended it */
	} else if (!status_done) {
		fprintf(stderr, "vbrctl: INTERNAL: the stream ended without a status\n");
		rc = EXIT_SERVER;
	} else if (!connected && received == 0 && status == GRPC_STATUS_UNAVAILABLE) {
		rc = report(cli, "", status, details);
	} else {
		/* The server, the connection or the deadline ended a stream that only ends on
		 * request: say which, with the status. */
		char *text = one_line(grpc_slice_to_c_string(details));
		fprintf(stderr, "vbrctl: stream ended by %s: %s: %s\n",
			status == GRPC_STATUS_DEADLINE_EXCEEDED ? "the --timeout deadline"
								: "the server",
			rpc_code_name(status), *text ? text : "(no message)");
		gpr_free(text);
		rc = EXIT_SERVER;
	}
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_call_unref(call);
	return rc;
}

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *desc,
					     const char *name, ProtobufCType type)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(desc, name);
	return f && f->type == type ? f : NULL;
}

int rpc_list_all(struct vbrctl *cli, const struct rpc_method *method, ProtobufCMessage *request,
		 const char *items_field, struct rpc_listing *out)
{
	memset(out, 0, sizeof(*out));
	const ProtobufCFieldDescriptor *token_f =
	    field(request->descriptor, "page_token", PROTOBUF_C_TYPE_STRING);
	const ProtobufCFieldDescriptor *next_f =
	    field(method->response, "next_page_token", PROTOBUF_C_TYPE_STRING);
	const ProtobufCFieldDescriptor *items_f =
	    field(method->response, items_field, PROTOBUF_C_TYPE_MESSAGE);
	if (!token_f || !next_f || !items_f || items_f->label != PROTOBUF_C_LABEL_REPEATED) {
		fprintf(stderr, "vbrctl: INTERNAL: %s is not a paged list\n", method->path);
		return EXIT_SERVER;
	}
	/* Big pages by default (the server caps them): fewer round trips for a full RIB. */
	const ProtobufCFieldDescriptor *size_f =
	    field(request->descriptor, "page_size", PROTOBUF_C_TYPE_UINT32);
	if (size_f && *(uint32_t *)((char *)request + size_f->offset) == 0)
		*(uint32_t *)((char *)request + size_f->offset) = cli->page_size;
	char **token = (char **)((char *)request + token_f->offset);
	char *original_token = *token;
	const char *previous = NULL;
	int rc = EXIT_OK;
	for (size_t page = 0;; page++) {
		if (page == MAX_LIST_PAGES) {
			fprintf(stderr, "vbrctl: INTERNAL: %s: more than %d pages\n", method->path,
				MAX_LIST_PAGES);
			rc = EXIT_SERVER;
			break;
		}
		ProtobufCMessage *resp;
		rc = rpc_unary(cli, method, request, &resp);
		if (rc != EXIT_OK)
			break;
		ProtobufCMessage **pages = realloc(out->pages, (out->n_pages + 1) * sizeof(*pages));
		if (!pages) {
			protobuf_c_message_free_unpacked(resp, NULL);
			rc = EXIT_SERVER;
			break;
		}
		out->pages = pages;
		out->pages[out->n_pages++] = resp;
		size_t n = *(size_t *)((char *)resp + items_f->quantifier_offset);
		ProtobufCMessage **items = *(ProtobufCMessage ***)((char *)resp + items_f->offset);
		if (n > 0) {
			ProtobufCMessage **all =
			    realloc(out->items, (out->n_items + n) * sizeof(*all));
			if (!all) {
				rc = EXIT_SERVER;
				break;
			}
			memcpy(all + out->n_items, items, n * sizeof(*all));
			out->items = all;
			out->n_items += n;
		}
		char *next = *(char **)((char *)resp + next_f->offset);
		if (!next || !*next)
			break;
		if (previous && strcmp(previous, next) == 0) {
			fprintf(stderr, "vbrctl: INTERNAL: %s returned the same page token twice\n",
				method->path);
			rc = EXIT_SERVER;
			break;
		}
		previous = next;
		*token = next;
	}
	*token = original_token;
	if (rc != EXIT_OK)
		rpc_listing_free(out);
	return rc;
}

void rpc_listing_free(struct rpc_listing *listing)
{
	for (size_t i = 0; i < listing->n_pages; i++)
		protobuf_c_message_free_unpacked(listing->pages[i], NULL);
	free(listing->pages);
	free(listing->items);
	memset(listing, 0, sizeof(*listing));
}
