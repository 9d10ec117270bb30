/* Tiled matmuls (GEMM) for the x86 paths: part of the shared x86 body (x86_body.h includes this file, so
 * the helpers there, OK_TARGET, OK_FN and OK_USE_VNNI apply).
 *
 *   out[c * ld + r] = dot(weight row r, activation column c)      r < rows, c < cols
 *
 * Loop nest of one call (a thread's range of weight rows against every activation column):
 *
 *   for each panel of NC (64) activation columns        the panel's activations stay in L2
 *     for each k-chunk (32 blocks / 4 super-blocks)     fixed-size buffers on the stack
 *       [activation scales of the panel as floats]
 *       for each tile of MR weight rows
 *         [pack: the tile's rows unpacked to u8 levels + float scales, read by every column tile below]
 *         for each tile of NR columns of the panel      micro-kernel: MR x NR outputs over the chunk
 *
 * The micro-kernel keeps one 8-lane float accumulator per output in registers (K-quants: plus one int32
 * accumulator per output). Each packed weight block is loaded once per step and used for NR columns; each
 * activation block is loaded once and used for MR rows. Integer products are formed per 32-element block
 * (VPDPBUSD / VPDPWSSD, or VPMADDUBSW + VPMADDWD) and are exact, as in the vec_dot kernels; every block's
 * (super-block's) integer sum is scaled in float once per (row, column), so results equal the vec_dot's
 * up to the order of the float additions. Outputs of k-chunks after the first are added to out.
 *
 * Tile sizes: the AVX-512 build has 32 vector registers (EVEX encodes ymm16-31): 4 x 4; the AVX2 build
 * 16: 4 x 2 (32-element blocks) and 3 x 3 (K-quants). */

#if OK_USE_VNNI
#define OK_YMM_REGS 32
#else
#define OK_YMM_REGS 16
#endif

#define OK_ALWAYS_INLINE inline __attribute__((always_inline))

static OK_ALWAYS_INLINE int64_t g_min(int64_t a, int64_t b) { return a < b ? a : b; }

/* The switch that turns run-time tile sizes (edges of the matrix) into compile-time ones, so that every
 * instance of the always-inline BODY(R, C) has its loops unrolled and its accumulators in registers. */
#define OK_TILE_CASE(BODY, MR, NR, R, C)                                                  \
    case (R) * 8 + (C):                                                                   \
        if ((R) <= (MR) && (C) <= (NR)) BODY((R) <= (MR) ? (R) : 1, (C) <= (NR) ? (C) : 1); \
        break;
#define OK_TILE_SWITCH(BODY, MR, NR, R, C)                                                                  \
    switch ((R) * 8 + (C)) {                                                                               \
        OK_TILE_CASE(BODY, MR, NR, 1, 1) OK_TILE_CASE(BODY, MR, NR, 1, 2) OK_TILE_CASE(BODY, MR, NR, 1, 3)  \
        OK_TILE_CASE(BODY, MR, NR, 1, 4) OK_TILE_CASE(BODY, MR, NR, 2, 1) OK_TILE_CASE(BODY, MR, NR, 2, 2)  \
        OK_TILE_CASE(BODY, MR, NR, 2, 3) OK_TILE_CASE(BODY, MR, NR, 2, 4) OK_TILE_CASE(BODY, MR, NR, 3, 1)  \
        OK_TILE_CASE(BODY, MR, NR, 3, 2) OK_TILE_CASE(BODY, MR, NR, 3, 3) OK_TILE_CASE(BODY, MR, NR, 3, 4)  \
        OK_TILE_CASE(BODY, MR, NR, 4, 1) OK_TILE_CASE(BODY, MR, NR, 4, 2) OK_TILE_CASE(BODY, MR, NR, 4, 3)  \
        OK_TILE_CASE(BODY, MR, NR, 4, 4)                                                                    \
    default: break;                                                                                        \
    }

