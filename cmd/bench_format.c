/*
 * ipctool bench: the output formats (see bench_format.h): a table, JSON,
 * CSV and Markdown following hyperfine's conventions, and a bar chart.
 * Every format states the pinning; the table, Markdown and the chart name
 * the size where shm starts to beat the copying mechanisms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "../lib/json.h"
#include "../lib/table.h"
#include "bench_format.h"
#include "cmd.h"

/* Formatting figures. */

static void bench_format_us(char *buf, size_t len, double ns)
{
	double us = ns / 1000.0;

	snprintf(buf, len, us < 100 ? "%.2f" : us < 10000 ? "%.1f" : "%.0f", us);
}

/* 1.23M, 845k: messages per second. */
static void bench_format_si(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, unit[i]);
}

/* 1.95 GiB/s */
static void bench_format_rate(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

void bench_format_size(char *buf, size_t len, uint64_t size)
{
	if (size == 0)
		snprintf(buf, len, "-");
	else if (size % (1u << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size % 1024 == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
}

static double bench_format_seconds(const struct bench_row *r)
{
	return (double)r->tput.ns / 1e9;
}

static double bench_format_msgs(const struct bench_row *r)
{
	return (double)r->tput.messages / bench_format_seconds(r);
}

static double bench_format_bytes(const struct bench_row *r)
{
	return (double)r->tput.bytes / bench_format_seconds(r);
}

/* Notes printed with every format. */

static void bench_format_pin_note(const struct bench_report *rep, char *buf, size_t len)
{
	if (rep->cpu[0] >= 0)
		snprintf(buf, len, "CPUs pinned: parent on CPU %d, child on CPU %d", rep->cpu[0],
			 rep->cpu[1]);
	else
		snprintf(buf, len, "CPUs not pinned (the scheduler placed the two processes)");
}

/*
 * The size sweep: for each copying mechanism, the smallest size at which
 * the ring (shm) beats it, by throughput and by p50 round trip.
 */
struct bench_format_cross {
	const char *name;
	uint64_t tput_size, lat_size;	/* 0: not within the sizes measured */
	bool tput_known, lat_known;
};

static const struct bench_row *bench_format_find_row(const struct bench_row *rows, size_t n,
						     const char *name, size_t size)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].mech && strcmp(rows[i].name, name) == 0 && rows[i].size == size)
			return &rows[i];
	return NULL;
}

static size_t bench_format_crossovers(const struct bench_report *rep,
				      struct bench_format_cross *out, size_t max)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	size_t i, k, nc = 0;

	if (rep->nsizes < 2)
		return 0;
	for (i = 0; i < n && nc < max; i++) {
		const struct bench_row *r = &rows[i];
		struct bench_format_cross c = { r->name, 0, 0, false, false };
		bool seen = false;

		if (!r->mech || !(r->mech->flags & BENCH_PAYLOAD) || (r->mech->flags & BENCH_SHM))
			continue;
		for (k = 0; k < nc; k++)
			if (strcmp(out[k].name, r->name) == 0)
				seen = true;
		if (seen)
			continue;
		for (k = 0; k < rep->nsizes; k++) {
			uint64_t size = rep->sizes[k];
			const struct bench_row *x = bench_format_find_row(rows, n, r->name, size);
			const struct bench_row *s = bench_format_find_row(rows, n, "shm", size);

			if (!x || !s)
				continue;
			if (x->has_tput && s->has_tput) {
				if (!c.tput_known && bench_format_bytes(s) > bench_format_bytes(x))
					c.tput_size = rep->sizes[k];
				c.tput_known = c.tput_known || c.tput_size;
			}
			if (x->has_lat && s->has_lat) {
				if (!c.lat_known && s->lat.p50 < x->lat.p50)
					c.lat_size = rep->sizes[k];
				c.lat_known = c.lat_known || c.lat_size;
			}
		}
		out[nc++] = c;
	}
	return nc;
}

static bool bench_format_has_shm(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].mech && strcmp(rows[i].name, "shm") == 0 &&
		    (rows[i].has_lat || rows[i].has_tput))
			return true;
	return false;
}

