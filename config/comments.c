/* SPDX-License-Identifier: ISC */
/*
 * config/comments.c
 * Blank // and slash-star comments to spaces before cJSON sees the text.
 * cJSON_Minify would strip them too, but also every newline, and then a
 * syntax error could no longer be given as line:column. Newlines inside
 * comments are kept for the same reason; strings are copied untouched.
 */
#include <stddef.h>

#include "cfg_int.h"

enum cfg_lex { LEX_CODE, LEX_STRING, LEX_LINE, LEX_BLOCK };

/*
 * Works in place on buf[0..len). Returns 0, or -1 with *bad set to the
 * offset of a slash-star comment that is never closed. An unterminated
 * string is left for cJSON to report, at its own position.
 */
int
cfg_strip_comments(char *buf, size_t len, size_t *bad)
{
	enum cfg_lex st = LEX_CODE;
	size_t i, open = 0;
	bool esc = false;

	/* An editor's UTF-8 byte order mark is not a JSON error. */
	if (len >= 3 && (unsigned char)buf[0] == 0xef &&
	    (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf)
		buf[0] = buf[1] = buf[2] = ' ';

	for (i = 0; i < len; i++) {
		char ch = buf[i];

		switch (st) {
		case LEX_CODE:
			if (ch == '"') {
				st = LEX_STRING;
				esc = false;
			} else if (ch == '/' && i + 1 < len &&
			    (buf[i + 1] == '/' || buf[i + 1] == '*')) {
				st = buf[i + 1] == '/' ? LEX_LINE : LEX_BLOCK;
				open = i;
				buf[i] = buf[i + 1] = ' ';
				i++;
			}
			break;
		case LEX_STRING:
			/* Only an unescaped quote ends it: "a\"//b" stays. */
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				st = LEX_CODE;
			break;
		case LEX_LINE:
			if (ch == '\n')
				st = LEX_CODE;
			else
				buf[i] = ' ';
			break;
		case LEX_BLOCK:
			if (ch == '*' && i + 1 < len && buf[i + 1] == '/') {
				buf[i] = buf[i + 1] = ' ';
				i++;
				st = LEX_CODE;
			} else if (ch != '\n') {
				buf[i] = ' ';
			}
			break;
		}
	}
	if (st == LEX_BLOCK) {
		*bad = open;
		return -1;
	}
	return 0;
}