/* ---- 32-element blocks: q4_0, q4_1, q5_0, q5_1, q8_0 ----
 *
 * Each weight block is unpacked to 32 unsigned levels u (block order) with value u - bias:
 *   q4_0: nibble, bias 8     q5_0: nibble | fifth bit << 4, bias 16     q8_0: q + 128, bias 128 (VNNI)
 *   q4_1: nibble, bias 0     q5_1: nibble | fifth bit << 4, bias 0 (their offset m is a separate term)
 * so one u8 x s8 product serves every type: sum (u - bias) y = sum u y - bias sum y. The integer
 * correction -bias * sum y is computed once per activation block and panel, and enters each block-pair's
 * int32 lanes in lane 0 (with VNNI as the starting value of VPDPBUSD), so per block the integer sum is
 * exact, as in vec_dot. Without VNNI q8_0 keeps its signed quants and uses the sign trick
 * (|x| * (y with x's sign)), since u = q + 128 would saturate VPMADDUBSW.
 *
 * Weight rows are unpacked once per row tile and panel into a small buffer (g32_w_pack) that every
 * column tile of the panel reads. The AVX2 build (G32_PAIRS) packs two blocks at a time interleaved by
 * dwords (g32_interleave), so that one int32 vector holds the partial sums of two blocks and one
 * VPMADDWD, one conversion and one FMA serve both (about 20% faster for q4_1 there). The VNNI build keeps
 * one block per step: pairing gained it less than 10% and, by changing the float summation order, moved
 * a Gemma golden greedy step past the golden test's bound, so it keeps the order validated so far. Scales: the
 * fp16 scales are converted to floats once per row tile (weights) and per panel (activations); per 8
 * blocks the MR x NR x 8 products d_w * d_a are stored, and each (row, column, block pair) reads its two
 * as one 64-bit broadcast. The q4_1 / q5_1 term m_w * s_a (s = d_a * sum y) is
 * one FMA per 8 blocks into the same accumulator (lanes are blocks there; the final lane sum does not
 * care). */

enum { G_Q4_0, G_Q4_1, G_Q5_0, G_Q5_1, G_Q8_0 };

/* Blocks in dword-interleaved pairs (see above): AVX2 only. */
#define G32_PAIRS (!OK_USE_VNNI)

#if OK_YMM_REGS >= 32
#define G32_MR 4
#define G32_NR 4
#else
#define G32_MR 4
#define G32_NR 2
#endif

static OK_ALWAYS_INLINE size_t g32_wbytes(int t) {
    switch (t) {
    case G_Q4_0: return sizeof(block_q4_0);
    case G_Q4_1: return sizeof(block_q4_1);
    case G_Q5_0: return sizeof(block_q5_0);
    case G_Q5_1: return sizeof(block_q5_1);
    default: return sizeof(block_q8_0);
    }
}

/* q4_1 / q5_1 pair with q8_1 activations (d, s, qs); the others with q8_0 (d, qs). */
static OK_ALWAYS_INLINE int g32_has_min(int t) { return t == G_Q4_1 || t == G_Q5_1; }
static OK_ALWAYS_INLINE size_t g32_abytes(int t) { return g32_has_min(t) ? sizeof(block_q8_1) : sizeof(block_q8_0); }
static OK_ALWAYS_INLINE size_t g32_aqs(int t) { return g32_has_min(t) ? offsetof(block_q8_1, qs) : offsetof(block_q8_0, qs); }

static OK_ALWAYS_INLINE int g32_bias(int t) {
    switch (t) {
    case G_Q4_0: return 8;
    case G_Q5_0: return 16;
    case G_Q8_0: return OK_USE_VNNI ? 128 : 0; /* AVX2: signed, see above */
    default: return 0;
    }
}

/* The 32 levels of the weight block at p. */
static OK_ALWAYS_INLINE OK_TARGET __m256i g32_unpack(int t, const uint8_t *p) {
    switch (t) {
    case G_Q4_0: return nibbles32(p + offsetof(block_q4_0, qs));
    case G_Q4_1: return nibbles32(p + offsetof(block_q4_1, qs));
    case G_Q5_0:
        return _mm256_or_si256(nibbles32(p + offsetof(block_q5_0, qs)),
                               _mm256_and_si256(bits32_to_bytes(p + offsetof(block_q5_0, qh)), _mm256_set1_epi8(0x10)));
    case G_Q5_1:
        return _mm256_or_si256(nibbles32(p + offsetof(block_q5_1, qs)),
                               _mm256_and_si256(bits32_to_bytes(p + offsetof(block_q5_1, qh)), _mm256_set1_epi8(0x10)));
    default: {
        const __m256i q = load256(p + offsetof(block_q8_0, qs));
        return OK_USE_VNNI ? _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)) : q;
    }
    }
}

/* -bias * (sum of the 32 quants at y), the term that turns sum u*y into sum (u - bias)*y. */
static OK_ALWAYS_INLINE OK_TARGET int32_t g32_correction(int t, const int8_t *y) {
    const int bias = g32_bias(t);
    if (!bias) return 0;
    const __m256i s4 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), load256(y)), _mm256_set1_epi16(1));
    return -bias * hsum_epi32(s4);
}

/* Integer dot of one weight block (levels u) with one activation block (quants y), in 8 int32 lanes whose
 * sum is the block's dot; corr holds the block's bias correction in lane 0 (zero elsewhere). */
