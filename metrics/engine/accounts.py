"""Local accounts kept in the store: add, list, change role or password, remove, verify.

Passwords are hashed with Argon2id (argon2-cffi, the reference implementation's bindings, at
its RFC 9106 defaults) and never stored, printed or put in an error message.
"""

from __future__ import annotations

from typing import Final

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from metrics.core.access import Role, User
from metrics.core.errors import ServiceLensError
from metrics.engine.store import Store, fetch_one

MIN_PASSWORD: Final[int] = 8
USERS_VERSION: Final[int] = 3  # the store migration that adds the users table
_HASHER: Final[PasswordHasher] = PasswordHasher()
_COLUMNS: Final[str] = "name, role, teams, unmask, email"


class AccountError(ServiceLensError):
    """A user that cannot be added or changed as asked (unknown, taken, weak password)."""


def _checked(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def _user(row: tuple[object, ...]) -> User:
    name, role, teams, unmask, email = row
    return User(name=str(name), role=role, teams=tuple(teams or ()),  # type: ignore[arg-type]
                unmask=bool(unmask), email=None if email is None else str(email))


def add(store: Store, user: User, password: str) -> None:
    """A new user with a password; an existing name is refused, never overwritten."""
    digest = _HASHER.hash(_checked(password))
    with store.writer() as con:
        try:
            con.execute(
                "INSERT INTO users VALUES ($name, $role, $teams, $unmask, $email, $hash,"
                " current_localtimestamp(), current_localtimestamp())",
                {"name": user.name, "role": user.role, "teams": list(user.teams),
                 "unmask": user.unmask, "email": user.email, "hash": digest})
        except duckdb.ConstraintException:
            raise AccountError(f"there is already a user {user.name!r}") from None


def _has_users(store: Store) -> bool:
    """Whether the store exists with its users table (an older store is not migrated by
    reading it)."""
    return store.exists() and store.schema_version() >= USERS_VERSION


def users(store: Store) -> list[User]:
    """Every user, by name."""
    if not _has_users(store):
        return []
    with store.reader() as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()  # noqa: S608 - constant column list
    return [_user(r) for r in rows]


def _row(store: Store, name: str) -> tuple[object, ...] | None:
    """One user's columns and password hash (the hash last), or None."""
    if not _has_users(store):
        return None
    with store.reader() as con:
        return fetch_one(con, f"SELECT {_COLUMNS}, password_hash FROM users WHERE name = $name",  # noqa: S608 - constant column list
                         {"name": name})


def get(store: Store, name: str) -> User | None:
    row = _row(store, name)
    return None if row is None else _user(row[:-1])


def by_email(store: Store, email: str) -> User | None:
    """The user whose e-mail this is (any case): how a single sign-on identity finds its role."""
    if not _has_users(store) or not email.strip():
        return None
    with store.reader() as con:
        row = fetch_one(con, f"SELECT {_COLUMNS} FROM users WHERE lower(email) = lower($email)"  # noqa: S608 - constant column list
                        " ORDER BY name LIMIT 1", {"email": email.strip()})
    return None if row is None else _user(row)


def _update(con: duckdb.DuckDBPyConnection, name: str, sets: str,
            params: dict[str, object]) -> None:
    row = fetch_one(con, f"UPDATE users SET {sets}, updated_at = current_localtimestamp()"  # noqa: S608 - `sets` is this module's own text; values are $params
                    " WHERE name = $name RETURNING name", {**params, "name": name})
    if row is None:
        raise AccountError(f"no user {name!r}")


def set_role(store: Store, name: str, role: Role, teams: tuple[str, ...] = (),
             unmask: bool | None = None) -> User:
    """Give a user another role (and teams, for a team lead); `unmask` None keeps it."""
    current = get(store, name)
    if current is None:
        raise AccountError(f"no user {name!r}")
    changed = User(name=name, role=role, teams=teams, email=current.email,
                   unmask=current.unmask if unmask is None else unmask)
    with store.writer() as con:
        _update(con, name, "role = $role, teams = $teams, unmask = $unmask",
                {"role": changed.role, "teams": list(changed.teams), "unmask": changed.unmask})
    return changed


def set_password(store: Store, name: str, password: str) -> None:
    digest = _HASHER.hash(_checked(password))
    with store.writer() as con:
        _update(con, name, "password_hash = $hash", {"hash": digest})


def remove(store: Store, name: str) -> None:
    with store.writer() as con:
        if fetch_one(con, "DELETE FROM users WHERE name = $name RETURNING name",
                     {"name": name}) is None:
            raise AccountError(f"no user {name!r}")


def verify(store: Store, name: str, password: str) -> User | None:
    """The user when the password is theirs, else None (unknown name or wrong password alike).
    A hash made with older parameters is replaced on a successful check."""
    row = _row(store, name)
    if row is None or row[-1] is None:
        _HASHER.hash(password)  # as slow as a real check: the timing does not tell names apart
        return None
    digest = str(row[-1])
    try:
        _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(digest):
        set_password(store, name, password)
    return _user(row[:-1])
