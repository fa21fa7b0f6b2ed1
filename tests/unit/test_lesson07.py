"""Lesson 07: every number the lesson states, its checkers, and its sliders (headless).

The numbers are what course_utils measures with the lesson's seeds (noted as "measured");
the assertions allow a margin around them.
"""

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings

from course_utils import attention, gradient_vs_distance, plots
from course_utils.checks import Status
from course_utils.exercises import lesson07 as ex
from course_utils.lessons import lesson07

# --- the hand-set sentence and the build-up ---------------------------------------------------


def build_up():
    """The lesson's steps 1-3, as its cells compute them."""
    tokens, X = lesson07.embed(lesson07.SENTENCE)
    S = X @ X.T
    A = attention.softmax(S)
    return tokens, X, S, A, A @ X


def test_build_up_numbers():
    tokens, X, S, A, Y = build_up()
    assert tokens == ["the", "cat", "sat", "on", "the", "mat"]
    assert X.shape == (6, len(lesson07.EMBEDDING_FEATURES))
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.diag(S), 2.0)  # "1 + 1 = 2"
    assert S[0, 4] == pytest.approx(0.0, abs=1e-12)  # the two "the"s: 0
    assert np.all(S <= np.diag(S)[:, None] + 1e-12)  # most similar to itself
    assert np.mean(np.diag(A)) == pytest.approx(0.55, abs=0.005)  # printed 0.55
    w = A[2]
    assert w[2] == pytest.approx(0.53, abs=0.005)  # "about half its own embedding"
    assert w[1] == pytest.approx(w[3])  # cat and on: equal weights
    assert w[1] > w[0] and w[3] > w[4]  # mostly from its two neighbours
    out = Y[2]
    assert out[1] > 0 and out[3] > 0 and out[0] > 0  # noun, prep and det crept in


def test_the_cells_queries_and_keys_are_the_hand_set_attention():
    tokens, X = lesson07.embed()
    W_q, W_k = lesson07.projections()
    Q, K = X @ W_q, X @ W_k
    A_qk = attention.softmax(Q @ K.T / np.sqrt(K.shape[1]))
    hand_set = lesson07.hand_set_attention()
    np.testing.assert_array_equal(A_qk, hand_set.weights)
    np.testing.assert_array_equal(Q, hand_set.Q)
    np.testing.assert_array_equal(K, hand_set.K)
    assert W_q.shape == W_k.shape == (6, 4)


def test_hand_set_sentence_quoted_weights():
    w = lesson07.hand_set_attention().weights
    assert w.shape == (6, 6)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-15)
    assert round(w[2, 1], 2) == 0.40 and round(w[2, 5], 2) == 0.40  # sat -> cat, mat
    assert w[2, 1] == pytest.approx(w[2, 5])
    assert round(w[0, 1], 2) == 0.89  # first "the" -> cat
    assert round(w[4, 5], 2) == 0.91  # second "the" -> mat
    assert round(w[3, 5], 2) == 0.79  # on -> mat
    assert round(w[1, 2], 2) == 0.92  # cat -> sat
    assert lesson07.word_labels(lesson07.hand_set_attention().tokens) == [
        "the (0)",
        "cat",
        "sat",
        "on",
        "the (4)",
        "mat",
    ]


def test_order_blind_without_positions():
    blind = lesson07.hand_set_attention(position_gain=0.0).weights
    np.testing.assert_array_equal(blind[0], blind[4])  # the two "the" cannot be told apart
    assert np.abs(blind[0] - blind[4]).max() == 0.0
    assert blind[0, 1] == pytest.approx(blind[0, 5])
    w = lesson07.hand_set_attention().weights
    assert round(float(np.abs(w[0] - w[4]).max()), 2) == 0.86  # "with positions: 0.86"


def test_hand_set_sentence_other_sentences_and_errors():
    other = lesson07.hand_set_attention("A dog slept under my bed")
    assert other.weights[0].argmax() == 1
    assert other.weights[2, 1] == pytest.approx(other.weights[2, 5])
    assert "cat" in lesson07.WORDS["noun"]
    with pytest.raises(ValueError, match="lexicon"):
        lesson07.embed("The cat ate the fish")
    with pytest.raises(ValueError, match="repeat"):
        lesson07.embed("the cat sat on the mat on the rug")


# --- PyTorch and multi-head ------------------------------------------------------------------


def test_torch_check_agrees_to_round_off():
    diffs = lesson07.torch_check()
    assert len(diffs) == 7
    assert max(diffs.values()) < 1e-12  # "all below 1e-12"; measured <= 5.6e-16
    assert all(d < 1e-14 for d in diffs.values())  # "about 1e-16"


