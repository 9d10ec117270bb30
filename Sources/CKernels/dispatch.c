/* CPU feature detection and the kernel tables. Each path's table is a compile-time constant; the only
 * mutable state is which table is current (set by ok_kernels_init) and the cached feature probe. */

#include <math.h>
#include <stdatomic.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define OK_TABLE_ENTRIES(q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, f16, bf16, f32, sfx, ...)   \
    {                                                                                                     \
        __VA_ARGS__                                                                                       \
        .vec_dot = {                                                                                      \
            [OK_T_F32] = f32, [OK_T_F16] = f16, [OK_T_BF16] = bf16,                                       \
            [OK_T_Q4_0] = q4_0, [OK_T_Q4_1] = q4_1, [OK_T_Q5_0] = q5_0, [OK_T_Q5_1] = q5_1,               \
            [OK_T_Q8_0] = q8_0, [OK_T_Q2_K] = q2_K, [OK_T_Q3_K] = q3_K, [OK_T_Q4_K] = q4_K,               \
            [OK_T_Q5_K] = q5_K, [OK_T_Q6_K] = q6_K,                                                       \
        },                                                                                                \
        .dot_f32 = ok_dot_f32_##sfx, .axpy_f32 = ok_axpy_f32_##sfx, .scale_f32 = ok_scale_f32_##sfx,     \
        .dot_f16_f32 = ok_dot_f16_f32_##sfx, .axpy_f16 = ok_axpy_f16_##sfx,                               \
        .f32_to_f16 = ok_f32_to_f16_##sfx, .f16_to_f32 = ok_f16_to_f32_##sfx,                             \
        .softmax_numerators = ok_softmax_numerators_##sfx, .argmax_f32 = ok_argmax_f32_##sfx,             \
    }

/* Tiled matmuls and activation quantizers of a path (weight types without a tiled matmul use ok_matmul's
 * loop over vec_dot; types without a quantizer the reference one). */
