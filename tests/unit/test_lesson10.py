"""Lesson 10: every number the lesson states, its checkers, and its slider (headless).

The numbers are what course_utils measures with the lesson's seeds (noted as "measured");
the assertions allow a margin around them. Wall-clock timings are asserted only as slopes and
ratios, under the timing marker.
"""

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings

from course_utils import attention, complexity, plots
from course_utils import attention_beyond_text as beyond
from course_utils import efficient_attention as efficient
from course_utils.checks import Status
from course_utils.exercises import lesson10 as ex
from course_utils.lessons import lesson10

# --- cost ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def memory():
    """The lesson's cost measurement, without the clock."""
    return complexity.measure_costs(timing=False)


def test_memory_numbers_quoted_in_the_text(memory):
    c = memory
    assert c.lengths.tolist() == [256, 512, 1024, 2048]
    peak = c.peak_bytes
    assert peak["full"][-1] / peak["full"][-2] == pytest.approx(3.99, abs=0.01)  # "x 3.99"
    slopes = {name: complexity.loglog_slope(c.lengths, values) for name, values in peak.items()}
    assert slopes["full"] == pytest.approx(2.00, abs=0.01)
    assert peak["full"][-1] / 1e6 == pytest.approx(101, abs=1)  # "about 101 MB"
    assert round(peak["full"][-1] / (8 * 2048**2), 1) == 3.0  # "three n x n matrices"
    assert round(slopes["local (banded)"], 1) == 1.0 and round(slopes["linear"], 1) == 1.0
    assert round(slopes["strided"], 1) == 1.3
    # "a sparse pattern written as a mask saves nothing"
    assert peak["local, dense mask"][-1] >= peak["full"][-1] * 0.99
    assert peak["local (banded)"][-1] < peak["full"][-1] / 5


def test_score_matrix_at_65536_tokens():
    assert 4 * 65_536**2 / 2**30 == 16.0  # "16 GiB"


@pytest.mark.timing
def test_time_slopes_full_quadratic_banded_and_linear_not():
    runs = [complexity.measure_costs(repeats=5) for _ in range(3)]
    c = runs[0]
    t = {k: np.min([r.seconds[k] for r in runs], axis=0) for k in c.seconds}  # least disturbed
    assert complexity.loglog_slope(c.lengths, t["full"]) > 1.4
    assert complexity.loglog_slope(c.lengths, t["local (banded)"]) < 1.5
    assert complexity.loglog_slope(c.lengths, t["linear"]) < 1.5
    assert t["full"][-1] > 5 * t["linear"][-1] and t["full"][-1] > 5 * t["local (banded)"][-1]
    assert t["local, dense mask"][-1] > 0.5 * t["full"][-1]  # the mask saves no time


def test_cost_figure_is_labelled(memory):
    fig = lesson10.cost_figure(memory._replace(
        seconds={k: np.arange(1.0, 5.0) for k in lesson10.VARIANT_COLOURS}))  # fmt: skip
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_yscale() == "log"
    assert "slope 2.0" in fig.axes[1].get_legend().get_texts()[0].get_text()


# --- sparse patterns -----------------------------------------------------------------------------


def test_two_hop_numbers():
    """The lesson's cell at n = 1024, stride 32."""
    n, causal_pairs = 1024, 1024 * 1025 / 2
    strided, local = efficient.strided_mask(n, 32), efficient.local_attention_mask(n, 32)
    assert strided.sum() / n == pytest.approx(47.0, abs=0.05)  # "47 keys per query"
    assert round(strided.sum() / causal_pairs, 3) == 0.092  # "9.2 %"
    assert efficient.two_hop_reach(strided) == 1.0  # "100 %"
    assert round(local.sum() / causal_pairs, 3) == 0.061  # "6.1 %"
    assert round(efficient.two_hop_reach(local), 3) == 0.119  # "11.9 %"


def test_pattern_figure():
    masks = {
        "full causal": attention.causal_mask(64),
        "local": efficient.local_attention_mask(64, 8),
    }
    fig = lesson10.pattern_figure(masks)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "full causal\n100% of the causal entries"


# --- linear attention ----------------------------------------------------------------------------


