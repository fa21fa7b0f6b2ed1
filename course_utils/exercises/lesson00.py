"""Checker for lesson 00's warm-up exercise."""

from __future__ import annotations

import math

from course_utils.chain import steps_to_shrink
from course_utils.checks import CheckResult, Mistake, check_function

# (s, threshold) pairs chosen away from exact boundaries, so floor and ceil of
# log(threshold) / log(s) give different answers and only the right one passes.
CASES = [(0.9, 0.01), (0.5, 1e-3), (0.25, 1e-30), (0.99, 0.5)]

MISTAKES = [
    Mistake(
        lambda s, t: math.floor(math.log(t) / math.log(s)),
        "That is one step too few: after floor(log(threshold)/log(s)) steps the signal is "
        "still at or above the threshold. You need the first k where s**k < threshold.",
    ),
    Mistake(
        lambda s, t: math.log(t) / math.log(s),
        "A number of steps is a whole number: round the ratio of logs in the right direction.",
    ),
    Mistake(
        lambda s, t: math.ceil(math.log(s) / math.log(t)),
        "The ratio is upside down: s**k < t means k > log(t) / log(s).",
    ),
]


def check_steps_to_shrink(fn) -> CheckResult:
    """Check `fn(s, threshold)`: the smallest k with s**k < threshold."""
    return check_function(
        fn,
        steps_to_shrink,
        CASES,
        exercise="steps_to_shrink",
        mistakes=MISTAKES,
        check_dtype=False,
        hint="Try a loop: multiply by s until the value drops below the "
        "threshold, counting the steps.",
    )
