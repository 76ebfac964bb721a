/* pbjson.h: protobuf-c messages to JSON following the proto3 JSON mapping, driven by the
 * message descriptors so every field of the API appears without a hand-written list:
 * lowerCamelCase names, enums by name, 64-bit integers as strings, Timestamp as RFC 3339
 * ("2026-11-26T13:40:06.120Z"), FieldMask as "a,b", bytes as base64. Fields with default
 * values are included (as protobuf's "including default value fields"), so a script always
 * finds every key; unset message fields and unset oneof members are left out. */
#ifndef VBRCTL_PBJSON_H
#define VBRCTL_PBJSON_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for the message (caller puts it). */
struct json_object *pbjson_message(const ProtobufCMessage *msg);

/* Formats a Timestamp the way the proto3 JSON mapping does (0, 3, 6 or 9 fraction digits). */
void pbjson_timestamp(int64_t seconds, int32_t nanos, char *out, size_t out_size);

/* The proto3 JSON name of a field: lowerCamelCase of the .proto name. */
void pbjson_field_name(const char *proto_name, char *out, size_t out_size);

/* Writes one JSON document: pretty (a command's result) or on one line (a watch event). */
void pbjson_print(FILE *out, struct json_object *doc, bool one_line);
/* Writes a value pretty-printed as if nested `depth` levels deep (no newline after it). */
void pbjson_print_nested(FILE *out, struct json_object *value, int depth);

#endif
