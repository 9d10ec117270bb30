/* AArch64 NEON path. Uses SDOT when the compiler targets it (__ARM_FEATURE_DOTPROD), otherwise widening
 * multiplies with pairwise accumulation, so the file runs on every ARMv8-A core. q2_K, q3_K and q5_K
 * use the generic twins for now (the reference models do not use them). */
#include "internal.h"

#if OK_HAVE_NEON_KERNELS
#include <arm_neon.h>

/* acc + per-lane sums of four int8 products. */
static inline int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
    return vdotq_s32(acc, a, b);
#else
    const int16x8_t p0 = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    const int16x8_t p1 = vmull_high_s8(a, b);
    return vpadalq_s16(vpadalq_s16(acc, p0), p1);
#endif
}

static inline float half(ok_half h) { return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0); }

/* Byte e of the result is 0x10 where bit e of the 16-bit word `bits` is set, else 0. */
static inline uint8x16_t bits16_to_0x10(uint32_t bits) {
    static const uint8_t sel[8] = {1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x8_t m = vld1_u8(sel);
    const uint8x16_t t = vcombine_u8(vtst_u8(vdup_n_u8((uint8_t)(bits & 0xFF)), m),
                                     vtst_u8(vdup_n_u8((uint8_t)(bits >> 8)), m));
    return vandq_u8(t, vdupq_n_u8(0x10));
}

float ok_vec_dot_q4_0_neon(int64_t n, const void *w, const void *act) {
    const block_q4_0 *x = w;
    const block_q8_0 *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t s8 = vdupq_n_s8(8);
    for (int64_t i = 0; i < n / QK32; ++i) {
        const uint8x16_t qs = vld1q_u8(x[i].qs);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(qs, m4)), s8);
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(qs, 4)), s8);
        const int32x4_t p = dot16(dot16(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half(x[i].d) * half(y[i].d));
    }
    return vaddvq_f32(acc);
}

float ok_vec_dot_q4_1_neon(int64_t n, const void *w, const void *act) {
    const block_q4_1 *x = w;
    const block_q8_1 *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    float summs = 0;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    for (int64_t i = 0; i < n / QK32; ++i) {
        summs += half(x[i].m) * half(y[i].s);
        const uint8x16_t qs = vld1q_u8(x[i].qs);
        const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(qs, m4));
        const int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(qs, 4));
        const int32x4_t p = dot16(dot16(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half(x[i].d) * half(y[i].d));
    }
    return vaddvq_f32(acc) + summs;
}

float ok_vec_dot_q5_0_neon(int64_t n, const void *w, const void *act) {
    const block_q5_0 *x = w;
    const block_q8_0 *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t s16 = vdupq_n_s8(16);
    for (int64_t i = 0; i < n / QK32; ++i) {
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        const uint8x16_t qs = vld1q_u8(x[i].qs);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(qs, m4), bits16_to_0x10(qh))), s16);
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(qs, 4), bits16_to_0x10(qh >> 16))), s16);
        const int32x4_t p = dot16(dot16(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half(x[i].d) * half(y[i].d));
    }
    return vaddvq_f32(acc);
}

float ok_vec_dot_q5_1_neon(int64_t n, const void *w, const void *act) {
    const block_q5_1 *x = w;
    const block_q8_1 *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    float summs = 0;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    for (int64_t i = 0; i < n / QK32; ++i) {
        summs += half(x[i].m) * half(y[i].s);
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        const uint8x16_t qs = vld1q_u8(x[i].qs);
        const int8x16_t lo = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(qs, m4), bits16_to_0x10(qh)));
        const int8x16_t hi = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(qs, 4), bits16_to_0x10(qh >> 16)));
        const int32x4_t p = dot16(dot16(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs)), hi, vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half(x[i].d) * half(y[i].d));
    }
    return vaddvq_f32(acc) + summs;
}

float ok_vec_dot_q8_0_neon(int64_t n, const void *w, const void *act) {
    const block_q8_0 *x = w;
    const block_q8_0 *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    for (int64_t i = 0; i < n / QK32; ++i) {
        const int32x4_t p = dot16(dot16(vdupq_n_s32(0), vld1q_s8(x[i].qs), vld1q_s8(y[i].qs)),
                                  vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16));
        acc = vfmaq_n_f32(acc, vcvtq_f32_s32(p), half(x[i].d) * half(y[i].d));
    }
    return vaddvq_f32(acc);
}

float ok_vec_dot_q2_K_neon(int64_t n, const void *w, const void *act) { return ok_vec_dot_q2_K_generic(n, w, act); }
float ok_vec_dot_q3_K_neon(int64_t n, const void *w, const void *act) { return ok_vec_dot_q3_K_generic(n, w, act); }
float ok_vec_dot_q5_K_neon(int64_t n, const void *w, const void *act) { return ok_vec_dot_q5_K_generic(n, w, act); }

float ok_vec_dot_q4_K_neon(int64_t n, const void *w, const void *act) {
    const block_q4_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int32_t sumi = 0, summ = 0;
        for (int j = 0; j < 4; ++j) {
            uint8_t sc0, m0, sc1, m1;
            ok_scale_min_k4(2 * j, x[i].scales, &sc0, &m0);
            ok_scale_min_k4(2 * j + 1, x[i].scales, &sc1, &m1);
            summ += m0 * (y[i].bsums[4 * j] + y[i].bsums[4 * j + 1]) + m1 * (y[i].bsums[4 * j + 2] + y[i].bsums[4 * j + 3]);
            const uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * j), q1 = vld1q_u8(x[i].qs + 32 * j + 16);
            const int8_t *q8 = y[i].qs + 64 * j;
            int32x4_t lo = dot16(vdupq_n_s32(0), vreinterpretq_s8_u8(vandq_u8(q0, m4)), vld1q_s8(q8));
            lo = dot16(lo, vreinterpretq_s8_u8(vandq_u8(q1, m4)), vld1q_s8(q8 + 16));
            int32x4_t hi = dot16(vdupq_n_s32(0), vreinterpretq_s8_u8(vshrq_n_u8(q0, 4)), vld1q_s8(q8 + 32));
            hi = dot16(hi, vreinterpretq_s8_u8(vshrq_n_u8(q1, 4)), vld1q_s8(q8 + 48));
            sumi += sc0 * vaddvq_s32(lo) + sc1 * vaddvq_s32(hi);
        }
        sumf += y[i].d * half(x[i].d) * (float)sumi - y[i].d * half(x[i].dmin) * (float)summ;
    }
    return sumf;
}

