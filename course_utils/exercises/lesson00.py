"""Checker for lesson 00's warm-up exercise."""

from __future__ import annotations

import math

from course_utils.chain import steps_to_shrink
from course_utils.checks import CheckResult, Mistake, check_function
from course_utils.i18n import _

# (s, threshold) pairs away from exact boundaries, where floor(log(threshold) / log(s)) is
# one step too few; then two exact boundaries, s**k == threshold (powers of 2, so s**k and the
# ratio of logs are exact in floating point), where ceil of the ratio is one step too few.
CASES = [(0.9, 0.01), (0.5, 1e-3), (0.25, 1e-30), (0.99, 0.5), (0.5, 0.25), (0.25, 0.5**6)]

MISTAKES = [
    Mistake(  # first: on the boundaries it gives the same answer as the floor below
        lambda s, t: math.ceil(math.log(t) / math.log(s)),
        _(
            "One step too few when s**k lands exactly on the threshold: with s = 0.5 and "
            "threshold 0.25, 0.5**2 = 0.25 is not below 0.25, so the answer is 3, but "
            "ceil(log(threshold)/log(s)) = 2. The same happens with a loop that stops at "
            "s**k <= threshold. Use floor(...) + 1, or stop only when s**k < threshold."
        ),
    ),
    Mistake(
        lambda s, t: math.floor(math.log(t) / math.log(s)),
        _(
            "That is one step too few: after floor(log(threshold)/log(s)) steps the signal is "
            "still at or above the threshold. You need the first k where s**k < threshold."
        ),
    ),
    Mistake(
        lambda s, t: math.log(t) / math.log(s),
        _("A number of steps is a whole number: round the ratio of logs in the right direction."),
    ),
    Mistake(
        lambda s, t: math.ceil(math.log(s) / math.log(t)),
        _("The ratio is upside down: s**k < t means k > log(t) / log(s)."),
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
        hint=_(
            "Try a loop: multiply by s until the value drops below the "
            "threshold, counting the steps."
        ),
    )
