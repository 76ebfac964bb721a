/* registry.c: command tables, global options and name lookup (see registry.h). */
#include "registry.h"

#include <string.h>

const struct opt_spec global_opts[] = {
    {"server", 's', OPT_VALUE, "ADDR",
     "vbrd's API: HOST:PORT or unix:/PATH (default $VBRCTL_SERVER, else 127.0.0.1:50051)", false,
     NULL},
    {"timeout", 't', OPT_VALUE, "DURATION",
     "deadline of each call: 500ms, 5s, 1m (default 10s; watch: none)", false, NULL},
    {"output", 'o', OPT_VALUE, "FORMAT",
     "table (default), wide (every column) or json (the proto3 JSON\n                        "
     "mapping of the API, fields with default values included)",
     false, "table|wide|json"},
    {"page-size", 0, OPT_VALUE, "N", "items per List call; lists always go to the last page (1000)",
     false, NULL},
    {"color", 0, OPT_VALUE, "WHEN", "color session states: auto (on a terminal), always, never",
     false, "auto|always|never"},
    {"tls", 0, OPT_FLAG, NULL, "use TLS, trusting the system's CAs (implied by --ca/--cert)", false,
     NULL},
    {"ca", 0, OPT_VALUE, "FILE", "TLS: CA certificate (PEM) to verify vbrd with ($VBRCTL_CA)",
     false, "file"},
    {"cert", 0, OPT_VALUE, "FILE", "mutual TLS: client certificate (PEM) ($VBRCTL_CERT)", false,
     "file"},
    {"key", 0, OPT_VALUE, "FILE",
     "mutual TLS: client private key (PEM) ($VBRCTL_KEY); after `group create|update`\n"
     "                        --key is the MD5 password, so use --tls-key there",
     false, "file"},
    {"tls-ca", 0, OPT_VALUE, "FILE", "same as --ca", false, "file"},
    {"tls-cert", 0, OPT_VALUE, "FILE", "same as --cert", false, "file"},
    {"tls-key", 0, OPT_VALUE, "FILE", "same as --key (TLS)", false, "file"},
    {"tls-server-name", 0, OPT_VALUE, "NAME", "TLS: the name to expect in vbrd's certificate",
     false, NULL},
    {"help", 'h', OPT_FLAG, NULL, "show help for the command", false, NULL},
    {"version", 0, OPT_FLAG, NULL, "print vbrctl's version", false, NULL},
    {0},
};

const struct command *const command_tables[] = {
    group_commands, peer_commands, network_commands, route_commands, route_entry_commands,
    router_commands,
    watch_commands, NULL,
};

static const struct {
	const char *typed, *canonical;
} group_aliases[] = {
    {"groups", "group"}, {"peers", "peer"},   {"networks", "network"},
    {"net", "network"},	 {"route", "routes"}, {"rib", "routes"},
    {"route-entries", "route-entry"}, {"rte", "route-entry"},
};

static const struct {
	const char *typed, *canonical;
} verb_aliases[] = {
    {"ls", "list"},    {"get", "show"},	     {"rm", "delete"},
    {"del", "delete"}, {"remove", "delete"}, {"new", "create"},
    {"create", "add"}, {"add", "create"},    {"set", "update"},
};

static const struct command *table_for(const char *group)
{
	for (size_t t = 0; command_tables[t]; t++)
		if (strcmp(command_tables[t][0].group, group) == 0)
			return command_tables[t];
	return NULL;
}

const char *registry_group(const char *word)
{
	if (table_for(word))
		return table_for(word)->group;
	for (size_t i = 0; i < sizeof(group_aliases) / sizeof(group_aliases[0]); i++)
		if (strcmp(group_aliases[i].typed, word) == 0)
			return group_aliases[i].canonical;
	return NULL;
}

bool registry_group_is_single(const char *group)
{
	const struct command *t = table_for(group);
	return t && t[0].verb == NULL;
}

static const struct command *exact(const struct command *t, const char *verb)
{
	for (; t->group; t++)
		if ((t->verb == NULL && verb == NULL) ||
		    (t->verb && verb && strcmp(t->verb, verb) == 0))
			return t;
	return NULL;
}

const struct command *registry_find(const char *group, const char *verb)
{
	const struct command *t = table_for(group);
	if (!t)
		return NULL;
	const struct command *c = exact(t, verb);
	if (c || !verb)
		return c;
	for (size_t i = 0; i < sizeof(verb_aliases) / sizeof(verb_aliases[0]); i++)
		if (strcmp(verb_aliases[i].typed, verb) == 0 &&
		    (c = exact(t, verb_aliases[i].canonical)))
			return c;
	return NULL;
}
