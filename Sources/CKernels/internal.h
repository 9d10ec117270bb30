#ifndef OUTPOST_CKERNELS_INTERNAL_H
#define OUTPOST_CKERNELS_INTERNAL_H

/* Block layouts (ggml-common.h, QK_K = 256), scalar half-float conversions and the kernel table. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "ckernels.h"

enum {
    OK_T_F32 = 0, OK_T_F16 = 1, OK_T_Q4_0 = 2, OK_T_Q4_1 = 3, OK_T_Q5_0 = 6, OK_T_Q5_1 = 7,
    OK_T_Q8_0 = 8, OK_T_Q8_1 = 9, OK_T_Q2_K = 10, OK_T_Q3_K = 11, OK_T_Q4_K = 12, OK_T_Q5_K = 13,
    OK_T_Q6_K = 14, OK_T_Q8_K = 15, OK_T_BF16 = 30,
    OK_T_COUNT = 31
};

/* Which SIMD paths this build provides (set per architecture). */
#if defined(__x86_64__)
#define OK_HAVE_X86_KERNELS 1
#else
#define OK_HAVE_X86_KERNELS 0
#endif
#if defined(__aarch64__)
#define OK_HAVE_NEON_KERNELS 1
#else
#define OK_HAVE_NEON_KERNELS 0
#endif

#define QK32 32
#define QK_K 256
/* Longest head a grouped attention call converts a key row of on the stack; longer heads attend per head. */
#define OK_ATTEND_GROUP_MAX_DIM 512
#define K_SCALE_SIZE 12

typedef uint16_t ok_half;

typedef struct { ok_half d; uint8_t qs[QK32 / 2]; } block_q4_0;
typedef struct { ok_half d; ok_half m; uint8_t qs[QK32 / 2]; } block_q4_1;
typedef struct { ok_half d; uint8_t qh[4]; uint8_t qs[QK32 / 2]; } block_q5_0;
typedef struct { ok_half d; ok_half m; uint8_t qh[4]; uint8_t qs[QK32 / 2]; } block_q5_1;
typedef struct { ok_half d; int8_t qs[QK32]; } block_q8_0;
/* s = d * sum(qs), kept so that the q4_1/q5_1 offset term costs one multiply per block. */
typedef struct { ok_half d; ok_half s; int8_t qs[QK32]; } block_q8_1;

/* Super-blocks of 256. */
typedef struct { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; ok_half d; ok_half dmin; } block_q2_K;
typedef struct { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; ok_half d; } block_q3_K;
typedef struct { ok_half d; ok_half dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { ok_half d; ok_half dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; ok_half d; } block_q6_K;
/* Activation blocks for K-quants: float scale and per-16 sums of the quants (for the min/offset terms). */
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0 layout");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1 layout");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0 layout");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1 layout");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0 layout");
_Static_assert(sizeof(block_q8_1) == 36, "q8_1 layout");
_Static_assert(sizeof(block_q2_K) == 84, "q2_K layout");
_Static_assert(sizeof(block_q3_K) == 110, "q3_K layout");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K layout");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K layout");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K layout");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K layout");

/* ---- scalar conversions (exact ggml semantics) ---- */

/* Decode streams every weight row from memory once per token. A GEMV that asks for the bytes of the row
 * OK_PREFETCH_DISTANCE ahead of the one it computes keeps the loads in flight across row, chunk and matrix
 * starts, where the hardware prefetcher has not yet seen a stream (measured on SmolLM2 Q4_1 decode, two
 * threads: 177 -> 188-196 tokens/s for distances of 1-4 KiB). Past the end of the matrix it only touches
 * nearby mapped bytes or nothing (a prefetch never faults). */
#define OK_PREFETCH_DISTANCE 4096
static inline void ok_prefetch_row(const void *row, size_t bytes) {
    const char *p = (const char *)row + OK_PREFETCH_DISTANCE;
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + o, 0, 3);
}

/* The same distance ahead of `bytes` bytes at `p`, for a kernel that walks its row in steps: asked for step
 * by step rather than all at a row's start, the requests do not pile up ahead of the row's own loads. For
 * rows of many cache lines that matters: four columns against 64 MB of q4_K rows (43 lines each), 12.2 ->
 * 8.1 ms on one thread; q8_0 decode rows (15 lines), 18-20 -> 20-22 GB/s. The last byte is asked for too,
 * so a span that straddles a line boundary is covered. */
