#!/usr/bin/env python3
"""Writes the reference fixtures that TroupeTrain's tests compare against.

Everything here is computed by PyTorch (f32) with Hugging Face `transformers` and `peft`; the
Swift trainer shares no code with them. The tiny model is the engine's tiny random Llama
(`lm_reference.make_tiny_llama`, the same seed), so both test suites use one model.

    python3 scripts/reference/train_reference.py     # -> Tests/TroupeTrainTests/Fixtures

Needs: torch, transformers, peft, gguf, tokenizers (pip install torch transformers peft gguf).

Fixtures (committed, a few hundred KB):
  tiny-llama/             the tiny random Llama (config.json, model.safetensors F32, tokenizer.json)
  tiny-llama-f32.gguf     the same weights as GGUF (Q/K rows permuted as llama.cpp's converter does)
  lora-init/              a PEFT adapter written by PEFT itself (r 4, alpha 8, all seven projections,
                          A as PEFT initializes it, B random so that every gradient is non-zero)
  lora-init-rslora/       the same tensors with use_rslora (scaling alpha/sqrt(r))
  train-reference.json    token ids of the examples, and for each case: the loss, every LoRA
                          gradient after one step, and the losses of ten AdamW steps:
                            sft          weighted SFT (TriPosT's sum(w*CE)/N), lora-init
                            dpo_cdpo     DPO sigmoid, beta 0.1, label smoothing 0.1, lora-init-rslora
                            dpo_ipo_nll  IPO (summed log-probs), beta 0.5, + 0.3 * NLL (OpenRLHF), lora-init
"""
import base64
import json
import math
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "TroupeTrainTests", "Fixtures")
LM_FIXTURES = os.path.join(ROOT, "Tests", "TroupeLMTests", "Fixtures")
sys.path.insert(0, HERE)

import lm_reference  # noqa: E402  (the engine's script: the tiny model and the GGUF writer)

MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
STEPS = 10


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.float32).tobytes()).decode()


def examples(vocab):
    rng = np.random.default_rng(7)

    def ids(n):
        return [int(x) for x in rng.integers(3, vocab, n)]

    sft = [
        {"prompt": ids(5), "completion": ids(7), "weights": [1.0] * 7},
        {"prompt": ids(3), "completion": ids(9), "weights": [1.0] * 5 + [1.5] * 4},
        {"prompt": ids(6), "completion": ids(4), "weights": [1.0] * 4},
    ]
    pairs = [
        {"prompt": ids(4), "chosen": ids(6), "rejected": ids(5)},
        {"prompt": ids(6), "chosen": ids(5), "rejected": ids(7)},
        {"prompt": ids(5), "chosen": ids(8), "rejected": ids(4)},
    ]
    return sft, pairs


def completion_logps(model, prompt, completion):
    """Per-token log p of the completion given the prompt (f32)."""
    import torch

    tokens = prompt + completion
    logits = model(torch.tensor([tokens])).logits[0].float()
    logp = torch.log_softmax(logits[:-1], dim=-1)
    target = torch.tensor(tokens[1:])
    per_token = logp.gather(1, target[:, None])[:, 0]
    return per_token[len(prompt) - 1 :]


def sft_loss(model, data):
    import torch

    total, count = torch.zeros(()), 0
    for e in data:
        lp = completion_logps(model, e["prompt"], e["completion"])
        total = total + (-lp * torch.tensor(e["weights"])).sum()
        count += len(e["completion"])
    return total / count


def dpo_loss(model, pairs, refs, beta, smoothing, loss_type, nll_coef):
    import torch
    import torch.nn.functional as F

    losses = []
    for e, (rc, rr) in zip(pairs, refs):
        c = completion_logps(model, e["prompt"], e["chosen"])
        r = completion_logps(model, e["prompt"], e["rejected"])
        delta = (c.sum() - r.sum()) - (rc - rr)
        if loss_type == "sigmoid":
            loss = -F.logsigmoid(beta * delta) * (1 - smoothing) - F.logsigmoid(-beta * delta) * smoothing
        else:
            loss = (delta - 1 / (2 * beta)) ** 2
        loss = loss + nll_coef * (-c.sum() / len(e["chosen"]))
        losses.append(loss)
    return torch.stack(losses).mean()


def references(model, pairs):
    import torch

    with torch.no_grad(), model.disable_adapter():
        return [
            (
                float(completion_logps(model, e["prompt"], e["chosen"]).sum()),
                float(completion_logps(model, e["prompt"], e["rejected"]).sum()),
            )
            for e in pairs
        ]


def peft_model(base_dir, adapter_dir):
    import torch
    from peft import PeftModel
    from transformers import LlamaForCausalLM

    base = LlamaForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir, is_trainable=True)
    model.train()  # dropout is 0: train mode changes nothing but keeps gradients on
    return model


