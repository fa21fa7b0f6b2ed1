"""Showing course code inside a lesson, instead of copying it into the notebook."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from IPython.display import Code


def show_source(obj: Callable | type) -> Code:
    """The source of a course_utils function or class, syntax-highlighted in the notebook."""
    return Code(inspect.getsource(obj), language="python")
