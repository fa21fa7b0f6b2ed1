"""Translations of the lessons' prose, kept beside the one English source and never stale.

The English lesson sources stay the only source of code and numbers. Their markdown is cut
into segments (a paragraph, a heading, a list item, a table, the paragraphs of a quoted box);
each segment's English is a msgid in ``locale/<language>/NN_slug.po``, its translation the
msgstr. Building the notebooks (tools/build_notebooks.py) puts the translations in place of
the English, segment by segment, and keeps every code cell as it is. The messages the
course's code shows at run time (checker verdicts, slider readouts, the sentences a code cell
renders with ``display.say``) live in ``course_utils/locale/<language>.po``.

    python tools/translations.py update     add new English to the PO files (with the closest
                                            old translation as a fuzzy suggestion), drop what
                                            no lesson says any more
    python tools/translations.py status     what is untranslated or fuzzy, lesson by lesson

``problems`` lists what a translation lacks: no current entry for a segment (new or changed
English, or a fuzzy entry), or a number, formula, code span, link target or format field
(``{lstm}``, ``{final:.1%}``) of the English missing from the translation, or a glossary term
translated other than as the glossary says.
tests/test_translations.py fails on each, naming the lesson and the segment.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import i18n  # noqa: E402
from course_utils.glossary import GLOSSARY  # noqa: E402

LESSONS = ROOT / "lessons"
LOCALE = ROOT / "locale"
PACKAGE = ROOT / "course_utils"
TRANSLATED = ("zh",)
HEADER = "Content-Type: text/plain; charset=UTF-8\n"

# ----------------------------------------------------------------------------- segments

LIST_ITEM = re.compile(r"^(\s*(?:[-*]|\d+\.) )")
FENCE = re.compile(r"^```")


@dataclass(frozen=True)
class Piece:
    """A run of markdown: a segment to translate (with the line prefix kept outside it, such
    as "## " or "- "), or text kept verbatim (a blank line, a formula block, code)."""

    text: str
    prefix: str = ""
    translate: bool = True
    quoted: bool = False  # inside a "> " box

    def render(self, text: str) -> str:
        body = self.prefix + text if text else ""
        if not self.quoted:
            return body
        return "\n".join(f"> {line}".rstrip() for line in body.split("\n"))


def _blocks(lines: list[str]) -> list[list[str]]:
    """Lines grouped into blocks; a blank line is a block of its own ([]), and a fenced code
    block (which may hold blank lines) stays one block."""
    blocks, current, fenced = [], [], False
    for line in lines:
        if FENCE.match(line):
            fenced = not fenced
        if not line.strip() and not fenced:
            blocks += [current, []] if current else [[]]
            current = []
        else:
            current.append(line)
    return blocks + ([current] if current else [])


def _normalised(lines: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(line.strip() for line in lines)).strip()


def _block_pieces(block: list[str]) -> list[Piece]:
    """The pieces of one block (no blank line inside)."""
    first = block[0]
    if FENCE.match(first) or (first.startswith("$$") and block[-1].rstrip().endswith("$$")):
        return [Piece("\n".join(block), translate=False)]
    if all(line.startswith("|") for line in block):
        return [Piece("\n".join(block))]  # a table: translated whole, its rows kept
    if first.startswith("#"):
        hashes = first.split(" ", 1)[0]
        return [Piece(_normalised([first[len(hashes) :], *block[1:]]), hashes + " ")]
    if LIST_ITEM.match(first):
        items: list[list[str]] = []
        for line in block:
            if LIST_ITEM.match(line) and (not items or not line.startswith(" " * 4)):
                items.append([line])
            else:
                items[-1].append(line)
        return [
            Piece(_normalised([item[0][len(m) :], *item[1:]]), m)
            for item in items
            for m in [LIST_ITEM.match(item[0]).group(1)]
        ]
    return [Piece(_normalised(block))]


def pieces(markdown: str) -> list[Piece]:
    """A markdown text cut into pieces, in order; a "> " box is cut inside the quote."""
    out = []
    for block in _blocks(markdown.split("\n")):
        if not block:
            out.append(Piece("", translate=False))
        elif block[0].startswith(">"):
            inner = "\n".join(re.sub(r"^> ?", "", line) for line in block)
            out += [Piece(p.text, p.prefix, p.translate, quoted=True) for p in pieces(inner)]
        else:
            out += _block_pieces(block)
    return out


def segments(markdown: str) -> list[str]:
    """The English of every translatable piece of a markdown cell, in order."""
    return [p.text for p in pieces(markdown) if p.translate]


def assemble(markdown: str, translate) -> str:
    """The markdown with each segment replaced by ``translate(english)``; the rest kept."""
    return "\n".join(p.render(translate(p.text) if p.translate else p.text)
                     for p in pieces(markdown))  # fmt: skip


# ----------------------------------------------------------------------------- catalogues


def lesson_sources() -> list[Path]:
    return sorted(LESSONS.glob("[0-9][0-9]_*.py"))


def prose(source: Path) -> list[tuple[str, str]]:
    """(where, English segment) for every segment of a lesson's markdown, in order."""
    notebook = jupytext.read(source, fmt="py:percent")
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            for text in segments(cell.source):
                found.append((f"{source.name}, markdown cell {index}", text))
    return found


