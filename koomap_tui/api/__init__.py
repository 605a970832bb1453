"""HTTP access to KooMap: models, client, authentication, errors. Never imports Textual."""

import sys

# httpx's `__init__` imports its command-line client (`httpx._main`: click, pygments and much
# of rich, ~50 ms of start-up) whenever those packages are installed, and Textual installs
# them. The console never runs that CLI; blocking the module makes httpx take its documented
# fallback for "httpx[cli] not installed". tests/unit/test_startup_imports.py guards this.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
