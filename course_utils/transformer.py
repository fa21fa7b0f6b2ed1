"""A small Transformer encoder in torch, and the ablations that take it apart (lesson 09).

The positional encoding (``sinusoidal_encoding``, Vaswani et al. 2017, section 3.5); one
encoder block (``Block``: self-attention then a position-wise MLP, each wrapped in a residual
connection, He et al. 2016, and layer normalisation, Ba, Kiros & Hinton 2016, Post-LN or Pre-LN,
with switches to take the parts away); a classifier that reads its answer at the last position
and trains with ``course_utils.training.train`` like lesson 06's recurrent models; the task
"does A come before B?", which no order-blind model can beat chance on; and a 24-block stack at
initialisation, to measure the gradient that reaches each block.

Sequences are time-major like the rest of the course: token ids (T, batch), as in
``course_utils.tasks``; inside the blocks, (batch, T, d_model) (batch_first). Small models run
faster on one thread: call ``course_utils.env.use_one_thread()`` first.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils import training
from course_utils.tasks import AGREEMENT_VOCAB

Array = np.ndarray

# --- positional encoding -----------------------------------------------------------------------


def sinusoidal_encoding(n: int, d_model: int, base: float = 10_000.0) -> Array:
    """The (n, d_model) sinusoidal positional encoding (Vaswani et al. 2017, section 3.5).

    PE[pos, 2i] = sin(pos / base^(2i / d_model)),  PE[pos, 2i + 1] = cos(pos / base^(2i / d_model))

    for positions pos = 0..n-1 (rows) and i = 0..d_model/2 - 1: sines in the even columns,
    cosines in the odd ones, with wavelengths from 2 pi to base * 2 pi. d_model must be even.
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even, got {d_model}")
    pos = np.arange(n)[:, None]
    rates = base ** (-np.arange(0, d_model, 2) / d_model)  # 1 / base^(2i/d), (d/2,)
    pe = np.empty((n, d_model))
    pe[:, 0::2] = np.sin(pos * rates)
    pe[:, 1::2] = np.cos(pos * rates)
    return pe


# --- the block ---------------------------------------------------------------------------------

NORMS = ("post", "pre", "none")


class SelfAttention(nn.MultiheadAttention):
    """``nn.MultiheadAttention`` as a function of one sequence: x -> MultiHead(x, x, x).

    x: (batch, T, d_model) -> (batch, T, d_model); dropout 0. The same parameters (and names) as
    torch's, so ``Block`` loads ``nn.TransformerEncoderLayer`` weights unchanged.
    """

    def __init__(self, d_model: int, n_heads: int):
        super().__init__(d_model, n_heads, dropout=0.0, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x, x, x, need_weights=False)[0]


