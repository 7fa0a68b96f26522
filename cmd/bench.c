/*
 * ipctool bench: round-trip latency and one-way throughput of every IPC
 * mechanism (lib/bench), or of an endpoint the user names, as a table,
 * JSON, CSV, Markdown or a bar chart.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/bench.h"
#include "../lib/endpoint.h"
#include "../lib/json.h"
#include "../lib/stats.h"
#include "../lib/table.h"
#include "cmd.h"

/* Defaults: every mechanism at two sizes in about 20 s on two cores. */
#define BENCH_DEFAULT_SIZES "64,64K"
#define BENCH_DEFAULT_MS 300
#define BENCH_DEFAULT_WARMUP 1000
#define BENCH_DEFAULT_WARMUP_MS 40
#define BENCH_SIZES_MAX 16
#define BENCH_SIZE_MAX (256ull << 20)

enum bench_format { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_MARKDOWN, FMT_CHART };

struct bench_row {
	const char *name;		/* mechanism name, or the endpoint as given */
	const struct bench_mech *mech;	/* NULL for an endpoint */
	struct endpoint ep;
	size_t size;			/* 0: a notification, no payload */
	bool has_lat, has_tput;
	struct stats lat;
	struct bench_rate tput;
	char note[200];
};

static struct {
	bool latency, throughput;
	uint64_t sizes[BENCH_SIZES_MAX];
	size_t nsizes;
	uint64_t count;
	int64_t duration_ms;
	bool duration_set;
	uint64_t warmup;
	bool warmup_set;
	int cpu[2];
	enum bench_format format;
	bool format_set;
	bool error;
} opt = { .cpu = { -1, -1 } };

enum {
	OPT_LATENCY = 1,
	OPT_THROUGHPUT,
	OPT_SIZE,
	OPT_COUNT,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_PIN,
	OPT_JSON,
	OPT_CSV,
	OPT_MARKDOWN,
	OPT_CHART,
	OPT_LIST,
};