def _string_arguments(path: Path, names: set[str]) -> list[tuple[str, str]]:
    """(where, literal) for the first string argument of every call to one of ``names``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in names
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value))
    return found


def messages() -> list[tuple[str, str]]:
    """(where, English) of every message the code shows: ``_("...")`` and ``N_("...")`` in
    course_utils, and ``say("...")`` templates in the lessons' code cells."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += _string_arguments(path, {"_", "N_"})
    for path in lesson_sources():
        found += _string_arguments(path, {"say"})
    return found


def catalogue_path(language: str, source: Path | None = None) -> Path:
    """Where a lesson's prose (or, with no source, the code's messages) is translated."""
    if source is None:
        return i18n.LOCALE / f"{language}.po"
    return LOCALE / language / f"{source.stem}.po"


def read(path: Path) -> dict[str, i18n.Entry]:
    if not path.exists():
        return {}
    return {e.msgid: e for e in i18n.read_po(path.read_text(encoding="utf-8"))}


def merge(found: list[tuple[str, str]], old: dict[str, i18n.Entry]) -> list[i18n.Entry]:
    """The entries for ``found`` (in order, one per English text), keeping old translations.

    English that changed gets the translation of the most similar English that disappeared,
    marked fuzzy with the old English beside it, for the translator to confirm.
    """
    wanted: dict[str, list[str]] = {}
    for where, text in found:
        wanted.setdefault(text, []).append(where)
    gone = [e for msgid, e in old.items() if msgid not in wanted and e.msgstr]
    entries = []
    for text, places in wanted.items():
        entry = old.get(text)
        if entry is None:
            entry = i18n.Entry(text)
            close = difflib.get_close_matches(text, [e.msgid for e in gone], n=1, cutoff=0.6)
            if close:
                previous = next(e for e in gone if e.msgid == close[0])
                entry.msgstr, entry.fuzzy = previous.msgstr, True
                entry.previous = previous.previous or previous.msgid
        entry.comments = places
        entries.append(entry)
    return entries


def update() -> list[Path]:
    """Bring every PO file in step with the English; returns the files that changed."""
    changed = []
    for language in TRANSLATED:
        jobs = [(catalogue_path(language, s), prose(s)) for s in lesson_sources()]
        jobs.append((catalogue_path(language), messages()))
        for path, found in jobs:
            text = i18n.write_po(merge(found, read(path)), HEADER)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                changed.append(path)
    return changed


# ----------------------------------------------------------------------------- checks

