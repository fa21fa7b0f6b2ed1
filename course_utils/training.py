"""Small seeded recurrent models, two long-range tasks as training streams, and one training
loop, in torch (lesson 06).

A ``RecurrentModel`` is an embedding (for tokens), a torch RNN, LSTM or GRU, and a linear
read-out of the last state. A ``Task`` pairs a data stream (``course_utils.tasks`` makes the
data) with a fixed test set, a metric and its chance level. ``train`` runs Adam with
gradient-norm clipping and evaluates every few steps.

Randomness: the model's initial weights come from ``seed`` (torch), the training batches
from a separate numpy Generator seeded by ``data_seed``, the test sets from fixed seeds. So
changing the model does not change the data, and every run is reproducible.
Small recurrent models run far faster on one thread: call
``course_utils.env.use_one_thread()`` first.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils.complexity import median_seconds
from course_utils.i18n import _
from course_utils.lstm import set_forget_bias
from course_utils.tasks import AGREEMENT_VOCAB, adding_batch, agreement_batch

CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
KINDS = tuple(CORES)
NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}  # as figures and tables name them

LESSON06 = {
    "distance": (1, 50),
    "hidden": 32,
    "steps": 300,
    "batch": 64,
    "lr": 0.005,
    "forget_bias": 1.0,
}
"""The lesson-06 default: agreement trained on distances 1-50, tested at 50; forget_bias
applies to the LSTM only. What it gives is asserted in tests/unit/test_long_range_claims.py."""


# --- models ------------------------------------------------------------------------------------


class RecurrentModel(nn.Module):
    """[embedding ->] recurrent core -> linear read-out of the last state h_T.

    forward(x): x is (T, batch) token ids when the model has an embedding, else
    (T, batch, n_in) floats; returns (batch,), one number per sequence (a logit or a value).
    """

    def __init__(self, kind: str, inputs: int | tuple[str, ...], hidden: int, embed: int):
        super().__init__()
        if kind not in CORES:
            raise ValueError(f"kind must be one of {sorted(CORES)}, got {kind!r}")
        self.kind = kind
        tokens = not isinstance(inputs, int)
        self.embedding = nn.Embedding(len(inputs), embed) if tokens else None
        self.core = CORES[kind](embed if tokens else inputs, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        out = self.core(x)[0]
        return self.head(out[-1]).squeeze(-1)


def make_model(
    kind: str,
    inputs: int | tuple[str, ...],
    hidden: int = 32,
    forget_bias: float | None = None,
    seed: int = 0,
    embed: int = 16,
) -> RecurrentModel:
    """A seeded ``RecurrentModel``: kind "rnn" (tanh), "lstm" or "gru", torch's default init.

    inputs: a vocabulary (tuple of words, e.g. ``tasks.AGREEMENT_VOCAB``) for token inputs,
    embedded in ``embed`` dimensions, or an int, the number of input channels (2 for the
    adding problem). forget_bias: for the LSTM, the effective forget-gate bias (bias_ih[H:2H]
    = forget_bias, bias_hh[H:2H] = 0); None keeps torch's default (about 0). The global torch
    random state is left untouched.
    """
    if forget_bias is not None and kind != "lstm":
        raise ValueError(f"forget_bias is an LSTM setting, not for {kind!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = RecurrentModel(kind, inputs, hidden, embed)
    if forget_bias is not None:
        set_forget_bias(model.core, forget_bias)
    return model


def numpy_lstm_params(model: RecurrentModel) -> dict[str, np.ndarray]:
    """A trained LSTM model's cell as ``course_utils.lstm`` params (float64, one-hot inputs).

    With an embedding E (vocab, embed), the input weights become W_x = E @ weight_ih.T of
    shape (vocab, 4H): a one-hot word picks its row, exactly what embedding then W_ih does.
    W_h = weight_hh.T, b = bias_ih + bias_hh. For ``lstm.gate_activations``.
    """
    if model.kind != "lstm":
        raise ValueError(f"not an LSTM model: {model.kind!r}")
    core = model.core
    W_x = core.weight_ih_l0.detach().double().T
    if model.embedding is not None:
        W_x = model.embedding.weight.detach().double() @ W_x
    return {
        "W_x": W_x.numpy(),
        "W_h": core.weight_hh_l0.detach().double().T.numpy(),
        "b": (core.bias_ih_l0 + core.bias_hh_l0).detach().double().numpy(),
    }


# --- tasks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A training stream and a fixed test set.

    sample(rng, batch) -> (x, y) tensors: x (T, batch) int64 tokens or (T, batch, n_in)
    float32, y (batch,) float32. metric: "accuracy" (y in {0, 1}, the output is a logit,
    loss binary cross-entropy; solved when accuracy >= threshold) or "mse" (loss mean squared
    error; solved when MSE <= threshold). chance: the metric of a model that ignores x.
    inputs: what ``make_model`` needs (a vocabulary or a channel count).
    """

    name: str
    inputs: int | tuple[str, ...]
    sample: Callable[[np.random.Generator, int], tuple[torch.Tensor, torch.Tensor]]
    test_x: torch.Tensor
    test_y: torch.Tensor
    metric: str
    chance: float
    threshold: float

    def solved(self, value: float) -> bool:
        """True if ``value`` of the metric reaches the threshold."""
        return value >= self.threshold if self.metric == "accuracy" else value <= self.threshold