static struct poptOption bench_options[] = {
	{ "latency", '\0', POPT_ARG_NONE, NULL, OPT_LATENCY, "measure round trips only", NULL },
	{ "throughput", '\0', POPT_ARG_NONE, NULL, OPT_THROUGHPUT,
	  "measure one-way streaming only", NULL },
	{ "size", 's', POPT_ARG_STRING, NULL, OPT_SIZE,
	  "message sizes, comma-separated (default 64,64K)", "SIZES" },
	{ "count", 'n', POPT_ARG_STRING, NULL, OPT_COUNT,
	  "timed round trips or messages per measurement", "COUNT" },
	{ "duration", 'd', POPT_ARG_STRING, NULL, OPT_DURATION,
	  "time per measurement (default 300ms)", "DURATION" },
	{ "warmup", '\0', POPT_ARG_STRING, NULL, OPT_WARMUP,
	  "untimed rounds or messages first (default 1000, at most 40ms of them)", "N" },
	{ "pin", '\0', POPT_ARG_STRING, NULL, OPT_PIN,
	  "run the two processes on these CPUs", "CPU,CPU" },
	{ "json", 'J', POPT_ARG_NONE, NULL, OPT_JSON, "JSON output", NULL },
	{ "csv", '\0', POPT_ARG_NONE, NULL, OPT_CSV, "CSV output: a header and a row per result", NULL },
	{ "markdown", '\0', POPT_ARG_NONE, NULL, OPT_MARKDOWN, "a Markdown table", NULL },
	{ "chart", '\0', POPT_ARG_NONE, NULL, OPT_CHART, "horizontal bars in the terminal", NULL },
	{ "list", '\0', POPT_ARG_NONE, NULL, OPT_LIST, "list the mechanisms and exit", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static int bench_parse_sizes(const char *text)
{
	char buf[256], *p, *save = NULL;

	if (strlen(text) >= sizeof(buf))
		return cmd_usage_error("--size: '%s' is too long", text);
	snprintf(buf, sizeof(buf), "%s", text);
	opt.nsizes = 0;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (opt.nsizes == BENCH_SIZES_MAX)
			return cmd_usage_error("--size: at most %d sizes", BENCH_SIZES_MAX);
		if (cmd_opt_size("--size", p, 1, BENCH_SIZE_MAX, &opt.sizes[opt.nsizes]) < 0)
			return EXIT_USAGE;
		opt.nsizes++;
	}
	if (opt.nsizes == 0)
		return cmd_usage_error("--size: '%s' is not a list of sizes (like 64,4K,1M)", text);
	return EXIT_OK;
}

static int bench_parse_pin(const char *text)
{
	char buf[64], *comma;
	long long a, b;

	snprintf(buf, sizeof(buf), "%s", text);
	comma = strchr(buf, ',');
	if (!comma)
		return cmd_usage_error("--pin: '%s' is not two CPUs (like 0,1)", text);
	*comma = '\0';
	if (cmd_opt_number("--pin", buf, 0, CPU_SETSIZE - 1, &a) < 0 ||
	    cmd_opt_number("--pin", comma + 1, 0, CPU_SETSIZE - 1, &b) < 0)
		return EXIT_USAGE;
	opt.cpu[0] = (int)a;
	opt.cpu[1] = (int)b;
	return EXIT_OK;
}

static void bench_set_format(enum bench_format f)
{
	if (opt.format_set && opt.format != f) {
		cmd_usage_error("-J, --csv, --markdown and --chart exclude each other");
		opt.error = true;
	}
	opt.format = f;
	opt.format_set = true;
}

static int bench_option(poptContext pc, int o)
{
	const char *arg = poptGetOptArg(pc);
	long long n;
	int rc = EXIT_OK;

	switch (o) {
	case OPT_LATENCY:
		opt.latency = true;
		break;
	case OPT_THROUGHPUT:
		opt.throughput = true;
		break;
	case OPT_SIZE:
		rc = bench_parse_sizes(arg);
		break;
	case OPT_COUNT:
		rc = cmd_opt_number("--count", arg, 1, 1ll << 40, &n) < 0 ? EXIT_USAGE : EXIT_OK;
		opt.count = (uint64_t)n;
		break;
	case OPT_DURATION:
		rc = cmd_opt_duration("--duration", arg, &opt.duration_ms) < 0 ? EXIT_USAGE : EXIT_OK;
		if (rc == EXIT_OK && opt.duration_ms <= 0)
			rc = cmd_usage_error("--duration: '%s' is not a positive duration", arg);
		opt.duration_set = true;
		break;
	case OPT_WARMUP:
		rc = cmd_opt_number("--warmup", arg, 0, 1ll << 40, &n) < 0 ? EXIT_USAGE : EXIT_OK;
		opt.warmup = (uint64_t)n;
		opt.warmup_set = true;
		break;
	case OPT_PIN:
		rc = bench_parse_pin(arg);
		break;
	case OPT_JSON:
		bench_set_format(FMT_JSON);
		break;
	case OPT_CSV:
		bench_set_format(FMT_CSV);
		break;
	case OPT_MARKDOWN:
		bench_set_format(FMT_MARKDOWN);
		break;
	case OPT_CHART:
		bench_set_format(FMT_CHART);
		break;
	}
	free((void *)arg);
	if (opt.error)
		rc = EXIT_USAGE;
	return rc;
}

static void bench_list(void)
{
	size_t i;
	const char *why;

	for (i = 0; bench_mechs[i]; i++)
		printf("%-15s %s%s\n", bench_mechs[i]->name, bench_mechs[i]->summary,
		       bench_available(bench_mechs[i], &why) ? "" : " (not in this build)");
}

/* Formatting figures. */

static void fmt_us(char *buf, size_t len, double ns)
{
	double us = ns / 1000.0;

	snprintf(buf, len, us < 100 ? "%.2f" : us < 10000 ? "%.1f" : "%.0f", us);
}

/* 1.23M, 845k: messages per second. */
static void fmt_si(char *buf, size_t len, double v)
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
static void fmt_iec_rate(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

/* 64, 4K, 1M: a message size as -s takes it. */
static void fmt_size(char *buf, size_t len, uint64_t size)
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

static double tput_seconds(const struct bench_row *r)
{
	return (double)r->tput.ns / 1e9;
}

static double tput_msgs(const struct bench_row *r)
{
	return (double)r->tput.messages / tput_seconds(r);
}

static double tput_bytes(const struct bench_row *r)
{
	return (double)r->tput.bytes / tput_seconds(r);
}

/* Running. */

static const char *bench_mode_name(bool latency)
{
	return latency ? "latency" : "throughput";
}

static void bench_progress(size_t i, size_t n, const struct bench_row *r, bool latency)
{
	char sz[16];

	if (!isatty(STDERR_FILENO))
		return;
	fmt_size(sz, sizeof(sz), r->size);
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %s", i, n, r->name, sz, bench_mode_name(latency));
	fflush(stderr);
}

static void bench_progress_done(void)
{
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
}

/*
 * Measure one row in one mode. Returns EXIT_OK, or EXIT_FAIL after saying
 * why; a size the mechanism cannot carry (or a mechanism missing from this
 * build, in a default run) is only a note on the row.
 */
static int bench_measure(struct bench_row *r, bool latency, bool named)
{
	struct bench_params p;
	const char *why = NULL;
	uint64_t *samples = NULL;
	size_t n = 0;
	char sz[16];
	int rc;

	memset(&p, 0, sizeof(p));
	p.size = r->size;
	p.count = opt.count;
	p.duration_ms = opt.count ? 0 : (uint64_t)opt.duration_ms;
	p.warmup = opt.warmup;
	p.warmup_ms = opt.warmup_set ? 0 : BENCH_DEFAULT_WARMUP_MS;
	p.cpu[0] = opt.cpu[0];
	p.cpu[1] = opt.cpu[1];
	p.ep = r->mech ? NULL : &r->ep;
	if (!r->mech)
		rc = bench_endpoint(&p, &r->tput, &why);
	else if (latency)
		rc = bench_latency(r->mech, &p, &samples, &n, &why);
	else
		rc = bench_throughput(r->mech, &p, &r->tput, &why);
	if (rc < 0) {
		int err = errno;

		fmt_size(sz, sizeof(sz), r->size);
		if (err == EMSGSIZE || (err == ENOTSUP && !named)) {
			snprintf(r->note, sizeof(r->note), "%s%s: %s", err == EMSGSIZE ? sz : "",
				 err == EMSGSIZE ? " n/a" : "n/a",
				 why ? why : strerror(err));
			if (err == ENOTSUP && r->size == opt.sizes[0]) {
				bench_progress_done();
				cmd_warnx("%s: %s", r->name, why ? why : strerror(err));
			}
			return EXIT_OK;
		}
		bench_progress_done();
		if (why && err)
			cmd_warnx("'%s' (%s, %s bytes): %s: %s", r->name, bench_mode_name(latency), sz,
				  why, strerror(err));
		else
			cmd_warnx("'%s' (%s, %s bytes): %s", r->name, bench_mode_name(latency), sz,
				  why ? why : strerror(err));
		snprintf(r->note, sizeof(r->note), "failed: %s", why ? why : strerror(err));
		return EXIT_FAIL;
	}
	if (latency) {
		if (n > 0) {
			stats_compute(samples, n, &r->lat);
			r->has_lat = true;
		}
		free(samples);
	} else {
		r->has_tput = true;
		if (r->tput.sent > r->tput.messages)
			snprintf(r->note, sizeof(r->note), "%llu of %llu messages lost",
				 (unsigned long long)(r->tput.sent - r->tput.messages),
				 (unsigned long long)r->tput.sent);
	}
	return EXIT_OK;
}

/* Notes printed with every format. */

static void bench_pin_note(char *buf, size_t len)
{
	if (opt.cpu[0] >= 0)
		snprintf(buf, len, "CPUs pinned: parent on CPU %d, child on CPU %d", opt.cpu[0],
			 opt.cpu[1]);
	else
		snprintf(buf, len, "CPUs not pinned (the scheduler placed the two processes)");
}

/*
 * The size sweep: for each copying mechanism, the smallest size at which
 * the ring (shm) beats it, by throughput and by p50 round trip.
 */
struct bench_cross {
	const char *name;
	uint64_t tput_size, lat_size;	/* 0: not within the sizes measured */
	bool tput_known, lat_known;
};

static const struct bench_row *bench_find_row(const struct bench_row *rows, size_t n,
					      const char *name, size_t size)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].mech && strcmp(rows[i].name, name) == 0 && rows[i].size == size)
			return &rows[i];
	return NULL;
}

