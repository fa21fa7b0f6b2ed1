"""Slider builders: controls + a pure compute function + one reused figure + a readout.

Every interactive figure in the course is an `InteractiveFigure`:

    compute(**control_values) -> result      pure, tested in tests/unit, no drawing
    draw(axes, result)                        draws the result into the figure's axes
    readout(result) -> str                    one line of text under the figure

Moving a control calls compute, clears and redraws the *same* figure (never a new one) and
updates the readout. The figure is rendered to PNG by a `plots.Blitter`, which redraws the
axes' ticks and labels only when they change, and sent as the raw bytes of an `Image` widget
(one binary message, no base64), which works the same in ipywidgets 7.7 (Colab) and 8.x
(JupyterLab) and needs no matplotlib widget backend. If compute fails at an extreme setting,
the readout says so and the last good figure stays.

`static_sweep` draws the same figure for a few fixed settings, side by side, so the idea also
reads where no kernel runs (GitHub, a static site).
"""

from __future__ import annotations

import html
import statistics
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course_utils import plots

Compute = Callable[..., Any]
Draw = Callable[[np.ndarray, Any], None]

#: Every InteractiveFigure made in this kernel (weakly), so `make bench` can time them all.
_FIGURES: weakref.WeakSet = weakref.WeakSet()

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


def slider(
    description: str,
    low: float,
    high: float,
    step: float,
    value: float,
    *,
    integer: bool = False,
    continuous: bool = True,
) -> widgets.Widget:
    """A float (or integer) slider that looks the same in every lesson."""
    kind = widgets.IntSlider if integer else widgets.FloatSlider
    return kind(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=continuous,
        style=_STYLE,
        layout=_LAYOUT,
    )


def log_slider(
    description: str,
    low_exp: float,
    high_exp: float,
    value: float,
    *,
    step: float = 0.1,
    base: float = 10,
    readout_format: str = ".3g",
    continuous: bool = True,
) -> widgets.Widget:
    """A slider over base**low_exp .. base**high_exp, moving in steps of the exponent."""
    return widgets.FloatLogSlider(
        value=value,
        base=base,
        min=low_exp,
        max=high_exp,
        step=step,
        description=description,
        readout_format=readout_format,
        continuous_update=continuous,
        style=_STYLE,
        layout=_LAYOUT,
    )


def dropdown(description: str, options: Sequence[Any], value: Any = None) -> widgets.Widget:
    """A dropdown menu over `options` (strings, or (label, value) pairs)."""
    value = options[0] if value is None else value
    value = value[1] if isinstance(value, tuple) else value
    return widgets.Dropdown(
        options=list(options), value=value, description=description, style=_STYLE
    )


