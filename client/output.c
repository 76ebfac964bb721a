/* output.c: result printing shared by the commands (see output.h). */
#include "output.h"

#include <stdarg.h>
#include <stdio.h>

#include "pbjson.h"

void output_json_message(const ProtobufCMessage *msg)
{
	struct json_object *doc = pbjson_message(msg);
	pbjson_print(stdout, doc, false);
	json_object_put(doc);
}

void output_json_list(const char *key, const struct rpc_listing *listing)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array_ext((int)listing->n_items);
	for (size_t i = 0; i < listing->n_items; i++)
		json_object_array_add(arr, pbjson_message(listing->items[i]));
	json_object_object_add(doc, key, arr);
	pbjson_print(stdout, doc, false);
	json_object_put(doc);
}

void output_json_empty(void)
{
	fputs("{}\n", stdout);
}

void detail_row_color(struct table *t, const char *label, const char *color, const char *value)
{
	char l[64];
	snprintf(l, sizeof(l), "%s:", label);
	table_row(t);
	table_cell(t, l);
	table_cell_color(t, color, value);
}

void detail_row(struct table *t, const char *label, const char *value)
{
	detail_row_color(t, label, NULL, value);
}

void detail_rowf(struct table *t, const char *label, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	detail_row(t, label, buf);
}

void output_table(struct vbrctl *cli, struct table *t)
{
	table_print(t, stdout, cli->color);
	table_free(t);
}
