/* AVX2 + FMA + F16C path (Haswell / Zen and later). */
#include "internal.h"

#if OK_HAVE_X86_KERNELS
#define OK_TARGET __attribute__((target("avx2,fma,f16c")))
#define OK_SFX avx2
#define OK_USE_VNNI 0
#include "x86_body.h"
#endif
