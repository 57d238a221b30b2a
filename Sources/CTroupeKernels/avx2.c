// The AVX2 kernels (x86-64 with AVX2, FMA and F16C: Haswell, 2013, and later). Each function is
// compiled for those extensions alone (`TK_AVX2`), so this file builds at the baseline
// instruction set and its code runs only after `tk_avx2()` has checked the CPU.
//
// The quantized products follow ggml's AVX2 `vec_dot` kernels step for step (8 int32 lanes per
// block, scaled by `d_w · d_x` with one FMA, block after block, the same horizontal sum), so
// their results equal llama.cpp's bit for bit. Four tokens share each weight block's load and
// unpacking: a batch of sequences reads the weights once per step.

#include "common.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

#include <immintrin.h>
#include <math.h>

#define TK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TK_INLINE static inline __attribute__((always_inline)) TK_AVX2
/// Fully unrolls a loop over tokens (a constant count after inlining), so that each token's
/// accumulator stays in a register instead of a stack slot that every block reloads and stores.
#define TK_UNROLL _Pragma("clang loop unroll(full)")

TK_INLINE float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/// An f16 at p as f32. Through `vmovd` into a fresh register: `_cvtsh_ss` compiles to a `vpinsrw`
/// that merges into a live register, a false dependency that chains every block to the last.
TK_INLINE float half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

TK_AVX2 static void quantize(const float *x, int64_t blocks, int8_t *q, float *d, float *s, int32_t *sums) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < blocks; b++) {
        const float *v = x + 32 * b;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16),
               v3 = _mm256_loadu_ps(v + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(signBit, v0), _mm256_andnot_ps(signBit, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(signBit, v2), _mm256_andnot_ps(signBit, v3)));
        __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const float scale = amax / 127.f;
        const __m256 inverse = _mm256_set1_ps(amax != 0 ? 127.f / amax : 0.f);
        __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i total = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i t4 = _mm_add_epi32(_mm256_extracti128_si256(total, 1), _mm256_castsi256_si128(total));
        t4 = _mm_add_epi32(t4, _mm_unpackhi_epi64(t4, t4));
        t4 = _mm_add_epi32(t4, _mm_shuffle_epi32(t4, 1));
        const int sum = _mm_cvtsi128_si32(t4);
        // int32 → int8 with packs (which interleave 128-bit lanes), then undo the interleaving.
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + 32 * b), packed);
        d[b] = _cvtsh_ss(_cvtss_sh(scale, 0));
        s[b] = _cvtsh_ss(_cvtss_sh(scale * (float)sum, 0));
        sums[b] = sum;
    }
}

/// 16 bytes of nibbles → 32 bytes: the low nibbles (elements 0…15), then the high (16…31).
TK_INLINE __m256i nibbles(const uint8_t *p) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)p);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/// Σ over pairs of (unsigned w) · (signed x) as 8 f32 lanes, each the sum of 4 products.
TK_INLINE __m256 unsigned_dot(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}

/// The same for signed w, through |w| · (x with w's sign) (`vpmaddubsw` takes one unsigned side).
TK_INLINE __m256 signed_dot(__m256i absW, __m256i w, __m256i x) {
    return unsigned_dot(absW, _mm256_sign_epi8(x, w));
}

TK_INLINE __m256i load_x(const tk_activations *x, int64_t t, int64_t k) {
    return _mm256_loadu_si256((const __m256i *)(x->q + t * x->cols + 32 * k));
}

