/* SPDX-License-Identifier: ISC */
/*
 * supervisor/run/run.h
 * `tend run`: the named jobs and what they depend on, each once, as many
 * at once as -j allows, then a summary. struct runner extends struct sup
 * (sup/) with the selection and the limits.
 */
#ifndef TEND_RUN_H
#define TEND_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "sup.h"

struct runner {
	struct sup sup; /* first: a struct sup * of run mode is a runner */
	unsigned parallel; /* -j; 0: the number of CPUs */
	bool keep_going;
	int json_fd; /* --json: where the summary goes; -1: a table */
	char **targets; /* job names given on the command line */
	size_t ntargets;
};

/* run.c */
int run_main(struct runner *r); /* r->sup.cfg set; returns as sup_run */

/* summary.c: the table printed at the end, or JSON on fd */
void run_summary(const struct sup *s);
void run_summary_json(const struct sup *s, int fd);

#endif
