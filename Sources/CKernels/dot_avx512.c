/* AVX-512 (F, BW, VL, DQ, VNNI) path: the shared x86 body with VPDPBUSD as its u8*s8 primitive, plus
 * 512-bit f32 helpers whose tails use masked loads instead of scalar loops. */
#include "internal.h"

#if OK_HAVE_X86_KERNELS
#define OK_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni,avx512dq")))
#define OK_SFX avx512
#define OK_USE_VNNI 1
#define OK_BODY_SKIP_F32
#define OK_BODY_SKIP_Q4_1
#define OK_BODY_SKIP_Q5_0
#define OK_BODY_SKIP_ATTEND_GROUP
#include "x86_body.h"

/* ---- q4_1: four blocks per 512-bit step ----
 * The body's q4_1 kernels take one block per 256-bit step (unpack, VPDPBUSD, convert, FMA for each), which
 * holds a thread to about half the memory bandwidth in decode. Here the quants of four blocks are gathered
 * from the row into one register by one word permute (VPERMT2W), their low and high nibbles meet the
 * matching halves of the four activation blocks in two VPDPBUSDs, and one conversion and one FMA (the
 * block scales spread four lanes each) serve all four. The activation is laid out once per call for that:
 * per four blocks, the first 16 quants of each, then the last 16 of each. Eight-block groups take their
 * weight scales from the body's q4_1_dm8; leftover blocks go one at a time. The vec_dot is this GEMV on one
 * row, so decode and single dot products agree bit for bit; the float summation order differs from the
 * body's, within the tolerance every SIMD path has against the generic twin. */

/* Word indices for VPERMT2W over two 64-byte loads at byte offsets `lo` and `hi` of an eight-block group:
 * lane j (16 bytes) gets the 16 quant bytes of block `first + j` (quants start at even offsets). */
static inline OK_TARGET __m512i q4_1_quant_index(int first, int lo, int hi) {
    uint16_t idx[32];
    for (int j = 0; j < 4; ++j) {
        for (int i = 0; i < 8; ++i) {
            const int a = (first + j) * (int)sizeof(block_q4_1) + (int)offsetof(block_q4_1, qs) + 2 * i; /* byte of the group */
            idx[8 * j + i] = (uint16_t)(a < lo + 64 ? (a - lo) / 2 : 32 + (a - hi) / 2);
        }
    }
    return _mm512_loadu_si512(idx);
}

/* Per four activation blocks (`stride` bytes apart, quants at `qs`): [quants 0..15 of each of the four]
 * [quants 16..31 of each]. */
static inline OK_TARGET void act_quads(const void *y, size_t stride, size_t qs, int64_t quads, uint8_t *out) {
    const uint8_t *b = y;
    for (int64_t g = 0; g < quads; ++g) {
        for (int j = 0; j < 4; ++j) {
            const uint8_t *q = b + (size_t)(4 * g + j) * stride + qs;
            memcpy(out + 128 * g + 16 * j, q, 16);
            memcpy(out + 128 * g + 64 + 16 * j, q + 16, 16);
        }
    }
}

/* Activation blocks a column's layout (float scales, quad-ordered quants) holds on the stack: 10 KiB a
 * column. Longer rows are cut into segments of this many blocks whose sums are added in order: the same
 * cut for one column or several, so the columns of a multi-column call stay their one-column results. */
#define OK_Q4_1_COL_BLOCKS 256
#define OK_Q4_1_MAX_COLS 4

typedef struct {
    float yd[OK_Q4_1_COL_BLOCKS], ys[OK_Q4_1_COL_BLOCKS];
    uint8_t ya[OK_Q4_1_COL_BLOCKS * QK32] __attribute__((aligned(64)));
    const block_q8_1 *y;
} q4_1_column;

/* Blocks past the last group (nb % 8 of them) are taken as one or two more quads whose missing blocks have
 * zero quants and scales on both sides, so they add nothing: the layout is zero-filled up to whole quads. */
static inline OK_TARGET void q4_1_column_prepare(const block_q8_1 *y, int64_t nb, q4_1_column *col) {
    col->y = y;
    const int64_t full = nb / 4, quads = (nb + 3) / 4;
    block_halves(y, offsetof(block_q8_1, d), sizeof(block_q8_1), nb, col->yd);
    block_halves(y, offsetof(block_q8_1, s), sizeof(block_q8_1), nb, col->ys);
    for (int64_t b = nb; b < 4 * quads; ++b) col->yd[b] = col->ys[b] = 0;
    act_quads(y, sizeof(block_q8_1), offsetof(block_q8_1, qs), full, col->ya);
    if (quads > full) {
        uint8_t *out = col->ya + 128 * full;
        memset(out, 0, 128);
        for (int64_t j = 0; 4 * full + j < nb; ++j) {
            const int8_t *q = y[4 * full + j].qs;
            memcpy(out + 16 * j, q, 16);
            memcpy(out + 64 + 16 * j, q + 16, 16);
        }
    }
}

/* The sums of four columns' lanes, each in the order of _mm512_reduce_add_ps (zmm) or hsum_ps (ymm),
 * the halving tree: 16 -> 8 -> 4 lanes per column, then the last two levels for the four columns at once.
 * A column's sum is thus the same additions as a one-column reduction's, whatever the number of columns. */
static inline __attribute__((always_inline)) OK_TARGET __m128 quarter4(__m128 y0, __m128 y1, __m128 y2, __m128 y3) {
    /* y_c = 4 lanes of column c; result lane c = (y_c[0] + y_c[2]) + (y_c[1] + y_c[3]) */
    const __m128 s01 = _mm_add_ps(_mm_unpacklo_ps(y0, y1), _mm_unpackhi_ps(y0, y1));
    const __m128 s23 = _mm_add_ps(_mm_unpacklo_ps(y2, y3), _mm_unpackhi_ps(y2, y3));
    return _mm_add_ps(_mm_movelh_ps(s01, s23), _mm_movehl_ps(s23, s01));
}

static inline __attribute__((always_inline)) OK_TARGET __m128 halve256(__m256 x) {
    return _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
}

static inline __attribute__((always_inline)) OK_TARGET __m128 halve512(__m512 a) {
    return halve256(_mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1)));
}

/* C columns (1..4; a constant in each instance) against `rows` weight rows of nb <= 256 blocks. A row's
 * quants are gathered and split into nibbles once; each column then takes exactly the operations, in the
 * same order, that a one-column call takes, so every column is bit for bit its own GEMV (and vec_dot). */
