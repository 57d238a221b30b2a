// Scalar helpers shared by the portable and the AVX2 kernels (internal to CTroupeKernels).

#ifndef TROUPE_KERNELS_COMMON_H
#define TROUPE_KERNELS_COMMON_H

#include <stdint.h>
#include <string.h>

#include "TroupeKernels.h"

static inline uint32_t tk_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float tk_float(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/// IEEE binary16 bits → f32, exactly (a signaling NaN comes back quiet, as F16C's `vcvtph2ps`).
static inline float tk_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1F;
    uint32_t mantissa = h & 0x3FF;
    if (exponent == 0) {
        // Zero or subnormal: mantissa · 2^-24, exact in f32.
        float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return tk_float(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0));
    return tk_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// f32 → IEEE binary16 bits, rounding to nearest even (as F16C's `vcvtps2ph` with imm 0).
static inline uint16_t tk_float_to_half(float f) {
    uint32_t u = tk_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t magnitude = u & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return sign | 0x7E00 | (uint16_t)((magnitude >> 13) & 0x3FF);  // NaN stays NaN
    if (magnitude >= 0x477FF000u) return sign | 0x7C00;  // rounds past 65504 → infinity
    if (magnitude < 0x38800000u) {
        // Below the smallest normal half: a multiple of 2^-24, rounded to nearest even.
        uint32_t shift = 126 - (magnitude >> 23);  // 14 for 2^-15 … 24 for 2^-25
        if (shift > 24) return sign;
        uint32_t m = (magnitude & 0x7FFFFFu) | 0x800000u;
        uint32_t half = (uint32_t)1 << (shift - 1);
        uint32_t rest = m & ((half << 1) - 1);
        uint32_t q = m >> shift;
        if (rest > half || (rest == half && (q & 1))) q += 1;
        return sign | (uint16_t)q;
    }
    uint32_t rebased = magnitude - 0x38000000u;
    uint32_t rounded = rebased + 0xFFFu + ((rebased >> 13) & 1);
    return sign | (uint16_t)(rounded >> 13);
}

/// The 6-bit scale and min of sub-block j of a Q4_K block (ggml's `get_scale_min_k4`).
static inline void tk_scale_min_k4(int j, const uint8_t *q, uint8_t *scale, uint8_t *min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/// Bytes of one packed block group (8 rows × 32 columns) of a packable type.
static inline int tk_group_bytes(int type) { return type == TK_Q8_0 ? 272 : type == TK_Q4_0 ? 144 : 160; }

const tk_kernels *tk_avx2_table(void);

/// LoRA's fused products (lora.c), in each set (see `tk_kernels.lora_forward`).
void tk_lora_forward_portable(const float *x, int64_t in, const float *a, const float *bt, int64_t out, int64_t rank,
                              float *xa, float *y, int64_t rows);
void tk_lora_backward_portable(const float *x, int64_t in, const float *dy, int64_t out, const float *a,
                               const float *bt, int64_t rank, const float *xa, float *dx, float *ga, float *gbt,
                               float *dxa, int64_t rows);
void tk_lora_forward_avx2(const float *x, int64_t in, const float *a, const float *bt, int64_t out, int64_t rank,
                          float *xa, float *y, int64_t rows);
void tk_lora_backward_avx2(const float *x, int64_t in, const float *dy, int64_t out, const float *a, const float *bt,
                           int64_t rank, const float *xa, float *dx, float *ga, float *gbt, float *dxa, int64_t rows);

#endif
