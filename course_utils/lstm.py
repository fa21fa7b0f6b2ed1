"""The LSTM cell in numpy, and its backprop through time (Hochreiter & Schmidhuber 1997, with
the forget gate of Gers, Schmidhuber & Cummins 2000).

Gates stacked in torch's order (i, f, g, o), with row vectors as in ``course_utils.rnn``
-----------------------------------------------------------------------------------------
With x_t of shape (batch, n_in) and h_t, c_t of shape (batch, H), ONE matrix product gives the
pre-activations of all four gate blocks, z_t of shape (batch, 4H):

    z_t = x_t @ W_x + h_{t-1} @ W_h + b          W_x (n_in, 4H), W_h (H, 4H), b (4H,)

    i_t = sigmoid(z_t[:, 0:H])      input gate: how much of the candidate to write
    f_t = sigmoid(z_t[:, H:2H])     forget gate: how much of the old cell to keep
    g_t = tanh(z_t[:, 2H:3H])       candidate cell value (the "write" content)
    o_t = sigmoid(z_t[:, 3H:4H])    output gate: how much of the cell to show

    c_t = f_t * c_{t-1} + i_t * g_t              (elementwise)
    h_t = o_t * tanh(c_t)

A classic mistake is to slice the blocks in another order (other code bases use others; i, f,
o, g is common): the code still runs, and the gradient check even passes, but the weights no
longer mean what torch's mean. ``GATES`` names the order and ``gate_slice`` gives the columns.
torch.nn.LSTM stores ``weight_ih_l0`` = W_x.T (4H, n_in), ``weight_hh_l0`` = W_h.T (4H, H)
and TWO biases ``bias_ih_l0`` + ``bias_hh_l0`` whose sum is b. The 1997 LSTM had no forget
gate: its cell kept a fixed self-loop of weight 1, the "constant error carousel".

The cell path. Along the direct path c_{t-1} -> c_t the derivative is dc_t/dc_{t-1} = diag(f_t),
so dc_T/dc_{T-k} = prod_{t=T-k+1}^{T} f_t, elementwise: no weight matrix and no squashing
derivative, only forget gates. It vanishes when f < 1 stays far from 1, and it cannot explode
(0 < f < 1). With forget bias b_f, f ~ sigmoid(b_f).

Everything numpy is float64; torch is imported inside the functions that need it.
"""

import functools
from typing import NamedTuple

import numpy as np

from course_utils.activations import sigmoid
from course_utils.rnn import decay_rate
from course_utils.tasks import AGREEMENT_VOCAB, encode

Array = np.ndarray
Params = dict[str, Array]

GATES = ("i", "f", "g", "o")
"""The order of the gate blocks in W_x, W_h and b (torch's order)."""


def gate_slice(gate: str, n_hidden: int) -> slice:
    """The columns of ``gate`` ("i", "f", "g" or "o") in z, W_x, W_h and b: k*H:(k+1)*H."""
    k = GATES.index(gate)
    return slice(k * n_hidden, (k + 1) * n_hidden)


def init_lstm(
    n_in: int, n_hidden: int, forget_bias: float = 1.0, seed: int | np.random.Generator = 0
) -> Params:
    """Random parameters {"W_x": (n_in, 4H), "W_h": (H, 4H), "b": (4H,)}, float64.

    Weights ~ U(-1/sqrt(H), 1/sqrt(H)), torch.nn.LSTM's default. b = 0 except the forget
    block b[H:2H] = forget_bias (1 as recommended by Jozefowicz, Zaremba & Sutskever 2015).
    W_h is drawn before W_x, so n_in does not change W_h.
    """
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(n_hidden)
    W_h = rng.uniform(-k, k, (n_hidden, 4 * n_hidden))
    W_x = rng.uniform(-k, k, (n_in, 4 * n_hidden))
    b = np.zeros(4 * n_hidden)
    b[gate_slice("f", n_hidden)] = forget_bias
    return {"W_x": W_x, "W_h": W_h, "b": b}


# --- forward -----------------------------------------------------------------------------------


class LSTMCache(NamedTuple):
    """One step's values that the backward pass needs; each (batch, .) array."""

    x: Array
    h_prev: Array
    c_prev: Array
    i: Array
    f: Array
    g: Array
    o: Array
    tanh_c: Array


