#!/usr/bin/env python3
"""Writes the reference fixtures that TroupeLM's tests compare against.

Everything here comes from the reference implementations (Hugging Face `tokenizers` and
`transformers` in PyTorch f32, `gguf` from llama.cpp's gguf-py, and llama.cpp itself through
llama-cpp-python); the Swift engine shares no code with them.

    python3 scripts/reference/lm_reference.py            # tiny fixtures -> Tests/TroupeLMTests/Fixtures
    python3 scripts/reference/lm_reference.py --smollm2  # also SmolLM2-135M-Instruct (slow test data)

Tiny fixtures (committed, a few hundred KB):
  tiny-tokenizer/            byte-level BPE tokenizers trained here: SmolLM2-style (Digits + ByteLevel)
                             and Llama 3-style (Split regex + ByteLevel) tokenizer.json files
  tokenizer-cases.json       texts and the ids HF tokenizers gives them
  tiny-llama/                a random Llama (config.json, model.safetensors F32, tokenizer.json)
  tiny-llama-f32.gguf        the same weights as GGUF (Q/K rows permuted as llama.cpp's converter does)
  tiny-llama-mixed.gguf      the same, quantized: Q8_0, Q4_0, Q4_1, F16, BF16 mixed
  tiny-reference.json        token ids, logits at every position (HF model, and the dequantized
                             mixed model), and greedy continuations
  quant-blocks.json          random blocks of every GGUF type with gguf-py's dequantization
  MANIFEST.md                what each file is

SmolLM2 fixtures (--smollm2; needs the cached default model and llama-cpp-python):
  smollm2/reference.json     llama.cpp's token ids of texts and chats, transformers' f32 logits
                             (top 20, a fixed id slice, logsumexp) at several positions, and the
                             greedy continuations of transformers, of llama.cpp on the GGUF as it
                             ships (Q4_1, f16 KV cache) and of llama.cpp on an f32 copy of the same
                             weights (dequantized by gguf-py, f32 KV cache).
"""
import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "TroupeLMTests", "Fixtures")

CORPUS = """
The quick brown fox jumps over the lazy dog. It's 2024, and we've got 1234567 reasons to test.
Troupe's agents don't sleep; they'll run episodes, they're tireless, and I'm sure you'd agree.
def main():\n    print("hello, world")\n    return 42\n
Numbers: 3.14159, 2.71828, 1e-5, 100000, 0x1F. Dates: 2023-01-15, 12/31/1999.
Unicode: café, naïve, über, Ελληνικά, русский, 日本語, 中文, 한국어, emoji 😀🚀✨.
Whitespace:   three spaces,\ttab,\n\nnew lines,   trailing   .
<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nParis.<|im_end|>\n
Mixed: CamelCase snake_case kebab-case ALLCAPS lowercase 'quoted' "double" (parens) [brackets] {braces}.
""" * 20

CASES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "It's 2024; we've got 1234567 reasons, don't we? I'M SURE YOU'D AGREE.",
    "   leading spaces and trailing   ",
    "tabs\tand\nnewlines\n\n\nand\r\nwindows line ends",
    "café naïve über Ελληνικά русский 日本語 中文 한국어",
    "emoji 😀🚀✨ and symbols ½ ² ③ ٣",
    "def f(x):\n    return x**2  # square\n",
    "3.14159 + 2.71828 = 5.85987; 100000 / 7",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "a" * 300,
    " ",
    "",
    "!!!???...,,,;;;",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE",
]

LLAMA3_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

CHATML_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