#define OK_NO_EXTRAS
#define OK_X86_EXTRAS(sfx, ...)                                                                                 \
    .gemm = {                                                                                             \
        [OK_T_Q4_0] = ok_gemm_q4_0_##sfx, [OK_T_Q4_1] = ok_gemm_q4_1_##sfx, [OK_T_Q5_0] = ok_gemm_q5_0_##sfx, \
        [OK_T_Q5_1] = ok_gemm_q5_1_##sfx, [OK_T_Q8_0] = ok_gemm_q8_0_##sfx, [OK_T_Q4_K] = ok_gemm_q4_K_##sfx, \
        [OK_T_Q6_K] = ok_gemm_q6_K_##sfx,                                                                 \
    },                                                                                                    \
    .gemv = {[OK_T_Q4_1] = ok_gemv_q4_1_##sfx __VA_ARGS__},                                                           \
    .quantize = {                                                                                         \
        [OK_T_Q8_0] = ok_quantize_q8_0_##sfx, [OK_T_Q8_1] = ok_quantize_q8_1_##sfx,                       \
        [OK_T_Q8_K] = ok_quantize_q8_K_##sfx,                                                             \
    },                                                                                                    \
    .attend_f16 = ok_attend_f16_##sfx, .attend_f16_group = ok_attend_f16_group_##sfx, .geglu_f32 = ok_geglu_f32_##sfx, .swiglu_f32 = ok_swiglu_f32_##sfx,

/* A table whose every kernel comes from one path. */
#define OK_FULL_TABLE(sfx, ...)                                                                             \
    OK_TABLE_ENTRIES(ok_vec_dot_q4_0_##sfx, ok_vec_dot_q4_1_##sfx, ok_vec_dot_q5_0_##sfx,                   \
                     ok_vec_dot_q5_1_##sfx, ok_vec_dot_q8_0_##sfx, ok_vec_dot_q2_K_##sfx,                   \
                     ok_vec_dot_q3_K_##sfx, ok_vec_dot_q4_K_##sfx, ok_vec_dot_q5_K_##sfx,                   \
                     ok_vec_dot_q6_K_##sfx, ok_vec_dot_f16_##sfx, ok_vec_dot_bf16_##sfx,                    \
                     ok_vec_dot_f32_##sfx, sfx, __VA_ARGS__)

static const ok_kernel_table table_generic = OK_FULL_TABLE(generic, OK_NO_EXTRAS);
#if OK_HAVE_X86_KERNELS
static const ok_kernel_table table_avx2 = OK_FULL_TABLE(avx2, OK_X86_EXTRAS(avx2));
static const ok_kernel_table table_avx512 = OK_FULL_TABLE(avx512, OK_X86_EXTRAS(avx512, , [OK_T_Q5_0] = ok_gemv_q5_0_avx512)
                                                          .gemv_cols = {[OK_T_Q4_1] = ok_gemv_cols_q4_1_avx512,
                                                                        [OK_T_Q8_0] = ok_gemv_cols_q8_0_avx512,
                                                                        [OK_T_Q5_0] = ok_gemv_cols_q5_0_avx512,
                                                                        [OK_T_Q4_K] = ok_gemv_cols_q4_K_avx512,
                                                                        [OK_T_Q6_K] = ok_gemv_cols_q6_K_avx512},);
#endif
#if OK_HAVE_NEON_KERNELS
static const ok_kernel_table table_neon = OK_FULL_TABLE(neon, OK_NO_EXTRAS);
#endif

static _Atomic(const ok_kernel_table *) current_table = &table_generic;
static _Atomic int current_path = OK_PATH_GENERIC;
/* Bit p set when path p is available; -1 until probed. Probing twice is harmless (same answer). */
static _Atomic int available_mask = -1;

#if OK_HAVE_X86_KERNELS
static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int probe_x86(void) {
    int mask = 1 << OK_PATH_GENERIC;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return mask;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(osxsave && avx)) return mask;
    const uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return mask; /* OS saves SSE and AVX state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return mask;
    const int avx2 = (b >> 5) & 1;
    if (avx2 && fma && f16c) mask |= 1 << OK_PATH_AVX2;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    const int vnni = (c >> 11) & 1;
    const int zmm_state = (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM_Hi256, Hi16_ZMM */
    if ((mask & (1 << OK_PATH_AVX2)) && f && dq && bw && vl && vnni && zmm_state) mask |= 1 << OK_PATH_AVX512;
    return mask;
}
#endif

static int probe(void) {
    int mask = atomic_load_explicit(&available_mask, memory_order_relaxed);
    if (mask >= 0) return mask;
#if OK_HAVE_X86_KERNELS
    mask = probe_x86();
#elif OK_HAVE_NEON_KERNELS
    mask = (1 << OK_PATH_GENERIC) | (1 << OK_PATH_NEON); /* NEON is baseline on AArch64 */
#else
    mask = 1 << OK_PATH_GENERIC;
#endif
    atomic_store_explicit(&available_mask, mask, memory_order_relaxed);
    return mask;
}

int ok_kernel_path_available(int path) {
    if (path < 0 || path > OK_PATH_NEON) return 0;
    return (probe() >> path) & 1;
}

static const ok_kernel_table *table_for(int path) {
    if (!ok_kernel_path_available(path)) return &table_generic;
    switch (path) {
#if OK_HAVE_X86_KERNELS
    case OK_PATH_AVX2: return &table_avx2;
    case OK_PATH_AVX512: return &table_avx512;
#endif
#if OK_HAVE_NEON_KERNELS
    case OK_PATH_NEON: return &table_neon;
#endif
    default: return &table_generic;
    }
}

int ok_kernels_init(int force_generic) {
    int path = OK_PATH_GENERIC;
    if (!force_generic) {
        static const int preference[] = {OK_PATH_AVX512, OK_PATH_AVX2, OK_PATH_NEON};
        for (size_t i = 0; i < sizeof preference / sizeof preference[0]; ++i) {
            if (ok_kernel_path_available(preference[i])) {
                path = preference[i];
                break;
            }
        }
    }
    atomic_store_explicit(&current_table, table_for(path), memory_order_release);
    atomic_store_explicit(&current_path, path, memory_order_relaxed);
    return path;
}

int ok_kernel_path_current(void) { return atomic_load_explicit(&current_path, memory_order_relaxed); }

const char *ok_kernel_path_name(int path) {
    switch (path) {
    case OK_PATH_GENERIC: return "generic";
    case OK_PATH_AVX2: return "avx2";
    case OK_PATH_AVX512: return "avx512";
    case OK_PATH_NEON: return "neon";
    default: return "unknown";
    }
}

static inline const ok_kernel_table *current(void) {
    return atomic_load_explicit(&current_table, memory_order_acquire);
}

static float dot_with(const ok_kernel_table *t, int wtype, int64_t n, const void *w, const void *act) {
    if (wtype < 0 || wtype >= OK_T_COUNT || !t->vec_dot[wtype]) return NAN;
    return t->vec_dot[wtype](n, w, act);
}

float ok_vec_dot(int wtype, int64_t n, const void *w, const void *act) {
    return dot_with(current(), wtype, n, w, act);
}

float ok_vec_dot_path(int path, int wtype, int64_t n, const void *w, const void *act) {
    return dot_with(table_for(path), wtype, n, w, act);
}

/* Most activation columns that take the per-column GEMV instead of the tiled GEMM: measured on SmolLM2, two
 * columns are faster this way (6.3-6.6 vs 7.7-8.5 ms a pass), four are not (the GEMM shares each unpacked
 * block across the columns; a four-column pass is 9.6-10.1 ms with it, 10.0-10.5 without). */
#ifndef OK_GEMV_MAX_COLS
#define OK_GEMV_MAX_COLS 2
#endif

/* Most columns that take a multi-column GEMV (one pass over the weights for all of them, no repacking)
 * instead of the tiled GEMM. Its one-column instance is also the decode kernel of the types that have one:
 * bit for bit the vec_dot loop, and for q8_0 faster since it prefetches block by block (one thread, 64 MB
 * of SmolLM2- and Qwen2.5-shaped rows: 20-23 against 17-21 GB/s). */
#ifndef OK_GEMV_COLS_MAX_COLS
#define OK_GEMV_COLS_MAX_COLS 4
#endif

/* Row tile of the fallback matmul: a few weight rows stay hot in cache while every activation column passes. */
#define OK_MATMUL_ROW_TILE 4

/* The matmul on table t: its tiled kernel for the weight type if it has one, else one vec_dot per output.
 * A single column (decode) never takes the tiled kernel: it repacks each row tile's weights for reuse across
 * columns, which one column cannot repay, and decode keeps the vec_dot's exact sums. It takes the type's
 * multi-column or one-column GEMV where the table has one (the vec_dot of each row bit for bit, with the
 * work that depends only on the activation done once per call), else the vec_dot loop. */
static void matmul_with(const ok_kernel_table *t, int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
                        const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    if (wtype < 0 || wtype >= OK_T_COUNT) return;
    /* One column (decode) or a few (a decode batch of several sequences): one pass over this call's rows
     * for all of them. Each column is then bit for bit what it would be alone. */
    if (t->gemv_cols[wtype] && cols <= OK_GEMV_COLS_MAX_COLS) {
        t->gemv_cols[wtype](k, w, w_stride, rows, act, act_stride, cols, out, ld_out);
        return;
    }
    if (t->gemv[wtype] && cols <= OK_GEMV_MAX_COLS) {
        for (int64_t c = 0; c < cols; ++c)
            t->gemv[wtype](k, w, w_stride, rows, (const char *)act + (size_t)c * act_stride, out + c * ld_out);
        return;
    }
    if (t->gemm[wtype] && cols > 1) {
        t->gemm[wtype](k, w, w_stride, rows, act, act_stride, cols, out, ld_out);
        return;
    }
    const ok_vec_dot_fn dot = t->vec_dot[wtype];
    if (!dot) return;
    const char *wb = w, *ab = act;
    for (int64_t r0 = 0; r0 < rows; r0 += OK_MATMUL_ROW_TILE) {
        const int64_t r1 = r0 + OK_MATMUL_ROW_TILE < rows ? r0 + OK_MATMUL_ROW_TILE : rows;
        for (int64_t c = 0; c < cols; ++c) {
            const void *a = ab + (size_t)c * act_stride;
            float *o = out + c * ld_out;
            for (int64_t r = r0; r < r1; ++r) {
                if (c == 0) ok_prefetch_row(wb + (size_t)r * w_stride, w_stride);
                o[r] = dot(k, wb + (size_t)r * w_stride, a);
            }
        }
    }
}

void ok_matmul(int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
               const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    matmul_with(current(), wtype, k, w, w_stride, rows, act, act_stride, cols, out, ld_out);
}

void ok_matmul_columns(int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
                       const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    const ok_kernel_table *t = current();
    /* Each column exactly as a one-column call computes it (every output row is its own dot product), but
     * over tiles of rows small enough to stay in L2: the tile is read from memory once for all columns,
     * so verifying several drafted tokens costs little more than decoding one. */
    const int64_t tile_bytes = 192 * 1024;
    int64_t tile = w_stride > 0 ? tile_bytes / (int64_t)w_stride : rows;
    tile = tile < 16 ? 16 : tile - tile % 16;
    for (int64_t r0 = 0; r0 < rows; r0 += tile) {
        const int64_t n = rows - r0 < tile ? rows - r0 : tile;
        const char *wt = (const char *)w + (size_t)r0 * w_stride;
        if (t->gemv_cols[wtype]) {
            t->gemv_cols[wtype](k, wt, w_stride, n, act, act_stride, cols, out + r0, ld_out);
            continue;
        }
        for (int64_t c = 0; c < cols; ++c)
            matmul_with(t, wtype, k, wt, w_stride, n, (const char *)act + (size_t)c * act_stride, act_stride, 1,
                        out + c * ld_out + r0, ld_out);
    }
}

void ok_matmul_path(int path, int wtype, int64_t k, const void *w, size_t w_stride, int64_t rows,
                    const void *act, size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    matmul_with(table_for(path), wtype, k, w, w_stride, rows, act, act_stride, cols, out, ld_out);
}

/* Softmax attention of one query row (see ckernels.h): table t's fused kernel, or its dot, softmax and axpy
 * kernels: one dot per key, the softmax numerators, and one axpy per value row. */
static void attend_with(const ok_kernel_table *t, int kv_type, const float *q, const void *k, int64_t k_stride,
                        const void *v, int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores,
                        float *out) {
    const int f16 = kv_type == OK_T_F16;
    if (f16 && t->attend_f16) {
        t->attend_f16(q, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out);
        return;
    }
    const size_t eb = f16 ? 2 : 4;
    const char *kb = k, *vb = v;
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        const void *kr = kb + (size_t)(i * k_stride) * eb;
        const float s = f16 ? t->dot_f16_f32(kr, q, head_dim) : t->dot_f32(q, kr, head_dim);
        scores[i] = s;
        if (s > max) max = s;
    }
    const float inv = 1 / t->softmax_numerators(scores, n, max);
    memset(out, 0, (size_t)v_dim * sizeof(float));
    for (int64_t i = 0; i < n; ++i) {
        const void *vr = vb + (size_t)(i * v_stride) * eb;
        if (f16) t->axpy_f16(v_dim, scores[i] * inv, vr, out);
        else t->axpy_f32(v_dim, scores[i] * inv, vr, out);
    }
}

