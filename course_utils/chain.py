"""Products of many factors: the arithmetic under vanishing and exploding gradients.

The chain rule turns a gradient through k steps into a product of k local factors. If every
factor is s, the product is s**k: it shrinks exponentially when s < 1 and grows when s > 1.
Products are computed in log space, so s**k for large k underflows to exactly 0 or reports
overflow instead of producing a warning or NaN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils.i18n import _

_LOG_MAX = np.log(np.finfo(np.float64).max)


class ProductCurve(NamedTuple):
    """s**k for k = 0..steps. values[k] is inf where it overflows float64."""

    steps: np.ndarray  # (steps + 1,) integers 0..steps
    values: np.ndarray  # (steps + 1,) s**k
    overflowed: bool


def repeated_product(s: float, steps: int = 50) -> ProductCurve:
    """The running product of `steps` equal factors s >= 0 (s**k for every k <= steps)."""
    if s < 0:
        raise ValueError(f"the factor must be >= 0, got {s}")
    k = np.arange(steps + 1)
    if s == 0:
        return ProductCurve(k, (k == 0).astype(float), False)
    logs = k * np.log(s)
    with np.errstate(over="ignore"):
        values = np.where(logs > _LOG_MAX, np.inf, np.exp(np.minimum(logs, _LOG_MAX)))
    return ProductCurve(k, values, bool(np.isinf(values).any()))


def describe_change(value: float) -> str:
    """'shrinks 194x' / 'grows 117x' / 'stays the same' for a final product value."""
    if value == 0:
        return _("underflows to exactly 0 in float64")
    if np.isinf(value):
        return _("overflows float64")
    if np.isclose(value, 1.0):
        return _("stays the same")
    if value < 1:
        return _("shrinks {factor:.3g}x").format(factor=1 / value)
    return _("grows {factor:.3g}x").format(factor=value)


def steps_to_shrink(s: float, threshold: float) -> int:
    """The smallest k >= 0 with s**k < threshold, for 0 < s < 1 and 0 < threshold.

    Counted by repeated multiplication, exactly as a signal passing through k steps would be.
    """
    if not 0 < s < 1:
        raise ValueError(f"s must be between 0 and 1 (exclusive), got {s}")
    k, value = 0, 1.0
    while value >= threshold:
        k, value = k + 1, value * s
    return k