static size_t bench_crossovers(const struct bench_row *rows, size_t n, struct bench_cross *out,
			       size_t max)
{
	size_t i, k, nc = 0;

	if (opt.nsizes < 2)
		return 0;
	for (i = 0; i < n && nc < max; i++) {
		const struct bench_row *r = &rows[i];
		struct bench_cross c = { r->name, 0, 0, false, false };
		bool seen = false;

		if (!r->mech || !(r->mech->flags & BENCH_PAYLOAD) || (r->mech->flags & BENCH_SHM))
			continue;
		for (k = 0; k < nc; k++)
			if (strcmp(out[k].name, r->name) == 0)
				seen = true;
		if (seen)
			continue;
		for (k = 0; k < opt.nsizes; k++) {
			const struct bench_row *x = bench_find_row(rows, n, r->name, opt.sizes[k]);
			const struct bench_row *s = bench_find_row(rows, n, "shm", opt.sizes[k]);

			if (!x || !s)
				continue;
			if (x->has_tput && s->has_tput) {
				if (!c.tput_known && tput_bytes(s) > tput_bytes(x))
					c.tput_size = opt.sizes[k];
				c.tput_known = c.tput_known || c.tput_size;
			}
			if (x->has_lat && s->has_lat) {
				if (!c.lat_known && s->lat.p50 < x->lat.p50)
					c.lat_size = opt.sizes[k];
				c.lat_known = c.lat_known || c.lat_size;
			}
		}
		out[nc++] = c;
	}
	return nc;
}