def agreement_task(
    distance: int | tuple[int, int] = LESSON06["distance"],
    attractors: float = 0.5,
    test_size: int = 1000,
    test_seed: int = 1_000_003,
    threshold: float = 0.95,
) -> Task:
    """Subject-verb agreement (``tasks.agreement_batch``), trained on distances drawn from
    ``distance`` = (lo, hi) (an int: that distance only), tested on ``test_size`` sequences at
    the longest distance hi (all padded to hi + 2 tokens). attractors: the probability that a
    clause noun has the other number (0.5: clause nouns say nothing about the label). Chance
    is 0.5; solved at accuracy >= threshold."""
    lo, hi = (distance, distance) if isinstance(distance, int) else distance

    def sample(rng, batch):
        data = agreement_batch(rng, batch, (lo, hi), attractors)
        return torch.from_numpy(data.tokens), torch.from_numpy(data.labels).float()

    test = agreement_batch(test_seed, test_size, hi, attractors, length=hi + 2)
    test_x, test_y = torch.from_numpy(test.tokens), torch.from_numpy(test.labels).float()
    return Task(
        f"agreement, distance {hi}" if lo == hi else f"agreement, distance {lo}-{hi}",
        AGREEMENT_VOCAB,
        sample,
        test_x,
        test_y,
        "accuracy",
        0.5,
        threshold,
    )


def adding_task(
    T: int = 100,
    markers: str = "halves",
    test_size: int = 1000,
    test_seed: int = 1_000_003,
    threshold: float = 0.01,
) -> Task:
    """The adding problem (``tasks.adding_batch``) at length T. Predicting the mean gives
    MSE 1/6 (the chance level); solved at test MSE <= threshold (0.01, as in the notes)."""

    def sample(rng, batch):
        x, y = adding_batch(rng, T, batch, markers)
        return torch.from_numpy(x).float(), torch.from_numpy(y).float()

    test_x, test_y = sample(np.random.default_rng(test_seed), test_size)
    return Task(f"adding, T = {T}", 2, sample, test_x, test_y, "mse", 1 / 6, threshold)


# --- training ----------------------------------------------------------------------------------


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1); the same updates as torch.optim.Adam's defaults.

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
    p <- p - lr m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
    Written out because the first torch.optim optimiser of a session imports torch._dynamo,
    which took 2-4 s on a loaded 2-core machine: a tenth of a notebook's time budget.
    """

    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            denom = (v / (1 - b2**self.t)).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-self.lr / (1 - b1**self.t))


def clipped_step(model: nn.Module, optimizer: Adam, loss: torch.Tensor, clip: float) -> float:
    """One training step on a computed loss: zero the gradients, ``loss.backward()``, clip their
    global norm to ``clip`` (``torch.nn.utils.clip_grad_norm_``; Pascanu, Mikolov & Bengio
    2013), update. Returns the loss. The course's three training loops (here, in ``seq2seq``
    and in ``gpt``) take their steps with it."""
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


@dataclass(frozen=True)
class TrainResult:
    """What ``train`` returns.

    eval_steps, curve: the test metric after each of those steps (step 0 = before training);
    losses: the training loss of every step run; steps_to_threshold: the first evaluated step
    at which the task was solved, or None; seconds_per_step: wall time of the training steps
    (forward, backward, update; data and evaluation excluded) divided by their number;
    final: the last test metric.
    """

    eval_steps: list[int]
    curve: list[float]
    losses: list[float]
    steps_to_threshold: int | None
    seconds_per_step: float
    final: float


def evaluate(model: RecurrentModel, task: Task) -> float:
    """The task's metric (accuracy or MSE) of ``model`` on the task's fixed test set."""
    with torch.no_grad():
        out = model(task.test_x)
    if task.metric == "accuracy":
        return float(((out > 0).float() == task.test_y).float().mean())
    return float(((out - task.test_y) ** 2).mean())


def _loss(task: Task, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if task.metric == "accuracy":
        return nn.functional.binary_cross_entropy_with_logits(out, y)
    return nn.functional.mse_loss(out, y)


def train(
    model: RecurrentModel,
    task: Task,
    steps: int = LESSON06["steps"],
    lr: float = LESSON06["lr"],
    batch: int = LESSON06["batch"],
    eval_every: int = 25,
    data_seed: int = 0,
    clip: float = 1.0,
    stop_when_solved: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train ``model`` on ``task`` with Adam and gradient-norm clipping; returns a TrainResult.

    Each step draws a fresh batch from a numpy Generator seeded by ``data_seed``, so every
    model sees the same data. The test metric is computed before training and every
    ``eval_every`` steps (and after the last step). stop_when_solved: stop at the first
    evaluation after a step that solves the task. clip: max global gradient norm
    (``torch.nn.utils.clip_grad_norm_``; Pascanu, Mikolov & Bengio 2013). progress: show a
    tqdm bar with the current metric.
    """
    rng = np.random.default_rng(data_seed)
    optimizer = Adam(model.parameters(), lr)
    eval_steps, curve, losses = [0], [evaluate(model, task)], []
    solved_at = 0 if task.solved(curve[0]) else None
    train_seconds = 0.0
    desc = _("{model} on {task}").format(model=model.kind, task=task.name)
    bar = tqdm(range(1, steps + 1), desc=desc, disable=not progress)
    for step in bar:
        x, y = task.sample(rng, batch)
        start = time.perf_counter()
        losses.append(clipped_step(model, optimizer, _loss(task, model(x), y), clip))
        train_seconds += time.perf_counter() - start
        if step % eval_every == 0 or step == steps:
            eval_steps.append(step)
            curve.append(evaluate(model, task))
            bar.set_postfix({task.metric: f"{curve[-1]:.3f}"})
            if solved_at is None and task.solved(curve[-1]):
                solved_at = step
                if stop_when_solved:
                    break
    bar.close()
    return TrainResult(
        eval_steps, curve, losses, solved_at, train_seconds / max(len(losses), 1), curve[-1]
    )


