/* opts.h: the command-line option parser. Options may appear anywhere after the command
 * words (`--name value`, `--name=value`, `-o json`, `-ojson`; `--` ends options). A command's
 * own options are matched before the global ones, so `group create --key` is the MD5 key
 * while `--key` before the command is the TLS key. */
#ifndef VBRCTL_OPTS_H
#define VBRCTL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum opt_kind {
	OPT_FLAG,  /* --soft */
	OPT_VALUE, /* --peer-asn N (the last one given wins) */
	OPT_LIST,  /* --peer ID, repeatable */
};

struct opt_spec {
	const char *name; /* long name without "--"; NULL ends a table */
	char short_name;  /* 0: none */
	enum opt_kind kind;
	const char *metavar; /* "N", "CIDR"; for help */
	const char *help;
	bool required;
	/* What the value names, for shell completion: "group", "peer", "network", "file", or
	 * a list of literal words separated by '|'. NULL: nothing to offer. */
	const char *complete;
};

struct opt_value {
	bool set;
	const char *value; /* OPT_VALUE: the last one given */
	const char **list; /* OPT_LIST: every value in order */
	size_t n_list;
};

#define OPT_MAX_SETS 2

/* The result of parsing one command line: values for each spec table, positional arguments. */
struct opt_result {
	const struct opt_spec *specs[OPT_MAX_SETS];
	struct opt_value *values[OPT_MAX_SETS];
	size_t n_sets;
	const char **args;
	size_t n_args;
};

/* Parses argv[0..argc) against the spec tables (earlier tables win a name clash). On a bad
 * option prints one line naming it and returns -1. `where` names the command for that line. */
int opts_parse(int argc, char **argv, const struct opt_spec *const *specs, size_t n_sets,
	       const char *where, struct opt_result *out);
void opts_free(struct opt_result *r);

/* Looks an option up by long name in every table. */
const struct opt_value *opts_get(const struct opt_result *r, const char *name);
bool opts_flag(const struct opt_result *r, const char *name);
const char *opts_str(const struct opt_result *r, const char *name); /* NULL when not given */

/* Parses an unsigned decimal value of a given option into [0, max]. Returns 1 when given and
 * valid, 0 when not given, -1 (after printing a usage line) when malformed. */
int opts_uint(const struct opt_result *r, const char *name, uint64_t max, uint64_t *out);

/* Parses an unsigned decimal string into [0, max]; false when malformed or out of range. */
bool parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Parses a duration: "1500ms", "5s", "2m", "1h" or plain seconds ("2.5"). */
bool parse_duration_ms(const char *s, int64_t *out_ms);

/* Number of spec entries in a table. */
size_t opts_count(const struct opt_spec *specs);

#endif