float ok_vec_dot_q6_K_neon(int64_t n, const void *w, const void *act) {
    const block_q6_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3);
    const int8x16_t s32 = vdupq_n_s8(32);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int32_t sumi = 0;
        for (int k = 0; k < 2; ++k) {
            const uint8_t *ql = x[i].ql + 64 * k, *qh = x[i].qh + 32 * k;
            const int8_t *q8 = y[i].qs + 128 * k;
            const int8_t *sc = x[i].scales + 8 * k;
            for (int h = 0; h < 2; ++h) { /* 16 bytes of each 32-byte row at a time: groups 2m + h */
                const uint8x16_t l0 = vld1q_u8(ql + 16 * h), l1 = vld1q_u8(ql + 32 + 16 * h);
                const uint8x16_t hb = vld1q_u8(qh + 16 * h);
                const int8x16_t q[4] = {
                    vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(l0, m4), vshlq_n_u8(vandq_u8(hb, m3), 4))), s32),
                    vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vandq_u8(l1, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), m3), 4))), s32),
                    vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), m3), 4))), s32),
                    vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4))), s32),
                };
                for (int m = 0; m < 4; ++m) {
                    const int32x4_t p = dot16(vdupq_n_s32(0), q[m], vld1q_s8(q8 + 32 * m + 16 * h));
                    sumi += sc[2 * m + h] * vaddvq_s32(p);
                }
            }
        }
        sumf += half(x[i].d) * y[i].d * (float)sumi;
    }
    return sumf;
}

float ok_dot_f16_f32_neon(const uint16_t *h, const float *x, int64_t n) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h + i));
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(v)), vld1q_f32(x + i));
        a1 = vfmaq_f32(a1, vcvt_high_f32_f16(v), vld1q_f32(x + i + 4));
    }
    float s = vaddvq_f32(vaddq_f32(a0, a1));
    for (; i < n; ++i) s += ok_fp16_to_fp32(h[i]) * x[i];
    return s;
}

int64_t ok_argmax_f32_neon(const float *x, int64_t n) { return ok_argmax_f32_generic(x, n); }

float ok_softmax_numerators_neon(float *scores, int64_t n, float max) {
    return ok_softmax_numerators_generic(scores, n, max);
}

void ok_axpy_f16_neon(int64_t n, float a, const uint16_t *h, float *y) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t v = vreinterpretq_f16_u16(vld1q_u16(h + i));
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vcvt_f32_f16(vget_low_f16(v)), a));
        vst1q_f32(y + i + 4, vfmaq_n_f32(vld1q_f32(y + i + 4), vcvt_high_f32_f16(v), a));
    }
    for (; i < n; ++i) y[i] += a * ok_fp16_to_fp32(h[i]);
}

float ok_dot_f32_neon(const float *a, const float *b, int64_t n) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vfmaq_f32(a0, vld1q_f32(a + i), vld1q_f32(b + i));
        a1 = vfmaq_f32(a1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(a + i), vld1q_f32(b + i));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

float ok_vec_dot_f32_neon(int64_t n, const void *w, const void *act) { return ok_dot_f32_neon(w, act, n); }

float ok_vec_dot_f16_neon(int64_t n, const void *w, const void *act) {
    const uint16_t *x = w, *y = act;
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t xv = vreinterpretq_f16_u16(vld1q_u16(x + i)), yv = vreinterpretq_f16_u16(vld1q_u16(y + i));
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(xv)), vcvt_f32_f16(vget_low_f16(yv)));
        a1 = vfmaq_f32(a1, vcvt_high_f32_f16(xv), vcvt_high_f32_f16(yv));
    }
    float s = vaddvq_f32(vaddq_f32(a0, a1));
    for (; i < n; ++i) s += ok_fp16_to_fp32(x[i]) * ok_fp16_to_fp32(y[i]);
    return s;
}

float ok_vec_dot_bf16_neon(int64_t n, const void *w, const void *act) {
    const uint16_t *x = w, *y = act;
    float32x4_t acc = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t xv = vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(x + i), 16));
        const float32x4_t yv = vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(y + i), 16));
        acc = vfmaq_f32(acc, xv, yv);
    }
    float s = vaddvq_f32(acc);
    for (; i < n; ++i) s += ok_bf16_to_fp32(x[i]) * ok_bf16_to_fp32(y[i]);
    return s;
}

void ok_axpy_f32_neon(int64_t n, float a, const float *x, float *y) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; ++i) y[i] += a * x[i];
}

void ok_scale_f32_neon(int64_t n, float a, float *y) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_n_f32(vld1q_f32(y + i), a));
    for (; i < n; ++i) y[i] *= a;
}

void ok_f32_to_f16_neon(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
    for (; i < n; ++i) y[i] = ok_fp32_to_fp16(x[i]);
}

void ok_f16_to_f32_neon(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(x + i))));
    for (; i < n; ++i) y[i] = ok_fp16_to_fp32(x[i]);
}
#endif