static bool bench_has_shm(const struct bench_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].mech && strcmp(rows[i].name, "shm") == 0 &&
		    (rows[i].has_lat || rows[i].has_tput))
			return true;
	return false;
}

/* "shm beats pipe from 4K (throughput), from 64 (round trip)" lines. */
static void bench_cross_lines(const struct bench_row *rows, size_t n, FILE *out,
			      const char *prefix)
{
	struct bench_cross c[32];
	size_t nc, i;
	char a[16], b[16];

	if (opt.nsizes < 2 || bench_crossovers(rows, n, c, 32) == 0)
		return;
	if (!bench_has_shm(rows, n)) {
		fprintf(out, "%scrossover: not computed (shm was not measured)\n", prefix);
		return;
	}
	nc = bench_crossovers(rows, n, c, 32);
	for (i = 0; i < nc; i++) {
		fmt_size(a, sizeof(a), c[i].tput_size);
		fmt_size(b, sizeof(b), c[i].lat_size);
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

static const struct table_column bench_columns[] = {
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

static int bench_print_table(const struct bench_row *rows, size_t n)
{
	struct table_opts to = { .name = "bench" };
	const char *bad;
	struct table *t;
	char buf[64];
	size_t i;
	bool notes = false;
	int rc;

	for (i = 0; i < n; i++)
		notes = notes || rows[i].note[0];
	t = table_new(bench_columns, sizeof(bench_columns) / sizeof(bench_columns[0]),
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
		fmt_size(buf, sizeof(buf), r->size);
		table_set(t, COL_SIZE, buf);
		if (r->has_lat) {
			static const size_t cols[] = { COL_MIN, COL_P50, COL_P90, COL_P99, COL_P999,
						       COL_MAX };
			uint64_t v[] = { r->lat.min, r->lat.p50, r->lat.p90, r->lat.p99,
					 r->lat.p999, r->lat.max };
			size_t k;

			for (k = 0; k < 6; k++) {
				fmt_us(buf, sizeof(buf), (double)v[k]);
				table_set(t, cols[k], buf);
			}
			fmt_us(buf, sizeof(buf), r->lat.mean);
			table_set(t, COL_MEAN, buf);
			fmt_us(buf, sizeof(buf), r->lat.stddev);
			table_set(t, COL_STDDEV, buf);
		}
		if (r->has_tput) {
			fmt_si(buf, sizeof(buf), tput_msgs(r));
			table_set(t, COL_MSGS, buf);
			fmt_iec_rate(buf, sizeof(buf), tput_bytes(r));
			table_set(t, COL_BYTES, buf);
		}
		table_set(t, COL_NOTE, r->note);
	}
	printf("Round-trip times in microseconds (ping-pong between two processes); "
	       "throughput one way.\n");
	rc = table_print(t, stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	table_free(t);
	bench_pin_note(buf, sizeof(buf));
	printf("%s\n", buf);
	bench_cross_lines(rows, n, stdout, "");
	return rc;
}

/* JSON, hyperfine's way: one object per result, figures with their units. */

/* Names and notes through lib/json.c, the one JSON string writer. */
static void bench_json_string(FILE *out, const char *s)
{
	char buf[256 * 6 + 2];
	size_t len = strnlen(s, 256), n;

	if (json_utf8_valid(s, len))
		n = json_string(buf, s, len);
	else
		n = json_base64(buf, s, len);
	fwrite(buf, 1, n, out);
}

static int bench_print_json(const struct bench_row *rows, size_t n)
{
	struct bench_cross c[32];
	size_t i, nc;
	char buf[128];

	printf("{\n  \"clock\": \"CLOCK_MONOTONIC\",\n  \"pinned\": %s,\n",
	       opt.cpu[0] >= 0 ? "true" : "false");
	if (opt.cpu[0] >= 0)
		printf("  \"cpus\": [%d, %d],\n", opt.cpu[0], opt.cpu[1]);
	else
		printf("  \"cpus\": null,\n");
	printf("  \"results\": [");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		printf("%s\n    {\n      \"mechanism\": ", i ? "," : "");
		bench_json_string(stdout, r->name);
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
			       tput_seconds(r), tput_msgs(r), tput_bytes(r));
		else
			printf("      \"throughput\": null,\n");
		printf("      \"note\": ");
		if (r->note[0])
			bench_json_string(stdout, r->note);
		else
			printf("null");
		printf("\n    }");
	}
	printf("\n  ],\n  \"crossover\": [");
	nc = bench_has_shm(rows, n) ? bench_crossovers(rows, n, c, 32) : 0;
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
	bench_pin_note(buf, sizeof(buf));
	printf("%s],\n  \"note\": ", nc ? "\n  " : "");
	bench_json_string(stdout, buf);
	printf("\n}\n");
	return EXIT_OK;
}

/* CSV: one header row, one row per mechanism and size, fixed columns. */

static void csv_field(FILE *out, const char *s)
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

static int bench_print_csv(const struct bench_row *rows, size_t n)
{
	size_t i;

	printf("mechanism,size,samples,min_ns,p50_ns,p90_ns,p99_ns,p99_9_ns,max_ns,mean_ns,"
	       "stddev_ns,messages,seconds,messages_per_second,bytes_per_second,pinned,note\n");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		csv_field(stdout, r->name);
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
			       tput_seconds(r), tput_msgs(r), tput_bytes(r));
		else
			printf(",,,,");
		printf("%s,", opt.cpu[0] >= 0 ? "true" : "false");
		csv_field(stdout, r->note);
		putchar('\n');
	}
	return EXIT_OK;
}

