#!/usr/bin/env python3
"""Checks that Troupe's exported adapters load elsewhere and give Troupe's numbers.

Scores one text three ways and prints the per-token log-probabilities' largest differences:
  troupe     `agent logprob --model BASE --adapter ADAPTER_DIR --text TEXT --exact` (f32 products, as PyTorch)
  peft       transformers + peft: PeftModel.from_pretrained(HF base, ADAPTER_DIR), f32
  llama.cpp  llama-cpp-python: Llama(GGUF base, lora_path=ADAPTER_GGUF), f32 logits

    python3 scripts/reference/train_check_export.py --hf-base DIR --gguf-base FILE \\
        --adapter DIR --gguf-adapter FILE [--troupe-base DIR_OR_FILE] [--text TEXT]

The HF base and the GGUF base must hold the same weights (for SmolLM2, the HF base can be the
directory `agent sft --save-merged` writes with no adapter, or transformers' GGUF loader, used
when --hf-base is a .gguf file). Exits non-zero when a difference exceeds --tolerance.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def troupe_logprobs(agent, base, adapter, text):
    out = subprocess.run(
        [agent, "logprob", "--model", base, "--adapter", adapter, "--text", text, "--threads", "2", "--exact"],
        check=True, capture_output=True, text=True,
    ).stdout
    row = json.loads(out.strip().splitlines()[-1])
    return row["tokens"], np.array(row["logprobs"], dtype=np.float64)


def peft_logprobs(hf_base, adapter, ids):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    if hf_base.endswith(".gguf"):
        d, name = os.path.split(hf_base)
        base = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, torch_dtype=torch.float32)
    else:
        base = AutoModelForCausalLM.from_pretrained(hf_base, torch_dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter).eval()
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, -1)
    return np.array([float(logp[t - 1, ids[t]]) for t in range(1, len(ids))])


def llamacpp(gguf_base, gguf_adapter):
    from llama_cpp import Llama

    return Llama(model_path=gguf_base, lora_path=gguf_adapter, n_ctx=512, n_threads=2, logits_all=True, verbose=False)


def llamacpp_logprobs(llm, ids):
    llm.eval(ids)
    scores = np.array(llm.scores[: len(ids)], dtype=np.float64)
    m = scores.max(-1, keepdims=True)
    logp = scores - m - np.log(np.exp(scores - m).sum(-1, keepdims=True))
    return np.array([logp[t - 1, ids[t]] for t in range(1, len(ids))])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hf-base", required=True)
    p.add_argument("--gguf-base", required=True)
    p.add_argument("--troupe-base", help="the base Troupe loads (default: --gguf-base)")
    p.add_argument("--adapter", required=True)
    p.add_argument("--gguf-adapter", required=True)
    p.add_argument("--text", default="The quick brown fox jumps over the lazy dog. It's 2024, and training works.")
    p.add_argument("--agent", default=os.path.join(ROOT, ".build", "debug", "agent"))
    p.add_argument("--tolerance", type=float, default=2e-3)
    a = p.parse_args()
    tokens, troupe = troupe_logprobs(a.agent, a.troupe_base or a.gguf_base, a.adapter, a.text)
    llm = llamacpp(a.gguf_base, a.gguf_adapter)
    ids = llm.tokenize(a.text.encode(), add_bos=False, special=False)
    # `agent logprob --text` scores (and lists) every token after the first.
    if ids[1:] != tokens:
        sys.exit(f"Troupe and llama.cpp tokenize the text differently: {tokens} vs {ids[1:]}")
    peft = peft_logprobs(a.hf_base, a.adapter, ids)
    llama = llamacpp_logprobs(llm, ids)
    result = {
        "tokens": len(ids),
        "max_abs_troupe_vs_peft": float(np.abs(troupe - peft).max()),
        "max_abs_troupe_vs_llamacpp": float(np.abs(troupe - llama).max()),
        "max_abs_peft_vs_llamacpp": float(np.abs(peft - llama).max()),
        "mean_logprob": float(troupe.mean()),
    }
    print(json.dumps(result))
    worst = max(result["max_abs_troupe_vs_peft"], result["max_abs_troupe_vs_llamacpp"])
    sys.exit(0 if worst <= a.tolerance else 1)


if __name__ == "__main__":
    main()