/* ok_attend for `heads` query heads that share one key/value head: the table's grouped kernel on the F16
 * cache, else ok_attend per head. */
static void attend_group_with(const ok_kernel_table *t, int kv_type, int64_t heads, const float *q, int64_t q_stride,
                              const void *k, int64_t k_stride, const void *v, int64_t v_stride, int64_t n,
                              int64_t head_dim, int64_t v_dim, float *scores, float *out, int64_t out_stride) {
    if (kv_type == OK_T_F16 && t->attend_f16_group && head_dim <= OK_ATTEND_GROUP_MAX_DIM) {
        t->attend_f16_group(heads, q, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out, out_stride);
        return;
    }
    for (int64_t g = 0; g < heads; ++g)
        attend_with(t, kv_type, q + g * q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, scores + g * n,
                    out + g * out_stride);
}

void ok_attend_group(int kv_type, int64_t heads, const float *q, int64_t q_stride, const void *k, int64_t k_stride,
                     const void *v, int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores,
                     float *out, int64_t out_stride) {
    attend_group_with(current(), kv_type, heads, q, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, scores,
                      out, out_stride);
}

void ok_attend_group_path(int path, int kv_type, int64_t heads, const float *q, int64_t q_stride, const void *k,
                          int64_t k_stride, const void *v, int64_t v_stride, int64_t n, int64_t head_dim,
                          int64_t v_dim, float *scores, float *out, int64_t out_stride) {
    attend_group_with(table_for(path), kv_type, heads, q, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim,
                      scores, out, out_stride);
}

