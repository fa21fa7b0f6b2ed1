"""Exercise checkers: run a learner's answer, compare it with the reference, explain the gap.

Every exercise in the course ends with a call such as ``check_sigmoid_prime(sigmoid_prime)``.
Those per-lesson checkers (in ``course_utils.exercises``) are thin: they choose the inputs and
the typical mistakes, and hand the rest to the machinery here, which reports exactly one of

    not attempted yet -> raised an exception -> wrong type / shape / dtype -> NaN or inf
    -> numerically unstable (a RuntimeWarning) -> wrong values -> right values, wrong method
    -> correct

in that order, with a message that points at the likely mistake. The learner's code never
crashes the notebook: every exception it raises is caught and described, and a function
with the wrong parameters is reported with its `def` line before it is called.

A typical mistake is a `Mistake`: a wrong function that a learner might have written (sigma
instead of sigma', a transposed weight matrix, ...) and the hint to show when the learner's
output matches it. Inputs are chosen by each exercise so that these mistakes differ from the
right answer.

Set the environment variable ``COURSE_REQUIRE_CORRECT=1`` to make every check that is not
correct raise ``AssertionError``: the test suite runs the solution notebooks that way.
"""

from __future__ import annotations

import contextvars
import enum
import html
import inspect
import linecache
import math
import os
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_utils.i18n import N_, _

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class Status(enum.Enum):
    """The outcome of a check, in the order the checks are made. A value is the English the
    learner reads; `text` is it in the language in use."""

    NOT_ATTEMPTED = N_("not attempted yet")
    ERROR = N_("raised an exception")
    WRONG_TYPE = N_("wrong type")
    WRONG_SHAPE = N_("wrong shape")
    WRONG_DTYPE = N_("wrong dtype")
    NOT_FINITE = N_("NaN or inf in the output")
    UNSTABLE = N_("numerically unstable")
    WRONG_VALUES = N_("wrong values")
    WRONG_METHOD = N_("right values, wrong method")
    CORRECT = N_("correct")

    @property
    def text(self) -> str:
        return _(self.value)


_SYMBOL = {Status.CORRECT: "✅", Status.NOT_ATTEMPTED: "⏳"}
_COLOUR = {Status.CORRECT: "#1b7837", Status.NOT_ATTEMPTED: "#4d4d4d"}


