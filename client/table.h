/* table.h: aligned text tables for people. Cells are copied; a cell may carry a color that
 * is printed only when color is on, and never counts toward the column width. */
#ifndef VBRCTL_TABLE_H
#define VBRCTL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct table;

#define COLOR_NONE   NULL
#define COLOR_GREEN  "\033[32m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_RED    "\033[31m"
#define COLOR_DIM    "\033[2m"

struct table *table_new(void);
void table_free(struct table *t);
/* Starts a new row; cells then fill it left to right. */
void table_row(struct table *t);
void table_cell(struct table *t, const char *text);
void table_cell_color(struct table *t, const char *color, const char *text);
void table_cellf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Starts a row with the given header cells (NULL-terminated). */
void table_header(struct table *t, ...);
/* Rows held (not yet flushed). */
size_t table_rows(const struct table *t);
/* Prints every row, columns two spaces apart, no trailing blanks. */
void table_print(struct table *t, FILE *out, bool color);
/* Prints the rows so far and drops them, for tables too long to hold (a full RIB): the
 * first flush fixes the column widths from its rows; a later cell that is wider widens its
 * column from then on. */
void table_flush(struct table *t, FILE *out, bool color);

/* Replaces control characters (newlines, ESC, DEL...) with '?' in place: text from the
 * server, some of it from remote routers (an RFC 9003 shutdown message), must not move the
 * cursor or recolor a terminal, nor break a table's rows. Returns s. */
char *sanitize(char *s);

/* The number of terminal columns a UTF-8 string takes (one per code point). */
size_t display_width(const char *s);

#endif
