/* SPDX-License-Identifier: ISC */
/*
 * config/dotenv.h
 * The .env parser (dotenv.c): text in, variables or the line of the first
 * mistake out. Pure: it reads no file and no environment; load_env.c does.
 */
#ifndef TEND_DOTENV_H
#define TEND_DOTENV_H

#include <stddef.h>

struct cfg_dotenv_var {
	char *name;
	char *value;
	unsigned line; /* 1-based, where the assignment starts */
};

/* The variables in file order; a name may occur twice (the last wins). */
struct cfg_dotenv {
	struct cfg_dotenv_var *v;
	size_t n;
};

struct cfg_dotenv_err {
	unsigned line; /* 1-based */
	char msg[160]; /* "expected KEY=VALUE" */
};

/*
 * Parse text as docker compose and the dotenv libraries read a .env:
 * KEY=VALUE lines, an optional "export " before the name, blanks around
 * '=', blank lines and # comments (a whole line, or after a value and
 * whitespace), 'single' quotes taken literally and "double" quotes with
 * \n, \r, \t, \" and \\ escapes (any other backslash is kept as it is);
 * a quoted value may span lines. Returns 0 with out filled, or -1 with
 * err filled and out empty. Variable names are POSIX portable names.
 */
int cfg_dotenv_parse(const char *text, size_t len, struct cfg_dotenv *out,
    struct cfg_dotenv_err *err);
void cfg_dotenv_free(struct cfg_dotenv *d);

#endif
