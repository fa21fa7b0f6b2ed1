"""course_utils.attention_beyond_text: patches, synthetic shapes and shoppers, the read-out."""

import numpy as np
import pytest
import torch

from course_utils import attention_beyond_text as beyond
from course_utils.env import use_one_thread

use_one_thread()


# --- patches --------------------------------------------------------------------------------------


def test_patchify_by_hand():
    image = np.arange(16).reshape(4, 4)
    patches = beyond.patchify(image, 2)
    np.testing.assert_array_equal(
        patches, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]
    )


def test_patchify_rows_are_the_squares_and_batch_works():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((8, 12))
    patches = beyond.patchify(image, 4)
    assert patches.shape == (6, 16)
    for k, (r, c) in enumerate((r, c) for r in range(2) for c in range(3)):
        np.testing.assert_array_equal(
            patches[k], image[4 * r : 4 * r + 4, 4 * c : 4 * c + 4].ravel()
        )
    batch = np.stack([image, 2 * image])
    np.testing.assert_array_equal(beyond.patchify(batch, 4), np.stack([patches, 2 * patches]))
    with pytest.raises(ValueError, match="does not split"):
        beyond.patchify(np.zeros((6, 8)), 4)


# --- synthetic shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", range(len(beyond.SHAPES)))
def test_shapes_are_what_they_say(label):
    rng = np.random.default_rng(label)
    for _ in range(200):
        img = beyond.draw_shape(label, rng, noise=0.0)
        on = img > 0.5
        rows, cols = np.flatnonzero(on.any(1)), np.flatnonzero(on.any(0))
        height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
        name = beyond.SHAPES[label]
        if name == "horizontal bar":
            assert height == 2 and 6 <= width <= 12 and on.sum() == 2 * width
        elif name == "vertical bar":
            assert width == 2 and 6 <= height <= 12 and on.sum() == 2 * height
        elif name == "square":
            assert height == width and 6 <= height <= 10 and on.sum() == 4 * (height - 1)
        else:  # a cross: a full row pair and a full column pair through the middle
            assert height == width and 6 <= height <= 12 and on.sum() == 4 * height - 4


def test_shape_batch_is_seeded_and_noisy():
    a = beyond.shape_batch(np.random.default_rng(3), 8)
    b = beyond.shape_batch(np.random.default_rng(3), 8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].shape == (8, 16, 16) and set(a[1]) <= set(range(4))
    assert 0.25 < np.std(a[0] - (a[0] > 0.5)) < 0.35  # noise 0.3


# --- synthetic shoppers ---------------------------------------------------------------------------


def test_next_item_is_the_accessory_of_the_latest_main_product():
    items, targets, positions = beyond.history_batch(np.random.default_rng(0), 500)
    assert items.shape == (500, beyond.HISTORY)
    is_main = items < beyond.N_MAIN
    assert set(is_main.sum(1)) == {2, 3}
    assert not np.any((items >= beyond.N_MAIN) & (items < 2 * beyond.N_MAIN))  # no accessories
    latest = beyond.HISTORY - 1 - np.argmax(is_main[:, ::-1], axis=1)
    np.testing.assert_array_equal(positions, latest)
    np.testing.assert_array_equal(targets, items[np.arange(500), latest] + beyond.N_MAIN)


# --- the model ------------------------------------------------------------------------------------


def test_model_shapes_and_weights():
    vit = beyond.make_vit(0)
    x = torch.tensor(beyond.patchify(beyond.shape_batch(np.random.default_rng(0), 5)[0]),
                     dtype=torch.float32)  # fmt: skip
    logits, weights = vit(x)
    assert logits.shape == (5, 4) and weights.shape == (5, 16)
    torch.testing.assert_close(weights.sum(-1), torch.ones(5))
    flat = beyond.make_recommender(0, uniform=True)
    items = torch.tensor(beyond.history_batch(np.random.default_rng(0), 3)[0])
    logits, weights = flat(items)
    assert logits.shape == (3, beyond.N_ITEMS)
    torch.testing.assert_close(weights, torch.full((3, 12), 1 / 12))


def test_same_seed_same_model_and_training():
    a = beyond.train(beyond.make_recommender(1), "recommend", steps=50)
    b = beyond.train(beyond.make_recommender(1), "recommend", steps=50)
    assert a.losses == b.losses and a.accuracy == b.accuracy


def test_attention_learns_another_seed_too():
    """The recommender, seed 1 (the vision model's seeds 1 and 2: test_lesson10.py)."""
    rec = beyond.train(beyond.make_recommender(1), "recommend")
    flat = beyond.train(beyond.make_recommender(1, uniform=True), "recommend")
    assert rec.accuracy > 0.95 and flat.accuracy < 0.55
    assert beyond.weight_on_deciding_item(rec.model) > 0.5


def test_popularity_baseline_is_near_one_in_ten():
    assert 0.07 < beyond.popularity_hit_rate() < 0.14  # 10 accessories, about equally likely
