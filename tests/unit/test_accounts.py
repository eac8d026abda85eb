"""Local accounts: the five roles, Argon2id hashes, `servicelens users`, and no password ever
printed or stored in clear."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from metrics.cli import main
from metrics.core.access import ROLES, User
from metrics.engine import accounts
from metrics.engine.store import Store
from metrics.present.words import ROLE_WORDS

PASSWORD = "correct horse battery"


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "users.duckdb")


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_role_has_its_words() -> None:
    assert set(ROLE_WORDS) == set(ROLES)
    assert all(zh and en for zh, en in ROLE_WORDS.values())


def test_only_a_team_lead_is_given_teams_and_always_at_least_one() -> None:
    assert User(name="王芳", role="team_lead", teams=("热线一组",)).teams == ("热线一组",)
    with pytest.raises(ValidationError, match="at least one team"):
        User(name="王芳", role="team_lead")
    with pytest.raises(ValidationError, match="sees every team"):
        User(name="李强", role="manager", teams=("热线一组",))
    with pytest.raises(ValidationError):
        User(name="x", role="owner")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="leading or trailing"):
        User(name=" padded", role="viewer")


def test_the_password_is_kept_as_an_argon2id_hash_only(store: Store) -> None:
    accounts.add(store, User(name="boss", role="admin"), PASSWORD)
    with store.reader() as con:
        stored = con.execute("SELECT password_hash FROM users").fetchone()
    assert stored is not None
    assert stored[0].startswith("$argon2id$") and PASSWORD not in stored[0]
    assert store.path.read_bytes().find(PASSWORD.encode()) == -1


def test_verify_accepts_the_password_and_nothing_else(store: Store) -> None:
    lead = User(name="王芳", role="team_lead", teams=("热线一组", "热线二组"), unmask=True)
    accounts.add(store, lead, PASSWORD)
    assert accounts.verify(store, "王芳", PASSWORD) == lead
    assert accounts.verify(store, "王芳", PASSWORD + "x") is None
    assert accounts.verify(store, "王芳", "") is None
    assert accounts.verify(store, "nobody", PASSWORD) is None
    assert accounts.verify(Store(store.path.with_name("none.duckdb")), "王芳", PASSWORD) is None


def test_names_are_unique_and_passwords_long_enough(store: Store) -> None:
    accounts.add(store, User(name="boss", role="admin"), PASSWORD)
    with pytest.raises(accounts.AccountError, match="already a user 'boss'"):
        accounts.add(store, User(name="boss", role="viewer"), "another password")
    with pytest.raises(accounts.AccountError, match="at least 8 characters"):
        accounts.add(store, User(name="short", role="viewer"), "1234567")
    assert [u.name for u in accounts.users(store)] == ["boss"]
    assert accounts.get(store, "boss") == User(name="boss", role="admin")


def test_role_password_and_removal_change_what_verify_returns(store: Store) -> None:
    accounts.add(store, User(name="王芳", role="team_lead", teams=("热线一组",)), PASSWORD)
    promoted = accounts.set_role(store, "王芳", "manager", unmask=True)
    assert promoted == User(name="王芳", role="manager", unmask=True)
    assert accounts.verify(store, "王芳", PASSWORD) == promoted
    accounts.set_role(store, "王芳", "viewer")  # unmask None keeps the privilege
    assert accounts.get(store, "王芳") == User(name="王芳", role="viewer", unmask=True)
    accounts.set_password(store, "王芳", "a new password")
    assert accounts.verify(store, "王芳", PASSWORD) is None
    assert accounts.verify(store, "王芳", "a new password") is not None
    accounts.remove(store, "王芳")
    assert accounts.users(store) == []
    for change in (lambda: accounts.remove(store, "王芳"),
                   lambda: accounts.set_password(store, "王芳", PASSWORD),
                   lambda: accounts.set_role(store, "王芳", "admin")):
        with pytest.raises(accounts.AccountError, match="no user '王芳'"):
            change()


def test_cli_manages_users_and_never_echoes_a_password(
        store: Store, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(store.path)
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--store", path)
    assert code == 0 and "servicelens users add NAME --role admin" in out  # the first admin
    code, out, err = run(capsys, monkeypatch, "users", "add", "王芳", "--role", "team_lead",
                         "--team", "热线一组", "--store", path, "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert (code, out) == (0, "added 王芳 (team_lead)\n")
    code, _, err = run(capsys, monkeypatch, "users", "add", "x", "--role", "team_lead",
                       "--store", path, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and err == "servicelens users: a team lead needs at least one team " \
                                "(--team)\n"
    code, _, err = run(capsys, monkeypatch, "users", "add", "y", "--role", "viewer",
                       "--store", path, "--password-stdin", stdin="short\n")
    assert code == 2 and "short" not in err and "at least 8 characters" in err
    code, out, _ = run(capsys, monkeypatch, "users", "set-role", "王芳", "--role", "manager",
                       "--unmask", "--store", path)
    assert (code, out) == (0, "王芳 is now manager\n")
    code, out, _ = run(capsys, monkeypatch, "users", "passwd", "王芳", "--store", path,
                       "--password-stdin", stdin="another password\n")
    assert code == 0 and "another password" not in out
    assert accounts.verify(store, "王芳", "another password") is not None
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json", "--store", path)
    assert json.loads(out) == [{"name": "王芳", "role": "manager", "teams": [],
                                "unmask": True, "email": None}]
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--lang", "zh", "--store", path)
    assert out == "王芳\t客服中心经理 · 可查看未脱敏信息\n"
    code, _, err = run(capsys, monkeypatch, "users", "remove", "nobody", "--store", path)
    assert (code, err) == (2, "servicelens users: no user 'nobody'\n")
    assert run(capsys, monkeypatch, "users", "remove", "王芳", "--store", path)[0] == 0
    assert accounts.users(store) == []


def test_cli_wants_the_password_on_standard_input(
        store: Store, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):  # argparse: --password-stdin is required
        run(capsys, monkeypatch, "users", "add", "boss", "--role", "admin",
            "--store", str(store.path))
    code, _, err = run(capsys, monkeypatch, "users", "add", "boss", "--role", "admin",
                       "--store", str(store.path), "--password-stdin", stdin="")
    assert (code, err) == (2, "servicelens users: no password on standard input\n")
    assert accounts.users(store) == []
