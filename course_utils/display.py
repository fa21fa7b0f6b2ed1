"""What a lesson shows besides figures: the course's own code, and sentences about the run.

``show_source(f)`` shows a course_utils function instead of copying it into the notebook.

``say(template, **values)`` is how a lesson's prose states a number that training or a clock
produced. Such a number changes with the CPU, the thread count and the library versions, so
the lesson never types it: a code cell renders the sentence from the learner's own run, and it
shows as Markdown, like the prose around it. The verdict is rendered too ("passed 95 % at step
60" or "never passed 95 %"), so the text cannot contradict the output above it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

from IPython.display import Code

from course_utils.i18n import _

_PERCENT = re.compile(r"(?<=\d)%")


def show_source(obj: Callable | type) -> Code:
    """The source of a course_utils function or class, syntax-highlighted in the notebook."""
    return Code(inspect.getsource(obj), language="python")


class Sentence(str):
    """Prose rendered from computed values: Markdown in a notebook, plain text elsewhere."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def say(template: str, **values) -> Sentence:
    """``template.format(**values)`` as a Markdown paragraph, in the language in use.

    The template is a message: its translation (``i18n._``) is formatted, so a translated
    template keeps every ``{placeholder}`` of the English. Values are formatted by the template
    (``{accuracy:.1%}``, ``{seconds:.1f}``); a percent sign after a digit gets the course's
    space ("97.5 %"). A value may itself be a phrase built by a lesson's helper, such as
    "passed 95 % at step 60".
    """
    return Sentence(_PERCENT.sub(" %", _(template).format(**values)))
