"""Small helpers the unit tests share (imported as `from helpers import ...`)."""

import contextlib
import warnings


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
