/*
 * trueno_testing.h — hooks for Trueno's own tests (fault injection). Not
 * for production use; installed so that out-of-tree plugins can run the
 * same tests.
 */
#ifndef TRUENO_TESTING_H
#define TRUENO_TESTING_H

#include "trueno.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Makes the n-th allocation from now, counted across every allocation the
 * core makes for itself and lends to plugins (trueno_host.aligned_alloc),
 * fail as if memory were exhausted; n = 0 turns injection off. Process-wide;
 * not meant to be used while other threads run Trueno. */
TRUENO_API void trueno_testing_fail_allocation(long n);

/* Allocations made since the last trueno_testing_fail_allocation call
 * (successful or failed), so a test can walk n over all of them. */
TRUENO_API long trueno_testing_allocation_count(void);

#ifdef __cplusplus
}
#endif

#endif