@dataclass(frozen=True)
class CheckResult:
    """What a checker found. Displays itself in a notebook; `passed` is True only if correct."""

    exercise: str
    status: Status
    message: str

    @property
    def passed(self) -> bool:
        return self.status is Status.CORRECT

    def __str__(self) -> str:
        symbol = _SYMBOL.get(self.status, "❌")
        return _("{symbol} {exercise}: {status}. {message}").format(
            symbol=symbol, exercise=self.exercise, status=self.status.text, message=self.message
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOUR.get(self.status, "#b2182b")
        body = html.escape(str(self)).replace("\n", "<br>")
        return (
            f'<div class="course-check" data-status="{self.status.name}" '
            f'style="border-left: 4px solid {colour}; padding: 4px 8px; font-family: monospace">'
            f"{body}</div>"
        )


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: when the learner's output matches `fn`'s, `hint` is shown.
    Exercise modules write ``Mistake(fn, _("..."))``: the hint in the language in use."""

    fn: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Tolerance:
    """Absolute and relative tolerance for comparing arrays (as in `numpy.isclose`)."""

    rtol: float = 1e-6
    atol: float = 1e-9


_DEMONSTRATING = contextvars.ContextVar("demonstrating", default=False)


def require_correct() -> bool:
    """True when checks must pass (the environment variable COURSE_REQUIRE_CORRECT is set)."""
    demonstrating = _DEMONSTRATING.get()
    return not demonstrating and os.environ.get("COURSE_REQUIRE_CORRECT", "") not in ("", "0")


def demo(checker: Callable[[Any], CheckResult], wrong_answer: Any) -> CheckResult:
    """Show what `checker` says about a deliberately wrong answer.

    Lessons use it to teach how to read a checker's message. The wrong answer must fail:
    when checks are required to pass, a demo that passes raises AssertionError.
    """
    token = _DEMONSTRATING.set(True)
    try:
        result = checker(wrong_answer)
    finally:
        _DEMONSTRATING.reset(token)
    if require_correct() and result.passed:
        raise AssertionError(f"demo of a wrong answer passed the checker: {result}")
    return result


def finish(result: CheckResult) -> CheckResult:
    """Return `result`, or raise it as an AssertionError when checks are required to pass."""
    if require_correct() and not result.passed:
        raise AssertionError(str(result))
    return result


def is_stub(answer: Any) -> bool:
    """True for the placeholders an exercise starts with: `...` or None."""
    return answer is ... or answer is None


# ----------------------------------------------------------------------------- running code


@dataclass(frozen=True)
class _Run:
    """The outcome of calling the learner's function once."""

    value: Any = None
    error: BaseException | None = None
    where: str = ""
    warning: str = ""


def _learner_line(tb) -> str:
    """'line N: source' of the innermost frame outside course_utils (the learner's code)."""
    frames = traceback.extract_tb(tb)
    own = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    frame = (own or frames)[-1]
    if frame.line:
        return _("line {number}: {source}").format(number=frame.lineno, source=frame.line.strip())
    return _("line {number}").format(number=frame.lineno)


def _parameters(fn: Callable[..., Any]) -> inspect.Signature | None:
    """fn's signature (a wrapper's is its wrapped function's), or None if it has none."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):  # some builtins and numpy ufuncs
        return None


def _arity(signature: inspect.Signature) -> str:
    """How many positional arguments a signature takes: '1 argument', '2 to 3 arguments'."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in signature.parameters.values() if p.kind in kinds]
    required = sum(p.default is inspect.Parameter.empty for p in positional)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in signature.parameters.values()):
        one, many = _("at least {low} argument"), _("at least {low} arguments")
        return (one if required == 1 else many).format(low=required)
    most = len(positional)
    if required < most:
        one, many = _("{low} to {high} argument"), _("{low} to {high} arguments")
    else:
        one, many = _("{high} argument"), _("{high} arguments")
    return (one if most == 1 else many).format(low=required, high=most)


def _signature_problem(
    fn: Callable[..., Any], args: Sequence[Any], reference: Callable[..., Any] | None = None
) -> str:
    """Why fn cannot be called with these positional arguments (naming its `def` line), or ''.

    `reference`'s parameter names, when it has one per argument, spell out the expected call.
    """
    signature = _parameters(fn)
    if signature is None:
        return ""
    try:
        signature.bind(*args)
    except TypeError as error:
        learner = inspect.unwrap(fn)
        name = getattr(learner, "__name__", "")
        expected = _parameters(reference) if reference is not None else None
        names = list(expected.parameters) if expected is not None else []
        call = _(", ({names})").format(names=", ".join(names)) if len(names) == len(args) else ""
        code = getattr(learner, "__code__", None)
        line = ""
        if code is not None:
            source = linecache.getline(code.co_filename, code.co_firstlineno).strip()
            number = code.co_firstlineno
            line = (
                _(" (line {number}: {source})").format(number=number, source=source)
                if source
                else _(" (line {number})").format(number=number)
            )
        return _(
            "your function takes {arity}, {definition}, but the exercise calls it with "
            "{count}{call}. Python says: {error}. Change its def line{line} to take the "
            "exercise's arguments, in that order."
        ).format(
            arity=_arity(signature),
            definition=f"{name if name.isidentifier() else 'lambda'}{signature}",
            count=len(args),
            call=call,
            error=error,
            line=line,
        )
    return ""


