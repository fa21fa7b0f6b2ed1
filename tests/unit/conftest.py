"""Shared set-up for the unit tests."""

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _checks_report_instead_of_raising(monkeypatch):
    """Checkers report their verdict here; tests that need strict mode set it themselves."""
    monkeypatch.delenv("COURSE_REQUIRE_CORRECT", raising=False)


@pytest.fixture(autouse=True)
def _same_global_random_state():
    """Every test starts from the same global torch and numpy random state, so what it draws
    (a module's initial weights, say) does not depend on which tests ran before it in the
    same pytest-xdist worker."""
    torch.manual_seed(0)
    np.random.seed(0)  # noqa: NPY002 (the legacy global state is what is reset)
