"""Lesson 11's exercises: the next-token loss with its shifted targets, one decoding step with a
key/value cache, and the sampling distribution with a temperature and top-k.

Each checker picks inputs on which the typical mistakes give different answers (asserted in
tests/unit/test_lesson11.py), and names the mistake it recognises.
"""

from __future__ import annotations

import numpy as np

from course_utils import attention, gpt
from course_utils.checks import CheckResult, Mistake, check_function
from course_utils.i18n import _

# --- exercise 1: the next-token loss -----------------------------------------------------------


def _picked(log_p: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """log_p[b, t, targets[b, t]] for every b, t."""
    return np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]


def _cross_entropy(logits, targets) -> float:
    """-mean of log softmax(logits) at targets: no shift, the caller aligns the two."""
    return float(-_picked(attention.log_softmax(np.asarray(logits, float)), targets).mean())


def reference_loss(logits: np.ndarray, tokens: np.ndarray) -> float:
    """Mean over b and t < T - 1 of -log softmax(logits[b, t])[tokens[b, t + 1]].

    logits: (B, T, V), the model's output on tokens (B, T) int. The prediction at position t is
    scored against the token at t + 1 (the same as ``gpt.lm_loss`` without padding).
    """
    return _cross_entropy(np.asarray(logits)[:, :-1], np.asarray(tokens)[:, 1:])


# The mistakes: each the loss with one thing done wrong.


def not_shifted(logits, tokens):
    return _cross_entropy(logits, tokens)


def shifted_backwards(logits, tokens):
    return _cross_entropy(logits[:, 1:], tokens[:, :-1])


def shifted_along_the_batch(logits, tokens):
    return _cross_entropy(logits[:-1], tokens[1:])


def rolled(logits, tokens):
    return _cross_entropy(logits, np.roll(tokens, -1, axis=1))


def softmax_over_positions(logits, tokens):
    log_p = attention.log_softmax(np.asarray(logits, float)[:, :-1], axis=1)
    return float(-_picked(log_p, tokens[:, 1:]).mean())


def summed(logits, tokens):
    log_p = attention.log_softmax(np.asarray(logits, float)[:, :-1])
    return float(-_picked(log_p, tokens[:, 1:]).sum())


def probability_not_log(logits, tokens):
    p = attention.softmax(np.asarray(logits, float)[:, :-1])
    return float(-_picked(p, tokens[:, 1:]).mean())


def wrong_sign(logits, tokens):
    return -reference_loss(logits, tokens)


LOSS_MISTAKES = [
    Mistake(
        not_shifted,
        _(
            "Not shifted: the logits at position t predict the NEXT token, so score logits[:, t] "
            "against tokens[:, t + 1]: logits[:, :-1] with tokens[:, 1:]."
        ),
    ),
    Mistake(
        shifted_backwards,
        _(
            "Shifted the wrong way: logits[:, 1:] against tokens[:, :-1] asks each position for "
            "the token BEFORE it, which it has already read. Use logits[:, :-1] with tokens[:, 1:]."
        ),
    ),
    Mistake(
        shifted_along_the_batch,
        _(
            "Shifted along the wrong axis: axis 0 holds the B sequences, axis 1 the positions. "
            "Shift the positions: logits[:, :-1] with tokens[:, 1:]."
        ),
    ),
    Mistake(
        rolled,
        _(
            "np.roll wraps around: the last position is scored against the FIRST token. The last "
            "position has no next token; drop it (logits[:, :-1]) instead of rolling."
        ),
    ),
    Mistake(
        softmax_over_positions,
        _(
            "The softmax runs over the wrong axis: normalise over the vocabulary (the last axis, "
            "V words), not over the positions."
        ),
    ),
    Mistake(
        summed,
        _("That is the sum over the B (T - 1) predictions; the loss is their mean."),
    ),
    Mistake(
        probability_not_log,
        _(
            "Cross-entropy takes the LOG of the right word's probability: -mean(log p), not "
            "-mean(p)."
        ),
    ),
    Mistake(
        wrong_sign,
        _("The sign: the loss is MINUS the mean log-probability, a positive number (log p <= 0)."),
    ),
]