def test_head_shapes():
    heads = attention.split_heads(np.zeros((6, 512)), 8)
    assert heads.shape == (8, 6, 64)
    assert attention.merge_heads(heads).shape == (6, 512)


# --- sqrt(d_k) -------------------------------------------------------------------------------


def test_variance_of_q_dot_k_is_d_k():
    for d_k in (1, 4, 16, 64, 256, 1024, 4096):  # the lesson's table
        raw, scaled = lesson07.score_variances(d_k)
        assert raw == pytest.approx(d_k, rel=0.03)  # "grows like d_k"
        assert scaled == pytest.approx(1.0, abs=0.03)  # "stays at 1 (2 % sampling error)"
        assert scaled == pytest.approx(raw / d_k, rel=1e-12)


def test_saturation_quoted_numbers():
    t = {(d, s): lesson07.softmax_saturation(d, s) for d in (4, 64, 512, 4096) for s in (0, 1)}
    u, s = t[512, False], t[512, True]
    assert u.score_std == pytest.approx(22.6, abs=0.05)
    assert u.one_hot_fraction == pytest.approx(0.685, abs=1e-9)
    assert round(u.entropy_fraction, 2) == 0.04
    assert u.median_jacobian_norm == pytest.approx(1.3e-4, rel=0.05)
    assert round(s.score_std, 1) == 1.0
    assert s.one_hot_fraction == 0.0
    assert round(s.entropy_fraction, 2) == 0.85
    assert round(s.median_jacobian_norm, 2) == 0.31
    assert s.median_jacobian_norm / u.median_jacobian_norm > 1000  # "more than a thousand"
    for d_k in (4, 64, 4096):
        assert t[d_k, True].one_hot_fraction == 0.0
    assert t[4096, False].median_jacobian_norm < 1e-10  # printed 2.6e-11


def test_saturation_slider_default_and_moving():
    app = lesson07.saturation_slider()
    assert app.readout_text == (
        "d_k = 512, unscaled: logit std 22.6; 68% of rows nearly one-hot (max weight > 0.99); "
        "entropy 4% of log 16; median softmax-Jacobian norm 1.3e-04"
    )
    first = app.png
    app.set(scaled=True)
    assert app.readout_text.startswith("d_k = 512, scaled: logit std 1.0; 0% of rows")
    assert app.png != first
    app.set(d_k=8)
    assert app.readout_text.startswith("d_k = 8, scaled")


def test_saturation_slider_extremes_without_warnings():
    app = lesson07.saturation_slider()
    with no_warnings():
        for d_k in (1, 2**lesson07.D_K_EXP_MAX):
            for scaled in (False, True):
                app.set(d_k=d_k, scaled=scaled)
                assert app.result.d_k == d_k
                assert np.all(np.isfinite(app.result.weights))
    assert app.readout_text.startswith("d_k = 4096, scaled")


def test_saturation_sweep_rows():
    fig = lesson07.saturation_sweep()
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title().startswith("d_k = 4, unscaled")


# --- why sqrt(d_k): the measurements ----------------------------------------------------------


@pytest.mark.parametrize("d_k", [1, 16, 64, 256])
def test_score_variances_are_d_k_and_1(d_k):
    n = 10_000
    standard_error = np.sqrt((2 * d_k**2 + 6 * d_k) / n)
    raw, scaled = lesson07.score_variances(d_k, n, seed=0)
    assert abs(raw - d_k) < 4 * standard_error
    assert scaled == pytest.approx(raw / d_k)


def test_unscaled_softmax_saturates_and_scaled_does_not():
    with no_warnings():
        unscaled = lesson07.softmax_saturation(512, scaled=False, seed=0)
        scaled = lesson07.softmax_saturation(512, scaled=True, seed=0)
        lesson07.softmax_saturation(
            4096, scaled=False, seed=0
        )  # no warning at the slider's far end
    # measured (200 queries x 16 keys, seed 0): 0.685 one-hot, entropy 0.12 nats = 4 % of log 16
    assert 0.6 < unscaled.one_hot_fraction < 0.8
    assert unscaled.entropy_fraction < 0.08 and unscaled.mean_max_weight > 0.9
    assert scaled.one_hot_fraction == 0.0
    assert 0.8 < scaled.entropy_fraction < 0.9 and scaled.mean_max_weight < 0.3
    assert 20 < unscaled.score_std < 25 and 0.9 < scaled.score_std < 1.1
    # the gradient: median ||J|| 1.3e-4 unscaled vs 0.31 scaled
    assert unscaled.median_jacobian_norm < 1e-3 < 0.25 < scaled.median_jacobian_norm
    assert unscaled.jacobian_norm < scaled.jacobian_norm / 3
    assert unscaled.weights.shape == (200, 16)


