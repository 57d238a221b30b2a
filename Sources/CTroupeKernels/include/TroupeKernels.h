// TroupeLM's hot loops in C: quantized matrix products for decoding, activation quantization,
// and the vector loops of attention, each in a portable version and an AVX2 version.
//
// Why C: the AVX2 versions are compiled per function (`__attribute__((target("avx2,fma,f16c")))`)
// while the rest of the program stays at the baseline instruction set, and `tk_best()` picks
// them at run time only on a CPU (and OS) that supports them. A machine without AVX2 runs the
// portable versions instead of dying with SIGILL.
//
// Conventions: row-major buffers; `cols` is a multiple of 32 for the quantized products (256 for
// the K-quants); nothing here allocates, locks or keeps state besides `tk_best()`'s choice.

#ifndef TROUPE_KERNELS_H
#define TROUPE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Weight block types with a quantized product (their ggml type ids).
enum {
    TK_Q4_0 = 2,
    TK_Q4_1 = 3,
    TK_Q8_0 = 8,
    TK_Q4_K = 12,
    TK_Q6_K = 14,
};

/// Activations of `tokens` rows of `cols` values quantized per block of 32 as ggml's Q8_0/Q8_1
/// do for activations: `d = max|x| / 127`, `q = round(x · 127 / max|x|)` (to nearest even),
/// `s = d · Σq`; d and s rounded through f16 as ggml stores them; `sum` = Σq exactly.
/// Shapes: q [tokens, cols]; d, s, sum [tokens, cols / 32].
typedef struct {
    const int8_t *q;
    const float *d;
    const float *s;
    const int32_t *sum;
    int64_t cols;
    int64_t tokens;
} tk_activations;

/// Packed weights: Q8_0, Q4_0 and Q4_1 rows rearranged in groups of 8 rows so that one 32-byte
/// load holds 4 consecutive weights of each of the 8 rows. A product then yields the 8 rows'
/// sums in the 8 lanes of a vector, scaled by the 8 rows' scales at once, with no horizontal
/// sums; this is what makes decoding bound by memory rather than by instructions.
///
/// Layout: groups of 8 rows, each `cols / 32` block groups of
///   d[8] (f16), then for Q4_1 m[8] (f16), then the weights:
///   Q8_0: 8 vectors of 32 bytes; vector i, bytes 4r…4r+3 = row r's weights 4i…4i+3;
///   Q4_0/Q4_1: 4 vectors of 32 bytes; vector i, byte 4r+t = row r's 4-bit values 8i+t (low
///   nibble) and 8i+4+t (high nibble).
/// Bytes per block group: Q8_0 272, Q4_0 144, Q4_1 160 (the same as 8 unpacked blocks).

/// Whether `type` has a packed layout.
int tk_packable(int type);
/// Bytes of the packed form of `rows` (a multiple of 8) rows of `cols` columns.
size_t tk_packed_bytes(int type, int64_t rows, int64_t cols);
/// Packs `rows` (a multiple of 8) rows of `type` (row i at src + i · row_bytes) into dst.
void tk_pack(int type, const void *src, size_t row_bytes, int64_t rows, int64_t cols, void *dst);

/// One set of kernels (see `tk_portable`, `tk_avx2`, `tk_best`).
typedef struct {
    /// "portable" or "avx2".
    const char *name;
    /// Quantizes x [blocks · 32] into q, d, s, sum (see `tk_activations`).
    void (*quantize)(const float *x, int64_t blocks, int8_t *q, float *d, float *s, int32_t *sum);
    /// y[t · ldy + r] = W[r] · x[t] for r in 0..<rows, t in 0..<x.tokens; W's rows are
    /// `row_bytes` apart starting at `w`, of block type `type` (a TK_* id).
    void (*matmul)(int type, const void *w, size_t row_bytes, int64_t rows, const tk_activations *x, float *y,
                   int64_t ldy);
    /// The same product over packed rows: `groups` groups of 8 rows at `w` (see `tk_pack`),
    /// y[t · ldy + r] for r in 0..<8·groups.
    void (*matmul_packed)(int type, const void *w, int64_t groups, const tk_activations *x, float *y, int64_t ldy);
    /// h[i] = silu(g[i]) · u[i] with silu(z) = z / (1 + e^−z) (h may alias g or u).
    void (*swiglu)(const float *g, const float *u, float *h, int64_t n);
    /// In place: x = softmax(x) over n values (max-subtracted, in f32).
    void (*softmax)(float *x, int64_t n);
    /// Causal attention of `heads` query rows (one token, the query heads that share one KV
    /// head) over positions 0..<S of that KV head: out_h = softmax(scale · K q_h) · V, softmax in
    /// f32. q_h at q + h·q_stride, out_h at out + h·out_stride; K and V [S, hs], f32, or f16 bits
    /// when `half` is nonzero, in which case q_h and the probabilities are rounded to f16 before
    /// their products, as ggml's f16 matrix products do. `scratch` holds S + hs floats.
    void (*attend)(const float *q, int64_t heads, int64_t q_stride, const void *k, const void *v, int half, int64_t S,
                   int64_t hs, float scale, float *scratch, float *out, int64_t out_stride);
    /// f32 ↔ f16 bits, rounding to nearest even (IEEE binary16, subnormals and infinities kept).
    void (*to_f16)(const float *x, uint16_t *y, int64_t n);
    void (*from_f16)(const uint16_t *x, float *y, int64_t n);
    /// LoRA's low-rank products for `rows` rows, fused row by row (lora.c). With A [rank, in]
    /// and bt [rank, out] the up-projection transposed and scaled (s · Bᵀ):
    ///   forward:  xa[t] = A · x[t] (kept for the backward), y[t] += btᵀ · xa[t];
    ///   backward: dxa[t] = bt · dy[t], gbt += Σ_t xa[t] ⊗ dy[t] (unscaled: dB += s · gbtᵀ),
    ///             ga += Σ_t dxa[t] ⊗ x[t], and dx[t] += Aᵀ · dxa[t] when dx is not NULL.
    /// Shapes: x, dx [rows, in]; y, dy [rows, out]; xa, dxa [rows, rank]; ga [rank, in];
    /// gbt [rank, out]. Each row's results depend on that row alone; the sums add rows in order.
    void (*lora_forward)(const float *x, int64_t in, const float *a, const float *bt, int64_t out, int64_t rank,
                         float *xa, float *y, int64_t rows);
    void (*lora_backward)(const float *x, int64_t in, const float *dy, int64_t out, const float *a, const float *bt,
                          int64_t rank, const float *xa, float *dx, float *ga, float *gbt, float *dxa, int64_t rows);
} tk_kernels;

/// Plain C, for every CPU.
const tk_kernels *tk_portable(void);
/// AVX2 + FMA + F16C, or NULL when this CPU or OS cannot run them (or not an x86-64 build).
const tk_kernels *tk_avx2(void);
/// The fastest set this machine runs: `tk_avx2()` when available, unless the environment
/// variable TROUPE_KERNELS is "portable". Chosen once, on the first call.
const tk_kernels *tk_best(void);

/// One iteration of a busy-wait loop (x86 `pause`, Arm `yield`): lets the sibling hyperthread
/// run and saves power while a worker spins.
static inline void tk_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#ifdef __cplusplus
}
#endif

#endif