static inline __attribute__((always_inline)) OK_TARGET void q4_1_rows(const int C, int64_t nb, const void *w,
                                                                      size_t w_stride, int64_t rows,
                                                                      const q4_1_column *col, float *out,
                                                                      int64_t ld_out) {
    const int64_t groups = nb / 8;
    /* first quad of a group: bytes 0..79 of its 160, from loads at 0 and 64; second: bytes 80..159 from 64 and 96 */
    const __m512i qi0 = q4_1_quant_index(0, 0, 64), qi1 = q4_1_quant_index(4, 64, 96);
    const __m512i si0 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i si1 = _mm512_add_epi32(si0, _mm512_set1_epi32(4));
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i dmi = _mm512_castsi128_si512(_mm_setr_epi16(0, 10, 20, 30, 1, 11, 21, 31));
    for (int64_t r = 0; r < rows; ++r) {
        const block_q4_1 *x = (const block_q4_1 *)((const uint8_t *)w + (size_t)r * w_stride);
        ok_prefetch_row(x, w_stride);
        __m512 acc0[OK_Q4_1_MAX_COLS], acc1[OK_Q4_1_MAX_COLS];
        __m256 offv[OK_Q4_1_MAX_COLS];
        for (int c = 0; c < C; ++c) {
            acc0[c] = _mm512_setzero_ps();
            acc1[c] = _mm512_setzero_ps();
            offv[c] = _mm256_setzero_ps();
        }
        for (int64_t g = 0; g < groups; ++g) {
            const block_q4_1 *xg = x + 8 * g;
            const uint8_t *xb = (const uint8_t *)xg;
            OK_Q4_1_SCALES(xg, xd, xm)
            const __m512i a = _mm512_loadu_si512(xb), b = _mm512_loadu_si512(xb + 64), e = _mm512_loadu_si512(xb + 96);
            const __m512i q0 = _mm512_permutex2var_epi16(a, qi0, b), q1 = _mm512_permutex2var_epi16(b, qi1, e);
            const __m512i lo0 = _mm512_and_si512(q0, m4), hi0 = _mm512_and_si512(_mm512_srli_epi16(q0, 4), m4);
            const __m512i lo1 = _mm512_and_si512(q1, m4), hi1 = _mm512_and_si512(_mm512_srli_epi16(q1, 4), m4);
            for (int c = 0; c < C; ++c) {
                const uint8_t *ya = col[c].ya + 256 * g;
                const __m512 dd = _mm512_castps256_ps512(_mm256_mul_ps(xd, _mm256_loadu_ps(col[c].yd + 8 * g)));
                offv[c] = _mm256_fmadd_ps(xm, _mm256_loadu_ps(col[c].ys + 8 * g), offv[c]);
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo0, _mm512_load_si512(ya));
                p = _mm512_dpbusd_epi32(p, hi0, _mm512_load_si512(ya + 64));
                acc0[c] = _mm512_fmadd_ps(_mm512_permutexvar_ps(si0, dd), _mm512_cvtepi32_ps(p), acc0[c]);
                p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo1, _mm512_load_si512(ya + 128));
                p = _mm512_dpbusd_epi32(p, hi1, _mm512_load_si512(ya + 192));
                acc1[c] = _mm512_fmadd_ps(_mm512_permutexvar_ps(si1, dd), _mm512_cvtepi32_ps(p), acc1[c]);
            }
        }
        /* the last nb % 8 blocks as quads (the second, if any, into acc1), read with byte masks so that
         * nothing past the row is touched; absent blocks load as zero quants and scales */
        for (int64_t b = 8 * groups; b < nb; b += 4) {
            const int m = nb - b < 4 ? (int)(nb - b) : 4;
            const uint8_t *xb = (const uint8_t *)(x + b);
            const int bytes = m * (int)sizeof(block_q4_1);
            const __mmask64 ka = bytes >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << bytes) - 1);
            const __mmask64 kb = bytes > 64 ? (((__mmask64)1 << (bytes - 64)) - 1) : 0;
            const __m512i a = _mm512_maskz_loadu_epi8(ka, xb), e = _mm512_maskz_loadu_epi8(kb, xb + 64);
            const __m512i q = _mm512_permutex2var_epi16(a, qi0, e);
            const __m512i lo = _mm512_and_si512(q, m4), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
            /* words 10j (d) and 10j + 1 (m) of the masked load: block j's scales, zero for absent blocks */
            const __m256 dmv = _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutexvar_epi16(dmi, a)));
            const __m128 xd4 = _mm256_castps256_ps128(dmv), xm4 = _mm256_extractf128_ps(dmv, 1);
            const int second = b > 8 * groups;
            for (int c = 0; c < C; ++c) {
                const uint8_t *ya = col[c].ya + 32 * b;
                const __m512 dd = _mm512_castps128_ps512(_mm_mul_ps(xd4, _mm_loadu_ps(col[c].yd + b)));
                offv[c] = _mm256_fmadd_ps(_mm256_zextps128_ps256(xm4), _mm256_zextps128_ps256(_mm_loadu_ps(col[c].ys + b)),
                                          offv[c]);
                __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_load_si512(ya));
                p = _mm512_dpbusd_epi32(p, hi, _mm512_load_si512(ya + 64));
                const __m512 t = _mm512_fmadd_ps(_mm512_permutexvar_ps(si0, dd), _mm512_cvtepi32_ps(p),
                                                 second ? acc1[c] : acc0[c]);
                if (second) acc1[c] = t; else acc0[c] = t;
            }
        }
        float total[4];
        if (C <= 2) {
            /* per column: reduce_add(acc0 + acc1) + hsum(offv), the last levels of both trees shared */
            __m128 ya[OK_Q4_1_MAX_COLS], yo[OK_Q4_1_MAX_COLS];
            for (int c = 0; c < OK_Q4_1_MAX_COLS; ++c) {
                ya[c] = c < C ? halve512(_mm512_add_ps(acc0[c], acc1[c])) : _mm_setzero_ps();
                yo[c] = c < C ? halve256(offv[c]) : _mm_setzero_ps();
            }
            _mm_storeu_ps(total, _mm_add_ps(quarter4(ya[0], ya[1], ya[2], ya[3]), quarter4(yo[0], yo[1], yo[2], yo[3])));
        } else {
            /* The same additions for three or four columns (measured ~5% faster there, slower for one or two):
             * every level of both trees for the four columns at once in full-width registers, each column's
             * additions those of a one-column reduction: 16 -> 8 lanes (halves added), 8 -> 4, then
             * (0 + 2) + (1 + 3), then products + offsets. */
            __m512 v[OK_Q4_1_MAX_COLS];
            __m256 o[OK_Q4_1_MAX_COLS];
            for (int c = 0; c < OK_Q4_1_MAX_COLS; ++c) {
                v[c] = c < C ? _mm512_add_ps(acc0[c], acc1[c]) : _mm512_setzero_ps();
                o[c] = c < C ? offv[c] : _mm256_setzero_ps();
            }
            const __m512 t01 = _mm512_add_ps(_mm512_shuffle_f32x4(v[0], v[1], 0x44), _mm512_shuffle_f32x4(v[0], v[1], 0xEE));
            const __m512 t23 = _mm512_add_ps(_mm512_shuffle_f32x4(v[2], v[3], 0x44), _mm512_shuffle_f32x4(v[2], v[3], 0xEE));
            const __m512 o01 = _mm512_insertf32x8(_mm512_castps256_ps512(o[0]), o[1], 1);
            const __m512 o23 = _mm512_insertf32x8(_mm512_castps256_ps512(o[2]), o[3], 1);
            /* 128-bit lane c: column c's four partial sums (u: products, w: offsets) */
            const __m512 u = _mm512_add_ps(_mm512_shuffle_f32x4(t01, t23, 0x88), _mm512_shuffle_f32x4(t01, t23, 0xDD));
            const __m512 w = _mm512_add_ps(_mm512_shuffle_f32x4(o01, o23, 0x88), _mm512_shuffle_f32x4(o01, o23, 0xDD));
            /* [u0 + u2, u1 + u3, w0 + w2, w1 + w3]; element 0 then (u0 + u2) + (u1 + u3), element 2 the same of w */
            const __m512 s2 = _mm512_add_ps(_mm512_shuffle_ps(u, w, 0x44), _mm512_shuffle_ps(u, w, 0xEE));
            const __m512 s1 = _mm512_add_ps(s2, _mm512_permute_ps(s2, 0xB1));
            const __m512 sum = _mm512_add_ps(s1, _mm512_permute_ps(s1, 0x4E));
            const __m512i first = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            _mm_storeu_ps(total, _mm512_castps512_ps128(_mm512_permutexvar_ps(first, sum)));
        }
        for (int c = 0; c < C; ++c) out[c * ld_out + r] = total[c];
    }
}