static inline void ok_prefetch_span(const void *p, size_t bytes) {
    const char *q = (const char *)p + OK_PREFETCH_DISTANCE;
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(q + o, 0, 3);
    __builtin_prefetch(q + bytes - 1, 0, 3);
}

static inline uint32_t ok_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float ok_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline float ok_fp16_to_fp32(ok_half h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t man = h & 0x3ffu;
    if (exp == 0) {
        /* zero or subnormal: man * 2^-24 is exact in binary32 */
        const float v = (float)man * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31) return ok_bits_f32(sign | 0x7f800000u | (man << 13));
    return ok_bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

/* Round to nearest even; overflow goes to infinity; NaN becomes 0x7e00 with the sign, like ggml. */
static inline ok_half ok_fp32_to_fp16(float f) {
    uint32_t x = ok_f32_bits(f);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x > 0x7f800000u) return sign | 0x7e00u;
    if (x >= 0x477ff000u) return sign | 0x7c00u; /* >= 65520 rounds to inf */
    if (x >= 0x38800000u) {                       /* normal half */
        x += 0xfffu + ((x >> 13) & 1u);
        return sign | (uint16_t)((x - 0x38000000u) >> 13);
    }
    /* Subnormal half: adding 0.5 puts the 2^-24 unit at the last mantissa bit, so the FPU rounds (RNE). */
    const float a = ok_bits_f32(x) + 0.5f;
    return sign | (uint16_t)(ok_f32_bits(a) - 0x3f000000u);
}

static inline float ok_bf16_to_fp32(uint16_t h) { return ok_bits_f32((uint32_t)h << 16); }

