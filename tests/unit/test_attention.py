"""Tests for course_utils.attention: softmax and masks, scaled dot-product attention and its
hand-written backward (vs torch autograd and finite differences), multi-head attention vs
torch. (What is built on it is tested beside it: test_gradient_vs_distance.py,
test_efficient_attention.py, test_lesson07.py.)"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import assert_close, no_warnings

from course_utils.attention import (
    PROJECTIONS,
    apply_mask,
    attention_backward,
    causal_mask,
    dot_scores,
    init_attention,
    merge_heads,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
    softmax,
    softmax_backward,
    split_heads,
    to_torch_multihead,
)
from course_utils.gradcheck import central_difference, relative_error

torch.set_num_threads(1)


def qkv(n_q=4, n_k=5, d_k=3, d_v=2, lead=(), seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((*lead, n_q, d_k)),
        rng.standard_normal((*lead, n_k, d_k)),
        rng.standard_normal((*lead, n_k, d_v)),
    )


def t(a):
    return torch.tensor(a, dtype=torch.float64)


# --- softmax -----------------------------------------------------------------------------------


def test_softmax_rows_sum_to_one_and_match_the_definition():
    s = np.random.default_rng(0).standard_normal((3, 4, 5))
    for axis in (-1, 0, 1):
        p = softmax(s, axis=axis)
        np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-15)
        naive = np.exp(s) / np.exp(s).sum(axis=axis, keepdims=True)
        np.testing.assert_allclose(p, naive, rtol=1e-14)
    np.testing.assert_allclose(softmax(s + 1000.0), softmax(s), rtol=1e-12)  # shift-invariant


def test_softmax_extreme_logits_give_no_warnings():
    with no_warnings():
        p = softmax(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e300, -1e300, 0.0]]))
        q = softmax(np.array([1e4, 1e4 - 1.0]))
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], 1 / 3, rtol=1e-15)
    np.testing.assert_array_equal(p[2], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(q, [1 / (1 + np.exp(-1)), 1 / (1 + np.e)], rtol=1e-14)


def test_softmax_masked_entries_get_exactly_zero():
    with no_warnings():
        p = softmax(np.array([[0.3, -np.inf, 2.0, -np.inf], [-np.inf, -np.inf, 5.0, -np.inf]]))
    assert p[0, 1] == 0.0 and p[0, 3] == 0.0
    np.testing.assert_array_equal(p[1], [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)


def test_softmax_rejects_a_fully_masked_row_nan_and_plus_inf():
    with pytest.raises(ValueError, match=r"row \(1, 0\).*fully masked"):
        softmax(np.array([[0.0, 1.0], [-np.inf, -np.inf]]))
    with pytest.raises(ValueError, match="NaN"):
        softmax(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"\+inf"):
        softmax(np.array([0.0, np.inf]))


def test_softmax_keeps_float32():
    assert softmax(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert softmax([1, 2, 3]).dtype == np.float64


def test_softmax_backward_vs_finite_differences_and_autograd():
    rng = np.random.default_rng(1)
    s, r = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    analytic = softmax_backward(softmax(s), r)
    numeric = central_difference(lambda x: np.sum(softmax(x) * r), s)
    assert relative_error(analytic, numeric) < 1e-8
    st = t(s).requires_grad_()
    (torch.softmax(st, -1) * t(r)).sum().backward()
    assert relative_error(analytic, st.grad.numpy()) < 1e-14
    # masked entries (p = 0) receive no gradient
    p = softmax(np.array([0.5, -np.inf, 1.0]))
    assert softmax_backward(p, np.array([1.0, 7.0, -2.0]))[1] == 0.0


# --- scores and masks --------------------------------------------------------------------------


def test_dot_scores_scaling_and_shape_check():
    Q, K, _ = qkv(d_k=9)
    assert_close(dot_scores(Q, K), Q @ K.T / 3.0, rtol=1e-15)
    assert_close(dot_scores(Q, K, scale=False), Q @ K.T, rtol=1e-15)
    assert dot_scores(*qkv(lead=(2, 3))[:2]).shape == (2, 3, 4, 5)
    with pytest.raises(ValueError, match="same width"):
        dot_scores(np.ones((2, 3)), np.ones((2, 4)))


def test_causal_and_padding_masks():
    np.testing.assert_array_equal(
        causal_mask(3), [[True, False, False], [True, True, False], [True, True, True]]
    )
    m = padding_mask([2, 4], 4)
    assert m.shape == (2, 1, 4) and m.dtype == bool
    np.testing.assert_array_equal(m[:, 0], [[True, True, False, False], [True, True, True, True]])
    combined = padding_mask([2, 4], 4) & causal_mask(4)
    assert combined.shape == (2, 4, 4) and combined.any(axis=-1).all()  # no empty row
    with pytest.raises(ValueError):
        padding_mask([5], 4)


def test_apply_mask_sets_minus_inf_and_insists_on_booleans():
    s = np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(apply_mask(s, causal_mask(2)), [[0.0, -np.inf], [2.0, 3.0]])
    with pytest.raises(TypeError, match="boolean"):
        apply_mask(s, np.tril(np.ones((2, 2))))


def test_masked_keys_get_zero_weight_and_cannot_change_the_output():
    Q, K, V = qkv(n_q=5, n_k=5)
    mask = causal_mask(5)
    out, w = scaled_dot_product_attention(Q, K, V, mask)
    assert np.all(w[~mask] == 0.0)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-15)
    V2, K2 = V.copy(), K.copy()
    V2[-1] += 100.0  # only the last query may see the last key
    K2[-1] -= 50.0
    out2, _ = scaled_dot_product_attention(Q, K2, V2, mask)
    np.testing.assert_array_equal(out2[:-1], out[:-1])
    with pytest.raises(ValueError, match="fully masked"):
        scaled_dot_product_attention(Q, K, V, np.zeros((5, 5), dtype=bool))


def test_masking_after_the_softmax_is_not_the_same():
    """The exercise's classic mistake: zeroing weights after the softmax leaves rows that do not
    sum to 1 (future keys still took their share). Renormalising afterwards would repair it."""
    Q, K, V = qkv(n_q=6, n_k=6, seed=3)
    mask = causal_mask(6)
    right = scaled_dot_product_attention(Q, K, V, mask).weights
    wrong = softmax(dot_scores(Q, K)) * mask
    row_sums = wrong.sum(-1)
    assert row_sums[-1] == pytest.approx(1.0) and np.all(row_sums[:-1] < 0.95)
    assert np.abs(wrong - right).max() > 0.1
    assert relative_error(wrong @ V, right @ V) > 0.05
    assert_close(wrong / row_sums[:, None], right, rtol=1e-14)


# --- scaled dot-product attention --------------------------------------------------------------


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("scale", [True, False])
def test_attention_matches_torch_sdpa(masked, scale):
    Q, K, V = qkv(n_q=5, n_k=7, d_k=4, d_v=3, lead=(2,))
    mask = np.random.default_rng(9).random((2, 5, 7)) < 0.6 if masked else None
    if masked:
        mask[..., 0] = True  # every row keeps a key
    out, w = scaled_dot_product_attention(Q, K, V, mask, scale)
    expected = F.scaled_dot_product_attention(
        t(Q),
        t(K),
        t(V),
        attn_mask=None if mask is None else torch.tensor(mask),
        scale=None if scale else 1.0,
    )
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-14)
    weights = torch.softmax(
        (t(Q) @ t(K).transpose(-1, -2) / (2.0 if scale else 1.0)).masked_fill(
            torch.tensor(~mask) if masked else torch.zeros(1, dtype=torch.bool), float("-inf")
        ),
        -1,
    )
    np.testing.assert_allclose(w, weights.numpy(), rtol=1e-12, atol=1e-15)


def test_attention_matches_torch_sdpa_is_causal():
    Q, K, V = qkv(n_q=6, n_k=6, d_k=4, d_v=4, lead=(3,), seed=2)
    out, _ = scaled_dot_product_attention(Q, K, V, causal_mask(6))
    expected = F.scaled_dot_product_attention(t(Q), t(K), t(V), is_causal=True)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("masked", [False, True])
def test_attention_backward_vs_autograd_and_finite_differences(scale, masked):
    Q, K, V = qkv(n_q=4, n_k=5, d_k=3, d_v=2, seed=4)
    mask = (np.random.default_rng(5).random((4, 5)) < 0.7) | np.eye(4, 5, dtype=bool)
    mask = mask if masked else None
    dout = np.random.default_rng(6).standard_normal((4, 2))
    _, w = scaled_dot_product_attention(Q, K, V, mask, scale)
    grads = attention_backward(dout, Q, K, V, w, scale)

    Qt, Kt, Vt = (t(a).requires_grad_() for a in (Q, K, V))
    s = Qt @ Kt.T / (np.sqrt(3) if scale else 1.0)
    if masked:
        s = s.masked_fill(torch.tensor(~mask), float("-inf"))
    (torch.softmax(s, -1) @ Vt * t(dout)).sum().backward()
    for mine, ref in zip(grads, (Qt.grad, Kt.grad, Vt.grad), strict=True):
        assert relative_error(mine, ref.numpy()) < 1e-12

    def loss(which):
        def f(x):
            args = [Q, K, V]
            args[which] = x
            return np.sum(scaled_dot_product_attention(*args, mask, scale).output * dout)

        return f

    for which, mine in enumerate(grads):
        numeric = central_difference(loss(which), (Q, K, V)[which])
        assert relative_error(mine, numeric) < 1e-7
    if masked:  # a masked key gets no gradient from the queries that cannot see it
        only_masked = ~mask.any(axis=0)
        assert np.all(grads.dK[only_masked] == 0.0)


def test_attention_backward_with_batch_axes():
    Q, K, V = qkv(lead=(2, 3), seed=7)
    dout = np.random.default_rng(8).standard_normal((2, 3, 4, 2))
    _, w = scaled_dot_product_attention(Q, K, V)
    grads = attention_backward(dout, Q, K, V, w)
    Qt, Kt, Vt = (t(a).requires_grad_() for a in (Q, K, V))
    (F.scaled_dot_product_attention(Qt, Kt, Vt) * t(dout)).sum().backward()
    for mine, ref in zip(grads, (Qt.grad, Kt.grad, Vt.grad), strict=True):
        assert mine.shape == ref.shape and relative_error(mine, ref.numpy()) < 1e-12


# --- multi-head attention ----------------------------------------------------------------------


def test_init_attention():
    params = init_attention(64, 8, seed=0)
    assert tuple(params) == PROJECTIONS and all(p.shape == (64, 64) for p in params.values())
    assert np.var(params["W_q"]) * 64 == pytest.approx(1.0, abs=0.05)
    np.testing.assert_array_equal(init_attention(64, 8, seed=0)["W_o"], params["W_o"])
    assert not np.array_equal(init_attention(64, 8, seed=1)["W_q"], params["W_q"])
    with pytest.raises(ValueError, match="divide"):
        init_attention(10, 4)


def test_split_and_merge_heads():
    X = np.arange(2 * 3 * 8.0).reshape(2, 3, 8)
    heads = split_heads(X, 4)
    assert heads.shape == (2, 4, 3, 2)
    np.testing.assert_array_equal(heads[:, 1], X[..., 2:4])  # head 1 = columns 2:4
    np.testing.assert_array_equal(merge_heads(heads), X)


def test_one_head_is_plain_attention_and_heads_use_column_blocks():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 8))
    params = init_attention(8, 1, seed=1)
    Q, K, V = (X @ params[w] for w in ("W_q", "W_k", "W_v"))
    out, w = multi_head_attention(X, None, params, 1)
    single = scaled_dot_product_attention(Q, K, V)
    assert_close(out, single.output @ params["W_o"], rtol=1e-13)
    assert_close(w[0], single.weights, rtol=1e-13)
    # with 2 heads, head 1 is attention with the second block of 4 columns
    out2, w2 = multi_head_attention(X, None, params, 2)
    head1 = scaled_dot_product_attention(Q[:, 4:], K[:, 4:], V[:, 4:])
    assert_close(w2[1], head1.weights, rtol=1e-13)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_matches_torch_multihead_attention(causal):
    d_model, n_heads, batch, n = 12, 3, 2, 6
    rng = np.random.default_rng(2)
    X = rng.standard_normal((batch, n, d_model))
    params = init_attention(d_model, n_heads, seed=3)
    mask = causal_mask(n) if causal else None
    out, w = multi_head_attention(X, X, params, n_heads, mask)
    assert out.shape == (batch, n, d_model) and w.shape == (batch, n_heads, n, n)

    mha = to_torch_multihead(params, n_heads)
    with torch.no_grad():
        ref_out, ref_w = mha(
            t(X),
            t(X),
            t(X),
            attn_mask=None if mask is None else torch.tensor(~mask),  # torch: True = blocked
            need_weights=True,
            average_attn_weights=False,
        )
    np.testing.assert_allclose(out, ref_out.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w, ref_w.numpy(), rtol=1e-12, atol=1e-15)


def test_multi_head_matches_torch_sdpa_cross_attention_with_padding():
    d_model, n_heads, n_q, n_k = 8, 2, 3, 5
    rng = np.random.default_rng(4)
    X_q, X_kv = rng.standard_normal((2, n_q, d_model)), rng.standard_normal((2, n_k, d_model))
    params = init_attention(d_model, n_heads, seed=5)
    mask = padding_mask([5, 2], n_k)
    out, w = multi_head_attention(X_q, X_kv, params, n_heads, mask)
    assert np.all(w[1, :, :, 2:] == 0.0)

    def heads(x, name):  # (batch, n, d) -> (batch, h, n, d_k), torch's reshaping
        y = t(x) @ t(params[name])
        return y.view(2, -1, n_heads, d_model // n_heads).transpose(1, 2)

    o = F.scaled_dot_product_attention(
        heads(X_q, "W_q"),
        heads(X_kv, "W_k"),
        heads(X_kv, "W_v"),
        attn_mask=torch.tensor(mask)[:, None],
    )
    ref = o.transpose(1, 2).reshape(2, n_q, d_model) @ t(params["W_o"])
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12, atol=1e-14)
    mha = to_torch_multihead(params, n_heads)
    with torch.no_grad():
        ref_out, _ = mha(t(X_q), t(X_kv), t(X_kv), key_padding_mask=torch.tensor(~mask[:, 0]))
    np.testing.assert_allclose(out, ref_out.numpy(), rtol=1e-12, atol=1e-14)