/* out[c * ld_out + r] = dot(row r, column c) for up to four activation columns `act_stride` bytes apart. */
static OK_TARGET void q4_1_gemv_cols(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                                     size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    const int64_t nb = k / QK32;
    if (nb > OK_Q4_1_COL_BLOCKS) {
        /* segments of the row: each segment's sum added in order (the same for every row, column and vec_dot) */
        for (int64_t c = 0; c < cols; ++c)
            for (int64_t r = 0; r < rows; ++r) out[c * ld_out + r] = 0;
        for (int64_t b0 = 0; b0 < nb; b0 += OK_Q4_1_COL_BLOCKS) {
            const int64_t seg = nb - b0 < OK_Q4_1_COL_BLOCKS ? nb - b0 : OK_Q4_1_COL_BLOCKS;
            float part[OK_Q4_1_MAX_COLS * 64];
            for (int64_t r0 = 0; r0 < rows; r0 += 64) {
                const int64_t m = rows - r0 < 64 ? rows - r0 : 64;
                q4_1_gemv_cols(seg * QK32, (const uint8_t *)w + (size_t)r0 * w_stride + (size_t)b0 * sizeof(block_q4_1),
                               w_stride, m, (const uint8_t *)act + (size_t)b0 * sizeof(block_q8_1), act_stride, cols,
                               part, 64);
                for (int64_t c = 0; c < cols; ++c)
                    for (int64_t r = 0; r < m; ++r) out[c * ld_out + r0 + r] += part[c * 64 + r];
            }
        }
        return;
    }
    q4_1_column col[OK_Q4_1_MAX_COLS];
    for (int64_t c = 0; c < cols; ++c)
        q4_1_column_prepare((const block_q8_1 *)((const uint8_t *)act + (size_t)c * act_stride), nb, &col[c]);
    switch (cols) {
    case 1: q4_1_rows(1, nb, w, w_stride, rows, col, out, ld_out); break;
    case 2: q4_1_rows(2, nb, w, w_stride, rows, col, out, ld_out); break;
    case 3: q4_1_rows(3, nb, w, w_stride, rows, col, out, ld_out); break;
    case 4: q4_1_rows(4, nb, w, w_stride, rows, col, out, ld_out); break;
    default: break;
    }
}

void OK_TARGET ok_gemv_cols_q4_1_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                                        size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    for (int64_t c0 = 0; c0 < cols; c0 += OK_Q4_1_MAX_COLS) {
        const int64_t n = cols - c0 < OK_Q4_1_MAX_COLS ? cols - c0 : OK_Q4_1_MAX_COLS;
        q4_1_gemv_cols(k, w, w_stride, rows, (const uint8_t *)act + (size_t)c0 * act_stride, act_stride, n,
                       out + c0 * ld_out, ld_out);
    }
}

void OK_TARGET ok_gemv_q4_1_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act, float *out) {
    q4_1_gemv_cols(k, w, w_stride, rows, act, 0, 1, out, rows);
}

float OK_TARGET ok_vec_dot_q4_1_avx512(int64_t n, const void *w, const void *act) {
    float out;
    ok_gemv_q4_1_avx512(n, w, 0, 1, act, &out);
    return out;
}

/* ---- q5_0: four blocks per 512-bit step ----
 * As q4_1 above, on quads of four 22-byte blocks read with two loads (bytes 0..63 and 24..87 of the quad).
 * One word permute gathers the quants, another the four scales and the four fifth-bit words (split into a
 * mask for the low-nibble elements and one for the high); the fifth bit is added under the mask, so each
 * element is its unsigned level u in [0, 31], and the value u - 16 comes from starting each VPDPBUSD
 * chain at -16 * (the activation's lane sums), precomputed once per call. Integer sums are exact. */

/* Word index into the two loads of a quad for the even byte offset o (< 88) of the quad. */
static inline int q5_0_word(int o) { return o < 64 ? o / 2 : 32 + (o - 24) / 2; }

/* Word indices of a quad's quants (qidx) and of its four scales and fifth-bit words (fidx: d of blocks
 * 0..3, fifth bits of elements 0..15 of each, then of elements 16..31). */
static inline OK_TARGET void q5_0_indices(__m512i *qidx, __m512i *fidx) {
    uint16_t qi[32], fi[32];
    for (int j = 0; j < 4; ++j) {
        const int base = j * (int)sizeof(block_q5_0);
        for (int i = 0; i < 8; ++i) qi[8 * j + i] = (uint16_t)q5_0_word(base + (int)offsetof(block_q5_0, qs) + 2 * i);
        fi[j] = (uint16_t)q5_0_word(base);
        fi[4 + j] = (uint16_t)q5_0_word(base + (int)offsetof(block_q5_0, qh));
        fi[8 + j] = (uint16_t)q5_0_word(base + (int)offsetof(block_q5_0, qh) + 2);
    }
    for (int j = 12; j < 32; ++j) fi[j] = 0;
    *qidx = _mm512_loadu_si512(qi);
    *fidx = _mm512_loadu_si512(fi);
}


/* Rows of at most this many blocks take the multi-column kernel (13 KiB of activation layout a column on
 * the stack); longer ones the one-column GEMV per column. */
#define OK_Q5_0_COL_BLOCKS 256
#define OK_Q5_0_MAX_COLS 4

