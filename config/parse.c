/* SPDX-License-Identifier: ISC */
/*
 * config/parse.c
 * From a file name to a cJSON tree: read with a size cap, check UTF-8,
 * blank comments, check the grammar (syntax.c) and parse; a mistake is
 * given as line:column. Nothing here knows what tend.json means; that is
 * load.c.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

/*
 * Read all of file into a malloc'd buffer. The cap is checked while
 * reading, not with fstat, so that a pipe or a growing file obeys it too.
 */
int
cfg_read_file(const char *file, char **out, size_t *outlen, struct cfg_err *err)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, saved;

	do
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return cfg_errf(err, "cannot read: %s", strerror(errno));
	for (;;) {
		if (len == cap) {
			/* One byte past the cap tells "too large" apart. */
			cap = cap ? cap * 2 : 16384;
			if (cap > CFG_MAX_FILE + 1)
				cap = CFG_MAX_FILE + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				cfg_errf(err, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			cfg_errf(err, "cannot read: %s", strerror(saved));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CFG_MAX_FILE) {
			cfg_errf(err, "file too large (more than 1 MiB)");
			goto fail;
		}
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

/* Byte offset -> 1-based line and column (in bytes, as editors count). */
static int
cfg_syntax(struct cfg_err *err, const char *buf, size_t off, const char *msg)
{
	int line = 1, col = 1;
	size_t i;

	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return cfg_err_add(err, line, col, msg);
}

/*
 * The offset of the first byte that is not UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or len. RFC 8259 8.1:
 * JSON text is UTF-8, and cJSON would pass other bytes into strings.
 */
static size_t
utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80          ? 0
		    : c >= 0xc2 && c <= 0xdf ? 1
		    : c >= 0xe0 && c <= 0xef ? 2
		    : c >= 0xf0 && c <= 0xf4 ? 3
		                             : 4;
		unsigned char lo = 0x80, hi = 0xbf;

		if (n == 4)
			return i;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
		else if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
		if (n > 0 && (i + 1 >= len || s[i + 1] < lo || s[i + 1] > hi))
			return i;
		for (size_t k = 2; k <= n; k++)
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/*
 * Parse buf[0..len) into a tree the caller deletes, or NULL with err
 * filled. cJSON_ParseWithLengthOpts with require_null_terminated wants
 * the terminating NUL inside the length, hence len + 1 on a copy.
 */
cJSON *
cfg_parse_text(const char *buf, size_t len, struct cfg_err *err)
{
	const char *end = NULL, *nul;
	cJSON *root;
	size_t bad, i, off;
	char *text, msg[256];

	if (len > CFG_MAX_FILE) {
		cfg_errf(err, "file too large (more than 1 MiB)");
		return NULL;
	}
	/* cJSON would stop at a NUL and take the rest for the end. */
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		cfg_syntax(
		    err, buf, (size_t)(nul - buf), "unexpected NUL byte");
		return NULL;
	}
	if ((bad = utf8_bad((const unsigned char *)buf, len)) < len) {
		snprintf(msg, sizeof(msg),
		    "invalid UTF-8 (byte 0x%02x); JSON text is UTF-8",
		    (unsigned char)buf[bad]);
		cfg_syntax(err, buf, bad, msg);
		return NULL;
	}
	if ((text = malloc(len + 1)) == NULL) {
		cfg_errf(err, "out of memory");
		return NULL;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	if (cfg_strip_comments(text, len, &bad) < 0) {
		cfg_syntax(err, text, bad, "unterminated /* comment");
		goto fail;
	}
	for (i = 0; i < len && (unsigned char)text[i] <= ' '; i++)
		;
	if (i == len) {
		cfg_errf(err, "empty document; expected an object");
		goto fail;
	}

	/* The grammar first: it can say what was expected where. */
	if (!cfg_json_check(text, len, &off, msg, sizeof(msg))) {
		cfg_syntax(err, text, off, msg);
		goto fail;
	}
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root != NULL) {
		free(text);
		return root;
	}
	/* Valid JSON that cJSON refuses all the same (out of memory). */
	off = end != NULL && end >= text ? (size_t)(end - text) : 0;
	cfg_syntax(err, text, off > len ? len : off, "cannot parse the JSON");
fail:
	free(text);
	return NULL;
}
