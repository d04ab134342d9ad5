"""Register, log in, refresh, log out and authenticate requests.

Every login attempt and every change leaves an audit row in the same transaction. Refusals that
must still be remembered (a failed or throttled login, a reused refresh token) are committed
first and raised after.
"""

from __future__ import annotations

from imagedrive import audit, secrets
from imagedrive.auth import passwords, sessions, throttle, users
from imagedrive.auth.models import Client, CurrentUser, IssuedSession, TokenOut, UserOut
from imagedrive.auth.tokens import issue_access_token, new_opaque_token, read_access_token
from imagedrive.db import transaction
from imagedrive.errors import DomainError, Throttled, Unauthenticated
from imagedrive.settings import get_settings


def register(username: str, password: str) -> UserOut:
    passwords.check_policy(password, username)
    password_hash = passwords.hash_password(password)
    with transaction() as cur:
        user = users.insert(cur, username, password_hash)
        audit.record(cur, "auth.register", user_id=user.id, target_id=user.id)
    return user


def login(username: str, password: str, client: Client) -> IssuedSession:
    settings = get_settings()
    refusal: DomainError | None = None
    with transaction() as cur:
        wait_s = throttle.retry_after(cur, username, client.address, settings)
        if wait_s is not None:
            audit.record(cur, "auth.login_throttled", user_id=None, username=username, address=client.address)
            refusal = Throttled("too many failed logins; try again later", retry_after_s=wait_s)
        else:
            found = users.find_with_hash(cur, username)
            if found is None:
                passwords.spend_verification_time(password)
            ok = found is not None and passwords.verify(found[1], password)
            throttle.record(cur, username, client.address, succeeded=ok)
            if ok and found is not None:
                user, password_hash = found
                if passwords.needs_rehash(password_hash):
                    users.update_hash(cur, user.id, passwords.hash_password(password))
                audit.record(cur, "auth.login", user_id=user.id, target_id=user.id, address=client.address)
                return _issue(cur, user, client)
            audit.record(
                cur, "auth.login_failed", user_id=found[0].id if found else None, username=username,
                address=client.address, reason="wrong_password" if found else "unknown_user",
            )
            # A new instance each time: raising one shared instance again extends its traceback, which
            # would keep every failed login's frames (and their plaintext passwords) alive.
            refusal = Unauthenticated("wrong username or password", code="invalid_credentials")
    del password  # the traceback keeps this frame as long as the error lives (logged, kept by a framework)
    raise refusal


def refresh(refresh_token: str | None, client: Client) -> IssuedSession:
    """Exchange a refresh token for a new pair; a token presented twice revokes its family."""
    refusal: DomainError | None = None
    with transaction() as cur:
        session = sessions.find_for_update(cur, refresh_token) if refresh_token else None
        user = users.find(cur, session.user_id) if session else None
        if session is None or user is None or session.revoked_at or session.expired:
            refusal = Unauthenticated("the session has ended; log in again", code="session_expired")
        elif session.rotated_at:
            revoked = sessions.revoke_family(cur, session.family_id)
            audit.record(cur, "auth.refresh_reuse", user_id=user.id, target_id=session.id,
                         family=str(session.family_id), revoked=revoked, address=client.address)
            refusal = Unauthenticated("this refresh token was already used; every session of that login "
                                      "has been ended", code="refresh_reused")
        else:
            sessions.mark_rotated(cur, session.id)
            audit.record(cur, "auth.refresh", user_id=user.id, target_id=session.id)
            return _issue(cur, user, client, family_id=session.family_id, parent_id=session.id)
    raise refusal


def logout(refresh_token: str | None) -> None:
    with transaction() as cur:
        session = sessions.find_for_update(cur, refresh_token) if refresh_token else None
        if session is not None:
            sessions.revoke_family(cur, session.family_id)
        audit.record(cur, "auth.logout", user_id=session.user_id if session else None,
                     target_id=session.id if session else None)


def authenticate(bearer_token: str) -> CurrentUser:
    claims = read_access_token(bearer_token, key=secrets.jwt_secret())
    with transaction() as cur:
        user = users.find(cur, claims.user_id)
    if user is None:
        raise Unauthenticated("the account no longer exists", code="invalid_token")
    return CurrentUser(user.id, user.username, user.role)


def profile(user: CurrentUser) -> UserOut:
    with transaction() as cur:
        found = users.find(cur, user.id)
    if found is None:
        raise Unauthenticated("the account no longer exists", code="invalid_token")
    return found


def _issue(cur, user: UserOut, client: Client, **lineage) -> IssuedSession:
    settings = get_settings()
    refresh_token = sessions.create(cur, user.id, client, ttl_s=settings.refresh_token_ttl_s, **lineage)
    access = issue_access_token(user.id, user.role, key=secrets.jwt_secret(), ttl_s=settings.access_token_ttl_s)
    tokens = TokenOut(access_token=access, expires_in=settings.access_token_ttl_s,
                      csrf_token=new_opaque_token(), user=user)
    return IssuedSession(tokens, refresh_token)
