"""InteractiveFigure: one reused figure, a readout, graceful failure, and timing."""

import ipywidgets
import numpy as np
import pytest
from course_figures import FIGURES

from course_utils import widgets


def compute(a, kind="line"):
    if a == 0:
        raise ValueError("a must not be 0")
    return {"x": np.arange(5), "y": a * np.arange(5), "kind": kind}


def draw(axes, result):
    (ax,) = axes
    ax.plot(result["x"], result["y"])


def readout(result):
    return f"last y = {result['y'][-1]:.1f} ({result['kind']})"


def make():
    controls = {
        "a": widgets.slider("a", -2, 2, 0.5, 1.0),
        "kind": widgets.dropdown("kind", ["line", "other"]),
    }
    return widgets.InteractiveFigure(compute, draw, controls, readout)


def test_initial_draw_and_readout():
    app = make()
    assert app.updates == 1
    assert app.readout_text == "last y = 4.0 (line)"
    assert "course-readout" in app.readout_widget._dom_classes
    assert app.png.startswith(b"\x89PNG")


def test_moving_a_control_redraws_the_same_figure():
    app = make()
    figure = app.figure
    app.set(a=2.0)
    assert app.readout_text == "last y = 8.0 (line)"
    app.set(kind="other")
    assert app.readout_text.endswith("(other)")
    assert app.figure is figure and app.updates == 3
    assert len(app.axes[0].lines) == 1  # cleared before each redraw


def test_setting_the_same_value_still_redraws():
    app = make()
    app.set(a=1.0)
    assert app.updates == 2


def test_a_failing_compute_keeps_the_last_figure_and_says_why():
    app = make()
    app.set(a=0.0)
    assert app.readout_text.startswith("⚠ cannot compute at this setting: a must not be 0")
    assert app.result["y"][-1] == 4.0


def test_unknown_control_is_a_clear_error():
    app = make()
    try:
        app.set(b=1)
    except KeyError as error:
        assert "controls: ['a', 'kind']" in str(error)
    else:
        raise AssertionError("expected KeyError")


def test_static_sweep_draws_each_setting():
    fig = widgets.static_sweep(compute, draw, "a", [1, 2], {"kind": "line"})
    assert [ax.get_title(loc="center") for ax in fig.axes] == ["a = 1", "a = 2"]


def test_sweep_values_cover_each_kind_of_control():
    assert widgets.sweep_values(widgets.slider("i", 0, 10, 1, 5, integer=True), 3) == [0, 5, 10]
    log = widgets.sweep_values(widgets.log_slider("l", -2, 2, 1.0), 3)
    assert np.allclose(log, [0.01, 1, 100])
    on_grid = widgets.sweep_values(widgets.log_slider("w", 0, 9, 1.0, step=1, base=2), 3)
    assert on_grid == [1, 16, 512]  # not 2**4.5: only values the slider can take
    assert widgets.sweep_values(widgets.dropdown("d", ["p", "q"]), 3) == ["p", "q", "p"]
    # a float slider's settings lie on its grid of steps, as a drag sets them
    assert widgets.sweep_values(widgets.slider("f", 0.1, 1.5, 0.05, 0.9), 4) == [
        0.1, 0.55, 1.05, 1.5,
    ]  # fmt: skip


def test_benchmark_times_every_control_and_restores_values():
    app = make()
    medians = widgets.benchmark(n=4)
    assert {"compute.a", "compute.kind"} <= set(medians)
    assert all(ms > 0 for ms in medians.values())
    assert app.values() == {"a": 1.0, "kind": "line"}


def test_controls_are_ipywidgets():
    assert isinstance(make().widget, ipywidgets.VBox)


def test_prepare_draws_every_option_of_a_menu_once():
    def draw(axes, word):
        axes[0].set_xticks([0.5], [word])  # each option its own tick label: its own frame

    words = ["cat", "mat", "sat", "hat"]
    app = widgets.InteractiveFigure(
        lambda word: word, draw, {"word": widgets.dropdown("word", words, "sat")}, str
    )
    app.prepare("word")
    draws = app.blitter.full_draws
    assert app.values() == {"word": "sat"} and app.readout_text == "sat"  # back where it was
    for word in [*words, *words]:
        app.set(word=word)
    assert app.blitter.full_draws == draws  # every pick drew its data only
    with pytest.raises(ValueError, match="not a menu"):
        make().prepare("a")


def test_layout_at_leaves_room_for_the_widest_labels():
    def draw(axes, n):
        axes[0].set_yticks([0.5], ["y" * n])  # a tick label n characters wide

    def build(layout_at=None):
        app = widgets.InteractiveFigure(
            lambda n: n, draw, {"n": widgets.slider("n", 1, 40, 1, 1, integer=True)},
            str, layout_at=layout_at,
        )  # fmt: skip
        return app.axes[0].get_position().x0

    narrow, wide = build(), build({"n": 40})
    assert wide > narrow + 0.05  # the axes start further right: room for the long label


@pytest.mark.parametrize("name", list(FIGURES))
def test_no_setting_pushes_a_text_out_of_the_figure(name):
    """Laid out once (`layout_at`), every interactive figure keeps its tick labels, axis
    labels, titles and legends inside the figure at settings across each control's range."""
    app = FIGURES[name]()
    for control_name, control in app.controls.items():
        for value in widgets.sweep_values(control, 5):
            app.set(**{control_name: value})
            renderer = app.figure.canvas.get_renderer()
            for ax in app.figure.axes:
                texts = [ax.xaxis.label, ax.yaxis.label, ax.title, *ax.texts]
                for axis in (ax.xaxis, ax.yaxis) if ax.axison else ():  # the labels drawn
                    low, high = sorted(axis.get_view_interval())
                    labels = zip(axis.get_ticklocs(), axis.get_ticklabels(), strict=True)
                    texts += [label for loc, label in labels if low <= loc <= high]
                if ax.get_legend() is not None:
                    texts.append(ax.get_legend())
                shown = [t for t in texts if t.get_visible() and getattr(t, "get_text", str)()]
                for text in shown:
                    box, figure = text.get_window_extent(renderer), app.figure.bbox
                    inside = box.x0 >= 0 and box.y0 >= 0
                    inside = inside and box.x1 <= figure.x1 and box.y1 <= figure.y1
                    assert inside, (name, control_name, value, str(text)[:60], box.bounds)
