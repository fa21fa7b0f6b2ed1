"""A vanilla recurrent network in numpy, and backprop through time (Elman 1990; Werbos 1990).

Convention: row vectors, as in numpy and PyTorch code
------------------------------------------------------
A batch of states is a matrix whose ROWS are the states. With h_t of shape (batch, H),
x_t of shape (batch, n_in), W_hh (H, H), W_xh (n_in, H) and b (H,):

    a_t = h_{t-1} @ W_hh + x_t @ W_xh + b,        h_t = phi(a_t),        t = 1..T.

Papers use column vectors, h_t = phi(W h_{t-1} + U x_t + b): the two agree with W = W_hh.T
and U = W_xh.T. torch.nn.RNN stores ``weight_hh_l0`` = W_hh.T and ``weight_ih_l0`` = W_xh.T.
Transposing changes neither the spectral radius nor the singular values, so rho(W_hh) and
sigma_max(W_hh) are the paper's rho(W) and sigma_max(W).

The Jacobian of one step, in the papers' column convention, is

    J_t = dh_t / dh_{t-1} = diag(phi'(a_t)) W = diag(phi'(a_t)) W_hh.T          (H, H).

Backprop multiplies the row gradient g_t = dL/dh_t by it from the right,
g_{t-1} = g_t J_t = (g_t * phi'(a_t)) @ W_hh.T, so the transpose of W_hh appears only in
the backward pass. BPTT: dL/dh_k = sum_{t >= k} dL_t/dh_t J_t J_{t-1} ... J_{k+1}.

Activations are "sigmoid", "tanh", "relu", "leaky_relu" (from ``course_utils.activations``)
and "linear" (phi(a) = a). Everything is float64; everything random takes a seed (an int or a
numpy Generator).
"""

import functools
import math
from typing import NamedTuple

import numpy as np

from course_utils.activations import get_activation, sigmoid, sigmoid_prime

Array = np.ndarray
Params = dict[str, Array]


def derivative_from_output(h: Array, activation: str) -> Array:
    """phi'(a_t) written with the output h_t = phi(a_t) only, as in min-char-rnn.

    tanh' = 1 - h^2, sigmoid' = h (1 - h). ReLU, leaky ReLU and linear keep the sign of a,
    so phi'(a) = phi'(h). (Deep in saturation 1 - h^2 rounds to 0 where tanh'(a) does not;
    ``gradient_vs_lag`` therefore uses the pre-activations instead.)
    """
    if activation == "tanh":
        return 1 - h**2
    if activation == "sigmoid":
        return h * (1 - h)
    return get_activation(activation).df(h)


# --- initialisation --------------------------------------------------------------------------