typedef struct {
    uint8_t ya[OK_Q5_0_COL_BLOCKS * QK32] __attribute__((aligned(64)));
    int32_t corr[OK_Q5_0_COL_BLOCKS * 4] __attribute__((aligned(64))); /* 16 lanes per quad */
    float yd[OK_Q5_0_COL_BLOCKS];
    const block_q8_0 *y;
} q5_0_column;

static inline OK_TARGET void q5_0_column_prepare(const block_q8_0 *y, int64_t nb, uint8_t *ya, int32_t *corr, float *yd) {
    block_halves(y, offsetof(block_q8_0, d), sizeof(block_q8_0), nb, yd);
    const int64_t quads = nb / 4;
    act_quads(y, sizeof(block_q8_0), offsetof(block_q8_0, qs), quads, ya);
    const __m512i sixteen = _mm512_set1_epi8(16);
    for (int64_t g = 0; g < quads; ++g) {
        __m512i c = _mm512_dpbusd_epi32(_mm512_setzero_si512(), sixteen, _mm512_load_si512(ya + 128 * g));
        c = _mm512_dpbusd_epi32(c, sixteen, _mm512_load_si512(ya + 128 * g + 64));
        _mm512_store_si512(corr + 16 * g, _mm512_sub_epi32(_mm512_setzero_si512(), c));
    }
}

/* C columns (1..4) against `rows` rows of nb blocks: each quad's weights are gathered, split and given their
 * fifth bits once; each column then takes exactly the one-column operations, in the same order. */
static inline __attribute__((always_inline)) OK_TARGET void q5_0_rows(const int C, int64_t nb, const void *w,
                                                                      size_t w_stride, int64_t rows,
                                                                      const uint8_t *const *ya, const int32_t *const *corr,
                                                                      const float *const *yd, const block_q8_0 *const *y,
                                                                      float *out, int64_t ld_out) {
    const int64_t quads = nb / 4;
    __m512i qidx, fidx;
    q5_0_indices(&qidx, &fidx);
    const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i sixteen = _mm512_set1_epi8(16);
    for (int64_t r = 0; r < rows; ++r) {
        const block_q5_0 *x = (const block_q5_0 *)((const uint8_t *)w + (size_t)r * w_stride);
        __m512 acc0[OK_Q5_0_MAX_COLS], acc1[OK_Q5_0_MAX_COLS];
        for (int c = 0; c < C; ++c) {
            acc0[c] = _mm512_setzero_ps();
            acc1[c] = _mm512_setzero_ps();
        }
        for (int64_t g = 0; g < quads; ++g) {
            const uint8_t *xb = (const uint8_t *)(x + 4 * g);
            ok_prefetch_span(xb, 4 * sizeof(block_q5_0));   /* spread over the row: see ok_prefetch_span */
            const __m512i a = _mm512_loadu_si512(xb), b = _mm512_loadu_si512(xb + 24);
            const __m512i q = _mm512_permutex2var_epi16(a, qidx, b);
            const __m256i f = _mm512_castsi512_si256(_mm512_permutex2var_epi16(a, fidx, b));
            const __m128i f0 = _mm256_castsi256_si128(f);
            const __mmask64 klo = (__mmask64)_mm_extract_epi64(f0, 1), khi = (__mmask64)_mm256_extract_epi64(f, 2);
            const __m512i lo = _mm512_mask_add_epi8(_mm512_and_si512(q, m4), klo, _mm512_and_si512(q, m4), sixteen);
            const __m512i hn = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
            const __m512i hi = _mm512_mask_add_epi8(hn, khi, hn, sixteen);
            const __m128 xd = _mm_cvtph_ps(f0);
            for (int c = 0; c < C; ++c) {
                __m512i p = _mm512_dpbusd_epi32(_mm512_load_si512(corr[c] + 16 * g), lo, _mm512_load_si512(ya[c] + 128 * g));
                p = _mm512_dpbusd_epi32(p, hi, _mm512_load_si512(ya[c] + 128 * g + 64));
                const __m128 dd = _mm_mul_ps(xd, _mm_loadu_ps(yd[c] + 4 * g));
                const __m512 sc = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(dd));
                if (g & 1) acc1[c] = _mm512_fmadd_ps(sc, _mm512_cvtepi32_ps(p), acc1[c]);
                else acc0[c] = _mm512_fmadd_ps(sc, _mm512_cvtepi32_ps(p), acc0[c]);
            }
        }
        __m128 y4[OK_Q5_0_MAX_COLS];
        float tail[OK_Q5_0_MAX_COLS];
        for (int c = 0; c < OK_Q5_0_MAX_COLS; ++c) {
            y4[c] = c < C ? halve512(_mm512_add_ps(acc0[c], acc1[c])) : _mm_setzero_ps();
            tail[c] = 0;
        }
        for (int64_t ib = 4 * quads; ib < nb; ++ib) {
            /* nibble | 0xF0 read as int8 is nibble - 16; with the fifth bit set the value is the nibble */
            const __m256i hb = _mm256_andnot_si256(bits32_to_bytes(x[ib].qh), _mm256_set1_epi8((char)0xF0));
            const __m256i v = _mm256_or_si256(nibbles32(x[ib].qs), hb);
            for (int c = 0; c < C; ++c) {
                const __m256i p = dot_s8s8(v, load256(y[c][ib].qs));
                tail[c] += half(x[ib].d) * yd[c][ib] * (float)hsum_epi32(p);
            }
        }
        float total[4];
        _mm_storeu_ps(total, quarter4(y4[0], y4[1], y4[2], y4[3]));
        for (int c = 0; c < C; ++c) out[c * ld_out + r] = total[c] + tail[c];
    }
}

void OK_TARGET ok_gemv_q5_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act, float *out) {
    const block_q8_0 *y = act;
    const int64_t nb = k / QK32;
    if (nb > OK_GEMV_MAX_BLOCKS) {
        for (int64_t r = 0; r < rows; ++r) out[r] = 0;
        for (int64_t b0 = 0; b0 < nb; b0 += OK_GEMV_MAX_BLOCKS) {
            const int64_t seg = nb - b0 < OK_GEMV_MAX_BLOCKS ? nb - b0 : OK_GEMV_MAX_BLOCKS;
            float part[64];
            for (int64_t r0 = 0; r0 < rows; r0 += 64) {
                const int64_t m = rows - r0 < 64 ? rows - r0 : 64;
                ok_gemv_q5_0_avx512(seg * QK32, (const uint8_t *)w + (size_t)r0 * w_stride + (size_t)b0 * sizeof(block_q5_0),
                                    w_stride, m, y + b0, part);
                for (int64_t r = 0; r < m; ++r) out[r0 + r] += part[r];
            }
        }
        return;
    }
    float yd[OK_GEMV_MAX_BLOCKS];
    uint8_t ya[OK_GEMV_MAX_BLOCKS * QK32] __attribute__((aligned(64)));
    int32_t corr[OK_GEMV_MAX_BLOCKS * 4] __attribute__((aligned(64))); /* 16 lanes per quad */
    q5_0_column_prepare(y, nb, ya, corr, yd);
    const uint8_t *yap = ya;
    const int32_t *corrp = corr;
    const float *ydp = yd;
    q5_0_rows(1, nb, w, w_stride, rows, &yap, &corrp, &ydp, &y, out, rows);
}

