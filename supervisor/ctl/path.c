/* SPDX-License-Identifier: ISC */
/*
 * supervisor/ctl/path.c
 * Where a tend's control socket lives: in $XDG_RUNTIME_DIR/tend (the
 * user's own, per the XDG spec), else in /tmp/tend-UID, a directory tend
 * makes 0700 and refuses if anyone else owns it or may enter it. The name
 * is a hash of the absolute path of the config file, so every command
 * run for the same tend.json finds the same tend.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

/* The config file's absolute path, whether or not it exists. */
static int
config_key(const char *cfg_file, char *out, size_t size)
{
	const char *file = cfg_file != NULL ? cfg_file : "tend.json";
	char dir[PATH_MAX], abs[PATH_MAX];
	const char *slash = strrchr(file, '/');
	const char *base = slash != NULL ? slash + 1 : file;

	if (realpath(file, abs) != NULL) {
		snprintf(out, size, "%s", abs);
		return 0;
	}
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(
		    dir, sizeof(dir), "%.*s", (int)(slash - file + 1), file);
	if (realpath(dir, abs) == NULL)
		return -1;
	if ((size_t)snprintf(out, size, "%s/%s", abs, base) >= size)
		return -1;
	return 0;
}

/* FNV-1a, 64 bits: short, stable names; not a secret. */
static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * dir must be ours alone: a directory we own that no one else may use.
 * Returns 0, 1 when it does not exist (and create is false), or -1 after
 * saying why it cannot be used.
 */
static int
private_dir(const char *dir, bool create)
{
	struct stat st;

	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("control socket: mkdir %s", dir);
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		if (!create && errno == ENOENT)
			return 1;
		log_warn("control socket: %s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		log_warnx("control socket: %s is not a private directory of "
		          "this user; not using it",
		    dir);
		return -1;
	}
	return 0;
}

int
ctl_socket_path(const char *cfg_file, bool create, char *out, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char key[PATH_MAX], dir[PATH_MAX];

	if (config_key(cfg_file, key, sizeof(key)) == -1) {
		log_warnx("control socket: cannot make an absolute path of %s",
		    cfg_file != NULL ? cfg_file : "tend.json");
		return -1;
	}
	if (xdg != NULL && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/tend", xdg);
	else
		snprintf(dir, sizeof(dir), "/tmp/tend-%u", (unsigned)getuid());
	/* Missing: no tend made it, and a client then finds none. */
	if (private_dir(dir, create) == -1)
		return -1;
	if ((size_t)snprintf(out, size, "%s/%016llx.sock", dir,
	        (unsigned long long)hash(key)) >= size) {
		log_warnx("control socket: %s is too long", dir);
		return -1;
	}
	return 0;
}