class InteractiveFigure:
    """Controls wired to a pure compute function, one reused figure and a text readout.

    controls: name -> widget; each name is a keyword argument of `compute`.
    ncols, width, height: the figure's grid of axes (one row); `draw` receives the 1-D array.
    layout_at: settings (name -> value) at which to lay the figure out once, e.g. those with
    the widest tick labels, so that no setting clips them; default: the controls' start values.
    Use `.set(name=value, ...)` to move controls from code (tests do); `.result`,
    `.readout_text` and `.png` hold the latest outcome, `.updates` counts redraws.
    """

    def __init__(
        self,
        compute: Compute,
        draw: Draw,
        controls: Mapping[str, widgets.Widget],
        readout: Callable[[Any], str],
        *,
        ncols: int = 1,
        width: float = 7.0,
        height: float = 3.2,
        layout_at: Mapping[str, Any] | None = None,
    ) -> None:
        self.compute, self.draw, self.readout = compute, draw, readout
        self.controls = dict(controls)
        self.figure, axes = plots.figure(ncols, width=width, height=height)
        self.axes = axes[0]
        self.image = widgets.Image(format="png")
        self.image.add_class("course-figure")
        self.readout_widget = widgets.HTML()
        self.readout_widget.add_class("course-readout")
        self.widget = widgets.VBox([*self.controls.values(), self.image, self.readout_widget])
        self.result: Any = None
        self.readout_text = ""
        self.updates = 0
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.blitter = plots.Blitter(self.figure)
        if layout_at:
            self.draw(self.axes, self.compute(**{**self.values(), **layout_at}))
            plots.freeze_layout(self.figure)
        self.update()  # without layout_at, the first render lays the figure out
        _FIGURES.add(self)

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values: Any) -> Any:
        """Move controls from code, then return the result (redraws once per changed value)."""
        for name, value in values.items():
            if name not in self.controls:
                raise KeyError(f"no control named {name!r}; controls: {list(self.controls)}")
            before = self.updates
            self.controls[name].value = value
            if self.updates == before:  # value unchanged (or clamped to the same): redraw anyway
                self.update()
        return self.result

    def prepare(self, name: str) -> None:
        """Draw the figure once at every option of the menu `name` now, then return to the
        present one: each option that brings its own tick labels (a sentence's words) is a new
        background for `plots.Blitter`, and drawing them while the notebook runs means that
        picking one later redraws only its data. For menus of at most `Blitter.KEPT` options."""
        control = self.controls[name]
        if not isinstance(control, widgets.Dropdown) or len(control.options) > self.blitter.KEPT:
            raise ValueError(f"{name!r} is not a menu of at most {self.blitter.KEPT} options")
        present = control.value
        for value in sweep_values(control, len(control.options)):
            self.set(**{name: value})
        self.set(**{name: present})

    def update(self) -> None:
        """Compute, redraw the reused figure and refresh the readout."""
        try:
            result = self.compute(**self.values())
        except (ArithmeticError, ValueError) as error:
            self._show_readout(f"⚠ cannot compute at this setting: {error}")
            return
        self.result = result
        for ax in self.axes:
            plots.clear_artists(ax)
        self.draw(self.axes, result)
        self.image.value = self.blitter.png()
        self.updates += 1
        self._show_readout(self.readout(result))

    @property
    def png(self) -> bytes:
        """The PNG the figure shows now."""
        return bytes(self.image.value)  # ipywidgets 8 holds it as a memoryview

    def _show_readout(self, text: str) -> None:
        self.readout_text = text
        self.readout_widget.value = f"<code>{html.escape(text)}</code>"

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        self.update()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def static_sweep(
    compute: Compute,
    draw: Draw,
    param: str,
    values: Sequence[Any],
    fixed: Mapping[str, Any],
    *,
    ncols: int = 1,
    width: float = 7.0,
    height: float = 3.2,
    label: Callable[[Any], str] | None = None,
) -> Figure:
    """The interactive figure drawn at several fixed settings of one control.

    With a one-panel `draw`, the settings sit side by side in one row; with `ncols` panels,
    one row per setting. Each panel is titled with the setting, e.g. "depth = 10".
    """
    label = label or (lambda v: f"{param} = {v}")
    one_row = ncols == 1
    nrows, cols = (1, len(values)) if one_row else (len(values), ncols)
    fig, axes = plots.figure(
        cols,
        nrows,
        width=width if not one_row else width * 0.9,
        height=height * (1 if one_row else len(values)),
    )
    for i, value in enumerate(values):
        row = axes[0, i : i + 1] if one_row else axes[i]
        draw(row, compute(**{**fixed, param: value}))
        title = row[0].get_title()
        row[0].set_title(label(value) + (f" · {title}" if title else ""), fontsize=9)
    return fig


def sweep_values(control: widgets.Widget, n: int) -> list[Any]:
    """n settings spread over a control's range (log-spaced for log sliders), each one the
    slider can take: on its grid of steps from its minimum, as a learner's drag sets them."""
    if isinstance(control, widgets.Dropdown):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [options[i % len(options)] for i in range(n)]
    if isinstance(control, widgets.FloatLogSlider):  # exponents on the slider's step grid
        exponents = np.linspace(control.min, control.max, n)
        exponents = control.min + np.round((exponents - control.min) / control.step) * control.step
        return list(control.base**exponents)
    values = np.linspace(control.min, control.max, n)
    if isinstance(control, widgets.IntSlider):
        return [int(round(v)) for v in values]
    on_grid = control.min + np.round((values - control.min) / control.step) * control.step
    return [round(float(v), 10) for v in np.minimum(on_grid, control.max)]


def benchmark(n: int = 20) -> dict[str, float]:
    """Median wall time (ms) of one update, compute + redraw, for every control of every
    InteractiveFigure in this kernel, moving each control over n settings across its range.

    Keys are "<compute function name>.<control name>". Used by `make bench`.
    """
    medians = {}
    for app in list(_FIGURES):
        start_values = app.values()
        for name, control in app.controls.items():
            times = []
            for value in sweep_values(control, n):
                start = time.perf_counter()
                app.set(**{name: value})
                times.append(1000 * (time.perf_counter() - start))
            medians[f"{app.compute.__name__}.{name}"] = statistics.median(times)
            app.set(**{name: start_values[name]})
    return medians
