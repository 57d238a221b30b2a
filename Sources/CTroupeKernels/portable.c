// The portable kernels: plain C for every CPU (the compiler vectorizes what it can for the
// baseline instruction set). Same block formats and activation quantization as the AVX2 set;
// sums run in a different order, so results agree with it to float rounding, not bit for bit.

#include <math.h>

#include "common.h"

static void quantize(const float *x, int64_t blocks, int8_t *q, float *d, float *s, int32_t *sums) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *v = x + 32 * b;
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(v[j]));
        const float scale = amax / 127.f;
        const float inverse = amax != 0 ? 127.f / amax : 0.f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const int value = (int)rintf(v[j] * inverse);  // to nearest even, as `vroundps` does
            q[32 * b + j] = (int8_t)value;
            sum += value;
        }
        d[b] = tk_half_to_float(tk_float_to_half(scale));
        s[b] = tk_half_to_float(tk_float_to_half(scale * (float)sum));
        sums[b] = sum;
    }
}

/// Σ over one 32-block of weights (as integers) times activations.
static inline int32_t dot_q8_0(const uint8_t *block, const int8_t *x) {
    const int8_t *w = (const int8_t *)(block + 2);
    int32_t sum = 0;
    for (int j = 0; j < 32; j++) sum += (int32_t)w[j] * x[j];
    return sum;
}

static inline int32_t dot_q4_0(const uint8_t *block, const int8_t *x) {
    const uint8_t *qs = block + 2;
    int32_t sum = 0;
    for (int j = 0; j < 16; j++) sum += ((qs[j] & 0xF) - 8) * x[j] + ((qs[j] >> 4) - 8) * x[j + 16];
    return sum;
}

static inline int32_t dot_q4_1(const uint8_t *block, const int8_t *x) {
    const uint8_t *qs = block + 4;
    int32_t sum = 0;
    for (int j = 0; j < 16; j++) sum += (qs[j] & 0xF) * x[j] + (qs[j] >> 4) * x[j + 16];
    return sum;
}

static inline uint16_t load16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/// One row of a block type with 32-value blocks against one token.
static float dot_row_32(int type, const uint8_t *w, const int8_t *q, const float *d, const float *s, int64_t nb) {
    float total = 0;
    for (int64_t b = 0; b < nb; b++) {
        const int8_t *x = q + 32 * b;
        switch (type) {
        case TK_Q8_0: {
            const uint8_t *block = w + 34 * b;
            total += (tk_half_to_float(load16(block)) * d[b]) * (float)dot_q8_0(block, x);
            break;
        }
        case TK_Q4_0: {
            const uint8_t *block = w + 18 * b;
            total += (tk_half_to_float(load16(block)) * d[b]) * (float)dot_q4_0(block, x);
            break;
        }
        default: {  // TK_Q4_1
            const uint8_t *block = w + 20 * b;
            total += (tk_half_to_float(load16(block)) * d[b]) * (float)dot_q4_1(block, x);
            total += tk_half_to_float(load16(block + 2)) * s[b];
        }
        }
    }
    return total;
}

/// Q4_K: super-blocks of 256 = 8 sub-blocks of 32 with 6-bit scales and mins;
/// w = d·sc·q − dmin·m, so Σ w·x = d·sc·dx·Σq·qx − dmin·m·s per 32-block of activations.
static float dot_row_q4_k(const uint8_t *w, const int8_t *q, const float *d, const float *s, int64_t nb) {
    float total = 0;
    for (int64_t b = 0; b < nb / 8; b++) {
        const uint8_t *block = w + 144 * b;
        const float dw = tk_half_to_float(load16(block)), dmin = tk_half_to_float(load16(block + 2));
        const uint8_t *scales = block + 4, *qs = block + 16;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            tk_scale_min_k4(j, scales, &sc, &m);
            const int64_t k = 8 * b + j;
            const int8_t *x = q + 32 * k;
            const uint8_t *nibbles = qs + 32 * (j / 2);
            const int shift = 4 * (j % 2);
            int32_t sum = 0;
            for (int l = 0; l < 32; l++) sum += ((nibbles[l] >> shift) & 0xF) * x[l];
            total += dw * (float)sc * d[k] * (float)sum - dmin * (float)m * s[k];
        }
    }
    return total;
}

/// Q6_K: super-blocks of 256 = 16 sub-blocks of 16 with int8 scales; w = d·sc·(q − 32) with
/// 6-bit q split over ql (low 4 bits) and qh (high 2 bits).
static float dot_row_q6_k(const uint8_t *w, const int8_t *q, const float *d, int64_t nb) {
    float total = 0;
    for (int64_t b = 0; b < nb / 8; b++) {
        const uint8_t *block = w + 210 * b;
        const uint8_t *ql = block, *qh = block + 128;
        const int8_t *scales = (const int8_t *)(block + 192);
        const float dw = tk_half_to_float(load16(block + 208));
        for (int half = 0; half < 2; half++) {
            // 128 values: four runs of 32 (l, l+32, l+64, l+96), each two sub-blocks of 16.
            int32_t sums[8] = {0};
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int v0 = (int)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int v1 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int v2 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int v3 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                const int8_t *x = q + 256 * b + 128 * half;
                sums[is + 0] += v0 * x[l];
                sums[is + 2] += v1 * x[l + 32];
                sums[is + 4] += v2 * x[l + 64];
                sums[is + 6] += v3 * x[l + 96];
            }
            for (int r = 0; r < 4; r++) {
                const int64_t k = 8 * b + 4 * half + r;  // the 32-block of activations
                total += dw * d[k] * (float)(scales[2 * r] * sums[2 * r] + scales[2 * r + 1] * sums[2 * r + 1]);
            }
            ql += 64;
            qh += 32;
            scales += 8;
        }
    }
    return total;
}