/// Q8_0 / Q4_0 / Q4_1 row · N tokens (N ≤ 4, a constant after inlining) from token t0.
TK_INLINE void dot_32(int type, const uint8_t *w, const tk_activations *x, int64_t t0, int N, float *out) {
    const int64_t nb = x->cols / 32;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float offset[4] = {0, 0, 0, 0};
    const float *d[4], *s[4];
    for (int n = 0; n < N; n++) {
        d[n] = x->d + (t0 + n) * nb;
        s[n] = x->s + (t0 + n) * nb;
    }
    for (int64_t b = 0; b < nb; b++) {
        if (type == TK_Q4_1) {
            const uint8_t *block = w + 20 * b;
            const float dw = half(block), mw = half(block + 2);
            const __m256i wv = nibbles(block + 4);
            for (int n = 0; n < N; n++) {
                acc[n] = _mm256_fmadd_ps(_mm256_set1_ps(dw * d[n][b]), unsigned_dot(wv, load_x(x, t0 + n, b)), acc[n]);
                offset[n] += mw * s[n][b];
            }
        } else {
            __m256i wv;
            float dw;
            if (type == TK_Q8_0) {
                const uint8_t *block = w + 34 * b;
                dw = half(block);
                wv = _mm256_loadu_si256((const __m256i *)(block + 2));
            } else {
                const uint8_t *block = w + 18 * b;
                dw = half(block);
                wv = _mm256_sub_epi8(nibbles(block + 2), _mm256_set1_epi8(8));
            }
            const __m256i absW = _mm256_sign_epi8(wv, wv);
            for (int n = 0; n < N; n++)
                acc[n] = _mm256_fmadd_ps(_mm256_set1_ps(dw * d[n][b]), signed_dot(absW, wv, load_x(x, t0 + n, b)), acc[n]);
        }
    }
    for (int n = 0; n < N; n++) out[n] = hsum8(acc[n]) + offset[n];
}

/// Q4_K row · N tokens: per 32-value sub-block, unsigned nibbles scaled by d·sc, minus dmin·m·s.
TK_INLINE void dot_q4_k(const uint8_t *w, const tk_activations *x, int64_t t0, int N, float *out) {
    const int64_t nb = x->cols / 32;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float offset[4] = {0, 0, 0, 0};
    for (int64_t sb = 0; sb < nb / 8; sb++) {
        const uint8_t *block = w + 144 * sb;
        const float dw = half(block), dmin = half(block + 2);
        for (int pair = 0; pair < 4; pair++) {
            const __m256i packed = _mm256_loadu_si256((const __m256i *)(block + 16 + 32 * pair));
            const __m256i lo = _mm256_and_si256(packed, _mm256_set1_epi8(0x0F));
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F));
            uint8_t sc0, m0, sc1, m1;
            tk_scale_min_k4(2 * pair, block + 4, &sc0, &m0);
            tk_scale_min_k4(2 * pair + 1, block + 4, &sc1, &m1);
            const float d0 = dw * (float)sc0, d1 = dw * (float)sc1, o0 = dmin * (float)m0, o1 = dmin * (float)m1;
            const int64_t k = 8 * sb + 2 * pair;
            for (int n = 0; n < N; n++) {
                const float *d = x->d + (t0 + n) * nb, *s = x->s + (t0 + n) * nb;
                acc[n] = _mm256_fmadd_ps(_mm256_set1_ps(d0 * d[k]), unsigned_dot(lo, load_x(x, t0 + n, k)), acc[n]);
                acc[n] = _mm256_fmadd_ps(_mm256_set1_ps(d1 * d[k + 1]), unsigned_dot(hi, load_x(x, t0 + n, k + 1)), acc[n]);
                offset[n] -= o0 * s[k] + o1 * s[k + 1];
            }
        }
    }
    for (int n = 0; n < N; n++) out[n] = hsum8(acc[n]) + offset[n];
}

/// Q6_K row · N tokens: 6-bit values minus 32 as signed bytes, each 16 scaled by its int8 scale
/// inside the integer sum (`vpmaddwd` with the scales), then by d·dx.
TK_INLINE void dot_q6_k(const uint8_t *w, const tk_activations *x, int64_t t0, int N, float *out) {
    const int64_t nb = x->cols / 32;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const __m256i low4 = _mm256_set1_epi8(0x0F), m32 = _mm256_set1_epi8(32);
    for (int64_t sb = 0; sb < nb / 8; sb++) {
        const uint8_t *block = w + 210 * sb;
        const int8_t *scales = (const int8_t *)(block + 192);
        const float dw = half(block + 208);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = block + 64 * h, *qh = block + 128 + 32 * h;
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i v[4];
            v[0] = _mm256_or_si256(_mm256_and_si256(l0, low4),
                                   _mm256_slli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8(0x03)), 4));
            v[1] = _mm256_or_si256(_mm256_and_si256(l1, low4),
                                   _mm256_slli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8(0x0C)), 2));
            v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                                   _mm256_and_si256(hb, _mm256_set1_epi8(0x30)));
            v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4),
                                   _mm256_srli_epi16(_mm256_and_si256(hb, _mm256_set1_epi8((char)0xC0)), 2));
            for (int r = 0; r < 4; r++) {
                const __m256i wv = _mm256_sub_epi8(v[r], m32);
                const __m256i absW = _mm256_sign_epi8(wv, wv);
                const int8_t *sc = scales + 8 * h + 2 * r;
                const __m256i scale16 = _mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0]));
                const int64_t k = 8 * sb + 4 * h + r;
                for (int n = 0; n < N; n++) {
                    const float *d = x->d + (t0 + n) * nb;
                    const __m256i p = _mm256_maddubs_epi16(absW, _mm256_sign_epi8(load_x(x, t0 + n, k), wv));
                    const __m256 sum = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, scale16));
                    acc[n] = _mm256_fmadd_ps(_mm256_set1_ps(dw * d[k]), sum, acc[n]);
                }
            }
        }
    }
    for (int n = 0; n < N; n++) out[n] = hsum8(acc[n]);
}

