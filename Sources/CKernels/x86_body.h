/* x86 kernels shared by the AVX2 and AVX-512 paths. Included once by dot_avx2.c and once by
 * dot_avx512.c, which define:
 *   OK_TARGET     function attribute enabling the ISA (every function here carries it)
 *   OK_SFX        name suffix (avx2 / avx512)
 *   OK_USE_VNNI   1 to form u8*s8 dot products with VPDPBUSD, 0 for VPMADDUBSW + VPMADDWD
 *   OK_BODY_SKIP_F32  defined when the including file provides its own f32/f16 helpers
 * Keeping one body means the AVX2 tests exercise all of the AVX-512 path's logic except the
 * one-instruction primitive dot_u8s8 (identical results for in-range data: maddubs only saturates
 * beyond |sum of a pair| > 32767, which needs 8-bit operands on both sides, which no pairing here has
 * except q8_0 x q8_0 with -128 weights, which ggml's quantizers never produce). */

#include <immintrin.h>
#include <math.h>

#include "internal.h"

#define OK_CAT_(a, b) a##_##b
#define OK_CAT(a, b) OK_CAT_(a, b)
#define OK_FN(name) OK_CAT(name, OK_SFX)

static inline OK_TARGET float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline OK_TARGET int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/* F16C scalar convert. The empty asm pins the zero-extended MOVD: otherwise clang sees that only lane 0
 * matters, merges the half into whatever register is at hand (often a live accumulator) and so chains
 * every block's scale onto the previous block's FMA. */
