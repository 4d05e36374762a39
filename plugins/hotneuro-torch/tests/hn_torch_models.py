"""Tiny seeded models, a word tokenizer and stimuli for the hotneuro-torch tests."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

# pytest collects this module too (doctests): without torch it is skipped, not an error
torch = pytest.importorskip("torch", reason="the torch plugin needs torch: pip install torch")
nn = torch.nn

SENTENCES = [
    "the cat sat on the mat",
    "a dog barked",
    "neurons in visual cortex respond to edges",
    "optimal transport couples two distributions",
    "hello",
    "the quick brown fox jumps over the lazy dog again and again",
    "layers of a network",
    "brains and models respond to the same stimuli",
]


class TinyCNN(nn.Module):
    """conv1 -> relu1 -> conv2 -> relu2 -> pool -> fc, seeded."""

    def __init__(self, seed: int = 0, channels: tuple[int, int] = (4, 6)) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, channels[0], 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3, stride=2)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels[1], 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(self.pool(h).flatten(1))


class Blocks(nn.Module):
    """An MLP with a ModuleList of blocks that have children, and dropout."""

    def __init__(self, seed: int = 0, width: int = 12, depth: int = 3) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.inp = nn.Linear(10, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Dropout(0.5))
            for _ in range(depth))
        self.out = nn.Linear(width, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


class Block(nn.Module):
    """A transformer-like block: tokens see the masked mean of the sequence; returns a
    tuple (hidden, extra) like Hugging Face layers. Padding never changes real tokens."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.mix = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, str]:
        m = mask[..., None].to(h.dtype)
        context = (h * m).sum(1, keepdim=True) / m.sum(1, keepdim=True).clamp_min(1)
        return self.norm(h + torch.tanh(self.mix(h + context))), "attention"


class TinyEncoder(nn.Module):
    """Embedding and blocks; with output_hidden_states=True returns them all."""

    def __init__(self, seed: int = 0, vocab: int = 64, d: int = 8, depth: int = 2) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d) for _ in range(depth))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                output_hidden_states: bool = False) -> dict:
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        h = self.embed(input_ids)
        states = [h]
        for block in self.blocks:
            h = block(h, mask)[0]
            states.append(h)
        out = {"last_hidden_state": h}
        if output_hidden_states:
            out["hidden_states"] = tuple(states)
        return out


class WordTokenizer:
    """A Hugging Face-style tokenizer: words hashed into a small vocabulary, id 0 pads."""

    def __init__(self, vocab: int = 64) -> None:
        self.vocab = vocab
        self.calls: list[dict] = []

    def ids(self, text: str) -> list[int]:
        return [1 + zlib.crc32(w.encode()) % (self.vocab - 1) for w in text.split()]

    def __call__(self, texts, padding=True, truncation=True, max_length=None,
                 return_tensors="pt"):
        self.calls.append({"n": len(texts), "max_length": max_length})
        rows = [self.ids(t) for t in texts]
        if truncation and max_length is not None:
            rows = [r[:max_length] for r in rows]
        width = max(len(r) for r in rows)
        input_ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for i, r in enumerate(rows):
            input_ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        return {"input_ids": input_ids, "attention_mask": mask}


def images(n: int = 12, size: int = 9, seed: int = 0) -> np.ndarray:
    """``n`` random uint8 RGB images, channels last."""
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def hooks_left(model: nn.Module, *, ours_only: bool = False) -> int:
    """How many forward hooks remain on the model's modules (only hotneuro_torch's)."""
    hooks = [h for m in model.modules()
             for h in (*m._forward_hooks.values(), *m._forward_pre_hooks.values())]
    if ours_only:
        hooks = [h for h in hooks if getattr(h, "__module__", "").startswith("hotneuro_torch")]
    return len(hooks)
