/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_supervisor_backoff.c
 * proc/backoff.c, the restart delay services and tend exec share: it
 * doubles from 0.1 s to 10 s, starts afresh after a stable run, is 0 when
 * a restart is asked for, and gives up after `limit` fast failures.
 */
#include <criterion/criterion.h>

#include "backoff.h"

/* cr_assert_float_eq evaluates its arguments twice: call once. */
static void
expect_delay(struct backoff *b, double up, bool failed, bool now,
    unsigned limit, double want)
{
	double got = backoff_after(b, up, failed, now, limit);

	cr_assert_float_eq(got, want, 1e-9, "got %g, want %g", got, want);
}

TestSuite(backoff, .timeout = 10.);

Test(backoff, doubles_up_to_the_cap_then_starts_afresh)
{
	struct backoff b;
	double want[] = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0};

	backoff_reset(&b);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		expect_delay(&b, 1.0, true, false, 0, want[i]);
	/* Up for BACKOFF_STABLE: a new failure, not the next of a loop. */
	expect_delay(&b, BACKOFF_STABLE, true, false, 0, 0.1);
	cr_assert_eq(b.fast_fails, 0);
}

Test(backoff, gives_up_after_limit_fast_failures_in_a_row)
{
	struct backoff b;

	backoff_reset(&b);
	cr_assert(backoff_after(&b, 0.5, true, false, 3) >= 0);
	cr_assert(backoff_after(&b, 0.5, true, false, 3) >= 0);
	cr_assert(backoff_after(&b, 0.5, true, false, 3) < 0);
	cr_assert_eq(b.fast_fails, 3);
}

Test(backoff, an_asked_restart_is_immediate_and_no_failure)
{
	struct backoff b;

	backoff_reset(&b);
	expect_delay(&b, 0.5, true, true, 1, 0);
	cr_assert_eq(b.fast_fails, 0);
	expect_delay(&b, 0.5, false, false, 1, 0.1);
}