def spectral_radius(W: Array) -> float:
    """rho(W) = max |eigenvalue| of the square matrix W."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_radius(W: Array, rho: float) -> Array:
    """W rescaled so that its spectral radius (largest |eigenvalue|) is rho. Returns a copy.

    rho decides the long-run growth of a LINEAR recurrence: ||W^k|| ~ rho^k.
    """
    return W * (rho / spectral_radius(W))


def scale_to_norm(W: Array, sigma: float) -> Array:
    """W rescaled so that its largest singular value sigma_max = ||W||_2 is sigma. A copy.

    sigma_max is what Pascanu et al. (2013) bound with: ||J_t|| <= gamma sigma_max(W).
    For a random Gaussian W, sigma_max is about 2 rho.
    """
    return W * (sigma / np.linalg.norm(W, 2))


def identity_init(n_hidden: int, scale: float = 1.0) -> Array:
    """W_hh = scale * I, the IRNN initialisation (Le, Jaitly & Hinton 2015; biases 0).

    With ReLU and every unit active (a_t > 0) the step Jacobian is exactly I: the state
    integrates its input and the gradient neither vanishes nor explodes.
    """
    return scale * np.eye(n_hidden)


def orthogonal_init(n_hidden: int, seed: int | np.random.Generator = 0) -> Array:
    """A random orthogonal W_hh (H, H): W.T @ W = I, so every singular value is 1.

    Saxe, McClelland & Ganguli (2014) proposed random orthogonal initial weights for deep
    networks; an RNN unrolled in time is a deep network with the same W at every step. W is
    the Q of the QR decomposition of a Gaussian matrix, with the signs of R's diagonal moved
    into Q so that W is uniformly distributed over the orthogonal matrices (what
    torch.nn.init.orthogonal_ does). ||W v|| = ||v|| for every v: a linear RNN with this W
    passes a gradient back unchanged in length, in every direction.
    """
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n_hidden, n_hidden)))
    return q * np.sign(np.diag(r))


def init_rnn(
    n_in: int,
    n_hidden: int,
    radius: float = 1.0,
    norm: str = "radius",
    input_scale: float = 1.0,
    seed: int | np.random.Generator = 0,
) -> Params:
    """Random parameters {"W_hh": (H, H), "W_xh": (n_in, H), "b": (H,)}, float64.

    W_hh ~ N(0, 1/H), then rescaled: norm="radius" makes its spectral radius ``radius``,
    norm="spectral" makes its largest singular value ``radius``.
    W_xh ~ N(0, input_scale^2 / n_in), so x ~ N(0, I) gives each unit a drive of std
    input_scale. b = 0. W_hh is drawn before W_xh, so n_in does not change W_hh.
    """
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    if norm == "radius":
        W_hh = scale_to_radius(W, radius)
    elif norm == "spectral":
        W_hh = scale_to_norm(W, radius)
    else:
        raise ValueError(f"norm must be 'radius' or 'spectral', got {norm!r}")
    W_xh = input_scale * rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    return {"W_hh": W_hh, "W_xh": W_xh, "b": np.zeros(n_hidden)}


# --- forward and backward --------------------------------------------------------------------


class RNNCache(NamedTuple):
    """What BPTT needs from the forward pass.

    xs: inputs (T, batch, n_in); hs: states (T+1, batch, H) with hs[0] = h_0;
    pre: pre-activations a_1..a_T, (T, batch, H); activation: its name.
    """

    xs: Array
    hs: Array
    pre: Array
    activation: str


def rnn_forward(
    x: Array, h0: Array | None, params: Params, activation: str = "tanh"
) -> tuple[Array, RNNCache]:
    """Run h_t = phi(h_{t-1} @ W_hh + x_t @ W_xh + b) for t = 1..T (Elman 1990).

    x: (T, batch, n_in); h0: (batch, H), or None for zeros. Returns hs, shape (T+1, batch, H),
    with hs[0] = h0 and hs[t] = h_t, and the cache for ``rnn_backward``.
    """
    phi = get_activation(activation).f
    W_hh, W_xh, b = params["W_hh"], params["W_xh"], params["b"]
    T, batch, _ = x.shape
    hs = np.zeros((T + 1, batch, W_hh.shape[0]))
    if h0 is not None:
        hs[0] = h0
    pre = x @ W_xh + b  # (T, batch, H): every step's input term at once; the loop adds h's
    for t in range(T):
        pre[t] += hs[t] @ W_hh
        hs[t + 1] = phi(pre[t])
    return hs, RNNCache(x, hs, pre, activation)


class StepGrads(NamedTuple):
    """Gradients from one BPTT step (see ``rnn_step_backward``)."""

    dh_prev: Array
    dx: Array
    dW_hh: Array
    dW_xh: Array
    db: Array


def rnn_step_backward(
    dh: Array,
    h_prev: Array,
    h: Array,
    x: Array,
    W_hh: Array,
    W_xh: Array,
    activation: str = "tanh",
) -> StepGrads:
    """Backprop through ONE step h = phi(h_prev @ W_hh + x @ W_xh + b).

    dh: the TOTAL dL/dh_t (from the loss at step t and from the future), (batch, H);
    h_prev = h_{t-1}, h = h_t: (batch, H); x = x_t: (batch, n_in).
    Returns dh_prev = dL/dh_{t-1} (batch, H), dx = dL/dx_t (batch, n_in), and this step's
    contributions dW_hh (H, H), dW_xh (n_in, H), db (H,) to the shared weights' gradients.
    phi'(a_t) is computed from h_t (tanh' = 1 - h^2), see ``derivative_from_output``.
    """
    # h = phi(a) elementwise, so dL/da = dL/dh * phi'(a)
    da = dh * derivative_from_output(h, activation)
    # a = h_prev @ W_hh + x @ W_xh + b: each factor's gradient pairs da with the other factor
    return StepGrads(
        dh_prev=da @ W_hh.T,
        dx=da @ W_xh.T,
        dW_hh=h_prev.T @ da,
        dW_xh=x.T @ da,
        db=da.sum(axis=0),
    )


def rnn_backward(dhs: Array, cache: RNNCache, params: Params) -> tuple[Array, Array, Params]:
    """Backprop through time (Werbos 1990): the gradient of L w.r.t. inputs, h_0 and weights.

    dhs: (T, batch, H), dhs[t-1] = the DIRECT dL/dh_t (the loss terms at step t, not the
    part that flows back from later steps); zeros where a step has no loss.
    Walks t = T..1: the total dL/dh_t is the direct part plus the dh_prev of step t+1.
    Returns dx (T, batch, n_in), dh0 (batch, H), and grads with the keys and shapes of
    params; the shared weights' gradients are sums over the time steps.
    """
    xs, hs, W_hh, W_xh = cache.xs, cache.hs, params["W_hh"], params["W_xh"]
    dx = np.zeros_like(xs)
    grads = {name: np.zeros_like(params[name]) for name in ("W_hh", "W_xh", "b")}
    dh_next = np.zeros_like(hs[0])
    for t in reversed(range(len(xs))):
        dh = dhs[t] + dh_next
        step = rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], W_hh, W_xh, cache.activation)
        dx[t] = step.dx
        grads["W_hh"] += step.dW_hh
        grads["W_xh"] += step.dW_xh
        grads["b"] += step.db
        dh_next = step.dh_prev
    return dx, dh_next, grads


# --- the gradient against the time lag ------------------------------------------------------


class LagProfile(NamedTuple):
    """Result of ``gradient_vs_lag``; arrays have shape (T,), entry k is lag k.

    norms[k] = ||dL/dh_{T-k}||: np.inf where it exceeds the float64 range, 0.0 where it
    underflows or is exactly 0, np.nan where the forward state itself overflowed so that the
    Jacobian is undefined. log_norms (natural log) stays finite past float64's range.
    bound[k] = (gamma sigma_max)^k ||dL/dh_T|| (inf past the range), log_bound its log.
    overflowed: True iff some norm is inf or nan.
    """

    lags: Array
    norms: Array
    log_norms: Array
    bound: Array
    log_bound: Array
    rho: float
    sigma_max: float
    gamma: float
    overflowed: bool

    def slope(self, start: int | None = None) -> float:
        """The measured rate per step: ``decay_rate``'s fit, made on the log-norms, so that
        gradients past float64's range (inf or 0 in ``norms``) still count."""
        return _fit_log_slope(self.lags, self.log_norms, start)