static OK_ALWAYS_INLINE OK_TARGET __m256i g32_pair(int t, __m256i u, __m256i y, __m256i corr) {
#if OK_USE_VNNI
    (void)t;
    return _mm256_dpbusd_epi32(corr, u, y);
#else
    if (t == G_Q8_0) return dot_s8s8(u, y);
    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
    return g32_bias(t) ? _mm256_add_epi32(p, corr) : p;
#endif
}

/* Integer dots of two interleaved block pairs (see g32_interleave): block j's in the even int32 lanes,
 * k's in the odd ones; corr holds j's correction in lane 0 and k's in lane 1. Without VNNI the two
 * VPMADDUBSW results are added as int16 before one VPMADDWD where that cannot overflow (levels <= 31:
 * |2 * (31 * 127 + 31 * 127)| < 32768), i.e. for every type but q8_0. */
static OK_ALWAYS_INLINE OK_TARGET __m256i g32_pair2(int t, __m256i ulo, __m256i uhi, __m256i ylo, __m256i yhi,
                                                    __m256i corr) {
#if OK_USE_VNNI
    (void)t;
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(corr, ulo, ylo), uhi, yhi);
#else
    if (t == G_Q8_0) return _mm256_add_epi32(dot_s8s8(ulo, ylo), dot_s8s8(uhi, yhi));
    const __m256i p16 = _mm256_add_epi16(_mm256_maddubs_epi16(ulo, ylo), _mm256_maddubs_epi16(uhi, yhi));
    const __m256i p = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
    return g32_bias(t) ? _mm256_add_epi32(p, corr) : p;
#endif
}

/* n (<= 8) fp16 fields `stride` bytes apart as floats; lanes n..7 are 0. The halves are gathered in two
 * 64-bit registers: small stores to a stack array followed by one 16-byte load would stall on store
 * forwarding. */
static OK_ALWAYS_INLINE OK_TARGET __m256 halves_n(const uint8_t *p, size_t stride, int n) {
    if (n == 8) return halves8(p, stride);
    uint64_t lo = 0, hi = 0;
    for (int k = 0; k < n; ++k) {
        uint16_t h;
        memcpy(&h, p + (size_t)k * stride, 2);
        if (k < 4) lo |= (uint64_t)h << (16 * k);
        else hi |= (uint64_t)h << (16 * (k - 4));
    }
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)hi, (long long)lo));
}

/* dst[j] = the fp16 field at p + j * stride as float for j < n; zero from n up to the next multiple of 8. */
static OK_ALWAYS_INLINE OK_TARGET void halves_to_f32(const uint8_t *p, size_t stride, int n, float *dst) {
    int j = 0;
    for (; j + 8 <= n; j += 8) _mm256_store_ps(dst + j, halves8(p + (size_t)j * stride, stride));
    if (j < n) _mm256_store_ps(dst + j, halves_n(p + (size_t)j * stride, stride, n - j));
}

/* One k-chunk (at most G32_KC blocks) in the forms the micro-kernel reads, rows 32-byte aligned:
 *   act scales: d of the panel's columns as floats, and s (q8_1) as floats or the integer bias correction
 *   (q8_0 against q4_0 / q5_0, and q8_0 with VNNI), converted once per panel and chunk;
 *   weight pack: the tile's rows unpacked to 32 levels per block (g32_unpack) and their d (and m for
 *   q4_1 / q5_1) as floats, once per row tile and panel, then read by every column tile of the panel.
 * Float rows are zero past the chunk's last block up to a multiple of 8 (see halves_to_f32). */
#define G32_KC 32
#define G32_NC 64
typedef struct {
    float d[G32_NC][G32_KC] __attribute__((aligned(32)));
    union {
        float s[G32_NC][G32_KC];
        int32_t corr[G32_NC][G32_KC];
    } __attribute__((aligned(32)));
} g32_act_scales;
typedef struct {
    uint8_t q[G32_MR][G32_KC][QK32] __attribute__((aligned(32)));
    float d[G32_MR][G32_KC] __attribute__((aligned(32)));
    float m[G32_MR][G32_KC] __attribute__((aligned(32)));
} g32_w_pack;

/* Two blocks j, k (32 bytes each) as two vectors whose dwords alternate between them:
 *   lo = j0 k0 j1 k1 | j4 k4 j5 k5     hi = j2 k2 j3 k3 | j6 k6 j7 k7     (dword i = bytes 4i..4i+3)
 * A dot product of two such layouts has block j's partial sums in the even int32 lanes and k's in the odd
 * ones, so one conversion and one FMA with the scale pair (d_j, d_k) broadcast as 64 bits serve both. */