static inline OK_TARGET float half(ok_half h) {
    __m128i v = _mm_cvtsi32_si128(h);
    __asm__("" : "+x"(v));
    return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

/* Per int32 lane: sum of four adjacent u8 * s8 products. */
static inline OK_TARGET __m256i dot_u8s8(__m256i u, __m256i s) {
#if OK_USE_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/* Signed x signed through the unsigned primitive: |a| * (b with a's sign). */
static inline OK_TARGET __m256i dot_s8s8(__m256i a, __m256i b) {
    return dot_u8s8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

/* 32 nibbles of a 16-byte array in element order: low nibbles are elements 0..15, high 16..31. */
static inline OK_TARGET __m256i nibbles32(const uint8_t *p) {
    const __m128i t = _mm_loadu_si128((const __m128i *)p);
    const __m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

/* Byte e = 0xFF where bit e of the little-endian 32-bit word at p is set, else 0. */
static inline OK_TARGET __m256i bits32_to_bytes(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32((int)v),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

static inline OK_TARGET __m256i load256(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* ---- 32-element blocks ---- */

/* 8 fp16 fields `stride` bytes apart, starting at `p`, as floats: one conversion for 8 blocks. */
static inline OK_TARGET __m256 halves8(const void *p, size_t stride) {
    const uint8_t *b = p;
    uint16_t h[8];
    for (int k = 0; k < 8; ++k) memcpy(&h[k], b + (size_t)k * stride, 2);
    return _mm256_cvtph_ps(_mm_set_epi16((short)h[7], (short)h[6], (short)h[5], (short)h[4],
                                         (short)h[3], (short)h[2], (short)h[1], (short)h[0]));
}

/* Runs BODY for every block with `b` (block index), `d` (broadcast x.d * y.d) and `acc` (one of two
 * accumulators, so two FMA chains overlap). Scales are converted eight blocks at a time; GROUP_EXTRA
 * runs once per eight blocks (with `ib` the first) and TAIL_EXTRA once per leftover block. */
#define OK_BLOCK_LOOP(NB, GROUP_EXTRA, TAIL_EXTRA, ...)                                                     \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), offv = _mm256_setzero_ps();            \
    float offs = 0;                                                                                       \
    int64_t ib = 0;                                                                                       \
    for (; ib + 8 <= (NB); ib += 8) {                                                                     \
        float dd[8];                                                                                      \
        _mm256_storeu_ps(dd, _mm256_mul_ps(halves8(&x[ib].d, sizeof x[0]), halves8(&y[ib].d, sizeof y[0]))); \
        GROUP_EXTRA                                                                                       \
        for (int k = 0; k < 8; k += 2) {                                                                  \
            { __m256 *acc = &acc0; const int64_t b = ib + k; const __m256 d = _mm256_broadcast_ss(dd + k); __VA_ARGS__ } \
            { __m256 *acc = &acc1; const int64_t b = ib + k + 1; const __m256 d = _mm256_broadcast_ss(dd + k + 1); __VA_ARGS__ } \
        }                                                                                                 \
    }                                                                                                     \
    for (; ib < (NB); ++ib) {                                                                             \
        __m256 *acc = &acc0;                                                                              \
        const int64_t b = ib;                                                                             \
        const __m256 d = _mm256_set1_ps(half(x[b].d) * half(y[b].d));                                    \
        TAIL_EXTRA                                                                                        \
        __VA_ARGS__                                                                                       \
    }                                                                                                     \
    (void)offv;                                                                                           \
    (void)offs;

/* q4_1 / q5_1 offset term m_x * s_y (s = d_y * sum of the q8 quants). */
#define OK_OFFSET_GROUP offv = _mm256_fmadd_ps(halves8(&x[ib].m, sizeof x[0]), halves8(&y[ib].s, sizeof y[0]), offv);
#define OK_OFFSET_TAIL offs += half(x[b].m) * half(y[b].s);
#define OK_BLOCK_RESULT (hsum_ps(_mm256_add_ps(acc0, acc1)) + (hsum_ps(offv) + offs))

float OK_TARGET OK_FN(ok_vec_dot_q4_0)(int64_t n, const void *w, const void *act) {
    const block_q4_0 *x = w;
    const block_q8_0 *y = act;
    OK_BLOCK_LOOP(n / QK32, , , {
        const __m256i q = _mm256_sub_epi8(nibbles32(x[b].qs), _mm256_set1_epi8(8));
        const __m256i p = dot_s8s8(q, load256(y[b].qs));
        *acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), *acc);
    })
    return OK_BLOCK_RESULT;
}

#ifndef OK_BODY_SKIP_Q4_1
float OK_TARGET OK_FN(ok_vec_dot_q4_1)(int64_t n, const void *w, const void *act) {
    const block_q4_1 *x = w;
    const block_q8_1 *y = act;
    OK_BLOCK_LOOP(n / QK32, OK_OFFSET_GROUP, OK_OFFSET_TAIL, {
        const __m256i p = dot_u8s8(nibbles32(x[b].qs), load256(y[b].qs));
        *acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), *acc);
    })
    return OK_BLOCK_RESULT;
}
#endif

/* ---- decode GEMV: one activation column against many weight rows ----
 * Bit for bit the vec_dot of each row (same products, same accumulator lanes, same order), with the work
 * that depends only on the activation done once per call instead of once per row: its fp16 scales become
 * float arrays here. Rows are taken in order, so the weights still stream sequentially. */

/* Activation blocks whose scales fit the stack arrays; longer rows take the vec_dot loop. */
#define OK_GEMV_MAX_BLOCKS 1024

/* The fp16 field at byte `offset` of each of n blocks `stride` bytes apart, as floats. */
static inline OK_TARGET void block_halves(const void *base, size_t offset, size_t stride, int64_t n, float *out) {
    const uint8_t *p = (const uint8_t *)base + offset;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, halves8(p + (size_t)i * stride, stride));
    for (; i < n; ++i) {
        ok_half h;
        memcpy(&h, p + (size_t)i * stride, 2);
        out[i] = half(h);
    }
}

#if OK_USE_VNNI
/* The d (words 0..7) and m (words 8..15) fields of eight consecutive q4_1 blocks: one two-source word
 * permute over the first 128 bytes (blocks 0..6) and the eighth block's two fields put in by masked
 * broadcasts, instead of sixteen scalar loads and inserts. */
static inline OK_TARGET __m256i q4_1_dm8(const block_q4_1 *x) {
    const __m512i idx = _mm512_castsi256_si512(_mm256_setr_epi16(0, 10, 20, 30, 40, 50, 60, 0, 1, 11, 21, 31, 41, 51, 61, 1));
    const __m512i a = _mm512_loadu_si512(x), b = _mm512_loadu_si512((const uint8_t *)x + 64);
    __m256i v = _mm512_castsi512_si256(_mm512_permutex2var_epi16(a, idx, b));
    v = _mm256_mask_set1_epi16(v, 1u << 7, (short)x[7].d);
    return _mm256_mask_set1_epi16(v, 1u << 15, (short)x[7].m);
}
#define OK_Q4_1_SCALES(x, dv, mv)                                                                           \
    const __m256i dm_ = q4_1_dm8(x);                                                                     \
    const __m256 dv = _mm256_cvtph_ps(_mm256_castsi256_si128(dm_)), mv = _mm256_cvtph_ps(_mm256_extracti128_si256(dm_, 1));
#else
#define OK_Q4_1_SCALES(x, dv, mv)                                                                           \
    const __m256 dv = halves8(&(x)->d, sizeof(block_q4_1)), mv = halves8(&(x)->m, sizeof(block_q4_1));
#endif

#ifndef OK_BODY_SKIP_Q4_1
/* One row of ok_vec_dot_q4_1 with the activation scales yd, ys given as floats. */
static inline __attribute__((always_inline)) OK_TARGET float q4_1_row(const block_q4_1 *x, const block_q8_1 *y,
                                                                       const float *yd, const float *ys, int64_t nb) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), offv = _mm256_setzero_ps();
    float offs = 0;
    int64_t ib = 0;
    for (; ib + 8 <= nb; ib += 8) {
        OK_Q4_1_SCALES(&x[ib], xd, xm)
        float dd[8];
        _mm256_storeu_ps(dd, _mm256_mul_ps(xd, _mm256_loadu_ps(yd + ib)));
        offv = _mm256_fmadd_ps(xm, _mm256_loadu_ps(ys + ib), offv);
        for (int k = 0; k < 8; k += 2) {
            const __m256i p0 = dot_u8s8(nibbles32(x[ib + k].qs), load256(y[ib + k].qs));
            acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(dd + k), _mm256_cvtepi32_ps(p0), acc0);
            const __m256i p1 = dot_u8s8(nibbles32(x[ib + k + 1].qs), load256(y[ib + k + 1].qs));
            acc1 = _mm256_fmadd_ps(_mm256_broadcast_ss(dd + k + 1), _mm256_cvtepi32_ps(p1), acc1);
        }
    }
    for (; ib < nb; ++ib) {
        const __m256 d = _mm256_set1_ps(half(x[ib].d) * yd[ib]);
        const __m256i p = dot_u8s8(nibbles32(x[ib].qs), load256(y[ib].qs));
        acc0 = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc0);
        offs += half(x[ib].m) * ys[ib];
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1)) + (hsum_ps(offv) + offs);
}