def _loss_case(seed: int, B: int, T: int, V: int, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((B, T, V)), rng.integers(0, V, (B, T))


# B, T and V all different, and varied; T = 2 leaves one target per sequence (the boundary);
# the last case has logits of size 1000, where exp overflows unless the maximum is taken out.
LOSS_CASES = [
    _loss_case(0, 3, 5, 7),
    _loss_case(1, 2, 2, 4),
    _loss_case(2, 4, 6, 3),
    _loss_case(3, 2, 4, 5, scale=1000.0),
]


def check_next_token_loss(fn) -> CheckResult:
    """Check ``fn(logits, tokens) -> float`` against ``reference_loss``."""
    return check_function(
        fn,
        reference_loss,
        LOSS_CASES,
        exercise=_("next-token loss"),
        mistakes=LOSS_MISTAKES,
        hint=_(
            "log_p = log_softmax(logits[:, :-1]) over the last axis (subtract the max first); "
            "loss = -mean of log_p at tokens[:, 1:]."
        ),
    )


# --- exercise 2: one decoding step with a key/value cache --------------------------------------


def reference_step(q, k, v, K, V):
    """(output, K_new, V_new) for one new token: append its key and value to the cache, then
    attend with its query over every cached position, itself included.

    q, k: (d_k,), v: (d_v,), the new token's query, key and value; K: (t, d_k), V: (t, d_v), the
    cache of the t earlier tokens (t may be 0). Returns output (d_v,) = softmax(K_new q /
    sqrt(d_k)) V_new, and the grown cache K_new (t + 1, d_k), V_new (t + 1, d_v). No mask: the
    new token is the last position, and every cached key is in its past.
    """
    K_new, V_new = _grown(K, k, V, v)
    return _attend(q, K_new, V_new), K_new, V_new


def _attend(q, K, V, mask=None, scale=True):
    """softmax(K q / sqrt(d_k)) V for one query q (d_k,): (d_v,)."""
    return attention.scaled_dot_product_attention(q[None], K, V, mask, scale).output[0]


def _grown(K, k, V, v):
    return np.vstack([K, k]), np.vstack([V, v])


# The mistakes: each one step with one thing done wrong.


def attends_to_the_old_cache(q, k, v, K, V):
    return (_attend(q, K, V), *_grown(K, k, V, v))


def cache_not_appended(q, k, v, K, V):
    return _attend(q, K, V), K, V


def appended_twice(q, k, v, K, V):
    return reference_step(q, k, v, *_grown(K, k, V, v))


def masked_as_position_0(q, k, v, K, V):
    K_new, V_new = _grown(K, k, V, v)
    row_0 = attention.causal_mask(len(K_new))[:1]
    return _attend(q, K_new, V_new, mask=row_0), K_new, V_new


def unscaled(q, k, v, K, V):
    K_new, V_new = _grown(K, k, V, v)
    return _attend(q, K_new, V_new, scale=False), K_new, V_new


def prepended(q, k, v, K, V):
    K_new, V_new = _grown(K, k, V, v)
    return _attend(q, K_new, V_new), np.vstack([k, K]), np.vstack([v, V])


def softmax_over_the_query(q, k, v, K, V):
    K_new, V_new = _grown(K, k, V, v)
    scores = (K_new @ q / np.sqrt(len(q)))[:, None]  # (t + 1, 1): one column
    weights = attention.softmax(scores, axis=-1)  # over a single entry: all ones
    return (weights.T @ V_new)[0], K_new, V_new


STEP_MISTAKES = [
    Mistake(
        attends_to_the_old_cache,
        _(
            "The new token attends only to the OLD cache: append its key and value first, then "
            "attend over all t + 1 positions (a token may attend to itself, as in the causal mask)."
        ),
    ),
    Mistake(
        cache_not_appended,
        _(
            "The cache was not appended: return K and V with the new key and value added as the "
            "last row (np.vstack([K, k])), or the next step will not see this token."
        ),
    ),
    Mistake(
        appended_twice,
        _("The new key and value are appended twice (the cache has t + 2 rows): append once."),
    ),
    Mistake(
        masked_as_position_0,
        _(
            "A causal mask is applied as if the new token were position 0 (row 0 of the square "
            "mask): it sees only the first key. The new token is the LAST position: every cached "
            "key is in its past, so no mask is needed at all."
        ),
    ),
    Mistake(
        unscaled,
        _("The scores are not divided by sqrt(d_k) (lesson 07): softmax(K q / sqrt(d_k))."),
    ),
    Mistake(
        prepended,
        _(
            "The new key and value went to the FRONT of the cache. The output is the same "
            "(attention ignores the order of its keys), but the cache keeps positions in order: "
            "the newest row goes last."
        ),
    ),
    Mistake(
        softmax_over_the_query,
        _(
            "The softmax runs over the wrong axis: each weight must be normalised over the t + 1 "
            "KEYS (they sum to 1), not over the single query."
        ),
    ),
]


def _step_case(seed: int, t: int, d_k: int, d_v: int):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal(d_k),
        rng.standard_normal(d_k),
        rng.standard_normal(d_v),
        rng.standard_normal((t, d_k)),
        rng.standard_normal((t, d_v)),
    )


# d_k != d_v, both varied; t = 0 (an empty cache: the output is the new value itself) is the
# boundary, and t = 1 the first step with a past.
STEP_CASES = [
    _step_case(0, 3, 4, 2),
    _step_case(1, 5, 8, 3),
    _step_case(2, 0, 4, 2),
    _step_case(3, 1, 2, 5),
]


