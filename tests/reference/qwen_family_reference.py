#!/usr/bin/env python3
"""Independent reference forward passes for the Qwen-layout families (numpy only).

Builds tiny deterministic checkpoints in the exact on-disk layouts of

* Dream (Dream-org/Dream-v0-Instruct-7B, Dream-Coder, DiffuCoder): Qwen2 tensor names, q/k/v
  bias, grouped K/V heads, bidirectional attention, **logits shifted by one** (the prediction for
  position i is read from the hidden state at i-1; position 0 keeps its own row, as in Dream's
  `logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)`). Its tokenizer is shipped the
  way the Dream repo ships it: vocab.json + merges.txt + tokenizer_config.json, no tokenizer.json.
* dllm's A2D Qwen2 conversions (dllm-hub/Qwen2.5-Coder-0.5B-Instruct-diffusion-mdlm-v0.1):
  model_type "a2d-qwen2", Qwen2 tensor names, q/k/v bias, tied embeddings, no shift.
* dllm's A2D Qwen3 conversions (dllm-hub/Qwen3-0.6B-diffusion-mdlm-v0.1): model_type
  "a2d-qwen3", per-head q_norm/k_norm RMSNorm, no bias, head_dim != hidden/heads, untied head,
  no shift; and a block-causal copy (`unmask_block_size`, BD3LM-style attention).

then writes, in float64, the logits of every position of a fixed token sequence to golden.json.
Run from the repository root:

    python3 tests/reference/qwen_family_reference.py

The outputs under tests/fixtures/ are committed; CI never runs this script.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from llada_reference import (  # noqa: E402  (shared, independent helpers)
    kv_head_for,
    read_safetensors,
    rms_norm,
    rope_tables,
    rotate_half,
    write_json,
    write_safetensors,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

# Qwen2's pre-tokenizer regex (tokenizer.json of Qwen2/2.5/3 and Dream's tokenization_dream.py).
QWEN_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Qwen-style special tokens, in id order after the BPE vocabulary (as in Qwen2.5's tokenizer).
SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|mask|>",
]

# Corpus the tiny byte-level BPE merges are learned from (English, code and a little Chinese).
CORPUS = (
    "the cat sat on the mat and the dog ate the bone . hello world , hello there ! "
    "def main ( ) : return the answer in the end . 你好 世界 你好 "
    "they then thought that these three things were the best ."
)
N_MERGES = 60


# --------------------------------------------------------------------------- byte-level BPE


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table used by byte-level BPE."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def learn_bpe() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Base vocabulary of the 256 byte symbols plus N_MERGES merges learned on CORPUS."""
    table = bytes_to_unicode()
    vocab: dict[str, int] = {table[b]: i for i, b in enumerate(sorted(table))}
    words: dict[tuple[str, ...], int] = {}
    for i, w in enumerate(CORPUS.split(" ")):
        text = w if i == 0 else " " + w
        sym = tuple(table[b] for b in text.encode("utf-8"))
        words[sym] = words.get(sym, 0) + 1
    merges: list[tuple[str, str]] = []
    for _ in range(N_MERGES):
        pairs: dict[tuple[str, str], int] = {}
        for sym, count in words.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + count
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])  # ties: first in sorted order
        merges.append(best)
        vocab[best[0] + best[1]] = len(vocab)
        new_words: dict[tuple[str, ...], int] = {}
        for sym, count in words.items():
            out: list[str] = []
            i = 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + count
        words = new_words
    return vocab, merges


def special_ids(vocab: dict[str, int]) -> dict[str, int]:
    return {tok: len(vocab) + i for i, tok in enumerate(SPECIALS)}


def added_token(tok_id: int, content: str) -> dict:
    return {
        "id": tok_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def tokenizer_json(vocab: dict[str, int], merges: list[tuple[str, str]]) -> dict:
    """A Qwen2-format tokenizer.json (NFC, regex Split + ByteLevel, BPE, ByteLevel decoder)."""
    specials = special_ids(vocab)
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(i, t) for t, i in specials.items()],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN_REGEX}, "behavior": "Isolated", "invert": False},
                byte_level,
            ],
        },
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