void OK_TARGET OK_FN(ok_gemv_q4_1)(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act, float *out) {
    const int64_t nb = k / QK32;
    if (nb > OK_GEMV_MAX_BLOCKS) {
        for (int64_t r = 0; r < rows; ++r) out[r] = OK_FN(ok_vec_dot_q4_1)(k, (const uint8_t *)w + (size_t)r * w_stride, act);
        return;
    }
    float yd[OK_GEMV_MAX_BLOCKS], ys[OK_GEMV_MAX_BLOCKS];
    block_halves(act, offsetof(block_q8_1, d), sizeof(block_q8_1), nb, yd);
    block_halves(act, offsetof(block_q8_1, s), sizeof(block_q8_1), nb, ys);
    for (int64_t r = 0; r < rows; ++r) {
        const uint8_t *row = (const uint8_t *)w + (size_t)r * w_stride;
        ok_prefetch_row(row, w_stride);
        out[r] = q4_1_row((const block_q4_1 *)row, act, yd, ys, nb);
    }
}
#endif

#ifndef OK_BODY_SKIP_Q5_0
float OK_TARGET OK_FN(ok_vec_dot_q5_0)(int64_t n, const void *w, const void *act) {
    const block_q5_0 *x = w;
    const block_q8_0 *y = act;
    OK_BLOCK_LOOP(n / QK32, , , {
        /* nibble | 0xF0 read as int8 is nibble - 16; with the fifth bit set the value is the nibble. */
        const __m256i hi = _mm256_andnot_si256(bits32_to_bytes(x[b].qh), _mm256_set1_epi8((char)0xF0));
        const __m256i q = _mm256_or_si256(nibbles32(x[b].qs), hi);
        const __m256i p = dot_s8s8(q, load256(y[b].qs));
        *acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), *acc);
    })
    return OK_BLOCK_RESULT;
}
#endif

float OK_TARGET OK_FN(ok_vec_dot_q5_1)(int64_t n, const void *w, const void *act) {
    const block_q5_1 *x = w;
    const block_q8_1 *y = act;
    OK_BLOCK_LOOP(n / QK32, OK_OFFSET_GROUP, OK_OFFSET_TAIL, {
        const __m256i hi = _mm256_and_si256(bits32_to_bytes(x[b].qh), _mm256_set1_epi8(0x10));
        const __m256i q = _mm256_or_si256(nibbles32(x[b].qs), hi);
        const __m256i p = dot_u8s8(q, load256(y[b].qs));
        *acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), *acc);
    })
    return OK_BLOCK_RESULT;
}

float OK_TARGET OK_FN(ok_vec_dot_q8_0)(int64_t n, const void *w, const void *act) {
    const block_q8_0 *x = w;
    const block_q8_0 *y = act;
    OK_BLOCK_LOOP(n / QK32, , , {
        const __m256i p = dot_s8s8(load256(x[b].qs), load256(y[b].qs));
        *acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), *acc);
    })
    return OK_BLOCK_RESULT;
}

/* ---- K-quants ---- */

/* Scales of a 128-element half for 16-element groups: 8 int16 scales, repeated in both 128-bit lanes. */
static inline OK_TARGET __m256i scales8_i8(const int8_t *s8) {
    return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)s8)));
}

static inline OK_TARGET __m256i scales8_u8(const uint8_t *s8) {
    return _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)s8)));
}

/* From 8 int16 scales in both lanes: lanes 0..7 get scale 2m, lanes 8..15 scale 2m+1, i.e. the scales
 * of the two 16-element groups of the m-th 32 elements. */
static inline OK_TARGET __m256i scale_pair(__m256i s16, int m) {
    const __m128i lo = _mm_set1_epi16((short)((4 * m) | ((4 * m + 1) << 8)));
    const __m128i hi = _mm_set1_epi16((short)((4 * m + 2) | ((4 * m + 3) << 8)));
    return _mm256_shuffle_epi8(s16, _mm256_set_m128i(hi, lo));
}

/* u8 levels times q8 for 32 elements, weighted per 16-element half by the int16 lanes of `sc`. */
static inline OK_TARGET __m256i scaled_dot(__m256i q, const int8_t *y, __m256i sc) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(y)), sc);
}

/* Sum over the 16 groups of scale[g] * bsums[g], as 8 int32 lanes (scales as 16 int16 lanes). */
static inline OK_TARGET __m256i scales_times_bsums(__m256i sc16, const int16_t *bsums) {
    return _mm256_madd_epi16(sc16, load256(bsums));
}

float OK_TARGET OK_FN(ok_vec_dot_q2_K)(int64_t n, const void *w, const void *act) {
    const block_q2_K *x = w;
    const block_q8_K *y = act;
    __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
    const __m256i m3 = _mm256_set1_epi8(3);
    const __m128i m4 = _mm_set1_epi8(0xF);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m128i packed = _mm_loadu_si128((const __m128i *)x[i].scales);
        const __m128i sc8 = _mm_and_si128(packed, m4);
        const __m128i mn8 = _mm_and_si128(_mm_srli_epi16(packed, 4), m4);
        const __m256i summs = scales_times_bsums(_mm256_cvtepu8_epi16(mn8), y[i].bsums);
        acc_min = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].dmin)), _mm256_cvtepi32_ps(summs), acc_min);

        __m256i sumi = _mm256_setzero_si256();
        for (int k = 0; k < 2; ++k) {
            const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(k ? _mm_srli_si128(sc8, 8) : sc8));
            __m256i qs = load256(x[i].qs + 32 * k);
            for (int m = 0; m < 4; ++m) {
                const __m256i q = _mm256_and_si256(qs, m3);
                sumi = _mm256_add_epi32(sumi, scaled_dot(q, y[i].qs + 128 * k + 32 * m, scale_pair(sc, m)));
                qs = _mm256_srli_epi16(qs, 2);
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(_mm256_sub_ps(acc, acc_min));
}