TK_INLINE void dot_row(int type, const uint8_t *w, const tk_activations *x, int64_t t0, int N, float *out) {
    switch (type) {
    case TK_Q4_K: dot_q4_k(w, x, t0, N, out); break;
    case TK_Q6_K: dot_q6_k(w, x, t0, N, out); break;
    case TK_Q4_1: dot_32(TK_Q4_1, w, x, t0, N, out); break;
    case TK_Q4_0: dot_32(TK_Q4_0, w, x, t0, N, out); break;
    default: dot_32(TK_Q8_0, w, x, t0, N, out);
    }
}

TK_AVX2 static void matmul(int type, const void *w, size_t row_bytes, int64_t rows, const tk_activations *x, float *y,
                           int64_t ldy) {
    float out[4];
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = (const uint8_t *)w + r * row_bytes;
        int64_t t = 0;
        for (; t + 4 <= x->tokens; t += 4) {
            dot_row(type, row, x, t, 4, out);
            for (int n = 0; n < 4; n++) y[(t + n) * ldy + r] = out[n];
        }
        switch (x->tokens - t) {
        case 3: dot_row(type, row, x, t, 3, out); break;
        case 2: dot_row(type, row, x, t, 2, out); break;
        case 1: dot_row(type, row, x, t, 1, out); break;
        default: continue;
        }
        for (int64_t n = 0; t + n < x->tokens; n++) y[(t + n) * ldy + r] = out[n];
    }
}

TK_INLINE __m256i broadcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/// One group of 8 packed rows · N tokens (N ≤ 4, a constant after inlining) from token t0:
/// y[(t0+n) · ldy + 0…7]. Per block: the 8 rows' integer sums in the 8 lanes (for the 4-bit
/// types summed in 16 bits over the block: at most 8 · 2 · 15 · 127 = 30480), then one FMA
/// with the 8 rows' scales times the token's scale.
TK_INLINE void packed_group(int type, const uint8_t *group, const tk_activations *x, int64_t t0, int N, float *y,
                            int64_t ldy) {
    const int64_t nb = x->cols / 32;
    const int stride = tk_group_bytes(type);
    const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *block = group + b * stride;
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)block));
        if (type == TK_Q8_0) {
            // Weight vector after weight vector, its absolute value shared by the N tokens.
            const uint8_t *weights = block + 16;
            __m256i sum[4];
            TK_UNROLL for (int i = 0; i < 8; i++) {
                const __m256i w = _mm256_loadu_si256((const __m256i *)(weights + 32 * i));
                const __m256i absW = _mm256_sign_epi8(w, w);
                TK_UNROLL for (int n = 0; n < N; n++) {
                    const int8_t *xq = x->q + (t0 + n) * x->cols + 32 * b + 4 * i;
                    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(absW, _mm256_sign_epi8(broadcast4(xq), w)), ones);
                    sum[n] = i == 0 ? p : _mm256_add_epi32(sum[n], p);
                }
            }
            TK_UNROLL for (int n = 0; n < N; n++) {
                const __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(x->d[(t0 + n) * nb + b]));
                acc[n] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sum[n]), acc[n]);
            }
        } else {
            // Nibble vector after nibble vector, each shared by the N tokens: the tokens' 16-bit
            // sums and accumulators stay in registers (4 + 4 of the 16), where keeping all 8
            // unpacked weight vectors live would spill the accumulators to the stack.
            const uint8_t *weights = block + (type == TK_Q4_1 ? 32 : 16);
            __m256i sum16[4];
            TK_UNROLL for (int i = 0; i < 4; i++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(weights + 32 * i));
                const __m256i lo = _mm256_and_si256(v, low4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                TK_UNROLL for (int n = 0; n < N; n++) {
                    const int8_t *xq = x->q + (t0 + n) * x->cols + 32 * b + 8 * i;
                    const __m256i p =
                        _mm256_add_epi16(_mm256_maddubs_epi16(lo, broadcast4(xq)), _mm256_maddubs_epi16(hi, broadcast4(xq + 4)));
                    sum16[n] = i == 0 ? p : _mm256_add_epi16(sum16[n], p);
                }
            }
            TK_UNROLL for (int n = 0; n < N; n++) {
                const int64_t k = (t0 + n) * nb + b;
                __m256i sum = _mm256_madd_epi16(sum16[n], ones);
                if (type == TK_Q4_0) sum = _mm256_sub_epi32(sum, _mm256_set1_epi32(8 * x->sum[k]));
                const __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(x->d[k]));
                acc[n] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sum), acc[n]);
                if (type == TK_Q4_1)
                    acc[n] = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16))),
                                             _mm256_set1_ps(x->s[k]), acc[n]);
            }
        }
    }
    for (int n = 0; n < N; n++) _mm256_storeu_ps(y + (t0 + n) * ldy, acc[n]);
}