ROPE_THETA = 10000.0
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def train_tokenizers(out_dir):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, pre in [
        (
            "smollm",
            pre_tokenizers.Sequence(
                [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
            ),
        ),
        (
            "llama3",
            pre_tokenizers.Sequence(
                [
                    pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated"),
                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
                ]
            ),
        ),
    ]:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=400 if name == "smollm" else 420,
            special_tokens=SPECIALS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tok.train_from_iterator([CORPUS], trainer=trainer)
        path = os.path.join(out_dir, f"tokenizer-{name}.json")
        tok.save(path)
        paths[name] = path
    return paths


def tokenizer_cases(paths):
    from tokenizers import Tokenizer

    cases = []
    for name, path in paths.items():
        tok = Tokenizer.from_file(path)
        for text in CASES:
            cases.append({"tokenizer": name, "text": text, "ids": tok.encode(text).ids})
    return cases


def permute(w, n_head):
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute (rows of q/k for interleaved RoPE)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def make_tiny_llama(out_dir, tokenizer_path):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    with open(tokenizer_path) as f:
        vocab = json.load(f)["model"]["vocab"]
    vocab_size = max(vocab.values()) + 1
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=128,
        rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        torch_dtype="float32",
    )
    torch.manual_seed(1234)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.08)
    d = os.path.join(out_dir, "tiny-llama")
    model.save_pretrained(d, safe_serialization=True)
    # Keep only what the engine reads.
    for extra in ["generation_config.json"]:
        if os.path.exists(os.path.join(d, extra)):
            os.remove(os.path.join(d, extra))
    with open(tokenizer_path) as f:
        tokenizer_json = f.read()
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        f.write(tokenizer_json)
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "chat_template": CHATML_TEMPLATE}, f, indent=1)
    return model, config


# Types of the mixed GGUF, per tensor role: every supported encodable type appears at least once.
MIXED_TYPES = {
    "token_embd": "Q8_0",
    "attn_q": "Q4_0",
    "attn_k": "Q4_1",
    "attn_v": "Q8_0",
    "attn_output": "Q4_1",
    "ffn_gate": "F16",
    "ffn_up": "BF16",
    "ffn_down": "Q4_1",
}


def write_gguf(path, model, config, tokenizer_path, mixed):
    import gguf

    with open(tokenizer_path) as f:
        tj = json.load(f)
    vocab = tj["model"]["vocab"]
    added = {t["id"]: t for t in tj["added_tokens"]}
    size = max(vocab.values()) + 1
    tokens = [None] * size
    for t, i in vocab.items():
        tokens[i] = t
    for i, t in added.items():
        tokens[i] = t["content"]
    types = [3 if i in added else 1 for i in range(size)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]

    w = gguf.GGUFWriter(path, "llama")
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(config.hidden_size)
    w.add_block_count(config.num_hidden_layers)
    w.add_feed_forward_length(config.intermediate_size)
    w.add_rope_dimension_count(config.head_dim)
    w.add_head_count(config.num_attention_heads)
    w.add_head_count_kv(config.num_key_value_heads)
    w.add_layer_norm_rms_eps(config.rms_norm_eps)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_vocab_size(size)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML_TEMPLATE)
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
    }
    per_layer = {
        "input_layernorm": "attn_norm",
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "post_attention_layernorm": "ffn_norm",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
    }
    dequantized = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight":
            continue  # tied
        data = tensor.detach().float().numpy()
        if name in names:
            gname = names[name]
        else:
            layer = name.split(".")[2]
            key = ".".join(name.split(".")[3:-1])
            gname = f"blk.{layer}.{per_layer[key]}.weight"
        role = gname.split(".")[-2]
        if role == "attn_q":
            data = permute(data, config.num_attention_heads)
        elif role == "attn_k":
            data = permute(data, config.num_key_value_heads)
        qtype = "F32"
        if mixed and data.ndim == 2:
            qtype = MIXED_TYPES[role]
        qt = getattr(gguf.GGMLQuantizationType, qtype)
        if qtype == "F32":
            stored = data.astype(np.float32)
            back = stored
        else:
            stored = gguf.quants.quantize(data.astype(np.float32), qt)
            back = gguf.quants.dequantize(stored, qt).reshape(data.shape)
        w.add_tensor(gname, stored, raw_dtype=qt)
        # Undo the permutation for the HF-layout copy of the dequantized weights.
        if role in ("attn_q", "attn_k"):
            heads = config.num_attention_heads if role == "attn_q" else config.num_key_value_heads
            hd = back.shape[0] // heads
            back = back.reshape(heads, hd // 2, 2, -1).swapaxes(1, 2).reshape(back.shape)
        dequantized[name] = back
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return dequantized


def logits_of(model, ids):
    import torch

    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float().numpy()


def greedy(model, ids, n):
    import torch

    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False, eos_token_id=None, pad_token_id=0)
    return out[0][len(ids):].tolist()


