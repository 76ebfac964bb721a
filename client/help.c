/* help.c: `--help` at every level and `vbrctl help [COMMAND]`, built from the command
 * tables so help never disagrees with what the parser accepts. */
#include <stdio.h>
#include <string.h>

#include "registry.h"

static void print_options(FILE *out, const struct opt_spec *specs)
{
	for (const struct opt_spec *o = specs; o && o->name; o++) {
		char left[64];
		int n = snprintf(left, sizeof(left), "  %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
				 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
				 o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		if (n < 0)
			continue;
		if ((size_t)n >= 24)
			fprintf(out, "%s\n%24s%s%s\n", left, "", o->help,
				o->required ? " (required)" : "");
		else
			fprintf(out, "%-24s%s%s\n", left, o->help,
				o->required ? " (required)" : "");
	}
}

static void command_name(const struct command *c, char *out, size_t size)
{
	if (c->verb)
		snprintf(out, size, "%s %s", c->group, c->verb);
	else
		snprintf(out, size, "%s", c->group);
}

void help_top(FILE *out)
{
	fprintf(out,
		"vbrctl: manage vbrd, a virtual border router (BGP-4 speaker), over its gRPC API.\n"
		"\n"
		"Usage: vbrctl [global options] COMMAND [arguments] [options]\n"
		"\n"
		"Commands:\n");
	for (size_t t = 0; command_tables[t]; t++)
		for (const struct command *c = command_tables[t]; c->group; c++) {
			char name[64];
			command_name(c, name, sizeof(name));
			fprintf(out, "  %-17s %s\n", name, c->summary);
		}
	fprintf(out, "  %-17s %s\n", "help [COMMAND]", "show help for a command, with examples");
	fprintf(out, "\nGlobal options (anywhere on the line):\n");
	print_options(out, global_opts);
	fprintf(
	    out,
	    "\n"
	    "GROUP is a BGP group's id (bgpg-...) or name; PEER is a BGP peer's id (bgpp-...)\n"
	    "or IP address.\n"
	    "\n"
	    "Exit status: 0 ok, 1 usage error, 2 error from the server (its gRPC status code and\n"
	    "message are printed on stderr), 3 cannot connect to the server.\n"
	    "\n"
	    "Environment: VBRCTL_SERVER, VBRCTL_CA, VBRCTL_CERT, VBRCTL_KEY, NO_COLOR,\n"
	    "VBRCTL_DEBUG (show gRPC's own log lines).\n"
	    "\n"
	    "The seed workflow:\n"
	    "  vbrctl group create dc1 --peer-asn 65001 --key 's3cret'\n"
	    "  vbrctl peer add dc1 192.0.2.1\n"
	    "  vbrctl network add 203.0.113.0/24\n"
	    "  vbrctl peer list\n"
	    "  vbrctl watch --initial\n"
	    "\n"
	    "Run `vbrctl help COMMAND` (or `vbrctl COMMAND --help`) for a command's options.\n");
}

void help_group(FILE *out, const char *group)
{
	fprintf(out, "Usage: vbrctl %s COMMAND [arguments] [options]\n\nCommands:\n", group);
	for (size_t t = 0; command_tables[t]; t++)
		for (const struct command *c = command_tables[t]; c->group; c++) {
			if (strcmp(c->group, group) != 0)
				continue;
			char name[64];
			command_name(c, name, sizeof(name));
			fprintf(out, "  %s %s\n      %s\n", name, c->synopsis, c->summary);
		}
	fprintf(out, "\nRun `vbrctl %s COMMAND --help` for its options and examples.\n", group);
}

void help_command(FILE *out, const struct command *cmd)
{
	char name[64];
	command_name(cmd, name, sizeof(name));
	fprintf(out, "Usage: vbrctl %s %s\n\n", name, cmd->synopsis);
	fprintf(out, "%c%s.\n\n",
		cmd->summary[0] >= 'a' && cmd->summary[0] <= 'z' ? cmd->summary[0] - 'a' + 'A'
								 : cmd->summary[0],
		cmd->summary + 1);
	if (cmd->details && *cmd->details)
		fprintf(out, "%s\n", cmd->details);
	if (cmd->opts && cmd->opts[0].name) {
		fprintf(out, "Options:\n");
		print_options(out, cmd->opts);
		fprintf(out, "\n");
	}
	fprintf(out, "Global options:\n");
	print_options(out, global_opts);
}
