/* table.c: aligned text tables (see table.h). */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct cell {
	char *text;
	const char *color;
};

struct row {
	struct cell *cells;
	size_t n;
};

struct table {
	struct row *rows;
	size_t n_rows;
	size_t *width; /* per column, kept across flushes */
	size_t n_width;
	bool failed; /* out of memory: print what we have */
};

struct table *table_new(void)
{
	return calloc(1, sizeof(struct table));
}

static void drop_rows(struct table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->rows[r].n; c++)
			free(t->rows[r].cells[c].text);
		free(t->rows[r].cells);
	}
	free(t->rows);
	t->rows = NULL;
	t->n_rows = 0;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	drop_rows(t);
	free(t->width);
	free(t);
}

void table_row(struct table *t)
{
	struct row *rows = realloc(t->rows, (t->n_rows + 1) * sizeof(*rows));
	if (!rows) {
		t->failed = true;
		return;
	}
	t->rows = rows;
	t->rows[t->n_rows++] = (struct row){0};
}

void table_cell_color(struct table *t, const char *color, const char *text)
{
	if (t->n_rows == 0 || t->failed)
		return;
	struct row *row = &t->rows[t->n_rows - 1];
	struct cell *cells = realloc(row->cells, (row->n + 1) * sizeof(*cells));
	char *copy = strdup(text ? text : "");
	if (copy)
		sanitize(copy);
	if (!cells || !copy) {
		free(copy);
		if (cells)
			row->cells = cells;
		t->failed = true;
		return;
	}
	row->cells = cells;
	row->cells[row->n++] = (struct cell){copy, color};
}

void table_cell(struct table *t, const char *text)
{
	table_cell_color(t, NULL, text);
}

void table_cellf(struct table *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	table_cell(t, buf);
}

void table_header(struct table *t, ...)
{
	table_row(t);
	va_list ap;
	va_start(ap, t);
	for (const char *h = va_arg(ap, const char *); h; h = va_arg(ap, const char *))
		table_cell(t, h);
	va_end(ap);
}

char *sanitize(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void table_flush(struct table *t, FILE *out, bool color)
{
	for (size_t r = 0; r < t->n_rows; r++)
		if (t->rows[r].n > t->n_width) {
			size_t *grown = realloc(t->width, t->rows[r].n * sizeof(*grown));
			if (!grown)
				return;
			for (size_t c = t->n_width; c < t->rows[r].n; c++)
				grown[c] = 0;
			t->width = grown;
			t->n_width = t->rows[r].n;
		}
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->rows[r].n; c++) {
			size_t w = display_width(t->rows[r].cells[c].text);
			if (w > t->width[c])
				t->width[c] = w;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct row *row = &t->rows[r];
		/* Trailing empty cells would only print blanks. */
		size_t last = row->n;
		while (last > 0 && row->cells[last - 1].text[0] == '\0')
			last--;
		for (size_t c = 0; c < last; c++) {
			const struct cell *cell = &row->cells[c];
			bool colored = color && cell->color;
			if (colored)
				fputs(cell->color, out);
			fputs(cell->text, out);
			if (colored)
				fputs("\033[0m", out);
			if (c + 1 < last)
				for (size_t pad = display_width(cell->text); pad < t->width[c] + 2;
				     pad++)
					fputc(' ', out);
		}
		fputc('\n', out);
	}
	drop_rows(t);
}

size_t table_rows(const struct table *t)
{
	return t->n_rows;
}

void table_print(struct table *t, FILE *out, bool color)
{
	table_flush(t, out, color);
}
