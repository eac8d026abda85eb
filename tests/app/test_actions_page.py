"""AppTest: the Improvement actions page: add an action with the period in view as its
baseline, see it as plain text, edit and close it; accept a proposal; who may open it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.engine import improvement
from metrics.engine.store import Store
from tests.app.conftest import frame_app, open_file, sign_in

APP = str(Path(__file__).parents[2] / "app.py")
TRICKY = "**先** <b>x</b> $1$ =SUM(A1)"


def actions(store_copy: Store, lang: str = "en") -> AppTest:
    at = frame_app(APP)
    at.query_params.update({"from": "2026-10-01", "to": "2026-10-31"})
    return open_file(at, "pages/actions.py", lang)


def form_button(at: AppTest, label: str) -> object:
    return next(b for b in at.button if b.label == label)


def test_add_edit_and_close_an_action(store_copy: Store) -> None:
    at = actions(store_copy)
    assert any("No improvement actions yet" in i.value for i in at.info)
    inputs = [w for w in at.text_input if w.label == "Action"]
    inputs[-1].set_value(TRICKY)
    [w for w in at.text_input if w.label == "Owner"][-1].set_value("王经理")
    [w for w in at.selectbox if w.label == "KPI it should move"][-1].set_value("csat")
    form_button(at, "Add action").click().run()  # type: ignore[attr-defined]
    assert not at.exception
    [stored] = improvement.listing(store_copy)
    assert (stored.what, stored.owner, stored.metric_id) == (TRICKY, "王经理", "csat")
    assert (str(stored.baseline_from), str(stored.baseline_to)) == ("2026-10-01", "2026-10-31")
    assert any("Action #1 added" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert TRICKY in table["Action"].to_list()  # the text as entered, not markup
    # Edit the owner, then close with a result.
    next(w for w in at.text_input if w.label == "Owner").set_value("李组长")
    form_button(at, "Save changes").click().run()  # type: ignore[attr-defined]
    assert improvement.listing(store_copy)[0].owner == "李组长"
    form_button(at, "Close the action").click().run()  # type: ignore[attr-defined]
    assert any("1 to 1,000" in e.value.replace("\\", "") for e in at.error)  # a result needed
    at.text_area[0].set_value("满意率回升 1.2 个百分点")
    form_button(at, "Close the action").click().run()  # type: ignore[attr-defined]
    assert improvement.listing(store_copy)[0].status == "closed"
    assert not at.exception


def test_accepting_a_proposal_makes_an_open_action(store_copy: Store) -> None:
    at = actions(store_copy, "zh")
    accept = [b for b in at.button if b.label == "采纳"]
    assert accept, "the demo's October proposes at least the centre-wide CSAT miss"
    accept[0].click().run()
    assert not at.exception
    [stored] = improvement.listing(store_copy)
    assert stored.status == "open" and stored.source.startswith("proposed:")


@pytest.mark.parametrize(("role", "opens"), [("manager", True), ("team_lead", False),
                                             ("viewer", False), ("qa", False)])
def test_who_opens_the_actions_page(store_copy: Store, role: str, opens: bool) -> None:
    at = frame_app(APP)
    sign_in(at, store_copy, role, teams=("热线一组",) if role == "team_lead" else ())  # type: ignore[arg-type]
    at.query_params["lang"] = "en"
    at.switch_page("pages/actions.py").run()
    titles = [t.value for t in at.title]
    assert ("Improvement actions" in titles) is opens
