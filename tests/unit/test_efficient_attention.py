"""course_utils.efficient_attention (lesson 10): every function against a
direct computation (dense masks, the quadratic form, a Python loop), in float64."""

import tracemalloc

import numpy as np
import pytest
from helpers import assert_close, no_warnings

from course_utils import attention as attn
from course_utils import complexity
from course_utils import efficient_attention as efficient
from course_utils.attention import causal_mask
from course_utils.efficient_attention import (
    elu_plus_one,
    linear_attention,
    local_attention_mask,
    strided_mask,
    two_hop_reach,
)


def qkv(n, d_k=8, d_v=5, seed=0, lead=()):
    """Random Q, K (..., n, d_k) and V (..., n, d_v)."""
    rng = np.random.default_rng(seed)
    Q, K = rng.standard_normal((2, *lead, n, d_k))
    return Q, K, rng.standard_normal((*lead, n, d_v))


# --- banded local and strided attention == dense masked attention -------------------------------

SIZES = [(1, 1), (5, 8), (10, 3), (33, 1), (64, 8), (100, 7), (257, 16)]


@pytest.mark.parametrize("n, window", SIZES)
def test_banded_local_attention_equals_full_attention_with_a_local_mask(n, window):
    Q, K, V = qkv(n, seed=n)
    dense = attn.scaled_dot_product_attention(Q, K, V, efficient.local_attention_mask(n, window))
    banded = efficient.local_attention(Q, K, V, window)
    assert banded.shape == (n, 5)
    assert np.abs(banded - dense.output).max() < 1e-12


@pytest.mark.parametrize("n, stride", SIZES)
def test_strided_attention_equals_full_attention_with_the_strided_mask(n, stride):
    Q, K, V = qkv(n, seed=n + 1)
    dense = attn.scaled_dot_product_attention(Q, K, V, efficient.strided_mask(n, stride))
    assert np.abs(efficient.strided_attention(Q, K, V, stride) - dense.output).max() < 1e-12


def test_window_covering_everything_is_full_causal_attention():
    Q, K, V = qkv(20, seed=3)
    full = attn.scaled_dot_product_attention(Q, K, V, attn.causal_mask(20)).output
    assert np.abs(efficient.local_attention(Q, K, V, 20) - full).max() < 1e-12
    assert np.abs(efficient.local_attention(Q, K, V, 50) - full).max() < 1e-12
    assert np.abs(efficient.strided_attention(Q, K, V, 1) - full).max() < 1e-12  # every key
    np.testing.assert_allclose(efficient.local_attention(Q, K, V, 1), V)  # window 1: itself only


