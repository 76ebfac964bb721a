/* registry.h: every command vbrctl knows, the global options, and name lookup with the
 * few aliases people type anyway (ls, get, rm, groups, peers, ...). */
#ifndef VBRCTL_REGISTRY_H
#define VBRCTL_REGISTRY_H

#include <stdio.h>

#include "cli.h"

extern const struct opt_spec global_opts[];

/* The command tables in the order help lists them, NULL-terminated. */
extern const struct command *const command_tables[];

/* The canonical group name for what was typed ("groups" -> "group"), or NULL. */
const char *registry_group(const char *word);
/* True when the group's only command takes no verb ("routes", "watch"). */
bool registry_group_is_single(const char *group);
/* A command by canonical group and typed verb (aliases allowed); verb NULL for single ones. */
const struct command *registry_find(const char *group, const char *verb);

/* Help texts. */
void help_top(FILE *out);
void help_group(FILE *out, const char *group);
void help_command(FILE *out, const struct command *cmd);

/* `vbrctl __complete WORD...`: candidates for the last word, one per line (see vbrctl.bash). */
int complete_words(struct vbrctl *cli, int argc, char **argv);

#endif