def test_saturation_grows_with_d_k_only_when_unscaled():
    unscaled = [
        lesson07.softmax_saturation(d, False).entropy_fraction for d in (4, 16, 64, 256, 1024)
    ]
    scaled = [lesson07.softmax_saturation(d, True).entropy_fraction for d in (4, 16, 64, 256, 1024)]
    assert np.all(np.diff(unscaled) < 0)
    assert max(scaled) - min(scaled) < 0.08
    # d_k = 1: sqrt(1) = 1, the two settings see the same vectors and coincide
    np.testing.assert_array_equal(
        lesson07.softmax_saturation(1, True).weights, lesson07.softmax_saturation(1, False).weights
    )


def test_softmax_jacobian_norms():
    p = attention.softmax(np.random.default_rng(0).standard_normal((5, 7)))
    explicit = [np.linalg.norm(np.diag(row) - np.outer(row, row)) for row in p]
    np.testing.assert_allclose(lesson07.softmax_jacobian_norms(p), explicit, rtol=1e-13)
    nearly_one_hot = attention.softmax(np.array([0.0, -40.0, -40.0]))  # others ~ 4e-18
    norm = lesson07.softmax_jacobian_norms(nearly_one_hot)
    assert 0 < norm == pytest.approx(np.sqrt(6) * np.exp(-40), rel=1e-6)
    assert lesson07.softmax_jacobian_norms(np.array([1.0, 0.0])) == 0.0


# --- the word slider -------------------------------------------------------------------------


def test_word_slider_default_and_moving():
    app = lesson07.word_slider()
    assert app.readout_text == "'sat' (with positions) attends to: cat 0.40, mat 0.40, on 0.09"
    first = app.png
    app.set(word=0)
    assert app.readout_text.startswith("'the (0)' (with positions) attends to: cat 0.89")
    assert app.png != first
    app.set(word=4, position_gain=0.0)
    assert "positions OFF" in app.readout_text
    np.testing.assert_allclose(app.result.sentence.weights[4], app.result.sentence.weights[0])


def test_word_slider_every_setting_without_warnings():
    app = lesson07.word_slider()
    with no_warnings():
        for gain in (1.5, 0.0):
            for word in range(6):
                res = lesson07.word_attention(word, gain)
                assert lesson07.readout_word(res).startswith("'")
                for ax in app.axes:
                    plots.clear_artists(ax)
                lesson07.draw_word(app.axes, res)
                assert plots.png_bytes(app.figure)


def test_word_sweep_and_matrix_figures():
    fig = lesson07.word_sweep()
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title().startswith("'sat'")
    hand_set = lesson07.hand_set_attention()
    ax = lesson07.sentence_matrix_figure(hand_set.weights, hand_set.tokens).axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


# --- masking ---------------------------------------------------------------------------------


def masking():
    """The lesson's masking cells: the mask, the weights masked before the softmax, and zeroed
    after it."""
    hand_set = lesson07.hand_set_attention()
    mask = attention.causal_mask(6)
    scores = hand_set.Q @ hand_set.K.T / np.sqrt(4)
    masked = attention.softmax(np.where(mask, scores, -np.inf))
    return hand_set.weights, mask, masked, hand_set.weights * mask


def test_masking_numbers():
    unmasked, mask, masked, zeroed_after = masking()
    future = (unmasked * ~mask).sum(axis=1)
    assert round(future[0], 2) == 0.97  # the first "the"
    assert future[-1] == 0.0  # "mat" has no future
    assert masked[~mask].max() == 0.0
    np.testing.assert_allclose(masked.sum(axis=1), 1.0, rtol=1e-12)
    sums = zeroed_after.sum(axis=1)
    assert np.all(sums[:-1] < 0.5) and sums[-1] == pytest.approx(1.0)
    renormalised = zeroed_after / sums[:, None]
    assert np.abs(renormalised - masked).max() < 1e-15  # "exactly right"


def test_future_leak():
    leak = lesson07.future_leak()
    assert leak["causal mask"] == 0.0
    assert leak["no mask"] == pytest.approx(1.25, abs=0.005)


# --- myth vs fact: dilution ------------------------------------------------------------------


def test_dilution_slope_is_about_minus_one():
    d = gradient_vs_distance.attention_gradient_vs_distance()
    assert d.slope == pytest.approx(-1.06, abs=0.005)
    assert d.norms[0] == pytest.approx(1.5, abs=0.05) and d.norms[-1] == pytest.approx(
        4.4e-3, rel=0.02
    )
    ax = lesson07.dilution_figure(d).axes[0]
    assert "-1.06" in ax.get_title()


