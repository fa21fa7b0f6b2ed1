"""No lesson types a number that a training run or a clock produced.

Such a number changes with the CPU, the thread count and the library versions, so a lesson
states it only in a sentence rendered from the learner's own run (``display.say``, in a code
cell), or as a band measured over several seeds and checked by a test. Markdown cells are
scanned for the shapes these numbers take (a percentage, "at step N", a time in ms or
seconds), and every one found must be listed below with where it comes from:

- "definition": a threshold or chance level the experiment sets (95 %, 50 %);
- "math": follows from mathematics;
- "seeded": a seeded computation without training (numpy, or torch at initialisation);
- "shipped": read from a file in course_utils/data/ and asserted against it;
- "band": a range over several seeds (and both of torch's kernel settings), with its test.

A new number in a lesson's prose fails this test until it is listed (or rendered instead).
A listed number that no longer appears fails it too, so the list stays true.
"""

import re
from collections import Counter
from pathlib import Path

import jupytext
import pytest

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
SHAPES = re.compile(r"\d+(?:\.\d+)? ?%|\bat step \d+|\d+(?:\.\d+)? ?(?:ms|seconds?)\b")

ALLOWED = {
    "00": {"1 %": "math: the 1 % threshold of the exercise on 0.9^k"},
    "01": {
        "13.4 %": "seeded: saturation fraction (test_lesson01)",
        "70.8 %": "seeded: saturation fraction",
        "0.0 %": "seeded: saturation fraction",
        "0.3 %": "seeded: saturation fraction",
        "12.7 %": "seeded: saturation fraction",
        "31.8 %": "seeded: saturation fraction",
        "64.7 %": "seeded: saturation fraction",
        "76.5 %": "seeded: saturation fraction",
        "50 %": "math: the share of ReLU inputs below 0",
    },
    "03": {
        "at step 1": "definition: the first step of the sequence",
        "0.46 %": "seeded: gradient share at initialisation (test_lesson03)",
        "1.30 %": "seeded: over ten random networks",
        "61 %": "seeded: gradient shares",
        "31 %": "seeded: gradient shares",
        "14 %": "seeded: gradient shares",
        "0.5 %": "seeded: the same share, rounded",
    },
    "04": {"90 %": "math: running-average momentum 0.1"},
    "05": {
        "0.5 %": "seeded: lesson 03's ten random networks",
        "1.3 %": "seeded: lesson 03's ten random networks",
        "99.9 %": "math: hand-set LSTM weights (test_lesson05)",
        "0.46 %": "seeded: lesson 03's RNN, seed 0 (test_lesson05)",
    },
    "06": {
        "51 %": "seeded: the last-noun shortcut on generated data",
        "95 %": "definition: the 'solved' threshold",
        "99.5 %": "shipped: long_range_sweep.json, lowest gated accuracy",
        "50 %": "definition: chance",
    },
    "07": {
        "68.5 %": "seeded: unscaled scores, one-hot rows",
        "4 %": "seeded: entropy share",
        "85 %": "seeded: entropy share, scaled",
    },
    "08": {
        "85 %": "shipped: translation_sweep.json, lowest seed's alignment agreement",
        "93 %": "shipped: translation_sweep.json, highest seed's alignment agreement",
    },
    "09": {
        "2 %": "seeded: attention's gradient at distance 100, at initialisation (story)",
        "5 %": "math: 1 - sigmoid(3), the forget gates' loss per step at bias 3",
        "83 %": "shipped: transformer_sweep.json, lowest final accuracy",
        "95 %": "shipped: transformer_sweep.json, highest final accuracy; definition too",
        "80 %": "shipped: transformer_sweep.json, lowest accuracy at any distance",
        "99.5 %": "shipped: long_range_sweep.json, lowest gated accuracy",
        "50 %": "band: order task without positions (test_lesson09::test_order_ablation)",
        "100 %": "band: order task with positions (test_lesson09::test_order_ablation)",
    },
    "10": {
        "9.2 %": "math: entries of the strided pattern",
        "100 %": "math: pairs joined within two hops",
        "6.1 %": "math: entries of the band",
        "11.9 %": "math: pairs the band joins",
        "14 %": "seeded: weight kept by the local pattern, random inputs",
        "17 %": "seeded: weight kept by the strided pattern, random inputs",
        "90 %": "seeded: weight kept on local inputs; band: toy ViT accuracy (test_lesson10)",
        "25 %": "definition: chance with four classes",
        "99 %": "band: recommendation hit rate (test_lesson10::test_recommendation_numbers)",
        "40 %": "band: the order-blind average's hit rate (test_lesson10)",
    },
    "11": {
        "50 %": "definition: chance for the verb's number",
        "90 %": "definition: the threshold at which agreement counts as learned",
        "88 %": "shipped: language_model_sweep.json, the GPT's least grammatical seed "
        "(test_lesson11::test_the_shipped_numbers_the_lesson_quotes)",
        "96 %": "shipped: language_model_sweep.json, the GPT's most grammatical seed",
        "95 %": "band: the GPT's final agreement, every distance, both kernel settings "
        "(test_lesson11::test_a_fresh_gpt_falls_within_the_band)",
        "80 %": "band: the GPT's grammatical samples (test_lesson11::test_a_fresh_gpt_...)",
    },
}


def markdown_numbers(source: Path) -> Counter:
    """The training-or-clock-shaped numbers in a lesson's markdown cells."""
    notebook = jupytext.read(source)
    found = Counter()
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found.update(m.group() for m in SHAPES.finditer(cell.source))
    return found


LESSON_FILES = sorted(LESSONS.glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("source", LESSON_FILES, ids=lambda p: p.stem[:2])
def test_every_number_in_the_prose_has_a_known_origin(source):
    found = markdown_numbers(source)
    allowed = ALLOWED.get(source.stem[:2], {})
    unknown = sorted(set(found) - set(allowed))
    assert not unknown, (
        f"{source.name} states {unknown} in its prose. If a training run or a clock produced "
        "it, render the sentence from the run (display.say) or state a tested band; otherwise "
        "list it here with its origin."
    )
    stale = sorted(set(allowed) - set(found))
    assert not stale, f"{source.name} no longer states {stale}: remove them from ALLOWED"


def test_the_scan_finds_the_shapes_it_looks_for():
    text = "ends at 53 % (best 63.4%), at step 228, in 12.5 ms or 2 seconds; 1e-7 and 300 steps"
    assert SHAPES.findall(text) == ["53 %", "63.4%", "at step 228", "12.5 ms", "2 seconds"]
