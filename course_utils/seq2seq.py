"""RNN encoder-decoders with and without attention, in torch, for a toy translation (lesson 08).

The models
----------
Encoder: embedding -> GRU, bidirectional as in Bahdanau, Cho & Bengio (2014, section 3.2), so
that the state h_j of source word j summarises the words on BOTH sides of it:
h_j = [forward h_j ; backward h_j], of size 2H. Padding is handled by packing
(``pack_padded_sequence``): the backward GRU starts at each sentence's own last word, not at
the padding after it.

Decoder: embedding of the previous target word -> GRU -> output layer. Its initial state is
s_0 = tanh(W_init [forward h_S ; backward h_1]), the two final encoder states. At step t
the output layer sees the decoder state s_t and a context vector c_t:

    o_t = tanh([s_t ; c_t] W_c),   p(y_t | y_<t, x) = softmax(o_t W_out)

- without attention (Cho et al. 2014; Sutskever et al. 2014): c_t = c, the same fixed vector
  for every step: the two final encoder states. The whole sentence must fit in it.
- with attention: c_t = sum_j a_tj h_j, a weighted mean of ALL encoder states, with weights
  a_t = softmax_j(score(s_t, h_j)) over the source words (padding masked out). The score is
  Bahdanau's additive one, score = v^T tanh(W s_t + U h_j), or Luong's "general" (bilinear)
  one, score = s_t^T W h_j.

The two models share everything but c_t. As in Luong, Pham & Manning (2015) the query is the
current state s_t (Bahdanau used s_{t-1} and fed c_t into the recurrence); this lets
teacher-forced training run the decoder GRU over the whole target in one call.

In the course's attention vocabulary (lesson 07): the queries are the decoder states, the
keys and the values are the encoder states. This is cross-attention.

Training: teacher forcing (the decoder reads the reference target), cross-entropy, the
course's ``training.Adam``, gradient-norm clipping at 1. Evaluation: greedy decoding.
Randomness: model initialisation from ``seed`` (torch), batches from a separate numpy
Generator seeded by ``data_seed``. Call ``course_utils.env.use_one_thread()`` first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from tqdm.auto import tqdm

from course_utils import translation as tr
from course_utils.attention import softmax
from course_utils.i18n import _
from course_utils.training import Adam, clipped_step

SCORES = ("additive", "general")

LESSON08 = {
    "embed": 32,
    "hidden": 64,
    "attention_dim": 32,
    "steps": 500,
    "batch": 32,
    "lr": 0.005,
}
"""The lesson's model and training budget (what it gives: tests/unit/test_lesson08.py)."""


# --- the exercise's reference: additive attention in numpy ---------------------------------------


