"""The LSTM cell in numpy, its backprop through time, and lesson 05's experiments.

Convention: row vectors, as in ``course_utils.rnn``; gates stacked in torch's order (i, f, g, o)
-----------------------------------------------------------------------------------------------
With x_t of shape (batch, n_in) and h_t, c_t of shape (batch, H), ONE matrix product gives the
pre-activations of all four gate blocks, z_t of shape (batch, 4H):

    z_t = x_t @ W_x + h_{t-1} @ W_h + b          W_x (n_in, 4H), W_h (H, 4H), b (4H,)

    i_t = sigmoid(z_t[:, 0:H])      input gate: how much of the candidate to write
    f_t = sigmoid(z_t[:, H:2H])     forget gate: how much of the old cell to keep
    g_t = tanh(z_t[:, 2H:3H])       candidate cell value (the "write" content)
    o_t = sigmoid(z_t[:, 3H:4H])    output gate: how much of the cell to show

    c_t = f_t * c_{t-1} + i_t * g_t              (elementwise)
    h_t = o_t * tanh(c_t)

The blocks are ``[i | f | g | o]``, columns 0:H, H:2H, 2H:3H, 3H:4H. A classic mistake is to
slice them in another order (other code bases use others; i, f, o, g is common): the code
still runs, and the gradient check even passes, but the weights no longer mean what torch's
mean. ``GATES`` names the order and ``gate_slice`` gives the columns.

torch.nn.LSTM stores ``weight_ih_l0`` = W_x.T (4H, n_in), ``weight_hh_l0`` = W_h.T (4H, H)
and TWO biases ``bias_ih_l0`` + ``bias_hh_l0`` whose sum is b; ``to_torch_lstm`` puts b in
the first and zeros in the second. The forget gate is Gers, Schmidhuber & Cummins (2000); the
1997 LSTM (Hochreiter & Schmidhuber) had no forget gate: its cell kept a fixed self-loop of
weight 1, the "constant error carousel".

The cell path. Along the direct path c_{t-1} -> c_t the derivative is dc_t/dc_{t-1} = diag(f_t),
so dc_T/dc_{T-k} = prod_{t=T-k+1}^{T} f_t, elementwise: no weight matrix and no squashing
derivative, only forget gates. It vanishes when f < 1 stays far from 1, and it cannot explode
(0 < f < 1). With forget bias b_f, f ~ sigmoid(b_f): 0.5 at b_f = 0, 0.73 at 1, 0.95 at 3.

Holds:
- ``init_lstm``, ``lstm_step``, ``lstm_forward``, ``lstm_step_backward``, ``lstm_backward``;
- ``to_torch_lstm``: the same cell as a float64 torch.nn.LSTM (for checks);
- ``cell_path_gradient``: the lesson-05 slider (forget bias, T -> prod f against lag);
- ``input_gradient_ratio``: ||dL/dx_1|| / ||dL/dx_T|| for torch's RNN, LSTM and GRU;
- ``rnn_parameter_count``, ``gru_parameter_count``, ``lstm_parameter_count``;
- ``agreement_lstm`` and ``gate_activations``: a hand-set 2-unit LSTM that carries a subject's
  number across a relative clause, and its gates over a sentence (the heatmap).

Everything numpy is float64; torch is imported inside the functions that need it.
"""

from typing import NamedTuple

import numpy as np

from course_utils.activations import sigmoid
from course_utils.rnn import decay_rate
from course_utils.tasks import AGREEMENT_VOCAB, PLURAL_NOUNS, SINGULAR_NOUNS, VERBS, encode

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


