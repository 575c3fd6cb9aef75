/*
 * The checks of the C test programs: each counts, prints "FAIL file:line: …" when it fails, and the program ends
 * with check_summary(), which prints "checks N failed M" (what the vitest side reads) and gives the exit status.
 */
#ifndef XENMEM_TEST_CHECK_H
#define XENMEM_TEST_CHECK_H

#include <stdio.h>

static int checks, failed;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failed++;                                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                    \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
        }                                                                  \
    } while (0)

/* The counts, and the exit status: 1 if any check failed. */
static inline int check_summary(void)
{
    printf("checks %d failed %d\n", checks, failed);
    return failed ? 1 : 0;
}

#endif