static OK_ALWAYS_INLINE OK_TARGET void g32_interleave(__m256i j, __m256i k, __m256i *lo, __m256i *hi) {
    *lo = _mm256_unpacklo_epi32(j, k);
    *hi = _mm256_unpackhi_epi32(j, k);
}

/* Packs R rows (w, stride ws) of nb blocks for type t. */
static OK_ALWAYS_INLINE OK_TARGET void g32_pack(const int t, int R, int nb, const uint8_t *w, size_t ws, g32_w_pack *pk) {
    const size_t wb = g32_wbytes(t);
    for (int r = 0; r < R; ++r) {
        const uint8_t *wr = w + (size_t)r * ws;
        halves_to_f32(wr, wb, nb, pk->d[r]);
        if (g32_has_min(t)) halves_to_f32(wr + 2, wb, nb, pk->m[r]);
        /* with G32_PAIRS, block pairs (b, b+1) dword-interleaved (g32_interleave); other blocks as they are */
        int b = 0;
        for (; G32_PAIRS && b + 2 <= nb; b += 2) {
            __m256i lo, hi;
            g32_interleave(g32_unpack(t, wr + (size_t)b * wb), g32_unpack(t, wr + (size_t)(b + 1) * wb), &lo, &hi);
            _mm256_store_si256((__m256i *)pk->q[r][b], lo);
            _mm256_store_si256((__m256i *)pk->q[r][b + 1], hi);
        }
        for (; b < nb; ++b) _mm256_store_si256((__m256i *)pk->q[r][b], g32_unpack(t, wr + (size_t)b * wb));
    }
}

/* Blocks ib .. ib+n-1 (n <= 8, ib a multiple of 8 within the chunk) of an R x C tile. */
static OK_ALWAYS_INLINE OK_TARGET void g32_group(const int t, const int R, const int C, const int n, const int ib,
                                                 const g32_w_pack *pk, const uint8_t *a, size_t as,
                                                 const g32_act_scales *asc, int c_in_panel,
                                                 __m256 acc[G32_MR][G32_NR]) {
    const size_t ab = g32_abytes(t);
    /* dd[r][c][j] = d_w(row r, block ib+j) * d_a(column c, block ib+j) */
    float dd[G32_MR][G32_NR][8] __attribute__((aligned(32)));
    {
        __m256 da[G32_NR];
        for (int c = 0; c < C; ++c) da[c] = _mm256_load_ps(&asc->d[c_in_panel + c][ib]);
        for (int r = 0; r < R; ++r) {
            const __m256 dw = _mm256_load_ps(&pk->d[r][ib]);
            for (int c = 0; c < C; ++c) _mm256_store_ps(dd[r][c], _mm256_mul_ps(dw, da[c]));
        }
    }
    if (g32_has_min(t)) {
        /* m_w * s_a; lanes past n are zero in both */
        __m256 sa[G32_NR];
        for (int c = 0; c < C; ++c) sa[c] = _mm256_load_ps(&asc->s[c_in_panel + c][ib]);
        for (int r = 0; r < R; ++r) {
            const __m256 mw = _mm256_load_ps(&pk->m[r][ib]);
            for (int c = 0; c < C; ++c) acc[r][c] = _mm256_fmadd_ps(mw, sa[c], acc[r][c]);
        }
    }
    /* block pairs, interleaved as packed (g32_pack); the activations are interleaved the same way */
    int j = 0;
    for (; G32_PAIRS && j + 2 <= n; j += 2) {
        const size_t b = (size_t)(ib + j);
        __m256i ulo[G32_MR], uhi[G32_MR];
        for (int r = 0; r < R; ++r) {
            ulo[r] = _mm256_load_si256((const __m256i *)pk->q[r][b]);
            uhi[r] = _mm256_load_si256((const __m256i *)pk->q[r][b + 1]);
        }
        for (int c = 0; c < C; ++c) {
            const uint8_t *yb = a + (size_t)c * as + b * ab + g32_aqs(t);
            __m256i ylo, yhi;
            g32_interleave(load256(yb), load256(yb + ab), &ylo, &yhi);
            /* corrections of blocks b, b+1 in lanes 0, 1 */
            const __m256i corr = g32_bias(t) ? _mm256_zextsi128_si256(_mm_loadl_epi64((const __m128i *)&asc->corr[c_in_panel + c][b]))
                                             : _mm256_setzero_si256();
            for (int r = 0; r < R; ++r) {
                const __m256 p = _mm256_cvtepi32_ps(g32_pair2(t, ulo[r], uhi[r], ylo, yhi, corr));
                const __m256 d2 = _mm256_castpd_ps(_mm256_broadcast_sd((const double *)&dd[r][c][j]));
                acc[r][c] = _mm256_fmadd_ps(p, d2, acc[r][c]);
            }
        }
    }
    for (; j < n; ++j) {
        /* single blocks (a last odd block of the chunk when pairing), packed as they are */
        const size_t b = (size_t)(ib + j);
        __m256i u[G32_MR];
        for (int r = 0; r < R; ++r) u[r] = _mm256_load_si256((const __m256i *)pk->q[r][b]);
        for (int c = 0; c < C; ++c) {
            const __m256i y = load256(a + (size_t)c * as + b * ab + g32_aqs(t));
            const __m256i corr = _mm256_zextsi128_si256(_mm_cvtsi32_si128(g32_bias(t) ? asc->corr[c_in_panel + c][b] : 0));
            for (int r = 0; r < R; ++r) {
                const __m256 p = _mm256_cvtepi32_ps(g32_pair(t, u[r], y, corr));
                acc[r][c] = _mm256_fmadd_ps(p, _mm256_broadcast_ss(&dd[r][c][j]), acc[r][c]);
            }
        }
    }
}