QWEN_CHAT_TEMPLATE = (
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content"
    " + '<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def tokenizer_config(vocab: dict[str, int], tokenizer_class: str, with_mask: bool) -> dict:
    """tokenizer_config.json with `added_tokens_decoder`, as transformers writes it."""
    specials = special_ids(vocab)
    decoder = {
        str(i): {k: v for k, v in added_token(i, t).items() if k != "id"} for t, i in specials.items()
    }
    cfg = {
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "bos_token": None,
        "chat_template": QWEN_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>",
        "errors": "replace",
        "model_max_length": 64,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": tokenizer_class,
        "unk_token": None,
    }
    if with_mask:
        cfg["mask_token"] = "<|mask|>"
    return cfg


# --------------------------------------------------------------------------- specs

SPECS = {
    # Dream-v0-Instruct-7B shape in miniature: GQA 4/2, q/k/v bias, untied head, shifted logits,
    # embedding rows padded past the tokenizer (152064 vs 151665 in the real one).
    "tiny-dream": dict(
        family="dream",
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=None,
        intermediate_size=64,
        rope_theta=1000000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=False,
        pad_rows=5,
        seed=20250303,
    ),
    # Qwen2.5-Coder-0.5B conversion in miniature: GQA 6/2, q/k/v bias, tied embeddings.
    "tiny-qwen2": dict(
        family="qwen2",
        hidden_size=48,
        num_hidden_layers=2,
        num_attention_heads=6,
        num_key_value_heads=2,
        head_dim=None,
        intermediate_size=96,
        rope_theta=1000000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
        pad_rows=3,
        seed=20250404,
    ),
    # Qwen3-0.6B conversion in miniature: head_dim 16 != 32/4, q_norm/k_norm, no bias, untied.
    "tiny-qwen3": dict(
        family="qwen3",
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        intermediate_size=64,
        rope_theta=1000000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=False,
        pad_rows=0,
        seed=20250505,
    ),
}

STD = {"embed": 0.3, "q": 0.25, "k": 0.25, "v": 0.2, "o": 0.15, "bias": 0.1,
       "gate": 0.2, "up": 0.2, "down": 0.12, "head": 0.25, "norm_noise": 0.1}


def dims(spec: dict, vocab_rows: int) -> dict:
    d = spec["hidden_size"]
    nh = spec["num_attention_heads"]
    hd = spec["head_dim"] or d // nh
    return dict(d=d, nh=nh, nkv=spec["num_key_value_heads"], hd=hd,
                ff=spec["intermediate_size"], rows=vocab_rows)


def make_config(name: str, spec: dict, rows: int, ids: dict[str, int]) -> dict:
    """config.json with the keys of the real checkpoints of each family."""
    common = {
        "attention_dropout": 0.0,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|endoftext|>"],
        "hidden_act": "silu",
        "hidden_size": spec["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": spec["intermediate_size"],
        "max_position_embeddings": 64,
        "max_window_layers": spec["num_hidden_layers"],
        "num_attention_heads": spec["num_attention_heads"],
        "num_hidden_layers": spec["num_hidden_layers"],
        "num_key_value_heads": spec["num_key_value_heads"],
        "rms_norm_eps": spec["rms_norm_eps"],
        "rope_scaling": None,
        "rope_theta": spec["rope_theta"],
        "sliding_window": None,
        "tie_word_embeddings": spec["tie_word_embeddings"],
        "torch_dtype": "float32",
        "transformers_version": "4.46.2",
        "use_cache": False,
        "use_sliding_window": False,
        "vocab_size": rows,
    }
    family = spec["family"]
    if family == "dream":
        return {
            "architectures": ["DreamModel"],
            "auto_map": {
                "AutoConfig": "configuration_dream.DreamConfig",
                "AutoModel": "modeling_dream.DreamModel",
            },
            "mask_token_id": ids["<|mask|>"],
            "model_type": "Dream",
            "pad_token_id": ids["<|endoftext|>"],
        } | common
    if family == "qwen2":
        return {"architectures": ["A2DQwen2LMHeadModel"], "model_type": "a2d-qwen2"} | common
    if family == "qwen3":
        cfg = {"architectures": ["A2DQwen3LMHeadModel"], "model_type": "a2d-qwen3"} | common
        cfg["attention_bias"] = False
        cfg["head_dim"] = spec["head_dim"]
        return cfg
    raise ValueError(name)


def make_weights(spec: dict, rows: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(spec["seed"])
    k = dims(spec, rows)
    d, nh, nkv, hd, ff = k["d"], k["nh"], k["nkv"], k["hd"], k["ff"]
    family = spec["family"]
    bias = family in ("dream", "qwen2")
    qk_norm = family == "qwen3"

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def norm_weight(n):
        return (1.0 + rng.standard_normal(n) * STD["norm_noise"]).astype(np.float32)

    w: dict[str, np.ndarray] = {"model.embed_tokens.weight": normal((rows, d), STD["embed"])}
    for i in range(spec["num_hidden_layers"]):
        p = f"model.layers.{i}"
        w[f"{p}.input_layernorm.weight"] = norm_weight(d)
        w[f"{p}.self_attn.q_proj.weight"] = normal((nh * hd, d), STD["q"])
        w[f"{p}.self_attn.k_proj.weight"] = normal((nkv * hd, d), STD["k"])
        w[f"{p}.self_attn.v_proj.weight"] = normal((nkv * hd, d), STD["v"])
        if bias:
            w[f"{p}.self_attn.q_proj.bias"] = normal(nh * hd, STD["bias"])
            w[f"{p}.self_attn.k_proj.bias"] = normal(nkv * hd, STD["bias"])
            w[f"{p}.self_attn.v_proj.bias"] = normal(nkv * hd, STD["bias"])
        if qk_norm:
            w[f"{p}.self_attn.q_norm.weight"] = norm_weight(hd)
            w[f"{p}.self_attn.k_norm.weight"] = norm_weight(hd)
        w[f"{p}.self_attn.o_proj.weight"] = normal((d, nh * hd), STD["o"])
        w[f"{p}.post_attention_layernorm.weight"] = norm_weight(d)
        w[f"{p}.mlp.gate_proj.weight"] = normal((ff, d), STD["gate"])
        w[f"{p}.mlp.up_proj.weight"] = normal((ff, d), STD["up"])
        w[f"{p}.mlp.down_proj.weight"] = normal((d, ff), STD["down"])
    w["model.norm.weight"] = norm_weight(d)
    if not spec["tie_word_embeddings"]:
        w["lm_head.weight"] = normal((rows, d), STD["head"])
    return w


# --------------------------------------------------------------------------- forward


def forward(config: dict, weights: dict[str, np.ndarray], tokens: list[int], dtype=np.float64,
            kv_layout: str = "grouped", shift: bool | None = None, block_size: int | None = None,
            use_qk_norm: bool = True, use_bias: bool = True) -> np.ndarray:
    """Logits [seq, vocab_size] for every position (bidirectional, or block-causal)."""
    d = config["hidden_size"]
    nh = config["num_attention_heads"]
    nkv = config["num_key_value_heads"]
    hd = config.get("head_dim") or d // nh
    eps = config["rms_norm_eps"]
    seq = len(tokens)
    w = {k: v.astype(dtype) for k, v in weights.items()}
    sin, cos = rope_tables(seq, hd, config["rope_theta"], dtype)
    kv_of = kv_head_for(nh, nkv, kv_layout)
    scale = dtype(1.0 / np.sqrt(hd))
    if shift is None:
        shift = config["model_type"] == "Dream"
    if block_size is None:
        block_size = config.get("unmask_block_size")
    allowed = np.ones((seq, seq), dtype=bool)
    if block_size:
        blocks = np.arange(seq) // block_size
        allowed = blocks[None, :] <= blocks[:, None]  # key block <= query block

    x = w["model.embed_tokens.weight"][np.asarray(tokens)]
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}"
        h = rms_norm(x, w[f"{p}.input_layernorm.weight"], eps)

        def proj(name: str, heads: int) -> np.ndarray:
            y = h @ w[f"{p}.self_attn.{name}_proj.weight"].T
            b = w.get(f"{p}.self_attn.{name}_proj.bias")
            if b is not None and use_bias:
                y = y + b
            return y.reshape(seq, heads, hd)

        q, k, v = proj("q", nh), proj("k", nkv), proj("v", nkv)
        if f"{p}.self_attn.q_norm.weight" in w and use_qk_norm:
            q = rms_norm(q, w[f"{p}.self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[f"{p}.self_attn.k_norm.weight"], eps)
        q, k, v = (t.transpose(1, 0, 2) for t in (q, k, v))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        heads = []
        for hq in range(nh):
            scores = (q[hq] @ k[kv_of[hq]].T) * scale
            scores = np.where(allowed, scores, -np.inf)
            scores = scores - scores.max(axis=-1, keepdims=True)
            pr = np.exp(scores)
            pr = pr / pr.sum(axis=-1, keepdims=True)
            heads.append(pr @ v[kv_of[hq]])
        att = np.stack(heads, axis=1).reshape(seq, nh * hd)
        x = x + att @ w[f"{p}.self_attn.o_proj.weight"].T
        n = rms_norm(x, w[f"{p}.post_attention_layernorm.weight"], eps)
        gate = n @ w[f"{p}.mlp.gate_proj.weight"].T
        up = n @ w[f"{p}.mlp.up_proj.weight"].T
        x = x + (gate / (dtype(1.0) + np.exp(-gate)) * up) @ w[f"{p}.mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if config["tie_word_embeddings"] else w["lm_head.weight"]
    logits = x @ head.T
    if shift:
        # Dream: logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)
        logits = np.concatenate([logits[:1], logits[:-1]], axis=0)
    return logits


# --------------------------------------------------------------------------- fixtures


def write_golden(folder: Path, tokens: list[int], logits: np.ndarray, note: str) -> None:
    golden = {
        "tokens": tokens,
        "logits": [[round(float(v), 10) for v in row] for row in logits],
        "note": note,
    }
    (folder / "golden.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")


def fixed_tokens(ids: dict[str, int], vocab: dict[str, int], rows: int) -> list[int]:
    """12 tokens: chat markers, BPE pieces, the mask several times, an id from the padded rows."""
    m = ids["<|mask|>"]
    piece = lambda s: vocab[s]  # noqa: E731
    toks = [ids["<|im_start|>"], piece("Ġthe"), piece("Ġhello"), m, m, piece("world"),
            ids["<|im_end|>"], m, piece("h"), m, ids["<|endoftext|>"], rows - 1]
    assert len(toks) == 12
    return toks


def build() -> None:
    vocab, merges = learn_bpe()
    ids = special_ids(vocab)
    assert all(t in vocab for t in ("Ġthe", "Ġhello", "world")), "corpus must merge these"
    results = {}
    for name, spec in SPECS.items():
        folder = FIXTURES / name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        rows = len(vocab) + len(SPECIALS) + spec["pad_rows"]
        config = make_config(name, spec, rows, ids)
        write_json(folder / "config.json", config)
        write_safetensors(folder / "model.safetensors", make_weights(spec, rows))
        if spec["family"] == "dream":
            # As the Dream repo ships it: no tokenizer.json.
            write_json(folder / "vocab.json", vocab)
            (folder / "merges.txt").write_text(
                "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8"
            )
            write_json(folder / "tokenizer_config.json", tokenizer_config(vocab, "DreamTokenizer", False))
        else:
            write_json(folder / "tokenizer.json", tokenizer_json(vocab, merges))
            write_json(folder / "tokenizer_config.json", tokenizer_config(vocab, "Qwen2Tokenizer", True))
        results[name] = (config, rows)

    # A block-causal (BD3LM-style) copy of tiny-qwen3: same weights, `unmask_block_size` 4.
    src = FIXTURES / "tiny-qwen3"
    bd = FIXTURES / "tiny-qwen3-bd3lm"
    bd.mkdir(parents=True, exist_ok=True)
    for stale in bd.iterdir():
        stale.unlink()
    for f in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"]:
        (bd / f).write_bytes((src / f).read_bytes())
    config = json.loads((src / "config.json").read_text()) | {"unmask_block_size": 4}
    write_json(bd / "config.json", config)
    results["tiny-qwen3-bd3lm"] = (config, results["tiny-qwen3"][1])

    table = []
    computed = {}
    for name, (config, rows) in results.items():
        folder = FIXTURES / name
        weights = read_safetensors(folder / "model.safetensors")
        tokens = fixed_tokens(ids, vocab, rows)
        l64 = forward(config, weights, tokens, np.float64)
        l32 = forward(config, weights, tokens, np.float32)
        write_golden(folder, tokens, l64, "produced by tests/reference/qwen_family_reference.py")
        computed[name] = (config, weights, tokens, l64)
        size = sum(f.stat().st_size for f in folder.iterdir())
        diff = float(np.max(np.abs(l64 - l32.astype(np.float64))))
        table.append((name, float(np.max(np.abs(l64))), diff, size))
        assert size < 300_000, f"{name} is {size} bytes"
        assert diff < 1e-5, f"{name}: float32 drifts {diff} from float64"

    self_checks(computed)
    print("fixture               max|logit|   f64-vs-f32 max abs diff   size (bytes)")
    for name, mx, diff, size in table:
        print(f"{name:20s}  {mx:10.4f}   {diff:22.3e}   {size:12d}")


def self_checks(computed: dict) -> None:
    def delta(a, b):
        return float(np.max(np.abs(a - b)))

    for name, (config, weights, tokens, l64) in computed.items():
        assert float(np.std(l64)) > 0.3, f"{name}: logits too flat"
        # (a) bidirectional (or not, past a block): the last token moves position 0's logits.
        changed = list(tokens)
        changed[-1] = tokens[1]
        moved = delta(forward(config, weights, changed)[0], l64[0])
        if config.get("unmask_block_size"):
            assert moved == 0.0, f"{name}: block-causal position 0 saw a later block ({moved})"
            print(f"check (a) {name}: the last block leaves position 0 unchanged")
        else:
            assert moved > 1e-3, f"{name}: position 0 ignores the last token ({moved})"
            print(f"check (a) {name}: last token moves position-0 logits by {moved:.4f}")
        # (b) K/V grouping matters.
        tiled = delta(forward(config, weights, tokens, kv_layout="tiled"), l64)
        assert tiled > 1e-3, f"{name}: GQA grouping does not matter"
        print(f"check (b) {name}: tiled K/V sharing moves logits by {tiled:.4f}")

    # (c) Dream's shift: row i is row i-1 of the unshifted logits, row 0 its own.
    config, weights, tokens, l64 = computed["tiny-dream"]
    plain = forward(config, weights, tokens, shift=False)
    assert np.array_equal(l64[1:], plain[:-1]) and np.array_equal(l64[0], plain[0])
    print(f"check (c) tiny-dream: the shift moves logits by {delta(plain, l64):.4f}")
    # (d) biases and q/k norms matter.
    for name in ("tiny-dream", "tiny-qwen2"):
        config, weights, tokens, l64 = computed[name]
        print(f"check (d) {name}: q/k/v bias moves logits by "
              f"{delta(forward(config, weights, tokens, use_bias=False), l64):.4f}")
    config, weights, tokens, l64 = computed["tiny-qwen3"]
    moved = delta(forward(config, weights, tokens, use_qk_norm=False), l64)
    assert moved > 1e-3
    print(f"check (d) tiny-qwen3: q_norm/k_norm move logits by {moved:.4f}")
    # (e) the block mask matters for later blocks.
    bd = computed["tiny-qwen3-bd3lm"][3]
    moved = delta(bd, computed["tiny-qwen3"][3])
    assert moved > 1e-3
    print(f"check (e) tiny-qwen3-bd3lm: block-causal attention moves logits by {moved:.4f}")


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    build()
    sys.exit(0)
