/* SPDX-License-Identifier: ISC */
/*
 * ipc/names.c
 * Printable names of message types, for logs.
 */
#include "ipc_priv.h"

/* Never NULL, so callers can pass it straight to a "%s". */
const char *
ipc_type_name(int type)
{
	const struct ipc_layout *l;

	if ((l = ipc_layout_find(type)) == NULL)
		return "unknown";
	return l->name;
}
