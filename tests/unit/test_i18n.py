"""The course's messages in another language: PO files read and written, the catalogue, and
every message a learner reads going through it.

A pseudo-translation (each message wrapped in ⟦...⟧, its placeholders kept) stands in for
Chinese: a sentence that shows outside the brackets never went through the catalogue.
"""

import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import checks, display, env, i18n
from course_utils.i18n import Entry, read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import translations  # noqa: E402

ENTRIES = [
    Entry("plain", "简单", comments=["lessons/00_start_here.py, markdown cell 3"]),
    Entry('say "hi", a \\ backslash\tand a tab', '说 "你好"，一个 \\ 反斜杠\t和一个制表符'),
    Entry("two\nlines\n", "两\n行\n", comments=["a.py:1", "b.py:2"]),
    Entry("\nstarts with a line break", "\n以换行开头"),
    Entry("a carriage\rreturn and a U+2028\u2028separator", "回车\r和\u2028分隔符"),
    Entry("changed English", "旧译文", fuzzy=True, previous="the old English,\non two lines"),
    Entry("untranslated"),
    Entry("long " * 40, "长" * 200),
]


# ----------------------------------------------------------------------------- PO files


def test_po_text_reads_back_as_it_was_written():
    text = write_po(ENTRIES, translations.HEADER)
    assert text.startswith('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"')
    assert read_po(text) == ENTRIES


def test_the_written_form_is_gettext_s():
    text = write_po([Entry("two\nlines", "两\n行"), ENTRIES[5]])
    assert 'msgid ""\n"two\\n"\n"lines"\nmsgstr ""\n"两\\n"\n"行"' in text
    assert '#, fuzzy\n#| msgid ""\n#| "the old English,\\n"\n#| "on two lines"\n' in text