/* The 16 six-bit q3_K scales, still offset by 32, as bytes: group g in byte g. */
static inline OK_TARGET __m128i q3k_scales_u8(const uint8_t *s12) {
    uint32_t w0, w1, w2;
    memcpy(&w0, s12, 4);
    memcpy(&w1, s12 + 4, 4);
    memcpy(&w2, s12 + 8, 4);
    const uint32_t k2 = 0x0f0f0f0f, k3 = 0x03030303;
    return _mm_set_epi32((int)(((w1 >> 4) & k2) | (((w2 >> 6) & k3) << 4)),
                         (int)(((w0 >> 4) & k2) | (((w2 >> 4) & k3) << 4)),
                         (int)((w1 & k2) | (((w2 >> 2) & k3) << 4)),
                         (int)((w0 & k2) | ((w2 & k3) << 4)));
}

float OK_TARGET OK_FN(ok_vec_dot_q3_K)(int64_t n, const void *w, const void *act) {
    const block_q3_K *x = w;
    const block_q8_K *y = act;
    __m256 acc = _mm256_setzero_ps();
    const __m256i m3 = _mm256_set1_epi8(3), m1 = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m128i sc8 = _mm_sub_epi8(q3k_scales_u8(x[i].scales), _mm_set1_epi8(32));
        /* Levels are stored as u = low2 | high << 2 in [0, 7] with value u - 4: dot(u) - 4 * sum(q8). */
        __m256i sumi = _mm256_slli_epi32(scales_times_bsums(_mm256_cvtepi8_epi16(sc8), y[i].bsums), 2);
        sumi = _mm256_sub_epi32(_mm256_setzero_si256(), sumi);
        __m256i hm = load256(x[i].hmask); /* bit j of byte l: element 32 j + l */
        for (int k = 0; k < 2; ++k) {
            const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(k ? _mm_srli_si128(sc8, 8) : sc8));
            __m256i qs = load256(x[i].qs + 32 * k);
            for (int m = 0; m < 4; ++m) {
                const __m256i hbit = _mm256_slli_epi16(_mm256_and_si256(hm, m1), 2);
                const __m256i q = _mm256_or_si256(_mm256_and_si256(qs, m3), hbit);
                sumi = _mm256_add_epi32(sumi, scaled_dot(q, y[i].qs + 128 * k + 32 * m, scale_pair(sc, m)));
                qs = _mm256_srli_epi16(qs, 2);
                hm = _mm256_srli_epi16(hm, 1);
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
}

/* q4_K / q5_K: unpacks the eight 6-bit scales (bytes 0..7 of *scales) and mins (bytes 0..7 of *mins). */
static inline OK_TARGET void k4_scales_mins(const uint8_t *s12, uint8_t scales[8], uint8_t mins[8]) {
    uint32_t w0, w1, w2;
    memcpy(&w0, s12, 4);
    memcpy(&w1, s12 + 4, 4);
    memcpy(&w2, s12 + 8, 4);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    const uint32_t sc[2] = {w0 & k1, (w2 & k2) | (((w0 >> 6) & k3) << 4)};
    const uint32_t mn[2] = {w1 & k1, ((w2 >> 4) & k2) | (((w1 >> 6) & k3) << 4)};
    memcpy(scales, sc, 8);
    memcpy(mins, mn, 8);
}

/* bsums[2j] + bsums[2j+1] for j = 0..7: the activation sums of the eight 32-element groups. */
static inline OK_TARGET __m128i k4_bsum_pairs(const int16_t *bsums) {
    return _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)bsums), _mm_loadu_si128((const __m128i *)(bsums + 8)));
}

/* sum_j mins[j] * (bsums[2j] + bsums[2j+1]) as 4 int32 lanes. */
static inline OK_TARGET __m128i k4_min_terms(const uint8_t mins[8], const int16_t *bsums) {
    return _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)mins)), k4_bsum_pairs(bsums));
}

/* The q4_K / q5_K result: hsum_ps of the scaled sums minus the four min lanes summed (lanes 0+2, 1+3, then
 * those two). */
static inline OK_TARGET float k4_result(__m256 acc, __m128 acc_min) {
    const __m128 m = _mm_add_ps(acc_min, _mm_movehl_ps(acc_min, acc_min));
    return hsum_ps(acc) - _mm_cvtss_f32(_mm_add_ss(m, _mm_movehdup_ps(m)));
}

static inline OK_TARGET __m256i dot32_scaled(__m256i q, const int8_t *y, uint8_t s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(y)), _mm256_set1_epi16(s));
}