def test_linear_forms_agree_below_1e_15():
    """The lesson's cells: the quadratic order, the recurrence, the masked and chunked forms."""
    Q, K, V = efficient.attention_inputs(256, 16)
    A = efficient.elu_plus_one(Q) @ efficient.elu_plus_one(K).T
    quadratic = (A @ V) / A.sum(axis=1, keepdims=True)
    state = efficient.LinearState(S=np.zeros((16, 16)), z=np.zeros(16))
    recurrent = np.empty_like(V)
    for t in range(len(V)):
        state, recurrent[t] = efficient.linear_attention_step(state, Q[t], K[t], V[t])
    causal = A * attention.causal_mask(len(A))
    parallel = (causal @ V) / causal.sum(axis=1, keepdims=True)
    chunked = efficient.linear_attention_chunked(Q, K, V, chunk=32)
    for difference in (
        quadratic - efficient.linear_attention(Q, K, V),
        recurrent - parallel,
        chunked - parallel,
    ):
        assert np.abs(difference).max() < 1e-15  # "below 1e-15"
    assert (A > 0).all()


# --- error against full attention ----------------------------------------------------------------


def errors(locality: float, n: int = 1024, window: int = 32):
    """The lesson's cell: (kept weight, relative error) of each variant against full causal
    attention (linear: no mask, its kept weight NaN)."""
    Q, K, V = efficient.attention_inputs(n, 64, locality)
    full = attention.scaled_dot_product_attention(Q, K, V, attention.causal_mask(n))
    variants = {
        "local": (efficient.local_attention_mask(n, window),
                  efficient.local_attention(Q, K, V, window)),
        "strided": (efficient.strided_mask(n, window),
                    efficient.strided_attention(Q, K, V, window)),
    }  # fmt: skip
    kept = {k: efficient.kept_mass(full.weights, mask).mean() for k, (mask, _) in variants.items()}
    error = {k: efficient.relative_error(out, full.output) for k, (_, out) in variants.items()}
    error["linear"] = efficient.relative_error(
        efficient.linear_attention_chunked(Q, K, V), full.output
    )
    return kept, error


def test_error_numbers_quoted_in_the_text():
    (rand_kept, rand), (local_kept, local) = errors(0.0), errors(16.0)
    assert round(rand_kept["local"], 2) == 0.14 and round(rand_kept["strided"], 2) == 0.17
    assert round(rand["local"], 2) == 2.13 and round(rand["strided"], 2) == 1.76
    assert round(local_kept["local"], 2) == 0.90 and round(local_kept["strided"], 2) == 0.91
    assert round(local["local"], 2) == 0.16 and round(local["strided"], 2) == 0.15
    assert round(rand["linear"], 2) == 0.70 and round(local["linear"], 2) == 0.99
    # the explanation: more weight kept, less error
    assert local["local"] < rand["local"] / 10


def test_inputs_figure_shows_local_inputs_peaked_near_the_diagonal():
    rand, local = lesson10.weights_by_distance(0.0), lesson10.weights_by_distance(16.0)
    assert local[0] > 10 * rand[0] and local[-1] < rand[-1]
    ax = lesson10.inputs_figure({"random": rand, "mostly local": local}).axes[0]
    assert ax.get_title() and ax.get_yscale() == "log"


def test_tradeoff_slider_default_and_moving():
    app = lesson10.tradeoff_slider()
    assert app.readout_text == (
        "window 32 (entries kept: local 12%, strided 15%). local: keeps 24% of the weight, "
        "error 1.44; strided: keeps 26% of the weight, error 1.28; linear: error 0.70"
    )
    first = app.png
    app.set(inputs="mostly local")
    assert "linear: error 0.98" in app.readout_text
    assert app.result.error["local"] < 0.3
    assert app.png != first


def test_tradeoff_slider_extremes_without_warnings():
    app = lesson10.tradeoff_slider()
    with no_warnings():
        for inputs in lesson10.INPUTS:
            for window in (1, 2**lesson10.WINDOW_EXP_MAX):
                fresh = lesson10._tradeoff.__wrapped__(
                    window, inputs
                )  # computed, not from the cache
                assert all(np.isfinite(e) for e in fresh.error.values())
                app.set(window=window, inputs=inputs)
                assert app.result.window == window
                assert app.result.error == fresh.error
    assert app.result.error["local"] < 1e-12  # a window of 512 = everything: exact
    app.set(window=1, inputs="random")
    assert app.result.error["strided"] < 1e-12  # stride 1 = every key
    with pytest.raises(ValueError, match="at least 1"):
        lesson10.tradeoff(0.2)


