/* Portable twins of every SIMD kernel. Integer parts are exact; each block (or super-block) is scaled
 * in float as ggml's generic kernels do, so these are the yardstick the SIMD paths are tested against. */

#include "internal.h"

#include <math.h>

static inline int32_t dot_i8(const int8_t *a, const int8_t *b, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; ++i) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

/* ---- 32-element blocks ---- */

float ok_vec_dot_q4_0_generic(int64_t n, const void *w, const void *act) {
    const block_q4_0 *x = w;
    const block_q8_0 *y = act;
    float sumf = 0;
    for (int64_t ib = 0; ib < n / QK32; ++ib) {
        int32_t sumi = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            sumi += ((x[ib].qs[j] & 0x0F) - 8) * y[ib].qs[j];
            sumi += ((x[ib].qs[j] >> 4) - 8) * y[ib].qs[j + QK32 / 2];
        }
        sumf += (float)sumi * ok_fp16_to_fp32(x[ib].d) * ok_fp16_to_fp32(y[ib].d);
    }
    return sumf;
}

float ok_vec_dot_q4_1_generic(int64_t n, const void *w, const void *act) {
    const block_q4_1 *x = w;
    const block_q8_1 *y = act;
    float sumf = 0;
    for (int64_t ib = 0; ib < n / QK32; ++ib) {
        int32_t sumi = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            sumi += (x[ib].qs[j] & 0x0F) * y[ib].qs[j];
            sumi += (x[ib].qs[j] >> 4) * y[ib].qs[j + QK32 / 2];
        }
        sumf += (ok_fp16_to_fp32(x[ib].d) * ok_fp16_to_fp32(y[ib].d)) * (float)sumi +
                ok_fp16_to_fp32(x[ib].m) * ok_fp16_to_fp32(y[ib].s);
    }
    return sumf;
}

float ok_vec_dot_q5_0_generic(int64_t n, const void *w, const void *act) {
    const block_q5_0 *x = w;
    const block_q8_0 *y = act;
    float sumf = 0;
    for (int64_t ib = 0; ib < n / QK32; ++ib) {
        uint32_t qh;
        memcpy(&qh, x[ib].qh, 4);
        int32_t sumi = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            const int h0 = (int)((qh >> j) << 4) & 0x10;
            const int h1 = (int)(qh >> (j + 12)) & 0x10;
            sumi += (((x[ib].qs[j] & 0x0F) | h0) - 16) * y[ib].qs[j];
            sumi += (((x[ib].qs[j] >> 4) | h1) - 16) * y[ib].qs[j + QK32 / 2];
        }
        sumf += (ok_fp16_to_fp32(x[ib].d) * ok_fp16_to_fp32(y[ib].d)) * (float)sumi;
    }
    return sumf;
}

float ok_vec_dot_q5_1_generic(int64_t n, const void *w, const void *act) {
    const block_q5_1 *x = w;
    const block_q8_1 *y = act;
    float sumf = 0;
    for (int64_t ib = 0; ib < n / QK32; ++ib) {
        uint32_t qh;
        memcpy(&qh, x[ib].qh, 4);
        int32_t sumi = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            const int h0 = (int)((qh >> j) << 4) & 0x10;
            const int h1 = (int)(qh >> (j + 12)) & 0x10;
            sumi += ((x[ib].qs[j] & 0x0F) | h0) * y[ib].qs[j];
            sumi += ((x[ib].qs[j] >> 4) | h1) * y[ib].qs[j + QK32 / 2];
        }
        sumf += (ok_fp16_to_fp32(x[ib].d) * ok_fp16_to_fp32(y[ib].d)) * (float)sumi +
                ok_fp16_to_fp32(x[ib].m) * ok_fp16_to_fp32(y[ib].s);
    }
    return sumf;
}

float ok_vec_dot_q8_0_generic(int64_t n, const void *w, const void *act) {
    const block_q8_0 *x = w;
    const block_q8_0 *y = act;
    float sumf = 0;
    for (int64_t ib = 0; ib < n / QK32; ++ib) {
        const int32_t sumi = dot_i8(x[ib].qs, y[ib].qs, QK32);
        sumf += (float)sumi * (ok_fp16_to_fp32(x[ib].d) * ok_fp16_to_fp32(y[ib].d));
    }
    return sumf;
}

/* ---- K-quants: unpack a super-block to signed levels, then exact integer sums per sub-block ---- */

float ok_vec_dot_q2_K_generic(int64_t n, const void *w, const void *act) {
    const block_q2_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t q[QK_K];
        for (int k = 0; k < 2; ++k)
            for (int s = 0; s < 4; ++s)
                for (int l = 0; l < 32; ++l) q[128 * k + 32 * s + l] = (int8_t)((x[i].qs[32 * k + l] >> (2 * s)) & 3);
        int32_t isum = 0, summs = 0;
        for (int g = 0; g < 16; ++g) {
            isum += (x[i].scales[g] & 0xF) * dot_i8(q + 16 * g, y[i].qs + 16 * g, 16);
            summs += (x[i].scales[g] >> 4) * y[i].bsums[g];
        }
        const float dall = y[i].d * ok_fp16_to_fp32(x[i].d);
        const float dmin = y[i].d * ok_fp16_to_fp32(x[i].dmin);
        sumf += dall * (float)isum - dmin * (float)summs;
    }
    return sumf;
}

