"""The course in more than one language: gettext PO catalogues, read and written here.

English is the source and the default. A Chinese notebook's set-up cell calls
``use("zh")``; from then on ``_(text)`` returns the Chinese of every message the course's code
shows (checker verdicts and hints, slider labels and readouts, the sentences ``display.say``
renders), looked up in ``course_utils/locale/zh.po``. A message with no translation, or a
fuzzy one (its English changed since it was translated), shows in English: never a wrong
translation. The lessons' prose is translated when the notebooks are built
(tools/build_notebooks.py), from one PO file per lesson under ``locale/``.

A message is translated when it is made into text: the code writes ``_("English")``, and a
message with values keeps them in one template, ``_("expected {expected:.6g}, got
{got:.6g}.").format(...)``, so that the translator sees the whole sentence and keeps its
placeholders (tools/translations.py checks that they do). A module's constant messages (an
exercise's hints) are made when it is imported, which a notebook does after its set-up cell
has chosen the language. English that must stay English where it is kept (``checks.Status``'s
values) is marked with ``N_`` and translated where it is shown.

PO is gettext's text format, which translators' tools edit: entries of

    #. a comment for the translator            (optional)
    #, fuzzy                                   (optional: the English changed)
    #| msgid "the English it was translated from"
    msgid "English"
    msgstr "中文"

Only the standard library is used, so the catalogue works on Colab, where course_utils is
installed without its dependencies.

Figures keep English text, for now. Their titles, labels and legends are drawn by ``plots``,
``widgets`` and the lessons' modules, whose strings do not go through ``_`` yet; and Colab has
no CJK font, so Chinese figure text needs one shipped in the package, as a subset that covers
exactly the characters the figures' translations use (a missing one draws as an empty box).
Measured (Noto Sans CJK SC Regular, SIL Open Font License 1.1, cut with fontTools'
pyftsubset, ASCII included): the package is 2.3 MB on disk (1.5 MB of it shipped results) and
its wheel 429 kB; a subset with the 614 distinct Chinese characters of the seed article, the
glossary and README.zh-CN.md is 262 kB (223 kB compressed in the wheel: +52 %); one with the
3,755 common characters of GB 2312 level 1, enough for any translation, 1.8 MB (1.5 MB
compressed: 4.5 times the wheel). When the figures' strings are translated, the way is the
first kind of subset, cut by a tool from their translations and checked by a test that the
font covers every character they use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh")
_language = "en"


@dataclass
class Entry:
    """One PO entry: the English, its translation, and what a translator needs to know."""

    msgid: str
    msgstr: str = ""
    comments: list[str] = field(default_factory=list)  # "#." lines: where it comes from
    fuzzy: bool = False  # the English changed since it was translated
    previous: str = ""  # "#| msgid": the English it was translated from

    @property
    def current(self) -> bool:
        """Translated, and translated from this very English."""
        return bool(self.msgstr) and not self.fuzzy


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    )
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{lines[0]}"'
    parts = [f"{line}\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{p}"' for p in parts)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def write_po(entries: list[Entry], header: str = "") -> str:
    """PO text for ``entries`` (a header entry first if ``header`` is given)."""
    blocks = []
    if header:
        blocks.append(f'msgid ""\nmsgstr {_quote(header)}')
    for entry in entries:
        lines = [f"#. {c}" for c in entry.comments]
        if entry.fuzzy:
            lines.append("#, fuzzy")
        if entry.previous:
            first, *rest = _quote(entry.previous).split("\n")
            lines += [f"#| msgid {first}", *(f"#| {line}" for line in rest)]
        lines += [f"msgid {_quote(entry.msgid)}", f"msgstr {_quote(entry.msgstr)}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def read_po(text: str) -> list[Entry]:
    """The entries of PO text (the header entry, whose msgid is empty, is skipped)."""
    entries = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        entry, field_name = Entry(""), None
        for line in block.split("\n"):  # not splitlines(): a text may hold U+2028
            if line.startswith("#."):
                entry.comments.append(line[2:].strip())
            elif line.startswith("#,"):
                entry.fuzzy = "fuzzy" in line
            elif line.startswith("#| msgid "):
                entry.previous += _unquote(line[len("#| msgid ") :])
            elif line.startswith("#| "):
                entry.previous += _unquote(line[3:])
            elif line.startswith(("msgid ", "msgstr ")):
                field_name, value = line.split(" ", 1)
                setattr(entry, field_name, _unquote(value))
            elif line.startswith('"') and field_name:
                setattr(entry, field_name, getattr(entry, field_name) + _unquote(line))
        if entry.msgid:
            entries.append(entry)
    return entries


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The current translations of the course's messages: English -> ``language``."""
    path = LOCALE / f"{language}.po"
    if language == "en" or not path.exists():
        return {}
    return {e.msgid: e.msgstr for e in read_po(path.read_text(encoding="utf-8")) if e.current}


def use(language: str) -> None:
    """Show the course's messages in ``language`` ("en" or "zh") from now on."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    global _language
    _language = language


def language() -> str:
    return _language


def _(text: str) -> str:
    """``text`` in the language in use (itself where there is no current translation)."""
    return catalogue(_language).get(text, text)


def N_(text: str) -> str:
    """``text`` itself, marked as a message (gettext's N_): whoever shows it translates it with
    ``_``. For English that must stay English where it is kept, such as an enum's values."""
    return text