def test_po_files_from_other_tools_are_read():
    """Babel (and Poedit, msgmerge) wrap long lines and may save with Windows line ends."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    catalog = Catalog(locale="zh")
    for entry in ENTRIES:
        catalog.add(entry.msgid, entry.msgstr, auto_comments=entry.comments,
                    flags=["fuzzy"] if entry.fuzzy else [])  # fmt: skip
    out = io.BytesIO()
    babel_write_po(out, catalog, width=40)
    text = out.getvalue().decode()
    assert 'msgid ""\n"long long' in text  # wrapped at 40 columns
    read = {e.msgid: e for e in read_po(text)}
    for entry in ENTRIES:
        got = read[entry.msgid]
        assert (got.msgstr, got.fuzzy) == (entry.msgstr, entry.fuzzy)
        assert " ".join(got.comments) == " ".join(entry.comments)  # Babel wraps comments too
    crlf = write_po(ENTRIES, translations.HEADER).replace("\n", "\r\n")
    assert read_po(crlf) == ENTRIES


@pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU gettext's msgcat not installed")
def test_gnu_gettext_reads_the_files_and_its_rewrite_reads_back(tmp_path):
    """msgcat parses the file (a syntax error fails it) and rewrites it in its own layout,
    wrapped at 79 columns, with the previous English kept: that reads back unchanged."""
    path = tmp_path / "zh.po"
    path.write_text(write_po(ENTRIES, translations.HEADER), encoding="utf-8")
    rewritten = subprocess.run(
        ["msgcat", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert rewritten != path.read_text(encoding="utf-8")  # a different layout...
    assert read_po(rewritten) == ENTRIES  # ...of the same entries


# ----------------------------------------------------------------------------- the catalogue


@pytest.fixture
def zh(tmp_path, monkeypatch):
    """Installs a Chinese catalogue (English -> Chinese, or Entry objects) for one test."""

    def install(translated):
        entries = [e if isinstance(e, Entry) else Entry(e, translated[e]) for e in list(translated)]
        (tmp_path / "zh.po").write_text(write_po(entries, translations.HEADER), encoding="utf-8")
        i18n.catalogue.cache_clear()
        i18n.use("zh")

    monkeypatch.setattr(i18n, "LOCALE", tmp_path)
    yield install
    i18n.use("en")
    i18n.catalogue.cache_clear()


def test_only_current_translations_are_shown(zh):
    zh(
        [
            Entry("correct", "正确"),
            Entry("wrong type", "类型错误", fuzzy=True),
            Entry("wrong shape"),
        ]
    )
    assert i18n.language() == "zh"
    assert i18n._("correct") == "正确"
    assert i18n._("wrong type") == "wrong type"  # fuzzy: the English changed since
    assert i18n._("wrong shape") == "wrong shape"  # not translated yet
    assert i18n._("not in the catalogue") == "not in the catalogue"
    i18n.use("en")
    assert i18n._("correct") == "correct"


def test_english_is_the_default_and_other_languages_are_refused():
    assert i18n.language() == "en"
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.use("fr")
    assert i18n.N_("kept as it is") == "kept as it is"


def test_a_checkers_verdict_speaks_the_language_in_use(zh):
    zh(
        {
            "{symbol} {exercise}: {status}. {message}": "{symbol} {exercise}：{status}。{message}",
            "wrong values": "数值错误",
            "For input {input}: {message}": "输入 {input} 时：{message}",
            "your output": "你的输出",
            "expected {expected:.6g}, got {got:.6g} (off by {error:.3g}).": (
                "应为 {expected:.6g}，实为 {got:.6g}（相差 {error:.3g}）。"
            ),
            "Hint: {hint}": "提示：{hint}",
        }
    )
    result = checks.check_function(
        lambda x: x + 1, lambda x: 2 * x, [(2.0,)], exercise="double", hint="乘以 2。"
    )
    assert str(result) == (
        "❌ double：数值错误。输入 (2.0) 时：你的输出: 应为 4，实为 3（相差 1）。\n提示：乘以 2。"
    )
    assert result.status.value == "wrong values"  # the enum keeps its English
    assert 'data-status="WRONG_VALUES"' in result._repr_html_()


def test_say_translates_its_template_then_fills_it_in(zh):
    zh({"The LSTM {lstm}, at {accuracy:.1%}.": "LSTM {lstm}，准确率 {accuracy:.1%}。"})
    sentence = display.say("The LSTM {lstm}, at {accuracy:.1%}.", lstm="学会了", accuracy=0.975)
    assert sentence == "LSTM 学会了，准确率 97.5 %。"


def test_the_environment_check_speaks_the_language_in_use(zh, capsys):
    zh(
        {
            "✅ Everything the course needs is here.": "✅ 课程所需的一切都在。",
            "{module} is needed for {purpose} but is not installed. Install it with:  {fix}": (
                "{purpose}需要 {module}，但它没有安装。安装命令：{fix}"
            ),
        }
    )
    assert env.check_environment() == []
    assert "✅ 课程所需的一切都在。" in capsys.readouterr().out
    with pytest.raises(ImportError, match="测试需要 no_such_package_x，但它没有安装"):
        env.require("no_such_package_x", "测试")


# ----------------------------------------------------------------------------- every message


def _calls(tree: ast.AST, names: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in names:
                yield node


def test_messages_are_whole_literal_templates():
    """A message is a literal, or a name holding one marked elsewhere (``_(hint)``): never
    ``_(f"...")`` or ``_("..." + x)``, whose English the translator cannot see whole."""
    bad = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        for call in _calls(ast.parse(path.read_text(encoding="utf-8")), {"_", "N_"}):
            (arg,) = call.args
            literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            if not (literal or isinstance(arg, ast.Name | ast.Attribute)):
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)}")
    for path in translations.lesson_sources():
        for call in _calls(ast.parse(path.read_text(encoding="utf-8")), {"say"}):
            if not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)[:60]}")
    assert bad == []


def test_the_code_s_messages_are_collected_for_the_translators():
    found = dict((text, where) for where, text in translations.messages())
    assert found["not attempted yet"].startswith("course_utils/checks.py:")  # N_, an enum
    assert "Passed all {count} test inputs." in found
    assert any(w.startswith("course_utils/exercises/lesson05.py") for w in found.values())
    lesson06 = "In this run the LSTM {lstm}, the GRU {gru}, and the RNN {rnn}."
    assert found[lesson06].startswith("lessons/06_long_range_memory.py:")  # a say() template
    assert "{model} on {task}" in found  # a progress bar


# A learner's session with every checker, its typical mistakes and generic wrong answers, the
# environment check and a progress bar, run in a fresh interpreter with the pseudo-translation
# in use: it prints every text the learner would read.
SESSION = """
import contextlib, io, json, math, sys
from pathlib import Path
from course_utils import i18n
i18n.LOCALE = Path(sys.argv[1])
i18n.use("zh")  # as a notebook's set-up cell does, before the lesson's imports