static inline uint16_t ok_fp32_to_bf16(float f) {
    const uint32_t u = ok_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64u); /* quiet NaN */
    return (uint16_t)((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

/* ggml's nearest_int: round half to even via the 1.5*2^23 trick; valid for |f| <= 4194303. */
static inline int ok_nearest_int(float f) {
    const float v = f + 12582912.f;
    int i;
    memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/* 6-bit scale and min j (0..7) of a q4_K/q5_K block. */
static inline void ok_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* The 16 signed 6-bit scales (already minus 32) of a q3_K block. */
static inline void ok_q3k_scales(const uint8_t *s12, int8_t out[16]) {
    for (int j = 0; j < 16; ++j) {
        const int lo = j < 8 ? (s12[j] & 0xF) : (s12[j - 8] >> 4);
        const int hi = (s12[8 + j % 4] >> (2 * (j / 4))) & 3;
        out[j] = (int8_t)((lo | (hi << 4)) - 32);
    }
}

/* ---- kernel table ---- */

typedef float (*ok_vec_dot_fn)(int64_t n, const void *w, const void *act);
/* A whole matmul (ok_matmul's contract, weight type fixed by the function). */
typedef void (*ok_gemm_fn)(int64_t k, const void *w, size_t w_stride, int64_t rows,
                           const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out);

typedef struct {
    ok_vec_dot_fn vec_dot[OK_T_COUNT]; /* indexed by weight type; NULL if unsupported */
    ok_gemm_fn gemm[OK_T_COUNT];       /* tiled matmul by weight type; NULL: ok_matmul loops over vec_dot */
    /* one activation column (decode) by weight type, bit for bit the vec_dot per row; NULL: the vec_dot loop */
    void (*gemv[OK_T_COUNT])(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act, float *out);
    /* a few activation columns (decode batches, drafted rows) in one pass over the weights, each column bit
     * for bit the type's gemv alone (ok_gemm_fn's contract, any number of columns); NULL: gemv per column */
    ok_gemm_fn gemv_cols[OK_T_COUNT];
    /* activation quantizers by type (q8_0, q8_1, q8_K), bit-identical to the reference; NULL: reference */
    void (*quantize[OK_T_COUNT])(const float *x, void *y, int64_t n);
    /* ok_attend on the F16 KV cache fused into one kernel, bit-identical to the per-key loop; NULL: the loop */
    void (*attend_f16)(const float *q, const uint16_t *k, int64_t k_stride, const uint16_t *v, int64_t v_stride,
                       int64_t n, int64_t head_dim, int64_t v_dim, float *scores, float *out);
    /* ok_attend_group on the F16 KV cache, each head bit for bit its attend_f16; NULL: attend per head */
    void (*attend_f16_group)(int64_t heads, const float *q, int64_t q_stride, const uint16_t *k, int64_t k_stride,
                             const uint16_t *v, int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim,
                             float *scores, float *out, int64_t out_stride);
    /* gated FFN activations, gate = act(gate) * up; NULL: the generic twins (activations.c) */
    void (*geglu_f32)(int64_t n, float *gate, const float *up);
    void (*swiglu_f32)(int64_t n, float *gate, const float *up);
    float (*dot_f32)(const float *a, const float *b, int64_t n);
    void (*axpy_f32)(int64_t n, float a, const float *x, float *y);
    void (*scale_f32)(int64_t n, float a, float *y);
    float (*dot_f16_f32)(const uint16_t *h, const float *x, int64_t n);
    void (*axpy_f16)(int64_t n, float a, const uint16_t *h, float *y);
    void (*f32_to_f16)(const float *x, uint16_t *y, int64_t n);
    void (*f16_to_f32)(const uint16_t *x, float *y, int64_t n);
    /* softmax numerators in place, scores[i] = e^(scores[i] - max), returning their sum (ok_softmax_numerators) */
    float (*softmax_numerators)(float *scores, int64_t n, float max);
    /* first index of the largest of n > 0 values, or -1 if one is NaN or +inf (ok_argmax_f32) */
    int64_t (*argmax_f32)(const float *x, int64_t n);
} ok_kernel_table;

/* Every path provides the same set of names with its own suffix. */
#define OK_DECLARE_PATH(sfx)                                                              \
    float ok_vec_dot_q4_0_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q4_1_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q5_0_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q5_1_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q8_0_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q2_K_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q3_K_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q4_K_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q5_K_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_q6_K_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_f16_##sfx(int64_t n, const void *w, const void *act);              \
    float ok_vec_dot_bf16_##sfx(int64_t n, const void *w, const void *act);             \
    float ok_vec_dot_f32_##sfx(int64_t n, const void *w, const void *act);              \
    float ok_dot_f32_##sfx(const float *a, const float *b, int64_t n);                  \
    void ok_axpy_f32_##sfx(int64_t n, float a, const float *x, float *y);               \
    void ok_scale_f32_##sfx(int64_t n, float a, float *y);                              \
    float ok_dot_f16_f32_##sfx(const uint16_t *h, const float *x, int64_t n);           \
    void ok_axpy_f16_##sfx(int64_t n, float a, const uint16_t *h, float *y);            \
    void ok_f32_to_f16_##sfx(const float *x, uint16_t *y, int64_t n);                   \
    void ok_f16_to_f32_##sfx(const uint16_t *x, float *y, int64_t n);                   \
    float ok_softmax_numerators_##sfx(float *scores, int64_t n, float max);              \
    int64_t ok_argmax_f32_##sfx(const float *x, int64_t n);

/* Tiled matmuls (x86_gemm.h) for the weight types prefill spends its time on. */
#define OK_DECLARE_GEMM(sfx)                                                                              \
    void ok_gemm_q4_0_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q4_1_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q5_0_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q5_1_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q8_0_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q4_K_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_gemm_q6_K_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,      \
                            size_t act_stride, int64_t cols, float *out, int64_t ld_out);                 \
    void ok_quantize_q8_0_##sfx(const float *x, void *y, int64_t n);                                      \
    void ok_quantize_q8_1_##sfx(const float *x, void *y, int64_t n);                                      \
    void ok_quantize_q8_K_##sfx(const float *x, void *y, int64_t n);                                      \
    void ok_attend_f16_##sfx(const float *q, const uint16_t *k, int64_t k_stride, const uint16_t *v,         \
                             int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores,    \
                             float *out);                                                                   \
    void ok_attend_f16_group_##sfx(int64_t heads, const float *q, int64_t q_stride, const uint16_t *k,      \
                                   int64_t k_stride, const uint16_t *v, int64_t v_stride, int64_t n,         \
                                   int64_t head_dim, int64_t v_dim, float *scores, float *out,               \
                                   int64_t out_stride);                                                      \
    void ok_gemv_q4_1_##sfx(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,     \
                            float *out);                                                                  \
    void ok_geglu_f32_##sfx(int64_t n, float *gate, const float *up);                                     \
    void ok_swiglu_f32_##sfx(int64_t n, float *gate, const float *up);

