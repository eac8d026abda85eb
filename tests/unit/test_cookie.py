"""The server's cookie secret: made once, owner-only, outside the project, then reused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.core import cookie

ROOT = Path(__file__).resolve().parents[2]


def test_made_once_owner_only_then_reused(tmp_path: Path) -> None:
    where = tmp_path / "conf" / "servicelens" / "cookie_secret"
    made = cookie.cookie_secret(where)
    assert len(made) >= cookie.SECRET_BYTES and stat.S_IMODE(where.stat().st_mode) == 0o600
    assert cookie.cookie_secret(where) == made
    where.chmod(0o644)  # loosened by hand: tightened again, the secret kept
    assert cookie.cookie_secret(where) == made and stat.S_IMODE(where.stat().st_mode) == 0o600
    assert cookie.cookie_secret(tmp_path / "other") != made


def test_the_default_place_is_the_users_config_not_the_project(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SERVICELENS_COOKIE_SECRET_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert cookie.secret_path() == tmp_path / "servicelens" / "cookie_secret"
    assert ROOT not in cookie.secret_path().parents
    assert main(["cookie-secret"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == (tmp_path / "servicelens" / "cookie_secret").read_text().strip()
    assert "cookieSecret" not in (ROOT / ".streamlit" / "config.toml").read_text()