TK_INLINE void packed_groups(int type, const uint8_t *w, int64_t groups, const tk_activations *x, float *y, int64_t ldy) {
    const int64_t group_bytes = x->cols / 32 * tk_group_bytes(type);
    for (int64_t g = 0; g < groups; g++) {
        const uint8_t *group = w + g * group_bytes;
        float *yg = y + 8 * g;
        int64_t t = 0;
        for (; t + 4 <= x->tokens; t += 4) packed_group(type, group, x, t, 4, yg, ldy);
        switch (x->tokens - t) {
        case 3: packed_group(type, group, x, t, 3, yg, ldy); break;
        case 2: packed_group(type, group, x, t, 2, yg, ldy); break;
        case 1: packed_group(type, group, x, t, 1, yg, ldy); break;
        default: break;
        }
    }
}

TK_AVX2 static void matmul_packed(int type, const void *w, int64_t groups, const tk_activations *x, float *y,
                                  int64_t ldy) {
    switch (type) {
    case TK_Q4_1: packed_groups(TK_Q4_1, (const uint8_t *)w, groups, x, y, ldy); break;
    case TK_Q4_0: packed_groups(TK_Q4_0, (const uint8_t *)w, groups, x, y, ldy); break;
    default: packed_groups(TK_Q8_0, (const uint8_t *)w, groups, x, y, ldy);
    }
}

TK_AVX2 static float dot_f32(const float *a, const float *b, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), a1);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
    float sum = hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

TK_AVX2 static float dot_f16(const float *a, const uint16_t *b, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i + 8))),
                             a1);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), a0);
    float sum = hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++) sum += a[i] * _cvtsh_ss(b[i]);
    return sum;
}

TK_AVX2 static void axpy_f32(float a, const float *x, float *y, int64_t n) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

TK_AVX2 static void axpy_f16(float a, const uint16_t *x, float *y, int64_t n) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, xv, _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += a * _cvtsh_ss(x[i]);
}