def gradients(model):
    out = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            out[name.replace(".default", "")] = b64(p.grad.detach().numpy())
    return out


def run_case(base_dir, adapter_dir, loss_fn, lr, weight_decay):
    """One step's loss and gradients, then the losses of ten AdamW steps from the same start."""
    import torch
    from transformers import get_cosine_schedule_with_warmup

    model = peft_model(base_dir, adapter_dir)
    loss = loss_fn(model)
    loss.backward()
    case = {"loss": float(loss), "gradients": gradients(model)}

    model = peft_model(base_dir, adapter_dir)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    schedule = get_cosine_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=STEPS)
    trajectory = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        trajectory.append({"loss": float(loss), "lr": opt.param_groups[0]["lr"], "grad_norm": float(norm)})
        opt.step()
        schedule.step()
    case["steps"] = trajectory
    case["optimizer"] = {"lr": lr, "weight_decay": weight_decay, "warmup_steps": 2, "scheduler": "cosine", "max_grad_norm": 1.0}
    return case


def write_adapters(base_dir, out):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    torch.manual_seed(99)
    base = LlamaForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=MODULES, task_type="CAUSAL_LM")
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    for name, rs in [("lora-init", False), ("lora-init-rslora", True)]:
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        model.peft_config["default"].use_rslora = rs
        model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))  # PEFT's model card template
        with open(os.path.join(d, "adapter_config.json")) as f:
            cfg = json.load(f)
        cfg["base_model_name_or_path"] = "tiny-llama"  # not this machine's absolute path
        with open(os.path.join(d, "adapter_config.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)


def write_manifest():
    import hashlib

    rows = []
    for d, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            path = os.path.join(d, name)
            rel = os.path.relpath(path, OUT)
            if rel == "MANIFEST.md":
                continue
            with open(path, "rb") as f:
                data = f.read()
            rows.append(f"| {rel} | {len(data)} | {hashlib.sha256(data).hexdigest()[:16]}… |")
    with open(os.path.join(OUT, "MANIFEST.md"), "w") as f:
        f.write("# TroupeTrain test fixtures\n\nWritten by `scripts/reference/train_reference.py`; do not edit by hand.\n\n")
        f.write("| file | bytes | sha256 |\n|---|---|---|\n" + "\n".join(rows) + "\n\nWhat each file holds:\n\n```\n" + __doc__.strip() + "\n```\n")


def main():
    if "--manifest-only" in sys.argv:
        return write_manifest()
    import torch

    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    tokenizer = os.path.join(OUT, "tokenizer.json")
    shutil.copy(os.path.join(LM_FIXTURES, "tiny-tokenizer", "tokenizer-smollm.json"), tokenizer)
    model, config = lm_reference.make_tiny_llama(OUT, tokenizer)
    os.remove(tokenizer)
    lm_reference.write_gguf(os.path.join(OUT, "tiny-llama-f32.gguf"), model, config, os.path.join(OUT, "tiny-llama", "tokenizer.json"), mixed=False)
    base_dir = os.path.join(OUT, "tiny-llama")
    write_adapters(base_dir, OUT)
    init, rslora = os.path.join(OUT, "lora-init"), os.path.join(OUT, "lora-init-rslora")

    sft, pairs = examples(config.vocab_size)
    probe = peft_model(base_dir, init)
    refs = references(probe, pairs)
    ref = {"sft_examples": sft, "pairs": pairs, "cases": {}}
    ref["cases"]["sft"] = run_case(base_dir, init, lambda m: sft_loss(m, sft), lr=1e-2, weight_decay=0.01)
    ref["cases"]["sft"]["adapter"] = "lora-init"
    ref["cases"]["dpo_cdpo"] = run_case(
        base_dir, rslora, lambda m: dpo_loss(m, pairs, refs, 0.1, 0.1, "sigmoid", 0.0), lr=1e-2, weight_decay=0.0
    )
    ref["cases"]["dpo_cdpo"].update(
        {"adapter": "lora-init-rslora", "beta": 0.1, "label_smoothing": 0.1, "loss_type": "sigmoid", "nll_loss_coef": 0.0}
    )
    ref["cases"]["dpo_ipo_nll"] = run_case(
        base_dir, init, lambda m: dpo_loss(m, pairs, refs, 0.5, 0.0, "ipo", 0.3), lr=1e-3, weight_decay=0.0
    )
    ref["cases"]["dpo_ipo_nll"].update(
        {"adapter": "lora-init", "beta": 0.5, "label_smoothing": 0.0, "loss_type": "ipo", "nll_loss_coef": 0.3}
    )
    ref["references"] = refs
    with open(os.path.join(OUT, "train-reference.json"), "w") as f:
        json.dump(ref, f, indent=0)
    write_manifest()
    print("wrote", OUT)


if __name__ == "__main__":
    main()
