"""Gradient clipping, the practical fix for exploding gradients (lesson 04).

Clipping by the global norm (Pascanu, Mikolov & Bengio 2013, Alg. 1, as
``torch.nn.utils.clip_grad_norm_``) rescales all gradients together and keeps their direction;
clipping each entry (min-char-rnn's ``np.clip(dparam, -5, 5)``) turns it. Element-wise
clipping at b bounds a step's norm by b sqrt(P) for P parameters, norm clipping at c by c: at
b = c / sqrt(P) the two allow the same step. ``train_with_clipping`` trains a tanh RNN on the
adding problem with either rule, or none.

Gradients are a dict name -> array (as ``course_utils.rnn`` returns) or a list of arrays;
functions return new arrays in the same container and never modify their input.
"""

from typing import NamedTuple

import numpy as np

from course_utils.rnn import rnn_backward, rnn_forward
from course_utils.tasks import adding_batch

Array = np.ndarray
Grads = dict[str, Array] | list[Array]


def _arrays(grads: Grads) -> list[Array]:
    """The gradient arrays of a dict or list, as float64."""
    values = grads.values() if isinstance(grads, dict) else grads
    return [np.asarray(g, dtype=np.float64) for g in values]


def _like(grads: Grads, arrays: list[Array]) -> Grads:
    """arrays put back in grads' container type (dict with the same keys, or list)."""
    return dict(zip(grads, arrays, strict=True)) if isinstance(grads, dict) else arrays


def global_norm(grads: Grads) -> float:
    """sqrt(sum over all arrays and entries of g^2): all gradients seen as one vector.

    Divides by the largest |entry| first, so gradients up to the float64 maximum do not
    overflow when squared. Returns inf or nan if an entry is inf or nan.
    """
    flat = np.concatenate([g.ravel() for g in _arrays(grads)])
    largest = np.max(np.abs(flat), initial=0.0)
    if largest == 0 or not np.isfinite(largest):
        return float(largest)
    return float(largest * np.linalg.norm(flat / largest))


def clip_grad_norm(grads: Grads, max_norm: float) -> tuple[Grads, float]:
    """Rescale gradients so that their global norm is at most max_norm (direction kept).

    Returns (clipped gradients as new arrays, global norm before clipping). As in
    torch.nn.utils.clip_grad_norm_: coef = max_norm / (total_norm + 1e-6), and the
    gradients are multiplied by coef only if coef < 1. If total_norm is inf or nan the
    gradients are returned unchanged (torch would turn them into nan): check the norm.
    """
    arrays = _arrays(grads)
    total = global_norm(arrays)
    coef = max_norm / (total + 1e-6)
    if np.isfinite(total) and coef < 1:
        arrays = [g * coef for g in arrays]
    else:
        arrays = [g.copy() for g in arrays]
    return _like(grads, arrays), total


def clip_elementwise(grads: Grads, bound: float) -> Grads:
    """Clamp every gradient entry to [-bound, bound] (min-char-rnn's np.clip(d, -5, 5)).

    Large entries are cut while small ones are kept, so the direction of the gradient
    changes, unlike ``clip_grad_norm``.
    """
    return _like(grads, [np.clip(g, -bound, bound) for g in _arrays(grads)])


def cosine(grads_a: Grads, grads_b: Grads) -> float:
    """Cosine of the angle between two sets of gradients, each seen as one long vector.

    1.0 means the same direction (norm clipping), less means clipping turned the gradient.
    Both sets must be finite and not all zero.
    """
    a = np.concatenate([g.ravel() for g in _arrays(grads_a)])
    b = np.concatenate([g.ravel() for g in _arrays(grads_b)])
    a, b = a / np.max(np.abs(a)), b / np.max(np.abs(b))
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- a small training run --------------------------------------------------------------------


class TrainResult(NamedTuple):
    """Per-step losses and pre-clipping gradient norms, (steps_run,) each.

    diverged: True if the loss or the gradient became inf or nan; training stopped there
    and the arrays end at the last finite step.
    """

    losses: Array
    grad_norms: Array
    diverged: bool


def train_with_clipping(
    clip: str | None = "norm",
    threshold: float = 1.0,
    gain: float = 3.0,
    T: int = 10,
    n_hidden: int = 32,
    steps: int = 300,
    lr: float = 0.1,
    batch: int = 64,
    seed: int | np.random.Generator = 0,
) -> TrainResult:
    """Train a tanh RNN + linear read-out on the adding problem by plain SGD (numpy, BPTT).

    clip: None, "norm" (``clip_grad_norm``) or "elementwise" (``clip_elementwise``), with
    ``threshold``. W_hh ~ gain N(0, 1/H), W_xh ~ N(0, 1/2), w_out ~ N(0, 1/H), biases 0;
    a fresh batch from ``adding_batch`` each step. Prediction y = h_T @ w_out + b_out, loss
    mean squared error (1/6 for always predicting 1). No RuntimeWarning is raised. A chaotic
    run: where it overflows depends on the CPU's floating-point kernels.
    """
    if clip not in (None, "norm", "elementwise"):
        raise ValueError(f"clip must be None, 'norm' or 'elementwise', got {clip!r}")
    rng = np.random.default_rng(seed)
    params = {
        "W_hh": gain * rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden),
        "W_xh": rng.standard_normal((2, n_hidden)) / np.sqrt(2),
        "b": np.zeros(n_hidden),
        "w_out": rng.standard_normal(n_hidden) / np.sqrt(n_hidden),
        "b_out": np.zeros(1),
    }
    losses, norms = [], []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            x, target = adding_batch(rng, T, batch)
            loss, grads = _adding_loss_and_grads(x, target, params)
            if clip == "norm":
                grads, norm = clip_grad_norm(grads, threshold)
            else:
                norm = global_norm(grads)
                if clip == "elementwise":
                    grads = clip_elementwise(grads, threshold)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                return TrainResult(np.array(losses), np.array(norms), True)
            losses.append(loss)
            norms.append(norm)
            params = {name: params[name] - lr * grads[name] for name in params}
    return TrainResult(np.array(losses), np.array(norms), False)


def adding_rnn_size(n_hidden: int = 32) -> int:
    """P, the parameters of ``train_with_clipping``'s model: W_hh, W_xh, b, w_out, b_out."""
    return n_hidden * n_hidden + 2 * n_hidden + n_hidden + n_hidden + 1


def _adding_loss_and_grads(x: Array, target: Array, params: dict) -> tuple[float, dict]:
    """MSE of y = h_T @ w_out + b_out and its gradient for all params, by BPTT."""
    hs, cache = rnn_forward(x, None, params, "tanh")
    error = hs[-1] @ params["w_out"] + params["b_out"] - target
    dy = 2 * error / len(target)
    dhs = np.zeros_like(hs[1:])
    dhs[-1] = dy[:, None] * params["w_out"]
    _, _, grads = rnn_backward(dhs, cache, params)
    grads = {**grads, "w_out": hs[-1].T @ dy, "b_out": np.array([dy.sum()])}
    return float(np.mean(error**2)), grads
