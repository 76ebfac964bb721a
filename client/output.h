/* output.h: the pieces every command uses to print its result in the chosen format:
 * JSON documents (one per command), detail views ("Label:  value" lines) and tables. */
#ifndef VBRCTL_OUTPUT_H
#define VBRCTL_OUTPUT_H

#include <protobuf-c/protobuf-c.h>

#include "cli.h"
#include "rpc.h"
#include "table.h"

/* Prints a message as one JSON document. */
void output_json_message(const ProtobufCMessage *msg);
/* Prints {"<key>": [items...]}: a List response after every page was fetched. */
void output_json_list(const char *key, const struct rpc_listing *listing);
/* The same document written item by item as pages arrive (memory: one item). */
struct json_list {
	size_t n;
};
void output_json_list_begin(struct json_list *l, const char *key);
void output_json_list_item(struct json_list *l, const ProtobufCMessage *item);
void output_json_list_end(struct json_list *l);

/* Prints {} (the JSON of google.protobuf.Empty). */
void output_json_empty(void);

/* A detail view: two columns, the label ending in ':'. */
void detail_row(struct table *t, const char *label, const char *value);
void detail_row_color(struct table *t, const char *label, const char *color, const char *value);
void detail_rowf(struct table *t, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints and frees a table (colored per the run's settings). */
void output_table(struct vbrctl *cli, struct table *t);
/* Prints the rows so far and keeps the table for more (see table_flush). */
void output_table_flush(struct vbrctl *cli, struct table *t);

#endif
