/* Activation quantizers of the x86 paths (part of the shared x86 body, included by x86_body.h): q8_0, q8_1
 * and q8_K rows, the formats every matmul first converts its input to. Each writes the same bytes as the
 * reference quantizer (quants_ref.c / kquants_ref.c) as compiled for x86: the same float operations per
 * element (one multiply, then roundf or nearest_int's magic-number rounding), the scale from the same
 * scalar code, the quant as the low byte of the int32 conversion (what the reference's float -> int8 cast
 * does on x86, also for the infinities a denormal block scale produces), and sums of those bytes. */

static OK_ALWAYS_INLINE OK_TARGET __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

static OK_ALWAYS_INLINE OK_TARGET float hmax_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* C's roundf (halves away from zero) of 8 floats of magnitude below 2^23, as int32: truncate, then step
 * one away from zero where the dropped fraction (exact) is at least one half. */
static OK_ALWAYS_INLINE OK_TARGET __m256i roundf_epi32(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 half_up = _mm256_cmp_ps(abs_ps(_mm256_sub_ps(v, t)), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 step = _mm256_or_ps(_mm256_and_ps(v, _mm256_set1_ps(-0.0f)), _mm256_set1_ps(1.0f)); /* +-1 */
    return _mm256_cvttps_epi32(_mm256_add_ps(t, _mm256_and_ps(half_up, step)));
}

/* The low bytes of 32 int32 (four vectors, element order), in element order. Masked to 0..255, the
 * unsigned-saturating packs keep them unchanged; they work per 128-bit lane, leaving dwords in the order
 * 0 4 1 5 2 6 3 7, which the permute undoes. */
static OK_ALWAYS_INLINE OK_TARGET __m256i pack32_low_bytes(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i ff = _mm256_set1_epi32(0xFF);
    const __m256i p = _mm256_packus_epi16(_mm256_packus_epi32(_mm256_and_si256(i0, ff), _mm256_and_si256(i1, ff)),
                                          _mm256_packus_epi32(_mm256_and_si256(i2, ff), _mm256_and_si256(i3, ff)));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Sums of each 4 consecutive int8 of q, as 8 int32 lanes. */
static OK_ALWAYS_INLINE OK_TARGET __m256i sum4_epi8(__m256i q) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1));
}

/* One 32-element block: d = absmax / 127 (returned), quants roundf(x * id) with id = 1 / d, and their sum. */
static OK_ALWAYS_INLINE OK_TARGET float quant_block32(const float *x, int8_t *qs, int *sum) {
    const __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
                 v3 = _mm256_loadu_ps(x + 24);
    const float amax = hmax_ps(_mm256_max_ps(_mm256_max_ps(abs_ps(v0), abs_ps(v1)), _mm256_max_ps(abs_ps(v2), abs_ps(v3))));
    const float d = amax / 127;
    const float id = d ? 1.0f / d : 0.0f;
    const __m256 m = _mm256_set1_ps(id);
    const __m256i i0 = roundf_epi32(_mm256_mul_ps(v0, m)), i1 = roundf_epi32(_mm256_mul_ps(v1, m)),
                  i2 = roundf_epi32(_mm256_mul_ps(v2, m)), i3 = roundf_epi32(_mm256_mul_ps(v3, m));
    const __m256i q = pack32_low_bytes(i0, i1, i2, i3);
    _mm256_storeu_si256((__m256i *)qs, q);
    if (sum) *sum = hsum_epi32(sum4_epi8(q));
    return d;
}

void OK_TARGET OK_FN(ok_quantize_q8_0)(const float *x, void *out, int64_t n) {
    block_q8_0 *y = out;
    for (int64_t i = 0; i < n / QK32; ++i) y[i].d = ok_fp32_to_fp16(quant_block32(x + i * QK32, y[i].qs, NULL));
}

void OK_TARGET OK_FN(ok_quantize_q8_1)(const float *x, void *out, int64_t n) {
    block_q8_1 *y = out;
    for (int64_t i = 0; i < n / QK32; ++i) {
        int sum;
        const float d = quant_block32(x + i * QK32, y[i].qs, &sum);
        y[i].d = ok_fp32_to_fp16(d);
        y[i].s = ok_fp32_to_fp16((float)sum * d);
    }
}

/* The reference's nearest_int of 8 floats: the low mantissa bits of f + 1.5 * 2^23, re-centred (rounds to
 * nearest even for |f| < 2^22; beyond that, and for infinities and NaN, the same bits as the reference). */
static OK_ALWAYS_INLINE OK_TARGET __m256i nearest_int_epi32(__m256 f) {
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(f, _mm256_set1_ps(12582912.f)));
    return _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
}

/* q8_K: the scale comes from the first element of largest magnitude, with its sign (iscale = -127 / max);
 * quants are nearest_int(iscale * x) capped at 127; bsums are the sums of each 16 quants. */
void OK_TARGET OK_FN(ok_quantize_q8_K)(const float *x, void *out, int64_t n) {
    block_q8_K *y = out;
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
        __m256 vmax = _mm256_setzero_ps();
        for (int k = 0; k < QK_K / 8; ++k) vmax = _mm256_max_ps(vmax, abs_ps(_mm256_loadu_ps(x + 8 * k)));
        const float amax = hmax_ps(vmax);
        if (!amax) {
            memset(&y[i], 0, sizeof y[i]);
            continue;
        }
        float max = 0;
        const __m256 target = _mm256_set1_ps(amax);
        for (int k = 0; k < QK_K / 8; ++k) {
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + 8 * k)), target, _CMP_EQ_OQ));
            if (hit) {
                max = x[8 * k + __builtin_ctz((unsigned)hit)];
                break;
            }
        }
        const float iscale = -127.f / max;
        const __m256 m = _mm256_set1_ps(iscale);
        const __m256i cap = _mm256_set1_epi32(127);
        for (int g = 0; g < QK_K / 32; ++g) {
            __m256i q[4];
            for (int k = 0; k < 4; ++k)
                q[k] = _mm256_min_epi32(cap, nearest_int_epi32(_mm256_mul_ps(m, _mm256_loadu_ps(x + 32 * g + 8 * k))));
            const __m256i qb = pack32_low_bytes(q[0], q[1], q[2], q[3]);
            _mm256_storeu_si256((__m256i *)(y[i].qs + 32 * g), qb);
            /* lanes 0..3 sum bytes 0..15, lanes 4..7 bytes 16..31 */
            const __m256i s4 = sum4_epi8(qb);
            __m128i s = _mm_hadd_epi32(_mm256_castsi256_si128(s4), _mm256_extracti128_si256(s4, 1));
            s = _mm_hadd_epi32(s, s);
            y[i].bsums[2 * g] = (int16_t)_mm_cvtsi128_si32(s);
            y[i].bsums[2 * g + 1] = (int16_t)_mm_extract_epi32(s, 1);
        }
        y[i].d = 1 / iscale;
    }
}
