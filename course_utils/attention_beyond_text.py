"""Attention beyond text (lesson 10): image patches as tokens, and a user's history as tokens.

Two toy problems, each solved by the SAME small model, ``AttentionReadout``: tokens are
embedded, get a learned position embedding, and one learned query (a class token, as in ViT)
attends over them; a small MLP reads the result out.

- Vision (Dosovitskiy et al. 2021, ViT: "an image is worth 16x16 words"): 16 x 16 synthetic
  images of four shapes, cut into 4 x 4 patches (``patchify``): 16 tokens of 16 pixels each.
  The class token's attention over the 16 patches shows where the model looks.
- Recommendation (attention over a user's history, as in SASRec, Kang & McAuley 2018, and
  BERT4Rec, Sun et al. 2019): synthetic users whose next purchase is the accessory of the most
  recent *main product* in their history, among older main products and everyday items.
  A model that averages the history (the same network with uniform weights) cannot tell which
  main product is the latest; attention can, and its weights show which past item it used.

Randomness: the model's initial weights come from ``seed`` (torch), the training batches from
a numpy Generator seeded by ``data_seed``, the test sets from fixed seeds. Call
``course_utils.env.use_one_thread()`` first (the lesson does). This module imports torch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils.training import Adam

Array = np.ndarray

# --- images and patches -------------------------------------------------------------------------

IMAGE_SIZE = 16
PATCH = 4
SHAPES = ("horizontal bar", "vertical bar", "square", "cross")
"""The four image classes, in label order."""


def patchify(image, p: int = PATCH) -> Array:
    """Cut an image into non-overlapping p x p patches, one flattened patch per row.

    image: (H, W) with H and W multiples of p -> (H/p * W/p, p * p). Patches are listed row
    by row (left to right, then top to bottom) and each patch is flattened row by row: the
    tokens of a Vision Transformer (Dosovitskiy et al. 2021, eq. 1, before the linear
    embedding). A leading batch axis (B, H, W) -> (B, n_patches, p * p) is allowed.
    """
    image = np.asarray(image)
    *lead, H, W = image.shape
    if H % p or W % p:
        raise ValueError(f"image of {H} x {W} pixels does not split into {p} x {p} patches")
    blocks = image.reshape(*lead, H // p, p, W // p, p)  # (..., row, y, col, x)
    return np.swapaxes(blocks, -3, -2).reshape(*lead, (H // p) * (W // p), p * p)


def draw_shape(label: int, rng: np.random.Generator, noise: float = 0.3) -> Array:
    """One 16 x 16 image of SHAPES[label] at a random place and size, plus Gaussian noise.

    Bars are 2 pixels thick and 6 to 12 long; the square is an outline 6 to 10 wide; the cross
    is two such bars, horizontal and vertical, crossing at their middles. Pixels: 1 on the
    shape, 0 off, then N(0, noise^2) added to every pixel.
    """
    img = np.zeros((IMAGE_SIZE, IMAGE_SIZE))
    if SHAPES[label] == "square":
        size = int(rng.integers(6, 11))
        y, x = (int(v) for v in rng.integers(0, IMAGE_SIZE - size + 1, size=2))
        img[y : y + size, x : x + size] = 1.0
        img[y + 1 : y + size - 1, x + 1 : x + size - 1] = 0.0
    else:
        length = int(rng.integers(6, 13))
        half = length // 2
        if SHAPES[label] == "cross":  # centre (y, x) with room for half a bar on each side
            y, x = (int(v) for v in rng.integers(half, IMAGE_SIZE - length + half + 1, size=2))
            img[y - half : y - half + length, x - 1 : x + 1] = 1.0
        else:
            y = int(rng.integers(1, IMAGE_SIZE))  # rows y - 1 and y
            x = int(rng.integers(0, IMAGE_SIZE - length + 1)) + half
        img[y - 1 : y + 1, x - half : x - half + length] = 1.0
        if SHAPES[label] == "vertical bar":
            img = img.T.copy()
    return img + noise * rng.standard_normal(img.shape)


def shape_batch(rng: np.random.Generator, batch: int) -> tuple[Array, Array]:
    """(images (batch, 16, 16), labels (batch,)) with labels uniform over SHAPES."""
    labels = rng.integers(0, len(SHAPES), size=batch)
    return np.stack([draw_shape(int(c), rng) for c in labels]), labels


# --- user histories -----------------------------------------------------------------------------

N_MAIN = 10  # items 0..9: main products (a camera, a bike, ...)
N_ITEMS = 40  # items 10..19: their accessories (item m + 10 goes with m); 20..39: everyday
HISTORY = 12


def history_batch(
    rng: np.random.Generator, batch: int, length: int = HISTORY
) -> tuple[Array, Array, Array]:
    """Synthetic purchase histories and the item each user buys next.

    Each history holds 2 or 3 main products (items 0-9) at random places, and everyday items
    (20-39) elsewhere. The next item is the accessory (main + 10) of the MOST RECENT main
    product. Returns (histories (batch, length) ints, next items (batch,), positions (batch,) of
    the main product that decides the answer).
    """
    items = rng.integers(2 * N_MAIN, N_ITEMS, size=(batch, length))
    positions = np.empty(batch, dtype=int)
    targets = np.empty(batch, dtype=int)
    for b in range(batch):
        k = int(rng.integers(2, 4))
        where = np.sort(rng.choice(length, size=k, replace=False))
        mains = rng.choice(N_MAIN, size=k, replace=False)
        items[b, where] = mains
        positions[b], targets[b] = where[-1], mains[-1] + N_MAIN
    return items, targets, positions


# --- the model ----------------------------------------------------------------------------------


class AttentionReadout(nn.Module):
    """Tokens -> embedding + position -> one learned query attends over them -> MLP -> logits.

    The learned query plays ViT's class token: its attention weights over the n tokens
    (softmax(q K^T / sqrt(d))) say which tokens the prediction reads. embed: an nn.Linear
    (patches) or an nn.Embedding (item ids). uniform=True replaces the weights by 1/n: the
    same network averaging its tokens (the baseline without attention).
    forward(x) -> (logits (B, n_classes), weights (B, n)).
    """

    def __init__(self, embed: nn.Module, n_tokens: int, d: int, n_classes: int, uniform=False):
        super().__init__()
        self.embed, self.uniform = embed, uniform
        self.position = nn.Parameter(0.1 * torch.randn(n_tokens, d))
        self.query = nn.Parameter(0.1 * torch.randn(d))
        self.key, self.value = nn.Linear(d, d), nn.Linear(d, d)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(),
                                  nn.Linear(2 * d, n_classes))  # fmt: skip

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.embed(x) + self.position  # (B, n, d)
        scores = self.key(tokens) @ self.query / tokens.shape[-1] ** 0.5  # (B, n)
        if self.uniform:
            scores = torch.zeros_like(scores)
        weights = torch.softmax(scores, dim=-1)
        pooled = (weights.unsqueeze(-1) * self.value(tokens)).sum(1)  # (B, d)
        return self.head(pooled), weights


def make_vit(seed: int = 0, d: int = 32) -> AttentionReadout:
    """The toy ViT: 16 patches of 4 x 4 pixels, linear patch embedding, 4 shape classes."""
    n_patches = (IMAGE_SIZE // PATCH) ** 2
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return AttentionReadout(nn.Linear(PATCH * PATCH, d), n_patches, d, len(SHAPES))


def make_recommender(seed: int = 0, d: int = 32, uniform: bool = False) -> AttentionReadout:
    """The next-item model: item embeddings over a history of 12, scores over the 40 items."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return AttentionReadout(nn.Embedding(N_ITEMS, d), HISTORY, d, N_ITEMS, uniform)


