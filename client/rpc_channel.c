/* rpc_channel.c: the one channel of a run: plaintext or TLS credentials from --ca, --cert and
 * --key (grpc_ssl_credentials_create), opened on the first call, closed at exit. */
#include "rpc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

/* gRPC's own log lines would break the one-line error contract; show them only on request. */
static void print_log(gpr_log_func_args *args)
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

int rpc__conn_open(struct vbrctl *cli)
{
	if (cli->conn)
		return EXIT_OK;
	gpr_set_log_function(getenv("VBRCTL_DEBUG") ? print_log : drop_log);
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