def check_cached_step(fn) -> CheckResult:
    """Check ``fn(q, k, v, K, V) -> (output, K_new, V_new)`` against ``reference_step``."""
    return check_function(
        fn,
        reference_step,
        STEP_CASES,
        exercise=_("one step with a key/value cache"),
        mistakes=STEP_MISTAKES,
        hint=_(
            "K_new = np.vstack([K, k]); V_new = np.vstack([V, v]); "
            "w = softmax(K_new @ q / sqrt(d_k)); return w @ V_new, K_new, V_new."
        ),
    )


# --- exercise 3: temperature and top-k ---------------------------------------------------------


def reference_sampling(logits, temperature, top_k):
    """``gpt.next_token_distribution``: softmax(logits / T) over the top_k largest logits."""
    return gpt.next_token_distribution(logits, temperature, top_k)


def _top_k(z, k):
    """z with every entry below the k-th largest set to -inf (k = None: z unchanged)."""
    return z if k is None else np.where(z >= np.sort(z)[-k], z, -np.inf)


# The mistakes: each the distribution with one thing done wrong.


def temperature_multiplies(logits, temperature, top_k):
    return attention.softmax(_top_k(np.asarray(logits, float) * temperature, top_k))


def temperature_after_softmax(logits, temperature, top_k):
    return attention.softmax(_top_k(np.asarray(logits, float), top_k)) / temperature


def keeps_the_smallest(logits, temperature, top_k):
    z = np.asarray(logits, float) / temperature
    kept = z if top_k is None else np.where(z <= np.sort(z)[top_k - 1], z, -np.inf)
    return attention.softmax(kept)


def zeroed_after_softmax(logits, temperature, top_k):
    z = np.asarray(logits, float)
    return np.where(_top_k(z, top_k) > -np.inf, attention.softmax(z / temperature), 0.0)


def drops_the_kth(logits, temperature, top_k):
    z = np.asarray(logits, float) / temperature
    kept = z if top_k is None else np.where(z > np.sort(z)[-top_k], z, -np.inf)
    return attention.softmax(kept)


def zero_logits_outside(logits, temperature, top_k):
    z = np.asarray(logits, float) / temperature
    return attention.softmax(np.where(_top_k(z, top_k) > -np.inf, z, 0.0))


SAMPLING_MISTAKES = [
    Mistake(
        temperature_multiplies,
        _(
            "The logits are MULTIPLIED by the temperature: divide them (logits / T), so that T < 1 "
            "sharpens the distribution and T > 1 flattens it."
        ),
    ),
    Mistake(
        temperature_after_softmax,
        _(
            "The temperature is applied after the softmax: p / T no longer sums to 1. The "
            "temperature divides the LOGITS, before the softmax."
        ),
    ),
    Mistake(
        keeps_the_smallest,
        _("This keeps the k SMALLEST logits: top-k keeps the k largest (the k likeliest words)."),
    ),
    Mistake(
        zeroed_after_softmax,
        _(
            "The words outside the top k are zeroed after the softmax, so the rest no longer sums "
            "to 1: set their logits to -inf BEFORE the softmax (or renormalise)."
        ),
    ),
    Mistake(
        drops_the_kth,
        _(
            "Only k - 1 words are kept: the k-th largest logit itself must stay (>= the k-th "
            "largest, not >)."
        ),
    ),
    Mistake(
        zero_logits_outside,
        _(
            "The words outside the top k get a logit of 0, which still has weight exp(0) = 1: give "
            "them -inf, so that their probability is exactly 0."
        ),
    ),
]

_LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0, 0.0, 1.5])

# Distinct logits (no ties), temperatures below, at and above 1, top_k = None (every word),
# top_k = V (the boundary: nothing cut) and top_k = 1 (greedy: one-hot); the last case has
# logits / T of 3000, where exp overflows unless the maximum is taken out first.
SAMPLING_CASES = [
    (_LOGITS, 0.5, 3),
    (_LOGITS, 2.0, None),
    (_LOGITS[::-1] - 1.0, 1.0, 7),
    (_LOGITS, 0.7, 1),
    (100.0 * _LOGITS, 0.1, 4),
]


def check_sampling_distribution(fn) -> CheckResult:
    """Check ``fn(logits, temperature, top_k) -> p`` against ``reference_sampling``."""
    return check_function(
        fn,
        reference_sampling,
        SAMPLING_CASES,
        exercise=_("temperature and top-k"),
        mistakes=SAMPLING_MISTAKES,
        hint=_(
            "z = logits / temperature; if top_k is not None, set z below the k-th largest to "
            "-inf; then p = exp(z - max z) / sum."
        ),
    )