static void matmul(int type, const void *w, size_t row_bytes, int64_t rows, const tk_activations *x, float *y,
                   int64_t ldy) {
    const int64_t nb = x->cols / 32;
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = (const uint8_t *)w + r * row_bytes;
        for (int64_t t = 0; t < x->tokens; t++) {
            const int8_t *q = x->q + t * x->cols;
            const float *d = x->d + t * nb, *s = x->s + t * nb;
            float value;
            switch (type) {
            case TK_Q4_K: value = dot_row_q4_k(row, q, d, s, nb); break;
            case TK_Q6_K: value = dot_row_q6_k(row, q, d, nb); break;
            default: value = dot_row_32(type, row, q, d, s, nb);
            }
            y[t * ldy + r] = value;
        }
    }
}

static void matmul_packed(int type, const void *w, int64_t groups, const tk_activations *x, float *y, int64_t ldy) {
    const int64_t nb = x->cols / 32;
    const int header = type == TK_Q4_1 ? 32 : 16;
    for (int64_t g = 0; g < groups; g++) {
        for (int64_t t = 0; t < x->tokens; t++) {
            float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *block = (const uint8_t *)w + (size_t)(g * nb + b) * (size_t)tk_group_bytes(type);
                const uint8_t *weights = block + header;
                const int8_t *xq = x->q + t * x->cols + 32 * b;
                const float dx = x->d[t * nb + b];
                for (int r = 0; r < 8; r++) {
                    int32_t sum = 0;
                    if (type == TK_Q8_0) {
                        for (int i = 0; i < 8; i++)
                            for (int e = 0; e < 4; e++) sum += (int8_t)weights[32 * i + 4 * r + e] * xq[4 * i + e];
                    } else {
                        for (int i = 0; i < 4; i++)
                            for (int e = 0; e < 4; e++) {
                                const uint8_t byte = weights[32 * i + 4 * r + e];
                                sum += (byte & 0xF) * xq[8 * i + e] + (byte >> 4) * xq[8 * i + 4 + e];
                            }
                        if (type == TK_Q4_0) sum -= 8 * x->sum[t * nb + b];
                    }
                    acc[r] += tk_half_to_float(load16(block + 2 * r)) * dx * (float)sum;
                    if (type == TK_Q4_1) acc[r] += tk_half_to_float(load16(block + 16 + 2 * r)) * x->s[t * nb + b];
                }
            }
            for (int r = 0; r < 8; r++) y[t * ldy + 8 * g + r] = acc[r];
        }
    }
}

static float dot_f32(const float *a, const float *b, int64_t n) {
    float sum = 0;
    for (int64_t i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static float dot_f16(const float *a, const uint16_t *b, int64_t n) {
    float sum = 0;
    for (int64_t i = 0; i < n; i++) sum += a[i] * tk_half_to_float(b[i]);
    return sum;
}

static void axpy_f32(float a, const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

static void axpy_f16(float a, const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * tk_half_to_float(x[i]);
}

static inline float round_half(float x) { return tk_half_to_float(tk_float_to_half(x)); }

static void swiglu(const float *g, const float *u, float *h, int64_t n) {
    for (int64_t i = 0; i < n; i++) h[i] = g[i] / (1 + expf(-g[i])) * u[i];
}

static void softmax(float *x, int64_t n) {
    float m = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) m = fmaxf(m, x[i]);
    for (int64_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    const float inverse = 1 / sum;
    for (int64_t i = 0; i < n; i++) x[i] *= inverse;
}

static void attend(const float *q, int64_t heads, int64_t q_stride, const void *k, const void *v, int half, int64_t S,
                   int64_t hs, float scale, float *scratch, float *out, int64_t out_stride) {
    float *scores = scratch, *qr = scratch + S;
    for (int64_t h = 0; h < heads; h++) {
        const float *qh = q + h * q_stride;
        float *o = out + h * out_stride;
        if (half) {
            for (int64_t i = 0; i < hs; i++) qr[i] = round_half(qh[i]);
            for (int64_t p = 0; p < S; p++) scores[p] = dot_f16(qr, (const uint16_t *)k + p * hs, hs) * scale;
        } else {
            for (int64_t p = 0; p < S; p++) scores[p] = dot_f32(qh, (const float *)k + p * hs, hs) * scale;
        }
        softmax(scores, S);
        for (int64_t i = 0; i < hs; i++) o[i] = 0;
        for (int64_t p = 0; p < S; p++) {
            if (half)
                axpy_f16(round_half(scores[p]), (const uint16_t *)v + p * hs, o, hs);
            else
                axpy_f32(scores[p], (const float *)v + p * hs, o, hs);
        }
    }
}

static void to_f16(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = tk_float_to_half(x[i]);
}

static void from_f16(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = tk_half_to_float(x[i]);
}

static const tk_kernels portable = {
    .name = "portable",
    .quantize = quantize,
    .matmul = matmul,
    .matmul_packed = matmul_packed,
    .swiglu = swiglu,
    .softmax = softmax,
    .attend = attend,
    .to_f16 = to_f16,
    .from_f16 = from_f16,
    .lora_forward = tk_lora_forward_portable,
    .lora_backward = tk_lora_backward_portable,
};

const tk_kernels *tk_portable(void) { return &portable; }