# --- accuracy against distance -----------------------------------------------------------------


def accuracy_by_distance(
    model: RecurrentModel,
    distances: list[int],
    length: int | None = None,
    n: int = 500,
    attractors: float = 0.5,
    seed: int = 2_000_003,
) -> np.ndarray:
    """Agreement accuracy of ``model`` at each distance, shape (len(distances),).

    n test sequences per distance, each left-padded to ``length`` tokens (default
    max(distances) + 2; use the training length so that only the distance changes).
    """
    length = max(distances) + 2 if length is None else length
    accuracy = []
    for k, distance in enumerate(distances):
        data = agreement_batch(seed + k, n, distance, attractors, length=length)
        with torch.no_grad():
            out = model(torch.from_numpy(data.tokens))
        accuracy.append(float(((out > 0).numpy() == (data.labels == 1)).mean()))
    return np.array(accuracy)


def distance_sweep(
    kinds: list[str],
    distances: list[int],
    seeds: list[int],
    steps: int = LESSON06["steps"],
    mixed: bool = True,
    hidden: int = LESSON06["hidden"],
    lr: float = LESSON06["lr"],
    batch: int = LESSON06["batch"],
    forget_bias: float | None = LESSON06["forget_bias"],
    progress: bool = True,
) -> dict:
    """Agreement accuracy against distance for each kind and seed, as plain data (for JSON).

    For every distance D, kind and seed, one model (model seed = data seed = seed) is trained
    for ``steps`` steps and tested at distance D. mixed=True trains on distances drawn from
    1..D (short and long clauses, as in real text); False on distance D only. forget_bias is
    applied to LSTMs only. Returns {"distances", "config", "runs": [{"kind", "seed",
    "distance", "accuracy", "steps_to_threshold", "seconds"}]}.
    Cost: len(kinds) x len(distances) x len(seeds) runs of a few seconds each.
    """
    config = {"steps": steps, "mixed": mixed, "hidden": hidden, "lr": lr, "batch": batch}
    runs = []
    for distance in distances:
        task = agreement_task((1, distance) if mixed else distance)
        for kind in kinds:
            for seed in seeds:
                bias = forget_bias if kind == "lstm" else None
                model = make_model(kind, task.inputs, hidden, bias, seed=seed)
                start = time.perf_counter()
                result = train(model, task, steps, lr, batch, data_seed=seed, progress=progress)
                runs.append(
                    {
                        "kind": kind,
                        "seed": seed,
                        "distance": distance,
                        "accuracy": result.final,
                        "steps_to_threshold": result.steps_to_threshold,
                        "seconds": time.perf_counter() - start,
                    }
                )
    return {
        "distances": list(distances),
        "config": {**config, "forget_bias": forget_bias},
        "runs": runs,
    }


# --- time per step -----------------------------------------------------------------------------


def time_per_step(
    kind: str, T: int, batch: int = 64, hidden: int = 32, repeats: int = 10, seed: int = 0
) -> float:
    """Median wall time (seconds) of one training step (forward, backward, Adam) at length T.

    On adding-problem inputs (2 channels). The recurrent core must walk its T steps in
    order, so the time grows about linearly with T (Vaswani et al. 2017, Table 1: O(n)
    sequential operations).
    """
    model = make_model(kind, 2, hidden, seed=seed)
    optimizer = Adam(model.parameters(), 1e-3)
    x, y = (torch.from_numpy(a).float() for a in adding_batch(seed, T, batch))

    def step() -> None:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()

    return median_seconds(step, repeats=repeats)  # after one warm-up step