def gradient_vs_lag(
    T: int,
    radius: float,
    activation: str = "tanh",
    n_hidden: int = 64,
    input_scale: float = 1.0,
    seed: int | np.random.Generator = 0,
    norm: str = "radius",
) -> LagProfile:
    """How the gradient of a loss at the last step shrinks or grows with the time lag k.

    The RNN is ``init_rnn(n_hidden, n_hidden, radius, norm, input_scale, seed)`` run from
    h_0 = 0 on inputs x_t ~ N(0, I) (batch 1); then a random r is drawn, and the loss is
    L = <h_T, r / ||r||>, so dL/dh_T = r / ||r|| and dL/dh_{T-k} = dL/dh_T J_T ... J_{T-k+1},
    k = 0..T-1. The bound is Pascanu, Mikolov & Bengio (2013): ||J_t|| <= gamma
    sigma_max(W_hh), with gamma = max |phi'| (1/4 sigmoid, 1 otherwise), hence
    ||dL/dh_{T-k}|| <= (gamma sigma_max)^k. The product is propagated as a unit direction and
    a log-norm, so it never overflows; no RuntimeWarning is raised.

    The first T steps of a run do not depend on how long it goes on (its inputs are drawn in
    order), so with an int seed the forward pass is read from a cached run of the next power of
    two steps (``_run``): a slider that moves T pays for the backward pass only.
    """
    if isinstance(seed, np.random.Generator):  # run afresh, T steps; r drawn after the inputs
        rng = seed
        params, dphi, _, rho, sigma_max = _run.__wrapped__(
            T, radius, activation, n_hidden, input_scale, rng, norm
        )
    else:
        length = 1 << max(T - 1, 15).bit_length()  # the next power of two >= T, at least 16
        params, dphi, after_init, rho, sigma_max = _run(
            length, float(radius), activation, n_hidden, float(input_scale), int(seed), norm
        )
        dphi = dphi[:T]
        rng = np.random.default_rng()
        rng.bit_generator.state = after_init
        rng.standard_normal((T, 1, n_hidden))  # this run's inputs, so that r is drawn after them
    r = rng.standard_normal((1, n_hidden))
    act = get_activation(activation)
    with np.errstate(all="ignore"):
        log_norms = _log_gradient_norms(dphi, params["W_hh"], r[0] / np.linalg.norm(r))
        lags = np.arange(T)
        log_bound = lags * np.log(act.max_slope * sigma_max)
        norms, bound = np.exp(log_norms), np.exp(log_bound)
    return LagProfile(
        lags=lags,
        norms=norms,
        log_norms=log_norms,
        bound=bound,
        log_bound=log_bound,
        rho=rho,
        sigma_max=sigma_max,
        gamma=act.max_slope,
        overflowed=bool(np.any(np.isinf(norms) | np.isnan(norms))),
    )