class Block(nn.Module):
    """One Transformer encoder block on (batch, T, d_model) inputs.

    Sublayers: SA(x), multi-head self-attention (``attention``, default ``SelfAttention``), and
    FF(x) = relu(x W_1 + b_1) W_2 + b_2 (``linear1``, ``linear2``; d_ff hidden units).
    With residual=True:
      norm="post": x <- LN_1(x + SA(x)); x <- LN_2(x + FF(x))   (Vaswani et al. 2017)
      norm="pre":  x <- x + SA(LN_1(x)); x <- x + FF(LN_2(x))   (Xiong et al. 2020)
      norm="none": x <- x + SA(x);       x <- x + FF(x)
    With residual=False the "x +" is dropped (post: LN(SA(x)); none: SA(x); pre is the same as
    post without the residual, so it is not allowed). With the default attention, the same
    parameter names as ``nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0,
    batch_first=True)`` (norm_first=True for "pre"), which computes the same function with
    residual=True. ``gpt.DecoderBlock`` (lesson 11) passes a causal ``attention``.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        norm: str = "post",
        residual: bool = True,
        attention: nn.Module | None = None,
    ):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        if norm == "pre" and not residual:
            raise ValueError("Pre-LN without residuals is Post-LN without residuals: use 'post'")
        self.norm, self.residual = norm, residual
        self.self_attn = SelfAttention(d_model, n_heads) if attention is None else attention
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        if norm != "none":
            self.norm1 = nn.LayerNorm(d_model)
            self.norm2 = nn.LayerNorm(d_model)

    def _sa(self, x: torch.Tensor) -> torch.Tensor:
        return self.self_attn(x)

    def _ff(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(torch.relu(self.linear1(x)))

    def _sublayer(self, x, f, ln) -> torch.Tensor:
        """One residual + norm wrapping of sublayer f, as the block's settings say."""
        if self.norm == "pre":
            return x + f(ln(x))
        y = x + f(x) if self.residual else f(x)
        return ln(y) if self.norm == "post" else y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, T, d_model) -> (batch, T, d_model)."""
        ln1 = getattr(self, "norm1", None)
        ln2 = getattr(self, "norm2", None)
        x = self._sublayer(x, self._sa, ln1)
        return self._sublayer(x, self._ff, ln2)


# --- a tiny classifier -------------------------------------------------------------------------

TINY = {"d_model": 32, "n_heads": 2, "d_ff": 64, "n_blocks": 2, "norm": "pre"}
"""The tiny Transformer (lesson 09): 2 blocks, d_model = 32, 2 heads, FFN 64, Pre-LN (which
trains without a learning-rate warm-up; Xiong et al. 2020)."""


class Classifier(nn.Module):
    """Tokens (T, batch) -> one logit per sequence (batch,), read at the last position.

    x_t = E[token_t] + PE[t] (Vaswani et al. 2017, section 3.5; no PE if positional=False;
    the paper also multiplies E by sqrt(d_model); torch's N(0, 1) embeddings are already the
    size of PE, so we do not), then ``n_blocks`` Blocks, then a linear
    read-out of the last position's vector: in the agreement task the last token is the verb
    slot, which must find the subject.
    ``kind`` is "transformer" (``training.train`` names its progress bar with it).
    """

    kind = "transformer"

    def __init__(
        self,
        vocab_size: int,
        max_len: int,
        d_model: int = TINY["d_model"],
        n_heads: int = TINY["n_heads"],
        d_ff: int = TINY["d_ff"],
        n_blocks: int = TINY["n_blocks"],
        norm: str = TINY["norm"],
        positional: bool = True,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        pe = sinusoidal_encoding(max_len, d_model) if positional else np.zeros((max_len, d_model))
        self.register_buffer("pe", torch.tensor(pe, dtype=torch.float32))
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_ff, norm) for _ in range(n_blocks))
        self.head = nn.Linear(d_model, 1)

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        """(T, batch) token ids -> (batch, T, d_model), the last block's output."""
        x = self.embedding(tokens.T) + self.pe[: tokens.shape[0]]
        for block in self.blocks:
            x = block(x)
        return x

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(T, batch) token ids -> (batch,) logits (positive: label 1)."""
        return self.head(self.features(tokens)[:, -1]).squeeze(-1)


def make_classifier(
    vocab: tuple[str, ...] = AGREEMENT_VOCAB,
    max_len: int = 64,
    positional: bool = True,
    seed: int = 0,
    **sizes,
) -> Classifier:
    """A seeded ``Classifier`` (torch's default init under ``seed``; the global torch random
    state is left untouched). sizes: d_model, n_heads, d_ff, n_blocks, norm (default TINY)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Classifier(len(vocab), max_len, positional=positional, **{**TINY, **sizes})


AGREEMENT = {"distance": (1, 50), "steps": 300, "batch": 32, "lr": 0.005, "eval_every": 100}
"""The live run: agreement trained on distances 1-50 (lesson 06's setting), tested at 50."""


def train_agreement(seed: int = 0) -> tuple[Classifier, training.TrainResult]:
    """The tiny Transformer trained on lesson 06's agreement task (``training.agreement_task``
    with distances 1-50, tested on 1000 sequences at distance 50), Adam and clipping as in
    lesson 06 (``training.train``). Model seed = data seed = seed."""
    task = training.agreement_task(AGREEMENT["distance"])
    model = make_classifier(max_len=AGREEMENT["distance"][1] + 2, seed=seed)
    result = training.train(
        model,
        task,
        AGREEMENT["steps"],
        AGREEMENT["lr"],
        AGREEMENT["batch"],
        AGREEMENT["eval_every"],
        data_seed=seed,
        progress=False,
    )
    return model, result


# --- an order task -----------------------------------------------------------------------------

ORDER_VOCAB = ("A", "B", "?", "c", "d", "e", "f", "g", "h")
"""Tokens of ``order_task``: the two markers, the query token "?" that ends every sequence
(the model answers there, as at lesson 06's verb slot), and six fillers."""
ORDER = {"length": 12, "steps": 300, "batch": 64, "lr": 0.003, "test_size": 1000}


def order_batch(rng, batch: int, length: int = ORDER["length"]) -> tuple[Array, Array]:
    """Sequences of ``length`` tokens: one A and one B among fillers, then the query "?".

    Returns tokens (length, batch) int64 ids into ORDER_VOCAB and labels (batch,) int64, 1 if A
    comes before B. The markers sit at two distinct random positions among the first
    length - 1, the other positions hold random fillers. Swapping A and B flips the label and
    keeps the bag of words (and the last token), so a model that ignores order is at chance
    (50 %) exactly.
    """
    rng = np.random.default_rng(rng)
    tokens = rng.integers(3, len(ORDER_VOCAB), (length, batch))
    where = np.argsort(rng.uniform(size=(length - 1, batch)), axis=0)[:2]  # distinct positions
    cols = np.arange(batch)
    tokens[where[0], cols] = 0  # A
    tokens[where[1], cols] = 1  # B
    tokens[-1] = 2  # ?
    return tokens, (where[0] < where[1]).astype(np.int64)