/// e^x on 8 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to degree 7
/// (relative error below 1e-8 on that interval), 2^n through the exponent bits. Arguments above
/// 88 give e^88; below −87 (where e^x leaves f32's normal range) the result is 0.
TK_INLINE __m256 exp8(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.0f);
    const __m256 underflow = _mm256_cmp_ps(x, low, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, low), _mm256_set1_ps(88.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // r = x − n·ln2, with ln2 split in a part exact in f32 times n and a small correction.
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

TK_INLINE __m256 round_half8(__m256 x) { return _mm256_cvtph_ps(_mm256_cvtps_ph(x, 0)); }

TK_AVX2 static void swiglu(const float *g, const float *u, float *h, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.f), sign = _mm256_set1_ps(-0.f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 z = _mm256_loadu_ps(g + i);
        const __m256 silu = _mm256_div_ps(z, _mm256_add_ps(one, exp8(_mm256_xor_ps(z, sign))));
        _mm256_storeu_ps(h + i, _mm256_mul_ps(silu, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) h[i] = g[i] / (1 + expf(-g[i])) * u[i];
}

TK_AVX2 static void softmax(float *x, int64_t n) {
    __m256 mv = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(mv, 1), _mm256_castps256_ps128(mv));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float m = _mm_cvtss_f32(m4);
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    mv = _mm256_set1_ps(m);
    __m256 sv = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    float sum = hsum8(sv);
    for (; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    const float inverse = 1 / sum;
    const __m256 iv = _mm256_set1_ps(inverse);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), iv));
    for (; i < n; i++) x[i] *= inverse;
}

TK_AVX2 static void attend(const float *q, int64_t heads, int64_t q_stride, const void *k, const void *v, int half,
                           int64_t S, int64_t hs, float scale, float *scratch, float *out, int64_t out_stride) {
    float *scores = scratch, *qr = scratch + S;
    for (int64_t h = 0; h < heads; h++) {
        const float *qh = q + h * q_stride;
        float *o = out + h * out_stride;
        if (half) {
            for (int64_t i = 0; i < hs; i++) qr[i] = _cvtsh_ss(_cvtss_sh(qh[i], 0));
            for (int64_t p = 0; p < S; p++) scores[p] = dot_f16(qr, (const uint16_t *)k + p * hs, hs) * scale;
        } else {
            for (int64_t p = 0; p < S; p++) scores[p] = dot_f32(qh, (const float *)k + p * hs, hs) * scale;
        }
        softmax(scores, S);
        if (half) {
            int64_t p = 0;
            for (; p + 8 <= S; p += 8) _mm256_storeu_ps(scores + p, round_half8(_mm256_loadu_ps(scores + p)));
            for (; p < S; p++) scores[p] = _cvtsh_ss(_cvtss_sh(scores[p], 0));
        }
        // out = Σ_p probability_p · v_p, 64 columns at a time held in registers.
        for (int64_t c = 0; c < hs; c += 64) {
            const int64_t width = hs - c < 64 ? hs - c : 64;
            if (width == 64) {
                __m256 acc[8];
                for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_ps();
                for (int64_t p = 0; p < S; p++) {
                    const __m256 a = _mm256_broadcast_ss(scores + p);
                    if (half) {
                        const uint16_t *vp = (const uint16_t *)v + p * hs + c;
                        for (int j = 0; j < 8; j++)
                            acc[j] = _mm256_fmadd_ps(a, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vp + 8 * j))), acc[j]);
                    } else {
                        const float *vp = (const float *)v + p * hs + c;
                        for (int j = 0; j < 8; j++) acc[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vp + 8 * j), acc[j]);
                    }
                }
                for (int j = 0; j < 8; j++) _mm256_storeu_ps(o + c + 8 * j, acc[j]);
            } else {
                for (int64_t i = 0; i < width; i++) o[c + i] = 0;
                for (int64_t p = 0; p < S; p++) {
                    if (half)
                        axpy_f16(scores[p], (const uint16_t *)v + p * hs + c, o + c, width);
                    else
                        axpy_f32(scores[p], (const float *)v + p * hs + c, o + c, width);
                }
            }
        }
    }
}

TK_AVX2 static void to_f16(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), 0));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], 0);
}

TK_AVX2 static void from_f16(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) y[i] = _cvtsh_ss(x[i]);
}

static const tk_kernels avx2 = {
    .name = "avx2",
    .quantize = quantize,
    .matmul = matmul,
    .matmul_packed = matmul_packed,
    .swiglu = swiglu,
    .softmax = softmax,
    .attend = attend,
    .to_f16 = to_f16,
    .from_f16 = from_f16,
    .lora_forward = tk_lora_forward_avx2,
    .lora_backward = tk_lora_backward_avx2,
};

const tk_kernels *tk_avx2_table(void) { return &avx2; }

#else

const tk_kernels *tk_avx2_table(void) { return NULL; }

#endif