void ok_attend(int kv_type, const float *q, const void *k, int64_t k_stride, const void *v, int64_t v_stride,
               int64_t n, int64_t head_dim, int64_t v_dim, float *scores, float *out) {
    attend_with(current(), kv_type, q, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out);
}

void ok_attend_path(int path, int kv_type, const float *q, const void *k, int64_t k_stride, const void *v,
                    int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores, float *out) {
    attend_with(table_for(path), kv_type, q, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out);
}

int ok_quantize_row_accelerated(int type, const float *x, void *y, int64_t n) {
    if (type < 0 || type >= OK_T_COUNT || !current()->quantize[type]) return 0;
    current()->quantize[type](x, y, n);
    return 1;
}

void ok_quantize_row_path(int path, int type, const float *x, void *y, int64_t n) {
    const ok_kernel_table *t = table_for(path);
    if (type >= 0 && type < OK_T_COUNT && t->quantize[type]) t->quantize[type](x, y, n);
    else ok_quantize_row_reference(type, x, y, n);
}

static void geglu_with(const ok_kernel_table *t, int64_t n, float *gate, const float *up) {
    (t->geglu_f32 ? t->geglu_f32 : ok_geglu_f32_generic)(n, gate, up);
}

static void swiglu_with(const ok_kernel_table *t, int64_t n, float *gate, const float *up) {
    (t->swiglu_f32 ? t->swiglu_f32 : ok_swiglu_f32_generic)(n, gate, up);
}

