"""One module per lesson (``lesson03`` for lesson 03): what that lesson alone shows.

Its figures and slider builders (a pure compute function, from a concept module where one
fits, a draw function and a one-line readout, through ``widgets.InteractiveFigure``, with a
static sweep beside each), its small experiments, and the phrases its rendered sentences
use. A lesson module imports concept modules only, never another lesson's module (see the
package docstring).
"""
