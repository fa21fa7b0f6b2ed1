"""A GPT in miniature: a causal, decoder-only Transformer language model with a key/value
cache, its training on next-token prediction, generation, and an LSTM language model to
compare it with (lesson 11). torch.

The model (Radford et al. 2018, 2019, after Vaswani et al. 2017)
-----------------------------------------------------------------
tokens (B, T) -> x = E[token] + P[position]              (B, T, d_model)
              -> n_blocks x DecoderBlock (Pre-LN):
                     x <- x + CausalSelfAttention(LN_1(x))
                     x <- x + FF(LN_2(x)),  FF(x) = relu(x W_1 + b_1) W_2 + b_2
              -> LN(x) W_head + b_head                    (B, T, vocab) logits

The block is lesson 09's Pre-LN block (``transformer.Block``) with one change: its attention
carries the causal mask of lesson 07, so that position t sees only positions <= t. Its
parameters can be copied into
``nn.TransformerEncoderLayer(norm_first=True)``, which with a causal ``src_mask`` computes the
same function (tests/unit/test_gpt.py). The position embedding P is learned, as in GPT
(Radford et al. 2018), instead of lesson 09's fixed sinusoids, so the context is at most
``max_len`` tokens; the final LayerNorm after the last block is GPT-2's. The logits at
position t are the model's prediction of token t + 1: the **next-token loss** (``lm_loss``)
compares logits[:, t] with tokens[:, t + 1].

The key/value cache
-------------------
To generate, the model is run one new token at a time. The keys and values of the earlier
tokens do not change (the mask hides the future from them), so each attention layer keeps
them in a ``LayerCache`` and computes only the new token's query, key and value: one step
costs O(t d) attention work at context t instead of a forward pass over all t tokens. The
cache holds 2 x n_blocks x t x d_model numbers and grows with every token. With a cache or
without, the logits are the same (to round-off; tested).

Shapes are batch-first here, as in GPT code: tokens (B, T), unlike the time-major (T, batch)
of lessons 06 and 09. Small models run faster on one thread: call
``course_utils.env.use_one_thread()`` first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from course_utils import attention, training, transformer
from course_utils.lstm import set_forget_bias

Array = np.ndarray

# --- attention with a cache --------------------------------------------------------------------


def causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T / sqrt(d_k), causal) v for the LAST T of n positions (Vaswani et al. 2017,
    eq. 1, with the decoder's mask of section 3.2.3).

    q: (..., T, d_k), the queries of positions n - T .. n - 1; k, v: (..., n, d_k), the keys and
    values of positions 0 .. n - 1. Query i sits at position n - T + i and may attend to keys
    j <= n - T + i. T = n is the square causal mask of lesson 07; T = 1 (one new token, its
    past in the cache) masks nothing. Returns (..., T, d_k).
    """
    T, n = q.shape[-2], k.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., T, n)
    if T > 1:  # one new token (T = 1) sees its whole past: nothing to mask
        allowed = torch.ones(T, n, dtype=torch.bool, device=q.device).tril(diagonal=n - T)
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class LayerCache:
    """The keys and values one attention layer has seen: k, v of shape (B, heads, t, d_k).

    ``append`` adds the new positions and returns everything so far. (torch.cat copies the
    cache at every step; real implementations write into a preallocated buffer.)
    """

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k, self.v = torch.cat([self.k, k], dim=-2), torch.cat([self.v, v], dim=-2)
        return self.k, self.v

    @property
    def length(self) -> int:
        return 0 if self.k is None else self.k.shape[-2]

    def truncate(self, length: int) -> None:
        """Forget every position from ``length`` on (to time one step again from the same
        context)."""
        if self.k is not None:
            self.k, self.v = self.k[..., :length, :], self.v[..., :length, :]