def test_static_figures_are_labelled():
    tokens, X, S, A, Y = build_up()
    unmasked, mask, masked, _ = masking()
    for fig in (
        lesson07.similarity_figure(S, tokens),
        lesson07.softmax_figure(S, A, tokens),
        lesson07.weighted_sum_figure(X, Y, tokens),
        lesson07.roles_figure(A, unmasked, tokens),
        lesson07.masking_figure(mask, unmasked, masked, tokens),
    ):
        assert all(ax.get_title() for ax in fig.axes)


# --- exercise 1: the stable softmax ----------------------------------------------------------


def test_softmax_checker_accepts_reference_and_a_solution():
    def solution(x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    assert ex.check_stable_softmax(ex.reference_softmax).passed
    assert ex.check_stable_softmax(solution).passed


def test_softmax_checker_catches_each_mistake():
    for mistake in ex.SOFTMAX_MISTAKES:
        result = ex.check_stable_softmax(mistake.fn)
        assert not result.passed
        assert mistake.hint in result.message, mistake.hint
    naive = ex.check_stable_softmax(ex.naive_softmax)
    assert naive.status is Status.NOT_FINITE
    assert "overflows" in naive.message


def test_naive_and_global_max_pass_the_small_case_and_fail_the_large_one():
    """They fail only because of the +-1000 logits (so that case is needed)."""
    small, large = ex.SOFTMAX_CASES
    for fn in (ex.naive_softmax, ex.SOFTMAX_MISTAKES[1].fn):
        with np.errstate(all="ignore"):
            assert np.allclose(fn(*small), ex.reference_softmax(*small))
            assert np.isnan(fn(*large)).any()
    with pytest.warns(RuntimeWarning):
        ex.naive_softmax(*large)


def test_softmax_mistakes_differ_on_the_first_case():
    assert_all_different(ex.reference_softmax, ex.SOFTMAX_MISTAKES[2:], ex.SOFTMAX_CASES[0])


def test_softmax_checker_not_attempted():
    def stub(x):
        raise NotImplementedError

    assert ex.check_stable_softmax(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_stable_softmax(...).status is Status.NOT_ATTEMPTED


# --- exercise 2: attention with a mask -------------------------------------------------------


def test_attention_checker_accepts_reference_and_solutions():
    def solution(Q, K, V, mask=None):
        scores = Q @ K.T / np.sqrt(Q.shape[-1])
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        w = attention.softmax(scores)
        return w @ V, w

    def renormalised_after(Q, K, V, mask=None):
        w = attention.softmax(Q @ K.T / np.sqrt(Q.shape[-1]))
        if mask is not None:
            w = w * mask
            w = w / w.sum(axis=-1, keepdims=True)
        return w @ V, w

    assert ex.check_attention(ex.reference_attention).passed
    assert ex.check_attention(solution).passed
    assert ex.check_attention(renormalised_after).passed  # masking after + renormalising: right


def test_attention_checker_catches_each_mistake():
    for mistake in ex.ATTENTION_MISTAKES:
        result = ex.check_attention(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message


def test_attention_mistakes_differ_on_the_first_case():
    assert_all_different(ex.reference_attention, ex.ATTENTION_MISTAKES, ex.ATTENTION_CASES[0])


def test_attention_cases_are_built_for_the_mistakes():
    Q, K, V, mask = ex.ATTENTION_CASES[0]
    assert K.shape[0] == K.shape[1]  # Q @ K runs: the K.T mistake gives values, not an error
    assert mask.any(axis=1).all() and (~mask).any(axis=1).all()  # no row fully (un)masked
    assert mask.any(axis=0).all()  # no column fully masked (the wrong-axis softmax stays finite)
    Q, K, V, mask = ex.ATTENTION_CASES[1]
    assert mask is None and Q.shape[0] != K.shape[0] and K.shape[1] != V.shape[1]
    with pytest.raises(ValueError):
        ex.ATTENTION_MISTAKES[0].fn(*ex.ATTENTION_CASES[1])  # K not transposed fails loudly
    Q, K, V, mask = ex.ATTENTION_CASES[2]
    assert Q.shape == K.shape == V.shape and np.array_equal(mask, attention.causal_mask(4))
    ref = ex.reference_attention(*ex.ATTENTION_CASES[2])
    wrong = ex.ATTENTION_MISTAKES[0].fn(*ex.ATTENTION_CASES[2])  # square: only values differ
    assert wrong[0].shape == ref[0].shape and not np.allclose(wrong[0], ref[0])


def test_attention_checker_not_attempted_and_errors():
    def stub(Q, K, V, mask=None):
        raise NotImplementedError

    assert ex.check_attention(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_attention(lambda *a: 1 / 0).status is Status.ERROR