/* Lane sums of four accumulators: lane i of the result is the sum of v[i]. */
static OK_ALWAYS_INLINE OK_TARGET __m128 hsum4_ps(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* out (R x C, column stride ld) = acc's lane sums, or += them when `add` (later k-chunks). */
#define OK_TILE_WRITE(acc, R, C, out, ld, add)                                                     \
    for (int c_ = 0; c_ < (C); ++c_) {                                                             \
        float *o_ = (out) + c_ * (ld);                                                             \
        if ((R) == 4) {                                                                            \
            __m128 s_ = hsum4_ps((acc)[0][c_], (acc)[(R) > 1][c_], (acc)[(R) > 2 ? 2 : 0][c_],     \
                                 (acc)[(R) > 3 ? 3 : 0][c_]);                                      \
            if (add) s_ = _mm_add_ps(s_, _mm_loadu_ps(o_));                                        \
            _mm_storeu_ps(o_, s_);                                                                 \
        } else {                                                                                   \
            for (int r_ = 0; r_ < (R); ++r_) o_[r_] = ((add) ? o_[r_] : 0.0f) + hsum_ps((acc)[r_][c_]); \
        }                                                                                          \
    }

/* An R x C tile over nb (<= G32_KC) blocks of a k-chunk. */
static OK_ALWAYS_INLINE OK_TARGET void g32_tile(const int t, const int R, const int C, int nb, const g32_w_pack *pk,
                                                const uint8_t *a, size_t as, const g32_act_scales *asc,
                                                int c_in_panel, float *out, int64_t ld, int add) {
    __m256 acc[G32_MR][G32_NR];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    int ib = 0;
    for (; ib + 8 <= nb; ib += 8) g32_group(t, R, C, 8, ib, pk, a, as, asc, c_in_panel, acc);
    if (ib < nb) g32_group(t, R, C, nb - ib, ib, pk, a, as, asc, c_in_panel, acc);
    OK_TILE_WRITE(acc, R, C, out, ld, add)
}

typedef void (*g32_tile_fn)(int R, int C, int nb, const g32_w_pack *pk, const uint8_t *a, size_t as,
                            const g32_act_scales *asc, int c_in_panel, float *out, int64_t ld, int add);

/* Loop nest of the 32-element types (see the top of this file), with k cut into chunks of G32_KC blocks
 * so that the buffers have a fixed size (about 21 KiB of stack); outputs of later chunks are added. */
static OK_ALWAYS_INLINE OK_TARGET void g32_drive(const int t, int64_t k, const void *w, size_t ws, int64_t rows,
                                                 const void *act, size_t as, int64_t cols, float *out, int64_t ld,
                                                 g32_tile_fn tile) {
    const uint8_t *wb = w, *ab = act;
    const size_t wbytes = g32_wbytes(t), abytes = g32_abytes(t);
    const int64_t nb = k / QK32;
    g32_act_scales asc;
    g32_w_pack pk;
    for (int64_t c0 = 0; c0 < cols; c0 += G32_NC) {
        const int nc = (int)g_min(G32_NC, cols - c0);
        for (int64_t k0 = 0; k0 < nb; k0 += G32_KC) {
            const int kn = (int)g_min(G32_KC, nb - k0);
            for (int c = 0; c < nc; ++c) {
                const uint8_t *ac = ab + (size_t)(c0 + c) * as + (size_t)k0 * abytes;
                halves_to_f32(ac, abytes, kn, asc.d[c]);
                if (g32_has_min(t)) halves_to_f32(ac + 2, abytes, kn, asc.s[c]);
                if (g32_bias(t))
                    for (int b = 0; b < kn; ++b)
                        asc.corr[c][b] = g32_correction(t, (const int8_t *)(ac + (size_t)b * abytes + g32_aqs(t)));
            }
            for (int64_t r0 = 0; r0 < rows; r0 += G32_MR) {
                const int R = (int)g_min(G32_MR, rows - r0);
                g32_pack(t, R, kn, wb + (size_t)r0 * ws + (size_t)k0 * wbytes, ws, &pk);
                for (int c = 0; c < nc; c += G32_NR) {
                    tile(R, (int)g_min(G32_NR, nc - c), kn, &pk, ab + (size_t)(c0 + c) * as + (size_t)k0 * abytes, as,
                         &asc, c, out + (c0 + c) * ld + r0, ld, k0 > 0);
                }
            }
        }
    }
}

#define OK_GEMM32(name, T)                                                                                    \
    static OK_TARGET void OK_FN(tile_##name)(int R, int C, int nb, const g32_w_pack *pk, const uint8_t *a,     \
                                             size_t as, const g32_act_scales *asc, int c_in_panel, float *out, \
                                             int64_t ld, int add) {                                           \
        const int t_ = (T);                                                                                   \
        OK_TILE_SWITCH(OK_GEMM32_BODY, G32_MR, G32_NR, R, C)                                                 \
    }                                                                                                         \
    void OK_TARGET OK_FN(ok_gemm_##name)(int64_t k, const void *w, size_t ws, int64_t rows, const void *act,   \
                                         size_t as, int64_t cols, float *out, int64_t ld) {                   \
        g32_drive(T, k, w, ws, rows, act, as, cols, out, ld, OK_FN(tile_##name));                            \
    }
#define OK_GEMM32_BODY(R, C) g32_tile(t_, R, C, nb, pk, a, as, asc, c_in_panel, out, ld, add)

OK_GEMM32(q4_0, G_Q4_0)
OK_GEMM32(q4_1, G_Q4_1)
OK_GEMM32(q5_0, G_Q5_0)
OK_GEMM32(q5_1, G_Q5_1)
OK_GEMM32(q8_0, G_Q8_0)

/* ---- K-quants: q4_K and q6_K against q8_K ----
 *
 * A 256-element super-block has one fp16 scale d (and dmin for q4_K) and small integer sub-scales. Per
 * (row, column) the sub-scaled integer sum of the super-block is accumulated in int32 lanes (sub-scale
 * applied by VPMADDWD, or VPDPWSSD with VNNI) and scaled in float once per super-block, as vec_dot does.
 * The tile keeps MR x NR int32 and MR x NR float accumulators; the float ones are touched once per
 * super-block, so when registers run short it is they that the compiler keeps in memory. */

#if OK_YMM_REGS >= 32
#define GK_MR 4
#define GK_NR 4
#else
#define GK_MR 3
#define GK_NR 3
#endif

/* sumi += (u8 levels q times s8 quants y, pairs summed to int16) times int16 lanes sc. */
static OK_ALWAYS_INLINE OK_TARGET __m256i gk_acc(__m256i sumi, __m256i q, __m256i y, __m256i sc) {
#if OK_USE_VNNI
    return _mm256_dpwssd_epi32(sumi, _mm256_maddubs_epi16(q, y), sc);
#else
    return _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), sc));
#endif
}