@functools.lru_cache(maxsize=64)
def _run(
    length: int,
    radius: float,
    activation: str,
    n_hidden: int,
    input_scale: float,
    seed: int | np.random.Generator,
    norm: str,
) -> tuple[Params, Array, dict, float, float]:
    """``gradient_vs_lag``'s network run for ``length`` steps: its parameters, phi'(a_t) of
    every step (length, H), the generator's state after the parameters were drawn, rho and
    sigma_max of W_hh. Arrays read-only: the cache hands out the same ones (a Generator seed
    goes through ``_run.__wrapped__``, uncached, and is left after the inputs)."""
    rng = np.random.default_rng(seed)
    params = init_rnn(n_hidden, n_hidden, radius, norm, input_scale, rng)
    after_init = rng.bit_generator.state
    x = rng.standard_normal((length, 1, n_hidden))
    with np.errstate(all="ignore"):
        _, cache = rnn_forward(x, None, params, activation)
        dphi = _jacobian_diagonals(cache)[:, 0, :]
    for array in (*params.values(), dphi):
        array.flags.writeable = False
    W_hh = params["W_hh"]
    return params, dphi, after_init, spectral_radius(W_hh), float(np.linalg.norm(W_hh, 2))


def _jacobian_diagonals(cache: RNNCache) -> Array:
    """phi'(a_t) for t = 1..T, shape (T, batch, H); nan where a_t is nan (state overflowed).

    (Without this, relu'(nan) = 0 would silently cut the gradient of an overflowed run.)
    """
    dphi = get_activation(cache.activation).df(cache.pre)
    return np.where(np.isnan(cache.pre), np.nan, dphi)


def _log_gradient_norms(dphi: Array, W_hh: Array, g: Array) -> Array:
    """log ||g J_T ... J_{T-k+1}|| for k = 0..T-1, with J_t = diag(dphi[t-1]) W_hh.T.

    dphi: phi'(a_t) for t = 1..T, (T, H); g: dL/dh_T, (H,), unit norm. Keeps g at unit
    norm and adds the log of each step's growth: -inf once g is exactly 0, nan once a
    Jacobian is undefined (a non-finite phi').
    """
    T = len(dphi)
    log_norms = np.zeros(T)
    W_hh_T = np.ascontiguousarray(W_hh.T)
    for k in range(1, T):
        g = (g * dphi[T - k]) @ W_hh_T
        size = math.sqrt(g @ g)
        if not math.isfinite(size) or size == 0:
            log_norms[k:] = -np.inf if size == 0 else np.nan
            break
        log_norms[k] = log_norms[k - 1] + math.log(size)
        g /= size
    return log_norms