def test_sparse_attention_never_builds_the_n_by_n_matrix():
    n = 2048
    Q, K, V = qkv(n, d_k=16, d_v=16)
    one_matrix = 8 * n * n
    band = 8 * 2 * n * 32  # the 2 n window band scores
    assert complexity.peak_bytes(efficient.local_attention, Q, K, V, 32) < min(
        6 * band, one_matrix / 5
    )
    pattern = 8 * (2 * n * 45 + n * n // 45)  # band scores + strided scores
    assert complexity.peak_bytes(efficient.strided_attention, Q, K, V, 45) < min(
        6 * pattern, one_matrix / 3
    )


def test_bad_window():
    Q, K, V = qkv(4)
    with pytest.raises(ValueError, match="window"):
        efficient.local_attention(Q, K, V, 0)
    with pytest.raises(ValueError, match="window"):
        efficient.strided_attention(Q, K, V, -1)


# --- linear attention: chunked and recurrent forms == the causal parallel form -------------------


@pytest.mark.parametrize("n, chunk", [(1, 4), (7, 3), (64, 8), (100, 32), (50, 64)])
def test_chunked_linear_attention_equals_the_causal_parallel_form(n, chunk):
    Q, K, V = qkv(n, seed=n)
    parallel = efficient.linear_attention(Q, K, V, causal=True, order="qk_first")
    assert np.abs(efficient.linear_attention_chunked(Q, K, V, chunk) - parallel).max() < 1e-12


def test_recurrent_form_equals_the_causal_parallel_forms():
    """Lesson 10's loop of ``linear_attention_step``, one token at a time, against the causal
    parallel form in both orders (the n x n matrix, and the running sums)."""
    Q, K, V = qkv(80, seed=4)
    state = efficient.LinearState(np.zeros((8, 5)), np.zeros(8))
    recurrent = np.empty_like(V)
    for t in range(len(V)):
        state, recurrent[t] = efficient.linear_attention_step(state, Q[t], K[t], V[t])
    for order in ("qk_first", "kv_first"):
        parallel = efficient.linear_attention(Q, K, V, causal=True, order=order)
        assert np.abs(recurrent - parallel).max() < 1e-12


def test_one_step_by_hand():
    q, k, v = np.array([0.5, -1.0]), np.array([2.0, -0.5]), np.array([1.0, 3.0, -2.0])
    S0, z0 = np.ones((2, 3)), np.array([1.0, 2.0])
    state, out = efficient.linear_attention_step(efficient.LinearState(S0, z0), q, k, v)
    fk = np.array([3.0, np.exp(-0.5)])
    fq = np.array([1.5, np.exp(-1.0)])
    np.testing.assert_allclose(state.S, S0 + np.outer(fk, v))
    np.testing.assert_allclose(state.z, z0 + fk)
    np.testing.assert_allclose(out, fq @ state.S / (fq @ state.z))
    assert state.S.shape == (2, 3)  # fixed size: no cache that grows with t


def test_two_orders_agree_to_round_off_in_float64():
    Q, K, V = efficient.attention_inputs(256, 16, seed=0)
    a = efficient.linear_attention(Q, K, V, order="qk_first")
    b = efficient.linear_attention(Q, K, V, order="kv_first")
    assert np.abs(a - b).max() < 1e-12


# --- error against full attention ---------------------------------------------------------------


def test_relative_error():
    exact = np.array([[3.0, 4.0]])
    assert efficient.relative_error(exact, exact) == 0.0
    assert efficient.relative_error(np.zeros((1, 2)), exact) == 1.0
    assert efficient.relative_error(exact + [[0.0, 0.5]], exact) == pytest.approx(0.1)


def test_restricting_the_full_weights_is_sparse_attention():
    n = 40
    Q, K, V = qkv(n, seed=5)
    full = attn.scaled_dot_product_attention(Q, K, V, attn.causal_mask(n))
    for mask in (
        efficient.local_attention_mask(n, 6),
        efficient.strided_mask(n, 5),
    ):
        sparse = attn.scaled_dot_product_attention(Q, K, V, mask).output
        restricted = efficient.restrict_to_mask(full.weights, mask, V)
        assert np.abs(restricted.output - sparse).max() < 1e-12
        np.testing.assert_allclose(restricted.kept, efficient.kept_mass(full.weights, mask))
        direct = np.array([full.weights[i, mask[i]].sum() for i in range(n)])
        assert_close(restricted.kept, direct, rtol=1e-12)
    assert np.all(efficient.kept_mass(full.weights, attn.causal_mask(n)) == pytest.approx(1.0))


def test_attention_inputs_are_seeded_and_local_when_asked():
    a, b = (
        efficient.attention_inputs(64, 16, seed=1),
        efficient.attention_inputs(64, 16, seed=1),
    )
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert a[0].shape == (64, 16)
    plain = efficient.attention_inputs(64, 16, 0.0, seed=1)
    assert np.array_equal(plain[0], a[0])
    local = efficient.attention_inputs(64, 16, 16.0, seed=1)
    assert np.array_equal(local[2], a[2])  # values untouched
    Q, K = local[0] - plain[0], local[1] - plain[1]  # the position features alone
    np.testing.assert_allclose(Q, K)
    d = np.arange(64)[:, None] - np.arange(64)[None, :]
    freq = 1.0 / 10_000 ** (np.arange(0, 16, 2) / 16)
    expected = 16.0 * np.cos(d[..., None] * freq).mean(-1)  # locality x mean_f cos(w_f delta)
    np.testing.assert_allclose(Q @ K.T / np.sqrt(16), expected, atol=1e-12)
    w = attn.scaled_dot_product_attention(*local, mask=attn.causal_mask(64)).weights
    assert np.mean(np.diag(w)[8:]) > 10 * np.mean(w[np.tril_indices(64, -8)])


# --- cost measurement -----------------------------------------------------------------------------


def test_peak_bytes_counts_numpy_buffers():
    assert complexity.peak_bytes(lambda: np.ones(1_000_000)) >= 8_000_000
    assert complexity.peak_bytes(lambda: None) < 10_000
    held = np.ones(1_000_000)  # memory held before the call is not counted, tracing or not
    tracemalloc.start()
    try:
        assert complexity.peak_bytes(lambda: held.copy()) < 8_100_000
        assert tracemalloc.is_tracing()  # left as it was
    finally:
        tracemalloc.stop()


def test_full_attention_memory_is_quadratic_and_banded_is_linear():
    c = complexity.measure_costs(lengths=(512, 1024), timing=False)
    ratio = {k: v[1] / v[0] for k, v in c.peak_bytes.items()}
    assert 3.9 < ratio["full"] < 4.1  # "x 3.99 per doubling"
    assert 3.9 < ratio["local, dense mask"] < 4.1  # a mask saves nothing
    assert 1.9 < ratio["local (banded)"] < 2.1 and 1.9 < ratio["linear"] < 2.1
    assert np.all(np.isnan(c.seconds["full"]))


def test_efficient_variants_compute_what_they_say():
    n = 100
    Q, K, V = qkv(n, seed=6)
    variants = complexity.efficient_variants(n, window=8, chunk=16)
    full = attn.scaled_dot_product_attention(Q, K, V, attn.causal_mask(n)).output
    np.testing.assert_allclose(variants["full"](Q, K, V), full)
    np.testing.assert_allclose(variants["local (banded)"](Q, K, V),
                               variants["local, dense mask"](Q, K, V), atol=1e-12)  # fmt: skip
    strided = attn.scaled_dot_product_attention(Q, K, V, efficient.strided_mask(n, 10)).output
    np.testing.assert_allclose(variants["strided"](Q, K, V), strided, atol=1e-12)
    linear = efficient.linear_attention(Q, K, V, causal=True)
    np.testing.assert_allclose(variants["linear"](Q, K, V), linear, atol=1e-12)


def test_loglog_slope():
    n = np.array([256, 512, 1024])
    assert complexity.loglog_slope(n, 3.0 * n**2) == pytest.approx(2.0)
    assert complexity.loglog_slope(n, [5.0, 1.0, 2.0]) == pytest.approx(1.0)  # last two only


def test_no_warnings_on_long_or_peaked_inputs():
    Q, K, V = efficient.attention_inputs(300, 16, locality=64.0, seed=2)
    with no_warnings():
        for out in (
            efficient.local_attention(30 * Q, K, V, 16),
            efficient.strided_attention(30 * Q, K, V, 16),
            efficient.linear_attention_chunked(30 * Q, K, V),
        ):
            assert np.all(np.isfinite(out))


# --- efficient_attention: sparse masks, two hops, linear attention ----------------------------


def test_local_mask():
    m = local_attention_mask(6, 3)
    np.testing.assert_array_equal(m[4], [False, False, True, True, True, False])
    assert m.sum(-1).tolist() == [1, 2, 3, 3, 3, 3]
    s = local_attention_mask(6, 2, causal=False)
    np.testing.assert_array_equal(s, s.T)
    assert s[3].tolist() == [False, False, True, True, True, False]


def test_strided_pattern_reaches_everything_in_two_hops():
    n, stride = 1024, 32
    m = strided_mask(n, stride)
    assert not np.any(m & ~causal_mask(n))
    per_row = m.sum() / n
    density = m.sum() / (n * (n + 1) / 2)
    assert per_row == pytest.approx(47.0, abs=0.1) and density == pytest.approx(0.0917, abs=5e-4)
    assert two_hop_reach(m) == 1.0
    local = two_hop_reach(local_attention_mask(n, stride))  # band only: 2 hops reach 62 back
    assert 0.11 < local < 0.13
    assert two_hop_reach(causal_mask(n)) == 1.0
    assert strided_mask(8, 3)[7].tolist() == [False, True, False, False, True, True, True, True]
    full = strided_mask(8, 3, causal=False)
    np.testing.assert_array_equal(full, full.T)


def test_elu_plus_one():
    with no_warnings():
        phi = elu_plus_one(np.array([-1e4, -1.0, 0.0, 2.0, 1e4]))
    np.testing.assert_allclose(phi, [0.0, np.exp(-1), 1.0, 3.0, 1e4 + 1])
    assert np.all(elu_plus_one(np.linspace(-30, 30, 101)) > 0)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("feature_map", ["elu+1", "relu"])
def test_linear_attention_orders_agree(causal, feature_map):
    Q, K, V = qkv(64, d_k=16, d_v=8, seed=11, lead=(2,))
    if feature_map == "relu":
        Q, K = np.abs(Q) + 0.1, np.abs(K) + 0.1  # keep every normaliser > 0
    a = linear_attention(Q, K, V, feature_map, causal, order="qk_first")
    b = linear_attention(Q, K, V, feature_map, causal, order="kv_first")
    assert a.shape == (2, 64, 8) and np.abs(a - b).max() < 1e-12


def test_linear_attention_matches_its_definition():
    Q, K, V = qkv(5, d_k=3, d_v=2, seed=12)
    fq, fk = elu_plus_one(Q), elu_plus_one(K)
    for causal in (False, True):
        A = fq @ fk.T * (causal_mask(5) if causal else 1.0)
        expected = (A / A.sum(-1, keepdims=True)) @ V
        assert_close(linear_attention(Q, K, V, causal=causal), expected, rtol=1e-13)
    # a callable feature map
    fq, fk = Q**2 + 1, K**2 + 1
    A = fq @ fk.T
    assert_close(
        linear_attention(Q, K, V, feature_map=lambda x: x**2 + 1),
        (A / A.sum(-1, keepdims=True)) @ V,
        rtol=1e-13,
    )
    with pytest.raises(ValueError, match="order"):
        linear_attention(Q, K, V, order="sideways")
