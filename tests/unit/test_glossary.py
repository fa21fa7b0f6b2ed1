"""The glossary covers every key term the lessons introduce, in the lessons' own Chinese."""

import re
from pathlib import Path

import pytest

from course_utils.glossary import GLOSSARY, glossary_markdown

SOURCES = (Path(__file__).parents[2] / "lessons").glob("*.py")
# markdown lines joined, so that a term whose brackets wrap onto the next line is found
LESSONS = {p.stem[:2]: re.sub(r"\n#\s*", " ", p.read_text()) for p in SOURCES}
# **term** (中文 ...) : a key term introduced in bold, with its Chinese name first in brackets
BILINGUAL = re.compile(r"\*\*([^*]+)\*\*\s*\(([\u4e00-\u9fff][^,;)]*)")
CHINESE = {part.strip() for term in GLOSSARY for part in term.chinese.split("/")}


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_every_bilingual_term_is_in_the_glossary(number):
    missing = [
        (english, chinese.strip())
        for english, chinese in BILINGUAL.findall(LESSONS[number])
        if chinese.strip() not in CHINESE
    ]
    assert missing == [], f"add to course_utils/glossary.py: {missing}"


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t.english)
def test_each_entry_is_used_by_the_lesson_it_names(term):
    assert term.lesson in LESSONS
    for part in term.chinese.split("/"):
        assert part.strip() in LESSONS[term.lesson]


def test_the_glossary_is_one_table_row_per_term_in_course_order():
    rows = glossary_markdown().splitlines()[2:]
    assert len(rows) == len(GLOSSARY)
    lessons = [row.split("|")[3].strip() for row in rows]
    assert lessons == sorted(lessons)
    assert len({t.english for t in GLOSSARY}) == len(GLOSSARY)