# A number, and a scale word after it, which multiplies it: "418 million" is "4.18 亿" in
# Chinese, "280-billion" "2800 亿". In the English, a number glued to Chinese characters is
# part of a quotation of the article, which a translation may quote without its English gloss;
# in a translation, Chinese characters are word characters, so only ASCII ones count as a
# number's neighbours there ("于2015年").
_SCALED = r"(\d+(?:[.,]\d+)*)(?:[\s-]*(thousand|million|billion|trillion|万亿|亿|万))?"
NUMBER = re.compile(r"(?<![\w.])" + _SCALED)
TRANSLATED_NUMBER = re.compile(r"(?<![0-9A-Za-z_.])" + _SCALED)
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SCALES.update({"万": 1e4, "亿": 1e8, "万亿": 1e12})
FORMULA = re.compile(r"\$\$.+?\$\$|\$[^$]+\$")
CODE = re.compile(r"`[^`]+`")
FIELD = re.compile(r"\{[^{}]*\}")  # a str.format field of a message: {lstm}, {final:.1%}, {}
LINK = re.compile(r"\]\(([^)]+)\)")


def _kept(english: str) -> tuple[list[str], str]:
    """What a translation must keep exactly (formulas, code spans, the fields a message is
    formatted with, link targets), and the rest of the English, whose numbers it must keep
    too (numbers inside the others are checked with them)."""
    spans = FORMULA.findall(english) + CODE.findall(english)
    rest = english
    for span in spans:
        rest = rest.replace(span, " ")
    fields = FIELD.findall(rest)
    for field in fields:
        rest = rest.replace(field, " ")
    spans += fields
    targets = LINK.findall(rest)
    for target in targets:
        rest = rest.replace(target, " ")
    return spans + targets, rest


def _numbers(text: str, pattern: re.Pattern = NUMBER) -> list[tuple[str, float | None]]:
    """Each number of `text` as written, and its value with its scale word (None for a
    section number such as 3.2.2)."""
    found = []
    for m in pattern.finditer(text):
        written, scale = m.group(1), SCALES.get(m.group(2), 1)
        try:
            found.append((written, float(written.replace(",", "")) * scale))
        except ValueError:
            found.append((written, None))
    return found


def _glossary_terms(english: str) -> list[tuple[str, list[str]]]:
    """(term, its Chinese names) for each glossary term the English introduces in bold."""
    bold = {b.lower() for b in re.findall(r"\*\*([^*]+)\*\*", english)}
    return [
        (t.english, [c.strip() for c in t.chinese.split("/")])
        for t in GLOSSARY
        if t.english.lower() in bold
    ]


def entry_problems(english: str, entry: i18n.Entry | None) -> list[str]:
    """What the translation of one segment lacks (empty if it is current and faithful)."""
    if entry is None or not entry.msgstr:
        return ["no translation"]
    if entry.fuzzy:
        return ["the English changed since it was translated (fuzzy)"]
    problems = []
    translation = entry.msgstr
    spans, rest = _kept(english)
    for token in spans:
        if token not in translation:
            problems.append(f"missing {token!r} from the English")
        else:
            translation = translation.replace(token, " ", 1)
    # Numbers match whole ("2" is not found inside "2015"), by what they write or by value.
    numbers = _numbers(translation, TRANSLATED_NUMBER)
    for written, value in _numbers(rest):
        same = [
            i for i, (w, v) in enumerate(numbers) if w == written or (v is not None and v == value)
        ]
        if same:
            del numbers[same[0]]
        else:
            problems.append(f"missing {written!r} from the English")
    for term, chinese in _glossary_terms(english):
        if not any(c in entry.msgstr for c in chinese):
            problems.append(f"the glossary's Chinese for {term!r} is {' / '.join(chinese)}")
    return problems


def problems(language: str = "zh") -> list[str]:
    """Every problem of every catalogue, one line each, naming the file and the segment."""
    out = []
    jobs = [(catalogue_path(language, s), prose(s)) for s in lesson_sources()]
    jobs.append((catalogue_path(language), messages()))
    for path, found in jobs:
        entries = read(path)
        for where, english in found:
            for problem in entry_problems(english, entries.get(english)):
                shown = english if len(english) < 90 else english[:87] + "..."
                out.append(f"{where}: {problem} in {path.relative_to(ROOT)}: {shown!r}")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "update":
        for path in update():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if command == "status":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
