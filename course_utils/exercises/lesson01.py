"""Checkers for lesson 01's exercises: sigma', tanh', and a central-difference derivative.

Each checker runs the learner's function on a few groups of inputs, each group with the
tolerance its dtype allows:

- float64 inputs that separate every typical slip from the right answer (x = 0 and values of
  both signs, a 2-D array to check the shape);
- float64 inputs of +-800, where np.exp(800) overflows: a formula that is right on paper but
  forms that huge number is reported "numerically unstable" (numpy's overflow warning) or
  "NaN or inf" (inf / inf);
- float32 inputs, to check that the output keeps the input's dtype.
"""

from __future__ import annotations

import numpy as np

from course_utils.activations import sigmoid, sigmoid_prime, tanh, tanh_prime
from course_utils.checks import CheckResult, Mistake, Status, Tolerance, check_function, finish
from course_utils.gradcheck import derivative_central
from course_utils.i18n import _

FLOAT64 = Tolerance(rtol=1e-6, atol=1e-9)
FLOAT32 = Tolerance(rtol=1e-4, atol=1e-6)  # float32 keeps about 7 significant digits


def _same_values_other_dtype(reference):
    """A 'mistake' with the right values in float64: matches an answer that lost float32."""
    return Mistake(
        lambda x: reference(np.asarray(x, dtype=np.float64)),
        _(
            "The values are right, but the output's dtype is not the input's. "
            "np.asarray(x, dtype=float), x.astype(float) or np.float64(...) turn float32 "
            "into float64; numpy's functions and plain Python numbers keep float32."
        ),
    )


def _check_groups(fn, reference, groups, *, exercise: str, mistakes, hint: str) -> CheckResult:
    """check_function on each (cases, tolerance) group in turn; the first failure decides."""
    total = 0
    for cases, tol in groups:
        result = check_function(
            fn, reference, cases, exercise=exercise, mistakes=mistakes, hint=hint, tol=tol
        )
        if not result.passed:
            return result
        total += len(cases)
    return finish(
        CheckResult(
            exercise, Status.CORRECT, _("Passed all {count} test inputs.").format(count=total)
        )
    )


# ----------------------------------------------------------------------------- sigma'

SIGMOID_GROUPS = [
    (
        [
            (np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 4.0]),),
            (np.linspace(-10.0, 10.0, 12).reshape(3, 4),),
        ],
        FLOAT64,
    ),
    ([(np.array([-800.0, -50.0, 50.0, 800.0]),)], FLOAT64),
    ([(np.linspace(-4.0, 4.0, 9, dtype=np.float32),)], FLOAT32),
]


def _naive_sigmoid_prime_nan(x):
    e = np.exp(-x)  # inf for x < -709: inf / inf = nan
    return e / (1 + e) ** 2


SIGMOID_MISTAKES = [
    _same_values_other_dtype(sigmoid_prime),
    Mistake(
        sigmoid, _("That is sigma(x) itself, not its derivative. Differentiate 1 / (1 + exp(-x)).")
    ),
    Mistake(
        lambda x: sigmoid(x) * (1 + sigmoid(x)),
        _(
            "A sign slip: sigma' = sigma * (1 - sigma), with a minus. Check the derivative of "
            "exp(-x) (it is -exp(-x))."
        ),
    ),
    Mistake(
        lambda x: 1 - sigmoid(x) ** 2,
        _(
            "1 - sigma^2 is the pattern of tanh' = 1 - tanh^2; the sigmoid's derivative is "
            "sigma * (1 - sigma)."
        ),
    ),
    Mistake(
        lambda x: -sigmoid(x) * (1 - sigmoid(x)),
        _(
            "Right size, wrong sign: the sigmoid is increasing, so sigma' > 0. The inner "
            "derivative of exp(-x) is -exp(-x), and the two minus signs cancel."
        ),
    ),
    Mistake(
        lambda x: -(sigmoid(x) ** 2),
        _(
            "You differentiated the outer function (1 + u)^-1 -> -(1 + u)^-2 = -sigma^2 but "
            "forgot the chain-rule factor du/dx = -exp(-x)."
        ),
    ),
    Mistake(
        lambda x: 1 - sigmoid(x),
        _(
            "exp(-x) / (1 + exp(-x)) is 1 - sigma(x): the denominator of sigma' is squared, "
            "(1 + exp(-x))^2, which gives sigma * (1 - sigma)."
        ),
    ),
    Mistake(
        _naive_sigmoid_prime_nan,
        _(
            "np.exp(-x) overflows to inf for x below about -709, and inf / inf is nan. Use "
            "exp(-|x|), which never exceeds 1 (sigma' is even: sigma'(-x) = sigma'(x)), or "
            "call the course's stable `sigmoid` and return s * (1 - s)."
        ),
    ),
]


def check_sigmoid_prime(fn) -> CheckResult:
    """Check `fn(x)` = sigma'(x) elementwise: values, shape, stability at +-800, float32 kept."""
    return _check_groups(
        fn,
        sigmoid_prime,
        SIGMOID_GROUPS,
        exercise="sigmoid_prime",
        mistakes=SIGMOID_MISTAKES,
        hint=_(
            "sigma'(x) = sigma(x) * (1 - sigma(x)), which is 0.25 at x = 0. "
            "If you got inf or nan, an exponential overflowed (np.exp(800) = "
            "inf): use exp(-|x|) <= 1, or the course's stable `sigmoid`."
        ),
    )


