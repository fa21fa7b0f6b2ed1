"""course_utils: the tested source of truth behind the course's notebooks.

Each module holds one idea (activations, rnn, attention, ...); notebooks import from here and
never redefine what it holds. `checks` and `exercises` grade the learner's answers, `widgets`
and `plots` draw the interactive figures, `env` checks the environment.
"""

__version__ = "0.1.0"
