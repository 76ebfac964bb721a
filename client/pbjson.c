/* pbjson.c: the proto3 JSON mapping over protobuf-c descriptors (see pbjson.h). */
#include "pbjson.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pbjson_field_name(const char *proto_name, char *out, size_t out_size)
{
	size_t n = 0;
	bool upper_next = false;
	for (const char *p = proto_name; *p && n + 1 < out_size; p++) {
		if (*p == '_') {
			upper_next = true;
			continue;
		}
		char c = *p;
		if (upper_next && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		upper_next = false;
		out[n++] = c;
	}
	out[n] = '\0';
}

void pbjson_timestamp(int64_t seconds, int32_t nanos, char *out, size_t out_size)
{
	time_t t = (time_t)seconds;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, out_size, "%" PRId64 "s", seconds);
		return;
	}
	char base[40];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nanos <= 0 || nanos > 999999999)
		snprintf(out, out_size, "%sZ", base);
	else if (nanos % 1000000 == 0)
		snprintf(out, out_size, "%s.%03dZ", base, nanos / 1000000);
	else if (nanos % 1000 == 0)
		snprintf(out, out_size, "%s.%06dZ", base, nanos / 1000);
	else
		snprintf(out, out_size, "%s.%09dZ", base, nanos);
}

static struct json_object *base64(const uint8_t *data, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t out_len = 4 * ((len + 2) / 3);
	char *s = malloc(out_len + 1);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		s[o++] = alphabet[(v >> 18) & 63];
		s[o++] = alphabet[(v >> 12) & 63];
		s[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	s[o] = '\0';
	struct json_object *j = json_object_new_string(s);
	free(s);
	return j;
}

static struct json_object *float_value(double d)
{
	if (isnan(d))
		return json_object_new_string("NaN");
	if (isinf(d))
		return json_object_new_string(d > 0 ? "Infinity" : "-Infinity");
	return json_object_new_double(d);
}

/* One value of a field; `p` points at the value (not the array). */
static struct json_object *value(const ProtobufCFieldDescriptor *f, const void *p)
{
	char num[32];
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_object_new_int64(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_object_new_int64(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(num, sizeof(num), "%" PRId64, *(const int64_t *)p);
		return json_object_new_string(num);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(num, sizeof(num), "%" PRIu64, *(const uint64_t *)p);
		return json_object_new_string(num);
	case PROTOBUF_C_TYPE_FLOAT:
		return float_value(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return float_value(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_object_new_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
		    protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		return ev ? json_object_new_string(ev->name) : json_object_new_int(v);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return json_object_new_string(s ? s : "");
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		return base64(b->data, b->len);
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
		return m ? pbjson_message(m) : NULL;
	}
	}
	return NULL;
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

/* Well-known types with their own JSON form. NULL: not one of them. */
static struct json_object *well_known(const ProtobufCMessage *msg)
{
	const char *name = msg->descriptor->name; /* the full name */
	if (strcmp(name, "google.protobuf.Timestamp") == 0) {
		const ProtobufCFieldDescriptor *fs =
		    protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "seconds");
		const ProtobufCFieldDescriptor *fn =
		    protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "nanos");
		char text[64];
		pbjson_timestamp(*(const int64_t *)((const char *)msg + fs->offset),
				 *(const int32_t *)((const char *)msg + fn->offset), text,
				 sizeof(text));
		return json_object_new_string(text);
	}
	if (strcmp(name, "google.protobuf.FieldMask") == 0) {
		const ProtobufCFieldDescriptor *fp =
		    protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "paths");
		size_t n = *(const size_t *)((const char *)msg + fp->quantifier_offset);
		char *const *paths = *(char **const *)((const char *)msg + fp->offset);
		struct printbuf *pb = printbuf_new();
		for (size_t i = 0; i < n; i++) {
			char camel[256];
			pbjson_field_name(paths[i], camel, sizeof(camel));
			if (i)
				printbuf_memappend(pb, ",", 1);
			printbuf_memappend(pb, camel, (int)strlen(camel));
		}
		struct json_object *j = json_object_new_string_len(pb->buf, pb->bpos);
		printbuf_free(pb);
		return j;
	}
	return NULL;
}

struct json_object *pbjson_message(const ProtobufCMessage *msg)
{
	struct json_object *special = well_known(msg);
	if (special)
		return special;
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	const char *base = (const char *)msg;
	struct json_object *obj = json_object_new_object();
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		char key[256];
		pbjson_field_name(f->name, key, sizeof(key));
		struct json_object *v = NULL;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(const char *const *)(base + f->offset);
			v = json_object_new_array_ext((int)n);
			for (size_t k = 0; k < n; k++) {
				struct json_object *item = value(f, arr + k * type_size(f->type));
				json_object_array_add(v, item ? item : json_object_new_null());
			}
		} else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
			if (which == f->id)
				v = value(f, base + f->offset);
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
			   f->type != PROTOBUF_C_TYPE_MESSAGE &&
			   f->type != PROTOBUF_C_TYPE_STRING && f->quantifier_offset) {
			if (*(const protobuf_c_boolean *)(base + f->quantifier_offset))
				v = value(f, base + f->offset);
		} else {
			v = value(f, base + f->offset);
		}
		if (v)
			json_object_object_add(obj, key, v);
	}
	return obj;
}

/* Pretty printing uses json-c's own serializer (all escaping is json-c's) and only fixes the
 * layout afterwards: json-c writes an empty array as "[\n  ]", and a nested value needs its
 * lines indented. A raw newline in json-c's output is always layout, never string content
 * (strings escape it as \n), so this pass cannot change a value. */
static void print_pretty(FILE *out, struct json_object *v, int depth)
{
	const char *s = json_object_to_json_string_ext(
	    v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	static const char spaces[] = "                                                  ";
	const char *p = s;
	for (;;) {
		const char *nl = strchr(p, '\n');
		if (!nl) {
			fputs(p, out);
			return;
		}
		fwrite(p, 1, (size_t)(nl - p), out);
		const char *q = nl + 1;
		while (*q == ' ')
			q++;
		char last = nl > s ? nl[-1] : 0;
		if ((last == '[' && *q == ']') || (last == '{' && *q == '}')) {
			p = q; /* an empty array or object stays on one line */
			continue;
		}
		fputc('\n', out);
		for (int left = 2 * depth; left > 0; left -= (int)sizeof(spaces) - 1)
			fwrite(spaces, 1,
			       left < (int)sizeof(spaces) - 1 ? (size_t)left : sizeof(spaces) - 1,
			       out);
		p = nl + 1;
	}
}

void pbjson_print_nested(FILE *out, struct json_object *value, int depth)
{
	print_pretty(out, value, depth);
}

void pbjson_print(FILE *out, struct json_object *doc, bool one_line)
{
	if (one_line)
		fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE),
		      out);
	else
		print_pretty(out, doc, 0);
	fputc('\n', out);
}
