"""Vaswani et al. (2017), Table 1, measured: a recurrent layer against a self-attention layer.

Table 1 of "Attention is all you need" compares layer types on three counts, with n the
sequence length and d the representation width:

    layer           complexity per layer   sequential operations   maximum path length
    self-attention  O(n^2 d)               O(1)                    O(1)
    recurrent       O(n d^2)               O(n)                    O(n)

This module measures each column on this machine, for a tanh RNN layer and one softmax
self-attention layer:

- sequential operations: ``sequential_operations`` builds the layer's forward pass in torch and
  counts the longest chain of operations that must run one after another (the depth of the
  autograd graph). The RNN's grows with n; attention's is a fixed number of matrix products;
- maximum path length: ``path_gradients``, the gradient from the output at position n back to
  the input at position 1 (``rnn.gradient_vs_lag``,
  ``gradient_vs_distance.attention_gradient_vs_distance``):
  the RNN's decays exponentially with n, attention's only like 1/n (diffuse weights);
- complexity per layer: ``flops`` counts multiply-adds (2 FLOPs each) by formula, and
  ``wall_times`` measures the forward pass of torch's nn.RNN, a Python loop of nn.RNNCell and
  the attention matmuls as n grows (medians of a few runs, one or two threads);
- memory: ``measured_score_bytes``, the bytes of the float32 score matrix torch allocates.

The efficient variants of ``course_utils.efficient_attention`` are measured the same way
(lesson 10): ``measure_costs`` gives the wall time (``median_seconds``) and the peak memory
(``peak_bytes``, via tracemalloc) of each entry of ``efficient_variants`` as n grows.

Torch is imported inside the functions that need it.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from course_utils import attention, gradient_vs_distance, rnn
from course_utils import efficient_attention as efficient

Array = np.ndarray

PAPER_TABLE_1 = {
    "self-attention": ("O(n^2 d)", "O(1)", "O(1)"),
    "recurrent": ("O(n d^2)", "O(n)", "O(n)"),
    "convolutional": ("O(k n d^2)", "O(1)", "O(log_k n)"),
    "self-attention (restricted)": ("O(r n d)", "O(1)", "O(n/r)"),
}
"""Vaswani et al. (2017), Table 1: complexity per layer, sequential operations, maximum path
length (k: kernel width; r: neighbourhood size; log_k n for dilated convolutions)."""


# --- sequential operations ---------------------------------------------------------------------


def graph_depth(output) -> int:
    """The longest chain of dependent operations that produced the torch tensor ``output``.

    Walks the autograd graph from output.grad_fn back to the leaves (iteratively, so graphs
    thousands of operations deep are fine); each node is one operation (a matmul, an add, a
    tanh, a softmax, ...); the leaves (inputs and weights) are not counted. Operations on
    the same chain cannot run at the same time, however many cores there are: this is the
    "minimum number of sequential operations" of Vaswani et al. (2017), section 4, up to a
    constant factor.
    """
    depth: dict = {}
    stack = [(output.grad_fn, False)]
    while stack:
        node, expanded = stack.pop()
        if node is None or node in depth:
            continue
        parents = [p for p, _ in node.next_functions if p is not None]
        if expanded:
            own = 0 if type(node).__name__ == "AccumulateGrad" else 1  # a leaf, not an operation
            depth[node] = own + max((depth[p] for p in parents), default=0)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in parents if p not in depth)
    return depth.get(output.grad_fn, 0)


def _recurrent_layer(x, W_xh, W_hh):
    """h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh), t = 1..n, written as a loop: (n, d) states."""
    import torch

    h = torch.zeros(W_hh.shape[0], dtype=x.dtype)
    states = []
    for x_t in x:
        h = torch.tanh(x_t @ W_xh + h @ W_hh)
        states.append(h)
    return torch.stack(states)


def _attention_layer(x, W_q, W_k, W_v):
    """softmax(Q K^T / sqrt(d)) V with Q, K, V = x W_q, x W_k, x W_v: (..., n, d) outputs."""
    import torch

    q, k, v = x @ W_q, x @ W_k, x @ W_v
    return torch.softmax(q @ k.transpose(-2, -1) / x.shape[-1] ** 0.5, dim=-1) @ v


def sequential_operations(layer: str, n: int, d: int = 8, seed: int = 0) -> int:
    """``graph_depth`` of one layer's forward pass on a random (n, d) input.

    layer: "recurrent" (the loop of ``_recurrent_layer``: 5 dependent operations per step, the
    vector-matrix product h @ W_hh, which torch records as unsqueeze, mm and squeeze, then the
    add and the tanh: 5n in all) or "self-attention" (``_attention_layer``: a
    projection, the score matmul, a scaling, the softmax and the weighted sum, whatever n).
    d does not change the count.
    """
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    weights = [torch.randn(d, d, generator=g, dtype=torch.float64) / d**0.5 for _ in range(3)]
    for w in weights:
        w.requires_grad_(True)
    if layer == "recurrent":
        out = _recurrent_layer(x, weights[0], weights[1])
    elif layer == "self-attention":
        out = _attention_layer(x, *weights)
    else:
        raise ValueError(f"layer must be 'recurrent' or 'self-attention', got {layer!r}")
    return graph_depth(out)


# --- maximum path length -----------------------------------------------------------------------


class PathGradients(NamedTuple):
    """Result of ``path_gradients``; arrays over the lengths n.

    rnn_log10: log10 of ||dL/dh_1|| for the tanh RNN, L = <h_n, r> (log: it soon leaves
    float64's range); attention: ||dy_n/dx_1||_F, diffuse weights; sharp: the same with a
    score margin on token 1; sharp_weight: that token's attention weight.
    rnn_rate: fitted factor per step of the RNN's decay (exp of the slope of log norm vs n);
    attention_slope: log-log slope of the diffuse attention's norm (-1 = 1/n dilution).
    """

    lengths: Array
    rnn_log10: Array
    attention: Array
    sharp: Array
    sharp_weight: Array
    rnn_rate: float
    attention_slope: float


def path_gradients(
    lengths: Sequence[int] = (8, 32, 128, 512, 2048),
    d: int = 64,
    radius: float = 0.9,
    margin: float = 8.0,
    seed: int = 0,
) -> PathGradients:
    """How much gradient the output at position n sends back to the input at position 1.

    RNN: ``rnn.gradient_vs_lag(max(lengths), radius, "tanh", d)`` (lag n - 1 is position 1 of
    a length-n sequence); attention:
    ``gradient_vs_distance.attention_gradient_vs_distance`` at each n,
    with diffuse weights (margin 0) and with a learned focus (``margin`` added to token 1's
    score). Seeded.
    """
    lengths = np.asarray(lengths, dtype=int)
    profile = rnn.gradient_vs_lag(int(lengths.max()), radius, "tanh", d, seed=seed)
    rnn_log10 = profile.log_norms[lengths - 1] / np.log(10)
    diffuse = gradient_vs_distance.attention_gradient_vs_distance(lengths, d, seed)
    sharp = gradient_vs_distance.attention_gradient_vs_distance(lengths, d, seed, margin=margin)
    rate = float(np.exp(np.polyfit(lengths, rnn_log10 * np.log(10), 1)[0]))
    return PathGradients(
        lengths, rnn_log10, diffuse.norms, sharp.norms, sharp.alpha_first, rate, diffuse.slope
    )


# --- cost per layer: FLOPs, memory, wall time --------------------------------------------------


def flops(layer: str, n: int, d: int) -> int:
    """Floating-point operations of one layer's forward pass (a multiply-add = 2 FLOPs).

    "recurrent": n steps of x_t W_xh + h_{t-1} W_hh, two (1, d) x (d, d) products each:
    4 n d^2 (the O(n d^2) of Table 1). "self-attention": the scores Q K^T and the weighted sum
    A V, each 2 n^2 d: 4 n^2 d (the O(n^2 d) of Table 1). Attention's projections Q, K, V and
    the output (8 n d^2 more) are left out, as in the paper's table, which counts what grows
    with n^2. The two are equal at n = d: "self-attention layers are faster than recurrent
    layers when the sequence length n is smaller than the representation dimensionality d"
    (Vaswani et al. 2017, section 4).
    """
    if layer == "recurrent":
        return 4 * n * d * d
    if layer == "self-attention":
        return 4 * n * n * d
    raise ValueError(f"layer must be 'recurrent' or 'self-attention', got {layer!r}")


def measured_score_bytes(n: int, d: int = 8, seed: int = 0) -> int:
    """Bytes of the float32 (n, n) score matrix Q K^T that torch actually allocates for one
    sequence and one head: 4 n^2."""
    import torch

    g = torch.Generator().manual_seed(seed)
    q, k = torch.randn(2, n, d, generator=g)
    scores = q @ k.T
    return scores.element_size() * scores.nelement()


TIMED = ("nn.RNN", "RNNCell loop", "attention")
"""The layers ``time_forward`` can time."""


def _timed_layer(kind: str, n: int, d: int, batch: int, seed: int):
    """A no-argument function running one forward pass of ``kind`` on fixed random inputs."""
    import torch

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, batch, d, generator=g)
    if kind == "attention":
        W = torch.randn(3, d, d, generator=g) / d**0.5
        xb = x.transpose(0, 1)  # (batch, n, d)
        return lambda: _attention_layer(xb, *W)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "nn.RNN":
            layer = torch.nn.RNN(d, d)
            return lambda: layer(x)[0]
        if kind == "RNNCell loop":
            cell = torch.nn.RNNCell(d, d)

            def loop():
                h = torch.zeros(batch, d)
                for x_t in x:
                    h = cell(x_t, h)
                return h

            return loop
    raise ValueError(f"kind must be one of {TIMED}, got {kind!r}")


def time_forward(
    kind: str, n: int, d: int = 64, batch: int = 1, threads: int = 1, repeats: int = 3
) -> float:
    """Median wall time (seconds) of ``repeats`` forward passes of one layer, after a warm-up.

    kind: "nn.RNN" (torch's recurrent layer, a compiled loop over the n steps), "RNNCell loop"
    (a Python loop of nn.RNNCell: the same arithmetic, one call per step) or "attention"
    (projections, the (batch, n, n) softmax scores and the weighted sum). No gradients.
    threads: torch threads during the measurement (restored afterwards).
    """
    import torch

    run = _timed_layer(kind, n, d, batch, seed=0)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            return median_seconds(run, repeats=repeats)
    finally:
        torch.set_num_threads(before)


class WallTimes(NamedTuple):
    """Result of ``wall_times``: seconds[(kind, threads)] is an array over lengths."""

    lengths: Array
    seconds: dict[tuple[str, int], Array]
    d: int
    batch: int


def wall_times(
    lengths: Sequence[int] = (16, 64, 256, 1024, 4096),
    layers: Sequence[tuple[str, int]] = (("nn.RNN", 1), ("attention", 1)),
    d: int = 64,
    batch: int = 1,
    repeats: int = 3,
) -> WallTimes:
    """``time_forward`` for every (kind, threads) pair of ``layers`` and every length (timings
    vary run to run)."""
    lengths = np.asarray(lengths, dtype=int)
    seconds = {
        (kind, t): np.array([time_forward(kind, int(n), d, batch, t, repeats) for n in lengths])
        for kind, t in layers
    }
    return WallTimes(lengths, seconds, d, batch)


def loglog_slope(lengths, seconds, last: int = 2) -> float:
    """Slope of log(time) against log(n) over the ``last`` largest lengths (1: linear, 2:
    quadratic). Small n are dominated by fixed overheads, so fit the large end."""
    x, y = np.log(np.asarray(lengths, float)[-last:]), np.log(np.asarray(seconds, float)[-last:])
    return float(np.polyfit(x, y, 1)[0])


def crossover(lengths, slower_at_start, faster_at_start) -> float:
    """The length at which two timing curves cross, interpolated on log-log axes.

    Returns the first n where ``slower_at_start`` stops being larger than ``faster_at_start``
    (e.g. nn.RNN vs attention), nan if they never cross within the lengths, and lengths[0]
    if the order is already reversed at the first length.
    """
    n = np.log(np.asarray(lengths, float))
    gap = np.log(np.asarray(slower_at_start, float)) - np.log(np.asarray(faster_at_start, float))
    if gap[0] <= 0:
        return float(lengths[0])
    below = np.flatnonzero(gap <= 0)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    t = gap[i - 1] / (gap[i - 1] - gap[i])
    return float(np.exp(n[i - 1] + t * (n[i] - n[i - 1])))


# --- time and memory of the efficient variants (lesson 10) --------------------------------------


def peak_bytes(fn: Callable, *args) -> int:
    """Peak memory (bytes) that numpy allocates while ``fn(*args)`` runs, via tracemalloc.

    numpy reports its array buffers to tracemalloc, so this counts the score matrix and every
    temporary; it does not count memory held before the call (the inputs). Works whether or not
    tracemalloc is already tracing (it is left as it was).
    """
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    try:
        fn(*args)
        return int(tracemalloc.get_traced_memory()[1] - before)
    finally:
        if not tracing:
            tracemalloc.stop()


def median_seconds(fn: Callable, *args, repeats: int = 3) -> float:
    """Median wall time (seconds) of ``repeats`` calls of fn(*args), after one warm-up call."""
    fn(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def efficient_variants(n: int, window: int = 32, chunk: int = 64) -> dict[str, Callable]:
    """The causal attention variants lesson 10 compares, as functions of (Q, K, V).

    "full": softmax attention with a causal mask (the n x n matrix); "local, dense mask": the
    same call with ``local_attention_mask`` (what a sparse pattern costs when implemented as a
    mask: nothing saved); "local (banded)": ``local_attention``; "strided": ``strided_attention``
    with stride round(sqrt(n)); "linear": ``linear_attention_chunked`` (elu + 1).
    """
    stride = max(1, round(np.sqrt(n)))
    causal, local = attention.causal_mask(n), efficient.local_attention_mask(n, window)
    return {
        "full": lambda Q, K, V: attention.scaled_dot_product_attention(Q, K, V, causal).output,
        "local, dense mask": lambda Q, K, V: (
            attention.scaled_dot_product_attention(Q, K, V, local).output
        ),
        "local (banded)": lambda Q, K, V: efficient.local_attention(Q, K, V, window),
        "strided": lambda Q, K, V: efficient.strided_attention(Q, K, V, stride),
        "linear": lambda Q, K, V: efficient.linear_attention_chunked(Q, K, V, chunk),
    }


class Costs(NamedTuple):
    """Result of ``measure_costs``: for each variant (keys of ``efficient_variants``) an array
    over ``lengths`` of median seconds, and of peak bytes (tracemalloc). d: the width."""

    lengths: Array
    seconds: dict[str, Array]
    peak_bytes: dict[str, Array]
    d: int


def measure_costs(
    lengths: Sequence[int] = (256, 512, 1024, 2048),
    d: int = 64,
    window: int = 32,
    repeats: int = 3,
    seed=0,
    timing: bool = True,
) -> Costs:
    """Wall time and peak memory of every ``efficient_variants`` entry as n grows (float64).

    Peak bytes are deterministic (same numpy, same shapes); seconds vary run to run and from
    machine to machine, so compare slopes and ratios, not values. timing=False skips the clock
    (seconds are then NaN).
    """
    lengths = np.asarray(lengths, dtype=int)
    seconds: dict[str, list] = {}
    memory: dict[str, list] = {}
    for n in lengths:
        Q, K, V = efficient.attention_inputs(int(n), d, seed=seed)
        for name, fn in efficient_variants(int(n), window).items():
            memory.setdefault(name, []).append(peak_bytes(fn, Q, K, V))
            t = median_seconds(fn, Q, K, V, repeats=repeats) if timing else np.nan
            seconds.setdefault(name, []).append(t)
    return Costs(
        lengths,
        {k: np.array(v, float) for k, v in seconds.items()},
        {k: np.array(v) for k, v in memory.items()},
        d,
    )
