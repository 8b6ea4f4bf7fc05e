/* SPDX-License-Identifier: ISC */
/*
 * tests/unit/test_config.h
 * Checks the config tests share (test_config_util.c).
 */
#ifndef TEND_TEST_CONFIG_H
#define TEND_TEST_CONFIG_H

#include "config.h"

/* Load json that must be valid, with the error as the failure message. */
void load_ok(const char *json, struct cfg *c);
/* The job called name, which must exist. */
const struct cfg_job *job(const struct cfg *c, const char *name);

/*
 * Load json, which must fail at path with an error containing msg, and
 * leave the config empty.
 */
/* The config the caller gets back after an error is empty. */
void assert_cfg_empty(const struct cfg *c);
void assert_load_fails(const char *json, const char *path, const char *msg);
/*
 * Load json, which must fail with exactly n / 2 mistakes, in this order:
 * want holds a path and a part of the message for each.
 */
void assert_load_fails_all(const char *json, const char *const *want, size_t n);
#define CFG_NELEM_T(a) (sizeof(a) / sizeof((a)[0]))

#endif