/* Packed k-chunk of a row tile (at most GK_KC super-blocks), in the form the micro-kernel reads:
 *   q:   the 256 levels of each super-block in element order (u8: q4_K 0..15, q6_K 0..63);
 *   sc:  per 32 elements, the int16 lanes VPMADDWD / VPDPWSSD multiply the pair sums with: the sub-block
 *        scale in all 16 lanes (q4_K), or the scales of its two 16-element groups in lanes 0..7 / 8..15 (q6_K);
 *   d:   the super-block scale d as float;
 *   mins (q4_K): dmin * mn[j] as floats, j = sub-block;
 *   neg32 (q6_K): -32 * scale[g] as int16, g = 16-element group (levels are value + 32). */
#define GK_KC 4
#define GK_NC 64
typedef struct {
    uint8_t q[GK_MR][GK_KC][QK_K] __attribute__((aligned(32)));
    int16_t sc[GK_MR][GK_KC][8][16] __attribute__((aligned(32)));
    float mins[GK_MR][GK_KC][8] __attribute__((aligned(32)));
    int16_t neg32[GK_MR][GK_KC][16] __attribute__((aligned(32)));
    float d[GK_MR][GK_KC];
} gk_w_pack;

enum { GK_Q4_K, GK_Q6_K };

static OK_ALWAYS_INLINE OK_TARGET void gk_pack_q4_K(const block_q4_K *x, gk_w_pack *pk, int r, int i) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    uint8_t sc[8], mn[8];
    k4_scales_mins(x->scales, sc, mn);
    for (int t = 0; t < 4; ++t) {
        /* qs[32t .. 32t+31]: low nibbles are sub-block 2t, high nibbles sub-block 2t+1 */
        const __m256i v = load256(x->qs + 32 * t);
        _mm256_store_si256((__m256i *)pk->q[r][i] + 2 * t, _mm256_and_si256(v, m4));
        _mm256_store_si256((__m256i *)pk->q[r][i] + 2 * t + 1, _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
    }
    for (int j = 0; j < 8; ++j) _mm256_store_si256((__m256i *)pk->sc[r][i][j], _mm256_set1_epi16(sc[j]));
    pk->d[r][i] = half(x->d);
    _mm256_store_ps(pk->mins[r][i], _mm256_mul_ps(_mm256_set1_ps(half(x->dmin)),
                                                  _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)mn)))));
}

