/* SPDX-License-Identifier: ISC */
/*
 * supervisor/ctl/status_table.c
 * `tend status` for people: the JSON tend sent (documented in tend(1))
 * as one line per job and one for the worker. --json prints it as sent.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ctl.h"

static const char *
str(const cJSON *o, const char *key, const char *none)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : none;
}

/* A number field as text, "-" when null or absent. */
static void
num(const cJSON *o, const char *key, char *buf, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(v))
		snprintf(buf, size, "%.0f", v->valuedouble);
	else
		snprintf(buf, size, "-");
}

static void
ago(const cJSON *o, char *buf, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "since");
	double d;

	if (!cJSON_IsNumber(v)) {
		snprintf(buf, size, "-");
		return;
	}
	d = (double)time(NULL) - v->valuedouble;
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, size, "%.0fs ago", d);
	else if (d < 7200)
		snprintf(buf, size, "%.0fm ago", d / 60);
	else
		snprintf(buf, size, "%.0fh ago", d / 3600);
}

int
ctl_print_status(const char *json, bool as_json)
{
	cJSON *root = cJSON_Parse(json), *jobs, *job, *wk;
	char tendpid[24];
	int width = 3;

	if (root == NULL ||
	    !cJSON_IsArray(
	        jobs = cJSON_GetObjectItemCaseSensitive(root, "jobs"))) {
		fprintf(stderr,
		    "tend status: tend sent a status that is not "
		    "the expected JSON\n");
		cJSON_Delete(root);
		return 1;
	}
	if (as_json) {
		fputs(json, stdout);
		cJSON_Delete(root);
		return 0;
	}
	cJSON_ArrayForEach(job, jobs)
	{
		int n = (int)strlen(str(job, "name", ""));
		if (n > width)
			width = n;
	}
	num(root, "pid", tendpid, sizeof(tendpid));
	printf("tend %s (pid %s), %s\n", str(root, "mode", "?"), tendpid,
	    str(root, "state", "?"));
	printf("%-*s  %-7s  %-8s  %7s  %8s  %4s  %s\n", width, "JOB", "KIND",
	    "STATE", "PID", "RESTARTS", "EXIT", "SINCE");
	cJSON_ArrayForEach(job, jobs)
	{
		char pid[24], restarts[24], ex[24], since[32];
		num(job, "pid", pid, sizeof(pid));
		num(job, "restarts", restarts, sizeof(restarts));
		num(job, "last_exit", ex, sizeof(ex));
		ago(job, since, sizeof(since));
		printf("%-*s  %-7s  %-8s  %7s  %8s  %4s  %s\n", width,
		    str(job, "name", "?"), str(job, "kind", "?"),
		    str(job, "state", "?"), pid, restarts, ex, since);
	}
	wk = cJSON_GetObjectItemCaseSensitive(root, "worker");
	if (cJSON_IsObject(wk)) {
		char pid[24];
		num(wk, "pid", pid, sizeof(pid));
		printf("worker pid %s, http://%s/%s%s\n", pid,
		    str(wk, "http", "?"),
		    cJSON_IsString(cJSON_GetObjectItem(wk, "udp")) ? ", udp "
		                                                   : "",
		    str(wk, "udp", ""));
	}
	cJSON_Delete(root);
	return 0;
}
