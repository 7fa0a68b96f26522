/*
 * ipctool bench: round-trip latency and one-way throughput of every IPC
 * mechanism (lib/bench), or of an endpoint the user names, as a table,
 * JSON, CSV, Markdown or a bar chart (bench_format.c). This file parses the
 * options, plans the rows and runs the measurements.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/bench.h"
#include "../lib/endpoint.h"
#include "../lib/stats.h"
#include "bench_format.h"
#include "cmd.h"

/* Defaults: every mechanism at two sizes in about 20 s on two cores. */
#define BENCH_DEFAULT_SIZES "64,64K"
#define BENCH_DEFAULT_MS 300
#define BENCH_DEFAULT_WARMUP 1000
#define BENCH_DEFAULT_WARMUP_MS 40
#define BENCH_SIZES_MAX 16
#define BENCH_SIZE_MAX (256ull << 20)


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
	{ "count", 'c', POPT_ARG_STRING, NULL, OPT_COUNT,
	  "timed round trips or messages per measurement", "COUNT" },
	/* -c is --count everywhere; -n, its letter before 0.2, still is here. */
	{ NULL, 'n', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_COUNT, NULL, "COUNT" },
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

	if (strlen(text) >= sizeof(buf))
		return cmd_usage_error("--pin: '%s' is not two CPUs (like 0,1)", text);
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

/* A CPU the processes may not use fails every run: say so once, up front. */
static int bench_check_cpus(void)
{
	int k;

	for (k = 0; k < 2; k++)
		if (bench_pin_check(opt.cpu[k]) < 0) {
			cmd_warn("cannot pin to CPU %d", opt.cpu[k]);
			return EXIT_FAIL;
		}
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
		bench_set_format(BENCH_FORMAT_JSON);
		break;
	case OPT_CSV:
		bench_set_format(BENCH_FORMAT_CSV);
		break;
	case OPT_MARKDOWN:
		bench_set_format(BENCH_FORMAT_MARKDOWN);
		break;
	case OPT_CHART:
		bench_set_format(BENCH_FORMAT_CHART);
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
	bench_format_size(sz, sizeof(sz), r->size);
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

		bench_format_size(sz, sizeof(sz), r->size);
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
	struct bench_report rep;
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
	if (bench_check_cpus() != EXIT_OK) {
		free(rows);
		poptFreeContext(pc);
		return EXIT_FAIL;
	}
	cleanup_signals();
	cleanup_push(bench_on_exit, NULL);
	rc = bench_run(rows, nrows, named);
	cleanup_run();
	rep.rows = rows;
	rep.n = nrows;
	rep.sizes = opt.sizes;
	rep.nsizes = opt.nsizes;
	rep.cpu[0] = opt.cpu[0];
	rep.cpu[1] = opt.cpu[1];
	out = bench_format_print(opt.format, &rep);
	free(rows);
	poptFreeContext(pc);
	return rc != EXIT_OK ? rc : out;
}