def order_task(length: int = ORDER["length"], test_seed: int = 1_000_003) -> training.Task:
    """``order_batch`` as a ``training.Task`` (chance 0.5, solved at 95 %)."""

    def sample(rng, batch):
        x, y = order_batch(rng, batch, length)
        return torch.from_numpy(x), torch.from_numpy(y).float()

    test_x, test_y = sample(np.random.default_rng(test_seed), ORDER["test_size"])
    return training.Task(
        f"A before B, length {length}", ORDER_VOCAB, sample, test_x, test_y, "accuracy", 0.5, 0.95
    )


def train_order(positional: bool, seed: int = 0) -> tuple[Classifier, training.TrainResult]:
    """The tiny Transformer (one block) trained on ``order_task`` with or without positions."""
    task = order_task()
    model = make_classifier(
        ORDER_VOCAB, ORDER["length"], positional=positional, seed=seed, n_blocks=1
    )
    result = training.train(
        model, task, ORDER["steps"], ORDER["lr"], ORDER["batch"], data_seed=seed, progress=False
    )
    return model, result


def permutation_change(model: Classifier, tokens: torch.Tensor, seed: int = 0) -> float:
    """Max |logit(permuted) - logit(tokens)| over a batch (T, batch) when the first T - 1
    tokens of every sequence are shuffled (one random permutation; the last token, where the
    classifier reads its answer, stays). Without positional encoding self-attention is
    permutation-equivariant, so this is 0 up to float32 round-off."""
    g = torch.Generator().manual_seed(seed)
    n = tokens.shape[0]
    perm = torch.cat([torch.randperm(n - 1, generator=g), torch.tensor([n - 1])])
    with torch.no_grad():
        return float((model(tokens[perm]) - model(tokens)).abs().max())


# --- gradient through depth --------------------------------------------------------------------

STACKS = {
    "plain": ("none", False),
    "LN only": ("post", False),
    "residual only": ("none", True),
    "Post-LN": ("post", True),
    "Pre-LN": ("pre", True),
}
"""The ablation's five stacks: name -> (norm, residual) of every ``Block``."""

DEPTH = {"n_blocks": 24, "d_model": 64, "n_heads": 4, "d_ff": 256, "T": 16, "batch": 8}
"""The ablation's stack: 24 blocks, d = 64, 4 heads, FFN 256."""


def deep_stack(variant: str, n_blocks: int = DEPTH["n_blocks"], seed: int = 0) -> nn.Sequential:
    """``n_blocks`` Blocks of the ``STACKS`` variant, torch default init under ``seed``."""
    norm, residual = STACKS[variant]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            *(
                Block(DEPTH["d_model"], DEPTH["n_heads"], DEPTH["d_ff"], norm, residual)
                for _ in range(n_blocks)
            )
        )


class LayerGradients(NamedTuple):
    """Result of ``layer_gradients``: grad_norms (n_blocks,), ||dL/dW_1|| of each block's first
    FFN matrix, block 1 first; output_rms: the root-mean-square of the stack's output."""

    grad_norms: Array
    output_rms: float


def layer_gradients(
    variant: str, n_blocks: int = DEPTH["n_blocks"], seed: int = 0, final_norm: bool = False
) -> LayerGradients:
    """The gradient reaching each block of a fresh ``deep_stack`` (at initialisation).

    Input x ~ N(0, 1) of shape (batch, T, d_model) = (8, 16, 64) and a fixed random r of the
    output's shape, drawn from ``seed`` separately from the weights. Loss L = <x_L, r>, so every
    output direction gets gradient. final_norm=True instead uses L = mean(LayerNorm(x_L)^2): a
    pitfall, a loss that is constant (about 1 for any input), so every gradient is about 0 and
    any stack looks "vanished".
    """
    model = deep_stack(variant, n_blocks, seed)
    g = torch.Generator().manual_seed(seed + 1)
    shape = (DEPTH["batch"], DEPTH["T"], DEPTH["d_model"])
    x, r = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    out = model(x)
    if final_norm:
        loss = nn.functional.layer_norm(out, out.shape[-1:]).pow(2).mean()
    else:
        loss = (out * r).sum()
    loss.backward()
    norms = np.array([float(block.linear1.weight.grad.norm()) for block in model])
    return LayerGradients(norms, float(out.detach().pow(2).mean().sqrt()))


def depth_ablation(n_blocks: int = DEPTH["n_blocks"], seed: int = 0) -> dict[str, LayerGradients]:
    """``layer_gradients`` for every variant of ``STACKS``."""
    return {name: layer_gradients(name, n_blocks, seed) for name in STACKS}
