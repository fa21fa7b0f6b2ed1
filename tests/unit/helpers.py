"""Small helpers the unit tests share (imported as `from helpers import ...`)."""

import contextlib
import warnings

import numpy as np


@contextlib.contextmanager
def no_warnings():
    """Turn every warning inside the block into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_all_different(reference, mistakes, args) -> None:
    """The reference and every Mistake give pairwise different outputs on `args`, so each
    mistake can be told apart (and gets its own hint)."""
    from course_utils.checks import Status, compare

    outputs = [reference(*args)] + [m.fn(*args) for m in mistakes]
    for i in range(len(outputs)):
        for j in range(i + 1, len(outputs)):
            status, _ = compare(outputs[i], outputs[j], check_dtype=False)
            assert status is not Status.CORRECT, (i, j)


def assert_close(actual, expected, rtol):
    """Equal to within `rtol` of the largest |expected| entry, entry by entry.

    For outputs of matrix products and of torch: an entry that cancels to nearly 0 carries the
    rounding of the large terms that made it, and that rounding depends on the BLAS kernel the
    CPU runs (AVX2, AVX-512), so a plain per-entry `rtol` fails on some machines.
    """
    expected = np.asarray(expected)
    atol = rtol * float(np.max(np.abs(expected)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
