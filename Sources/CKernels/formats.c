/* Type facts (block sizes, row sizes, activation pairing) and the quantize / dequantize entry points. */

#include "internal.h"

int64_t ok_block_size(int type) {
    switch (type) {
    case OK_T_F32: case OK_T_F16: case OK_T_BF16: return 1;
    case OK_T_Q4_0: case OK_T_Q4_1: case OK_T_Q5_0: case OK_T_Q5_1: case OK_T_Q8_0: case OK_T_Q8_1: return QK32;
    case OK_T_Q2_K: case OK_T_Q3_K: case OK_T_Q4_K: case OK_T_Q5_K: case OK_T_Q6_K: case OK_T_Q8_K: return QK_K;
    default: return 0;
    }
}

static size_t block_bytes(int type) {
    switch (type) {
    case OK_T_F32: return 4;
    case OK_T_F16: case OK_T_BF16: return 2;
    case OK_T_Q4_0: return sizeof(block_q4_0);
    case OK_T_Q4_1: return sizeof(block_q4_1);
    case OK_T_Q5_0: return sizeof(block_q5_0);
    case OK_T_Q5_1: return sizeof(block_q5_1);
    case OK_T_Q8_0: return sizeof(block_q8_0);
    case OK_T_Q8_1: return sizeof(block_q8_1);
    case OK_T_Q2_K: return sizeof(block_q2_K);
    case OK_T_Q3_K: return sizeof(block_q3_K);
    case OK_T_Q4_K: return sizeof(block_q4_K);
    case OK_T_Q5_K: return sizeof(block_q5_K);
    case OK_T_Q6_K: return sizeof(block_q6_K);
    case OK_T_Q8_K: return sizeof(block_q8_K);
    default: return 0;
    }
}

size_t ok_row_size(int type, int64_t n) {
    const int64_t bs = ok_block_size(type);
    if (bs == 0 || n < 0) return 0;
    return (size_t)(n / bs) * block_bytes(type);
}

int ok_vec_dot_type(int type) {
    switch (type) {
    case OK_T_F32: return OK_T_F32;
    case OK_T_F16: return OK_T_F16;
    case OK_T_BF16: return OK_T_BF16;
    case OK_T_Q4_0: case OK_T_Q5_0: case OK_T_Q8_0: return OK_T_Q8_0;
    case OK_T_Q4_1: case OK_T_Q5_1: return OK_T_Q8_1;
    case OK_T_Q2_K: case OK_T_Q3_K: case OK_T_Q4_K: case OK_T_Q5_K: case OK_T_Q6_K: return OK_T_Q8_K;
    default: return -1;
    }
}

int ok_type_supported(int type) { return ok_vec_dot_type(type) >= 0; }

int ok_dequantize_supported(int type) { return ok_block_size(type) > 0; }

int ok_quantize_supported(int type) { return ok_block_size(type) > 0; }

void ok_quantize_row(int type, const float *x, void *y, int64_t n) {
    if (!ok_quantize_row_accelerated(type, x, y, n)) ok_quantize_row_reference(type, x, y, n);
}

void ok_quantize_row_reference(int type, const float *x, void *y, int64_t n) {
    switch (type) {
    case OK_T_F32: memcpy(y, x, (size_t)n * sizeof(float)); break;
    case OK_T_F16: ok_f32_to_f16_generic(x, y, n); break;
    case OK_T_BF16: {
        uint16_t *o = y;
        for (int64_t i = 0; i < n; ++i) o[i] = ok_fp32_to_bf16(x[i]);
        break;
    }
    case OK_T_Q4_0: ok_quantize_row_q4_0_ref(x, y, n); break;
    case OK_T_Q4_1: ok_quantize_row_q4_1_ref(x, y, n); break;
    case OK_T_Q5_0: ok_quantize_row_q5_0_ref(x, y, n); break;
    case OK_T_Q5_1: ok_quantize_row_q5_1_ref(x, y, n); break;
    case OK_T_Q8_0: ok_quantize_row_q8_0_ref(x, y, n); break;
    case OK_T_Q8_1: ok_quantize_row_q8_1_ref(x, y, n); break;
    case OK_T_Q2_K: ok_quantize_row_q2_K_ref(x, y, n); break;
    case OK_T_Q3_K: ok_quantize_row_q3_K_ref(x, y, n); break;
    case OK_T_Q4_K: ok_quantize_row_q4_K_ref(x, y, n); break;
    case OK_T_Q5_K: ok_quantize_row_q5_K_ref(x, y, n); break;
    case OK_T_Q6_K: ok_quantize_row_q6_K_ref(x, y, n); break;
    case OK_T_Q8_K: ok_quantize_row_q8_K_ref(x, y, n); break;
    default: break;
    }
}

void ok_dequantize_row(int type, const void *x, float *y, int64_t n) {
    switch (type) {
    case OK_T_F32: memcpy(y, x, (size_t)n * sizeof(float)); break;
    case OK_T_F16: ok_f16_to_f32_generic(x, y, n); break;
    case OK_T_BF16: {
        const uint16_t *in = x;
        for (int64_t i = 0; i < n; ++i) y[i] = ok_bf16_to_fp32(in[i]);
        break;
    }
    case OK_T_Q4_0: ok_dequantize_row_q4_0(x, y, n); break;
    case OK_T_Q4_1: ok_dequantize_row_q4_1(x, y, n); break;
    case OK_T_Q5_0: ok_dequantize_row_q5_0(x, y, n); break;
    case OK_T_Q5_1: ok_dequantize_row_q5_1(x, y, n); break;
    case OK_T_Q8_0: ok_dequantize_row_q8_0(x, y, n); break;
    case OK_T_Q8_1: ok_dequantize_row_q8_1(x, y, n); break;
    case OK_T_Q2_K: ok_dequantize_row_q2_K(x, y, n); break;
    case OK_T_Q3_K: ok_dequantize_row_q3_K(x, y, n); break;
    case OK_T_Q4_K: ok_dequantize_row_q4_K(x, y, n); break;
    case OK_T_Q5_K: ok_dequantize_row_q5_K(x, y, n); break;
    case OK_T_Q6_K: ok_dequantize_row_q6_K(x, y, n); break;
    case OK_T_Q8_K: ok_dequantize_row_q8_K(x, y, n); break;
    default: break;
    }
}