def additive_scores(S, H, W, U, v) -> np.ndarray:
    """Bahdanau's additive score, score[i, j] = v . tanh(s_i W + h_j U).

    S: (n, d_s) decoder states, one query per target step; H: (T, d_h) encoder states;
    W: (d_s, a), U: (d_h, a), v: (a,). Returns (n, T).
    """
    return np.tanh((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v


def additive_context(S, H, W, U, v) -> np.ndarray:
    """Context vectors c_i = sum_j a_ij h_j, with a_i = softmax over source positions j of
    ``additive_scores`` (Bahdanau et al. 2014, eqs. 5-6). Returns (n, d_h)."""
    weights = softmax(additive_scores(S, H, W, U, v), axis=-1)  # each row sums to 1
    return weights @ H


# --- the models ----------------------------------------------------------------------------------


class Encoder(nn.Module):
    """Embedding -> (bidirectional) GRU over the source, with padding packed away.

    forward(source (B, S) ids, lengths (B,)) -> (states (B, S, D), final (B, D)), with
    D = 2H bidirectional (states [forward ; backward], final [forward h_S ; backward h_1]) or
    H one-directional. states are 0 at padded positions.
    """

    def __init__(self, vocab: int, embed: int, hidden: int, bidirectional: bool = True):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.gru = nn.GRU(embed, hidden, batch_first=True, bidirectional=bidirectional)
        self.size = hidden * (2 if bidirectional else 1)

    def forward(self, source: torch.Tensor, lengths: torch.Tensor):
        packed = pack_padded_sequence(
            self.embedding(source), lengths, batch_first=True, enforce_sorted=False
        )
        out, final = self.gru(packed)
        states = pad_packed_sequence(out, batch_first=True, total_length=source.shape[1])[0]
        return states, torch.cat(list(final), dim=-1)  # (1 or 2, B, H) -> (B, D)


class AdditiveAttention(nn.Module):
    """score(s_t, h_j) = v^T tanh(W s_t + U h_j) (Bahdanau et al. 2014, appendix A.1.2)."""

    def __init__(self, query: int, key: int, size: int):
        super().__init__()
        self.W = nn.Linear(query, size, bias=False)
        self.U = nn.Linear(key, size, bias=False)
        self.v = nn.Linear(size, 1, bias=False)

    def forward(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """queries (B, T, q), keys (B, S, k) -> scores (B, T, S)."""
        hidden = torch.tanh(self.W(queries)[:, :, None, :] + self.U(keys)[:, None, :, :])
        return self.v(hidden).squeeze(-1)


class GeneralAttention(nn.Module):
    """score(s_t, h_j) = s_t^T W h_j, Luong's "general" score (Luong et al. 2015, eq. 8)."""

    def __init__(self, query: int, key: int):
        super().__init__()
        self.W = nn.Linear(key, query, bias=False)

    def forward(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """queries (B, T, q), keys (B, S, k) -> scores (B, T, S)."""
        return queries @ self.W(keys).transpose(1, 2)


class Seq2Seq(nn.Module):
    """Bidirectional GRU encoder + GRU decoder, with attention (score "additive" or "general")
    or without (score None: the context is the fixed final encoder state)."""

    def __init__(
        self,
        score: str | None = "general",
        embed: int = LESSON08["embed"],
        hidden: int = LESSON08["hidden"],
        attention_dim: int = LESSON08["attention_dim"],
        bidirectional: bool = True,
    ):
        super().__init__()
        if score is not None and score not in SCORES:
            raise ValueError(f"score must be one of {SCORES} or None, got {score!r}")
        self.score = score
        self.encoder = Encoder(len(tr.SOURCE_VOCAB), embed, hidden, bidirectional)
        d = self.encoder.size
        self.embedding = nn.Embedding(len(tr.TARGET_VOCAB), embed, padding_idx=0)
        self.init = nn.Linear(d, hidden)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.attention = None
        if score == "additive":
            self.attention = AdditiveAttention(hidden, d, attention_dim)
        elif score == "general":
            self.attention = GeneralAttention(hidden, d)
        self.combine = nn.Linear(hidden + d, hidden)
        self.out = nn.Linear(hidden, len(tr.TARGET_VOCAB))

    def encode(self, source: torch.Tensor, lengths: torch.Tensor):
        """-> (states (B, S, D), source mask (B, S) True = a word, s_0 (1, B, hidden), final)."""
        states, final = self.encoder(source, lengths)
        mask = torch.arange(source.shape[1])[None, :] < lengths[:, None]
        return states, mask, torch.tanh(self.init(final))[None], final

    def attend(self, s: torch.Tensor, states: torch.Tensor, mask: torch.Tensor, final):
        """Decoder states s (B, T, hidden) -> (context (B, T, D), weights (B, T, S) or None)."""
        if self.attention is None:
            return final[:, None, :].expand(-1, s.shape[1], -1), None
        scores = self.attention(s, states).masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # over source words; padding gets exactly 0
        return weights @ states, weights

    def decode(self, target_in, states, mask, s0, final):
        """Teacher-forced decoder: target_in (B, T) -> (logits (B, T, V), weights, s_T)."""
        s, s_last = self.gru(self.embedding(target_in), s0)
        context, weights = self.attend(s, states, mask, final)
        o = torch.tanh(self.combine(torch.cat([s, context], dim=-1)))
        return self.out(o), weights, s_last

    def forward(self, source, lengths, target_in):
        """-> (logits (B, T, V), attention weights (B, T, S) or None)."""
        logits, weights = self.decode(target_in, *self.encode(source, lengths))[:2]
        return logits, weights


def make_model(score: str | None = "general", seed: int = 0, **sizes) -> Seq2Seq:
    """A seeded ``Seq2Seq`` (torch's default init); the global torch random state is kept."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Seq2Seq(score, **sizes)


# --- training ------------------------------------------------------------------------------------


def _tensors(enc: tr.Encoded, index=None, trim: bool = True):
    """torch tensors of the rows ``index`` of an Encoded, trimmed to their longest sentence."""
    rows = slice(None) if index is None else index
    lengths = enc.source_lengths[rows]
    source, t_in, t_out = enc.source[rows], enc.target_in[rows], enc.target_out[rows]
    if trim:
        source = source[:, : lengths.max()]
        t_len = int((t_out != 0).sum(axis=1).max())
        t_in, t_out = t_in[:, :t_len], t_out[:, :t_len]
    return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (source, lengths, t_in, t_out))


@dataclass(frozen=True)
class TrainResult:
    """losses: the training loss of every step; seconds: wall time of the training loop."""

    losses: list[float]
    seconds: float


def train(
    model: Seq2Seq,
    pairs: Sequence[tr.Pair],
    steps: int = LESSON08["steps"],
    batch: int = LESSON08["batch"],
    lr: float = LESSON08["lr"],
    data_seed: int = 0,
    clip: float = 1.0,
    progress: bool = True,
) -> TrainResult:
    """Teacher forcing: each step draws ``batch`` training pairs (numpy Generator seeded by
    ``data_seed``), minimises the cross-entropy of the next target word (padding ignored)
    with Adam, clipping the gradient norm at ``clip``. progress: a tqdm bar with the loss."""
    enc = tr.encode_pairs(pairs)
    rng = np.random.default_rng(data_seed)
    optimizer = Adam(model.parameters(), lr)
    losses = []
    if model.attention is not None:
        desc = _("training (with attention)")
    else:
        desc = _("training (without attention)")
    bar = tqdm(range(steps), desc=desc, disable=not progress)
    start = time.perf_counter()
    model.train()
    for step in bar:
        optimizer.lr = lr * (1 - step / steps)  # linear decay to 0: a calmer end of training
        source, lengths, t_in, t_out = _tensors(enc, rng.integers(len(pairs), size=batch))
        logits = model(source, lengths, t_in)[0]
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), t_out.flatten(), ignore_index=0)
        losses.append(clipped_step(model, optimizer, loss, clip))
        if step % 25 == 0 or step == steps - 1:
            bar.set_postfix({"loss": f"{losses[-1]:.3f}"})
    bar.close()
    model.eval()
    return TrainResult(losses, time.perf_counter() - start)


# --- evaluation ----------------------------------------------------------------------------------


@torch.no_grad()
def greedy_decode(model: Seq2Seq, pairs: Sequence[tr.Pair], extra: int = 4) -> list[tuple]:
    """Greedy decoding: at each step feed back the most likely word, until </s> or
    len(source) + ``extra`` words. Returns one token tuple per pair."""
    enc = tr.encode_pairs(pairs)
    source, lengths = _tensors(enc)[:2]
    states, mask, s, final = model.encode(source, lengths)
    bos = tr.TARGET_VOCAB.index(tr.BOS)
    word = torch.full((len(pairs), 1), bos, dtype=torch.long)
    out = []
    for _step in range(int(lengths.max()) + extra):
        logits, _weights, s = model.decode(word, states, mask, s, final)
        word = logits.argmax(-1)
        out.append(word)
    ids = torch.cat(out, dim=1).numpy()
    return [tr.decode(row) for row in ids]


@torch.no_grad()
def attention_weights(model: Seq2Seq, pairs: Sequence[tr.Pair]) -> list[np.ndarray]:
    """Teacher-forced attention on the reference targets: one (len(target), len(source))
    matrix per pair (the </s> step dropped), rows summing to 1, float64."""
    if model.attention is None:
        raise ValueError("this model has no attention")
    source, lengths, t_in = _tensors(tr.encode_pairs(pairs))[:3]
    weights = model(source, lengths, t_in)[1]
    weights = weights.double().numpy()
    return [w[: len(p.target), : len(p.source)] for w, p in zip(weights, pairs, strict=True)]


@dataclass(frozen=True)
class Evaluation:
    """Greedy-decoding results on a list of pairs: exact and token accuracy per sentence,
    the predictions, and (with attention) the argmax-alignment agreement per target token."""

    clauses: np.ndarray
    exact: np.ndarray
    tokens: np.ndarray
    predictions: list[tuple]
    alignment: np.ndarray | None

    def exact_by_clauses(self) -> dict[int, float]:
        return tr.by_clauses(self.exact, self.clauses)

    def tokens_by_clauses(self) -> dict[int, float]:
        return tr.by_clauses(self.tokens, self.clauses)


def evaluate(model: Seq2Seq, pairs: Sequence[tr.Pair]) -> Evaluation:
    """Greedy-decode ``pairs`` and score them against the references (and the gold alignment)."""
    predictions = greedy_decode(model, pairs)
    alignment = None
    if model.attention is not None:
        alignment = tr.alignment_agreement(attention_weights(model, pairs), pairs)
    return Evaluation(
        np.array([p.clauses for p in pairs]),
        tr.exact_match(predictions, pairs),
        tr.token_accuracy(predictions, pairs),
        predictions,
        alignment,
    )
