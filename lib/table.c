/* Tables through libsmartcols. */
#include "table.h"

#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <libutil.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "objref.h"

#define TABLE_MAX_COLUMNS 64

struct table {
	struct libscols_table *tb;
	struct libscols_line *line;
	const struct table_column *cols;
	size_t ncols;
	bool bytes, raw, json, export, noheadings, truncate;
	/* For each descriptor, its libsmartcols column index, or -1. */
	int pos[TABLE_MAX_COLUMNS];
	int nshown;
};

static char table_bad[64];

static int table_find(const struct table_column *cols, size_t ncols, const char *name,
		      size_t len)
{
	size_t i;

	for (i = 0; i < ncols; i++)
		if (strlen(cols[i].name) == len && strncasecmp(cols[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int table_add_list(struct table *t, const char *list, const char **bad)
{
	const char *p = list, *end;
	int i;

	/* Every name counts, empty ones too: "a,", ",a" and "" are errors. */
	for (;;) {
		end = strchrnul(p, ',');
		i = table_find(t->cols, t->ncols, p, (size_t)(end - p));
		if (i < 0) {
			snprintf(table_bad, sizeof(table_bad), "%.*s", (int)(end - p), p);
			*bad = table_bad;
			errno = EINVAL;
			return -1;
		}
		if (t->pos[i] < 0) {
			struct libscols_column *cl;
			int flags = 0;

			if (t->cols[i].type != TABLE_STRING)
				flags |= SCOLS_FL_RIGHT;
			if (t->truncate && t->cols[i].width < 1)
				flags |= SCOLS_FL_TRUNC;
			cl = scols_table_new_column(t->tb, t->cols[i].name, t->cols[i].width, flags);
			if (!cl)
				return -1;
			if (t->cols[i].type == TABLE_NUMBER ||
			    (t->cols[i].type == TABLE_SIZE && t->bytes))
				scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
			else if (t->cols[i].type == TABLE_BOOL)
				scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
			t->pos[i] = t->nshown++;
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
}

struct table *table_new(const struct table_column *cols, size_t ncols,
			const char *default_columns, const struct table_opts *opts,
			const char **bad)
{
	struct table *t;
	const char *list = opts->columns ? opts->columns : default_columns;
	size_t i;

	if (ncols > TABLE_MAX_COLUMNS) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	t->bytes = opts->bytes || opts->json;
	t->json = opts->json;
	t->export = opts->export && !opts->json;
	t->noheadings = opts->noheadings;
	t->truncate = opts->truncate && !opts->raw && !t->export && !opts->json;
	for (i = 0; i < TABLE_MAX_COLUMNS; i++)
		t->pos[i] = -1;
	t->tb = scols_new_table();
	if (!t->tb)
		goto fail;
	scols_table_enable_json(t->tb, opts->json);
	scols_table_enable_raw(t->tb, opts->raw);
	scols_table_enable_noheadings(t->tb, opts->noheadings);
	/* lsipc -e's pairs, with USE% as USE_PCT so that a shell takes the name. */
	scols_table_enable_export(t->tb, t->export);
	scols_table_enable_shellvar(t->tb, t->export);
	/* Cells are escaped here by the one rule (objref_escape), never twice. */
	scols_table_enable_noencoding(t->tb, 1);
	/* Export, like -r, hands cells over raw: libsmartcols quotes them. */
	t->raw = opts->raw || t->export;
	scols_table_set_name(t->tb, opts->name ? opts->name : "table");
	if (list[0] == '+') {
		if (table_add_list(t, default_columns, bad) < 0)
			goto fail;
		list++;
		if (!*list)
			return t;
	}
	if (table_add_list(t, list, bad) < 0)
		goto fail;
	return t;
fail:
	table_free(t);
	return NULL;
}

int table_row(struct table *t)
{
	t->line = scols_table_new_line(t->tb, NULL);
	return t->line ? 0 : -1;
}

bool table_has(const struct table *t, size_t col)
{
	return col < t->ncols && t->pos[col] >= 0;
}

const char *table_get(const struct table *t, size_t col)
{
	const char *v;

	if (!t->line || !table_has(t, col))
		return NULL;
	v = scols_cell_get_data(scols_line_get_cell(t->line, (size_t)t->pos[col]));
	return v && *v ? v : NULL;
}

static int table_put(struct table *t, size_t col, const char *value)
{
	return scols_line_set_data(t->line, (size_t)t->pos[col], value) == 0 ? 0 : -1;
}

/*
 * Human and JSON cells are escaped here (objref_escape) and printed as they
 * are; -r and -e cells go raw to libsmartcols, whose raw encoding writes
 * every byte that is not printable (space and backslash too) as \xHH, which
 * references decode the same way, and whose export quoting writes " \ ` $
 * and what is not printable as \xHH, so that eval reads a pair safely.
 */
static int table_put_text(struct table *t, size_t col, const char *value, bool keep_space)
{
	size_t len;
	char *buf;
	int rc;

	if (!table_has(t, col) || !value)
		return 0;
	if (t->raw)
		return table_put(t, col, value);
	len = strlen(value) * 4 + 1;
	buf = malloc(len);
	if (!buf)
		return -1;
	objref_escape(value, buf, len, keep_space);
	rc = table_put(t, col, buf);
	free(buf);
	return rc;
}

int table_set(struct table *t, size_t col, const char *value)
{
	return table_put_text(t, col, value, true);
}

int table_set_name(struct table *t, size_t col, const char *value)
{
	return table_put_text(t, col, value, false);
}

int table_set_escaped(struct table *t, size_t col, const char *value)
{
	char buf[4096];

	if (!table_has(t, col) || !value)
		return 0;
	if (t->raw && objref_unescape(value, buf, sizeof(buf), NULL) == 0)
		return table_put(t, col, buf);
	return table_put(t, col, value);
}

void table_format_size(uint64_t value, char *buf, size_t len)
{
	char tmp[8], *unit;

	/* humanize_number takes an int64_t: 2^63 and above are exabytes here. */
	if (value > INT64_MAX) {
		snprintf(buf, len, "%.0fE", (double)value / (double)(1ULL << 60));
		return;
	}
	/* lsipc's style: 512, 4K, 1.5M, 64K; --bytes gives the exact count.
	 * humanize_number writes ls -h's "512B", "4.0K". */
	humanize_number(tmp, 5, (int64_t)value, "", HN_AUTOSCALE,
			HN_B | HN_NOSPACE | HN_DECIMAL);
	unit = tmp + strcspn(tmp, "BKMGTPE");
	if (*unit == 'B')
		*unit = '\0';
	else if (unit - tmp >= 2 && strncmp(unit - 2, ".0", 2) == 0)
		memmove(unit - 2, unit, strlen(unit) + 1);
	snprintf(buf, len, "%s", tmp);
}

int table_set_u64(struct table *t, size_t col, uint64_t value)
{
	char buf[32];

	if (!table_has(t, col))
		return 0;
	if (t->cols[col].type == TABLE_SIZE && !t->bytes)
		table_format_size(value, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return table_set(t, col, buf);
}

int table_set_i64(struct table *t, size_t col, int64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	return table_set(t, col, buf);
}

/* -r: an empty cell would vanish between two spaces and shift the fields after it. */
static int table_fill_empty(struct table *t)
{
	struct libscols_iter *it = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_line *ln;
	int rc = 0;

	if (!it)
		return -1;
	while (rc == 0 && scols_table_next_line(t->tb, it, &ln) == 0) {
		size_t i, n = scols_line_get_ncells(ln);

		for (i = 0; i < n && rc == 0; i++) {
			const char *v = scols_cell_get_data(scols_line_get_cell(ln, i));

			if (!v || !*v)
				rc = scols_line_set_data(ln, i, "-") == 0 ? 0 : -1;
		}
	}
	scols_free_iter(it);
	return rc;
}

/* libsmartcols prints nothing for a table without lines; lsipc's header stays. */
static int table_print_header(struct table *t, FILE *out)
{
	struct libscols_iter *it = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_column *cl;
	bool first = true;

	if (!it)
		return -1;
	while (scols_table_next_column(t->tb, it, &cl) == 0) {
		fprintf(out, "%s%s", first ? "" : " ", scols_column_get_name(cl));
		first = false;
	}
	scols_free_iter(it);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

int table_print(struct table *t, FILE *out)
{
	scols_table_set_stream(t->tb, out);
	if (scols_table_is_empty(t->tb) && !t->json && !t->export && !t->noheadings)
		return table_print_header(t, out);
	if (t->raw && !t->export && table_fill_empty(t) < 0)
		return -1;
	return scols_print_table(t->tb) == 0 ? 0 : -1;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	scols_unref_table(t->tb);
	free(t);
}

void table_columns_help(const struct table_column *cols, size_t ncols, FILE *out)
{
	size_t i;

	for (i = 0; i < ncols; i++)
		fprintf(out, "  %-10s %s\n", cols[i].name, cols[i].help);
}