void ok_geglu_f32(int64_t n, float *gate, const float *up) { geglu_with(current(), n, gate, up); }
void ok_swiglu_f32(int64_t n, float *gate, const float *up) { swiglu_with(current(), n, gate, up); }
void ok_geglu_f32_path(int path, int64_t n, float *gate, const float *up) { geglu_with(table_for(path), n, gate, up); }
void ok_swiglu_f32_path(int path, int64_t n, float *gate, const float *up) { swiglu_with(table_for(path), n, gate, up); }

float ok_dot_f32(const float *a, const float *b, int64_t n) { return current()->dot_f32(a, b, n); }
void ok_axpy_f32(int64_t n, float a, const float *x, float *y) { current()->axpy_f32(n, a, x, y); }
void ok_scale_f32(int64_t n, float a, float *y) { current()->scale_f32(n, a, y); }
float ok_dot_f16_f32(const uint16_t *h, const float *x, int64_t n) { return current()->dot_f16_f32(h, x, n); }
void ok_axpy_f16(int64_t n, float a, const uint16_t *h, float *y) { current()->axpy_f16(n, a, h, y); }
void ok_f32_to_f16(const float *x, uint16_t *y, int64_t n) { current()->f32_to_f16(x, y, n); }
void ok_f16_to_f32(const uint16_t *x, float *y, int64_t n) { current()->f16_to_f32(x, y, n); }
float ok_softmax_numerators(float *scores, int64_t n, float max) { return current()->softmax_numerators(scores, n, max); }

float ok_dot_f32_path(int path, const float *a, const float *b, int64_t n) { return table_for(path)->dot_f32(a, b, n); }
void ok_axpy_f32_path(int path, int64_t n, float a, const float *x, float *y) { table_for(path)->axpy_f32(n, a, x, y); }
void ok_scale_f32_path(int path, int64_t n, float a, float *y) { table_for(path)->scale_f32(n, a, y); }
float ok_dot_f16_f32_path(int path, const uint16_t *h, const float *x, int64_t n) { return table_for(path)->dot_f16_f32(h, x, n); }
void ok_axpy_f16_path(int path, int64_t n, float a, const uint16_t *h, float *y) { table_for(path)->axpy_f16(n, a, h, y); }
void ok_f32_to_f16_path(int path, const float *x, uint16_t *y, int64_t n) { table_for(path)->f32_to_f16(x, y, n); }
void ok_f16_to_f32_path(int path, const uint16_t *x, float *y, int64_t n) { table_for(path)->f16_to_f32(x, y, n); }
int64_t ok_argmax_f32(const float *x, int64_t n) { return n > 0 ? current()->argmax_f32(x, n) : -1; }

int64_t ok_argmax_f32_path(int path, const float *x, int64_t n) { return n > 0 ? table_for(path)->argmax_f32(x, n) : -1; }

float ok_softmax_numerators_path(int path, float *scores, int64_t n, float max) {
    return table_for(path)->softmax_numerators(scores, n, max);
}