def test_tradeoff_is_cached_per_window_and_inputs():
    assert lesson10.tradeoff(16.4, "random") is lesson10.tradeoff(
        16, "random"
    )  # rounded, then cached
    assert lesson10.tradeoff(16, "mostly local") is not lesson10.tradeoff(16, "random")
    lesson10.tradeoff_slider()  # drawing the error curves computes every window the slider offers
    cached = lesson10._tradeoff.cache_info().currsize
    for exponent in range(lesson10.WINDOW_EXP_MAX + 1):
        lesson10.tradeoff(2**exponent, "random")
    assert lesson10._tradeoff.cache_info().currsize == cached


def test_tradeoff_equals_the_banded_computation():
    res = lesson10.tradeoff(16, "random")
    Q, K, V = efficient.attention_inputs(lesson10.SLIDER_N, 64, 0.0, 0)
    full = attention.scaled_dot_product_attention(Q, K, V, attention.causal_mask(lesson10.SLIDER_N))
    banded = efficient.local_attention(Q, K, V, 16)
    assert res.error["local"] == pytest.approx(efficient.relative_error(banded, full.output))


def test_tradeoff_sweep_rows():
    fig = lesson10.tradeoff_sweep()
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title().startswith("window 8")
    for ax in fig.axes:
        plots.png_bytes(fig)
        assert ax.get_xlabel() and ax.get_ylabel()


# --- beyond text ---------------------------------------------------------------------------------


@pytest.mark.training
@pytest.mark.parametrize("seed", [1, 2])
def test_vision_above_90_percent_in_other_seeds(seed):
    """ "in six seeds, with both of torch's kernel settings, it scored above 90 %" (measured
    0.911-0.934); seed 0 is the live run, tested below."""
    assert beyond.train(beyond.make_vit(seed), "vision").accuracy > 0.9


@pytest.mark.training
def test_vision_numbers():
    vit = beyond.train(beyond.make_vit(seed=0), "vision")  # the lesson's live run
    assert vit.accuracy > 0.9  # chance 25 %
    images, labels, predicted, weights = lesson10.vision_examples(vit.model)
    assert images.shape == (4, 16, 16) and weights.shape == (4, 16)
    np.testing.assert_array_equal(predicted, labels)  # the four shown are classified right
    np.testing.assert_allclose(weights.sum(1), 1.0, rtol=1e-5)
    fig = lesson10.vision_figure(vit.model)
    assert len(fig.axes) == 8 and all(ax.get_title() for ax in fig.axes)


@pytest.fixture(scope="module")
def attentive():
    """The lesson's live attention recommender (seed 0)."""
    return beyond.train(beyond.make_recommender(seed=0), "recommend")


@pytest.mark.training
def test_recommendation_numbers(attentive):
    """ "a hit rate above 99 % where the order-blind average stays near 40 %": measured over
    seeds 0-5 on both kernel settings, attention 0.999-1.0, average 0.398-0.43, weight on the
    deciding purchase 0.71-0.74 (seed 1 is tested in test_attention_beyond_text.py)."""
    averaging = beyond.train(beyond.make_recommender(seed=0, uniform=True), "recommend")
    assert attentive.accuracy > 0.99 and 0.3 < averaging.accuracy < 0.5
    assert beyond.popularity_hit_rate() == pytest.approx(0.115, abs=1e-9)  # no training
    assert beyond.weight_on_deciding_item(attentive.model) > 0.5


@pytest.mark.training
def test_recommend_figure_shows_the_median_user(attentive):
    items, target, position, predicted, weights = lesson10.typical_user(attentive.model)
    assert items[position] < 10 and target == items[position] + 10 and predicted == target
    assert weights.argmax() == position
    rates = {"attention": 1.0, "average of history": 0.4, "most popular": 0.1}
    fig = lesson10.recommend_figure(rates, attentive.model)
    assert all(ax.get_title() for ax in fig.axes)
    assert lesson10.item_name(3) == "main 3" and lesson10.item_name(13) == "acc. 3"
    assert lesson10.item_name(25) == "daily 25"


# --- exercise 1: the window mask -----------------------------------------------------------------


def test_window_checker_accepts_right_answers():
    def as_ints(n, window):
        offset = np.subtract.outer(np.arange(n), np.arange(n))
        return ((offset >= 0) & (offset < window)).astype(int)

    def by_loops(n, window):
        return np.array([[0 <= i - j < window for j in range(n)] for i in range(n)])

    for fn in (ex.reference_window_mask, as_ints, by_loops):
        assert ex.check_window_mask(fn).passed