def lstm_step(
    x: Array, h_prev: Array, c_prev: Array, params: Params
) -> tuple[Array, Array, LSTMCache]:
    """One LSTM step: c = f * c_prev + i * g, h = o * tanh(c) (see the module docstring).

    x: (batch, n_in); h_prev, c_prev: (batch, H). Returns h, c (batch, H) and the cache.
    """
    H = h_prev.shape[-1]
    z = x @ params["W_x"] + h_prev @ params["W_h"] + params["b"]
    i = sigmoid(z[:, gate_slice("i", H)])
    f = sigmoid(z[:, gate_slice("f", H)])
    g = np.tanh(z[:, gate_slice("g", H)])
    o = sigmoid(z[:, gate_slice("o", H)])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, LSTMCache(x, h_prev, c_prev, i, f, g, o, tanh_c)


def lstm_forward(
    x: Array, h0: Array | None, c0: Array | None, params: Params
) -> tuple[Array, Array, list[LSTMCache]]:
    """Run the LSTM over a sequence. x: (T, batch, n_in); h0, c0: (batch, H) or None for zeros.

    Returns hs and cs, each (T+1, batch, H) with hs[0] = h0, cs[0] = c0, and one cache per
    step for ``lstm_backward``.
    """
    T, batch, _ = x.shape
    H = params["W_h"].shape[0]
    hs, cs = np.zeros((T + 1, batch, H)), np.zeros((T + 1, batch, H))
    if h0 is not None:
        hs[0] = h0
    if c0 is not None:
        cs[0] = c0
    caches = []
    for t in range(T):
        hs[t + 1], cs[t + 1], cache = lstm_step(x[t], hs[t], cs[t], params)
        caches.append(cache)
    return hs, cs, caches


# --- backward ----------------------------------------------------------------------------------


class LSTMStepGrads(NamedTuple):
    """Gradients from one LSTM step (see ``lstm_step_backward``)."""

    dh_prev: Array
    dc_prev: Array
    dx: Array
    dW_x: Array
    dW_h: Array
    db: Array


def lstm_step_backward(dh: Array, dc: Array, cache: LSTMCache, params: Params) -> LSTMStepGrads:
    """Backprop through ONE step, given dh = total dL/dh_t and dc = dL/dc_t from step t+1.

    dh, dc: (batch, H). c_t reaches the loss twice, through h_t = o_t tanh(c_t) and through
    c_{t+1} = f_{t+1} c_t + ..., so its total gradient is dc + dh * o_t * (1 - tanh(c_t)^2).
    The cell path then gives dc_prev = (total dc_t) * f_t: the forget gate, nothing else.
    Returns dh_prev, dc_prev (batch, H), dx (batch, n_in), and this step's dW_x, dW_h, db.
    """
    i, f, g, o, tanh_c = cache.i, cache.f, cache.g, cache.o, cache.tanh_c
    dc_total = dc + dh * o * (1 - tanh_c**2)
    # gradients w.r.t. the gates' pre-activations, in the order i, f, g, o
    dz = np.concatenate(
        [
            dc_total * g * i * (1 - i),  # c = f c_prev + i g, i = sigmoid(z_i)
            dc_total * cache.c_prev * f * (1 - f),  # f = sigmoid(z_f)
            dc_total * i * (1 - g**2),  # g = tanh(z_g)
            dh * tanh_c * o * (1 - o),  # h = o tanh(c), o = sigmoid(z_o)
        ],
        axis=1,
    )
    return LSTMStepGrads(
        dh_prev=dz @ params["W_h"].T,
        dc_prev=dc_total * f,
        dx=dz @ params["W_x"].T,
        dW_x=cache.x.T @ dz,
        dW_h=cache.h_prev.T @ dz,
        db=dz.sum(axis=0),
    )


def lstm_backward(
    dhs: Array, caches: list[LSTMCache], params: Params
) -> tuple[Array, Array, Array, Params]:
    """Backprop through time for the LSTM, through both h and c.

    dhs: (T, batch, H), dhs[t-1] = the DIRECT dL/dh_t (loss terms at step t; zeros where a
    step has no loss). Walks t = T..1 carrying dL/dh and dL/dc back one step at a time.
    Returns dx (T, batch, n_in), dh0, dc0 (batch, H), and grads with the keys and shapes of
    params (sums over the steps).
    """
    dx = np.zeros((len(caches), *caches[0].x.shape))
    grads = {name: np.zeros_like(params[name]) for name in ("W_x", "W_h", "b")}
    dh_next = np.zeros_like(caches[0].h_prev)
    dc_next = np.zeros_like(dh_next)
    for t in reversed(range(len(caches))):
        step = lstm_step_backward(dhs[t] + dh_next, dc_next, caches[t], params)
        dx[t] = step.dx
        grads["W_x"] += step.dW_x
        grads["W_h"] += step.dW_h
        grads["b"] += step.db
        dh_next, dc_next = step.dh_prev, step.dc_prev
    return dx, dh_next, dc_next, grads