float ok_vec_dot_q3_K_generic(int64_t n, const void *w, const void *act) {
    const block_q3_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t q[QK_K], sc[16];
        for (int k = 0; k < 2; ++k)
            for (int s = 0; s < 4; ++s)
                for (int l = 0; l < 32; ++l) {
                    const int e = 128 * k + 32 * s + l;
                    const int hi = (x[i].hmask[l] >> (4 * k + s)) & 1;
                    q[e] = (int8_t)(((x[i].qs[32 * k + l] >> (2 * s)) & 3) - (hi ? 0 : 4));
                }
        ok_q3k_scales(x[i].scales, sc);
        int32_t isum = 0;
        for (int g = 0; g < 16; ++g) isum += sc[g] * dot_i8(q + 16 * g, y[i].qs + 16 * g, 16);
        sumf += ok_fp16_to_fp32(x[i].d) * y[i].d * (float)isum;
    }
    return sumf;
}

static void unpack_q4_K(const block_q4_K *b, int8_t *q) {
    for (int j = 0; j < 4; ++j)
        for (int l = 0; l < 32; ++l) {
            q[64 * j + l] = (int8_t)(b->qs[32 * j + l] & 0xF);
            q[64 * j + 32 + l] = (int8_t)(b->qs[32 * j + l] >> 4);
        }
}

static void unpack_q5_K(const block_q5_K *b, int8_t *q) {
    for (int j = 0; j < 4; ++j)
        for (int l = 0; l < 32; ++l) {
            const int h = b->qh[l];
            q[64 * j + l] = (int8_t)((b->qs[32 * j + l] & 0xF) | (((h >> (2 * j)) & 1) << 4));
            q[64 * j + 32 + l] = (int8_t)((b->qs[32 * j + l] >> 4) | (((h >> (2 * j + 1)) & 1) << 4));
        }
}

/* Shared tail of q4_K and q5_K: 8 sub-blocks of 32 with 6-bit scales and mins. */
static float kx_superblock(const int8_t *q, const uint8_t *scales, ok_half d16, ok_half dmin16, const block_q8_K *y) {
    int32_t sumi = 0, summ = 0;
    for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        ok_scale_min_k4(j, scales, &sc, &m);
        sumi += sc * dot_i8(q + 32 * j, y->qs + 32 * j, 32);
        summ += m * (y->bsums[2 * j] + y->bsums[2 * j + 1]);
    }
    const float d = y->d * ok_fp16_to_fp32(d16);
    const float dmin = y->d * ok_fp16_to_fp32(dmin16);
    return d * (float)sumi - dmin * (float)summ;
}

float ok_vec_dot_q4_K_generic(int64_t n, const void *w, const void *act) {
    const block_q4_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t q[QK_K];
        unpack_q4_K(&x[i], q);
        sumf += kx_superblock(q, x[i].scales, x[i].d, x[i].dmin, &y[i]);
    }
    return sumf;
}

float ok_vec_dot_q5_K_generic(int64_t n, const void *w, const void *act) {
    const block_q5_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t q[QK_K];
        unpack_q5_K(&x[i], q);
        sumf += kx_superblock(q, x[i].scales, x[i].d, x[i].dmin, &y[i]);
    }
    return sumf;
}

float ok_vec_dot_q6_K_generic(int64_t n, const void *w, const void *act) {
    const block_q6_K *x = w;
    const block_q8_K *y = act;
    float sumf = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t q[QK_K];
        for (int k = 0; k < 2; ++k) {
            const uint8_t *ql = x[i].ql + 64 * k, *qh = x[i].qh + 32 * k;
            int8_t *o = q + 128 * k;
            for (int l = 0; l < 32; ++l) {
                o[l] = (int8_t)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
                o[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                o[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                o[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
            }
        }
        int32_t isum = 0;
        for (int g = 0; g < 16; ++g) isum += x[i].scales[g] * dot_i8(q + 16 * g, y[i].qs + 16 * g, 16);
        sumf += ok_fp16_to_fp32(x[i].d) * y[i].d * (float)isum;
    }
    return sumf;
}

/* ---- float types (double accumulation, like ggml's ggml_float) ---- */

float ok_vec_dot_f16_generic(int64_t n, const void *w, const void *act) {
    const ok_half *x = w, *y = act;
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (double)(ok_fp16_to_fp32(x[i]) * ok_fp16_to_fp32(y[i]));
    return (float)s;
}

float ok_vec_dot_bf16_generic(int64_t n, const void *w, const void *act) {
    const uint16_t *x = w, *y = act;
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (double)(ok_bf16_to_fp32(x[i]) * ok_bf16_to_fp32(y[i]));
    return (float)s;
}

float ok_dot_f32_generic(const float *a, const float *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (double)(a[i] * b[i]);
    return (float)s;
}

float ok_vec_dot_f32_generic(int64_t n, const void *w, const void *act) {
    return ok_dot_f32_generic(w, act, n);
}

void ok_axpy_f32_generic(int64_t n, float a, const float *x, float *y) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void ok_scale_f32_generic(int64_t n, float a, float *y) {
    for (int64_t i = 0; i < n; ++i) y[i] *= a;
}

float ok_dot_f16_f32_generic(const uint16_t *h, const float *x, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (double)(ok_fp16_to_fp32(h[i]) * x[i]);
    return (float)s;
}

void ok_axpy_f16_generic(int64_t n, float a, const uint16_t *h, float *y) {
    for (int64_t i = 0; i < n; ++i) y[i] += a * ok_fp16_to_fp32(h[i]);
}

void ok_f32_to_f16_generic(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ok_fp32_to_fp16(x[i]);
}

void ok_f16_to_f32_generic(const uint16_t *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ok_fp16_to_fp32(x[i]);
}

int64_t ok_argmax_f32_generic(const float *x, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (!(x[i] < INFINITY)) return -1;   /* NaN or +inf */
        if (x[i] > x[best]) best = i;
    }
    return best;
}

float ok_softmax_numerators_generic(float *scores, int64_t n, float max) {
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        scores[i] = expf(scores[i] - max);
        sum += scores[i];
    }
    return sum;
}