/* Markdown, hyperfine's headings: units in brackets. */

/* A '|' would end the cell. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static int bench_print_markdown(const struct bench_row *rows, size_t n)
{
	size_t i;
	char buf[128], a[32], b[32];

	printf("| Mechanism | Size | Min [µs] | p50 [µs] | p90 [µs] | p99 [µs] | p99.9 [µs] "
	       "| Max [µs] | Mean ± σ [µs] | Messages/s | Throughput | Note |\n");
	printf("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fmt_size(buf, sizeof(buf), r->size);
		printf("| `%s` | %s |", r->name, buf);
		if (r->has_lat) {
			uint64_t v[] = { r->lat.min, r->lat.p50, r->lat.p90, r->lat.p99,
					 r->lat.p999, r->lat.max };
			size_t k;

			for (k = 0; k < 6; k++) {
				fmt_us(buf, sizeof(buf), (double)v[k]);
				printf(" %s |", buf);
			}
			fmt_us(a, sizeof(a), r->lat.mean);
			fmt_us(b, sizeof(b), r->lat.stddev);
			printf(" %s ± %s |", a, b);
		} else {
			printf(" | | | | | | |");
		}
		if (r->has_tput) {
			fmt_si(a, sizeof(a), tput_msgs(r));
			fmt_iec_rate(b, sizeof(b), tput_bytes(r));
			printf(" %s | %s |", a, b);
		} else {
			printf(" | |");
		}
		printf(" ");
		md_cell(stdout, r->note);
		printf(" |\n");
	}
	bench_pin_note(buf, sizeof(buf));
	printf("\n%s.\n", buf);
	bench_cross_lines(rows, n, stdout, "\n");
	return EXIT_OK;
}

/* Chart: horizontal bars, on a log scale when the figures span decades. */