def to_torch_lstm(params: Params):
    """A float64 torch.nn.LSTM computing the same function as ``params``.

    weight_ih_l0 = W_x.T, weight_hh_l0 = W_h.T, bias_ih_l0 = b, bias_hh_l0 = 0 (torch adds
    the two biases, so only their sum matters). Same gate order, so no reshuffling.
    """
    import torch

    n_in, H = params["W_x"].shape[0], params["W_h"].shape[0]
    lstm = torch.nn.LSTM(n_in, H, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(params["W_x"].T))
        lstm.weight_hh_l0.copy_(torch.tensor(params["W_h"].T))
        lstm.bias_ih_l0.copy_(torch.tensor(params["b"]))
        lstm.bias_hh_l0.zero_()
    return lstm


# --- the cell path and the forget-gate bias ---------------------------------------------------


class CellPath(NamedTuple):
    """Result of ``cell_path_gradient``; arrays over lags k = 0..T-1.

    log_products: (T, H), log dc_T/dc_{T-k} = sum of log f over the last k steps, per unit.
    median, low, high: (T,), the median and the 10th/90th percentiles over units of
    dc_T/dc_{T-k} (0.0 where it underflows). naive: (T,), sigmoid(forget_bias)^k, the
    prediction with every f at its bias value. mean_log_f: the measured mean of log f.
    """

    lags: Array
    log_products: Array
    median: Array
    low: Array
    high: Array
    naive: Array
    mean_log_f: float

    @property
    def typical_f(self) -> float:
        """exp(mean log f): the geometric mean of the forget gates, the factor per step."""
        return float(np.exp(self.mean_log_f))


def cell_path_gradient(
    forget_bias: float,
    T: int = 100,
    n_hidden: int = 64,
    n_in: int = 8,
    seed: int | np.random.Generator = 0,
) -> CellPath:
    """The gradient along the cell path, dc_T/dc_{T-k} = prod of the last k forget gates.

    An ``init_lstm(n_in, n_hidden, forget_bias, seed)`` cell runs on inputs x_t ~ N(0, I)
    (batch 1) from h_0 = c_0 = 0; the forget gates f_t it produces give, per unit,
    log dc_T/dc_{T-k} = sum_{t=T-k+1}^{T} log f_t (Gers et al. 2000's cell with the 1997
    carousel's additive update). Lag T-1 is what reaches step 1. The naive prediction
    sigmoid(b_f)^k ignores the input-dependent part of f. Computed in log space, so no
    underflow warning. The full gradient is larger than this direct path alone (other paths
    run through h and the gates): compare ``full_vs_direct``.

    The first T steps of a run do not depend on how long it goes on (its inputs are drawn in
    order), so with an int seed the gates are read from a cached run of the next power of two
    steps (``_log_forget_gates``): a slider that moves T pays for the sums only.
    """
    if isinstance(seed, np.random.Generator):
        log_f = _log_forget_gates.__wrapped__(forget_bias, T, n_hidden, n_in, seed)
    else:
        length = 1 << max(T - 1, 15).bit_length()  # the next power of two >= T, at least 16
        log_f = _log_forget_gates(float(forget_bias), length, n_hidden, n_in, int(seed))[:T]
    log_products = np.concatenate([np.zeros((1, n_hidden)), np.cumsum(log_f[::-1], axis=0)])
    log_products = log_products[:T]
    with np.errstate(under="ignore"):
        products = np.exp(log_products)
        naive = np.exp(np.arange(T) * np.log(sigmoid(forget_bias)))
    low, median, high = np.percentile(products, [10, 50, 90], axis=1)
    return CellPath(np.arange(T), log_products, median, low, high, naive, float(log_f.mean()))


@functools.lru_cache(maxsize=64)
def _log_forget_gates(
    forget_bias: float, T: int, n_hidden: int, n_in: int, seed: int | np.random.Generator
) -> Array:
    """log f_t of ``cell_path_gradient``'s cell for t = 1..T: (T, H), read-only (cached)."""
    rng = np.random.default_rng(seed)
    params = init_lstm(n_in, n_hidden, forget_bias, rng)
    x = rng.standard_normal((T, 1, n_in))
    _, _, caches = lstm_forward(x, None, None, params)
    log_f = np.log(np.concatenate([cache.f for cache in caches]))  # (T, H), f_1..f_T
    log_f.flags.writeable = False
    return log_f


