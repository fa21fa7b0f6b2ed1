"""Sphinx settings of the course's website, shared by both editions.

tools/build_site.py writes each edition's pages into build/site-work/<edition>/src/ and runs Sphinx
with this folder as the configuration directory; what differs between the editions (language,
title, address, the other edition's pages for the language switch) it passes as overrides.
The notebooks arrive executed (build/executed/): Sphinx renders their outputs and runs nothing.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import links  # noqa: E402

project = "Why attention replaced recurrent networks"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
language = "en"

extensions = [
    "myst_nb",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx.ext.githubpages",  # .nojekyll: GitHub Pages serves _static/ and _images/ as they are
]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- the notebooks: rendered as they were executed, never run here
nb_execution_mode = "off"
nb_merge_streams = True
nb_render_markdown_format = "myst"  # say(...) sentences may hold $math$
nb_ipywidgets_js = {}  # widgets are replaced by a note: no widget scripts from a CDN
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# --- math: MathJax 3 from a copy in _static/mathjax (no CDN; see its README)
mathjax_path = "mathjax/tex-chtml-full.js"
# Without these two packages a TeX mistake (an undefined macro, a missing brace) shows as a
# red error box that tests/browser/test_site.py finds, instead of being passed over quietly.
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined", "noerrors"]}}}

# --- the page
html_theme = "sphinx_book_theme"
html_title = project
html_baseurl = links.site_url()
html_static_path = ["_static"]
templates_path = ["_templates"]
html_css_files = ["course.css"]
html_copy_source = False  # the notebooks are on GitHub; their copies here would double the site
html_show_sourcelink = False
html_last_updated_fmt = None
html_context = {"course_edition": "en", "course_editions": []}
html_theme_options = {
    "repository_url": links.github_url(),
    "repository_branch": links.BRANCH,
    "use_repository_button": True,
    "use_download_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
    "secondary_sidebar_items": ["page-toc.html"],
    "navbar_persistent": [],  # the search field is in the sidebar already
}
