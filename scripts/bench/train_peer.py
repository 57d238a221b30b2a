#!/usr/bin/env python3
"""The peers of `agent bench-train`: the same LoRA training step in PyTorch + PEFT (hand-written)
and in TRL's DPOTrainer / SFTTrainer, on the same model, shapes and thread count.

    python3 scripts/bench/train_peer.py --mode pytorch|trl --objective dpo|sft --model PATH \\
        [--threads 2] [--pairs 4] [--seq-len 256] [--prompt-len 128] [--rank 8] [--steps 3]

PATH is a .gguf file (loaded with transformers' GGUF reader, dequantized to f32, as Troupe trains
on the dequantized weights) or a Hugging Face directory. A DPO step: 2 × pairs sequences of
seq-len tokens, the reference forward (adapter disabled, no gradients), the policy forward and
backward, AdamW. An SFT step: the same sequences, loss on the completion tokens. One warm-up
step, then --steps measured. Prints one JSON line: tokens/s, seconds per step (wall and process
CPU time), peak resident memory (ru_maxrss). Needs torch, transformers, peft, trl, gguf.
"""
import argparse
import json
import os
import resource
import time


def load(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if path.endswith(".gguf"):
        d, name = os.path.split(path)
        model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(d, gguf_file=name)
        # The GGUF reader dequantizes every tensor to f32 but leaves the model marked as quantized,
        # which transformers' Trainer (and so TRL) refuses to train: drop the mark.
        if getattr(model, "hf_quantizer", None) is not None:
            model.hf_quantizer.remove_quantization_config(model)
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(path)
    return model, tokenizer


def lora_config(rank, task="CAUSAL_LM"):
    from peft import LoraConfig

    modules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    return LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=modules, task_type=task)


def result(implementation, objective, a, seconds, cpu_seconds):
    tokens = 2 * a.pairs * a.seq_len
    return {
        "implementation": implementation,
        "step": objective,
        "tokens_per_second": tokens / seconds,
        "seconds_per_step": seconds,
        "cpu_seconds_per_step": cpu_seconds,
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def pytorch(a):
    import torch
    import torch.nn.functional as F
    from peft import get_peft_model

    model, _ = load(a.model)
    model = get_peft_model(model, lora_config(a.rank))
    model.train()
    vocab = model.config.vocab_size
    g = torch.Generator().manual_seed(7)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    P = a.prompt_len

    def completion_logps(logits, ids):
        logp = torch.log_softmax(logits[:, P - 1 : -1].float(), -1)
        return logp.gather(2, ids[:, P:, None])[..., 0].sum(-1)

    times, cpu = [], []
    for step in range(a.steps + 1):
        ids = torch.randint(100, min(vocab, 40000), (2 * a.pairs, a.seq_len), generator=g)
        start, start_cpu = time.perf_counter(), time.process_time()
        opt.zero_grad()
        if a.objective == "dpo":
            with torch.no_grad(), model.disable_adapter():
                ref = completion_logps(model(ids).logits, ids)
            policy = completion_logps(model(ids).logits, ids)
            delta = (policy[: a.pairs] - policy[a.pairs :]) - (ref[: a.pairs] - ref[a.pairs :])
            loss = -F.logsigmoid(0.1 * delta).mean()
        else:
            logits = model(ids).logits[:, P - 1 : -1]
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), ids[:, P:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step > 0:
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return result("pytorch+peft", a.objective, a, sum(times) / len(times), sum(cpu) / len(cpu))


def trl(a):
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    model, tokenizer = load(a.model)
    g = torch.Generator().manual_seed(7)
    n = a.pairs * (a.steps + 1)

    def text(length):
        # Random ids decoded to text; TRL tokenizes it again (lengths stay close to these).
        ids = torch.randint(100, min(model.config.vocab_size, 40000), (length,), generator=g).tolist()
        return tokenizer.decode(ids)

    times, cpu, marks = [], [], {}

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            marks["start"], marks["cpu"] = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kw):
            if state.global_step > 1:
                times.append(time.perf_counter() - marks["start"])
                cpu.append(time.process_time() - marks["cpu"])

    common = dict(
        output_dir="/tmp/troupe-trl-bench", per_device_train_batch_size=a.pairs if a.objective == "dpo" else 2 * a.pairs,
        max_steps=a.steps + 1, logging_steps=1000, save_strategy="no", report_to=[], use_cpu=True,
        learning_rate=1e-4, dataloader_num_workers=0,
        # TRL turns bf16 on by default; on a CPU without bf16 arithmetic (these have none) torch
        # emulates it, many times slower and on one core. f32, as the other implementations.
        # Gradient checkpointing stays as TRL sets it (on).
        bf16=False,
    )
    C = a.seq_len - a.prompt_len
    if a.objective == "dpo":
        from trl import DPOConfig, DPOTrainer

        data = Dataset.from_list([{"prompt": text(a.prompt_len), "chosen": text(C), "rejected": text(C)} for _ in range(n)])
        args = DPOConfig(**common, beta=0.1, max_length=a.seq_len)
        trainer = DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer,
                             peft_config=lora_config(a.rank), callbacks=[Timer()])
        name = "trl DPOTrainer"
    else:
        from trl import SFTConfig, SFTTrainer

        data = Dataset.from_list([{"prompt": text(a.prompt_len), "completion": text(C)} for _ in range(2 * n)])
        args = SFTConfig(**common, max_length=a.seq_len)
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer,
                             peft_config=lora_config(a.rank), callbacks=[Timer()])
        name = "trl SFTTrainer"
    trainer.train()
    return result(name, a.objective, a, sum(times) / len(times), sum(cpu) / len(cpu))


def die_with_parent():
    """Exit when `agent bench-train` does (killed or stopped), and take SIGTERM and SIGINT again:
    the signal mask and dispositions are inherited from the parent, which may block them."""
    import ctypes
    import signal

    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        raise SystemExit("agent bench-train is gone; stopping")


def main():
    die_with_parent()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["pytorch", "trl"], required=True)
    p.add_argument("--objective", choices=["dpo", "sft"], default="dpo")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--prompt-len", type=int, default=128)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--steps", type=int, default=3)
    a = p.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(json.dumps(pytorch(a) if a.mode == "pytorch" else trl(a)))


if __name__ == "__main__":
    main()