float OK_TARGET OK_FN(ok_vec_dot_q4_K)(int64_t n, const void *w, const void *act) {
    const block_q4_K *x = w;
    const block_q8_K *y = act;
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_min = _mm_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint8_t sc[8], mn[8];
        k4_scales_mins(x[i].scales, sc, mn);
        acc_min = _mm_fmadd_ps(_mm_set1_ps(y[i].d * half(x[i].dmin)), _mm_cvtepi32_ps(k4_min_terms(mn, y[i].bsums)), acc_min);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j) {
            const __m256i q = load256(x[i].qs + 32 * j);
            const __m256i lo = _mm256_and_si256(q, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            sumi = _mm256_add_epi32(sumi, dot32_scaled(lo, y[i].qs + 64 * j, sc[2 * j]));
            sumi = _mm256_add_epi32(sumi, dot32_scaled(hi, y[i].qs + 64 * j + 32, sc[2 * j + 1]));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return k4_result(acc, acc_min);
}

float OK_TARGET OK_FN(ok_vec_dot_q5_K)(int64_t n, const void *w, const void *act) {
    const block_q5_K *x = w;
    const block_q8_K *y = act;
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_min = _mm_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F), m1 = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint8_t sc[8], mn[8];
        k4_scales_mins(x[i].scales, sc, mn);
        acc_min = _mm_fmadd_ps(_mm_set1_ps(y[i].d * half(x[i].dmin)), _mm_cvtepi32_ps(k4_min_terms(mn, y[i].bsums)), acc_min);
        __m256i sumi = _mm256_setzero_si256();
        __m256i qh = load256(x[i].qh); /* bit 2j of byte l: element 64j + l; bit 2j+1: element 64j + 32 + l */
        for (int j = 0; j < 4; ++j) {
            const __m256i q = load256(x[i].qs + 32 * j);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m1), 4));
            qh = _mm256_srli_epi16(qh, 1);
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                                               _mm256_slli_epi16(_mm256_and_si256(qh, m1), 4));
            qh = _mm256_srli_epi16(qh, 1);
            sumi = _mm256_add_epi32(sumi, dot32_scaled(lo, y[i].qs + 64 * j, sc[2 * j]));
            sumi = _mm256_add_epi32(sumi, dot32_scaled(hi, y[i].qs + 64 * j + 32, sc[2 * j + 1]));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    return k4_result(acc, acc_min);
}

float OK_TARGET OK_FN(ok_vec_dot_q6_K)(int64_t n, const void *w, const void *act) {
    const block_q6_K *x = w;
    const block_q8_K *y = act;
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        /* Levels u in [0, 63] have value u - 32: dot(u) - 32 * sum(q8). */
        const __m256i all = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
        __m256i sumi = _mm256_slli_epi32(scales_times_bsums(all, y[i].bsums), 5);
        sumi = _mm256_sub_epi32(_mm256_setzero_si256(), sumi);
        for (int k = 0; k < 2; ++k) {
            const __m256i sc = scales8_i8(x[i].scales + 8 * k);
            const __m256i l0 = load256(x[i].ql + 64 * k), l1 = load256(x[i].ql + 64 * k + 32);
            const __m256i h = load256(x[i].qh + 32 * k);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4)),
            };
            for (int m = 0; m < 4; ++m) {
                sumi = _mm256_add_epi32(sumi, scaled_dot(q[m], y[i].qs + 128 * k + 32 * m, scale_pair(sc, m)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_ps(acc);
}

/* ---- half-precision weights ---- */

static inline OK_TARGET __m256 load_bf16x8(const uint16_t *p) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

static inline OK_TARGET __m256 load_f16x8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* sum x[i] * y[i] over n elements of two rows loaded as floats: four 8-lane FMA chains over 32-element
 * steps, one over the 8-element rest, their sum (a0 + a1) + (a2 + a3) reduced by hsum_ps, then the scalar
 * tail. Every float and half dot here takes this one order, which the attention kernels rely on: a key row
 * converted to floats first gives exactly ok_dot_f16_f32. */
#define OK_DOT_X4(x, y, LOADX, LOADY, SCALARX, SCALARY)                                           \
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),          \
           a3 = _mm256_setzero_ps();                                                              \
    int64_t i = 0;                                                                                \
    for (; i + 32 <= n; i += 32) {                                                                \
        a0 = _mm256_fmadd_ps(LOADX(x + i), LOADY(y + i), a0);                                     \
        a1 = _mm256_fmadd_ps(LOADX(x + i + 8), LOADY(y + i + 8), a1);                             \
        a2 = _mm256_fmadd_ps(LOADX(x + i + 16), LOADY(y + i + 16), a2);                           \
        a3 = _mm256_fmadd_ps(LOADX(x + i + 24), LOADY(y + i + 24), a3);                           \
    }                                                                                             \
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(LOADX(x + i), LOADY(y + i), a0);              \
    float s = hsum_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));               \
    for (; i < n; ++i) s += SCALARX(x[i]) * SCALARY(y[i]);                                        \
    return s;

#define OK_AS_FLOAT(v) (v)

#define OK_HALF_DOT(LOAD, SCALAR)                                                                 \
    const uint16_t *x = w, *y = act;                                                              \
    OK_DOT_X4(x, y, LOAD, LOAD, SCALAR, SCALAR)

float OK_TARGET OK_FN(ok_vec_dot_f16)(int64_t n, const void *w, const void *act) {
    OK_HALF_DOT(load_f16x8, ok_fp16_to_fp32)
}

float OK_TARGET OK_FN(ok_vec_dot_bf16)(int64_t n, const void *w, const void *act) {
    OK_HALF_DOT(load_bf16x8, ok_bf16_to_fp32)
}

/* ---- half rows against f32 (F16 KV cache) ---- */

float OK_TARGET OK_FN(ok_dot_f16_f32)(const uint16_t *h, const float *x, int64_t n) {
    OK_DOT_X4(h, x, load_f16x8, _mm256_loadu_ps, ok_fp16_to_fp32, OK_AS_FLOAT)
}