void OK_TARGET ok_gemv_cols_q5_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                                        size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    const int64_t nb = k / QK32;
    if (nb > OK_Q5_0_COL_BLOCKS) {
        for (int64_t c = 0; c < cols; ++c)
            ok_gemv_q5_0_avx512(k, w, w_stride, rows, (const uint8_t *)act + (size_t)c * act_stride, out + c * ld_out);
        return;
    }
    for (int64_t c0 = 0; c0 < cols; c0 += OK_Q5_0_MAX_COLS) {
        const int64_t n = cols - c0 < OK_Q5_0_MAX_COLS ? cols - c0 : OK_Q5_0_MAX_COLS;
        q5_0_column col[OK_Q5_0_MAX_COLS];
        const uint8_t *ya[OK_Q5_0_MAX_COLS];
        const int32_t *corr[OK_Q5_0_MAX_COLS];
        const float *yd[OK_Q5_0_MAX_COLS];
        const block_q8_0 *y[OK_Q5_0_MAX_COLS];
        for (int64_t c = 0; c < n; ++c) {
            y[c] = (const block_q8_0 *)((const uint8_t *)act + (size_t)(c0 + c) * act_stride);
            q5_0_column_prepare(y[c], nb, col[c].ya, col[c].corr, col[c].yd);
            ya[c] = col[c].ya;
            corr[c] = col[c].corr;
            yd[c] = col[c].yd;
        }
        float *o = out + c0 * ld_out;
        switch (n) {
        case 1: q5_0_rows(1, nb, w, w_stride, rows, ya, corr, yd, y, o, ld_out); break;
        case 2: q5_0_rows(2, nb, w, w_stride, rows, ya, corr, yd, y, o, ld_out); break;
        case 3: q5_0_rows(3, nb, w, w_stride, rows, ya, corr, yd, y, o, ld_out); break;
        default: q5_0_rows(4, nb, w, w_stride, rows, ya, corr, yd, y, o, ld_out); break;
        }
    }
}

float OK_TARGET ok_vec_dot_q5_0_avx512(int64_t n, const void *w, const void *act) {
    float out;
    ok_gemv_q5_0_avx512(n, w, 0, 1, act, &out);
    return out;
}

/* ---- q8_0: up to four columns per pass over the weights, bit for bit the body's vec_dot ----
 * The body's vec_dot takes a block per 256-bit step into two accumulators (even blocks, odd blocks), the
 * leftovers after whole eight-block groups into the first, and sums hsum(acc0 + acc1) + 0. Here an even
 * and an odd block share one 512-bit register, so lanes 0..7 are that first accumulator and 8..15 the
 * second, and each step's lanes are the body's: the int32 lane sums are exact either way (weights enter
 * as w ^ 0x80 = w + 128, each chain starting from -128 * the activation's four-byte lane sums, instead of
 * the sign trick), then the same conversion and FMA by d_w * d_a. A row's weight loads are shared by the
 * columns. Rows of more than OK_Q8_0_COL_BLOCKS blocks take the vec_dot per column. */
#define OK_Q8_0_COL_BLOCKS 192
#define OK_Q8_0_MAX_COLS 4

typedef struct {
    int8_t ya[OK_Q8_0_COL_BLOCKS * QK32] __attribute__((aligned(64)));   /* quants, block after block */
    int32_t corr[OK_Q8_0_COL_BLOCKS * 8] __attribute__((aligned(64)));  /* -128 * four-byte sums of ya */
    float yd[OK_Q8_0_COL_BLOCKS];                                        /* block scales */
} q8_0_column;

static inline OK_TARGET void q8_0_column_prepare(const block_q8_0 *y, int64_t nb, q8_0_column *col) {
    for (int64_t b = 0; b < nb; ++b) memcpy(col->ya + 32 * b, y[b].qs, 32);
    block_halves(y, offsetof(block_q8_0, d), sizeof(block_q8_0), nb, col->yd);
    const __m256i k128 = _mm256_set1_epi8((char)0x80);
    for (int64_t b = 0; b < nb; ++b) {
        const __m256i c = _mm256_dpbusd_epi32(_mm256_setzero_si256(), k128, load256(col->ya + 32 * b));
        _mm256_store_si256((__m256i *)(col->corr + 8 * b), _mm256_sub_epi32(_mm256_setzero_si256(), c));
    }
}

static inline __attribute__((always_inline)) OK_TARGET void q8_0_rows(const int C, int64_t nb, const void *w,
                                                                      size_t w_stride, int64_t rows,
                                                                      const q8_0_column *col, float *out,
                                                                      int64_t ld_out) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const __m512i pair0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i two = _mm512_set1_epi32(2);
    const int64_t whole = nb / 8 * 8;
    for (int64_t r = 0; r < rows; ++r) {
        const block_q8_0 *x = (const block_q8_0 *)((const uint8_t *)w + (size_t)r * w_stride);
        __m512 acc[OK_Q8_0_MAX_COLS];
        for (int c = 0; c < C; ++c) acc[c] = _mm512_setzero_ps();
        for (int64_t b0 = 0; b0 < whole; b0 += 8) {
            ok_prefetch_span(x + b0, 8 * sizeof(block_q8_0));   /* spread over the row: see ok_prefetch_span */
            const __m256 xd = halves8(&x[b0].d, sizeof x[0]);
            __m512 dd[OK_Q8_0_MAX_COLS];
            for (int c = 0; c < C; ++c) dd[c] = _mm512_castps256_ps512(_mm256_mul_ps(xd, _mm256_loadu_ps(col[c].yd + b0)));
            __m512i idx = pair0;
            for (int j = 0; j < 8; j += 2, idx = _mm512_add_epi32(idx, two)) {
                const __m512i q = _mm512_xor_si512(
                    _mm512_inserti64x4(_mm512_castsi256_si512(load256(x[b0 + j].qs)), load256(x[b0 + j + 1].qs), 1), flip);
                for (int c = 0; c < C; ++c) {
                    const __m512i p = _mm512_dpbusd_epi32(_mm512_load_si512(col[c].corr + 8 * (b0 + j)), q,
                                                          _mm512_load_si512(col[c].ya + 32 * (b0 + j)));
                    acc[c] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, dd[c]), _mm512_cvtepi32_ps(p), acc[c]);
                }
            }
        }
        for (int64_t b = whole; b < nb; ++b) {   /* leftovers, one at a time into the even accumulator */
            const __m256i q = _mm256_xor_si256(load256(x[b].qs), _mm512_castsi512_si256(flip));
            const float xdb = half(x[b].d);
            for (int c = 0; c < C; ++c) {
                const __m256i p = _mm256_dpbusd_epi32(_mm256_load_si256((const __m256i *)(col[c].corr + 8 * b)), q,
                                                      load256(col[c].ya + 32 * b));
                const __m256 lo = _mm256_fmadd_ps(_mm256_set1_ps(xdb * col[c].yd[b]), _mm256_cvtepi32_ps(p),
                                                  _mm512_castps512_ps256(acc[c]));
                acc[c] = _mm512_insertf32x8(acc[c], lo, 0);
            }
        }
        __m128 y4[OK_Q8_0_MAX_COLS];
        for (int c = 0; c < OK_Q8_0_MAX_COLS; ++c)
            y4[c] = c < C ? halve256(_mm256_add_ps(_mm512_castps512_ps256(acc[c]), _mm512_extractf32x8_ps(acc[c], 1)))
                          : _mm_setzero_ps();
        float total[4];
        _mm_storeu_ps(total, quarter4(y4[0], y4[1], y4[2], y4[3]));
        for (int c = 0; c < C; ++c) out[c * ld_out + r] = total[c] + 0.0f;   /* + hsum(offsets) + 0, as the body */
    }
}