def quant_blocks():
    import gguf

    rng = np.random.default_rng(7)
    cases = []
    for name in ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"]:
        qt = getattr(gguf.GGMLQuantizationType, name)
        block, size = gguf.GGML_QUANT_SIZES[qt]
        n = 2 * max(block, 256)
        if name in ("Q4_K", "Q6_K"):
            # Random bytes with sane f16 scales (random bits could be NaN or huge).
            raw = rng.integers(0, 256, size=(n // block) * size, dtype=np.uint8).reshape(n // block, size)
            scales = (rng.random((n // block, 2)) * 0.02 + 0.001).astype(np.float16).view(np.uint8)
            if name == "Q4_K":
                raw[:, 0:4] = scales.reshape(n // block, 4)
            else:
                raw[:, 208:210] = scales[:, 0:2]
                raw[:, 192:208] = rng.integers(-60, 60, size=(n // block, 16), dtype=np.int8).view(np.uint8)
            raw = raw.reshape(-1)
        else:
            raw = gguf.quants.quantize(rng.standard_normal(n).astype(np.float32), qt)
            raw = np.frombuffer(np.ascontiguousarray(raw).tobytes(), dtype=np.uint8)
        values = gguf.quants.dequantize(raw.reshape(1, -1) if name not in ("F16",) else raw.view(np.float16).reshape(1, -1), qt)
        cases.append({"type": name, "count": n, "bytes": b64(raw), "values": b64(values.astype(np.float32).reshape(-1))})
    return cases


def tiny(out):
    os.makedirs(out, exist_ok=True)
    paths = train_tokenizers(os.path.join(out, "tiny-tokenizer"))
    with open(os.path.join(out, "tokenizer-cases.json"), "w") as f:
        json.dump(tokenizer_cases(paths), f, ensure_ascii=False, indent=0)
    model, config = make_tiny_llama(out, paths["smollm"])
    write_gguf(os.path.join(out, "tiny-llama-f32.gguf"), model, config, paths["smollm"], mixed=False)
    dequantized = write_gguf(os.path.join(out, "tiny-llama-mixed.gguf"), model, config, paths["smollm"], mixed=True)

    from tokenizers import Tokenizer
    import torch
    from transformers import LlamaForCausalLM

    tok = Tokenizer.from_file(paths["smollm"])
    texts = ["The quick brown fox jumps over the lazy dog. It's 2024!", "def main():\n    print(42)\n"]
    mixed_model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        state = {k: torch.tensor(v) for k, v in dequantized.items()}
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
        mixed_model.load_state_dict(state)
    ref = {"sequences": []}
    for text in texts:
        ids = tok.encode(text).ids
        ref["sequences"].append(
            {
                "text": text,
                "ids": ids,
                "logits": b64(logits_of(model, ids).astype(np.float32)),
                "mixed_logits": b64(logits_of(mixed_model, ids).astype(np.float32)),
                "greedy": greedy(model, ids, 12),
                "mixed_greedy": greedy(mixed_model, ids, 12),
            }
        )
    ref["vocab_size"] = config.vocab_size
    with open(os.path.join(out, "tiny-reference.json"), "w") as f:
        json.dump(ref, f, indent=0)
    with open(os.path.join(out, "quant-blocks.json"), "w") as f:
        json.dump(quant_blocks(), f, indent=0)
    write_manifest(out)


def write_manifest(out):
    lines = ["# TroupeLM test fixtures", "", "Written by `scripts/reference/lm_reference.py`; do not edit by hand.", ""]
    lines.append("| file | bytes | sha256 |")
    lines.append("|---|---|---|")
    for base, _, files in sorted(os.walk(out)):
        for name in sorted(files):
            if name == "MANIFEST.md":
                continue
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                data = f.read()
            rel = os.path.relpath(path, out)
            lines.append(f"| {rel} | {len(data)} | {hashlib.sha256(data).hexdigest()[:16]}… |")
    lines += ["", "What each file holds:", "", "```", __doc__.strip(), "```"]
    with open(os.path.join(out, "MANIFEST.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


SMOL_TEXTS = [
    "Hello, world!",
    "The capital of France is Paris. It's 2024 and 1234567 people agree; don't they?",
    "   spaces\tand\n\nnewlines   ",
    "café naïve 日本語 😀 ½",
    "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n",
]
SMOL_CHATS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name three colors."}],
    [{"role": "user", "content": "Write a haiku about the sea."}],
]


def render_chatml(messages):
    out = ""
    if messages[0]["role"] != "system":
        out += "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    for m in messages:
        out += "<|im_start|>" + m["role"] + "\n" + m["content"] + "<|im_end|>\n"
    return out + "<|im_start|>assistant\n"


def dequantized_copy(src, dst):
    """Writes `src` (a GGUF) to `dst` with every tensor dequantized to f32 by gguf-py: the same
    model, without quantization's rounding."""
    import gguf
    from gguf.quants import dequantize

    reader = gguf.GGUFReader(src)
    writer = gguf.GGUFWriter(dst, arch=reader.fields["general.architecture"].contents())
    for field in reader.fields.values():
        if field.name == "general.architecture" or field.name.startswith("GGUF."):
            continue  # the writer adds these itself
        kind = field.types[0]
        value = 0 if field.name == "general.file_type" else field.contents()  # 0: all f32
        writer.add_key_value(field.name, value, kind, sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, dequantize(tensor.data, tensor.tensor_type).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def llamacpp_greedy(llm, ids, n):
    llm.reset()
    llm.eval(ids)
    toks = []
    for _ in range(n):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        toks.append(nxt)
        llm.eval([nxt])
    return toks


def smollm2(out, path, greedy_tokens):
    import tempfile

    import torch
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM

    os.makedirs(out, exist_ok=True)
    llm = Llama(model_path=path, n_ctx=2048, n_threads=2, logits_all=True, verbose=False, seed=0)
    ref = {"texts": [], "chats": [], "prompts": []}
    for text in SMOL_TEXTS:
        ref["texts"].append({"text": text, "ids": llm.tokenize(text.encode(), add_bos=False, special=False)})
    for chat in SMOL_CHATS:
        text = render_chatml(chat)
        ref["chats"].append({"messages": chat, "text": text, "ids": llm.tokenize(text.encode(), add_bos=False, special=True)})

    directory, name = os.path.split(path)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, torch_dtype=torch.float32).eval()
    slice_ids = list(range(0, 49152, 491))[:100]
    for item in ref["chats"][:2] + ref["texts"][1:2]:
        ids = item["ids"]
        logits = logits_of(model, ids)
        positions = sorted({0, len(ids) // 3, len(ids) // 2, len(ids) - 2, len(ids) - 1})
        entry = {"ids": ids, "positions": []}
        for p in positions:
            row = logits[p].astype(np.float64)
            top = np.argsort(-row, kind="stable")[:20]
            m = row.max()
            entry["positions"].append(
                {
                    "position": p,
                    "top_ids": top.tolist(),
                    "top_logits": row[top].tolist(),
                    "slice_logits": row[slice_ids].tolist(),
                    "logsumexp": float(m + np.log(np.exp(row - m).sum())),
                }
            )
        entry["hf_greedy"] = greedy(model, ids, greedy_tokens)
        entry["llamacpp_greedy"] = llamacpp_greedy(llm, ids, greedy_tokens)
        ref["prompts"].append(entry)
    # llama.cpp without quantization's rounding: the same weights in f32, K and V kept in f32
    # (type 0 is GGML_TYPE_F32).
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, "f32.gguf")
        dequantized_copy(path, f32)
        llm32 = Llama(model_path=f32, n_ctx=2048, n_threads=2, logits_all=True, verbose=False, seed=0, type_k=0, type_v=0)
        for entry in ref["prompts"]:
            entry["llamacpp_f32_greedy"] = llamacpp_greedy(llm32, entry["ids"], greedy_tokens)
        del llm32
    ref["slice_ids"] = slice_ids
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, ensure_ascii=False, indent=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--smollm2", action="store_true", help="also write the SmolLM2 fixtures")
    parser.add_argument("--model", default=None, help="the SmolLM2 GGUF (default: the model cache)")
    parser.add_argument("--greedy-tokens", type=int, default=32)
    parser.add_argument("--skip-tiny", action="store_true")
    args = parser.parse_args()
    if not args.skip_tiny:
        tiny(args.out)
    if args.smollm2:
        model = args.model or os.path.join(
            os.environ.get("TROUPE_MODEL_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "troupe", "models"),
            "SmolLM2-135M-Instruct.Q4_1.gguf",
        )
        if not os.path.exists(model):
            sys.exit(f"lm_reference: {model} is missing; run scripts/fetch-model first")
        smollm2(os.path.join(args.out, "smollm2"), model, args.greedy_tokens)
        write_manifest(args.out)


if __name__ == "__main__":
    main()
