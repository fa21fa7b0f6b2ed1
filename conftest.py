"""pytest set-up for every run from the repository's root, the notebooks' (nbval) included.

nbval's kernels talk to pytest over Unix socket files, not TCP ports, as those that
tools/execute_notebooks.py starts do (`socket_file_kernel_manager` says why: two pytest-xdist
workers starting kernels at once could pick the same port).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tools"))

from execute_notebooks import socket_file_kernel_manager  # noqa: E402


def pytest_configure(config):
    if config.pluginmanager.hasplugin("nbval"):
        import nbval.kernel

        nbval.kernel.KernelManager = socket_file_kernel_manager()
