#ifndef OUTPOST_CKERNELS_H
#define OUTPOST_CKERNELS_H

/*
 * Quantized-tensor kernels for Outpost: ggml block formats (bit-for-bit as llama.cpp lays them out),
 * dequantization, reference quantization, dot products and a matmul seam.
 *
 * Types are ggml type numbers (f32=0 f16=1 q4_0=2 q4_1=3 q5_0=6 q5_1=7 q8_0=8 q8_1=9 q2_K=10 q3_K=11
 * q4_K=12 q5_K=13 q6_K=14 q8_K=15 bf16=30).
 *
 * Contract: these functions assume validated input. Callers (the Swift wrapper) must check that the type
 * is supported, that element counts are multiples of the type's block size, and that buffers hold
 * ok_row_size(type, n) bytes. Nothing here allocates, locks, spawns threads or does I/O; every function
 * may be called from any thread at once.
 */

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { OK_PATH_GENERIC = 0, OK_PATH_AVX2 = 1, OK_PATH_AVX512 = 2, OK_PATH_NEON = 3 } ok_kernel_path;

/* Detects CPU features and selects the kernel table for ok_vec_dot / ok_matmul / f32 helpers.
 * Returns the chosen path. Before the first call the generic path is used. Safe to call repeatedly. */
int ok_kernels_init(int force_generic);
int ok_kernel_path_current(void);
/* Static string ("generic", "avx2", "avx512", "neon"); "unknown" for other values. */
const char *ok_kernel_path_name(int path);
/* 1 if this CPU (and build) can run the path. */
int ok_kernel_path_available(int path);

/* 1 if weights of this type can be dequantized and dotted. */
int ok_type_supported(int type);
/* Activation type llama.cpp pairs with weights of `type` (its vec_dot_type); -1 if unsupported. */
int ok_vec_dot_type(int type);
/* Elements per block (1 for float types); 0 if the type is unknown here. */
int64_t ok_block_size(int type);
/* Bytes of n elements (n a multiple of the block size); 0 if the type is unknown here. */
size_t ok_row_size(int type, int64_t n);

/* 1 if ok_quantize_row / ok_dequantize_row handle the type. */
int ok_quantize_supported(int type);
int ok_dequantize_supported(int type);
/* Reference (deterministic) quantization of n floats into `type` blocks, as ggml's quantize_row_*_ref
 * does. Does nothing for unsupported types. The activation formats q8_0, q8_1 and q8_K use the current
 * path's SIMD quantizer where it has one, which writes the same bytes as the scalar reference for finite
 * input (NaN and infinity give unspecified quants, as in the reference, whose float-to-int conversion of
 * them is undefined). */
void ok_quantize_row(int type, const float *x, void *y, int64_t n);
/* Same on an explicit path, for tests (paths without a SIMD quantizer for the type use the reference). */
void ok_quantize_row_path(int path, int type, const float *x, void *y, int64_t n);
/* Exact ggml dequantization of n elements. Does nothing for unsupported types. */
void ok_dequantize_row(int type, const void *x, float *y, int64_t n);

/* Dot product of n weights (wtype) with n activations in ok_vec_dot_type(wtype) format.
 * Returns NaN for unsupported types. */
float ok_vec_dot(int wtype, int64_t n, const void *w, const void *act);
/* Same on an explicit path, for tests. Falls back to the generic path if `path` is not available. */
float ok_vec_dot_path(int path, int wtype, int64_t n, const void *w, const void *act);

/* out[c * ld_out + r] = dot(row r of w, column c of act) for r in [0,rows), c in [0,cols).
 * w rows are w_stride bytes apart; act rows (one per token, already quantized to
 * ok_vec_dot_type(wtype)) are act_stride bytes apart; k elements per row. */
void ok_matmul(int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
               const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out);
/* Same as ok_matmul, but every column is computed exactly as a one-column call would compute it (the GEMV
 * or vec_dot of each output), never by the tiled kernels: a batch of a sequence's tokens then gives, bit for
 * bit, what decoding them one at a time gives (speculative verification relies on it). */
void ok_matmul_columns(int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
                       const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out);
/* Same on an explicit path, for tests (generic fallback like ok_vec_dot_path). The x86 paths multiply
 * q4_0, q4_1, q5_0, q5_1, q8_0, q4_K and q6_K weights by two or more columns with tiled kernels (several
 * rows x several columns per step); other types, paths and single columns compute each output with that
 * path's vec_dot (for a single column, q4_1 on the x86 paths through a GEMV whose every output equals the
 * vec_dot bit for bit). Results equal the path's vec_dot up to float summation order. Uses no heap; the tiled
 * kernels use about 21 KiB of stack, the GEMV 8 KiB. Does nothing for unsupported types. */
void ok_matmul_path(int path, int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
                    const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out);