import numpy as np
sys.path.insert(0, "tests/unit")
import test_checker_battery as battery
from course_utils import env, training

def raises(*args):
    raise ValueError(42)

shown = []
with np.errstate(all="ignore"):
    for name, (checker, right, mistakes) in battery.FUNCTION_CHECKERS.items():
        extra = battery._takes(len(battery._first_call(checker)) + 1)
        answers = [right, None, "text", lambda *a: None, lambda *a: 0.5, raises, extra]
        shown += [str(checker(a)) for a in answers + [m.fn for m in mistakes]]
        for change in (lambda v: v + 0j, lambda v: v.T if np.ndim(v) > 1 else v,
                       lambda v: v.tolist() if isinstance(v, np.ndarray) else v,
                       lambda v: v * np.nan, lambda v: v + 1.0):
            shown.append(str(battery._generic(name, change)))
    for checker in battery.ESTIMATE_CHECKERS.values():
        for guess in ("1e-5", [1e-5], np.ones(2), 1j, math.nan, None, 1e-300, 1e300):
            shown.append(str(checker(guess)))
    for bias in ("3", None, 7, 0, 5):
        shown.append(str(battery.lesson06.check_forget_bias(bias)))
    for answer in ("horse", "the", "rouge", 1, None, "red"):
        shown.append(str(battery.lesson08.check_alignment(answer, battery.READING)))
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
    env.check_environment()
    training.train(training.make_model("lstm", 2), training.adding_task(10), steps=1)
shown.append(out.getvalue())
print(json.dumps(shown))
"""


def _pseudo(text: str) -> str:
    """``text`` with its letters in full width (Ｗｒｏｎｇ), its {placeholders} kept."""
    return re.sub(
        r"(\{[^{}]*\})|([A-Za-z])", lambda m: m.group(1) or chr(ord(m.group(2)) + 0xFEE0), text
    )


def test_every_text_a_learner_reads_goes_through_the_catalogue(tmp_path):
    """What stays in ASCII letters is a value (a number, a dtype, a function's name) or the
    exercises' own English data (the agreement task's words, lesson 08's sentence); three or
    more other English words in a row are a message that no ``_()`` translates."""
    from course_utils.tasks import AGREEMENT_VOCAB

    texts = dict.fromkeys(text for _, text in translations.messages())
    entries = [Entry(text, _pseudo(text)) for text in texts]
    (tmp_path / "zh.po").write_text(write_po(entries, translations.HEADER), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", SESSION, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COURSE_REQUIRE_CORRECT": ""},
        check=True,
    )
    shown = json.loads(run.stdout)
    assert len(shown) > 500
    data = {*AGREEMENT_VOCAB, "red", "horse"}
    english = {}
    for text in shown:
        values = re.sub(r"<[^<>]*>", "", text)  # reprs: <function tanh at 0x7f...>
        runs = re.findall(r"[A-Za-z]{2,}(?:[ '-][A-Za-z]{2,}){2,}", values)
        runs = [r for r in runs if not set(re.split(r"[ '-]", r)) <= data]
        if runs:
            english[text[:60]] = runs
    assert english == {}, "English that no _() translates"
    assert "ｌｓｔｍ ｏｎ ａｄｄｉｎｇ" not in shown[-1]  # values stay as they are:
    assert "lstm ｏｎ adding, T = 10" in shown[-1]  # the progress bar's template is translated


def test_the_translations_install_with_the_package():
    """Colab installs course_utils alone: its catalogue must be package data (the Colab-like
    environment runs this test against the installed package)."""
    assert (Path(i18n.__file__).parent / "locale" / "zh.po").is_file()
    assert len(i18n.catalogue("zh")) > 300
