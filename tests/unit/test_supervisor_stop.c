/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_stop.c
 * The stop state machine, without a process: each Ctrl-C escalates one
 * step, SIGTERM has a deadline, and the worker's report of the same
 * Ctrl-C never counts as a second press, in either order.
 */
#include <signal.h>

#include <criterion/criterion.h>

#include "stop.h"

static struct stop s;

static void
fresh(void)
{
	stop_init(&s);
}

TestSuite(stop, .init = fresh);

Test(stop, first_ctrl_c_finishes_and_remembers_sigint)
{
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_FINISH);
	cr_assert_eq(s.st, ST_FINISHING);
	cr_assert_eq(s.signo, SIGINT);
}

Test(stop, second_ctrl_c_aborts_and_third_kills_and_exits)
{
	stop_step(&s, SE_INT, 0);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_ABORT);
	cr_assert_eq(s.st, ST_ABORTING);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_KILL | SA_EXIT);
	cr_assert_eq(s.st, ST_KILLING);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_NONE);
	cr_assert_eq(s.signo, SIGINT);
}

Test(stop, idle_while_running_does_nothing_but_exits_once_stopping)
{
	cr_assert_eq(stop_step(&s, SE_SUPERVISOR_IDLE, 0), SA_NONE);
	stop_step(&s, SE_INT, 0);
	cr_assert_eq(stop_step(&s, SE_SUPERVISOR_IDLE, 0), SA_EXIT);
}

Test(stop, sigterm_finishes_with_a_deadline_that_escalates)
{
	cr_assert_eq(stop_step(&s, SE_TERM, 0), SA_FINISH | SA_ARM_GRACE);
	cr_assert_eq(s.signo, SIGTERM);
	cr_assert_eq(stop_step(&s, SE_TERM, 0), SA_NONE, "armed only once");
	cr_assert_eq(stop_step(&s, SE_GRACE_EXPIRED, 0), SA_ABORT);
	cr_assert_eq(stop_step(&s, SE_GRACE_EXPIRED, 0), SA_KILL | SA_EXIT);
}

Test(stop, sigterm_after_ctrl_c_arms_the_deadline_without_escalating)
{
	stop_step(&s, SE_INT, 0);
	cr_assert_eq(stop_step(&s, SE_TERM, 0), SA_ARM_GRACE);
	cr_assert_eq(s.st, ST_FINISHING);
	cr_assert_eq(s.signo, SIGINT, "the first cause is re-raised");
}

Test(stop, worker_report_then_sigint_is_one_press)
{
	cr_assert_eq(stop_step(&s, SE_WORKER_STOPPED, SIGINT), SA_FINISH);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_SAME_PRESS);
	cr_assert_eq(s.st, ST_FINISHING);
	/* The next press is a real second one. */
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_ABORT);
}

Test(stop, sigint_then_worker_report_is_one_press)
{
	stop_step(&s, SE_INT, 0);
	cr_assert_eq(stop_step(&s, SE_WORKER_STOPPED, SIGINT), SA_NONE);
	cr_assert_eq(s.st, ST_FINISHING);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_ABORT);
}

Test(stop, worker_stopped_by_sigterm_is_not_a_pending_press)
{
	stop_step(&s, SE_WORKER_STOPPED, SIGTERM);
	cr_assert_eq(s.signo, SIGTERM);
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_ABORT);
}

Test(stop, sigquit_kills_at_once_from_any_state)
{
	cr_assert_eq(stop_step(&s, SE_QUIT, 0), SA_KILL | SA_EXIT);
	cr_assert_eq(s.signo, SIGQUIT);
	fresh();
	stop_step(&s, SE_INT, 0);
	cr_assert_eq(stop_step(&s, SE_QUIT, 0), SA_KILL | SA_EXIT);
}

Test(stop, grace_expiry_while_running_is_ignored)
{
	cr_assert_eq(stop_step(&s, SE_GRACE_EXPIRED, 0), SA_NONE);
	cr_assert_eq(s.st, ST_RUNNING);
}

Test(stop, a_finished_run_stops_without_a_signal_to_reraise)
{
	cr_assert_eq(stop_step(&s, SE_DONE, 0), SA_FINISH);
	cr_assert_eq(s.st, ST_FINISHING);
	cr_assert_eq(s.signo, 0);
	cr_assert_eq(stop_step(&s, SE_DONE, 0), SA_NONE);
	/* Ctrl-C while services stop still escalates. */
	cr_assert_eq(stop_step(&s, SE_INT, 0), SA_ABORT);
}

Test(stop, a_failure_of_tend_stops_as_sigterm_with_nothing_to_reraise)
{
	cr_assert_eq(stop_step(&s, SE_FAIL, 0), SA_FINISH | SA_ARM_GRACE);
	cr_assert_eq(s.st, ST_FINISHING);
	cr_assert_eq(s.signo, 0);
	/* Already stopping: a failure changes nothing, a Ctrl-C escalates. */
	cr_assert_eq(stop_step(&s, SE_FAIL, 0), SA_NONE);
	cr_assert_eq(stop_step(&s, SE_GRACE_EXPIRED, 0), SA_ABORT);
	cr_assert_eq(s.signo, 0);
}