# --- training -----------------------------------------------------------------------------------


class Trained(NamedTuple):
    """A trained model, its test accuracy (hit rate at 1 for the recommender), and the loss
    every 50 steps."""

    model: AttentionReadout
    accuracy: float
    losses: list[float]


def _as_input(kind: str, x: Array) -> torch.Tensor:
    if kind == "vision":
        return torch.tensor(patchify(x), dtype=torch.float32)
    return torch.tensor(x, dtype=torch.long)


def _batch(kind: str, rng: np.random.Generator, batch: int) -> tuple[Array, Array]:
    if kind == "vision":
        return shape_batch(rng, batch)
    items, targets, _ = history_batch(rng, batch)
    return items, targets


def held_out_set(kind: str, size: int = 1000, seed: int = 12_345) -> tuple[Array, Array]:
    """A fixed test set: (images or histories, labels or next items)."""
    return _batch(kind, np.random.default_rng(seed), size)


def accuracy(model: AttentionReadout, kind: str, data: tuple[Array, Array]) -> float:
    """Fraction of the test set whose top-scoring class (or item) is right."""
    x, y = data
    with torch.no_grad():
        logits, _ = model(_as_input(kind, x))
    return float((logits.argmax(-1).numpy() == y).mean())


def train(
    model: AttentionReadout,
    kind: str,
    steps: int = 400,
    batch: int = 64,
    lr: float = 3e-3,
    data_seed: int = 1,
) -> Trained:
    """Adam on fresh synthetic batches (kind "vision" or "recommend"); cross-entropy loss.

    Returns the model, its accuracy on ``held_out_set`` and the mean loss of every 50 steps.
    """
    rng = np.random.default_rng(data_seed)
    optimiser = Adam(model.parameters(), lr)  # the course's Adam: no torch.optim import
    losses, running = [], []
    for _ in range(steps):
        x, y = _batch(kind, rng, batch)
        logits, _ = model(_as_input(kind, x))
        loss = nn.functional.cross_entropy(logits, torch.tensor(y))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        running.append(loss.item())
        if len(running) == 50:
            losses.append(float(np.mean(running)))
            running = []
    return Trained(model, accuracy(model, kind, held_out_set(kind)), losses)


def attention_on(model: AttentionReadout, kind: str, x: Array) -> tuple[Array, Array]:
    """(predicted classes (B,), attention weights (B, n_tokens)) for images or histories x."""
    with torch.no_grad():
        logits, weights = model(_as_input(kind, x))
    return logits.argmax(-1).numpy(), weights.numpy()


def popularity_hit_rate(data_seed: int = 1, train_size: int = 25_600) -> float:
    """Hit rate at 1 of always recommending the most frequent next item of training data."""
    _, targets, _ = history_batch(np.random.default_rng(data_seed), train_size)
    best = np.bincount(targets, minlength=N_ITEMS).argmax()
    return float(np.mean(held_out_set("recommend")[1] == best))


def weight_on_deciding_item(model: AttentionReadout, size: int = 1000, seed: int = 12_345) -> float:
    """Mean attention weight on the history position that decides the answer (test set)."""
    items, _, positions = history_batch(np.random.default_rng(seed), size)
    _, weights = attention_on(model, "recommend", items)
    return float(weights[np.arange(size), positions].mean())
