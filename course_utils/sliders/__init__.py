"""The course's sliders, one module per lesson.

Each slider pairs a pure compute function (from the module that holds the idea: chain, rnn,
attention, ...) with a draw function and a one-line readout, through
`course_utils.widgets.InteractiveFigure`; each has a static sweep beside it. Lessons call
these builders, so tests and `make bench` exercise exactly what learners see.
"""
