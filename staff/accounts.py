"""Staff accounts: argon2id password hashes in ``staff_users``.

    make staff-account                    # asks for the name, the role and the password
    make staff-account ARGS='create --username alice --role reviewer'
    python -m staff.accounts set-password --username alice
    python -m staff.accounts disable --username alice
    python -m staff.accounts list

The password is read from a hidden prompt (twice), or from standard input
when that is not a terminal, so it never appears in the shell history or the
process list. A name or role left out of `create` is asked for at a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
import time
from typing import List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from staff.schema import create_all, staff_users
from stores.db_url import create_engine

ROLES = ("reviewer", "admin")
MIN_PASSWORD_LENGTH = 12
_USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,80}$")
_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
# Verified against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = _hasher.hash("not-a-real-password-xyz")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(engine, username: str, password: str, role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not _USERNAME_RE.match(username):
        raise ValueError("username: 2-80 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    create_all(engine)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(staff_users.c.id).where(staff_users.c.username == username)).first()
        if exists:
            raise ValueError(f"user {username!r} already exists")
        result = conn.execute(staff_users.insert().values(
            username=username, password_hash=hash_password(password), role=role,
            active=True, created_at=time.time()))
        return int(result.inserted_primary_key[0])


def set_password(engine, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    with engine.begin() as conn:
        result = conn.execute(staff_users.update().where(staff_users.c.username == username)
                              .values(password_hash=hash_password(password)))
        if result.rowcount != 1:
            raise ValueError(f"no user {username!r}")


def set_active(engine, username: str, active: bool) -> None:
    with engine.begin() as conn:
        result = conn.execute(staff_users.update().where(staff_users.c.username == username)
                              .values(active=active))
        if result.rowcount != 1:
            raise ValueError(f"no user {username!r}")


def authenticate(engine, username: str, password: str) -> Optional[dict]:
    """The user row (as a dict) when the password matches an active account."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(staff_users).where(staff_users.c.username == username)).first()
    if row is None or not row.active:
        try:
            _hasher.verify(_DUMMY_HASH, password + "x")
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(staff_users.update().where(staff_users.c.id == row.id)
                         .values(password_hash=hash_password(password)))
    return {"id": row.id, "username": row.username, "role": row.role}


def _read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != first:
        raise SystemExit("passwords do not match")
    return first


def _ask(args: argparse.Namespace) -> None:
    """Fill in a name or role `create` was not given, asking at a terminal (make staff-account)."""
    if args.username and args.role:
        return
    if not sys.stdin.isatty():
        raise SystemExit("error: give --username NAME and --role " + "|".join(ROLES))
    while not args.username:
        args.username = input("Username (letters, digits, '.', '_', '-'): ").strip()
    while args.role not in ROLES:
        args.role = input(f"Role ({' or '.join(ROLES)}; admins also decide the trainer inbox): ").strip()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m staff.accounts",
                                     description="Manage staff review accounts.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create")
    create.add_argument("--username")
    create.add_argument("--role", choices=ROLES)
    for name in ("set-password", "disable", "enable"):
        sub.add_parser(name).add_argument("--username", required=True)
    sub.add_parser("list")
    args = parser.parse_args(argv)
    if args.command == "create":
        _ask(args)
    engine = create_engine()
    create_all(engine)
    try:
        if args.command == "create":
            create_user(engine, args.username, _read_password(), args.role)
            print(f"created {args.role} {args.username}")
        elif args.command == "set-password":
            set_password(engine, args.username, _read_password())
            print(f"password changed for {args.username}")
        elif args.command in ("disable", "enable"):
            set_active(engine, args.username, args.command == "enable")
            print(f"{args.command}d {args.username}")
        else:
            with engine.connect() as conn:
                for row in conn.execute(sa.select(staff_users).order_by(staff_users.c.username)):
                    print(f"{row.username}\t{row.role}\t{'active' if row.active else 'disabled'}")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
