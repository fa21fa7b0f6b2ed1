"""Environment checks flag the known-bad combinations, each with a fix."""

import pytest

from course_utils import env

GOOD = {
    "numpy": "2.0.2",
    "matplotlib": "3.10.0",
    "ipywidgets": "8.1.5",
    "torch": "2.5.1+cpu",
    "jupyterlab_widgets": "3.0.13",
}


def test_good_environment_has_no_problems():
    assert env.find_problems(GOOD, colab=False) == []


def test_old_ipywidgets_is_flagged():
    problems = env.find_problems({**GOOD, "ipywidgets": "7.6.5"}, colab=False)
    assert len(problems) == 1 and "older than 7.7" in problems[0].what


def test_colab_ipywidgets_7_7_is_fine():
    assert (
        env.find_problems({**GOOD, "ipywidgets": "7.7.1", "jupyterlab_widgets": None}, colab=True)
        == []
    )


def test_missing_torch_points_to_the_cpu_wheel():
    (problem,) = env.find_problems({**GOOD, "torch": None}, colab=False)
    assert "torch is missing" in problem.what and "whl/cpu" in problem.fix


def test_missing_jupyterlab_widgets_with_ipywidgets_8_is_flagged_outside_colab():
    versions = {**GOOD, "jupyterlab_widgets": None}
    (problem,) = env.find_problems(versions, colab=False)
    assert "jupyterlab_widgets" in problem.what
    assert env.find_problems(versions, colab=True) == []


def test_check_environment_prints_versions(capsys):
    problems = env.check_environment()
    out = capsys.readouterr().out
    assert "numpy" in out and "torch" in out
    assert problems == [] and "Everything the course needs is here" in out


def test_require_gives_a_clear_message():
    with pytest.raises(ImportError, match="no_such_package_x is needed for testing"):
        env.require("no_such_package_x", "testing")


def test_show_source_returns_the_code_of_a_function():
    from course_utils.chain import steps_to_shrink
    from course_utils.display import show_source

    assert "def steps_to_shrink" in show_source(steps_to_shrink).data