/* "shm beats pipe from 4K (throughput), from 64 (round trip)" lines. */
static void bench_format_cross_lines(const struct bench_report *rep, FILE *out,
				     const char *prefix)
{
	struct bench_format_cross c[32];
	size_t nc, i;
	char a[16], b[16];

	if (rep->nsizes < 2 || bench_format_crossovers(rep, c, 32) == 0)
		return;
	if (!bench_format_has_shm(rep)) {
		fprintf(out, "%scrossover: not computed (shm was not measured)\n", prefix);
		return;
	}
	nc = bench_format_crossovers(rep, c, 32);
	for (i = 0; i < nc; i++) {
		bench_format_size(a, sizeof(a), c[i].tput_size);
		bench_format_size(b, sizeof(b), c[i].lat_size);
		fprintf(out, "%scrossover: shm beats %s %s%s (throughput), %s%s (p50 round trip)\n",
			prefix, c[i].name, c[i].tput_size ? "from " : "", c[i].tput_size ? a : "not within the sizes",
			c[i].lat_size ? "from " : "", c[i].lat_size ? b : "not within the sizes");
	}
}

/* Table. */

enum {
	COL_MECH, COL_SIZE, COL_MIN, COL_P50, COL_P90, COL_P99, COL_P999, COL_MAX, COL_MEAN,
	COL_STDDEV, COL_MSGS, COL_BYTES, COL_NOTE,
};

static const struct table_column bench_format_columns[] = {
	[COL_MECH] = { "MECHANISM", "mechanism or endpoint", 0.1, TABLE_STRING },
	[COL_SIZE] = { "SIZE", "message size", 0.05, TABLE_NUMBER },
	[COL_MIN] = { "MIN", "fastest round trip, us", 0.05, TABLE_NUMBER },
	[COL_P50] = { "P50", "median round trip, us", 0.05, TABLE_NUMBER },
	[COL_P90] = { "P90", "90th percentile round trip, us", 0.05, TABLE_NUMBER },
	[COL_P99] = { "P99", "99th percentile round trip, us", 0.05, TABLE_NUMBER },
	[COL_P999] = { "P99.9", "99.9th percentile round trip, us", 0.05, TABLE_NUMBER },
	[COL_MAX] = { "MAX", "slowest round trip, us", 0.05, TABLE_NUMBER },
	[COL_MEAN] = { "MEAN", "mean round trip, us", 0.05, TABLE_NUMBER },
	[COL_STDDEV] = { "STDDEV", "standard deviation, us", 0.05, TABLE_NUMBER },
	[COL_MSGS] = { "MSG/S", "messages per second, one way", 0.05, TABLE_NUMBER },
	[COL_BYTES] = { "BYTES/S", "bytes per second, one way", 0.08, TABLE_NUMBER },
	[COL_NOTE] = { "NOTE", "why a figure is missing", 0.2, TABLE_STRING },
};