static bool bench_utf8(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return v && (strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") ||
		     strstr(v, "utf-8"));
}

static void bench_chart(const struct bench_row *rows, size_t n, bool latency, int width)
{
	double lo = 0, hi = 0, v;
	size_t i;
	bool logscale, utf8 = bench_utf8();
	char label[64], sz[16], fig[32];

	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		if (latency ? !r->has_lat : !r->has_tput)
			continue;
		v = latency ? (double)r->lat.p50 : tput_bytes(r);
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
		v = latency ? (double)r->lat.p50 : tput_bytes(r);
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
		fmt_size(sz, sizeof(sz), r->size);
		snprintf(label, sizeof(label), "%s %s", r->name, r->size ? sz : "");
		if (latency) {
			fmt_us(fig, sizeof(fig), (double)r->lat.p50);
			strcat(fig, " us");
		} else {
			fmt_iec_rate(fig, sizeof(fig), v);
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

static int bench_print_chart(const struct bench_row *rows, size_t n)
{
	const char *cols = getenv("COLUMNS");
	int width = cols && atoi(cols) > 60 ? atoi(cols) - 40 : 40;
	char buf[128];
	size_t i;

	if (width > 80)
		width = 80;
	bench_chart(rows, n, true, width);
	bench_chart(rows, n, false, width);
	for (i = 0; i < n; i++)
		if (rows[i].note[0])
			printf("%s %s\n", rows[i].name, rows[i].note);
	bench_pin_note(buf, sizeof(buf));
	printf("%s\n", buf);
	bench_cross_lines(rows, n, stdout, "");
	return EXIT_OK;
}

/* The command. */

static void bench_on_exit(void *arg)
{
	(void)arg;
	bench_abort();
}

/* One row per mechanism and size; notifications and endpoints as they fit. */
static struct bench_row *bench_plan(const char **args, int nargs, size_t *nrows, bool *named,
				    int *rc)
{
	struct bench_row *rows;
	size_t cap, n = 0, k;
	int i, nmech = 0;

	*named = nargs > 0;
	for (i = 0; bench_mechs[i]; i++)
		nmech++;
	cap = (size_t)(nargs > 0 ? nargs : nmech) * opt.nsizes;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows) {
		cmd_warn("cannot plan the run");
		*rc = EXIT_FAIL;
		return NULL;
	}
	for (i = 0; i < (nargs > 0 ? nargs : nmech); i++) {
		const char *name = nargs > 0 ? args[i] : bench_mechs[i]->name;
		const struct bench_mech *m = bench_find(name);
		struct endpoint ep;
		const char *why;

		if (!m && !strchr(name, ':')) {
			free(rows);
			*rc = cmd_usage_error("'%s' is not a mechanism or an endpoint (see "
					      "'ipctool bench --list')", name);
			return NULL;
		}
		if (!m && endpoint_parse(name, &ep, &why) < 0) {
			free(rows);
			*rc = cmd_usage_error("'%s' is %s", name, why);
			return NULL;
		}
		if (!m && (ep.kind == EP_STDIO)) {
			free(rows);
			*rc = cmd_usage_error("'%s': bench needs an endpoint it can open at both ends",
					      name);
			return NULL;
		}
		for (k = 0; k < opt.nsizes; k++) {
			struct bench_row *r = &rows[n];

			if (m && !(m->flags & BENCH_PAYLOAD) && k > 0)
				break;
			r->name = name;
			r->mech = m;
			if (!m)
				r->ep = ep;
			r->size = m && !(m->flags & BENCH_PAYLOAD) ? 0 : opt.sizes[k];
			n++;
		}
	}
	*nrows = n;
	*rc = EXIT_OK;
	return rows;
}

static int bench_run(struct bench_row *rows, size_t n, bool named)
{
	size_t i, steps = 0, step = 0;
	int status = EXIT_OK;

	for (i = 0; i < n; i++) {
		bool notify = rows[i].mech && !(rows[i].mech->flags & BENCH_PAYLOAD);

		steps += (opt.latency && rows[i].mech) + (opt.throughput && !notify);
	}
	for (i = 0; i < n; i++) {
		struct bench_row *r = &rows[i];
		bool notify = r->mech && !(r->mech->flags & BENCH_PAYLOAD);

		if (opt.latency && r->mech && !r->note[0]) {
			bench_progress(++step, steps, r, true);
			if (bench_measure(r, true, named) != EXIT_OK)
				status = EXIT_FAIL;
		}
		if (opt.throughput && !notify && !r->note[0]) {
			bench_progress(++step, steps, r, false);
			if (bench_measure(r, false, named) != EXIT_OK)
				status = EXIT_FAIL;
		}
		if (opt.throughput && notify && !opt.latency)
			snprintf(r->note, sizeof(r->note), "a notification carries no data: latency only");
		if (opt.latency && !r->mech && !r->note[0])
			snprintf(r->note, sizeof(r->note), "an endpoint is one-way: throughput only");
	}
	bench_progress_done();
	return status;
}

int cmd_bench(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, bench_options);
	struct bench_row *rows = NULL;
	const char **args;
	size_t nrows = 0;
	int o, nargs, rc = EXIT_OK, out;
	bool named, list = false;

	opt.duration_ms = BENCH_DEFAULT_MS;
	opt.warmup = BENCH_DEFAULT_WARMUP;
	while ((o = cmd_popt_next(pc)) > 0) {
		if (o == OPT_LIST)
			list = true;
		else if (bench_option(pc, o) != EXIT_OK)
			rc = EXIT_USAGE;
	}
	args = cmd_popt_args(pc, &nargs);
	if (o < 0)
		rc = EXIT_USAGE;
	if (rc == EXIT_OK && opt.count && opt.duration_set)
		rc = cmd_usage_error("--count and --duration exclude each other");
	if (rc == EXIT_OK && opt.cpu[0] >= 0 && opt.cpu[0] == opt.cpu[1])
		cmd_warnx("--pin: both processes on CPU %d: spinning mechanisms will crawl",
			  opt.cpu[0]);
	if (rc == EXIT_OK && list) {
		bench_list();
		poptFreeContext(pc);
		return EXIT_OK;
	}
	if (rc == EXIT_OK && opt.nsizes == 0)
		bench_parse_sizes(BENCH_DEFAULT_SIZES);
	if (!opt.latency && !opt.throughput)
		opt.latency = opt.throughput = true;
	if (rc == EXIT_OK)
		rows = bench_plan(args, nargs, &nrows, &named, &rc);
	if (rc != EXIT_OK) {
		poptFreeContext(pc);
		return rc;
	}
	cleanup_signals();
	cleanup_push(bench_on_exit, NULL);
	rc = bench_run(rows, nrows, named);
	cleanup_run();
	switch (opt.format) {
	case FMT_JSON:
		out = bench_print_json(rows, nrows);
		break;
	case FMT_CSV:
		out = bench_print_csv(rows, nrows);
		break;
	case FMT_MARKDOWN:
		out = bench_print_markdown(rows, nrows);
		break;
	case FMT_CHART:
		out = bench_print_chart(rows, nrows);
		break;
	default:
		out = bench_print_table(rows, nrows);
		break;
	}
	free(rows);
	poptFreeContext(pc);
	return rc != EXIT_OK ? rc : out;
}
