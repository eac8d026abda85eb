"""AppTest helpers."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest


def frame_app(path: str, timeout: float = 90) -> AppTest:
    """An AppTest whose every rerun goes through app.py's frame.

    Streamlit 1.67's AppTest reruns the page it finished on by that page's hash, and with a
    `pages/` folder present it then runs the page file alone, skipping app.py (the sidebar
    and its filters vanish on the second run; a served app is not affected). Requesting no
    page makes each rerun start at app.py, as a browser rerun does.
    """
    at = AppTest.from_file(path, default_timeout=timeout)
    original = at._run  # both at.run() and a widget's .run() go through _run

    def run(*args: Any, **kwargs: Any) -> AppTest:
        at._finished_page_script_hash = ""
        return original(*args, **kwargs)

    at._run = run  # type: ignore[method-assign]
    return at
