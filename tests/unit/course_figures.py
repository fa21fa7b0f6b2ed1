"""Every interactive figure of the course, built without training (for the blit test and the
in-kernel slider timings): name -> a function returning a fresh `InteractiveFigure`.

Lesson 08's heatmap menu shows records of a trained model; here the same sentences carry
random attention weights (rows sum to 1), which draw the same artists at the same places.
"""

from __future__ import annotations

import numpy as np

from course_utils import translation
from course_utils.lessons import (
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
)


def alignment_records(n: int = 12) -> list[lesson08.Alignment]:
    """Lesson 08's showcase sentences with random attention weights (seeded)."""
    rng = np.random.default_rng(0)
    records = []
    for pair in lesson08.showcase_pairs(translation.load_corpus(), n):
        weights = rng.dirichlet(np.ones(len(pair.source)), size=len(pair.target))
        records.append(lesson08.Alignment(pair, weights, pair.target, 1.0))
    return records


FIGURES = {
    "00 product": lesson00.product_slider,
    "01 activation": lesson01.activation_slider,
    "02 depth": lesson02.depth_slider,
    "03 lag": lesson03.lag_slider,
    "04 radius": lesson04.radius_slider,
    "04 cliff": lesson04.cliff_slider,
    "05 cell path": lesson05.cell_path_slider,
    "07 word": lesson07.word_slider,
    "07 saturation": lesson07.saturation_slider,
    "08 alignment": lambda: lesson08.alignment_slider(alignment_records()),
    "09 cost": lesson09.cost_slider,
    "09 whole argument": lesson09.whole_argument_slider,
    "10 tradeoff": lesson10.tradeoff_slider,
    "11 sampling": lesson11.sampling_slider,
}
