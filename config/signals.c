/* SPDX-License-Identifier: ISC */
/*
 * config/signals.c
 * Signal names as tend.json writes them ("SIGTERM", "TERM", "15") and
 * back. A fixed table rather than sigabbrev_np(3): glibc 2.32 only, and
 * the accepted spellings should not depend on the libc.
 */
#include <signal.h>
#include <string.h>

#include "cfg_int.h"

static const struct {
	int sig;
	const char *name;
} cfg_signals[] = {
    {SIGHUP, "SIGHUP"},
    {SIGINT, "SIGINT"},
    {SIGQUIT, "SIGQUIT"},
    {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"},
    {SIGABRT, "SIGABRT"},
    {SIGBUS, "SIGBUS"},
    {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"},
    {SIGUSR1, "SIGUSR1"},
    {SIGSEGV, "SIGSEGV"},
    {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"},
    {SIGALRM, "SIGALRM"},
    {SIGTERM, "SIGTERM"},
    {SIGCHLD, "SIGCHLD"},
    {SIGCONT, "SIGCONT"},
    {SIGSTOP, "SIGSTOP"},
    {SIGTSTP, "SIGTSTP"},
    {SIGTTIN, "SIGTTIN"},
    {SIGTTOU, "SIGTTOU"},
    {SIGWINCH, "SIGWINCH"},
    {SIGSYS, "SIGSYS"},
};

/* Linux numbers signals 1..64 (SIGRTMAX); kill(2) takes any of them. */
#define CFG_SIG_MAX 64

/* "SIGTERM", "TERM", "15" -> 15; -1 when unknown. Uppercase only. */
int
cfg_signal_from_name(const char *name)
{
	size_t i;
	int v = 0;

	if (name == NULL || name[0] == '\0')
		return -1;
	if (name[0] >= '0' && name[0] <= '9') {
		for (i = 0; name[i] != '\0'; i++) {
			if (name[i] < '0' || name[i] > '9' || i >= 3)
				return -1;
			v = v * 10 + (name[i] - '0');
		}
		return v >= 1 && v <= CFG_SIG_MAX ? v : -1;
	}
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < CFG_NELEM(cfg_signals); i++)
		if (strcmp(name, cfg_signals[i].name + 3) == 0)
			return cfg_signals[i].sig;
	return -1;
}

/* 15 -> "SIGTERM"; NULL when the signal has no name in the table. */
const char *
cfg_signal_name(int signo)
{
	size_t i;

	for (i = 0; i < CFG_NELEM(cfg_signals); i++)
		if (cfg_signals[i].sig == signo)
			return cfg_signals[i].name;
	return NULL;
}
