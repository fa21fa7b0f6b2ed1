"""The course's public address, kept in this one place; badges and install links derive from it.

Change REPOSITORY when the course moves, then run `make notebooks`: every notebook's Colab and
Binder badges, its Colab set-up cell, and the README's badges are regenerated from it; the
website (`make site`) takes its address and launch buttons from here too.
"""

from __future__ import annotations

from urllib.parse import quote

REPOSITORY = "why-attention/attention-course"  # GitHub owner/name
BRANCH = "main"


def github_url() -> str:
    return f"https://github.com/{REPOSITORY}"


def site_url() -> str:
    """The course's website, published by .github/workflows/pages.yml (GitHub Pages)."""
    owner, name = REPOSITORY.split("/")
    return f"https://{owner.lower()}.github.io/{name}/"


def pip_url() -> str:
    """What Colab's set-up cell installs: course_utils from the repository."""
    return f"git+{github_url()}@{BRANCH}"


def colab_url(path: str) -> str:
    """Open the notebook at `path` (relative to the repository root) in Google Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{path}"


def binder_url(path: str) -> str:
    """Open the notebook at `path` in JupyterLab on mybinder.org."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?labpath={quote(path, safe='')}"


def badges(path: str) -> str:
    """Markdown for the 'Open in Colab' and 'Launch Binder' badges of one notebook."""
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(path)}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)})"
    )