void OK_TARGET ok_gemv_cols_q8_0_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows, const void *act,
                                        size_t act_stride, int64_t cols, float *out, int64_t ld_out) {
    const int64_t nb = k / QK32;
    if (nb > OK_Q8_0_COL_BLOCKS) {
        for (int64_t c = 0; c < cols; ++c)
            for (int64_t r = 0; r < rows; ++r)
                out[c * ld_out + r] = ok_vec_dot_q8_0_avx512(k, (const uint8_t *)w + (size_t)r * w_stride,
                                                             (const uint8_t *)act + (size_t)c * act_stride);
        return;
    }
    for (int64_t c0 = 0; c0 < cols; c0 += OK_Q8_0_MAX_COLS) {
        const int64_t n = cols - c0 < OK_Q8_0_MAX_COLS ? cols - c0 : OK_Q8_0_MAX_COLS;
        q8_0_column col[OK_Q8_0_MAX_COLS];
        for (int64_t c = 0; c < n; ++c)
            q8_0_column_prepare((const block_q8_0 *)((const uint8_t *)act + (size_t)(c0 + c) * act_stride), nb, &col[c]);
        float *o = out + c0 * ld_out;
        switch (n) {
        case 1: q8_0_rows(1, nb, w, w_stride, rows, col, o, ld_out); break;
        case 2: q8_0_rows(2, nb, w, w_stride, rows, col, o, ld_out); break;
        case 3: q8_0_rows(3, nb, w, w_stride, rows, col, o, ld_out); break;
        default: q8_0_rows(4, nb, w, w_stride, rows, col, o, ld_out); break;
        }
    }
}

/* ---- q4_K / q6_K: several activation columns per pass over the weights ----
 * Verifying drafted tokens (and decode batches) multiplies each weight row by a few columns. The body's
 * vec_dot per column unpacks every block once per column; here a block's levels are unpacked once, 64
 * elements to a 512-bit register (a 32-element chunk in each half), and each column takes VPMADDUBSW and
 * VPDPWSSD (the body's maddubs + madd + add, fused) on them. The int32 lane sums are exact, so folding the
 * two halves gives the very eight lanes of the body's 256-bit sum; from there every column takes the body's
 * float operations in its order (per block one conversion and FMA, then hsum_ps), so each column is bit for
 * bit its vec_dot. The activation work that does not depend on the row (scales, bsum pairs) is done once
 * per call. */
#define OK_KQ_COL_BLOCKS 64
#define OK_KQ_MAX_COLS 4

typedef struct {
    const block_q8_K *y;
    float yd[OK_KQ_COL_BLOCKS];
    int16_t pairs[OK_KQ_COL_BLOCKS * 8] __attribute__((aligned(16)));  /* q4_K only: k4_bsum_pairs per block */
} kq_column;

static inline OK_TARGET void kq_column_prepare(const block_q8_K *y, int64_t nb, int with_pairs, kq_column *col) {
    col->y = y;
    for (int64_t b = 0; b < nb; ++b) {
        col->yd[b] = y[b].d;
        if (with_pairs) _mm_store_si128((__m128i *)(col->pairs + 8 * b), k4_bsum_pairs(y[b].bsums));
    }
}

/* 64 levels from 32 bytes: low nibbles (elements 0..31) in the low half, high nibbles (32..63) above. */
static inline __attribute__((always_inline)) OK_TARGET __m512i nibbles64(const uint8_t *p, __m512i m4) {
    const __m512i b = _mm512_broadcast_i64x4(load256(p));
    return _mm512_and_si512(_mm512_mask_srli_epi16(b, (__mmask32)0xFFFF0000u, b, 4), m4);
}

static inline __attribute__((always_inline)) OK_TARGET __m256i fold512(__m512i v) {
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

static inline __attribute__((always_inline)) OK_TARGET void q4_K_rows(const int C, int64_t nb, const void *w,
                                                                     size_t w_stride, int64_t rows,
                                                                     const kq_column *col, float *out,
                                                                     int64_t ld_out) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    for (int64_t r = 0; r < rows; ++r) {
        const block_q4_K *x = (const block_q4_K *)((const uint8_t *)w + (size_t)r * w_stride);
        __m256 acc[OK_KQ_MAX_COLS];
        __m128 acc_min[OK_KQ_MAX_COLS];
        for (int c = 0; c < C; ++c) {
            acc[c] = _mm256_setzero_ps();
            acc_min[c] = _mm_setzero_ps();
        }
        for (int64_t i = 0; i < nb; ++i) {
            ok_prefetch_span(x + i, sizeof(block_q4_K));
            uint8_t sc[8], mn[8];
            k4_scales_mins(x[i].scales, sc, mn);
            const float xd = half(x[i].d), xdmin = half(x[i].dmin);
            const __m128i mins = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)mn));
            __m512i v[4], s[4];
            for (int j = 0; j < 4; ++j) {
                v[j] = nibbles64(x[i].qs + 32 * j, m4);
                s[j] = _mm512_inserti64x4(_mm512_set1_epi16(sc[2 * j]), _mm256_set1_epi16(sc[2 * j + 1]), 1);
            }
            for (int c = 0; c < C; ++c) {
                const int8_t *yq = col[c].y[i].qs;
                __m512i sumi = _mm512_setzero_si512();
                for (int j = 0; j < 4; ++j)
                    sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(v[j], _mm512_loadu_si512(yq + 64 * j)), s[j]);
                const float yd = col[c].yd[i];
                const __m128i mt = _mm_madd_epi16(mins, _mm_load_si128((const __m128i *)(col[c].pairs + 8 * i)));
                acc_min[c] = _mm_fmadd_ps(_mm_set1_ps(yd * xdmin), _mm_cvtepi32_ps(mt), acc_min[c]);
                acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(yd * xd), _mm256_cvtepi32_ps(fold512(sumi)), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c * ld_out + r] = k4_result(acc[c], acc_min[c]);
    }
}