float ok_dot_f32(const float *a, const float *b, int64_t n);
void ok_axpy_f32(int64_t n, float a, const float *x, float *y);  /* y += a*x */
void ok_scale_f32(int64_t n, float a, float *y);                  /* y *= a */
/* Half-precision rows against f32 (the F16 KV cache): dot(h, x) and y += a*h. */
float ok_dot_f16_f32(const uint16_t *h, const float *x, int64_t n);
void ok_axpy_f16(int64_t n, float a, const uint16_t *h, float *y);
/* IEEE binary16, round to nearest even (NaN becomes a quiet NaN). */
void ok_f32_to_f16(const float *x, uint16_t *y, int64_t n);
void ok_f16_to_f32(const uint16_t *x, float *y, int64_t n);
/* Softmax numerators in place, scores[i] = e^(scores[i] - max), returning their sum. SIMD paths take ggml's
 * vector exp (ggml_v_expf, as llama.cpp's softmax) eight lanes at a time with eight partial sums; the
 * generic path expf and a sequential sum. The result depends only on the scores, never on what else runs. */
float ok_softmax_numerators(float *scores, int64_t n, float max);
/* The first index of the largest of x[0..n), or -1 when n <= 0 or some value is NaN or +inf (a caller that
 * gives those a meaning, as the sampler does, handles them itself). Greedy decoding's pick over a vocabulary. */
int64_t ok_argmax_f32(const float *x, int64_t n);

/* Softmax attention of one query row against n cached positions (the F16 or F32 KV cache, kv_type 1 or 0):
 *   scores[i] = dot(q, key i), p = softmax(scores), out = sum_i p_i * value i
 * key i is head_dim elements at k + i * k_stride elements, value i v_dim elements at v + i * v_stride.
 * scores (n floats) is scratch and ends holding exp(score - max). The arithmetic is that of ok_dot_f16_f32
 * (or ok_dot_f32(q, key)) per key, ok_softmax_numerators, and ok_axpy_f16 (ok_axpy_f32) per value in
 * position order, so the result equals that loop's bit for bit. n >= 1. */
void ok_attend(int kv_type, const float *q, const void *k, int64_t k_stride, const void *v, int64_t v_stride,
               int64_t n, int64_t head_dim, int64_t v_dim, float *scores, float *out);
void ok_attend_path(int path, int kv_type, const float *q, const void *k, int64_t k_stride, const void *v,
                    int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores, float *out);
/* ok_attend for `heads` query heads that share one key/value head (grouped-query attention): head g's
 * query at q + g * q_stride, its output at out + g * out_stride, its scores at scores + g * n (heads * n
 * floats of scratch). Each head equals its own ok_attend bit for bit; the heads share every key and value
 * row read. */
void ok_attend_group(int kv_type, int64_t heads, const float *q, int64_t q_stride, const void *k, int64_t k_stride,
                     const void *v, int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores,
                     float *out, int64_t out_stride);
void ok_attend_group_path(int path, int kv_type, int64_t heads, const float *q, int64_t q_stride, const void *k,
                          int64_t k_stride, const void *v, int64_t v_stride, int64_t n, int64_t head_dim,
                          int64_t v_dim, float *scores, float *out, int64_t out_stride);

/* Gated feed-forward activations in place over n values: gate = act(gate) * up.
 * GEGLU is ggml's table GELU (GGML_GELU_FP16): 0 for gate <= -10, gate for gate >= 10, otherwise the
 * half-precision gelu (tanh approximation) of gate rounded to half, looked up by its half bits.
 * SwiGLU is silu(gate) = gate / (1 + e^-gate); SIMD paths compute e^x as ggml's vectorised expf does (within
 * 2 ulp of expf), the generic path and tails with expf. */
void ok_geglu_f32(int64_t n, float *gate, const float *up);
void ok_swiglu_f32(int64_t n, float *gate, const float *up);
void ok_geglu_f32_path(int path, int64_t n, float *gate, const float *up);
void ok_swiglu_f32_path(int path, int64_t n, float *gate, const float *up);

/* Explicit-path variants of the helpers above, for tests (generic fallback like ok_vec_dot_path). */
float ok_dot_f32_path(int path, const float *a, const float *b, int64_t n);
void ok_axpy_f32_path(int path, int64_t n, float a, const float *x, float *y);
void ok_scale_f32_path(int path, int64_t n, float a, float *y);
float ok_dot_f16_f32_path(int path, const uint16_t *h, const float *x, int64_t n);
void ok_axpy_f16_path(int path, int64_t n, float a, const uint16_t *h, float *y);
void ok_f32_to_f16_path(int path, const float *x, uint16_t *y, int64_t n);
void ok_f16_to_f32_path(int path, const uint16_t *x, float *y, int64_t n);
float ok_softmax_numerators_path(int path, float *scores, int64_t n, float max);
int64_t ok_argmax_f32_path(int path, const float *x, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
