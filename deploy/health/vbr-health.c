/*
 * vbr-health: a gRPC health probe (grpc.health.v1.Health/Check) for container HEALTHCHECKs and
 * Kubernetes exec probes. One call, bounded by --timeout; exit 0 when the server answers
 * SERVING, 1 for anything else (NOT_SERVING, an error status, no connection), 2 for a usage
 * error. Prints the outcome on one line. Plain text or TLS, with a client certificate for mTLS.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "grpc/health/v1/health.pb-c.h"

#define PEM_MAX (1 << 20)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vbr-health [--server ADDR] [--service NAME] [--timeout SECONDS]\n"
		"                  [--ca FILE [--cert FILE --key FILE] [--tls-server-name NAME]]\n"
		"Asks ADDR (default $VBRCTL_SERVER or 127.0.0.1:50051; unix:/path works) for\n"
		"grpc.health.v1.Health/Check. Exit 0 when SERVING, 1 otherwise, 2 on usage errors.\n"
		"--ca enables TLS (server verified against that CA); --cert/--key add a client\n"
		"certificate for mutual TLS; --tls-server-name overrides the name checked in the\n"
		"server's certificate (e.g. when probing 127.0.0.1).\n");
}

/* Reads a whole PEM file into a NUL-terminated buffer, or NULL with a message. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vbr-health: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n > PEM_MAX) {
		fprintf(stderr, "vbr-health: %s: empty, unreadable or over 1 MiB\n", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static const char *status_name(int status)
{
	switch (status) {
	case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING:
		return "SERVING";
	case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING:
		return "NOT_SERVING";
	case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN:
		return "SERVICE_UNKNOWN";
	default:
		return "UNKNOWN";
	}
}

struct probe {
	const char *server, *service, *ca, *cert, *key, *server_name;
	double timeout_s;
};

/* Returns the process exit code. */
static int check(const struct probe *p)
{
	grpc_channel_credentials *creds;
	char *ca_pem = NULL, *cert_pem = NULL, *key_pem = NULL;
	if (p->ca) {
		if (!(ca_pem = read_pem(p->ca)))
			return 2;
		grpc_ssl_pem_key_cert_pair pair = {0};
		if (p->cert) {
			if (!(cert_pem = read_pem(p->cert)) || !(key_pem = read_pem(p->key))) {
				free(ca_pem);
				free(cert_pem);
				return 2;
			}
			pair.cert_chain = cert_pem;
			pair.private_key = key_pem;
		}
		creds = grpc_ssl_credentials_create(ca_pem, p->cert ? &pair : NULL, NULL, NULL);
	} else {
		creds = grpc_insecure_credentials_create();
	}
	grpc_arg arg = {.type = GRPC_ARG_STRING,
			.key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
			.value.string = (char *)p->server_name};
	grpc_channel_args args = {.num_args = p->server_name ? 1 : 0, .args = &arg};
	grpc_channel *channel = grpc_channel_create(p->server, creds, &args);
	grpc_channel_credentials_release(creds);

	grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
	gpr_timespec deadline = gpr_time_add(
		gpr_now(GPR_CLOCK_REALTIME),
		gpr_time_from_millis((int64_t)(p->timeout_s * 1000), GPR_TIMESPAN));
	grpc_slice method = grpc_slice_from_static_string("/grpc.health.v1.Health/Check");
	grpc_call *call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
						   method, NULL, deadline, NULL);

	Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	req.service = (char *)p->service;
	uint8_t packed[512];
	size_t packed_len = grpc__health__v1__health_check_request__get_packed_size(&req);
	if (packed_len > sizeof(packed)) {
		fprintf(stderr, "vbr-health: --service is too long\n");
		return 2;
	}
	grpc__health__v1__health_check_request__pack(&req, packed);
	grpc_slice req_slice = grpc_slice_from_copied_buffer((const char *)packed, packed_len);
	grpc_byte_buffer *send = grpc_raw_byte_buffer_create(&req_slice, 1);
	grpc_slice_unref(req_slice);

	grpc_metadata_array initial, trailing;
	grpc_metadata_array_init(&initial);
	grpc_metadata_array_init(&trailing);
	grpc_byte_buffer *recv = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing;

	int rc = 1;
	if (grpc_call_start_batch(call, ops, 6, (void *)1, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "vbr-health: cannot start the call\n");
	} else {
		/* The call's own deadline ends it; the extra second only guards against a bug. */
		grpc_event ev = grpc_completion_queue_pluck(
			cq, (void *)1, gpr_time_add(deadline, gpr_time_from_seconds(1, GPR_TIMESPAN)),
			NULL);
		if (ev.type != GRPC_OP_COMPLETE) {
			fprintf(stderr, "vbr-health: %s: no answer\n", p->server);
		} else if (status != GRPC_STATUS_OK) {
			char *msg = grpc_slice_to_c_string(details);
			printf("%s: status %d: %s\n", p->server, (int)status, msg);
			gpr_free(msg);
		} else if (recv) {
			grpc_byte_buffer_reader reader;
			grpc_byte_buffer_reader_init(&reader, recv);
			grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
			grpc_byte_buffer_reader_destroy(&reader);
			Grpc__Health__V1__HealthCheckResponse *resp =
				grpc__health__v1__health_check_response__unpack(
					NULL, GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
			grpc_slice_unref(all);
			if (!resp) {
				printf("%s: unreadable health response\n", p->server);
			} else {
				printf("%s\n", status_name(resp->status));
				if (resp->status ==
				    GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING)
					rc = 0;
				grpc__health__v1__health_check_response__free_unpacked(resp, NULL);
			}
		}
	}
	if (recv)
		grpc_byte_buffer_destroy(recv);
	grpc_byte_buffer_destroy(send);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial);
	grpc_metadata_array_destroy(&trailing);
	grpc_call_unref(call);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_channel_destroy(channel);
	free(ca_pem);
	free(cert_pem);
	free(key_pem);
	return rc;
}

int main(int argc, char **argv)
{
	struct probe p = {.server = getenv("VBRCTL_SERVER"), .service = "", .timeout_s = 3};
	if (!p.server || !*p.server)
		p.server = "127.0.0.1:50051";
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'}, {"service", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'}, {"ca", required_argument, NULL, 'a'},
		{"cert", required_argument, NULL, 'c'}, {"key", required_argument, NULL, 'k'},
		{"tls-server-name", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
		{0}};
	int o;
	while ((o = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': p.server = optarg; break;
		case 'n': p.service = optarg; break;
		case 'a': p.ca = optarg; break;
		case 'c': p.cert = optarg; break;
		case 'k': p.key = optarg; break;
		case 'o': p.server_name = optarg; break;
		case 't': {
			char *end;
			p.timeout_s = strtod(optarg, &end);
			if (*end || !(p.timeout_s > 0 && p.timeout_s <= 3600)) {
				fprintf(stderr, "vbr-health: --timeout wants seconds in (0, 3600]\n");
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (!p.cert != !p.key) || ((p.cert || p.server_name) && !p.ca)) {
		usage(stderr);
		return 2;
	}
	grpc_init();
	int rc = check(&p);
	grpc_shutdown();
	return rc;
}
