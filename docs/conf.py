"""Sphinx configuration of the openedx-toggles-migration documentation (``make docs``)."""

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO_ROOT = DOCS.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(DOCS / "_ext"))


def _version():
    """Read __version__ without importing the package (importing it needs configured Django settings)."""
    text = (REPO_ROOT / "toggles_migration" / "__init__.py").read_text(encoding="utf8")
    return re.search(r"^__version__ = ['\"]([^'\"]*)['\"]", text, re.M).group(1)


def _git_revision():
    """Return the commit the docs are built from, for the "Source" links of the toggle and setting pages."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "main"
    return completed.stdout.strip() or "main"


project = "openedx-toggles-migration"
author = "openedx-toggles-migration maintainers"
copyright = f"{date.today().year}, {author}"
release = version = _version()
REPO_URL = "https://github.com/openedx/openedx-toggles-migration"
REVISION = _git_revision()

extensions = [
    "code_annotations.contrib.sphinx.extensions.featuretoggles",
    "code_annotations.contrib.sphinx.extensions.settings",
    "toggles_docs",
]

# code-annotations: the toggle directive scans featuretoggles_source_path and links to
# "<repo_url>/blob/<repo_version>/<path relative to the source path>". Scanning the repository root would also
# read .venv/, so it scans the package, and the package directory goes into the version part of the link.
featuretoggles_source_path = str(REPO_ROOT / "toggles_migration")
featuretoggles_repo_url = REPO_URL
featuretoggles_repo_version = f"{REVISION}/toggles_migration"
# The settings directive takes the package as its :folder_path: and links correctly by itself.
settings_source_path = str(REPO_ROOT)
settings_repo_url = REPO_URL
settings_repo_version = REVISION

root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
nitpicky = True
# Toggle and setting names such as TOGGLES_MIGRATION['READS'] must stay copyable: no curly quotes.
smartquotes = False

html_theme = "sphinx_book_theme"
html_title = "openedx-toggles-migration"
html_theme_options = {
    "repository_url": REPO_URL,
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "show_toc_level": 2,
}
