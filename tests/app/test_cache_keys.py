"""Cached answers are keyed by what changes them: two users who see the same get one
computation; a different team, a viewer's aggregates-only view or unmasking gets its own."""

from __future__ import annotations

from unittest import mock

import pytest
import streamlit as st

from metrics.core.access import Access
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine.store import Store
from ui import cached


def _scope(store: Store, access: Access | None) -> Scope:
    latest = store.latest_dates()["tickets"]
    assert latest is not None
    return Scope.of(Filters(date_from=latest.replace(day=1), date_to=latest),
                    store.settings(), as_of=store.data_as_of(), access=access)


def test_answer_key_leaves_out_who_asks(demo_store: Store) -> None:
    admin = _scope(demo_store, Access(user="ann", role="admin"))
    other = _scope(demo_store, Access(user="bob", role="team_lead"))
    assert admin.answer_key() == other.answer_key()
    assert admin.answer_key() != _scope(demo_store, Access(user="v", role="viewer")).answer_key()
    assert admin.answer_key() != _scope(
        demo_store, Access(user="t", role="team_lead", teams=("T",))).answer_key()
    assert admin.answer_key() != _scope(
        demo_store, Access(user="u", role="admin", unmask=True)).answer_key()
    assert admin.answer_key() != admin.narrowed(channels=("phone",)).answer_key()
    assert admin.answer_key() != admin.with_grain("week").answer_key()


@pytest.mark.parametrize("second, shared", [
    (Access(user="bob", role="admin"), True),
    (Access(user="bob", role="team_lead", teams=("T",)), False),
    (Access(user="bob", role="viewer"), False),
])
def test_users_who_see_alike_share_one_computation(demo_store: Store, second: Access,
                                                   shared: bool) -> None:
    st.cache_data.clear()
    path, token = str(demo_store.path), demo_store.version_token()
    with mock.patch.object(cached.overview_mod, "overview",
                           wraps=cached.overview_mod.overview) as computed:
        first = cached.overview(path, token, _scope(demo_store, Access(user="ann",
                                                                       role="admin")))
        again = cached.overview(path, token, _scope(demo_store, second))
    assert computed.call_count == (1 if shared else 2)
    assert (first.cards == again.cards) or not shared