def _call(fn: Callable[..., Any], args: Sequence[Any]) -> _Run:
    """Call fn on copies of args, catching every exception and the first RuntimeWarning."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            value = fn(*args)
        except Exception as error:  # the learner's code may raise anything
            return _Run(error=error, where=_learner_line(error.__traceback__))
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    return _Run(value=value, warning=str(runtime[0].message) if runtime else "")


def describe(value: Any, limit: int = 6) -> str:
    """A short, readable description of an input or output value."""
    if isinstance(value, np.ndarray):
        flat = np.array2string(value.ravel()[:limit], precision=4, separator=", ")
        more = ", ..." if value.size > limit else ""
        return _("array of shape {shape}, dtype {dtype}: {values}").format(
            shape=value.shape, dtype=value.dtype, values=f"{flat[:-1]}{more}]"
        )
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v, limit) for v in value) + ")"
    return repr(value)


# ----------------------------------------------------------------------------- comparing values


def _as_array(value: Any) -> np.ndarray | None:
    """value as a numpy array if it is a number or an array of numbers, else None."""
    if isinstance(value, bool) or not isinstance(value, (np.ndarray, np.generic, int, float)):
        return None
    array = np.asarray(value)
    return array if array.dtype.kind in "biuf" else None


def _kind(value: Any) -> str:
    """'int: 3', 'array of shape (2, 3), ...': what a value is, for a wrong-type message."""
    return (
        describe(value) if isinstance(value, np.ndarray) else f"{type(value).__name__}: {value!r}"
    )


def _not_a_number(value: Any, name: str, expected: str) -> tuple[Status, str]:
    """(status, message) for a value that `_as_array` rejects; `expected` is what it should be."""
    dtype = getattr(value, "dtype", None)
    if isinstance(value, complex) or (dtype is not None and dtype.kind == "c"):
        what = (
            _("has complex dtype {dtype}").format(dtype=dtype)
            if dtype is not None
            else _("is the complex number {value}").format(value=repr(value))
        )
        return Status.WRONG_DTYPE, _(
            "{name} {what}; expected real numbers: did a sqrt, log or fractional power of a "
            "negative number (np.emath, cmath, or ** on a Python complex), or np.fft, slip in?"
        ).format(name=name, what=what)
    if isinstance(value, np.ndarray):
        return Status.WRONG_TYPE, _(
            "{name} should hold numbers, got an array of dtype {dtype}: {value}."
        ).format(name=name, dtype=value.dtype, value=describe(value))
    message = _("{name} should be {expected}, got {kind}.").format(
        name=name, expected=expected, kind=_kind(value)
    )
    if isinstance(value, list):
        message += " " + _("np.array(...) turns a list into an array.")
    return Status.WRONG_TYPE, message


def _first_difference(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str:
    if expected.size == 1:
        return _("expected {expected:.6g}, got {got:.6g} (off by {error:.3g}).").format(
            expected=expected.item(), got=got.item(), error=abs(got.item() - expected.item())
        )
    close = np.isclose(got, expected, rtol=tol.rtol, atol=tol.atol)
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    abs_err = np.abs(got - expected)
    nonzero = expected != 0  # a relative error means nothing where 0 was expected
    where = _(
        "{count} of {size} entries differ; first at index {index}: "
        "expected {expected:.6g}, got {got:.6g}."
    ).format(
        count=int((~close).sum()),
        size=close.size,
        index=index,
        expected=expected[index],
        got=got[index],
    )
    if not nonzero.any():
        return where + " " + _("Max abs error {abs:.3g}.").format(abs=abs_err.max())
    rel = (abs_err[nonzero] / np.abs(expected[nonzero])).max()
    return (
        where
        + " "
        + _("Max abs error {abs:.3g}, max rel error {rel:.3g}.").format(abs=abs_err.max(), rel=rel)
    )


def compare(
    got: Any,
    expected: Any,
    tol: Tolerance = Tolerance(),
    *,
    check_dtype: bool = True,
    name: str = N_("your output"),
) -> tuple[Status, str]:
    """Compare one output with its expected value. Returns (status, message).

    `name` is what the message calls the output, in English (shown translated)."""
    name = _(name)
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            n = f"{len(got)}" if isinstance(got, (tuple, list)) else _kind(got)
            return Status.WRONG_TYPE, _("expected a tuple of {count} values, got {got}.").format(
                count=len(expected), got=n
            )
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            status, message = compare(g, e, tol, check_dtype=check_dtype, name=f"{name}[{i}]")
            if status is not Status.CORRECT:
                return status, message
        return Status.CORRECT, ""
    exp = np.asarray(expected)
    arr = _as_array(got)
    if arr is None:
        return _not_a_number(got, name, _("a number") if exp.ndim == 0 else _("a numpy array"))
    if arr.shape != exp.shape:
        if arr.ndim == 0:
            return Status.WRONG_SHAPE, _(
                "{name} should be an array of shape {shape}, got the single number {value}."
            ).format(name=name, shape=exp.shape, value=repr(arr.item()))
        message = _("{name} should have shape {shape}, got {got}.").format(
            name=name, shape=exp.shape, got=arr.shape
        )
        if arr.shape == exp.shape[::-1] and arr.ndim > 1:
            message += " " + _("Transposed?")
        return Status.WRONG_SHAPE, message
    if check_dtype and exp.dtype.kind == "f" and arr.dtype != exp.dtype:
        return Status.WRONG_DTYPE, _(
            "{name} should have dtype {dtype}, got {got}. Keep the input's dtype "
            "(numpy functions do; Python floats and int literals can change it)."
        ).format(name=name, dtype=exp.dtype, got=arr.dtype)
    bad = ~np.isfinite(arr.astype(float)) & np.isfinite(exp.astype(float))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        return Status.NOT_FINITE, _(
            "{name} has {count} NaN/inf entries where finite values are expected "
            "(first at index {index}, expected {expected:.6g}, got {got})."
        ).format(name=name, count=int(bad.sum()), index=index, expected=exp[index], got=arr[index])
    if np.allclose(arr, exp, rtol=tol.rtol, atol=tol.atol, equal_nan=True):
        return Status.CORRECT, ""
    difference = _first_difference(arr.astype(float), exp.astype(float), tol)
    square = arr.ndim == 2 and arr.shape[0] == arr.shape[1]
    if square and np.allclose(arr.T, exp, rtol=tol.rtol, atol=tol.atol):
        difference += " " + _("It is the expected array transposed: rows and columns are swapped.")
    return Status.WRONG_VALUES, _("{name}: {difference}").format(name=name, difference=difference)


def _matching_mistake(
    value: Any, args: Sequence[Any], mistakes: Sequence[Mistake], tol: Tolerance
) -> str:
    """The hint of the first mistake whose output equals `value` on these inputs, or ''."""
    for mistake in mistakes:
        run = _call(mistake.fn, args)
        if run.error is None:
            if compare(value, run.value, tol, check_dtype=False)[0] is Status.CORRECT:
                return mistake.hint
    return ""


# ----------------------------------------------------------------------------- public checkers


def with_hint(message: str, hint: str) -> str:
    """`message`, then the line "Hint: ..." if there is a hint."""
    return message + "\n" + _("Hint: {hint}").format(hint=hint) if hint else message


def check_function(
    learner: Callable[..., Any] | None,
    reference: Callable[..., Any],
    cases: Sequence[Sequence[Any]],
    *,
    exercise: str,
    mistakes: Sequence[Mistake] = (),
    hint: str = "",
    tol: Tolerance = Tolerance(),
    check_dtype: bool = True,
) -> CheckResult:
    """Run `learner` and `reference` on each case (a tuple of positional arguments) and compare.

    The first case that fails decides the report. When the learner's output on it matches a
    `Mistake`, that mistake's hint is shown; otherwise the general `hint`.
    """

    def result(status: Status, message: str) -> CheckResult:
        return finish(CheckResult(exercise, status, message))

    if is_stub(learner) or not callable(learner):
        if is_stub(learner):
            return result(
                Status.NOT_ATTEMPTED,
                _("Write your function in the cell above, run it, then run this check again."),
            )
        return result(
            Status.WRONG_TYPE,
            _("expected a function, got {value}.").format(value=describe(learner)),
        )
    for args in cases:
        problem = _signature_problem(learner, args, reference)
        if problem:
            return result(Status.ERROR, problem)
        run = _call(learner, args)
        shown = describe(tuple(args))
        if isinstance(run.error, NotImplementedError):
            return result(
                Status.NOT_ATTEMPTED,
                _(
                    "Replace the `raise NotImplementedError` line "
                    "with your code, run the cell, then run this check again."
                ),
            )
        if run.error is not None:
            return result(
                Status.ERROR,
                _("For input {input} your code raised {kind}: {error} ({where}).").format(
                    input=shown, kind=type(run.error).__name__, error=run.error, where=run.where
                ),
            )
        if is_stub(run.value):
            return result(
                Status.NOT_ATTEMPTED,
                _(
                    "Your function returned {value}. If you "
                    "wrote code, check that it ends with a `return` statement."
                ).format(value=repr(run.value)),
            )
        expected = reference(*args)
        status, message = compare(run.value, expected, tol, check_dtype=check_dtype)
        if status is Status.CORRECT and run.warning:
            return result(
                Status.UNSTABLE,
                _(
                    "For input {input} numpy warned '{warning}'. The values "
                    "are right here, but an intermediate overflowed: rewrite it so that "
                    "no huge number is formed (see the stable form in the lesson)."
                ).format(input=shown, warning=run.warning),
            )
        if status is not Status.CORRECT:
            extra = _matching_mistake(run.value, args, mistakes, tol) or hint
            message = _("For input {input}: {message}").format(input=shown, message=message)
            return result(status, with_hint(message, extra))
    return result(Status.CORRECT, _("Passed all {count} test inputs.").format(count=len(cases)))


def check_value(
    answer: Any,
    expected: Any,
    *,
    exercise: str,
    hint: str = "",
    tol: Tolerance = Tolerance(),
    check_dtype: bool = False,
) -> CheckResult:
    """Compare a value the learner computed (a number, an array or a tuple) with `expected`."""
    if is_stub(answer):
        return finish(
            CheckResult(
                exercise,
                Status.NOT_ATTEMPTED,
                _("Replace the `...` with your answer and run this check again."),
            )
        )
    status, message = compare(
        answer, expected, tol, check_dtype=check_dtype, name=N_("your answer")
    )
    if status is Status.CORRECT:
        return finish(CheckResult(exercise, status, _("Right.")))
    return finish(CheckResult(exercise, status, with_hint(message, hint)))


def check_estimate(
    guess: Any, measured: float, *, exercise: str, factor: float = 10.0, explanation: str = ""
) -> CheckResult:
    """Predict-then-measure: is a positive `guess` within `factor` of the `measured` value?

    Judged on a log scale, because the quantities in this course span many orders of magnitude.
    `explanation` says why the measured value is what it is; it is shown either way.
    """

    def result(status: Status, message: str) -> CheckResult:
        tail = f"\n{explanation}" if explanation else ""
        return finish(CheckResult(exercise, status, message + tail))

    if is_stub(guess):
        return finish(
            CheckResult(
                exercise,
                Status.NOT_ATTEMPTED,
                _("Replace the `...` with your guess (a positive number)."),
            )
        )
    value = _as_array(guess)
    if value is None:
        return result(*_not_a_number(guess, _("your guess"), _("one number")))
    if value.ndim != 0:
        return result(
            Status.WRONG_TYPE,
            _("your guess should be one number, got {value}.").format(value=describe(guess)),
        )
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        return result(
            Status.WRONG_VALUES,
            _("your guess should be a positive number, got {value}.").format(value=value),
        )
    ratio = value / measured
    if 1 / factor <= ratio <= factor:
        return result(
            Status.CORRECT,
            _(
                "You guessed {guess:.3g}; measured {measured:.3g} (within a factor of {factor:g})."
            ).format(guess=value, measured=measured, factor=factor),
        )
    if ratio > 1:
        message = _(
            "You guessed {guess:.3g}; measured {measured:.3g}: too large by a factor of {off:.3g}."
        )
    else:
        message = _(
            "You guessed {guess:.3g}; measured {measured:.3g}: too small by a factor of {off:.3g}."
        )
    off = max(ratio, 1 / ratio)
    return result(Status.WRONG_VALUES, message.format(guess=value, measured=measured, off=off))