# ----------------------------------------------------------------------------- tanh'

TANH_GROUPS = [
    (
        [
            (np.array([-2.0, -0.5, 0.0, 0.3, 1.0, 3.0]),),
            (np.linspace(-6.0, 6.0, 12).reshape(4, 3),),
        ],
        FLOAT64,
    ),
    ([(np.array([-800.0, -20.0, 20.0, 800.0]),)], FLOAT64),
    ([(np.linspace(-3.0, 3.0, 7, dtype=np.float32),)], FLOAT32),
]

TANH_MISTAKES = [
    _same_values_other_dtype(tanh_prime),
    Mistake(
        lambda x: 1 - tanh(x),
        _(
            "The square is missing: tanh'(x) = 1 - tanh(x)**2. (1 - tanh(x) is not even "
            "symmetric, while tanh' must be: tanh'(-x) = tanh'(x).)"
        ),
    ),
    Mistake(tanh, _("That is tanh itself, not its derivative.")),
    Mistake(
        lambda x: tanh(x) * (1 - tanh(x)),
        _("t * (1 - t) is the sigmoid's pattern. For tanh it is 1 - t**2 (tanh'(0) must be 1)."),
    ),
    Mistake(
        sigmoid_prime,
        _("That is the sigmoid's derivative (at most 1/4). tanh'(x) = 1 - tanh(x)**2, at most 1."),
    ),
    Mistake(
        lambda x: 1 + tanh(x) ** 2,
        _("A sign slip: tanh'(x) = 1 - tanh(x)**2, which lies between 0 and 1."),
    ),
    Mistake(
        lambda x: 1 / np.cosh(x),
        _(
            "1 / cosh(x) is sech(x); the derivative is its square, 1 / cosh(x)**2 = "
            "1 - tanh(x)**2 (and np.cosh overflows for |x| > 710, so prefer tanh)."
        ),
    ),
]


def check_tanh_prime(fn) -> CheckResult:
    """Check `fn(x)` = tanh'(x) elementwise: values, shape, stability at +-800, float32 kept."""
    return _check_groups(
        fn,
        tanh_prime,
        TANH_GROUPS,
        exercise="tanh_prime",
        mistakes=TANH_MISTAKES,
        hint=_(
            "tanh'(x) = 1 - tanh(x)**2, which is 1 at x = 0. If you got "
            "inf or nan, np.exp or np.cosh overflowed (beyond |x| = 710): "
            "np.tanh itself never overflows."
        ),
    )


# ----------------------------------------------------------------------------- central_diff

_X = np.array([-2.0, -1.0, -0.3, 0.4, 1.0, 2.5])

# (f, x, h), compared with gradcheck.derivative_central, which a right answer matches to
# rounding. With h = 1e-2 or 1e-3 and points where |f''| is large, the forward difference
# (off by ~h |f''| / 2) misses by more than 100 times the tolerance on every input
# (tests/unit/test_lesson01.py checks this margin).
DIFF_GROUPS = [
    (
        [
            (np.sin, _X, 1e-2),
            (tanh, np.linspace(-3.0, 3.0, 12).reshape(3, 4), 1e-3),
            (np.exp, np.array([0.0, 1.0, 2.0]), 1e-3),
            (sigmoid, np.array([-5.0, -1.3, 0.0, 1.3, 5.0]), 1e-3),
        ],
        FLOAT64,
    ),
]

DIFF_MISTAKES = [
    Mistake(
        lambda f, x, h: (f(x + h) - f(x)) / h,
        _(
            "That is the forward difference (f(x + h) - f(x)) / h: its error shrinks only "
            "like h. Step both ways: (f(x + h) - f(x - h)) / (2 * h), error ~ h^2."
        ),
    ),
    Mistake(
        lambda f, x, h: (f(x) - f(x - h)) / h,
        _(
            "That is the backward difference (f(x) - f(x - h)) / h, error ~ h. Use both "
            "neighbours: (f(x + h) - f(x - h)) / (2 * h)."
        ),
    ),
    Mistake(
        lambda f, x, h: (f(x + h) - f(x - h)) / h,
        _("Twice too large: x + h and x - h are 2h apart, so divide by 2 * h."),
    ),
    Mistake(
        lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h,
        _("Operator precedence: a / 2 * h means (a / 2) * h. Write a / (2 * h)."),
    ),
    Mistake(
        lambda f, x, h: f(x + h) - f(x - h),
        _(
            "You have the difference of the f values but not the quotient: divide by the "
            "distance 2 * h between x + h and x - h."
        ),
    ),
]


def check_central_diff(fn) -> CheckResult:
    """Check `fn(f, x, h)` = (f(x + h) - f(x - h)) / (2h), elementwise, shaped like x."""
    return _check_groups(
        fn,
        derivative_central,
        DIFF_GROUPS,
        exercise="central_diff",
        mistakes=DIFF_MISTAKES,
        hint=_(
            "Call f once on the whole array x + h and once on x - h (f is "
            "elementwise), then divide the difference by 2 * h."
        ),
    )
