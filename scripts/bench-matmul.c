/* Micro-benchmark of ok_matmul_path on one thread: tiled GEMM against the per-output vec_dot loop, per weight
 * type and shape, with a check against the generic path. Built and run by scripts/bench-matmul.
 *
 *   bench-matmul [--path generic|avx2|avx512|neon] [--cols N] [--quick] [type ...]
 *
 * Shapes are (rows x k) of the reference models' layers, rows halved as each of the runtime's two threads
 * sees them, against `cols` activation columns (tokens, default 512). Figures: GOP/s counts 2*rows*k*cols
 * operations; "tok/s" is cols / time, i.e. tokens per second for this one matrix on one thread. Times are
 * the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other jobs on the machine disturb them less. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckernels.h"

typedef struct { const char *name; int type; } type_name;
static const type_name types[] = {
    {"q4_0", 2}, {"q4_1", 3}, {"q5_0", 6}, {"q5_1", 7}, {"q8_0", 8}, {"q4_K", 12}, {"q6_K", 14},
    {"q2_K", 10}, {"q3_K", 11}, {"q5_K", 13}, {"f16", 1},
};

typedef struct { int64_t rows, k; const char *what; } shape;
static const shape shapes[] = {
    {288, 576, "smollm2 q/o (576x576)/2"},
    {768, 576, "smollm2 up/gate (1536x576)/2"},
    {288, 1536, "smollm2 down (576x1536)/2"},
    {1024, 640, "gemma up/gate (2048x640)/2"},
    {320, 1024, "gemma o (640x1024)/2"},
    {320, 2048, "gemma down (640x2048)/2"},
    {2432, 896, "qwen up/gate (4864x896)/2"},
    {448, 4864, "qwen down (896x4864)/2"},
};

static uint64_t rng_state = 0x12345678u;
static float frand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) & 0xFFFFFF) / (float)0x1000000 * 2.0f - 1.0f;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *quantized(int type, int64_t n_rows, int64_t k, size_t *stride) {
    *stride = ok_row_size(type, k);
    uint8_t *buf = malloc(*stride * n_rows);
    float *x = malloc(sizeof(float) * k);
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t i = 0; i < k; ++i) x[i] = frand() * (1.0f + (float)(i % 7));
        ok_quantize_row(type, x, buf + *stride * r, k);
    }
    free(x);
    return buf;
}

static void loop_matmul(int path, int type, int64_t k, const uint8_t *w, size_t ws, int64_t rows,
                        const uint8_t *a, size_t as, int64_t cols, float *out) {
    for (int64_t c = 0; c < cols; ++c)
        for (int64_t r = 0; r < rows; ++r) out[c * rows + r] = ok_vec_dot_path(path, type, k, w + r * ws, a + c * as);
}

/* Best time of a few runs, each repeated until 0.2 s pass. */
#define TIME_BEST(result, reps, stmt)                                          \
    do {                                                                       \
        double best_ = 1e30;                                                   \
        for (int rep_ = 0; rep_ < (reps); ++rep_) {                            \
            int iters_ = 0;                                                    \
            const double t0_ = now();                                          \
            double t1_;                                                        \
            do { stmt; ++iters_; t1_ = now(); } while (t1_ - t0_ < 0.2);       \
            if ((t1_ - t0_) / iters_ < best_) best_ = (t1_ - t0_) / iters_;    \
        }                                                                      \
        (result) = best_;                                                      \
    } while (0)

int main(int argc, char **argv) {
    int path = -1, quick = 0;
    int64_t cols = 512;
    int want[64], n_want = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            const char *p = argv[++i];
            for (int q = 0; q < 4; ++q)
                if (!strcmp(p, ok_kernel_path_name(q))) path = q;
            if (path < 0) { fprintf(stderr, "unknown path %s\n", p); return 2; }
        } else if (!strcmp(argv[i], "--cols") && i + 1 < argc) {
            cols = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else {
            int found = 0;
            for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t)
                if (!strcmp(argv[i], types[t].name)) { want[n_want++] = (int)t; found = 1; }
            if (!found) { fprintf(stderr, "unknown type %s\n", argv[i]); return 2; }
        }
    }
    if (path < 0) path = ok_kernels_init(0);
    if (!ok_kernel_path_available(path)) { fprintf(stderr, "path %s not available\n", ok_kernel_path_name(path)); return 2; }
    if (n_want == 0)
        for (int t = 0; t < 7; ++t) want[n_want++] = t;
    printf("path %s, one thread, cols %lld\n", ok_kernel_path_name(path), (long long)cols);
    printf("%-5s %-30s %9s %9s %8s %8s %7s %10s\n", "type", "shape (rows x k per thread)", "gemm ms", "loop ms",
           "GOP/s", "tok/s", "speedup", "max rel err");
    const int n_shapes = quick ? 3 : (int)(sizeof shapes / sizeof shapes[0]);
    int failed = 0;
    for (int wi = 0; wi < n_want; ++wi) {
        const int type = types[want[wi]].type;
        const int atype = ok_vec_dot_type(type);
        for (int s = 0; s < n_shapes; ++s) {
            const int64_t rows = shapes[s].rows, k = shapes[s].k;
            if (k % ok_block_size(type)) continue;
            size_t ws, as;
            uint8_t *w = quantized(type, rows, k, &ws), *a = quantized(atype, cols, k, &as);
            float *out = malloc(sizeof(float) * rows * cols), *ref = malloc(sizeof(float) * rows * cols);
            double t_gemm, t_loop;
            TIME_BEST(t_gemm, 3, ok_matmul_path(path, type, k, w, ws, rows, a, as, cols, out, rows));
            TIME_BEST(t_loop, quick ? 1 : 2, loop_matmul(path, type, k, w, ws, rows, a, as, cols, ref));
            /* check against the generic vec_dot, relative to the column's largest output */
            loop_matmul(OK_PATH_GENERIC, type, k, w, ws, rows, a, as, cols, ref);
            double max_rel = 0;
            for (int64_t c = 0; c < cols; ++c) {
                double scale = 1e-30;
                for (int64_t r = 0; r < rows; ++r) scale = fmax(scale, fabs(ref[c * rows + r]));
                for (int64_t r = 0; r < rows; ++r) {
                    const double e = fabs((double)out[c * rows + r] - ref[c * rows + r]) / scale;
                    if (!(e <= max_rel)) max_rel = isnan(e) ? INFINITY : e;
                }
            }
            if (!(max_rel < 1e-5)) failed = 1;
            printf("%-5s %-30s %9.3f %9.3f %8.1f %8.0f %6.2fx %10.2e\n", types[want[wi]].name, shapes[s].what,
                   t_gemm * 1e3, t_loop * 1e3, 2.0 * rows * k * cols / t_gemm * 1e-9, cols / t_gemm, t_loop / t_gemm,
                   max_rel);
            fflush(stdout);
            free(w); free(a); free(out); free(ref);
        }
    }
    return failed;
}
