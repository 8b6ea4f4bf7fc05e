/* SPDX-License-Identifier: ISC */
/*
 * supervisor/sup/stop.c
 * The stop state machine. Each Ctrl-C escalates one step; SIGTERM is a
 * first step with a deadline; the worker stopping on its own interrupt is
 * a first step that the matching SIGINT does not count twice.
 */
#include <signal.h>

#include "stop.h"

void
stop_init(struct stop *s)
{
	s->st = ST_RUNNING;
	s->signo = 0;
	s->grace_armed = false;
	s->worker_first = false;
}

static unsigned
arm_grace(struct stop *s)
{
	if (s->grace_armed)
		return SA_NONE;
	s->grace_armed = true;
	return SA_ARM_GRACE;
}

static unsigned
on_int(struct stop *s)
{
	switch (s->st) {
	case ST_RUNNING:
		s->st = ST_FINISHING;
		s->signo = SIGINT;
		return SA_FINISH;
	case ST_FINISHING:
		if (s->worker_first) {
			s->worker_first = false;
			s->signo = SIGINT;
			return SA_SAME_PRESS;
		}
		s->st = ST_ABORTING;
		return SA_ABORT;
	case ST_ABORTING:
		s->st = ST_KILLING;
		return SA_KILL | SA_EXIT;
	case ST_KILLING:
		break;
	}
	return SA_NONE;
}

static unsigned
on_term(struct stop *s)
{
	/* A SIGTERM never escalates by itself: its deadline does. */
	switch (s->st) {
	case ST_RUNNING:
		s->st = ST_FINISHING;
		s->signo = SIGTERM;
		return SA_FINISH | arm_grace(s);
	case ST_FINISHING:
	case ST_ABORTING:
		s->worker_first = false;
		return arm_grace(s);
	case ST_KILLING:
		break;
	}
	return SA_NONE;
}

static unsigned
on_grace_expired(struct stop *s)
{
	switch (s->st) {
	case ST_FINISHING:
		s->st = ST_ABORTING;
		return SA_ABORT;
	case ST_ABORTING:
		s->st = ST_KILLING;
		return SA_KILL | SA_EXIT;
	case ST_RUNNING:
	case ST_KILLING:
		break;
	}
	return SA_NONE;
}

unsigned
stop_step(struct stop *s, enum stop_event ev, int signo)
{
	switch (ev) {
	case SE_INT:
		return on_int(s);
	case SE_TERM:
		return on_term(s);
	case SE_QUIT:
		if (s->st == ST_KILLING)
			return SA_NONE;
		s->st = ST_KILLING;
		s->signo = SIGQUIT;
		return SA_KILL | SA_EXIT;
	case SE_GRACE_EXPIRED:
		return on_grace_expired(s);
	case SE_WORKER_STOPPED:
		if (s->st != ST_RUNNING)
			return SA_NONE;
		s->st = ST_FINISHING;
		s->signo = signo;
		s->worker_first = (signo == SIGINT);
		return SA_FINISH;
	case SE_SUPERVISOR_IDLE:
		return s->st == ST_RUNNING ? SA_NONE : SA_EXIT;
	case SE_FAIL:
		if (s->st != ST_RUNNING)
			return SA_NONE;
		s->st = ST_FINISHING;
		return SA_FINISH | arm_grace(s);
	case SE_DONE:
		/* A normal end: nothing to re-raise, the exit code says it. */
		if (s->st != ST_RUNNING)
			return SA_NONE;
		s->st = ST_FINISHING;
		return SA_FINISH;
	}
	return SA_NONE;
}
