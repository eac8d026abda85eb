"""Who may see what (DOMAIN.md, "Who sees what"): the five roles and a user's grant.

A user is a role, the teams a team lead is given, and whether names and phones show unmasked.
`Access`, made from a user, travels in the Scope; the store keeps users (engine.accounts).
"""

from __future__ import annotations

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