static int bench_format_table(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	struct table_opts to = { .name = "bench" };
	const char *bad;
	struct table *t;
	char buf[64];
	size_t i;
	bool notes = false;
	int rc;

	for (i = 0; i < n; i++)
		notes = notes || rows[i].note[0];
	t = table_new(bench_format_columns,
		      sizeof(bench_format_columns) / sizeof(bench_format_columns[0]),
		      notes ? "MECHANISM,SIZE,MIN,P50,P90,P99,P99.9,MAX,MEAN,STDDEV,MSG/S,BYTES/S,NOTE"
			    : "MECHANISM,SIZE,MIN,P50,P90,P99,P99.9,MAX,MEAN,STDDEV,MSG/S,BYTES/S",
		      &to, &bad);
	if (!t) {
		cmd_warn("cannot make a table");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		table_row(t);
		table_set(t, COL_MECH, r->name);
		bench_format_size(buf, sizeof(buf), r->size);
		table_set(t, COL_SIZE, buf);
		if (r->has_lat) {
			static const size_t cols[] = { COL_MIN, COL_P50, COL_P90, COL_P99, COL_P999,
						       COL_MAX };
			uint64_t v[] = { r->lat.min, r->lat.p50, r->lat.p90, r->lat.p99,
					 r->lat.p999, r->lat.max };
			size_t k;

			for (k = 0; k < 6; k++) {
				bench_format_us(buf, sizeof(buf), (double)v[k]);
				table_set(t, cols[k], buf);
			}
			bench_format_us(buf, sizeof(buf), r->lat.mean);
			table_set(t, COL_MEAN, buf);
			bench_format_us(buf, sizeof(buf), r->lat.stddev);
			table_set(t, COL_STDDEV, buf);
		}
		if (r->has_tput) {
			bench_format_si(buf, sizeof(buf), bench_format_msgs(r));
			table_set(t, COL_MSGS, buf);
			bench_format_rate(buf, sizeof(buf), bench_format_bytes(r));
			table_set(t, COL_BYTES, buf);
		}
		table_set(t, COL_NOTE, r->note);
	}
	printf("Round-trip times in microseconds (ping-pong between two processes); "
	       "throughput one way.\n");
	rc = table_print(t, stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	table_free(t);
	bench_format_pin_note(rep, buf, sizeof(buf));
	printf("%s\n", buf);
	bench_format_cross_lines(rep, stdout, "");
	return rc;
}

/* JSON, hyperfine's way: one object per result, figures with their units. */

/* Names and notes through lib/json.c, the one JSON string writer. */
static void bench_format_json_string(FILE *out, const char *s)
{
	char buf[256 * 6 + 2];
	size_t len = strnlen(s, 256), n;

	if (json_utf8_valid(s, len))
		n = json_string(buf, s, len);
	else
		n = json_base64(buf, s, len);
	fwrite(buf, 1, n, out);
}

/* The CPU's model as /proc/cpuinfo names it, or "" when it does not. */
static void bench_format_cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "Model", "cpu model", "Hardware" };
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");
	size_t i;

	buf[0] = '\0';
	while (f && !buf[0] && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		for (i = 0; colon && i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strncmp(line, keys[i], strlen(keys[i])) != 0)
				continue;
			colon += strspn(colon + 1, " \t") + 1;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* Where the figures came from: ipctool's version, the kernel, the CPU, when. */
static void bench_format_json_version(void)
{
	char cpu[256], when[JSON_TIME_MAX], kernel[2 * sizeof(((struct utsname *)0)->release)];
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s", u.sysname, u.release);
	else
		kernel[0] = '\0';
	bench_format_cpu_model(cpu, sizeof(cpu));
	json_time_iso(when, sizeof(when), time(NULL), -1);
	printf("  \"version\": {\n    \"ipctool\": ");
	bench_format_json_string(stdout, cmd_version);
	printf(",\n    \"kernel\": ");
	if (kernel[0])
		bench_format_json_string(stdout, kernel);
	else
		printf("null");
	printf(",\n    \"cpu\": ");
	if (cpu[0])
		bench_format_json_string(stdout, cpu);
	else
		printf("null");
	printf(",\n    \"timestamp\": ");
	bench_format_json_string(stdout, when);
	printf("\n  },\n");
}

static int bench_format_json(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	struct bench_format_cross c[32];
	size_t i, nc;
	char buf[128];

	printf("{\n");
	bench_format_json_version();
	printf("  \"clock\": \"CLOCK_MONOTONIC\",\n  \"pinned\": %s,\n",
	       rep->cpu[0] >= 0 ? "true" : "false");
	if (rep->cpu[0] >= 0)
		printf("  \"cpus\": [%d, %d],\n", rep->cpu[0], rep->cpu[1]);
	else
		printf("  \"cpus\": null,\n");
	printf("  \"results\": [");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		printf("%s\n    {\n      \"mechanism\": ", i ? "," : "");
		bench_format_json_string(stdout, r->name);
		printf(",\n      \"endpoint\": %s,\n", r->mech ? "false" : "true");
		printf("      \"size\": %zu,\n      \"size_unit\": \"bytes\",\n", r->size);
		if (r->has_lat)
			printf("      \"round_trip\": {\n        \"unit\": \"ns\",\n"
			       "        \"samples\": %zu,\n        \"min\": %llu,\n"
			       "        \"p50\": %llu,\n        \"p90\": %llu,\n"
			       "        \"p99\": %llu,\n        \"p99_9\": %llu,\n"
			       "        \"max\": %llu,\n        \"mean\": %.1f,\n"
			       "        \"stddev\": %.1f\n      },\n",
			       r->lat.n, (unsigned long long)r->lat.min,
			       (unsigned long long)r->lat.p50, (unsigned long long)r->lat.p90,
			       (unsigned long long)r->lat.p99, (unsigned long long)r->lat.p999,
			       (unsigned long long)r->lat.max, r->lat.mean, r->lat.stddev);
		else
			printf("      \"round_trip\": null,\n");
		if (r->has_tput)
			printf("      \"throughput\": {\n        \"messages\": %llu,\n"
			       "        \"messages_sent\": %llu,\n        \"bytes\": %llu,\n"
			       "        \"seconds\": %.6f,\n"
			       "        \"messages_per_second\": %.1f,\n"
			       "        \"bytes_per_second\": %.1f\n      },\n",
			       (unsigned long long)r->tput.messages,
			       (unsigned long long)r->tput.sent, (unsigned long long)r->tput.bytes,
			       bench_format_seconds(r), bench_format_msgs(r),
			       bench_format_bytes(r));
		else
			printf("      \"throughput\": null,\n");
		printf("      \"note\": ");
		if (r->note[0])
			bench_format_json_string(stdout, r->note);
		else
			printf("null");
		printf("\n    }");
	}
	printf("\n  ],\n  \"crossover\": [");
	nc = bench_format_has_shm(rep) ? bench_format_crossovers(rep, c, 32) : 0;
	for (i = 0; i < nc; i++) {
		printf("%s\n    { \"mechanism\": \"%s\", \"throughput_size\": ", i ? "," : "",
		       c[i].name);
		if (c[i].tput_size)
			printf("%llu", (unsigned long long)c[i].tput_size);
		else
			printf("null");
		printf(", \"latency_size\": ");
		if (c[i].lat_size)
			printf("%llu }", (unsigned long long)c[i].lat_size);
		else
			printf("null }");
	}
	bench_format_pin_note(rep, buf, sizeof(buf));
	printf("%s],\n  \"note\": ", nc ? "\n  " : "");
	bench_format_json_string(stdout, buf);
	printf("\n}\n");
	return EXIT_OK;
}

