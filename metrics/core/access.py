"""Who may see what (DOMAIN.md, "Who sees what"): the five roles and a user's grant.

A user is a role, the teams a team lead is given, and whether names and phones show unmasked.
`Access`, made from a user, travels in the Scope; the store keeps users (engine.accounts).
"""

from __future__ import annotations

import threading
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from metrics.core.errors import ServiceLensError

Role = Literal["admin", "manager", "team_lead", "qa", "viewer"]
ROLES: Final[tuple[Role, ...]] = ("admin", "manager", "team_lead", "qa", "viewer")


class User(BaseModel):
    """A person who signs in: name, role, the teams a team lead sees, the unmask privilege."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=100)
    role: Role
    teams: tuple[str, ...] = ()
    unmask: bool = False
    email: str | None = Field(default=None, max_length=320)

    @field_validator("name")
    @classmethod
    def _name_is_text(cls, value: str) -> str:
        if value != value.strip() or not value.isprintable():
            raise ValueError("a user name has no leading or trailing spaces and no control "
                             "characters")
        return value

    @model_validator(mode="after")
    def _teams_for_team_leads(self) -> User:
        if self.role == "team_lead" and not self.teams:
            raise ValueError("a team lead needs at least one team (--team)")
        if self.role != "team_lead" and self.teams:
            raise ValueError(f"a {self.role} sees every team; only a team lead is given teams")
        return self


class AccessDenied(ServiceLensError):
    """The user's role does not show this (rows to a viewer, say)."""


class Access(BaseModel):
    """What a signed-in user may see, as the metric layer applies it: the teams whose rows
    count (empty: every team), whether rows may be listed at all, whether they show unmasked.
    The Scope carries it; the SQL compiler binds the teams as a parameter."""

    model_config = ConfigDict(frozen=True)

    user: str
    role: Role
    teams: tuple[str, ...] = ()
    unmask: bool = False

    @classmethod
    def of(cls, user: User) -> Access:
        return cls(user=user.name, role=user.role, teams=user.teams, unmask=user.unmask)

    @property
    def rows(self) -> bool:
        """Whether ticket, survey and QA rows may be listed (a viewer sees aggregates only)."""
        return self.role != "viewer"

    @property
    def sees(self) -> tuple[tuple[str, ...], bool, bool]:
        """What changes the numbers and rows this user gets: the teams, whether rows list,
        whether they show unmasked. Two users alike in these get the very same answers."""
        return self.teams, self.rows, self.unmask


# The pages, by their URL path, and which roles open them (DOMAIN.md, "Who sees what"). A
# viewer sees aggregates but no per-agent page (personnel data); a QA supervisor sees the QA
# page on every team; settings, imports and the audit trail are an admin's.
ANALYSIS_PAGES: Final[tuple[str, ...]] = (
    "overview", "response", "resolution", "complaints", "satisfaction", "calls")
TEAM_PAGES: Final[tuple[str, ...]] = ("agents", "agent", "teams", "qa")
ADMIN_PAGES: Final[tuple[str, ...]] = ("settings", "data", "audit")
# Improvement actions (PDCA) are the managers' and admins' to record and close.
PAGES: Final[dict[Role, frozenset[str]]] = {
    "admin": frozenset((*ANALYSIS_PAGES, *TEAM_PAGES, "catalog", "actions", *ADMIN_PAGES)),
    "manager": frozenset((*ANALYSIS_PAGES, *TEAM_PAGES, "catalog", "actions")),
    "team_lead": frozenset((*ANALYSIS_PAGES, *TEAM_PAGES, "catalog")),
    "qa": frozenset(("qa", "catalog")),
    "viewer": frozenset((*ANALYSIS_PAGES, "teams", "catalog")),
}


def may_open(access: Access | None, page: str) -> bool:
    """Whether a page opens for this access (None: the machine's operator, who sees all)."""
    return access is None or page in PAGES[access.role]


class SignInLimiter:
    """Failed sign-ins per user name: after `attempts` failures within `window` seconds, that
    name waits `lockout` seconds whatever password is typed. Kept per server process; the
    clock is given by the caller so that tests need not sleep."""

    def __init__(self, attempts: int = 5, window: float = 300.0, lockout: float = 300.0) -> None:
        self.attempts, self.window, self.lockout = attempts, window, lockout
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()

    def wait(self, name: str, now: float) -> float:
        """Seconds before this name may try again (0: now)."""
        with self._lock:
            recent = [t for t in self._failures.get(self._key(name), [])
                      if now - t < self.window + self.lockout]
            if len(recent) < self.attempts:
                return 0.0
            return max(0.0, recent[-1] + self.lockout - now)

    def failed(self, name: str, now: float) -> None:
        with self._lock:
            key = self._key(name)
            kept = [t for t in self._failures.get(key, []) if now - t < self.window]
            self._failures[key] = [*kept, now][-self.attempts:]

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(self._key(name), None)
