// The low-rank products of LoRA training, fused row by row (see `lora_forward` and
// `lora_backward` in TroupeKernels.h), in a portable and an AVX2 version.
//
// Why not sgemm: with rank r = 8, each product is r multiply-adds per value of a [T, in] or
// [T, out] activation, so it is bound by reading that activation. OpenBLAS packs the activation
// into its own layout before every such product (a full copy), and a LoRA step makes six of them
// per projection (A·x, B·xa forward; dB, d(xa), dA, dx backward): measured on SmolLM2's shapes,
// 35 ms per block against 81 ms for the block's seven frozen products. Here a few rows at a time
// are read once, while they are in L1, for every product that needs them.
//
// Every row's results (xa, y, d(xa), dx) depend on that row alone, and the gradient sums add
// rows in order, so a call's results depend only on its rows, never on who runs which call.

#include "common.h"

// MARK: Portable

void tk_lora_forward_portable(const float *x, int64_t in, const float *a, const float *bt, int64_t out,
                              int64_t rank, float *xa, float *y, int64_t rows) {
    for (int64_t t = 0; t < rows; t++) {
        const float *xt = x + t * in;
        float *xat = xa + t * rank, *yt = y + t * out;
        for (int64_t j = 0; j < rank; j++) {
            float s = 0;
            for (int64_t i = 0; i < in; i++) s += a[j * in + i] * xt[i];
            xat[j] = s;
        }
        for (int64_t j = 0; j < rank; j++)
            for (int64_t o = 0; o < out; o++) yt[o] += xat[j] * bt[j * out + o];
    }
}

void tk_lora_backward_portable(const float *x, int64_t in, const float *dy, int64_t out, const float *a,
                               const float *bt, int64_t rank, const float *xa, float *dx, float *ga, float *gbt,
                               float *dxa, int64_t rows) {
    for (int64_t t = 0; t < rows; t++) {
        const float *xt = x + t * in, *dyt = dy + t * out, *xat = xa + t * rank;
        float *dxat = dxa + t * rank;
        for (int64_t j = 0; j < rank; j++) {
            float s = 0;
            for (int64_t o = 0; o < out; o++) s += bt[j * out + o] * dyt[o];
            dxat[j] = s;
            for (int64_t o = 0; o < out; o++) gbt[j * out + o] += xat[j] * dyt[o];
            for (int64_t i = 0; i < in; i++) ga[j * in + i] += dxat[j] * xt[i];
        }
        if (dx == NULL) continue;
        float *dxt = dx + t * in;
        for (int64_t j = 0; j < rank; j++)
            for (int64_t i = 0; i < in; i++) dxt[i] += dxat[j] * a[j * in + i];
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

#include <immintrin.h>

#define TK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TK_INLINE static inline __attribute__((always_inline)) TK_AVX2
/// Rows handled together: each matrix row loaded from L1 serves this many activation rows.
#define ROWS 4

TK_INLINE float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/// d[t · ldd + j] = m[j] · v[t] for R rows v[t] = v + t · ldv of n values and the `rank` rows
/// of m (stride n). Two matrix rows at a time against the R activation rows.
TK_INLINE void dots(const float *v, int64_t ldv, const float *m, int64_t n, int64_t rank, float *d, int64_t ldd,
                    const int R) {
    int64_t j = 0;
    for (; j + 2 <= rank; j += 2) {
        const float *m0 = m + j * n, *m1 = m0 + n;
        __m256 s0[ROWS], s1[ROWS];
        for (int t = 0; t < R; t++) s0[t] = s1[t] = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            const __m256 w0 = _mm256_loadu_ps(m0 + i), w1 = _mm256_loadu_ps(m1 + i);
            for (int t = 0; t < R; t++) {
                const __m256 u = _mm256_loadu_ps(v + t * ldv + i);
                s0[t] = _mm256_fmadd_ps(w0, u, s0[t]);
                s1[t] = _mm256_fmadd_ps(w1, u, s1[t]);
            }
        }
        for (int t = 0; t < R; t++) {
            float r0 = hsum8(s0[t]), r1 = hsum8(s1[t]);
            for (int64_t k = i; k < n; k++) {
                r0 += m0[k] * v[t * ldv + k];
                r1 += m1[k] * v[t * ldv + k];
            }
            d[t * ldd + j] = r0;
            d[t * ldd + j + 1] = r1;
        }
    }
    for (; j < rank; j++) {
        const float *m0 = m + j * n;
        for (int t = 0; t < R; t++) {
            __m256 s = _mm256_setzero_ps();
            int64_t i = 0;
            for (; i + 8 <= n; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(m0 + i), _mm256_loadu_ps(v + t * ldv + i), s);
            float r = hsum8(s);
            for (; i < n; i++) r += m0[i] * v[t * ldv + i];
            d[t * ldd + j] = r;
        }
    }
}

/// y[t] += Σ_j coef[t · ldc + j] · m[j] for R rows y[t] = y + t · ldy of n values and the
/// `rank` rows of m (stride n): 16 values of the R rows stay in registers across the ranks.
TK_INLINE void combine(float *y, int64_t ldy, const float *m, int64_t n, int64_t rank, const float *coef, int64_t ldc,
                       const int R) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 lo[ROWS], hi[ROWS];
        for (int t = 0; t < R; t++) {
            lo[t] = _mm256_loadu_ps(y + t * ldy + i);
            hi[t] = _mm256_loadu_ps(y + t * ldy + i + 8);
        }
        for (int64_t j = 0; j < rank; j++) {
            const __m256 w0 = _mm256_loadu_ps(m + j * n + i), w1 = _mm256_loadu_ps(m + j * n + i + 8);
            for (int t = 0; t < R; t++) {
                const __m256 k = _mm256_broadcast_ss(coef + t * ldc + j);
                lo[t] = _mm256_fmadd_ps(w0, k, lo[t]);
                hi[t] = _mm256_fmadd_ps(w1, k, hi[t]);
            }
        }
        for (int t = 0; t < R; t++) {
            _mm256_storeu_ps(y + t * ldy + i, lo[t]);
            _mm256_storeu_ps(y + t * ldy + i + 8, hi[t]);
        }
    }
    for (; i < n; i++)
        for (int t = 0; t < R; t++) {
            float s = y[t * ldy + i];
            for (int64_t j = 0; j < rank; j++) s += coef[t * ldc + j] * m[j * n + i];
            y[t * ldy + i] = s;
        }
}