# --- lesson 05: the cell path and the forget-gate bias ------------------------------------------


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
    underflow warning. The lesson-05 slider: T = 100, H = 64 takes about 3 ms, T = 200 10 ms.
    The full gradient reaching x_1 is larger than this direct path alone (other paths run
    through h and the gates): compare ``input_gradient_ratio``.
    """
    rng = np.random.default_rng(seed)
    params = init_lstm(n_in, n_hidden, forget_bias, rng)
    x = rng.standard_normal((T, 1, n_in))
    _, _, caches = lstm_forward(x, None, None, params)
    log_f = np.log(np.concatenate([cache.f for cache in caches]))  # (T, H), f_1..f_T
    log_products = np.concatenate([np.zeros((1, n_hidden)), np.cumsum(log_f[::-1], axis=0)])
    log_products = log_products[:T]
    with np.errstate(under="ignore"):
        products = np.exp(log_products)
        naive = np.exp(np.arange(T) * np.log(sigmoid(forget_bias)))
    low, median, high = np.percentile(products, [10, 50, 90], axis=1)
    return CellPath(np.arange(T), log_products, median, low, high, naive, float(log_f.mean()))


def input_gradient_ratio(
    model: str = "lstm",
    T: int = 100,
    forget_bias: float | None = None,
    seed: int = 0,
    n_hidden: int = 64,
    batch: int = 32,
    n_in: int = 8,
) -> float:
    """||dL/dx_1|| / ||dL/dx_T|| at initialisation, with L = sum of h_T (torch autograd).

    model: "rnn" (tanh), "lstm" or "gru", built by torch with its default initialisation
    (seeded by ``seed``), except that for the LSTM a number ``forget_bias`` sets the forget
    block of bias_ih_l0 to it and that of bias_hh_l0 to 0 (None keeps torch's default).
    Inputs x ~ N(0, 1), shape (T, batch, n_in); computed in float64 so nothing underflows.
    How much of the gradient reaches the first input compared with the last one: measured at
    T = 100, seed 0: 4.9e-22 (RNN), 1.6e-20 (LSTM, b_f = 0), 2.1e-7 (b_f = 1), 4.7 (b_f = 3)
    and 4.2e-18 (GRU). Seeds 1 and 2 give 1.4e-27 and 1.1e-23 for the RNN, 4.4e-20 and
    2.5e-20 for the GRU, and the LSTM's values within a factor 5 of seed 0's. About 30 ms.
    """
    import torch

    if forget_bias is not None and model != "lstm":
        raise ValueError(f"forget_bias is an LSTM setting; got {forget_bias} for {model!r}")
    modules = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    if model not in modules:
        raise ValueError(f"model must be one of {sorted(modules)}, got {model!r}")
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = modules[model](n_in, n_hidden).double()
    if forget_bias is not None:
        set_forget_bias(net, forget_bias)
    x = torch.randn(T, batch, n_in, generator=generator, dtype=torch.float64, requires_grad=True)
    out, _ = net(x)
    out[-1].sum().backward()
    return float(x.grad[0].norm() / x.grad[-1].norm())


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
    """Full BPTT through the LSTM of ``lstm.cell_path_gradient`` (same seed: same weights and
    inputs), with the recurrent weights W_h multiplied by ``gain``.

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


# --- a hand-set LSTM that carries a number across a relative clause -----------------------------


def agreement_lstm(vocab: tuple[str, ...] = AGREEMENT_VOCAB, gain: float = 10.0) -> Params:
    """Hand-set (not trained) weights of a 2-unit LSTM that solves subject-verb agreement.

    Inputs are one-hot over ``vocab`` (n_in = len(vocab)); nouns are the words of
    ``tasks.SINGULAR_NOUNS`` and ``tasks.PLURAL_NOUNS``, verbs those of ``tasks.VERBS``.
    Unit 1 is a "noun seen" flag; unit 0 holds the subject's number, -0.99 singular, +0.99
    plural:
    - WRITE: unit 0's input gate opens on a noun only while the flag is off, so only on the
      first noun, the subject: z_i0 = gain (noun) - gain/2 - 2 gain h_1. Its candidate is
      g_0 = tanh(-/+ 3) for a singular/plural noun and 0 for any other word.
    - KEEP: both forget gates sit at sigmoid(gain) = 0.99995, so the cell holds its value
      through the clause and its distractor nouns (0.99995^30 = 0.9985).
    - READ: unit 0's output gate opens only at a verb: z_o0 = gain (verb) - gain/2. At the
      verb, h_0 = o_0 tanh(c_0) > 0 means plural.
    The flag writes g_1 = tanh(3) on every noun and always shows it (o_1 ~ 1), so h_1 >= 0.76
    after the first noun. Every weight was chosen by hand to make the mechanism readable;
    a trained LSTM spreads the same job over many units.
    """
    index = {word: k for k, word in enumerate(vocab)}
    W_x, W_h, b = np.zeros((len(vocab), 8)), np.zeros((2, 8)), np.zeros(8)
    i0, i1, f0, f1, g0, g1, o0, o1 = range(8)  # gate-major columns: [i | f | g | o] of H = 2
    b[[i0, i1, o0]] = -gain / 2
    b[[f0, f1, o1]] = gain
    W_h[1, i0] = -2 * gain
    for words, sign in ((SINGULAR_NOUNS, -1.0), (PLURAL_NOUNS, 1.0)):
        for word in words:
            W_x[index[word], [i0, i1]] = gain
            W_x[index[word], g0] = 3.0 * sign
            W_x[index[word], g1] = 3.0
    for word in VERBS:
        if word in index:
            W_x[index[word], o0] = gain
    return {"W_x": W_x, "W_h": W_h, "b": b}


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