OK_DECLARE_PATH(generic)
#if OK_HAVE_X86_KERNELS
OK_DECLARE_PATH(avx2)
OK_DECLARE_PATH(avx512)
OK_DECLARE_GEMM(avx2)
OK_DECLARE_GEMM(avx512)
/* AVX-512 only: q5_0 four blocks per step (dot_avx512.c). */
void ok_gemv_q5_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act, float *out);
/* AVX-512 only: q4_1 against up to four columns per weight pass, each column bit for bit its one-column GEMV. */
void ok_gemv_cols_q4_1_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                              size_t act_stride, int64_t cols, float *out, int64_t ld_out);
void ok_gemv_cols_q8_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                              size_t act_stride, int64_t cols, float *out, int64_t ld_out);
void ok_gemv_cols_q5_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                              size_t act_stride, int64_t cols, float *out, int64_t ld_out);
void ok_gemv_cols_q4_K_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                              size_t act_stride, int64_t cols, float *out, int64_t ld_out);
void ok_gemv_cols_q6_K_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                              size_t act_stride, int64_t cols, float *out, int64_t ld_out);
#endif
#if OK_HAVE_NEON_KERNELS
OK_DECLARE_PATH(neon)
#endif

/* Gated activations (activations.c): the generic twins, and ggml's half-precision GELU table (built on
 * first use, thread-safe; 65,536 entries plus two of slack for 32-bit gathers). */
void ok_geglu_f32_generic(int64_t n, float *gate, const float *up);
void ok_swiglu_f32_generic(int64_t n, float *gate, const float *up);
const uint16_t *ok_gelu_table(void);

/* ok_quantize_row on the reference quantizers only (formats.c), and the current table's accelerated
 * quantizer for `type` if it has one (dispatch.c: returns 1 when it handled the row). */
void ok_quantize_row_reference(int type, const float *x, void *y, int64_t n);
int ok_quantize_row_accelerated(int type, const float *x, void *y, int64_t n);

/* Reference quantizers and dequantizers (quants_ref.c, kquants_ref.c). */
void ok_quantize_row_q4_0_ref(const float *x, block_q4_0 *y, int64_t n);
void ok_quantize_row_q4_1_ref(const float *x, block_q4_1 *y, int64_t n);
void ok_quantize_row_q5_0_ref(const float *x, block_q5_0 *y, int64_t n);
void ok_quantize_row_q5_1_ref(const float *x, block_q5_1 *y, int64_t n);
void ok_quantize_row_q8_0_ref(const float *x, block_q8_0 *y, int64_t n);
void ok_quantize_row_q8_1_ref(const float *x, block_q8_1 *y, int64_t n);
void ok_quantize_row_q2_K_ref(const float *x, block_q2_K *y, int64_t n);
void ok_quantize_row_q3_K_ref(const float *x, block_q3_K *y, int64_t n);
void ok_quantize_row_q4_K_ref(const float *x, block_q4_K *y, int64_t n);
void ok_quantize_row_q5_K_ref(const float *x, block_q5_K *y, int64_t n);
void ok_quantize_row_q6_K_ref(const float *x, block_q6_K *y, int64_t n);
void ok_quantize_row_q8_K_ref(const float *x, block_q8_K *y, int64_t n);

void ok_dequantize_row_q4_0(const block_q4_0 *x, float *y, int64_t n);
void ok_dequantize_row_q4_1(const block_q4_1 *x, float *y, int64_t n);
void ok_dequantize_row_q5_0(const block_q5_0 *x, float *y, int64_t n);
void ok_dequantize_row_q5_1(const block_q5_1 *x, float *y, int64_t n);
void ok_dequantize_row_q8_0(const block_q8_0 *x, float *y, int64_t n);
void ok_dequantize_row_q8_1(const block_q8_1 *x, float *y, int64_t n);
void ok_dequantize_row_q2_K(const block_q2_K *x, float *y, int64_t n);
void ok_dequantize_row_q3_K(const block_q3_K *x, float *y, int64_t n);
void ok_dequantize_row_q4_K(const block_q4_K *x, float *y, int64_t n);
void ok_dequantize_row_q5_K(const block_q5_K *x, float *y, int64_t n);
void ok_dequantize_row_q6_K(const block_q6_K *x, float *y, int64_t n);
void ok_dequantize_row_q8_K(const block_q8_K *x, float *y, int64_t n);

#endif