static inline __attribute__((always_inline)) OK_TARGET void q6_K_rows(const int C, int64_t nb, const void *w,
                                                                     size_t w_stride, int64_t rows,
                                                                     const kq_column *col, float *out,
                                                                     int64_t ld_out) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
    /* qh shifts per 16-bit lane: the low half of a 64-element vector takes bits 0-1 (2-3), the high 2-3 (6-7) */
    const __m512i sh_lo = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    const __m512i sh_hi = _mm512_add_epi16(sh_lo, _mm512_set1_epi16(4));
    /* word index of each 16-element group's scale: group g of the block is scale g */
    __m512i si[4];
    for (int q = 0; q < 4; ++q) {
        uint16_t idx[32];
        for (int l = 0; l < 32; ++l) idx[l] = (uint16_t)(4 * q + l / 8);
        si[q] = _mm512_loadu_si512(idx);
    }
    for (int64_t r = 0; r < rows; ++r) {
        const block_q6_K *x = (const block_q6_K *)((const uint8_t *)w + (size_t)r * w_stride);
        __m256 acc[OK_KQ_MAX_COLS];
        for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
        for (int64_t i = 0; i < nb; ++i) {
            ok_prefetch_span(x + i, sizeof(block_q6_K));
            const __m256i all = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
            const __m512i all512 = _mm512_castsi256_si512(all);
            const float xd = half(x[i].d);
            __m512i v[4], s[4];
            for (int k = 0; k < 2; ++k) {
                const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * k);
                const __m512i h = _mm512_broadcast_i64x4(load256(x[i].qh + 32 * k));
                /* elements 128k + 0..63: low nibbles of ql with qh bits 0-1 / 2-3; + 64..127: high nibbles, bits 4-5 / 6-7 */
                v[2 * k] = _mm512_or_si512(_mm512_and_si512(l, m4),
                                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(h, sh_lo), m3), 4));
                v[2 * k + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                               _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(h, sh_hi), m3), 4));
            }
            for (int q = 0; q < 4; ++q) s[q] = _mm512_permutexvar_epi16(si[q], all512);
            for (int c = 0; c < C; ++c) {
                const block_q8_K *y = col[c].y + i;
                __m512i sumi = _mm512_setzero_si512();
                for (int q = 0; q < 4; ++q)
                    sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(v[q], _mm512_loadu_si512(y->qs + 64 * q)), s[q]);
                /* levels u in [0, 63] have value u - 32: minus 32 * sum over groups of scale * bsum */
                const __m256i offs = _mm256_slli_epi32(_mm256_madd_epi16(all, load256(y->bsums)), 5);
                const __m256i total = _mm256_sub_epi32(fold512(sumi), offs);
                acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(xd * col[c].yd[i]), _mm256_cvtepi32_ps(total), acc[c]);
            }
        }
        for (int c = 0; c < C; ++c) out[c * ld_out + r] = hsum_ps(acc[c]);
    }
}

#define OK_KQ_GEMV_COLS(type, rows_fn, vec_dot, with_pairs)                                                   \
    void OK_TARGET ok_gemv_cols_##type##_avx512(int64_t k, const void *w, size_t w_stride, int64_t rows,      \
                                                const void *act, size_t act_stride, int64_t cols, float *out, \
                                                int64_t ld_out) {                                             \
        const int64_t nb = k / QK_K;                                                                          \
        if (nb > OK_KQ_COL_BLOCKS) {                                                                          \
            for (int64_t c = 0; c < cols; ++c)                                                                \
                for (int64_t r = 0; r < rows; ++r)                                                            \
                    out[c * ld_out + r] = vec_dot(k, (const uint8_t *)w + (size_t)r * w_stride,               \
                                                  (const uint8_t *)act + (size_t)c * act_stride);             \
            return;                                                                                           \
        }                                                                                                     \
        for (int64_t c0 = 0; c0 < cols; c0 += OK_KQ_MAX_COLS) {                                               \
            const int64_t n = cols - c0 < OK_KQ_MAX_COLS ? cols - c0 : OK_KQ_MAX_COLS;                        \
            kq_column col[OK_KQ_MAX_COLS];                                                                    \
            for (int64_t c = 0; c < n; ++c)                                                                   \
                kq_column_prepare((const block_q8_K *)((const uint8_t *)act + (size_t)(c0 + c) * act_stride), \
                                  nb, with_pairs, &col[c]);                                                   \
            float *o = out + c0 * ld_out;                                                                     \
            switch (n) {                                                                                      \
            case 1: rows_fn(1, nb, w, w_stride, rows, col, o, ld_out); break;                                 \
            case 2: rows_fn(2, nb, w, w_stride, rows, col, o, ld_out); break;                                 \
            case 3: rows_fn(3, nb, w, w_stride, rows, col, o, ld_out); break;                                 \
            default: rows_fn(4, nb, w, w_stride, rows, col, o, ld_out); break;                                \
            }                                                                                                 \
        }                                                                                                     \
    }

OK_KQ_GEMV_COLS(q4_K, q4_K_rows, ok_vec_dot_q4_K_avx512, 1)
OK_KQ_GEMV_COLS(q6_K, q6_K_rows, ok_vec_dot_q6_K_avx512, 0)

static inline OK_TARGET __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
}

float OK_TARGET ok_dot_f32_avx512(const float *a, const float *b, int64_t n) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), a1);
    }
    for (; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), a0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

void OK_TARGET ok_axpy_f32_avx512(int64_t n, float a, const float *x, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 r = _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
        _mm512_mask_storeu_ps(y + i, m, r);
    }
}

void OK_TARGET ok_scale_f32_avx512(int64_t n, float a, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(va, _mm512_maskz_loadu_ps(m, y + i)));
    }
}

void OK_TARGET ok_f32_to_f16_avx512(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm256_mask_storeu_epi16(y + i, m, h);
    }
}

void OK_TARGET ok_f16_to_f32_avx512(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i)));
    }
}
/* e^x for sixteen lanes: ggml's AVX-512 ggml_v_expf algorithm (the AVX2 one's polynomial with the 2^n
 * scaling done by VSCALEFPS), so SwiGLU rounds as the reference engine's AVX-512 build does. */
static inline OK_TARGET __m512 expf16(__m512 x) {
    const __m512 shift = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), shift);
    const __m512 n = _mm512_sub_ps(z, shift);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 huge = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 p45 = _mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f));
    const __m512 p23 = _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f));
    const __m512 p01 = _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f));
    const __m512 j = _mm512_fmadd_ps(_mm512_fmadd_ps(p45, u, p23), u, p01);
    const __m512 res = _mm512_scalef_ps(j, n);
    if (_mm512_kortestz(huge, huge)) return res;
    /* |n| > 192: overflow to infinity, or underflow to zero for n <= 0 */
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ),
                                            _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(huge, res, alt);
}

