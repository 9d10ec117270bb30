/* Gated activations of the feed-forward block, generic twins, and the GELU table they share.
 *
 * GELU is ggml's table version (GGML_GELU_FP16, which ggml-cpu defines): gelu(x) for x <= -10 is 0, for
 * x >= 10 is x, otherwise the 65,536-entry table of half-precision results indexed by the half-precision
 * bits of x, each entry gelu(half(i)) with the tanh approximation in float, rounded to half. It is both
 * faster than tanhf per element and the arithmetic the reference engine uses. */

#include <math.h>
#include <pthread.h>

#include "internal.h"

/* Two spare entries so a 32-bit gather at the last index stays inside the array. */
static uint16_t gelu_table[(1 << 16) + 2];
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;

/* ggml_gelu_f32 as the reference build computes it: its compiler contracts `1 + A*x*x` into one FMA
 * (this target is built with -ffp-contract=off, so the FMA is spelled out). */
static float gelu_tanh(float x) {
    const float a = 0.044715f, s = 0.79788456080286535587989211986876f;
    return 0.5f * x * (1.0f + tanhf(s * x * fmaf(a * x, x, 1.0f)));
}

static void build_gelu_table(void) {
    for (uint32_t i = 0; i < (1u << 16); ++i) gelu_table[i] = ok_fp32_to_fp16(gelu_tanh(ok_fp16_to_fp32((ok_half)i)));
}

const uint16_t *ok_gelu_table(void) {
    pthread_once(&gelu_once, build_gelu_table);
    return gelu_table;
}

void ok_geglu_f32_generic(int64_t n, float *gate, const float *up) {
    const uint16_t *t = ok_gelu_table();
    for (int64_t i = 0; i < n; ++i) {
        const float x = gate[i];
        if (x <= -10.0f) gate[i] = 0.0f;
        else if (x >= 10.0f) gate[i] = x * up[i];
        else gate[i] = ok_fp16_to_fp32(t[ok_fp32_to_fp16(x)]) * up[i];
    }
}

void ok_swiglu_f32_generic(int64_t n, float *gate, const float *up) {
    for (int64_t i = 0; i < n; ++i) {
        const float x = gate[i];
        gate[i] = x / (1.0f + expf(-x)) * up[i];
    }
}
