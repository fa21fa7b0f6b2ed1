"""course_utils.transformer: positional encoding, the block, the classifier, the ablations."""

import numpy as np
import pytest
import torch

from course_utils import transformer as tr
from course_utils.env import use_one_thread


@pytest.fixture(autouse=True)
def _one_thread():
    use_one_thread()


def test_positional_encoding_matches_the_formula():
    pe = tr.sinusoidal_encoding(50, 16)
    assert pe.shape == (50, 16)
    for pos in (0, 1, 7, 49):
        for i in range(8):
            angle = pos / 10000 ** (2 * i / 16)
            assert pe[pos, 2 * i] == pytest.approx(np.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(angle), abs=1e-12)
    np.testing.assert_array_equal(pe[0, 0::2], 0.0)
    np.testing.assert_array_equal(pe[0, 1::2], 1.0)
    with pytest.raises(ValueError):
        tr.sinusoidal_encoding(4, 5)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_block_equals_torch_encoder_layer(norm):
    torch.manual_seed(0)
    ours = tr.Block(16, 4, 32, norm).double()
    ref = torch.nn.TransformerEncoderLayer(
        16, 4, 32, dropout=0.0, batch_first=True, norm_first=(norm == "pre"), dtype=torch.float64
    )
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(3, 7, 16, dtype=torch.float64)
    np.testing.assert_allclose(ours(x).detach(), ref(x).detach(), atol=1e-12)


def test_block_variants_match_their_equations():
    torch.manual_seed(1)
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    post = tr.Block(8, 2, 16, "post").double()
    sa, ff = post._sa, post._ff
    y = post.norm1(x + sa(x))
    torch.testing.assert_close(post(x), post.norm2(y + ff(y)))
    for norm, residual in (("post", False), ("none", True), ("none", False)):
        b = tr.Block(8, 2, 16, norm, residual).double()
        b.load_state_dict(post.state_dict(), strict=False)
        y = b._sa(x) + (x if residual else 0)
        y = b.norm1(y) if norm == "post" else y
        z = b._ff(y) + (y if residual else 0)
        z = b.norm2(z) if norm == "post" else z
        torch.testing.assert_close(b(x), z)
        assert b(x).shape == x.shape
    with pytest.raises(ValueError):
        tr.Block(8, 2, 16, "pre", residual=False)
    with pytest.raises(ValueError):
        tr.Block(8, 2, 16, "middle")


def test_classifier_shapes_and_seed():
    model = tr.make_classifier(max_len=20, seed=3)
    tokens = torch.randint(0, 27, (12, 5))
    assert model(tokens).shape == (5,)
    assert model.features(tokens).shape == (5, 12, tr.TINY["d_model"])
    again = tr.make_classifier(max_len=20, seed=3)
    torch.testing.assert_close(model(tokens), again(tokens))


def test_order_batch_is_balanced_and_bag_invariant():
    tokens, labels = tr.order_batch(0, 2000)
    assert tokens.shape == (tr.ORDER["length"], 2000)
    assert np.all((tokens == 0).sum(0) == 1) and np.all((tokens == 1).sum(0) == 1)
    assert np.all(tokens[-1] == 2)
    a, b = np.argmax(tokens == 0, axis=0), np.argmax(tokens == 1, axis=0)
    np.testing.assert_array_equal(labels, (a < b).astype(int))
    assert 0.45 < labels.mean() < 0.55


def test_no_positional_encoding_is_permutation_invariant():
    model = tr.make_classifier(tr.ORDER_VOCAB, 12, positional=False, seed=0, n_blocks=1)
    x, _ = tr.order_task().sample(np.random.default_rng(0), 200)
    assert tr.permutation_change(model, x) < 1e-5
    with_pe = tr.make_classifier(tr.ORDER_VOCAB, 12, positional=True, seed=0, n_blocks=1)
    assert tr.permutation_change(with_pe, x) > 1e-3


def test_depth_ablation_plain_stack_has_no_gradient_at_block_1():
    """Measured (seed 0), blocks 1 / 12 / 24: plain 0.0 / 3.6e-12 / 5.1; Pre-LN 492 / 384 / 284."""
    a = tr.depth_ablation()
    plain, pre, post = a["plain"].grad_norms, a["Pre-LN"].grad_norms, a["Post-LN"].grad_norms
    assert plain[0] < 1e-6 * pre[0]
    assert plain[0] == 0.0 and plain[11] == pytest.approx(3.6e-12, rel=0.1)
    assert plain[-1] == pytest.approx(5.15, rel=0.02)
    assert a["plain"].output_rms == pytest.approx(0.047, abs=0.002)
    assert a["residual only"].output_rms == pytest.approx(6.32, abs=0.02)
    assert a["LN only"].output_rms == pytest.approx(1.0, abs=0.01)
    assert post[0] < post[-1] and pre[0] > pre[-1]  # Post-LN: larger near the output
    assert round(post[0]) == 168 and round(post[-1]) == 276
    for name in ("LN only", "residual only", "Post-LN", "Pre-LN"):
        assert a[name].grad_norms.min() > 100, name


def test_pitfall_loss_after_layer_norm_has_almost_no_gradient():
    right = tr.layer_gradients("Pre-LN").grad_norms[0]
    wrong = tr.layer_gradients("Pre-LN", final_norm=True).grad_norms[0]
    assert wrong < 1e-6 * right
