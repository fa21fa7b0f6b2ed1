"""Each lesson's sliders and figures, one module per lesson (`lesson03` for lesson 03).

Each slider pairs a pure compute function (from the module that holds the idea: chain, rnn,
lstm, ...) with a draw function and a one-line readout, through
`course_utils.widgets.InteractiveFigure`, and has a static sweep beside it. The lesson's other
figures and the small experiments its text quotes live here too, so that lessons, tests and
`make bench` all run exactly what learners see.
"""
