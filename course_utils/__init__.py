"""course_utils: the tested source of truth behind the course's notebooks.

Each module holds one idea (activations, rnn, attention, ...); notebooks import from here and
never redefine what it holds. `checks` and `exercises` grade the learner's answers, `sliders`
and `plots` draw the figures, `env` checks the environment.
"""

import os

# The course's arrays are small. On a 2-core laptop, numpy's BLAS splitting a product over
# threads costs more than it saves, and its spinning threads slowed slider redraws 2-4x
# (measured in lesson 01). Set before numpy is first imported (a notebook's set-up cell
# imports course_utils first); a value the learner set already is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
