/*
 * ipctool bench: the results of a run and the output formats that print
 * them (cmd/bench_format.c). cmd/bench.c parses the options, plans and runs
 * the measurements into rows, and hands them to bench_format_print.
 */
#ifndef IPCTOOL_CMD_BENCH_FORMAT_H
#define IPCTOOL_CMD_BENCH_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/bench.h"
#include "../lib/endpoint.h"
#include "../lib/stats.h"

enum bench_format {
	BENCH_FORMAT_TABLE,
	BENCH_FORMAT_JSON,
	BENCH_FORMAT_CSV,
	BENCH_FORMAT_MARKDOWN,
	BENCH_FORMAT_CHART,
};

/* One mechanism (or endpoint) at one size, with what was measured. */
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

/* A whole run: its rows and the settings every format states. */
struct bench_report {
	const struct bench_row *rows;
	size_t n;
	const uint64_t *sizes;		/* the sizes swept, in the order given */
	size_t nsizes;
	int cpu[2];			/* parent's and child's CPU; -1: not pinned */
};

/* Print the report on stdout in format f: EXIT_OK or EXIT_FAIL. */
int bench_format_print(enum bench_format f, const struct bench_report *rep);
/* 64, 4K, 1M: a message size as -s takes it; "-" for 0. */
void bench_format_size(char *buf, size_t len, uint64_t size);

#endif
