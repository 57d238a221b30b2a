#!/usr/bin/env python3
"""The llama.cpp peer of `agent bench-lm`: the same measurements on the same GGUF and threads.

Prints one JSON object: prompt processing tokens/s (one pass over N prompt tokens) and batch-1
decode tokens/s (M tokens, one at a time, greedy), each the best of `--repeats` runs, per
wall-clock second and per CPU-second of the process.
Needs `pip install llama-cpp-python` (it builds llama.cpp; about six minutes here).
"""
import argparse
import json
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--prompt-tokens", type=int, default=256)
    p.add_argument("--decode-tokens", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    try:
        from llama_cpp import Llama
    except ImportError as e:
        print(json.dumps({"error": f"llama-cpp-python is not installed ({e}); pip install llama-cpp-python"}))
        return
    llm = Llama(
        model_path=a.model, n_ctx=a.prompt_tokens + a.decode_tokens + 16, n_batch=512, n_ubatch=512,
        n_threads=a.threads, n_threads_batch=a.threads, verbose=False,
    )
    text = "The quick brown fox jumps over the lazy dog. " * 200
    prompt = llm.tokenize(text.encode(), add_bos=False)[: a.prompt_tokens]
    # Each the best of the repeats, by wall clock and by process CPU time (all threads)
    # separately; CPU time is much less disturbed by a busy machine.
    pp, pp_cpu, tg, tg_cpu = 0.0, 0.0, 0.0, 0.0
    for _ in range(a.repeats):
        llm.reset()
        start, cpu = time.perf_counter(), time.process_time()
        llm.eval(prompt)
        pp = max(pp, len(prompt) / (time.perf_counter() - start))
        pp_cpu = max(pp_cpu, len(prompt) / max(time.process_time() - cpu, 1e-9))
        token = int(llm.scores[llm.n_tokens - 1].argmax())
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(a.decode_tokens):
            llm.eval([token])
            token = int(llm.scores[llm.n_tokens - 1].argmax())
        tg = max(tg, a.decode_tokens / (time.perf_counter() - start))
        tg_cpu = max(tg_cpu, a.decode_tokens / max(time.process_time() - cpu, 1e-9))
    import llama_cpp

    print(
        json.dumps(
            {
                "engine": f"llama.cpp (llama-cpp-python {llama_cpp.__version__})",
                "prompt_tps": pp,
                "prompt_cpu_tps": pp_cpu,
                "decode_tps": tg,
                "decode_cpu_tps": tg_cpu,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