void OK_TARGET OK_FN(ok_axpy_f16)(int64_t n, float a, const uint16_t *h, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, load_f16x8(h + i), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; ++i) y[i] += a * ok_fp16_to_fp32(h[i]);
}

/* e^x for eight lanes: ggml's AVX2 ggml_v_expf algorithm (ARM optimized-routines: n = round(x / ln 2),
 * a degree-5 polynomial on the remainder, scaling by 2^n through the exponent bits, with the large-|n| cases
 * handled apart), so the FFN activation rounds as the reference engine's does. */
static inline OK_TARGET __m256 expf8(__m256 x) {
    const __m256 shift = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shift);
    const __m256 n = _mm256_sub_ps(z, shift);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1))));
    const __m256 absn = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
    const __m256 big = _mm256_cmp_ps(absn, _mm256_set1_ps(126), _CMP_GT_OQ);
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 p45 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f));
    const __m256 p23 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f));
    const __m256 j = _mm256_fmadd_ps(_mm256_fmadd_ps(p45, u, p23), u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
    if (!_mm256_movemask_ps(big)) return _mm256_fmadd_ps(j, k, k);
    const __m256i neg = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)),
                                         _mm256_set1_epi32((int)0x82000000u));
    const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(neg, _mm256_set1_epi32(0x7f000000)));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, neg));
    const __m256 huge = _mm256_cmp_ps(absn, _mm256_set1_ps(192), _CMP_GT_OQ);
    const __m256 scaled = _mm256_blendv_ps(_mm256_fmadd_ps(k, j, k), _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1), big);
    return _mm256_blendv_ps(scaled, _mm256_mul_ps(s1, s1), huge);
}

/* ok_softmax_numerators: eight lanes at a time through expf8 (ggml's ggml_v_expf, as llama.cpp's softmax),
 * the tail through a masked load, eight partial sums reduced by hsum_ps. */
float OK_TARGET OK_FN(ok_softmax_numerators)(float *scores, int64_t n, float max) {
    const __m256 m = _mm256_set1_ps(max);
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = expf8(_mm256_sub_ps(_mm256_loadu_ps(scores + i), m));
        _mm256_storeu_ps(scores + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (i < n) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256 e = _mm256_and_ps(expf8(_mm256_sub_ps(_mm256_maskload_ps(scores + i, mask), m)), _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(scores + i, mask, e);
        acc = _mm256_add_ps(acc, e);
    }
    return hsum_ps(acc);
}

/* ok_argmax_f32: the maximum eight lanes at a time (with no NaN present, max is exact and order-free), any
 * NaN or +inf flagged on the way; then the first position holding the maximum, eight compares at a time. */
int64_t OK_TARGET OK_FN(ok_argmax_f32)(const float *x, int64_t n) {
    const __m256 inf = _mm256_set1_ps(INFINITY);
    __m256 m = _mm256_set1_ps(-INFINITY), bad = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, inf, _CMP_NLT_UQ));   /* NaN or +inf */
        m = _mm256_max_ps(m, v);
    }
    if (_mm256_movemask_ps(bad)) return -1;
    float lanes[8], best = -INFINITY;
    _mm256_storeu_ps(lanes, m);
    for (int j = 0; j < 8; ++j) best = lanes[j] > best ? lanes[j] : best;
    for (int64_t j = i; j < n; ++j) {
        if (!(x[j] < INFINITY)) return -1;
        if (x[j] > best) best = x[j];
    }
    const __m256 b = _mm256_set1_ps(best);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + j), b, _CMP_EQ_OQ));
        if (hit) return j + __builtin_ctz((unsigned)hit);
    }
    for (; j < n; ++j)
        if (x[j] == best) return j;
    return 0;   /* unreachable: best is one of the values */
}

/* ---- one query row of softmax attention on the F16 KV cache (ok_attend) ----
 * The per-key loop fused: each score is ok_dot_f16_f32's arithmetic, the softmax ok_softmax_numerators,
 * and the output the same lane-wise FMAs as ok_axpy_f16 from zero, in key order; only the output lanes
 * stay in registers across keys (up to 64 floats at a time) instead of memory. */

/* out[0 .. 8*NV) = sum_i (scores[i] * inv) * v_i[0 .. 8*NV), v_i at v + i * v_stride. */
static inline __attribute__((always_inline)) OK_TARGET void attend_out_block(const int nv, const uint16_t *v,
                                                                             int64_t v_stride, int64_t n,
                                                                             const float *scores, float inv,
                                                                             float *out) {
    __m256 acc[8];
    for (int r = 0; r < nv; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; ++i) {
        const __m256 a = _mm256_set1_ps(scores[i] * inv);
        const uint16_t *vr = v + i * v_stride;
        for (int r = 0; r < nv; ++r) acc[r] = _mm256_fmadd_ps(a, load_f16x8(vr + 8 * r), acc[r]);
    }
    for (int r = 0; r < nv; ++r) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

void OK_TARGET OK_FN(ok_attend_f16)(const float *q, const uint16_t *k, int64_t k_stride, const uint16_t *v,
                                    int64_t v_stride, int64_t n, int64_t head_dim, int64_t v_dim, float *scores,
                                    float *out) {
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        const float s = OK_FN(ok_dot_f16_f32)(k + i * k_stride, q, head_dim);
        scores[i] = s;
        if (s > max) max = s;
    }
    const float inv = 1 / OK_FN(ok_softmax_numerators)(scores, n, max);
    int64_t j = 0;
    for (; j + 64 <= v_dim; j += 64) attend_out_block(8, v + j, v_stride, n, scores, inv, out + j);
    for (; j + 8 <= v_dim; j += 8) attend_out_block(1, v + j, v_stride, n, scores, inv, out + j);
    for (; j < v_dim; ++j) {
        float y = 0;
        for (int64_t i = 0; i < n; ++i) y += scores[i] * inv * ok_fp16_to_fp32(v[i * v_stride + j]);
        out[j] = y;
    }
}

