/* Reference quantize / dequantize for the 32-element block formats (q4_0 .. q8_1).
 * Arithmetic follows ggml-quants.c step for step (including roundf vs. truncation choices), because
 * activations quantized here must match what llama.cpp feeds its dot products. */

#include <math.h>
#include <float.h>

#include "internal.h"

#define OK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define OK_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Largest-magnitude value of a block, keeping its sign (q4_0 / q5_0 scale it to -8 / -16). */
static float signed_absmax(const float *x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

static void min_max(const float *x, int n, float *mn, float *mx) {
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (int j = 0; j < n; j++) {
        if (x[j] < lo) lo = x[j];
        if (x[j] > hi) hi = x[j];
    }
    *mn = lo;
    *mx = hi;
}

void ok_quantize_row_q4_0_ref(const float *x, block_q4_0 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        const float d = signed_absmax(x, QK32) / -8;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        for (int j = 0; j < QK32 / 2; ++j) {
            const uint8_t a = (uint8_t)OK_MIN(15, (int8_t)(x[j] * id + 8.5f));
            const uint8_t b = (uint8_t)OK_MIN(15, (int8_t)(x[j + QK32 / 2] * id + 8.5f));
            y[i].qs[j] = (uint8_t)(a | (b << 4));
        }
    }
}

void ok_quantize_row_q4_1_ref(const float *x, block_q4_1 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        float mn, mx;
        min_max(x, QK32, &mn, &mx);
        const float d = (mx - mn) / 15;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        y[i].m = ok_fp32_to_fp16(mn);
        for (int j = 0; j < QK32 / 2; ++j) {
            const uint8_t a = (uint8_t)OK_MIN(15, (int8_t)((x[j] - mn) * id + 0.5f));
            const uint8_t b = (uint8_t)OK_MIN(15, (int8_t)((x[j + QK32 / 2] - mn) * id + 0.5f));
            y[i].qs[j] = (uint8_t)(a | (b << 4));
        }
    }
}

void ok_quantize_row_q5_0_ref(const float *x, block_q5_0 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        const float d = signed_absmax(x, QK32) / -16;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            const uint8_t a = (uint8_t)OK_MIN(31, (int8_t)(x[j] * id + 16.5f));
            const uint8_t b = (uint8_t)OK_MIN(31, (int8_t)(x[j + QK32 / 2] * id + 16.5f));
            y[i].qs[j] = (uint8_t)((a & 0x0F) | ((b & 0x0F) << 4));
            qh |= ((a & 0x10u) >> 4) << j;
            qh |= ((b & 0x10u) >> 4) << (j + QK32 / 2);
        }
        memcpy(y[i].qh, &qh, 4);
    }
}

void ok_quantize_row_q5_1_ref(const float *x, block_q5_1 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        float mn, mx;
        min_max(x, QK32, &mn, &mx);
        const float d = (mx - mn) / 31;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        y[i].m = ok_fp32_to_fp16(mn);
        uint32_t qh = 0;
        for (int j = 0; j < QK32 / 2; ++j) {
            const uint8_t a = (uint8_t)((x[j] - mn) * id + 0.5f);
            const uint8_t b = (uint8_t)((x[j + QK32 / 2] - mn) * id + 0.5f);
            y[i].qs[j] = (uint8_t)((a & 0x0F) | ((b & 0x0F) << 4));
            qh |= ((a & 0x10u) >> 4) << j;
            qh |= ((b & 0x10u) >> 4) << (j + QK32 / 2);
        }
        memcpy(y[i].qh, &qh, 4);
    }
}

static float absmax(const float *x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; j++) amax = OK_MAX(amax, fabsf(x[j]));
    return amax;
}

void ok_quantize_row_q8_0_ref(const float *x, block_q8_0 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        const float d = absmax(x, QK32) / 127;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        for (int j = 0; j < QK32; ++j) y[i].qs[j] = (int8_t)roundf(x[j] * id);
    }
}

void ok_quantize_row_q8_1_ref(const float *x, block_q8_1 *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, x += QK32) {
        const float d = absmax(x, QK32) / 127;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = ok_fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK32; ++j) {
            y[i].qs[j] = (int8_t)roundf(x[j] * id);
            sum += y[i].qs[j];
        }
        y[i].s = ok_fp32_to_fp16((float)sum * d);
    }
}

void ok_dequantize_row_q4_0(const block_q4_0 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK32 / 2; ++j) {
            y[j] = (float)((x[i].qs[j] & 0x0F) - 8) * d;
            y[j + QK32 / 2] = (float)((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void ok_dequantize_row_q4_1(const block_q4_1 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        const float m = ok_fp16_to_fp32(x[i].m);
        for (int j = 0; j < QK32 / 2; ++j) {
            y[j] = (float)(x[i].qs[j] & 0x0F) * d + m;
            y[j + QK32 / 2] = (float)(x[i].qs[j] >> 4) * d + m;
        }
    }
}

void ok_dequantize_row_q5_0(const block_q5_0 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK32 / 2; ++j) {
            const int h0 = (int)((qh >> j) << 4) & 0x10;
            const int h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (float)(((x[i].qs[j] & 0x0F) | h0) - 16) * d;
            y[j + QK32 / 2] = (float)(((x[i].qs[j] >> 4) | h1) - 16) * d;
        }
    }
}

void ok_dequantize_row_q5_1(const block_q5_1 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        const float m = ok_fp16_to_fp32(x[i].m);
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        for (int j = 0; j < QK32 / 2; ++j) {
            const int h0 = (int)((qh >> j) << 4) & 0x10;
            const int h1 = (int)(qh >> (j + 12)) & 0x10;
            y[j] = (float)((x[i].qs[j] & 0x0F) | h0) * d + m;
            y[j + QK32 / 2] = (float)((x[i].qs[j] >> 4) | h1) * d + m;
        }
    }
}

void ok_dequantize_row_q8_0(const block_q8_0 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK32; ++j) y[j] = (float)x[i].qs[j] * d;
    }
}

void ok_dequantize_row_q8_1(const block_q8_1 *x, float *y, int64_t n) {
    const int64_t nb = n / QK32;
    for (int64_t i = 0; i < nb; i++, y += QK32) {
        const float d = ok_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK32; ++j) y[j] = (float)x[i].qs[j] * d;
    }
}
