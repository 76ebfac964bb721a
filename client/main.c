/* main.c: vbrctl's entry point: finds the command in the first words, parses its options
 * and the global ones, applies the environment and defaults, runs it, returns its exit code
 * (0 ok, 1 usage, 2 server error, 3 cannot connect). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "registry.h"
#include "rpc.h"

#define DEFAULT_SERVER "127.0.0.1:50051"

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vbrctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_USAGE;
}

/* Global options from the words before the command, then from after it: later ones win. */
static int apply_globals(struct vbrctl *cli, const struct opt_result *r)
{
	const char *s;
	if ((s = opts_str(r, "server")))
		cli->server = s;
	if ((s = opts_str(r, "timeout")) && !parse_duration_ms(s, &cli->timeout_ms))
		return usage_error(
		    "--timeout: expected a duration such as 500ms, 5s or 1m, got \"%s\"", s);
	if ((s = opts_str(r, "page-size"))) {
		uint64_t n;
		if (!parse_uint(s, UINT32_MAX, &n) || n == 0)
			return usage_error(
			    "--page-size: expected a whole number from 1, got \"%s\"", s);
		cli->page_size = (uint32_t)n;
	}
	if ((s = opts_str(r, "output"))) {
		if (strcmp(s, "table") == 0)
			cli->output = OUTPUT_TABLE;
		else if (strcmp(s, "wide") == 0)
			cli->output = OUTPUT_WIDE;
		else if (strcmp(s, "json") == 0)
			cli->output = OUTPUT_JSON;
		else
			return usage_error("--output: expected table, wide or json, got \"%s\"", s);
	}
	if ((s = opts_str(r, "color"))) {
		if (strcmp(s, "always") == 0)
			cli->color = true;
		else if (strcmp(s, "never") == 0)
			cli->color = false;
		else if (strcmp(s, "auto") != 0)
			return usage_error("--color: expected auto, always or never, got \"%s\"",
					   s);
	}
	if (opts_flag(r, "tls"))
		cli->tls = true;
	if ((s = opts_str(r, "ca")) || (s = opts_str(r, "tls-ca")))
		cli->tls_ca = s;
	if ((s = opts_str(r, "cert")) || (s = opts_str(r, "tls-cert")))
		cli->tls_cert = s;
	if ((s = opts_str(r, "key")) || (s = opts_str(r, "tls-key")))
		cli->tls_key = s;
	if ((s = opts_str(r, "tls-server-name")))
		cli->tls_server_name = s;
	return EXIT_OK;
}

static void defaults(struct vbrctl *cli)
{
	memset(cli, 0, sizeof(*cli));
	const char *env = getenv("VBRCTL_SERVER");
	cli->server = env && *env ? env : DEFAULT_SERVER;
	cli->timeout_ms = -1;
	cli->page_size = 1000;
	cli->output = OUTPUT_TABLE;
	const char *term = getenv("TERM");
	cli->color =
	    isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
	if ((env = getenv("VBRCTL_CA")) && *env)
		cli->tls_ca = env;
	if ((env = getenv("VBRCTL_CERT")) && *env)
		cli->tls_cert = env;
	if ((env = getenv("VBRCTL_KEY")) && *env)
		cli->tls_key = env;
}

/* Index of the first word after the leading global options, or -1 (message printed). */
static int skip_leading_options(int argc, char **argv, int i)
{
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *w = argv[i];
		if (strcmp(w, "--") == 0)
			return i + 1;
		const struct opt_spec *o = NULL;
		for (const struct opt_spec *g = global_opts; g->name && !o; g++) {
			size_t len = strcspn(w + 2, "=");
			if (w[1] == '-'
				? strlen(g->name) == len && strncmp(g->name, w + 2, len) == 0
				: g->short_name == w[1])
				o = g;
		}
		if (!o) {
			usage_error("unknown option %s (see vbrctl --help)", w);
			return -1;
		}
		bool inline_value = w[1] == '-' ? strchr(w, '=') != NULL : w[2] != '\0';
		i += (o->kind != OPT_FLAG && !inline_value) ? 2 : 1;
	}
	return i > argc ? argc : i;
}

static int help_command_words(int argc, char **argv)
{
	if (argc == 0) {
		help_top(stdout);
		return EXIT_OK;
	}
	const char *group = registry_group(argv[0]);
	if (!group)
		return usage_error("no command \"%s\" (see vbrctl help)", argv[0]);
	if (registry_group_is_single(group) || argc == 1) {
		if (registry_group_is_single(group))
			help_command(stdout, registry_find(group, NULL));
		else
			help_group(stdout, group);
		return EXIT_OK;
	}
	const struct command *cmd = registry_find(group, argv[1]);
	if (!cmd)
		return usage_error("no command \"%s %s\" (see vbrctl help %s)", group, argv[1],
				   group);
	help_command(stdout, cmd);
	return EXIT_OK;
}

