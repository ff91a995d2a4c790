/*
 * The EL9 baseline (dist/el9-baseline.txt): glibc 2.34. Debian 12 links against glibc 2.36, where
 * hypot and hypotf have a newer default version, GLIBC_2.35 (glibc 2.35 dropped their SVID error
 * handling wrapper and gave the plain functions a new version). Swift's static Foundation
 * (hypot) and Glibc overlay (hypotf) call them, so a plain link needs hypot@GLIBC_2.35, and the
 * binary cannot start on EL9 ("version `GLIBC_2.35' not found").
 *
 * The linker flags of this target (Package.swift: --wrap=hypot, --wrap=hypotf) send every call
 * to __wrap_hypot / __wrap_hypotf below. They call the _FloatN names of the same functions,
 * hypotf64 and hypotf32 (ISO/IEC TS 18661-3, in glibc since 2.27, version GLIBC_2.27): in glibc
 * 2.36 they are the very code of hypot@GLIBC_2.35 and hypotf@GLIBC_2.35 (same address in
 * libm.so.6, see `objdump -T`), and EL9's glibc 2.34 has them. A `.symver` reference to the old
 * hypot@GLIBC_2.2.5 would not do: gold applies --wrap to it too, and the wrapper calls itself.
 *
 * arc4random (GLIBC_2.36) is called by the static libstdc++ of GCC 12 (std::random_device, built
 * against glibc 2.36). __wrap_arc4random gives the same: 32 bits from the kernel's CSPRNG through
 * getrandom(2) (GLIBC_2.25), retried on EINTR, never failing silently (abort, as arc4random
 * cannot fail).
 */
#include "glibc_compat.h"
#include <limits.h> /* defines __GLIBC__ on glibc */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#if defined(__GLIBC__)
double hypotf64(double x, double y);
float hypotf32(float x, float y);

double __wrap_hypot(double x, double y) { return hypotf64(x, y); }
float __wrap_hypotf(float x, float y) { return hypotf32(x, y); }

#include <sys/random.h>
uint32_t __wrap_arc4random(void) {
    uint32_t value;
    for (;;) {
        ssize_t got = getrandom(&value, sizeof value, 0);
        if (got == (ssize_t)sizeof value) return value;
        if (got < 0 && errno != EINTR) abort();
    }
}
#else
double __real_hypot(double x, double y);
float __real_hypotf(float x, float y);
double __wrap_hypot(double x, double y) { return __real_hypot(x, y); }
float __wrap_hypotf(float x, float y) { return __real_hypotf(x, y); }
uint32_t __real_arc4random(void);
uint32_t __wrap_arc4random(void) { return __real_arc4random(); }
#endif

int isotrace_glibc_compat_linked(void) { return 1; }
