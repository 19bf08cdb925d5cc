#!/usr/bin/env python3
"""Independent reference forward pass for the LLaDA architecture (numpy only).

Builds tiny deterministic LLaDA checkpoints in the exact on-disk layout of
GSAI-ML/LLaDA-8B-Instruct (OLMo-style config.json, safetensors with
`model.transformer.*` tensor names, a WordLevel tokenizer.json), reads them
back with an independent safetensors reader, and writes the logits for every
position of a fixed token sequence, computed in float64, to golden.json.

Run from the repository root:

    python3 tests/reference/llada_reference.py

The outputs under tests/fixtures/ are committed; CI never runs this script.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

# The fixed word list the tiny tokenizers draw from (ids after the special tokens).
WORDS = (
    "the a an and or but if then so of to in on at by for with from as is are was be "
    "cat dog bird fish tree sun moon star sky sea red blue green big small old new "
    "one two three four five six seven eight nine ten yes no up down left right "
    "run walk eat sleep see say make take give find think know want look use work "
    "call try ask need feel become leave put mean keep let begin seem help talk turn "
    "start show hear play move live believe hold bring happen write"
).split()

UNK = "<|unk|>"
EOS = "<|eos|>"
MASK = "<|mdm_mask|>"

SPECS = {
    "tiny-llada": dict(
        d_model=32,
        n_layers=2,
        n_heads=4,
        n_kv_heads=4,
        mlp_hidden_size=64,
        vocab_size=64,
        rope_theta=10000.0,
        rms_norm_eps=1e-5,
        weight_tying=False,
        mask_token_id=62,
        eos_token_id=1,
        seed=20250101,
    ),
    "tiny-llada-gqa": dict(
        d_model=48,
        n_layers=2,
        n_heads=6,
        n_kv_heads=2,
        mlp_hidden_size=96,
        vocab_size=80,
        rope_theta=500000.0,
        rms_norm_eps=1e-6,
        weight_tying=True,
        mask_token_id=77,
        eos_token_id=1,
        seed=20250202,
    ),
}

# Fixed 12-token inputs: ordinary words, the mask id several times, and the eos id.
TOKENS = {
    "tiny-llada": [5, 27, 9, 62, 62, 14, 40, 62, 3, 55, 62, 1],
    "tiny-llada-gqa": [7, 77, 33, 12, 77, 77, 60, 2, 45, 77, 71, 1],
}

# Standard deviations of the random weights (so that logits are O(1), not ~0).
STD = {
    "wte": 0.2,
    "q_proj": 0.2,
    "k_proj": 0.2,
    "v_proj": 0.15,
    "attn_out": 0.1,
    "ff_proj": 0.15,
    "up_proj": 0.15,
    "ff_out": 0.1,
    "head": 0.2,
    "norm_noise": 0.1,
}

PREFIX = "model.transformer"


# --------------------------------------------------------------------------- config


def make_config(spec: dict) -> dict:
    """The LLaDA config.json (OLMo-style keys, same set as LLaDA-8B-Instruct's)."""
    return {
        "architectures": ["LLaDAModelLM"],
        "model_type": "llada",
        "d_model": spec["d_model"],
        "n_layers": spec["n_layers"],
        "n_heads": spec["n_heads"],
        "n_kv_heads": spec["n_kv_heads"],
        "mlp_hidden_size": spec["mlp_hidden_size"],
        "mlp_ratio": spec["mlp_hidden_size"] // spec["d_model"],
        "vocab_size": spec["vocab_size"],
        "embedding_size": spec["vocab_size"],
        "max_sequence_length": 64,
        "rope": True,
        "rope_theta": spec["rope_theta"],
        "rope_full_precision": True,
        "rms_norm_eps": spec["rms_norm_eps"],
        "layer_norm_type": "rms",
        "include_bias": False,
        "weight_tying": spec["weight_tying"],
        "activation_type": "silu",
        "block_type": "llama",
        "alibi": False,
        "attention_layer_norm": False,
        "scale_logits": False,
        "mask_token_id": spec["mask_token_id"],
        "eos_token_id": spec["eos_token_id"],
        "pad_token_id": spec["eos_token_id"],
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- weights


def make_weights(spec: dict) -> dict[str, np.ndarray]:
    """Deterministic random float32 weights with LLaDA tensor names and [out, in] shapes."""
    rng = np.random.default_rng(spec["seed"])
    d = spec["d_model"]
    nh = spec["n_heads"]
    nkv = spec["n_kv_heads"]
    hd = d // nh
    ff = spec["mlp_hidden_size"]
    vocab = spec["vocab_size"]

    def normal(shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def norm_weight():
        return (1.0 + rng.standard_normal(d) * STD["norm_noise"]).astype(np.float32)

    w: dict[str, np.ndarray] = {}
    w[f"{PREFIX}.wte.weight"] = normal((vocab, d), STD["wte"])
    for i in range(spec["n_layers"]):
        b = f"{PREFIX}.blocks.{i}"
        w[f"{b}.attn_norm.weight"] = norm_weight()
        w[f"{b}.q_proj.weight"] = normal((nh * hd, d), STD["q_proj"])
        w[f"{b}.k_proj.weight"] = normal((nkv * hd, d), STD["k_proj"])
        w[f"{b}.v_proj.weight"] = normal((nkv * hd, d), STD["v_proj"])
        w[f"{b}.attn_out.weight"] = normal((d, nh * hd), STD["attn_out"])
        w[f"{b}.ff_norm.weight"] = norm_weight()
        w[f"{b}.ff_proj.weight"] = normal((ff, d), STD["ff_proj"])
        w[f"{b}.up_proj.weight"] = normal((ff, d), STD["up_proj"])
        w[f"{b}.ff_out.weight"] = normal((d, ff), STD["ff_out"])
    w[f"{PREFIX}.ln_f.weight"] = norm_weight()
    if not spec["weight_tying"]:
        w[f"{PREFIX}.ff_out.weight"] = normal((vocab, d), STD["head"])
    return w


# --------------------------------------------------------------------------- safetensors I/O


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> int:
    """Writes float32 tensors in the safetensors format; returns the data size in bytes.

    Layout: u64 little-endian header length N, N bytes of JSON header (padded with
    spaces to a multiple of 8), then the raw little-endian tensor bytes, tensors in
    name order.
    """
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype="<f4")
        raw = arr.tobytes(order="C")
        header[name] = {
            "dtype": "F32",
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((-len(header_bytes)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for raw in blobs:
            f.write(raw)
    return offset


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Reads a float32 safetensors file back, checking the layout as it goes."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    out: dict[str, np.ndarray] = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (path, name, info["dtype"])
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        assert end - start == 4 * int(np.prod(shape, dtype=np.int64)), (path, name)
        out[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(shape).copy()
        end_max = max(end_max, end)
    assert end_max == len(body), f"{path}: data section has {len(body) - end_max} stray bytes"
    return out


def load_folder(folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Reads config.json plus either model.safetensors or an index + shards."""
    config = json.loads((folder / "config.json").read_text())
    single = folder / "model.safetensors"
    if single.exists():
        return config, read_safetensors(single)
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    weights: dict[str, np.ndarray] = {}
    for shard in sorted(set(index["weight_map"].values())):
        part = read_safetensors(folder / shard)
        for name, arr in part.items():
            assert index["weight_map"][name] == shard, (name, shard)
            assert name not in weights, name
            weights[name] = arr
    assert set(weights) == set(index["weight_map"]), "index and shards disagree"
    total = sum(a.nbytes for a in weights.values())
    assert index["metadata"]["total_size"] == total, (index["metadata"]["total_size"], total)
    return config, weights


# --------------------------------------------------------------------------- tokenizer


def make_tokenizer(spec: dict) -> dict:
    """A Hugging Face tokenizers WordLevel tokenizer.json over the whole vocab."""
    vocab_size = spec["vocab_size"]
    mask_id = spec["mask_token_id"]
    eos_id = spec["eos_token_id"]
    vocab: dict[str, int] = {}
    words = iter(WORDS)
    for i in range(vocab_size):
        if i == 0:
            tok = UNK
        elif i == eos_id:
            tok = EOS
        elif i == mask_id:
            tok = MASK
        else:
            tok = next(words)
        vocab[tok] = i

    def added(tok_id: int, content: str) -> dict:
        return {
            "id": tok_id,
            "content": content,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, UNK), added(eos_id, EOS), added(mask_id, MASK)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": UNK},
    }


# --------------------------------------------------------------------------- forward


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """LLaDA RMSLayerNorm: x * rsqrt(mean(x^2) + eps), then * weight (no bias)."""
    var = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(var + x.dtype.type(eps)))


def rope_tables(seq_len: int, head_dim: int, theta: float, dtype) -> tuple[np.ndarray, np.ndarray]:
    """sin/cos tables [seq, head_dim] built as LLaDA's RotaryEmbedding does (fp32 angles).

    inv_freq = 1 / theta^(arange(0, hd, 2) / hd) and angle = pos * inv_freq are formed
    in float32 exactly as torch does; sin/cos are then taken of those angles.
    """
    exponents = np.arange(0, head_dim, 2, dtype=np.float32) / np.float32(head_dim)
    inv_freq = (np.float32(1.0) / np.power(np.float32(theta), exponents)).astype(np.float32)
    pos = np.arange(seq_len, dtype=np.float32)
    freqs = np.outer(pos, inv_freq).astype(np.float32)
    angles = np.concatenate([freqs, freqs], axis=-1).astype(np.float64)
    return np.sin(angles).astype(dtype), np.cos(angles).astype(dtype)


def rotate_half(x: np.ndarray) -> np.ndarray:
    """[x1, x2] -> [-x2, x1] along the last axis (halves, not interleaved pairs)."""
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def kv_head_for(n_heads: int, n_kv_heads: int, layout: str) -> list[int]:
    """Which K/V head each query head reads.

    "grouped" is LLaDA's repeat_interleave: consecutive query heads share one K/V head.
    "tiled" is the wrong alternative used only by the self-check.
    """
    group = n_heads // n_kv_heads
    if layout == "grouped":
        return [h // group for h in range(n_heads)]
    if layout == "tiled":
        return [h % n_kv_heads for h in range(n_heads)]
    raise ValueError(layout)


def forward(
    config: dict,
    weights: dict[str, np.ndarray],
    tokens: list[int],
    dtype=np.float64,
    kv_layout: str = "grouped",
) -> np.ndarray:
    """Logits [seq, embedding_size] for every position; bidirectional attention."""
    d = config["d_model"]
    nh = config["n_heads"]
    nkv = config["n_kv_heads"]
    hd = d // nh
    eps = config["rms_norm_eps"]
    seq = len(tokens)
    w = {k: v.astype(dtype) for k, v in weights.items()}
    sin, cos = rope_tables(seq, hd, config["rope_theta"], dtype)
    kv_of = kv_head_for(nh, nkv, kv_layout)
    scale = dtype(1.0 / np.sqrt(hd))

    x = w[f"{PREFIX}.wte.weight"][np.asarray(tokens)]  # [seq, d]
    for i in range(config["n_layers"]):
        b = f"{PREFIX}.blocks.{i}"
        h = rms_norm(x, w[f"{b}.attn_norm.weight"], eps)
        q = (h @ w[f"{b}.q_proj.weight"].T).reshape(seq, nh, hd).transpose(1, 0, 2)
        k = (h @ w[f"{b}.k_proj.weight"].T).reshape(seq, nkv, hd).transpose(1, 0, 2)
        v = (h @ w[f"{b}.v_proj.weight"].T).reshape(seq, nkv, hd).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        heads = []
        for hq in range(nh):
            kh = k[kv_of[hq]]
            vh = v[kv_of[hq]]
            scores = (q[hq] @ kh.T) * scale  # [seq, seq], no causal mask
            scores = scores - scores.max(axis=-1, keepdims=True)
            p = np.exp(scores)
            p = p / p.sum(axis=-1, keepdims=True)
            heads.append(p @ vh)
        att = np.stack(heads, axis=1).reshape(seq, nh * hd)
        x = x + att @ w[f"{b}.attn_out.weight"].T
        n = rms_norm(x, w[f"{b}.ff_norm.weight"], eps)
        gate = n @ w[f"{b}.ff_proj.weight"].T
        up = n @ w[f"{b}.up_proj.weight"].T
        act = gate / (dtype(1.0) + np.exp(-gate)) * up
        x = x + act @ w[f"{b}.ff_out.weight"].T
    x = rms_norm(x, w[f"{PREFIX}.ln_f.weight"], eps)
    head = w[f"{PREFIX}.wte.weight"] if config["weight_tying"] else w[f"{PREFIX}.ff_out.weight"]
    return x @ head.T


# --------------------------------------------------------------------------- fixtures


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1) + "\n")


def write_folder_common(folder: Path, spec: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("model*.safetensors*"):
        stale.unlink()
    write_json(folder / "config.json", make_config(spec))
    write_json(folder / "tokenizer.json", make_tokenizer(spec))


def write_golden(folder: Path, tokens: list[int], logits: np.ndarray) -> None:
    golden = {
        "tokens": tokens,
        # 10 decimals: far below the 1e-4 tolerance, keeps the file small.
        "logits": [[round(float(v), 10) for v in row] for row in logits],
        "note": "produced by tests/reference/llada_reference.py",
    }
    (folder / "golden.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")


def build() -> None:
    results = {}
    for name, spec in SPECS.items():
        folder = FIXTURES / name
        write_folder_common(folder, spec)
        write_safetensors(folder / "model.safetensors", make_weights(spec))

    # Sharded copy of tiny-llada: embedding + block 0 in shard 1, the rest in shard 2.
    spec = SPECS["tiny-llada"]
    folder = FIXTURES / "tiny-llada-sharded"
    write_folder_common(folder, spec)
    weights = make_weights(spec)
    shard_names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    first = {
        k: v
        for k, v in weights.items()
        if k.startswith(f"{PREFIX}.wte.") or k.startswith(f"{PREFIX}.blocks.0.")
    }
    second = {k: v for k, v in weights.items() if k not in first}
    total = write_safetensors(folder / shard_names[0], first)
    total += write_safetensors(folder / shard_names[1], second)
    weight_map = {k: shard_names[0] for k in first} | {k: shard_names[1] for k in second}
    write_json(
        folder / "model.safetensors.index.json",
        {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))},
    )

    # Golden logits, from the weights as read back from disk.
    token_sets = TOKENS | {"tiny-llada-sharded": TOKENS["tiny-llada"]}
    for name, tokens in token_sets.items():
        folder = FIXTURES / name
        config, weights = load_folder(folder)
        assert len(tokens) == 12
        assert tokens.count(config["mask_token_id"]) >= 3
        assert max(tokens) < config["vocab_size"]
        logits64 = forward(config, weights, tokens, np.float64)
        logits32 = forward(config, weights, tokens, np.float32)
        write_golden(folder, tokens, logits64)
        results[name] = (config, weights, tokens, logits64, logits32)

    self_checks(results)

    print("fixture               max|logit|   f64-vs-f32 max abs diff   size (bytes)")
    for name, (_, _, _, l64, l32) in results.items():
        size = sum(f.stat().st_size for f in (FIXTURES / name).iterdir())
        diff = float(np.max(np.abs(l64 - l32.astype(np.float64))))
        print(f"{name:20s}  {np.max(np.abs(l64)):10.4f}   {diff:22.3e}   {size:12d}")
        assert size < 200_000, f"{name} is {size} bytes"
        assert diff < 1e-5, f"{name}: float32 drifts {diff} from float64"


def self_checks(results: dict) -> None:
    # (a) Bidirectional: changing the last token changes position 0's logits.
    for name, (config, weights, tokens, l64, _) in results.items():
        changed = list(tokens)
        changed[-1] = (changed[-1] + 7) % config["vocab_size"]
        other = forward(config, weights, changed, np.float64)
        delta = float(np.max(np.abs(other[0] - l64[0])))
        assert delta > 1e-3, f"{name}: position 0 ignores the last token (delta {delta})"
        print(f"check (a) {name}: last token moves position-0 logits by {delta:.4f}")

    # (b) The K/V grouping matters: a tiled head mapping gives different logits.
    config, weights, tokens, l64, _ = results["tiny-llada-gqa"]
    assert kv_head_for(6, 2, "grouped") == [0, 0, 0, 1, 1, 1]
    tiled = forward(config, weights, tokens, np.float64, kv_layout="tiled")
    delta = float(np.max(np.abs(tiled - l64)))
    assert delta > 1e-3, f"GQA grouping does not matter (delta {delta})"
    print(f"check (b) tiny-llada-gqa: tiled K/V sharing moves logits by {delta:.4f}")

    # (c) The sharded checkpoint is the same model.
    a = results["tiny-llada"][3]
    b = results["tiny-llada-sharded"][3]
    assert np.array_equal(a, b), "sharded fixture disagrees with tiny-llada"
    wa = results["tiny-llada"][1]
    wb = results["tiny-llada-sharded"][1]
    assert wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
    print("check (c) tiny-llada-sharded: identical weights and logits to tiny-llada")

    # Extra: logits are not ~0 and positions differ (the test has something to catch).
    for name, (_, _, _, l64, _) in results.items():
        assert float(np.std(l64)) > 0.3, f"{name}: logits too flat"
        assert float(np.max(np.abs(l64[0] - l64[1]))) > 1e-2, f"{name}: positions identical"


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    build()
    sys.exit(0)