/* The command `group` names (its verb at argv[*next] unless the group is a single command):
 * -1 with *cmd and *next (its first argument) set, or the exit code (help shown, or not found). */
static int find_command(int argc, char **argv, const char *group, bool want_help,
			const struct command **cmd, int *next)
{
	if (registry_group_is_single(group)) {
		*cmd = registry_find(group, NULL);
	} else {
		const char *verb = *next < argc ? argv[*next] : NULL;
		if (want_help && verb && registry_find(group, verb)) {
			help_command(stdout,
				     registry_find(group, verb)); /* vbrctl --help group create */
			return EXIT_OK;
		}
		if (want_help || !verb || verb[0] == '-') {
			bool asked =
			    want_help ||
			    (verb && (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0));
			help_group(asked ? stdout : stderr, group);
			return asked ? EXIT_OK : EXIT_USAGE;
		}
		*cmd = registry_find(group, verb);
		if (!*cmd)
			return usage_error("no command \"%s %s\" (see vbrctl %s --help)", group,
					   verb, group);
		(*next)++;
	}
	return -1;
}

/* Parses cmd's options and arguments (argv from next on) and runs it. */
static int run_command(struct vbrctl *cli, const struct command *cmd, int argc, char **argv,
		       int next)
{
	char where[64];
	snprintf(where, sizeof(where), "%s%s%s", cmd->group, cmd->verb ? " " : "",
		 cmd->verb ? cmd->verb : "");
	const struct opt_spec *const sets[] = {cmd->opts, global_opts};
	struct opt_result args;
	if (opts_parse(argc - next, argv + next, sets, 2, where, &args) != 0)
		return EXIT_USAGE;
	if (opts_flag(&args, "help")) {
		help_command(stdout, cmd);
		opts_free(&args);
		return EXIT_OK;
	}
	/* The global set is the second one: apply just its values. */
	struct opt_result globals = args;
	globals.specs[0] = global_opts;
	globals.values[0] = args.values[1];
	globals.n_sets = 1;
	int rc = apply_globals(cli, &globals);
	if (rc == EXIT_OK && ((int)args.n_args < cmd->min_args || (int)args.n_args > cmd->max_args))
		rc = usage_error("%s takes %s%s (see vbrctl %s --help)", where,
				 cmd->max_args == 0 ? "no arguments" : "arguments: ",
				 cmd->max_args == 0 ? "" : cmd->synopsis, where);
	for (const struct opt_spec *o = cmd->opts; rc == EXIT_OK && o && o->name; o++)
		if (o->required && !opts_flag(&args, o->name))
			rc = usage_error("%s needs --%s %s", where, o->name,
					 o->metavar ? o->metavar : "");
	if (rc == EXIT_OK && opts_flag(&args, "version"))
		printf("vbrctl %s\n", VBR_VERSION);
	else if (rc == EXIT_OK)
		rc = cmd->run(cli, &args);
	opts_free(&args);
	return rc;
}

static int run(struct vbrctl *cli, int argc, char **argv)
{
	const struct opt_spec *const globals_only[] = {global_opts};
	int first = skip_leading_options(argc, argv, 1);
	if (first < 0)
		return EXIT_USAGE;
	struct opt_result leading;
	if (opts_parse(first - 1, argv + 1, globals_only, 1, "vbrctl", &leading) != 0)
		return EXIT_USAGE;
	int rc = apply_globals(cli, &leading);
	bool want_help = opts_flag(&leading, "help"), want_version = opts_flag(&leading, "version");
	opts_free(&leading);
	if (rc != EXIT_OK)
		return rc;
	if (want_version) {
		printf("vbrctl %s\n", VBR_VERSION);
		return EXIT_OK;
	}
	if (first >= argc) {
		help_top(want_help ? stdout : stderr);
		return want_help ? EXIT_OK : EXIT_USAGE;
	}

	const char *word = argv[first];
	if (strcmp(word, "help") == 0)
		return help_command_words(argc - first - 1, argv + first + 1);
	if (strcmp(word, "__complete") == 0)
		return complete_words(cli, argc - first - 1, argv + first + 1);
	const char *group = registry_group(word);
	if (!group)
		return usage_error("no command \"%s\" (see vbrctl --help)", word);
	if (want_help && registry_group_is_single(group)) {
		help_command(stdout, registry_find(group, NULL));
		return EXIT_OK;
	}
	int next = first + 1;
	const struct command *cmd;
	rc = find_command(argc, argv, group, want_help, &cmd, &next);
	if (rc >= 0)
		return rc;
	return run_command(cli, cmd, argc, argv, next);
}

int main(int argc, char **argv)
{
	struct vbrctl cli;
	defaults(&cli);
	int rc = run(&cli, argc, argv);
	fflush(stdout);
	rpc_close(&cli);
	return rc;
}
