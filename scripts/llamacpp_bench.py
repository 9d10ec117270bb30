#!/usr/bin/env python3
"""llama.cpp side of scripts/bench-vs-llamacpp: one process, one model, figures as JSON on stdout.

Runs under the venv that scripts/bench-vs-llamacpp builds (.venv-llamacpp, with llama-cpp-python) and
talks to llama.cpp through llama_cpp's low-level ctypes API (llama_decode on a llama_batch, as llama-bench
does), measuring exactly what `outpost bench` measures (Sources/Bench/Benchmark.swift):

- pp<P>: the KV cache is cleared, P random token ids are decoded as one batch (llama.cpp splits it into
  ubatches of --ubatch, as Outpost chunks at min(512, ctx)) with only the last token's logits requested;
  the clock stops after those logits are read and their argmax is taken. One untimed warm-up run first.
- TTFT: the same interval in milliseconds (Outpost's "fresh prefill's start to its first sampled token").
- tg<N>: the KV cache is cleared, one random token is fed, then N single-token decodes, each followed by
  reading the logits and feeding back their argmax (greedy). One untimed warm-up run first.
- Token ids come from the same SplitMix64 generator and seed as Outpost's, drawn in the same order.
- llama_timer_pp_ts / llama_timer_tg_ts: the same runs by llama.cpp's own decode timers (no Python in
  them), to show how little the harness adds.
- peak RSS: the driver takes it from wait4() for this process; this script also reports its own
  getrusage maxrss and the RSS before the model was loaded (Python + llama.cpp libraries).

Expected failures (missing llama_cpp, unloadable model, decode error) print `error: ...` and exit 1.
"""
import argparse
import json
import os
import resource
import sys
import time


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def current_rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_rss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class SplitMix:
    """Sources/Bench/Benchmark.swift's SplitMix, so both engines see the same token ids."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("-p", "--n-prompt", type=int, default=512)
    ap.add_argument("-n", "--n-gen", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=0, help="n_ctx (default max(p, n+1), Outpost bench's cache size)")
    ap.add_argument("--ubatch", type=int, default=0, help="n_ubatch (default min(512, ctx), Outpost's chunk)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline", action="store_true",
                    help="only import llama_cpp and init the backend, then exit (RSS baseline)")
    ap.add_argument("--verbose", action="store_true", help="pass llama.cpp's log through to stderr")
    args = ap.parse_args()

    try:
        import ctypes
        import numpy as np
        import llama_cpp as L
    except ImportError as e:
        fail(f"cannot import llama_cpp ({e}); run scripts/bench-vs-llamacpp once to install it")

    log_lines = []

    @L.llama_log_callback
    def on_log(level, text, user_data):
        line = text.decode("utf-8", "replace")
        log_lines.append(line)
        if args.verbose:
            sys.stderr.write(line)

    L.llama_log_set(on_log, ctypes.c_void_p(0))
    L.llama_backend_init()
    info = {
        "llama_cpp_python": getattr(L, "__version__", "unknown"),
        "system_info": L.llama_print_system_info().decode("utf-8", "replace").strip(),
        "rss_start_bytes": current_rss_bytes(),
    }
    if args.baseline:
        info["peak_rss_bytes"] = peak_rss_bytes()
        print(json.dumps(info))
        return

    if not os.path.isfile(args.model):
        fail(f"model file not found: {args.model}")
    p, n, threads = args.n_prompt, args.n_gen, args.threads
    if p < 0 or n < 0 or p + n == 0:
        fail("-p and -n must be non-negative and not both 0")
    ctx_size = args.ctx or max(p, n + 1)
    ubatch = args.ubatch or min(512, ctx_size)

    mparams = L.llama_model_default_params()
    mparams.n_gpu_layers = 0
    if hasattr(mparams, "load_mode"):
        mparams.load_mode = L.LLAMA_LOAD_MODE_MMAP   # mmap the file, as Outpost does
    elif hasattr(mparams, "use_mmap"):
        mparams.use_mmap = True
    t_load = time.perf_counter()
    model = L.llama_model_load_from_file(args.model.encode(), mparams)
    if not model:
        fail(f"llama.cpp could not load {args.model}" + (": " + log_lines[-1].strip() if log_lines else ""))

    cparams = L.llama_context_default_params()
    cparams.n_ctx = ctx_size
    cparams.n_batch = max(p, 1)          # the whole prompt goes to one llama_decode call
    cparams.n_ubatch = ubatch
    cparams.n_seq_max = 1
    cparams.n_threads = threads
    cparams.n_threads_batch = threads
    cparams.type_k = L.GGML_TYPE_F16
    cparams.type_v = L.GGML_TYPE_F16
    cparams.no_perf = False              # keep llama.cpp's own decode timers, reported as a cross-check
    # flash_attn_type stays at llama.cpp's default (auto).
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        fail("llama.cpp could not create a context" + (": " + log_lines[-1].strip() if log_lines else ""))
    load_ms = (time.perf_counter() - t_load) * 1000
    mem = L.llama_get_memory(ctx)
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    rng = SplitMix(args.seed)

    def random_tokens(k):
        return [rng.next() % n_vocab for _ in range(k)]

    batch = L.llama_batch_init(max(p, 1), 0, 1)

    def fill(tokens, start_pos):
        batch.n_tokens = len(tokens)
        for i, tok in enumerate(tokens):
            batch.token[i] = tok
            batch.pos[i] = start_pos + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = 0
        batch.logits[len(tokens) - 1] = 1

    def decode_and_argmax():
        rc = L.llama_decode(ctx, batch)
        if rc != 0:
            fail(f"llama_decode returned {rc}")
        logits = L.llama_get_logits_ith(ctx, -1)   # synchronizes
        return int(np.ctypeslib.as_array(logits, shape=(n_vocab,)).argmax())

    result = dict(info)
    result.update({
        "model": args.model, "threads": threads, "n_ctx": L.llama_n_ctx(ctx), "n_batch": L.llama_n_batch(ctx),
        "n_ubatch": L.llama_n_ubatch(ctx), "n_vocab": n_vocab, "load_ms": load_ms,
    })

    if p > 0:
        for rep in range(2):                 # rep 0 is the untimed warm-up, like outpost bench
            tokens = random_tokens(p)
            L.llama_memory_clear(mem, False)
            fill(tokens, 0)                  # filling the batch is not timed (Outpost gets an array)
            L.llama_perf_context_reset(ctx)
            t0 = time.perf_counter()
            decode_and_argmax()
            seconds = time.perf_counter() - t0
        result["pp_ts"] = p / seconds
        result["ttft_ms"] = seconds * 1000
        perf = L.llama_perf_context(ctx)
        if perf.n_p_eval > 0 and perf.t_p_eval_ms > 0:
            result["llama_timer_pp_ts"] = perf.n_p_eval / perf.t_p_eval_ms * 1000
    if n > 0:
        for rep in range(2):
            L.llama_memory_clear(mem, False)
            token = random_tokens(1)[0]
            L.llama_perf_context_reset(ctx)
            t0 = time.perf_counter()
            for i in range(n):
                fill([token], i)
                token = decode_and_argmax()
            seconds = time.perf_counter() - t0
        result["tg_ts"] = n / seconds
        perf = L.llama_perf_context(ctx)
        if perf.n_eval > 0 and perf.t_eval_ms > 0:
            # llama.cpp's own time inside llama_decode; the gap to tg_ts is this harness's Python overhead.
            result["llama_timer_tg_ts"] = perf.n_eval / perf.t_eval_ms * 1000

    # "resolve_fused_ops: Flash Attention enabled" is where llama.cpp says what flash_attn = auto became.
    result["flash_attn"] = next((l.split(":", 1)[-1].strip() for l in log_lines if "Flash Attention" in l),
                                "auto (not reported)")
    result["repacked_tensors"] = sum(1 for l in log_lines if "repack tensor" in l)
    result["peak_rss_bytes"] = peak_rss_bytes()
    L.llama_batch_free(batch)
    L.llama_free(ctx)
    L.llama_model_free(model)
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