/* CSV: one header row, one row per mechanism and size, fixed columns. */

static void bench_format_csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int bench_format_csv(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	size_t i;

	printf("mechanism,size,samples,min_ns,p50_ns,p90_ns,p99_ns,p99_9_ns,max_ns,mean_ns,"
	       "stddev_ns,messages,seconds,messages_per_second,bytes_per_second,pinned,note\n");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		bench_format_csv_field(stdout, r->name);
		printf(",%zu,", r->size);
		if (r->has_lat)
			printf("%zu,%llu,%llu,%llu,%llu,%llu,%llu,%.1f,%.1f,", r->lat.n,
			       (unsigned long long)r->lat.min, (unsigned long long)r->lat.p50,
			       (unsigned long long)r->lat.p90, (unsigned long long)r->lat.p99,
			       (unsigned long long)r->lat.p999, (unsigned long long)r->lat.max,
			       r->lat.mean, r->lat.stddev);
		else
			printf(",,,,,,,,,");
		if (r->has_tput)
			printf("%llu,%.6f,%.1f,%.1f,", (unsigned long long)r->tput.messages,
			       bench_format_seconds(r), bench_format_msgs(r),
			       bench_format_bytes(r));
		else
			printf(",,,,");
		printf("%s,", rep->cpu[0] >= 0 ? "true" : "false");
		bench_format_csv_field(stdout, r->note);
		putchar('\n');
	}
	return EXIT_OK;
}

/* Markdown, hyperfine's headings: units in brackets. */

