// Run-time choice of the kernel set: the AVX2 set only where the CPU has AVX2, FMA and F16C and
// the OS saves the 256-bit registers (XSAVE with YMM state enabled).

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

static int cpu_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(fma && osxsave && avx && f16c)) return 0;
    // XCR0 bits 1 (SSE) and 2 (AVX): the OS saves the YMM registers across context switches.
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;  // AVX2
}
#else
static int cpu_has_avx2(void) { return 0; }
#endif

// Both answers are cached in atomics; threads that race on the first call compute the same value.
const tk_kernels *tk_avx2(void) {
    static _Atomic int checked = -1;
    int has = atomic_load_explicit(&checked, memory_order_relaxed);
    if (has < 0) {
        has = cpu_has_avx2();
        atomic_store_explicit(&checked, has, memory_order_relaxed);
    }
    return has ? tk_avx2_table() : NULL;
}

const tk_kernels *tk_best(void) {
    static _Atomic(const tk_kernels *) chosen = NULL;
    const tk_kernels *set = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (set == NULL) {
        const char *forced = getenv("TROUPE_KERNELS");
        const tk_kernels *avx2 = tk_avx2();
        set = (forced != NULL && strcmp(forced, "portable") == 0) || avx2 == NULL ? tk_portable() : avx2;
        atomic_store_explicit(&chosen, set, memory_order_relaxed);
    }
    return set;
}