/* sum a[i] * b[i] in OK_DOT_X4's order: ok_dot_f16_f32's on floats. */
static inline __attribute__((always_inline)) OK_TARGET float dot_f32_x4(const float *a, const float *b, int64_t n) {
    OK_DOT_X4(a, b, _mm256_loadu_ps, _mm256_loadu_ps, OK_AS_FLOAT, OK_AS_FLOAT)
}

/* ---- ok_attend_group: the query heads that share one KV head (GQA) in one pass over its keys ----
 * Each head's scores, softmax and output take exactly ok_attend_f16's operations in the same order (a key
 * row converted to floats once is the same floats load_f16x8 gives; each value lane is its own FMA chain
 * in key order), so every head equals its own ok_attend_f16 bit for bit; the G heads share the loads and
 * conversions of each key and value row, which are read from the cache once instead of G times. */

/* Keys (values) ahead of the one in use whose rows the grouped kernel prefetches. */
#define OK_ATTEND_PREFETCH_KEYS 8

/* G (1..4) heads' dots with one key row kf (floats), each as ok_dot_f16_f32 sums it. */
static inline __attribute__((always_inline)) OK_TARGET void group_dots(const int G, const float *kf, const float *q,
                                                                       int64_t q_stride, int64_t n, float *s) {
    for (int g = 0; g < G; ++g) {
        s[g] = dot_f32_x4(kf, q + g * q_stride, n);
    }
}

/* out_g[0 .. 8*NV) = sum_i (scores_g[i] * inv_g) * v_i[0 .. 8*NV) for G (1..4) heads, sharing each value load. */
static inline __attribute__((always_inline)) OK_TARGET void group_out_block(const int G, const int nv, const uint16_t *v,
                                                                            int64_t v_stride, int64_t n,
                                                                            const float *scores, int64_t s_stride,
                                                                            const float *inv, float *out,
                                                                            int64_t out_stride) {
    __m256 acc[4][4];
    for (int g = 0; g < G; ++g)
        for (int r = 0; r < nv; ++r) acc[g][r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t *vr = v + i * v_stride;
        __builtin_prefetch(vr + OK_ATTEND_PREFETCH_KEYS * v_stride, 0, 3);
        if (nv > 4) __builtin_prefetch(vr + OK_ATTEND_PREFETCH_KEYS * v_stride + 32, 0, 3);
        __m256 vv[4];
        for (int r = 0; r < nv; ++r) vv[r] = load_f16x8(vr + 8 * r);
        for (int g = 0; g < G; ++g) {
            const __m256 a = _mm256_set1_ps(scores[g * s_stride + i] * inv[g]);
            for (int r = 0; r < nv; ++r) acc[g][r] = _mm256_fmadd_ps(a, vv[r], acc[g][r]);
        }
    }
    for (int g = 0; g < G; ++g)
        for (int r = 0; r < nv; ++r) _mm256_storeu_ps(out + g * out_stride + 8 * r, acc[g][r]);
}

/* Value lanes j .. v_dim of G heads, eight at a time and then one at a time: the last lanes of every
 * grouped kernel, whatever width it takes the others at. */
static inline __attribute__((always_inline)) OK_TARGET void group_out_rest(const int G, int64_t j, const uint16_t *v,
                                                                           int64_t v_stride, int64_t n, int64_t v_dim,
                                                                           const float *scores, const float *inv,
                                                                           float *out, int64_t out_stride) {
    for (; j + 8 <= v_dim; j += 8) group_out_block(G, 1, v + j, v_stride, n, scores, n, inv, out + j, out_stride);
    for (; j < v_dim; ++j) {
        for (int g = 0; g < G; ++g) {
            float y = 0;
            for (int64_t i = 0; i < n; ++i) y += scores[g * n + i] * inv[g] * ok_fp16_to_fp32(v[i * v_stride + j]);
            out[g * out_stride + j] = y;
        }
    }
}

/* The body of a grouped kernel's entry point: KERNEL (always inline, G a constant 1..4 first, then
 * attend_group_n's arguments) on the heads four at a time. */
#define OK_ATTEND_HEAD_GROUPS(KERNEL)                                                                        \
    for (int64_t g0 = 0; g0 < heads; g0 += 4) {                                                              \
        const float *qg = q + g0 * q_stride;                                                                  \
        float *sg = scores + g0 * n, *og = out + g0 * out_stride;                                             \
        switch (heads - g0 < 4 ? heads - g0 : 4) {                                                            \
        case 1: KERNEL(1, qg, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, sg, og, out_stride); break; \
        case 2: KERNEL(2, qg, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, sg, og, out_stride); break; \
        case 3: KERNEL(3, qg, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, sg, og, out_stride); break; \
        default: KERNEL(4, qg, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, sg, og, out_stride); break; \
        }                                                                                                     \
    }