class KVCache:
    """One ``LayerCache`` per block: the model's memory of the context while it generates."""

    def __init__(self, n_blocks: int) -> None:
        self.layers = [LayerCache() for _ in range(n_blocks)]

    @property
    def length(self) -> int:
        """The number of positions stored (the same in every layer)."""
        return self.layers[0].length

    def numbers(self) -> int:
        """How many numbers the cache holds: 2 (k and v) x blocks x B x t x d_model."""
        return sum(2 * layer.k.numel() for layer in self.layers if layer.k is not None)

    def truncate(self, length: int) -> None:
        for layer in self.layers:
            layer.truncate(length)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention (Vaswani et al. 2017, section 3.2.2) with a cache.

    qkv: one Linear holding W_q, W_k, W_v side by side (d_model -> 3 d_model); out: W_o. Each of
    the n_heads heads works on d_k = d_model / n_heads columns, as in lesson 07's
    ``split_heads``.
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads = {n_heads} must divide d_model = {d_model}")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, d_model) -> (B, heads, T, d_k)."""
        B, T, d = x.shape
        return x.view(B, T, self.n_heads, d // self.n_heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        """x: (B, T, d_model), the new positions; cache: the earlier positions' keys and values
        (appended to), or None when x is the whole sequence. Returns (B, T, d_model)."""
        B, T, d = x.shape
        q, k, v = (self._split(part) for part in self.qkv(x).split(d, dim=-1))
        if cache is not None:
            k, v = cache.append(k, v)  # the past and the new: (B, heads, t + T, d_k)
        y = causal_attention(q, k, v)  # (B, heads, T, d_k)
        return self.out(y.transpose(1, 2).reshape(B, T, d))


class DecoderBlock(transformer.Block):
    """Lesson 09's Pre-LN block (``transformer.Block``) with ``CausalSelfAttention``, which can
    read and extend a key/value cache:

        x <- x + SA(LN_1(x), cache);  x <- x + FF(LN_2(x)),  FF(x) = relu(x W_1 + b_1) W_2 + b_2
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        attention = CausalSelfAttention(d_model, n_heads)
        super().__init__(d_model, n_heads, d_ff, "pre", attention=attention)

    def forward(self, x: torch.Tensor, cache: LayerCache | None = None) -> torch.Tensor:
        """x: (B, T, d_model), the new positions (those after the cache's) -> (B, T, d_model)."""
        x = x + self.self_attn(self.norm1(x), cache)
        return x + self._ff(self.norm2(x))


def to_torch_layer(block: DecoderBlock) -> nn.TransformerEncoderLayer:
    """The same block as torch's ``nn.TransformerEncoderLayer(norm_first=True)`` (relu,
    dropout 0, batch_first), in the block's dtype: the attention's qkv weights become
    ``self_attn.in_proj_weight`` (W_q, W_k, W_v stacked by rows, as torch stores x @ W.T) and
    ``out`` becomes ``self_attn.out_proj``. Called with a causal ``src_mask`` (True = NOT
    allowed, torch's convention) it computes the block's function."""
    d_model, d_ff = block.linear1.in_features, block.linear1.out_features
    dtype = block.linear1.weight.dtype
    layer = nn.TransformerEncoderLayer(
        d_model, block.self_attn.n_heads, d_ff, dropout=0.0, batch_first=True, norm_first=True,
        dtype=dtype,
    )  # fmt: skip
    own = block.state_dict()
    renamed = {
        "self_attn.in_proj_weight": own["self_attn.qkv.weight"],
        "self_attn.in_proj_bias": own["self_attn.qkv.bias"],
        "self_attn.out_proj.weight": own["self_attn.out.weight"],
        "self_attn.out_proj.bias": own["self_attn.out.bias"],
        **{k: v for k, v in own.items() if not k.startswith("self_attn.")},
    }
    layer.load_state_dict(renamed)
    return layer


# --- the model ---------------------------------------------------------------------------------

SIZES = {"d_model": 32, "n_heads": 4, "d_ff": 64, "n_blocks": 2, "max_len": 64}
"""The GPT (lesson 11): the sizes of lesson 09's tiny Transformer (d_model 32, FFN 64, 2
blocks), with 4 heads of 8 numbers instead of 2 of 16, and a context of 64 tokens."""


class GPT(nn.Module):
    """A decoder-only Transformer language model: tokens (B, T) -> next-token logits (B, T, V).

    forward(tokens, cache): with cache=None, tokens is the whole sequence (training, or
    generation by recomputing everything); with a ``KVCache`` (from ``new_cache``), tokens are
    the positions after the cache's, whose keys and values are appended to it.
    """

    def __init__(
        self,
        vocab_size: int,
        max_len: int = SIZES["max_len"],
        d_model: int = SIZES["d_model"],
        n_heads: int = SIZES["n_heads"],
        d_ff: int = SIZES["d_ff"],
        n_blocks: int = SIZES["n_blocks"],
    ) -> None:
        super().__init__()
        self.max_len = max_len
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(DecoderBlock(d_model, n_heads, d_ff) for _ in range(n_blocks))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def new_cache(self) -> KVCache:
        return KVCache(len(self.blocks))

    def forward(self, tokens: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        start = 0 if cache is None else cache.length
        end = start + tokens.shape[1]
        if end > self.max_len:
            raise ValueError(f"positions up to {end} exceed the context of {self.max_len}")
        x = self.token_embedding(tokens) + self.position_embedding.weight[start:end]
        for i, block in enumerate(self.blocks):
            x = block(x, None if cache is None else cache.layers[i])
        return self.head(self.norm(x))


class LSTMState:
    """The LSTM's cache: its state (h, c), the same size whatever the context."""

    def __init__(self) -> None:
        self.state: tuple[torch.Tensor, torch.Tensor] | None = None

    def numbers(self) -> int:
        return 0 if self.state is None else sum(s.numel() for s in self.state)


class LSTMLanguageModel(nn.Module):
    """Embedding -> one LSTM layer (forget-gate bias 1, as in lesson 06) -> next-token logits.

    forward(tokens, cache): tokens (B, T); cache, an ``LSTMState`` (from ``new_cache``), carries
    (h, c) from one call to the next, which is all an RNN needs to generate.
    """

    def __init__(self, vocab_size: int, embed: int = 32, hidden: int = 48) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        set_forget_bias(self.lstm, 1.0)
        self.head = nn.Linear(hidden, vocab_size)

    def new_cache(self) -> LSTMState:
        return LSTMState()

    def forward(self, tokens: torch.Tensor, cache: LSTMState | None = None) -> torch.Tensor:
        out, state = self.lstm(self.embedding(tokens), None if cache is None else cache.state)
        if cache is not None:
            cache.state = state
        return self.head(out)


LSTM_SIZES = {"embed": 32, "hidden": 48}
"""The comparison LSTM, sized to about the GPT's number of parameters."""


def make_model(kind: str, vocab_size: int, seed: int = 0) -> GPT | LSTMLanguageModel:
    """A seeded "gpt" (``SIZES``) or "lstm" (``LSTM_SIZES``) language model, torch's default
    initialisation under ``seed`` (the global random state is left untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "gpt":
            return GPT(vocab_size)
        if kind == "lstm":
            return LSTMLanguageModel(vocab_size, **LSTM_SIZES)
    raise ValueError(f"kind must be 'gpt' or 'lstm', got {kind!r}")


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- the loss and training ---------------------------------------------------------------------


def lm_loss(logits: torch.Tensor, tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """Next-token cross-entropy: the mean of -log softmax(logits[b, t])[tokens[b, t + 1]].

    logits: (B, T, V), the model's output on tokens (B, T); the prediction at t is scored
    against the token at t + 1, so the last position has no target and the first token is
    never a target. Targets equal to ``pad`` (padding after a sentence's end) are ignored.
    """
    V = logits.shape[-1]
    predictions = logits[:, :-1].reshape(-1, V)
    targets = tokens[:, 1:].reshape(-1)
    return nn.functional.cross_entropy(predictions, targets, ignore_index=pad)


class LMResult(NamedTuple):
    """What ``train_lm`` returns: eval_steps, test_loss (nats per token, step 0 = before
    training), seconds (training wall time up to each evaluated step: forward, backward and
    update; data and evaluation excluded), losses (the training loss of every step), probe
    (the probe's value at each evaluated step; empty without a probe)."""

    eval_steps: list[int]
    test_loss: list[float]
    seconds: list[float]
    losses: list[float]
    probe: list[float]

    @property
    def final(self) -> float:
        return self.test_loss[-1]


def _trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding in every row."""
    return ids[:, : int((ids != 0).sum(dim=1).max())]


def evaluate_loss(model: nn.Module, ids: torch.Tensor) -> float:
    """``lm_loss`` on (n, L) ids, without gradients."""
    with torch.no_grad():
        return float(lm_loss(model(ids), ids))


TRAINING = {"steps": 500, "batch": 32, "lr": 0.01, "eval_every": 50, "test_sentences": 400}
"""The lesson's run: 500 steps of 32 sentences, Adam at 0.01, clipping at 1 (as lesson 09),
the test loss on the first 400 test sentences every 50 steps."""


def train_lm(
    model: nn.Module,
    train_ids: Array,
    test_ids: Array,
    steps: int = TRAINING["steps"],
    batch: int = TRAINING["batch"],
    lr: float = TRAINING["lr"],
    eval_every: int = TRAINING["eval_every"],
    seed: int = 0,
    clip: float = 1.0,
    probe: Callable[[nn.Module], float] | None = None,
) -> LMResult:
    """Train a language model on next-token prediction with Adam and gradient clipping.

    train_ids, test_ids: (n, L) int64 sentences (``language.sequences``). Each step draws
    ``batch`` training sentences with a numpy Generator seeded by ``seed`` (so a GPT and an
    LSTM see the same batches), computes ``lm_loss`` and updates. The test loss is measured
    before training, every ``eval_every`` steps and after the last, and so is ``probe(model)``
    if given (e.g. the agreement accuracy: what the loss alone does not show).
    """
    rng = np.random.default_rng(seed)
    train = torch.from_numpy(np.asarray(train_ids))
    test = _trim(torch.from_numpy(np.asarray(test_ids)))
    optimizer = training.Adam(model.parameters(), lr)
    eval_steps, curve, seconds, losses = [0], [evaluate_loss(model, test)], [0.0], []
    probed = [probe(model)] if probe else []
    elapsed = 0.0
    for step in range(1, steps + 1):
        x = _trim(train[rng.integers(0, len(train), batch)])
        start = time.perf_counter()
        with torch.enable_grad():  # even if the caller is inside torch.no_grad()
            loss = lm_loss(model(x), x)
        losses.append(training.clipped_step(model, optimizer, loss, clip))
        elapsed += time.perf_counter() - start
        if step % eval_every == 0 or step == steps:
            eval_steps.append(step)
            curve.append(evaluate_loss(model, test))
            seconds.append(elapsed)
            if probe:
                probed.append(probe(model))
    return LMResult(eval_steps, curve, seconds, losses, probed)


# --- what the model learned --------------------------------------------------------------------


def verb_preference(model: nn.Module, ids: Array, verbs: Sequence[int], other: Sequence[int]):
    """For each sentence, the log-probability the model gives its main verb minus that of the
    same verb in the other number, read where the verb is predicted.

    ids: (n, L) sentences (``language.sequences``); verbs: (n,) the position of each main verb
    in its row; other: (n,) the token id of the other form. Positive = the right number (the
    minimal pairs of agreement tests of language models since Linzen, Dupoux & Goldberg 2016).
    Returns (n,) float.
    """
    tokens = _trim(torch.from_numpy(np.asarray(ids)))
    rows = torch.arange(len(tokens))
    at = torch.as_tensor(np.asarray(verbs)) - 1  # the logits at t predict the token at t + 1
    with torch.no_grad():
        logits = model(tokens)[rows, at]
    right = logits[rows, tokens[rows, at + 1]]
    wrong = logits[rows, torch.as_tensor(np.asarray(other))]
    return (right - wrong).numpy().astype(float)


def generate(
    model: nn.Module,
    prompts: Array,
    steps: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = 0,
    cache: bool = True,
    stop: int | None = None,
) -> Array:
    """Continue each prompt by up to ``steps`` sampled tokens, one token at a time.

    prompts: (B, P) int64 token ids. With cache=True the prompt is read once into the model's
    cache (``model.new_cache()``) and each step feeds only the new token; with cache=False
    each step runs the model on the whole sequence so far and keeps the last position's
    logits (the same logits, recomputed). Each token is drawn from
    ``next_token_distribution(logits, temperature, top_k)`` with a numpy Generator seeded by
    ``seed``. stop: a token id (the end of a sentence); generation ends early once every row
    has produced it. Returns (B, P + steps taken) int64.
    """
    rng = np.random.default_rng(seed)
    out = torch.as_tensor(np.asarray(prompts))
    memory = model.new_cache() if cache else None
    new = out
    done = np.zeros(len(out), dtype=bool)
    with torch.no_grad():
        for _ in range(steps):
            logits = model(new, memory)[:, -1] if cache else model(out)[:, -1]
            p = next_token_distribution(logits.double().numpy(), temperature, top_k)
            cdf = np.cumsum(p, axis=-1)
            cdf[:, -1] = 1.0  # a sum rounded below 1 must not send a draw to token 0 (padding)
            draws = (rng.random((len(p), 1)) < cdf).argmax(axis=-1)
            new = torch.from_numpy(draws)[:, None]
            out = torch.cat([out, new], dim=1)
            done |= draws == stop
            if done.all():
                break
    return out.numpy()


def next_token_distribution(logits, temperature: float = 1.0, top_k: int | None = None) -> Array:
    """p = softmax(logits / temperature) over the ``top_k`` largest logits (None: all).

    logits: (..., V). Temperature < 1 sharpens the distribution (-> the argmax as it goes to
    0), > 1 flattens it (-> uniform). top-k sampling (Fan, Lewis & Dauphin 2018) keeps the k
    largest logits and gives the others probability 0; ties with the k-th largest are kept.
    Returns (..., V) probabilities, each row summing to 1.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    z = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        kth = np.sort(z, axis=-1)[..., -top_k, None]
        z = np.where(z >= kth, z, -np.inf)
    return attention.softmax(z)


def entropy(p) -> Array:
    """-sum p log p in nats along the last axis (0 log 0 = 0)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=-1)
