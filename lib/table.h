/*
 * Output tables through libsmartcols, with lsipc's flags: -J, -r, -n,
 * -o COLUMNS, --bytes. One column table drives -o, --help and JSON.
 */
#ifndef IPCTOOL_TABLE_H
#define IPCTOOL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum table_type { TABLE_STRING, TABLE_NUMBER, TABLE_SIZE, TABLE_BOOL };

struct table_column {
	const char *name;	/* upper case, as -o takes it */
	const char *help;	/* one line for --help */
	double width;		/* libsmartcols width hint */
	enum table_type type;	/* numbers and sizes are right-aligned JSON numbers */
};

struct table_opts {
	bool json, raw, noheadings, bytes;
	bool export;		/* NAME="value" pairs (lsipc -e), names fit for a shell */
	bool truncate;		/* on a terminal, cut the columns of fractional width */
	const char *columns;	/* -o list, or NULL for the default */
	const char *name;	/* JSON array name */
};

struct table;

/*
 * JSON sizes are byte counts whatever opts->bytes says: a JSON number keeps
 * its type and unit. With -r an empty cell is "-", so fields never shift.
 * Columns are selected by name from cols; "+A,B" adds to the default list.
 * Returns NULL with errno EINVAL and *bad set to the unknown column name
 * (owned by the table module until the next call).
 */
struct table *table_new(const struct table_column *cols, size_t ncols,
			const char *default_columns, const struct table_opts *opts,
			const char **bad);
/* Start a new row; values are set with table_set* by column index in cols. */
int table_row(struct table *t);
/*
 * Columns that were not selected are ignored; NULL is an empty cell. The
 * value is escaped by objref_escape's rule (text keeps its spaces), so a
 * cell is printable ASCII in every format; -r writes space, backslash and
 * other bytes that are not printable as \xHH.
 */
int table_set(struct table *t, size_t col, const char *value);
/* A name (an object's, a path): the same, with spaces escaped too. */
int table_set_name(struct table *t, size_t col, const char *value);
/* A name already escaped by objref_escape (a reference from ipcinfo_ref). */
int table_set_escaped(struct table *t, size_t col, const char *value);
int table_set_u64(struct table *t, size_t col, uint64_t value);
/* A size as TABLE_SIZE cells show it: 512, 8K, 1.5M, 16E. */
void table_format_size(uint64_t value, char *buf, size_t len);
int table_set_i64(struct table *t, size_t col, int64_t value);
/* The current row's cell of column col as set (escaped), or NULL when empty or not shown. */
const char *table_get(const struct table *t, size_t col);
/* Whether column col is shown, to skip costly look-ups. */
bool table_has(const struct table *t, size_t col);
int table_print(struct table *t, FILE *out);
void table_free(struct table *t);
/* "  NAME  help" lines for --help. */
void table_columns_help(const struct table_column *cols, size_t ncols, FILE *out);

#endif