/* A '|' would end the cell. */
static void bench_format_md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static int bench_format_markdown(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	size_t i;
	char buf[128], a[32], b[32];

	printf("| Mechanism | Size | Min [µs] | p50 [µs] | p90 [µs] | p99 [µs] | p99.9 [µs] "
	       "| Max [µs] | Mean ± σ [µs] | Messages/s | Throughput | Note |\n");
	printf("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		bench_format_size(buf, sizeof(buf), r->size);
		printf("| `%s` | %s |", r->name, buf);
		if (r->has_lat) {
			uint64_t v[] = { r->lat.min, r->lat.p50, r->lat.p90, r->lat.p99,
					 r->lat.p999, r->lat.max };
			size_t k;

			for (k = 0; k < 6; k++) {
				bench_format_us(buf, sizeof(buf), (double)v[k]);
				printf(" %s |", buf);
			}
			bench_format_us(a, sizeof(a), r->lat.mean);
			bench_format_us(b, sizeof(b), r->lat.stddev);
			printf(" %s ± %s |", a, b);
		} else {
			printf(" | | | | | | |");
		}
		if (r->has_tput) {
			bench_format_si(a, sizeof(a), bench_format_msgs(r));
			bench_format_rate(b, sizeof(b), bench_format_bytes(r));
			printf(" %s | %s |", a, b);
		} else {
			printf(" | |");
		}
		printf(" ");
		bench_format_md_cell(stdout, r->note);
		printf(" |\n");
	}
	bench_format_pin_note(rep, buf, sizeof(buf));
	printf("\n%s.\n", buf);
	bench_format_cross_lines(rep, stdout, "\n");
	return EXIT_OK;
}

/* Chart: horizontal bars, on a log scale when the figures span decades. */

static bool bench_format_utf8(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return v && (strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") ||
		     strstr(v, "utf-8"));
}

static void bench_format_bars(const struct bench_report *rep, bool latency, int width)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	double lo = 0, hi = 0, v;
	size_t i;
	bool logscale, utf8 = bench_format_utf8();
	char label[64], sz[16], fig[32];

	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		if (latency ? !r->has_lat : !r->has_tput)
			continue;
		v = latency ? (double)r->lat.p50 : bench_format_bytes(r);
		if (v <= 0)
			continue;
		if (lo == 0 || v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	if (hi == 0)
		return;
	logscale = hi / lo >= 100;
	printf("%s%s\n", latency ? "p50 round trip (shorter is faster)"
				 : "throughput, one way (longer is faster)",
	       logscale ? ", log scale" : "");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];
		double frac, cells;
		int full, k;

		if (latency ? !r->has_lat : !r->has_tput)
			continue;
		v = latency ? (double)r->lat.p50 : bench_format_bytes(r);
		if (v <= 0)
			continue;
		if (logscale)
			/* The smallest figure still gets a cell: the scale starts below it. */
			frac = log(v / (lo / 2)) / log(hi / (lo / 2));
		else
			frac = v / hi;
		cells = frac * width;
		if (cells < 0.125)
			cells = 0.125;
		bench_format_size(sz, sizeof(sz), r->size);
		snprintf(label, sizeof(label), "%s %s", r->name, r->size ? sz : "");
		if (latency) {
			bench_format_us(fig, sizeof(fig), (double)r->lat.p50);
			strcat(fig, " us");
		} else {
			bench_format_rate(fig, sizeof(fig), v);
		}
		printf("%-22s ", label);
		full = (int)cells;
		for (k = 0; k < full; k++)
			fputs(utf8 ? "█" : "#", stdout);
		if (utf8 && cells - full >= 0.125) {
			static const char *const part[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };

			fputs(part[(int)((cells - full) * 8)], stdout);
		}
		printf(" %s\n", fig);
	}
	putchar('\n');
}

static int bench_format_chart(const struct bench_report *rep)
{
	const struct bench_row *rows = rep->rows;
	size_t n = rep->n;
	const char *cols = getenv("COLUMNS");
	int width = cols && atoi(cols) > 60 ? atoi(cols) - 40 : 40;
	char buf[128];
	size_t i;

	if (width > 80)
		width = 80;
	bench_format_bars(rep, true, width);
	bench_format_bars(rep, false, width);
	for (i = 0; i < n; i++)
		if (rows[i].note[0])
			printf("%s %s\n", rows[i].name, rows[i].note);
	bench_format_pin_note(rep, buf, sizeof(buf));
	printf("%s\n", buf);
	bench_format_cross_lines(rep, stdout, "");
	return EXIT_OK;
}

int bench_format_print(enum bench_format f, const struct bench_report *rep)
{
	static int (*const print[])(const struct bench_report *rep) = {
		[BENCH_FORMAT_TABLE] = bench_format_table,
		[BENCH_FORMAT_JSON] = bench_format_json,
		[BENCH_FORMAT_CSV] = bench_format_csv,
		[BENCH_FORMAT_MARKDOWN] = bench_format_markdown,
		[BENCH_FORMAT_CHART] = bench_format_chart,
	};

	return print[f](rep);
}
