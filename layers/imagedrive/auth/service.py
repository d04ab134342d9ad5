"""Register, log in, refresh, log out and authenticate requests.

Every login attempt and every change leaves an audit row in the same transaction. Refusals that
must still be remembered (a failed or throttled login, a reused refresh token) are committed
first and raised after.

`AuthService` takes its ports (auth/repository.py, and imagedrive.services.ServicePorts); `auth_service()`
is the process's instance on Postgres, for the API's composition root.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from imagedrive import secrets
from imagedrive.auth import passwords
from imagedrive.auth.models import Client, CurrentUser, IssuedSession, TokenOut, UserOut
from imagedrive.auth.repository import (
    Cursor,
    NewSession,
    PostgresSessions,
    PostgresThrottle,
    PostgresUsers,
    SessionRepository,
    ThrottlePolicy,
    ThrottleStore,
    User,
    UserRepository,
)
from imagedrive.auth.tokens import issue_access_token, new_opaque_token, read_access_token, token_digest
from imagedrive.errors import DomainError, Throttled, Unauthenticated
from imagedrive.services import ServicePorts


@dataclass
class AuthService(ServicePorts):
    users: UserRepository = field(default_factory=PostgresUsers)
    sessions: SessionRepository = field(default_factory=PostgresSessions)
    throttle: ThrottleStore = field(default_factory=PostgresThrottle)
    jwt_key: Callable[[], str] = secrets.jwt_secret  # called per use: the secret is read (and cached) where needed

    def register(self, username: str, password: str) -> UserOut:
        passwords.check_policy(password, username)
        password_hash = passwords.hash_password(password)
        with self.transaction() as cur:
            user = self.users.insert(cur, username, password_hash)
            self.audit.record(cur, "auth.register", user_id=user.id, target_id=user.id)
        return _out(user)

    def login(self, username: str, password: str, client: Client) -> IssuedSession:
        refusal: DomainError | None = None
        with self.transaction() as cur:
            wait_s = self.throttle.retry_after(cur, username, client.address, self._throttle_policy())
            if wait_s is not None:
                self.audit.record(cur, "auth.login_throttled", user_id=None, username=username,
                                  address=client.address)
                refusal = Throttled("too many failed logins; try again later", retry_after_s=wait_s)
            else:
                found = self.users.find_credentials(cur, username)
                if found is None:
                    passwords.spend_verification_time(password)
                ok = found is not None and passwords.verify(found.password_hash, password)
                self.throttle.record(cur, username, client.address, succeeded=ok)
                if ok and found is not None:
                    if passwords.needs_rehash(found.password_hash):
                        self.users.update_hash(cur, found.user.id, passwords.hash_password(password))
                    self.audit.record(cur, "auth.login", user_id=found.user.id, target_id=found.user.id,
                                      address=client.address)
                    return self._issue(cur, found.user, client)
                self.audit.record(
                    cur, "auth.login_failed", user_id=found.user.id if found else None, username=username,
                    address=client.address, reason="wrong_password" if found else "unknown_user",
                )
                # A new instance each time: raising one shared instance again extends its traceback, which
                # would keep every failed login's frames (and their plaintext passwords) alive.
                refusal = Unauthenticated("wrong username or password", code="invalid_credentials")
        del password  # the traceback keeps this frame as long as the error lives (logged, kept by a framework)
        raise refusal

    def refresh(self, refresh_token: str | None, client: Client) -> IssuedSession:
        """Exchange a refresh token for a new pair; a token presented twice revokes its family."""
        refusal: DomainError | None = None
        with self.transaction() as cur:
            session = self.sessions.find_for_update(cur, token_digest(refresh_token)) if refresh_token else None
            user = self.users.find(cur, session.user_id) if session else None
            if session is None or user is None or session.revoked_at or session.expired:
                refusal = Unauthenticated("the session has ended; log in again", code="session_expired")
            elif session.rotated_at:
                revoked = self.sessions.revoke_family(cur, session.family_id)
                self.audit.record(cur, "auth.refresh_reuse", user_id=user.id, target_id=session.id,
                                  family=str(session.family_id), revoked=revoked, address=client.address)
                refusal = Unauthenticated("this refresh token was already used; every session of that login "
                                          "has been ended", code="refresh_reused")
            else:
                self.sessions.mark_rotated(cur, session.id)
                self.audit.record(cur, "auth.refresh", user_id=user.id, target_id=session.id)
                return self._issue(cur, user, client, family_id=session.family_id, parent_id=session.id)
        raise refusal

    def logout(self, refresh_token: str | None) -> None:
        with self.transaction() as cur:
            session = self.sessions.find_for_update(cur, token_digest(refresh_token)) if refresh_token else None
            if session is not None:
                self.sessions.revoke_family(cur, session.family_id)
            self.audit.record(cur, "auth.logout", user_id=session.user_id if session else None,
                              target_id=session.id if session else None)

    def authenticate(self, bearer_token: str) -> CurrentUser:
        claims = read_access_token(bearer_token, key=self.jwt_key())
        user = self._existing(claims.user_id)
        return CurrentUser(user.id, user.username, user.role)

    def profile(self, user: CurrentUser) -> UserOut:
        return _out(self._existing(user.id))

    def _existing(self, user_id: int) -> User:
        with self.transaction() as cur:
            user = self.users.find(cur, user_id)
        if user is None:
            raise Unauthenticated("the account no longer exists", code="invalid_token")
        return user

    def _throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(self.settings.login_window_s, self.settings.login_max_failures_per_account,
                              self.settings.login_max_failures_per_address)

    def _issue(self, cur: Cursor, user: User, client: Client, *, family_id: uuid.UUID | None = None,
               parent_id: int | None = None) -> IssuedSession:
        refresh_token = new_opaque_token()
        self.sessions.create(cur, NewSession(user.id, token_digest(refresh_token), family_id or uuid.uuid4(),
                                             parent_id, self.settings.refresh_token_ttl_s, client))
        ttl_s = self.settings.access_token_ttl_s
        access = issue_access_token(user.id, user.role, key=self.jwt_key(), ttl_s=ttl_s)
        tokens = TokenOut(access_token=access, expires_in=ttl_s, csrf_token=new_opaque_token(), user=_out(user))
        return IssuedSession(tokens, refresh_token)


@cache
def auth_service() -> AuthService:
    """The process's service on Postgres, for composition roots (the API)."""
    return AuthService()


def _out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, role=user.role, created_at=user.created_at)
