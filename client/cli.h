/* cli.h: what every vbrctl module shares: the run context (server, TLS, output format),
 * the exit codes, and the command descriptor each command group registers.
 * Commands return an exit code; a failing module prints one line on stderr and returns it. */
#ifndef VBRCTL_CLI_H
#define VBRCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opts.h"

/* Exit codes are part of the interface: scripts test them. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,	  /* bad command line, ambiguous name */
	EXIT_SERVER = 2,  /* the server answered with an error, or ended a stream */
	EXIT_CONNECT = 3, /* no server at the address (UNAVAILABLE) */
};

enum output_format { OUTPUT_TABLE, OUTPUT_WIDE, OUTPUT_JSON };

struct rpc_conn; /* rpc.c: channel and completion queue, created on first use */

struct vbrctl {
	const char *server; /* "127.0.0.1:50051", "unix:/run/vbrd.sock", "dns:host:port" */
	int64_t timeout_ms; /* per call; -1: the default (10 s for unary calls, none for watch) */
	bool tls;	    /* use TLS even without --ca (system roots) */
	const char *tls_ca; /* PEM file paths */
	const char *tls_cert;
	const char *tls_key;
	const char *tls_server_name; /* override the name checked in the server's certificate */
	uint32_t page_size;	     /* items asked for per List call (the server caps it) */
	enum output_format output;
	bool color; /* color session states (only when stdout is a terminal, by default) */
	struct rpc_conn *conn;
};

struct command {
	const char *group; /* "group", "peer", ...; a single-word command has verb NULL */
	const char *verb;
	const char *synopsis; /* positional arguments and required options, for the usage line */
	const char *summary;  /* one line for listings */
	const char *details;  /* paragraphs and examples for `--help` */
	const struct opt_spec *opts; /* command-local options, terminated by a zeroed entry */
	int min_args, max_args;	     /* positional argument count */
	/* What each positional argument names, for shell completion: "group", "peer", "network",
	 * or NULL; max_args entries (or NULL for none). */
	const char *const *arg_kinds;
	int (*run)(struct vbrctl *cli, const struct opt_result *args);
};

/* Command tables, one per file, each terminated by a zeroed entry. */
extern const struct command group_commands[];
extern const struct command peer_commands[];
extern const struct command network_commands[];
extern const struct command route_commands[];
extern const struct command route_entry_commands[];

/* cmd_route_entry.c: the route table (every page), all sources or one (a vbr.v1.RouteSource
 * value; 0 = all). `routes` without a peer shows it too. */
int route_table_list(struct vbrctl *cli, int source);
extern const struct command router_commands[];
extern const struct command watch_commands[];

/* Prints "vbrctl: <message>" on stderr and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