/* q6_K levels u = low 4 bits (ql) | 2 high bits (qh) << 4, value u - 32, one int8 scale per 16 elements.
 * Elements 128h + 32m + l (h < 2, m < 4, l < 32) take ql[64h + l + 32(m & 1)] (low nibble for m < 2,
 * high for m >= 2) and bits 2m..2m+1 of qh[32h + l]. */
static OK_ALWAYS_INLINE OK_TARGET void gk_pack_q6_K(const block_q6_K *x, gk_w_pack *pk, int r, int i) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
        const __m256i l0 = load256(x->ql + 64 * h), l1 = load256(x->ql + 64 * h + 32), qh = load256(x->qh + 32 * h);
        const __m256i sc8 = scales8_i8(x->scales + 8 * h);
        for (int m = 0; m < 4; ++m) {
            const __m256i l = m & 1 ? l1 : l0;
            const __m256i lo = m < 2 ? _mm256_and_si256(l, m4) : _mm256_and_si256(_mm256_srli_epi16(l, 4), m4);
            const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * m), m3);
            _mm256_store_si256((__m256i *)pk->q[r][i] + 4 * h + m, _mm256_or_si256(lo, _mm256_slli_epi16(hb, 4)));
            _mm256_store_si256((__m256i *)pk->sc[r][i][4 * h + m], scale_pair(sc8, m));
        }
    }
    _mm256_store_si256((__m256i *)pk->neg32[r][i],
                       _mm256_mullo_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x->scales)),
                                          _mm256_set1_epi16(-32)));
    pk->d[r][i] = half(x->d);
}

/* An R x C tile over nb (<= GK_KC) super-blocks. Per super-block and (row, column): int32 lanes sumi
 * collect sc * (level . y) over the 8 runs of 32 elements (plus, q6_K, -32 * sum_g scale[g] * bsums[g]),
 * then acc += d_w * d_y * sumi; q4_K also subtracts its min term, the row's 8 floats dmin * mn[j] times the
 * column's 8 floats d_y * (sum of y over sub-block j, from the per-16 bsums): one FMA. */
