/* SPDX-License-Identifier: ISC */
/*
 * worker/http_mime.c
 * Content types by file-name extension, for the static files a dev site
 * is made of. A small fixed table: no /etc/mime.types, so the answer does
 * not depend on the machine. Text types carry "; charset=utf-8".
 */
#include <string.h>
#include <strings.h>

#include "http_priv.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"avif", "image/avif"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
};

/* The type for a path's last segment; application/octet-stream if unknown. */
const char *
wrk_http_mime(const char *path)
{
	const char *base, *dot;
	size_t k;

	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot != NULL && dot != base) {
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (strcasecmp(dot + 1, types[k].ext) == 0)
				return types[k].type;
	}
	return "application/octet-stream";
}