def test_window_checker_catches_each_mistake():
    for mistake in ex.WINDOW_MISTAKES:
        result = ex.check_window_mask(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message


def test_window_checker_describes_a_wrong_mask_in_queries_and_keys():
    message = ex.check_window_mask(ex.WINDOW_MISTAKES[0].fn).message  # window + 1 keys
    assert message.startswith("For n = 7, window = 3:")
    assert "4 entries are allowed (True) where they should be masked" in message
    assert "query i = 3, key j = 0 (i - j = 3)" in message
    assert "1 1 1 1 . . ." in message  # the learner's row 3, drawn as a grid
    assert "rel error" not in message and "Max abs error" not in message


def test_window_checker_rejects_an_additive_mask_clearly():
    def additive(n, window):
        return np.where(ex.reference_window_mask(n, window), 0.0, -np.inf)

    result = ex.check_window_mask(additive)
    assert result.status is Status.WRONG_VALUES
    assert "yours holds -inf" in result.message and "boolean mask" in result.message


def test_window_mistakes_differ_on_the_first_case():
    assert_all_different(ex.reference_window_mask, ex.WINDOW_MISTAKES, ex.WINDOW_CASES[0])


def test_window_checker_not_attempted_and_errors():
    def stub(n, window):
        raise NotImplementedError

    assert ex.check_window_mask(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_window_mask(...).status is Status.NOT_ATTEMPTED
    assert ex.check_window_mask(lambda n, w: 1 / 0).status is Status.ERROR
    assert ex.check_window_mask(lambda n, w: np.ones((n, n + 1))).status is Status.WRONG_SHAPE
    assert ex.check_window_mask(lambda n, w: "mask").status is Status.WRONG_TYPE


# --- exercise 2: linear attention ----------------------------------------------------------------


def test_linear_checker_accepts_right_answers():
    def quadratic(Q, K, V):
        A = efficient.elu_plus_one(Q) @ efficient.elu_plus_one(K).T
        return (A / A.sum(1, keepdims=True)) @ V

    assert ex.check_linear_attention(ex.reference_linear_attention).passed
    result = ex.check_linear_attention(quadratic)  # right values, the n x n order
    assert result.status is Status.WRONG_METHOD and "(n, n)" in result.message


def test_linear_checker_catches_each_mistake():
    for mistake in ex.LINEAR_MISTAKES:
        result = ex.check_linear_attention(mistake.fn)
        assert not result.passed
        assert mistake.hint in result.message, mistake.hint


def test_linear_mistakes_differ_on_the_first_case():
    with np.errstate(all="ignore"):
        assert_all_different(ex.reference_linear_attention, ex.LINEAR_MISTAKES,
                             ex.LINEAR_CASES[0])  # fmt: skip


def test_linear_cases_are_built_for_the_mistakes():
    Q, K, V = ex.LINEAR_CASES[0]
    assert Q.shape[0] == K.shape[1]  # phi(K) @ V runs: the missing transpose gives values
    assert (Q < 0).any() and (Q > 0).any()  # relu and identity differ from elu + 1
    with pytest.raises(ValueError):
        ex.LINEAR_MISTAKES[5].fn(*ex.LINEAR_CASES[1])  # and fails loudly on the second case


def test_linear_checker_not_attempted():
    def stub(Q, K, V):
        raise NotImplementedError

    assert ex.check_linear_attention(stub).status is Status.NOT_ATTEMPTED


# --- exercise 3: patchify ------------------------------------------------------------------------


def test_patchify_checker():
    def by_loops(image, p):
        H, W = image.shape
        return np.array([image[r : r + p, c : c + p].ravel()
                         for r in range(0, H, p) for c in range(0, W, p)])  # fmt: skip

    assert ex.check_patchify(ex.reference_patchify).passed
    assert ex.check_patchify(by_loops).passed
    for mistake in ex.PATCH_MISTAKES:
        result = ex.check_patchify(mistake.fn)
        assert not result.passed and mistake.hint in result.message


def test_patch_mistakes_differ_on_the_first_case():
    assert_all_different(ex.reference_patchify, ex.PATCH_MISTAKES, ex.PATCH_CASES[0])


def test_patchify_checker_not_attempted():
    def stub(image, p):
        raise NotImplementedError

    assert ex.check_patchify(stub).status is Status.NOT_ATTEMPTED