static inline __attribute__((always_inline)) OK_TARGET void attend_group_n(const int G, const float *q, int64_t q_stride,
                                                                           const uint16_t *k, int64_t k_stride,
                                                                           const uint16_t *v, int64_t v_stride, int64_t n,
                                                                           int64_t head_dim, int64_t v_dim, float *scores,
                                                                           float *out, int64_t out_stride) {
    float kf[OK_ATTEND_GROUP_MAX_DIM];
    float max[4], inv[4], s[4];
    for (int g = 0; g < G; ++g) max[g] = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t *kr = k + i * k_stride;
        /* keys sit a cache row apart and were evicted by the weights since the last step: ask ahead */
        for (int64_t b = 0; b < head_dim; b += 32) __builtin_prefetch(kr + OK_ATTEND_PREFETCH_KEYS * k_stride + b, 0, 3);
        int64_t j = 0;
        for (; j + 8 <= head_dim; j += 8) _mm256_storeu_ps(kf + j, load_f16x8(kr + j));
        for (; j < head_dim; ++j) kf[j] = ok_fp16_to_fp32(kr[j]);
        group_dots(G, kf, q, q_stride, head_dim, s);
        for (int g = 0; g < G; ++g) {
            scores[g * n + i] = s[g];
            if (s[g] > max[g]) max[g] = s[g];
        }
    }
    for (int g = 0; g < G; ++g) inv[g] = 1 / OK_FN(ok_softmax_numerators)(scores + g * n, n, max[g]);
    int64_t j = 0;
    for (; j + 32 <= v_dim; j += 32) group_out_block(G, 4, v + j, v_stride, n, scores, n, inv, out + j, out_stride);
    group_out_rest(G, j, v, v_stride, n, v_dim, scores, inv, out, out_stride);
}

static OK_TARGET void attend_f16_group_body(int64_t heads, const float *q, int64_t q_stride, const uint16_t *k,
                                            int64_t k_stride, const uint16_t *v, int64_t v_stride, int64_t n,
                                            int64_t head_dim, int64_t v_dim, float *scores, float *out,
                                            int64_t out_stride) {
    OK_ATTEND_HEAD_GROUPS(attend_group_n)
}

#ifndef OK_BODY_SKIP_ATTEND_GROUP
void OK_TARGET OK_FN(ok_attend_f16_group)(int64_t heads, const float *q, int64_t q_stride, const uint16_t *k,
                                          int64_t k_stride, const uint16_t *v, int64_t v_stride, int64_t n,
                                          int64_t head_dim, int64_t v_dim, float *scores, float *out,
                                          int64_t out_stride) {
    attend_f16_group_body(heads, q, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out, out_stride);
}
#endif

/* ---- gated activations (see activations.c) ---- */

/* gate = gelu(gate) * up through the half-precision GELU table: eight lanes convert to half (F16C, round
 * to nearest even, as the scalar twin) and gather their entries; lanes <= -10 give 0, lanes >= 10 x * up. */
void OK_TARGET OK_FN(ok_geglu_f32)(int64_t n, float *gate, const float *up) {
    const uint16_t *table = ok_gelu_table();
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(gate + i), g = _mm256_loadu_ps(up + i);
        const __m256i idx = _mm256_cvtepu16_epi32(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        /* 32-bit gathers at 2-byte steps: the entry is the low half of each lane (the table has slack at the end) */
        const __m256i raw = _mm256_and_si256(_mm256_i32gather_epi32((const int *)table, idx, 2), low16);
        const __m256 v = _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(raw), _mm256_extracti128_si256(raw, 1)));
        __m256 y = _mm256_blendv_ps(v, x, _mm256_cmp_ps(x, hi, _CMP_GE_OQ));
        y = _mm256_mul_ps(y, g);
        y = _mm256_andnot_ps(_mm256_cmp_ps(x, lo, _CMP_LE_OQ), y);
        _mm256_storeu_ps(gate + i, y);
    }
    if (i < n) ok_geglu_f32_generic(n - i, gate + i, up + i);
}

/* ---- f32 helpers ---- */
#ifndef OK_BODY_SKIP_F32

/* gate = silu(gate) * up = gate / (1 + e^-gate) * up, eight lanes at a time; the tail as the generic twin. */
void OK_TARGET OK_FN(ok_swiglu_f32)(int64_t n, float *gate, const float *up) {
    const __m256 one = _mm256_set1_ps(1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(gate + i);
        const __m256 e = expf8(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    if (i < n) ok_swiglu_f32_generic(n - i, gate + i, up + i);
}


float OK_TARGET OK_FN(ok_dot_f32)(const float *a, const float *b, int64_t n) { return dot_f32_x4(a, b, n); }

void OK_TARGET OK_FN(ok_axpy_f32)(int64_t n, float a, const float *x, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; ++i) y[i] += a * x[i];
}

void OK_TARGET OK_FN(ok_scale_f32)(int64_t n, float a, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(va, _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] *= a;
}

void OK_TARGET OK_FN(ok_f32_to_f16)(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(y + i), h);
    }
    for (; i < n; ++i) y[i] = ok_fp32_to_fp16(x[i]);
}

void OK_TARGET OK_FN(ok_f16_to_f32)(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_f16x8(x + i));
    for (; i < n; ++i) y[i] = ok_fp16_to_fp32(x[i]);
}

#endif

float OK_TARGET OK_FN(ok_vec_dot_f32)(int64_t n, const void *w, const void *act) {
    return OK_FN(ok_dot_f32)(w, act, n);
}

#include "x86_gemm.h"
#include "x86_quant.h"