/// g[j] += Σ_t coef[t · ldc + j] · v[t] for the `rank` rows of g (stride n) and R rows
/// v[t] = v + t · ldv of n values: each row of g is loaded and stored once for the R rows.
TK_INLINE void accumulate(float *g, int64_t n, int64_t rank, const float *coef, int64_t ldc, const float *v,
                          int64_t ldv, const int R) {
    for (int64_t j = 0; j < rank; j++) {
        float *gj = g + j * n;
        __m256 k[ROWS];
        for (int t = 0; t < R; t++) k[t] = _mm256_set1_ps(coef[t * ldc + j]);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            __m256 s = _mm256_loadu_ps(gj + i);
            for (int t = 0; t < R; t++) s = _mm256_fmadd_ps(k[t], _mm256_loadu_ps(v + t * ldv + i), s);
            _mm256_storeu_ps(gj + i, s);
        }
        for (; i < n; i++) {
            float s = gj[i];
            for (int t = 0; t < R; t++) s += coef[t * ldc + j] * v[t * ldv + i];
            gj[i] = s;
        }
    }
}

TK_INLINE void forward_rows(const float *x, int64_t in, const float *a, const float *bt, int64_t out, int64_t rank,
                            float *xa, float *y, const int R) {
    dots(x, in, a, in, rank, xa, rank, R);
    combine(y, out, bt, out, rank, xa, rank, R);
}

TK_INLINE void backward_rows(const float *x, int64_t in, const float *dy, int64_t out, const float *a, const float *bt,
                             int64_t rank, const float *xa, float *dx, float *ga, float *gbt, float *dxa,
                             const int R) {
    dots(dy, out, bt, out, rank, dxa, rank, R);
    accumulate(gbt, out, rank, xa, rank, dy, out, R);
    accumulate(ga, in, rank, dxa, rank, x, in, R);
    if (dx != NULL) combine(dx, in, a, in, rank, dxa, rank, R);
}

TK_AVX2 void tk_lora_forward_avx2(const float *x, int64_t in, const float *a, const float *bt, int64_t out,
                                  int64_t rank, float *xa, float *y, int64_t rows) {
    int64_t t = 0;
    for (; t + ROWS <= rows; t += ROWS)
        forward_rows(x + t * in, in, a, bt, out, rank, xa + t * rank, y + t * out, ROWS);
    for (; t < rows; t++) forward_rows(x + t * in, in, a, bt, out, rank, xa + t * rank, y + t * out, 1);
}

TK_AVX2 void tk_lora_backward_avx2(const float *x, int64_t in, const float *dy, int64_t out, const float *a,
                                   const float *bt, int64_t rank, const float *xa, float *dx, float *ga, float *gbt,
                                   float *dxa, int64_t rows) {
    int64_t t = 0;
    for (; t + ROWS <= rows; t += ROWS)
        backward_rows(x + t * in, in, dy + t * out, out, a, bt, rank, xa + t * rank, dx ? dx + t * in : NULL,
                      ga, gbt, dxa + t * rank, ROWS);
    for (; t < rows; t++)
        backward_rows(x + t * in, in, dy + t * out, out, a, bt, rank, xa + t * rank, dx ? dx + t * in : NULL,
                      ga, gbt, dxa + t * rank, 1);
}

#endif