def set_forget_bias(lstm, value: float) -> None:
    """Set a torch.nn.LSTM's effective forget bias to ``value``, in place, for every layer.

    torch adds bias_ih and bias_hh, so the forget block [H:2H] of the first is set to value
    and that of the second to 0.
    """
    import torch

    block = gate_slice("f", lstm.hidden_size)
    with torch.no_grad():
        for layer in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{layer}")[block] = value
            getattr(lstm, f"bias_hh_l{layer}")[block] = 0.0


class FullPath(NamedTuple):
    """||dL/dc_{T-k}|| through every path (full BPTT) and along the direct cell path only.

    L = <r, c_T> with a random unit vector r, so both are 1 at lag 0; arrays over lags k.
    """

    lags: np.ndarray
    full: np.ndarray
    direct: np.ndarray
    forget_bias: float
    gain: float

    def slope(self, which: str = "full") -> float:
        """Fitted slope of log-norm per step over the second half of the lags."""
        return decay_rate(self.lags, getattr(self, which))


def full_vs_direct(
    forget_bias: float = 1.0,
    T: int = 100,
    gain: float = 1.0,
    n_hidden: int = 64,
    n_in: int = 8,
    seed: int = 0,
) -> FullPath:
    """Full BPTT through the LSTM of ``cell_path_gradient`` (same seed: same weights and
    inputs, then a random r), with the recurrent weights W_h multiplied by ``gain``.

    Walks ``lstm_step_backward`` from dL/dc_T = r, dL/dh_T = 0 and records the total
    dL/dc_t = (gradient from c_{t+1}) + (gradient through h_t = o_t tanh(c_t)); the direct
    path keeps only the first, i.e. r * (product of the forget gates).
    """
    rng = np.random.default_rng(seed)
    params = init_lstm(n_in, n_hidden, forget_bias, rng)
    x = rng.standard_normal((T, 1, n_in))
    r = rng.standard_normal((1, n_hidden))
    r /= np.linalg.norm(r)
    params["W_h"] = gain * params["W_h"]
    _, _, caches = lstm_forward(x, None, None, params)
    dh, dc, direct = np.zeros_like(r), r.copy(), r.copy()
    full_norms, direct_norms = [], []
    for cache in reversed(caches):
        full_norms.append(np.linalg.norm(dc + dh * cache.o * (1 - cache.tanh_c**2)))
        direct_norms.append(np.linalg.norm(direct))
        step = lstm_step_backward(dh, dc, cache, params)
        dh, dc, direct = step.dh_prev, step.dc_prev, direct * cache.f
    return FullPath(
        np.arange(T), np.array(full_norms), np.array(direct_norms), float(forget_bias), float(gain)
    )


# --- parameter counts --------------------------------------------------------------------------


def rnn_parameter_count(n_in: int, n_hidden: int) -> int:
    """Parameters of torch.nn.RNN: one block, H (n_in + H + 2) (torch keeps two biases)."""
    return n_hidden * (n_in + n_hidden + 2)


def gru_parameter_count(n_in: int, n_hidden: int) -> int:
    """Parameters of torch.nn.GRU: 3 blocks (reset, update, candidate), 3 H (n_in + H + 2)."""
    return 3 * rnn_parameter_count(n_in, n_hidden)


def lstm_parameter_count(n_in: int, n_hidden: int) -> int:
    """Parameters of torch.nn.LSTM: 4 blocks (i, f, g, o), 4 H (n_in + H + 2).

    ``init_lstm`` keeps one bias, so it has 4H fewer: 4 H (n_in + H + 1).
    """
    return 4 * rnn_parameter_count(n_in, n_hidden)


# --- gates over a sentence --------------------------------------------------------------------


class GateTrace(NamedTuple):
    """Gate values and states over a sentence; each array (T, H); tokens (T,)."""

    tokens: list[str]
    i: Array
    f: Array
    g: Array
    o: Array
    c: Array
    h: Array


def gate_activations(
    params: Params, tokens: list[str], vocab: tuple[str, ...] = AGREEMENT_VOCAB
) -> GateTrace:
    """Run an LSTM with one-hot inputs over ``tokens`` (batch 1, h_0 = c_0 = 0).

    params: as ``init_lstm`` with n_in = len(vocab); tokens: words of vocab (e.g. from
    ``course_utils.tasks.tokenize``). Returns the input, forget and output gates, the candidate,
    the cell and the hidden state at each step, (T, H) each: the rows of a gate heatmap.
    """
    x = np.eye(len(vocab))[encode(tokens, vocab)][:, None, :]
    hs, cs, caches = lstm_forward(x, None, None, params)

    def stack(name):
        return np.concatenate([getattr(cache, name) for cache in caches])

    return GateTrace(
        list(tokens), stack("i"), stack("f"), stack("g"), stack("o"), cs[1:, 0], hs[1:, 0]
    )
