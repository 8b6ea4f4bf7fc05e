/* SPDX-License-Identifier: ISC */
/*
 * fuzz/fuzz_config.c
 * libFuzzer target for config/: every input is a tend.json. When it
 * loads, the result must pass cfg_validate, print with cfg_to_json, and
 * the printed text must load again and print the very same text (the
 * round trip `tend config` promises). When it does not load, the error
 * must say something (e_msg non-empty), its strings must be terminated,
 * and cfg_err_format must render it. cfg_free always.
 *
 * Known issue, guarded: a "ready": {"log": RE} is checked with glibc's
 * regcomp, whose memory grows exponentially with stacked repetitions
 * ("a" and 22 "+" take more than 2 GB: fuzz/crashes/config-regcomp-oom*).
 * So that fuzzing goes on past it, regcomp is wrapped (-Wl,--wrap) and
 * refuses, as out of memory (REG_ESPACE), a pattern whose estimated size
 * after expansion is too large. FUZZ_CONFIG_REGEX_GUARD=0 turns the guard
 * off, to reproduce the issue or check its fix.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *	    -Iconfig fuzz/fuzz_config.c config/[a-z]*.c -lcjson -lm \
 *	    -Wl,--wrap=regcomp -o /tmp/fuzz_config
 *	/tmp/fuzz_config -max_total_time=60 fuzz/corpus/config
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __real_regcomp(regex_t *, const char *, int);
int __wrap_regcomp(regex_t *, const char *, int);

/* Estimated parse-tree nodes above which the guard refuses a pattern. */
#define RX_BUDGET (1u << 16)

/*
 * glibc copies the tree of E for each repetition it must spell out: E+
 * is E E*, E{n,m} is m copies; stacked or nested, the copies multiply.
 * Over-estimate: the length times the product of every repetition's
 * count, wherever it stands ("?" and "*" copy nothing).
 */
static bool
rx_too_big(const char *re)
{
	unsigned long long est = strlen(re) + 1, n, m;
	const char *p;
	char *end;

	for (p = re; *p != '\0' && est <= RX_BUDGET; p++) {
		if (*p == '+') {
			est *= 2;
		} else if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
			n = strtoull(p + 1, &end, 10);
			m = n + 1;
			if (*end == ',' && end[1] >= '0' && end[1] <= '9')
				m = strtoull(end + 1, &end, 10);
			est *= (n > m ? n : m) + 1;
		}
	}
	return est > RX_BUDGET;
}

int
__wrap_regcomp(regex_t *rx, const char *re, int flags)
{
	static int guard = -1;
	const char *env;

	if (guard < 0)
		guard = (env = getenv("FUZZ_CONFIG_REGEX_GUARD")) == NULL ||
		    strcmp(env, "0") != 0;
	if (guard && rx_too_big(re))
		return REG_ESPACE;
	return __real_regcomp(rx, re, flags);
}

static void
fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	if (a != NULL)
		fprintf(stderr, "--- first:\n%s\n", a);
	if (b != NULL)
		fprintf(stderr, "--- second:\n%s\n", b);
	abort();
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void
check_err(const struct cfg_err *err)
{
	char line[2048];

	if (!terminated(err->e_msg, sizeof(err->e_msg)) ||
	    !terminated(err->e_path, sizeof(err->e_path)) ||
	    !terminated(err->e_file, sizeof(err->e_file)))
		fail("error strings not NUL-terminated", NULL, NULL);
	if (err->e_msg[0] == '\0')
		fail("error without a message", NULL, NULL);
	if (err->e_line < 0 || err->e_col < 0 ||
	    (err->e_line == 0) != (err->e_col == 0))
		fail("error with a bad position", NULL, NULL);
	cfg_err_format(err, line, sizeof(line));
	if (!terminated(line, sizeof(line)) || line[0] == '\0')
		fail("cfg_err_format gave nothing", NULL, NULL);
}

static void
round_trip(const struct cfg *c)
{
	struct cfg c2;
	struct cfg_err err;
	char *text, *again;
	char line[2048];

	if (cfg_validate(c, &err) != 0) {
		cfg_err_format(&err, line, sizeof(line));
		fail("a loaded config fails cfg_validate", line, NULL);
	}
	if ((text = cfg_to_json(c)) == NULL)
		fail("cfg_to_json gave NULL", NULL, NULL);
	if (cfg_load_buf("fuzz.json", text, strlen(text), &c2, &err) != 0) {
		cfg_err_format(&err, line, sizeof(line));
		fail("the printed config does not load again", text, line);
	}
	if ((again = cfg_to_json(&c2)) == NULL)
		fail(
		    "cfg_to_json gave NULL on the reloaded config", text, NULL);
	if (strcmp(text, again) != 0)
		fail("the round trip changed the config", text, again);
	if (c2.c_njobs != c->c_njobs ||
	    c2.c_serve.s_enabled != c->c_serve.s_enabled)
		fail("the round trip changed the jobs or serve", text, again);
	free(again);
	free(text);
	cfg_free(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg c;
	struct cfg_err err;

	if (cfg_load_buf("fuzz.json", (const char *)data, size, &c, &err) == 0)
		round_trip(&c);
	else
		check_err(&err);
	cfg_free(&c);
	return 0;
}