/* gate = silu(gate) * up = gate / (1 + e^-gate) * up, sixteen lanes at a time; the tail as the generic twin. */
void OK_TARGET ok_swiglu_f32_avx512(int64_t n, float *gate, const float *up) {
    const __m512 one = _mm512_set1_ps(1);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(gate + i);
        const __m512 e = expf16(_mm512_sub_ps(_mm512_setzero_ps(), x));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(one, e)), _mm512_loadu_ps(up + i)));
    }
    if (i < n) ok_swiglu_f32_generic(n - i, gate + i, up + i);
}
/* ---- grouped attention on the F16 cache, 512-bit ----
 * The body's grouped kernel bit for bit in fewer instructions: a 512-bit accumulator holds two of
 * ok_dot_f16_f32's 256-bit ones (lanes 0-7 its a0 and 8-15 its a1 in A; a2 and a3 in B), each lane the same
 * FMA chain, and the end reduction adds the halves in the body's order, (a0 + a1) + (a2 + a3), before the
 * same hsum_ps; each output lane is its own FMA chain in key order whatever the vector width. A key or value
 * row is converted by two or four instructions instead of eight. Heads whose size is not a multiple of 32
 * take the body's kernel. (Measured, one thread, SmolLM2's shapes at 700 keys: 1.50 -> 0.97 ms per row over
 * all layers. Sharing key conversions across the rows of a prefill or verification pass as well gave 10%
 * more at four rows and lost 10% at one; on this CPU's 256-bit FMA pipes the dot products themselves
 * are most of the time.) */

static inline __attribute__((always_inline)) OK_TARGET __m512 load_f16x16(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

/* G (1..4) heads' scores against key row kr, head_dim a multiple of 32. */
static inline __attribute__((always_inline)) OK_TARGET void group_dots16(const int G, const uint16_t *kr,
                                                                         const float *q, int64_t q_stride,
                                                                         int64_t head_dim, float *s) {
    __m512 a[4], b[4];
    for (int g = 0; g < G; ++g) a[g] = b[g] = _mm512_setzero_ps();
    for (int64_t j = 0; j < head_dim; j += 32) {
        const __m512 k0 = load_f16x16(kr + j), k1 = load_f16x16(kr + j + 16);
        for (int g = 0; g < G; ++g) {
            a[g] = _mm512_fmadd_ps(k0, _mm512_loadu_ps(q + g * q_stride + j), a[g]);
            b[g] = _mm512_fmadd_ps(k1, _mm512_loadu_ps(q + g * q_stride + j + 16), b[g]);
        }
    }
    for (int g = 0; g < G; ++g) {
        const __m256 a01 = _mm256_add_ps(_mm512_castps512_ps256(a[g]), _mm512_extractf32x8_ps(a[g], 1));
        const __m256 a23 = _mm256_add_ps(_mm512_castps512_ps256(b[g]), _mm512_extractf32x8_ps(b[g], 1));
        s[g] = hsum_ps(_mm256_add_ps(a01, a23));
    }
}

/* out_g[0 .. 16*NV) = sum_i (scores_g[i] * inv_g) * v_i[0 .. 16*NV) for G (1..4) heads. */
static inline __attribute__((always_inline)) OK_TARGET void group_out16(const int G, const int nv, const uint16_t *v,
                                                                        int64_t v_stride, int64_t n, const float *scores,
                                                                        int64_t s_stride, const float *inv, float *out,
                                                                        int64_t out_stride) {
    __m512 acc[4][4];
    for (int g = 0; g < G; ++g)
        for (int r = 0; r < nv; ++r) acc[g][r] = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t *vr = v + i * v_stride;
        __builtin_prefetch(vr + OK_ATTEND_PREFETCH_KEYS * v_stride, 0, 3);
        if (nv > 2) __builtin_prefetch(vr + OK_ATTEND_PREFETCH_KEYS * v_stride + 32, 0, 3);
        __m512 vv[4];
        for (int r = 0; r < nv; ++r) vv[r] = load_f16x16(vr + 16 * r);
        for (int g = 0; g < G; ++g) {
            const __m512 a = _mm512_set1_ps(scores[g * s_stride + i] * inv[g]);
            for (int r = 0; r < nv; ++r) acc[g][r] = _mm512_fmadd_ps(a, vv[r], acc[g][r]);
        }
    }
    for (int g = 0; g < G; ++g)
        for (int r = 0; r < nv; ++r) _mm512_storeu_ps(out + g * out_stride + 16 * r, acc[g][r]);
}

static inline __attribute__((always_inline)) OK_TARGET void attend_group16_n(const int G, const float *q, int64_t q_stride,
                                                                             const uint16_t *k, int64_t k_stride,
                                                                             const uint16_t *v, int64_t v_stride, int64_t n,
                                                                             int64_t head_dim, int64_t v_dim, float *scores,
                                                                             float *out, int64_t out_stride) {
    float max[4], inv[4], s[4];
    for (int g = 0; g < G; ++g) max[g] = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t *kr = k + i * k_stride;
        /* keys sit a cache row apart and were evicted by the weights since the last step: ask ahead */
        for (int64_t b = 0; b < head_dim; b += 32) __builtin_prefetch(kr + OK_ATTEND_PREFETCH_KEYS * k_stride + b, 0, 3);
        group_dots16(G, kr, q, q_stride, head_dim, s);
        for (int g = 0; g < G; ++g) {
            scores[g * n + i] = s[g];
            if (s[g] > max[g]) max[g] = s[g];
        }
    }
    for (int g = 0; g < G; ++g) inv[g] = 1 / OK_FN(ok_softmax_numerators)(scores + g * n, n, max[g]);
    int64_t j = 0;
    for (; j + 64 <= v_dim; j += 64) group_out16(G, 4, v + j, v_stride, n, scores, n, inv, out + j, out_stride);
    for (; j + 16 <= v_dim; j += 16) group_out16(G, 1, v + j, v_stride, n, scores, n, inv, out + j, out_stride);
    group_out_rest(G, j, v, v_stride, n, v_dim, scores, inv, out, out_stride);   /* as the body takes them */
}

void OK_TARGET ok_attend_f16_group_avx512(int64_t heads, const float *q, int64_t q_stride, const uint16_t *k,
                                          int64_t k_stride, const uint16_t *v, int64_t v_stride, int64_t n,
                                          int64_t head_dim, int64_t v_dim, float *scores, float *out,
                                          int64_t out_stride) {
    if (head_dim % 32 != 0) {
        attend_f16_group_body(heads, q, q_stride, k, k_stride, v, v_stride, n, head_dim, v_dim, scores, out, out_stride);
        return;
    }
    OK_ATTEND_HEAD_GROUPS(attend_group16_n)
}
#endif
