/* opts.c: option parsing for vbrctl (see opts.h). Tables are small, so lookups are linear. */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

size_t opts_count(const struct opt_spec *specs)
{
	size_t n = 0;
	while (specs && specs[n].name)
		n++;
	return n;
}

static bool find_long(const struct opt_result *r, const char *name, size_t name_len, size_t *set,
		      size_t *idx)
{
	for (size_t s = 0; s < r->n_sets; s++)
		for (size_t i = 0; r->specs[s][i].name; i++)
			if (strlen(r->specs[s][i].name) == name_len &&
			    strncmp(r->specs[s][i].name, name, name_len) == 0) {
				*set = s;
				*idx = i;
				return true;
			}
	return false;
}

static bool find_short(const struct opt_result *r, char c, size_t *set, size_t *idx)
{
	for (size_t s = 0; s < r->n_sets; s++)
		for (size_t i = 0; r->specs[s][i].name; i++)
			if (r->specs[s][i].short_name == c) {
				*set = s;
				*idx = i;
				return true;
			}
	return false;
}

static int store(struct opt_result *r, size_t set, size_t idx, const char *value)
{
	const struct opt_spec *spec = &r->specs[set][idx];
	struct opt_value *v = &r->values[set][idx];
	v->set = true;
	if (spec->kind == OPT_VALUE)
		v->value = value;
	if (spec->kind == OPT_LIST) {
		const char **grown = realloc(v->list, (v->n_list + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		grown[v->n_list++] = value;
		v->list = grown;
	}
	return 0;
}

int opts_parse(int argc, char **argv, const struct opt_spec *const *specs, size_t n_sets,
	       const char *where, struct opt_result *out)
{
	memset(out, 0, sizeof(*out));
	if (n_sets > OPT_MAX_SETS)
		return -1;
	out->n_sets = n_sets;
	for (size_t s = 0; s < n_sets; s++) {
		out->specs[s] = specs[s];
		out->values[s] = calloc(opts_count(specs[s]) + 1, sizeof(struct opt_value));
		if (!out->values[s])
			goto fail_quiet;
	}
	out->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!out->args)
		goto fail_quiet;

	bool only_args = false;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		size_t set, idx;
		if (only_args || a[0] != '-' || a[1] == '\0') {
			out->args[out->n_args++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		const char *inline_value = NULL;
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			if (!find_long(out, name, len, &set, &idx)) {
				usage_error("unknown option --%.*s for %s (see vbrctl %s --help)",
					    (int)len, name, where, where);
				goto fail_quiet;
			}
			if (eq)
				inline_value = eq + 1;
		} else {
			if (!find_short(out, a[1], &set, &idx)) {
				usage_error("unknown option -%c for %s (see vbrctl %s --help)",
					    a[1], where, where);
				goto fail_quiet;
			}
			if (a[2] != '\0')
				inline_value = a + 2;
		}
		const struct opt_spec *spec = &out->specs[set][idx];
		const char *value = NULL;
		if (spec->kind == OPT_FLAG) {
			if (inline_value) {
				usage_error("option --%s takes no value", spec->name);
				goto fail_quiet;
			}
		} else if (inline_value) {
			value = inline_value;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			usage_error("option --%s needs a value (%s)", spec->name,
				    spec->metavar ? spec->metavar : "VALUE");
			goto fail_quiet;
		}
		if (store(out, set, idx, value) != 0)
			goto fail_quiet;
	}
	return 0;

fail_quiet:
	opts_free(out);
	return -1;
}

void opts_free(struct opt_result *r)
{
	for (size_t s = 0; s < r->n_sets; s++) {
		if (!r->values[s])
			continue;
		for (size_t i = 0; r->specs[s][i].name; i++)
			free(r->values[s][i].list);
		free(r->values[s]);
		r->values[s] = NULL;
	}
	free(r->args);
	r->args = NULL;
	r->n_args = 0;
}

const struct opt_value *opts_get(const struct opt_result *r, const char *name)
{
	size_t set, idx;
	if (!find_long(r, name, strlen(name), &set, &idx))
		return NULL;
	return &r->values[set][idx];
}

bool opts_flag(const struct opt_result *r, const char *name)
{
	const struct opt_value *v = opts_get(r, name);
	return v && v->set;
}

const char *opts_str(const struct opt_result *r, const char *name)
{
	const struct opt_value *v = opts_get(r, name);
	return v && v->set ? v->value : NULL;
}

bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || *end != '\0' || n > max)
		return false;
	*out = n;
	return true;
}

int opts_uint(const struct opt_result *r, const char *name, uint64_t max, uint64_t *out)
{
	const char *s = opts_str(r, name);
	if (!s)
		return 0;
	if (!parse_uint(s, max, out)) {
		usage_error("--%s: expected a whole number from 0 to %llu, got \"%s\"", name,
			    (unsigned long long)max, s);
		return -1;
	}
	return 1;
}

bool parse_duration_ms(const char *s, int64_t *out_ms)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	double n = strtod(s, &end);
	if (errno || end == s || !isfinite(n) || n < 0)
		return false;
	double scale;
	if (*end == '\0' || strcmp(end, "s") == 0)
		scale = 1000;
	else if (strcmp(end, "ms") == 0)
		scale = 1;
	else if (strcmp(end, "m") == 0)
		scale = 60000;
	else if (strcmp(end, "h") == 0)
		scale = 3600000;
	else
		return false;
	double ms = n * scale;
	if (ms > 1e12)
		return false;
	*out_ms = (int64_t)ms;
	return true;
}