static OK_ALWAYS_INLINE OK_TARGET void gk_tile(const int t, const int R, const int C, int nb, const gk_w_pack *pk,
                                               const uint8_t *a, size_t as, float *out, int64_t ld, int add) {
    __m256 acc[GK_MR][GK_NR];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    for (int i = 0; i < nb; ++i) {
        const block_q8_K *y[GK_NR];
        for (int c = 0; c < C; ++c) y[c] = (const block_q8_K *)(a + (size_t)c * as) + i;
        __m256i sumi[GK_MR][GK_NR];
        if (t == GK_Q6_K) {
            for (int c = 0; c < C; ++c) {
                const __m256i bs = load256(y[c]->bsums);
                for (int r = 0; r < R; ++r)
                    sumi[r][c] = _mm256_madd_epi16(_mm256_load_si256((const __m256i *)pk->neg32[r][i]), bs);
            }
        } else {
            for (int r = 0; r < R; ++r)
                for (int c = 0; c < C; ++c) sumi[r][c] = _mm256_setzero_si256();
        }
        for (int j = 0; j < 8; ++j) {
            __m256i q[GK_MR], sc[GK_MR];
            for (int r = 0; r < R; ++r) {
                q[r] = _mm256_load_si256((const __m256i *)pk->q[r][i] + j);
                sc[r] = _mm256_load_si256((const __m256i *)pk->sc[r][i][j]);
            }
            for (int c = 0; c < C; ++c) {
                const __m256i yv = load256(y[c]->qs + 32 * j);
                for (int r = 0; r < R; ++r) sumi[r][c] = gk_acc(sumi[r][c], q[r], yv, sc[r]);
            }
        }
        for (int c = 0; c < C; ++c) {
            const __m256 dy = _mm256_set1_ps(y[c]->d);
            __m256 ysum = _mm256_setzero_ps();
            if (t == GK_Q4_K) {
                /* per-32 sums of y: bsums[2j] + bsums[2j+1], times d_y */
                const __m128i bsp = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)y[c]->bsums),
                                                   _mm_loadu_si128((const __m128i *)(y[c]->bsums + 8)));
                ysum = _mm256_mul_ps(dy, _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(bsp)));
            }
            for (int r = 0; r < R; ++r) {
                const __m256 dd = _mm256_mul_ps(_mm256_broadcast_ss(&pk->d[r][i]), dy);
                acc[r][c] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(sumi[r][c]), acc[r][c]);
                if (t == GK_Q4_K) acc[r][c] = _mm256_fnmadd_ps(_mm256_load_ps(pk->mins[r][i]), ysum, acc[r][c]);
            }
        }
    }
    OK_TILE_WRITE(acc, R, C, out, ld, add)
}

typedef void (*gk_tile_fn)(int R, int C, int nb, const gk_w_pack *pk, const uint8_t *a, size_t as, float *out,
                           int64_t ld, int add);

/* Loop nest of the K-quants (see the top of this file), k in chunks of GK_KC super-blocks. */
static OK_ALWAYS_INLINE OK_TARGET void gk_drive(const int t, int64_t k, const void *w, size_t ws, int64_t rows,
                                                const void *act, size_t as, int64_t cols, float *out, int64_t ld,
                                                gk_tile_fn tile) {
    const uint8_t *wb = w, *ab = act;
    const size_t wbytes = t == GK_Q4_K ? sizeof(block_q4_K) : sizeof(block_q6_K);
    const int64_t nb = k / QK_K;
    gk_w_pack pk;
    for (int64_t c0 = 0; c0 < cols; c0 += GK_NC) {
        const int nc = (int)g_min(GK_NC, cols - c0);
        for (int64_t k0 = 0; k0 < nb; k0 += GK_KC) {
            const int kn = (int)g_min(GK_KC, nb - k0);
            for (int64_t r0 = 0; r0 < rows; r0 += GK_MR) {
                const int R = (int)g_min(GK_MR, rows - r0);
                for (int r = 0; r < R; ++r) {
                    const uint8_t *wr = wb + (size_t)(r0 + r) * ws + (size_t)k0 * wbytes;
                    for (int i = 0; i < kn; ++i) {
                        if (t == GK_Q4_K) gk_pack_q4_K((const block_q4_K *)wr + i, &pk, r, i);
                        else gk_pack_q6_K((const block_q6_K *)wr + i, &pk, r, i);
                    }
                }
                for (int c = 0; c < nc; c += GK_NR) {
                    tile(R, (int)g_min(GK_NR, nc - c), kn, &pk, ab + (size_t)(c0 + c) * as + (size_t)k0 * sizeof(block_q8_K),
                         as, out + (c0 + c) * ld + r0, ld, k0 > 0);
                }
            }
        }
    }
}

#define OK_GEMMK(name, T)                                                                                     \
    static OK_TARGET void OK_FN(tile_##name)(int R, int C, int nb, const gk_w_pack *pk, const uint8_t *a,      \
                                             size_t as, float *out, int64_t ld, int add) {                    \
        const int t_ = (T);                                                                                   \
        OK_TILE_SWITCH(OK_GEMMK_BODY, GK_MR, GK_NR, R, C)                                                    \
    }                                                                                                         \
    void OK_TARGET OK_FN(ok_gemm_##name)(int64_t k, const void *w, size_t ws, int64_t rows, const void *act,   \
                                         size_t as, int64_t cols, float *out, int64_t ld) {                   \
        gk_drive(T, k, w, ws, rows, act, as, cols, out, ld, OK_FN(tile_##name));                             \
    }
#define OK_GEMMK_BODY(R, C) gk_tile(t_, R, C, nb, pk, a, as, out, ld, add)

OK_GEMMK(q4_K, GK_Q4_K)
OK_GEMMK(q6_K, GK_Q6_K)