def decay_rate(lags: Array, norms: Array, start: int | None = None) -> float:
    """Measured per-step rate: least-squares slope of log(norm) against lag, lags >= start.

    Compare with log(rho) (what a linear RNN's gradient follows) and with Pascanu's
    log(gamma sigma_max) (an upper bound for any phi). start=None fits the second half of the
    lags: the early lags are a transient before the leading eigen-directions dominate. Points
    with norm 0, inf or nan are left out; ValueError if fewer than 2 remain.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _fit_log_slope(lags, np.log(np.asarray(norms, dtype=np.float64)), start)


def _fit_log_slope(lags: Array, log_norms: Array, start: int | None) -> float:
    """The fit of ``decay_rate``, on natural logs: finite points at lags >= start only."""
    lags = np.asarray(lags, dtype=np.float64)
    start = len(lags) // 2 if start is None else start
    keep = (lags >= start) & np.isfinite(log_norms)
    if keep.sum() < 2:
        raise ValueError("fewer than 2 finite, non-zero norms at lags >= start to fit")
    return float(np.polyfit(lags[keep], log_norms[keep], 1)[0])


# --- the Jacobian of T steps, dh_T/dh_0 ------------------------------------------------------


class StateAndJacobian(NamedTuple):
    """||h_T||_2 and ||dh_T/dh_0||_2 of one run (see ``state_and_jacobian_norms``).

    Values beyond float64's range are inf (with log_jacobian_norm still finite); overflowed
    is True if the state or the Jacobian norm is not finite.
    """

    state_norm: float
    jacobian_norm: float
    log_jacobian_norm: float
    overflowed: bool


def _jacobian_product(
    params: Params, x: Array, h0: Array | None, activation: str
) -> tuple[Array, int, Array]:
    """(P, e, h_T) with dh_T/dh_0 = J_T ... J_1 = P 2^e, for one sequence x (T, n_in).

    J_t = diag(phi'(a_t)) W_hh.T (column convention). The product is renormalised every
    step and its scale kept in the exponent e, so it cannot overflow; the rescaling is by
    powers of 2, which is exact, so a product that is exactly I (the IRNN) stays exactly I.
    P holds NaN or inf if the state overflowed. Raises no RuntimeWarning.
    """
    H = params["W_hh"].shape[0]
    h0 = None if h0 is None else np.reshape(h0, (1, H))
    with np.errstate(all="ignore"):
        hs, cache = rnn_forward(x[:, None, :], h0, params, activation)
        dphi = _jacobian_diagonals(cache)[:, 0, :]
        product, exponent = np.eye(H), 0
        for d in dphi:
            product = d[:, None] * (params["W_hh"].T @ product)
            size = np.linalg.norm(product)
            if not np.isfinite(size) or size == 0:
                break
            shift = int(np.frexp(size)[1])  # size = m 2^shift with 0.5 <= m < 1
            product, exponent = np.ldexp(product, -shift), exponent + shift
    return product, exponent, hs[-1, 0]


def state_and_jacobian_norms(
    params: Params, x: Array, h0: Array | None = None, activation: str = "tanh"
) -> StateAndJacobian:
    """Final state norm ||h_T|| and spectral norm of dh_T/dh_0 = J_T ... J_1 for one sequence.

    x: (T, n_in), h0: (H,) or None for zeros. The product comes from ``_jacobian_product``,
    so it cannot overflow, and an IRNN's exact identity has norm exactly 1.0. No
    RuntimeWarning is raised, even when the state overflows.
    """
    product, exponent, h_T = _jacobian_product(params, x, h0, activation)
    with np.errstate(all="ignore"):
        norm = np.linalg.norm(product, 2) if np.all(np.isfinite(product)) else np.nan
        log_jac = float(np.log(norm) + exponent * np.log(2))
        jac = float(np.ldexp(norm, exponent))
        state_norm = float(np.linalg.norm(h_T))
    return StateAndJacobian(
        state_norm, jac, log_jac, not (np.isfinite(state_norm) and np.isfinite(jac))
    )


def jacobian_singular_values(
    params: Params, x: Array, h0: Array | None = None, activation: str = "tanh"
) -> Array:
    """All H singular values of dh_T/dh_0 = J_T ... J_1, largest first, shape (H,).

    The largest is how much the T steps can stretch a gradient on its way back, the smallest
    how much they can shrink one: both 1 means every direction keeps its length (an
    orthogonal W in a linear RNN). NaN if the state overflowed; values below float64's
    range come out as 0.
    """
    product, exponent, _ = _jacobian_product(params, x, h0, activation)
    if not np.all(np.isfinite(product)):
        return np.full(len(product), np.nan)
    return np.ldexp(np.linalg.svd(product, compute_uv=False), exponent)


# --- one sigmoid unit (Pascanu et al. 2013): a loss with a wall ------------------------------


class CliffLoss(NamedTuple):
    """Loss and gradient of ``loss_cliff`` on the grid, each (len(w_values), len(b_values))."""

    loss: Array
    dloss_dw: Array
    dloss_db: Array


def loss_cliff(
    w_values: Array, b_values: Array, T: int = 50, x0: float = 0.5, target: float = 0.7
) -> CliffLoss:
    """Single-unit RNN x_t = w sigmoid(x_{t-1}) + b, loss (x_T - target)^2, on a (w, b) grid.

    Pascanu, Mikolov & Bengio (2013), eq. (8) and Fig. 6, start from x_0 = 0.5 and train
    for a target 0.7 after 50 steps, with the loss (sigmoid(x_50) - 0.7)^2; here the loss is
    on x_T itself, so the wall is taller, and it stands at the same place. For w > 4 the
    map x -> w sigmoid(x) + b has, over a range of b, two attractors; where w sigmoid'(x_0)
    > 1, the wall is where the unstable fixed point between them, the border of their
    basins, crosses x_0: at b = ``wall_bias(w, x0)``. For w <= 4 it is smooth.
    Gradients come from forward-mode recursions dx_t/dw = s + w s' dx_{t-1}/dw and
    dx_t/db = 1 + w s' dx_{t-1}/db, with s = sigmoid(x_{t-1}); vectorised over the grid.
    Entry [i, j] is for w_values[i], b_values[j].
    """
    w, b = np.meshgrid(
        np.asarray(w_values, np.float64), np.asarray(b_values, np.float64), indexing="ij"
    )
    x = np.full(w.shape, x0, dtype=np.float64)
    dx_dw, dx_db = np.zeros_like(x), np.zeros_like(x)
    for _ in range(T):
        s, ds = sigmoid(x), sigmoid_prime(x)
        dx_dw = s + w * ds * dx_dw
        dx_db = 1 + w * ds * dx_db
        x = w * s + b
    error = x - target
    return CliffLoss(error**2, 2 * error * dx_dw, 2 * error * dx_db)


def wall_bias(w, x0=0.5):
    """b*(w) = x0 - w sigmoid(x0): the bias at which x0 is a fixed point of x -> w sigmoid(x) + b.

    Derivation: a fixed point x* satisfies x* = w sigmoid(x*) + b; put x* = x0 and solve
    for b. When the map is steeper than 1 there, w sigmoid'(x0) > 1, that fixed point is the
    unstable one, the border between the basins of the two attractors, so b* is where the
    wall of ``loss_cliff`` stands (at b*, x0 never moves; just above, x_t climbs to the high
    attractor; just below, it falls to the low one). Pascanu, Mikolov & Bengio (2013, sec.
    2.2) call this crossing a boundary between basins of attraction. When 4 < w <=
    1 / sigmoid'(x0) (about 4.26 for x0 = 0.5), x0 is never the unstable point, and the jump
    is at one of ``saddle_node_biases(w)`` instead. w and x0: numbers or arrays (broadcast).
    """
    return x0 - w * sigmoid(x0)


def saddle_node_biases(w: float) -> tuple[float, float]:
    """The two b (low, high) at which x -> w sigmoid(x) + b gains or loses a pair of fixed points.

    There a fixed point has slope exactly 1: w sigmoid'(x) = 1, so s = sigmoid(x) solves
    s (1 - s) = 1 / w, s = (1 +- sqrt(1 - 4/w)) / 2, and b = x - w s with x = log(s / (1 - s)).
    Between the two values the map has two attractors; at each end one of them merges with
    the unstable fixed point and vanishes (the bifurcations b_1, b_2 of Pascanu et al.'s
    Fig. 3, after Doya 1993). ValueError for w <= 4, where there is one fixed point for
    every b.
    """
    if w <= 4:
        raise ValueError(f"w = {w} <= 4: one fixed point for every b, no saddle-node")
    root = np.sqrt(1 - 4 / w)
    s = np.array([(1 + root) / 2, (1 - root) / 2])
    biases = np.log(s / (1 - s)) - w * s
    return float(biases[0]), float(biases[1])
