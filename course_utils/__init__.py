"""course_utils: the tested source of truth behind the course's notebooks.

Where each kind of code lives (tests/unit/test_package_layout.py checks the imports):

- **Concept modules** (``course_utils/<concept>.py``), one idea each, named for it, shared by
  every lesson that needs it and importing no lesson's module:
  numerics (``activations``, ``gradcheck``, ``chain``, ``mlp``, ``rnn``, ``lstm``,
  ``clipping``, ``normalization``, ``attention``, ``efficient_attention``, ``transformer``,
  ``seq2seq``, ``attention_beyond_text``), data (``tasks``, ``translation``, ``shipped``),
  training (``training``), measurements shared by lessons (``complexity``,
  ``gradient_vs_distance``, ``accuracy_vs_distance``), showing things (``plots``,
  ``widgets``, ``display``) and the course's machinery (``checks``, ``env``, ``links``,
  ``glossary``).
- **A lesson's own code** (``course_utils/lessons/lessonNN.py``): what that lesson shows and
  no other lesson uses: its figures and slider builders, its small experiments, the phrases
  its rendered sentences use. It imports concept modules, never another lesson's module; code
  a second lesson needs moves to a concept module. A lesson imports it as
  ``from course_utils.lessons import lessonNN as lesson``.
- **A lesson's checkers** (``course_utils/exercises/lessonNN.py``), imported as ``ex``; they
  may use their own lesson's module, no other.

A lesson's code cells show the computation they teach (``S = X @ X.T``), using functions
earlier lessons taught; the package holds what a cell should not: references the exercises are
checked against, training loops, plotting, and experiments too long to read (shown with
``display.show_source`` where the lesson is about them). Docstrings give the equation, the
shapes and the source once; a docstring names the lesson that shows a function as
"(lesson NN)".
"""

import os

# The course's arrays are small. On a 2-core laptop, numpy's BLAS splitting a product over
# threads costs more than it saves, and its spinning threads slowed slider redraws 2-4x
# (measured in lesson 01). Set before numpy is first imported (a notebook's set-up cell
# imports course_utils first); a value the learner set already is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"
