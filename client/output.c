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

void output_json_list_begin(struct json_list *l, const char *key)
{
	l->n = 0;
	struct json_object *k = json_object_new_string(key);
	printf("{\n  %s: [", json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
	json_object_put(k);
}

void output_json_list_item(struct json_list *l, const ProtobufCMessage *item)
{
	struct json_object *obj = pbjson_message(item);
	fputs(l->n++ ? ",\n    " : "\n    ", stdout);
	pbjson_print_nested(stdout, obj, 2);
	json_object_put(obj);
}

void output_json_list_end(struct json_list *l)
{
	fputs(l->n ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

void output_json_list(const char *key, const struct rpc_listing *listing)
{
	struct json_list l;
	output_json_list_begin(&l, key);
	for (size_t i = 0; i < listing->n_items; i++)
		output_json_list_item(&l, listing->items[i]);
	output_json_list_end(&l);
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

void output_table_flush(struct vbrctl *cli, struct table *t)
{
	table_flush(t, stdout, cli->color);
}

void output_table(struct vbrctl *cli, struct table *t)
{
	table_print(t, stdout, cli->color);
	table_free(t);
}
