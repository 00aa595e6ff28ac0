"""In-memory tenant store, reset and rate limiter of the ISC emulator (a test double, not
affiliated with SailPoint).

One :class:`TenantState` per tenant, guarded by one re-entrant lock: request handlers hold it for
the whole of an ISC operation, so every request sees and leaves a consistent tenant. The signing
keys are *not* part of the state: a reset keeps them, so tokens issued before a reset stay
verifiable (their credentials may be gone, which is the realistic part).
"""

from __future__ import annotations

import collections
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from .clock import TenantClock, format_timestamp
from .faults import FaultSchedule

ORG_ADMIN = "ORG_ADMIN"
ALL_SCOPES = "sp:scopes:all"
DEFAULT_SCOPE = [ALL_SCOPES]
PAT_LIMIT_PER_USER = 10  # the docs' limit (authentication.md); --pat-limit changes it, 0 = none


@dataclass(frozen=True)
class TenantSettings:
    """Everything about a tenant that comes from the command line."""

    name: str
    admin_client_id: str = "admin-client-id"
    admin_client_secret: str = "admin-client-secret"
    user_client_id: str = "user-client-id"
    user_client_secret: str = "user-client-secret"
    pat_token_validity: int = 43200
    rate_limit: int = 100
    rate_window: float = 10.0
    pod: str = "emulator-local"
    # At start-up; /__emulator/settings changes them at run time (TenantState holds the values in effect).
    pat_limit: int = PAT_LIMIT_PER_USER  # PATs per user; 0 means no limit
    default_page_size: Optional[int] = None  # list answers without ``limit``: all objects, or at most this many
    quirks: frozenset = frozenset()  # deliberate deviations from the spec (resources.QUIRKS)

    @property
    def tenant_id(self) -> str:
        # Deterministic, so playbooks and tests can rely on ids across restarts.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"isc-emulator:tenant:{self.name}"))

    def identity_id(self, user_name: str) -> str:
        """ISC identity ids are 32 hex characters."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"isc-emulator:{self.name}:identity:{user_name}").hex


@dataclass
class Identity:
    id: str
    user_name: str
    display_name: str
    user_id: str  # the numeric "user_id" claim of the docs' token example
    authorities: list[str]

    @property
    def is_org_admin(self) -> bool:
        return ORG_ADMIN in self.authorities

    def describe(self) -> dict:
        return {
            "id": self.id,
            "userName": self.user_name,
            "displayName": self.display_name,
            "userId": self.user_id,
            "authorities": list(self.authorities),
        }


@dataclass
class OAuthClient:
    """An API client. ``attributes`` is its API representation (camelCase), minus the secret."""

    secret: str
    attributes: dict

    @property
    def id(self) -> str:
        return self.attributes["id"]

    def has_grant(self, grant_type: str) -> bool:
        return grant_type in self.attributes["grantTypes"]


@dataclass
class PersonalAccessToken:
    """A PAT. ``attributes`` holds the version-independent fields (camelCase) plus ``ownerId``."""

    secret: str
    attributes: dict

    @property
    def id(self) -> str:
        return self.attributes["id"]

    @property
    def owner_id(self) -> str:
        return self.attributes["ownerId"]


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    identity_id: str
    expires_at: float  # tenant-clock timestamp
    code_challenge: Optional[str] = None
    code_challenge_method: Optional[str] = None
    used: bool = False


class SlidingWindowRateLimiter:
    """At most ``limit`` requests per key within any ``window`` seconds (real monotonic time).

    Rejected requests do not take a slot. Real time rather than the tenant clock: moving the clock
    to expire tokens must not also empty the rate-limit windows.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[Any, collections.deque] = collections.defaultdict(collections.deque)

    def acquire(self, key: Any, now: Optional[float] = None) -> Optional[int]:
        """Take a slot for ``key``: None when allowed, else the whole seconds until one frees (>= 1)."""
        if self.limit <= 0:
            return None
        now = time.monotonic() if now is None else now
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def clear(self) -> None:
        self._hits.clear()


@dataclass
class TenantState:
    settings: TenantSettings
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: TenantClock = field(default_factory=TenantClock)
    faults: FaultSchedule = field(default_factory=FaultSchedule)
    identities: dict[str, Identity] = field(default_factory=dict)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)  # insertion = creation order
    personal_access_tokens: dict[str, PersonalAccessToken] = field(default_factory=dict)
    authorization_codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    request_log: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    # Exchanges that deviate from the spec only because of an enabled quirk (kept apart from violations).
    quirk_observations: list[dict] = field(default_factory=list)
    rate_limiter: Optional[SlidingWindowRateLimiter] = None
    # Every secret and token handed out since start-up (kept across resets): leak scans look for each of them.
    issued_secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The behaviour switches in effect: from the command line, changed at /__emulator/settings, kept
        # across resets (they are settings, not state).
        self.pat_limit: int = self.settings.pat_limit
        self.default_page_size: Optional[int] = self.settings.default_page_size
        self.quirks = frozenset(self.settings.quirks)
        self.rate_limiter = SlidingWindowRateLimiter(self.settings.rate_limit, self.settings.rate_window)
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self, settings: bool = False) -> None:
        """Back to the state right after start-up. Keys are kept; the behaviour switches (pat_limit,
        default_page_size, quirks) too, unless settings is true: then they go back to the start-up values."""
        with self.lock:
            if settings:
                self.pat_limit = self.settings.pat_limit
                self.default_page_size = self.settings.default_page_size
                self.quirks = frozenset(self.settings.quirks)
            self.clock.set_offset(0)
            self.faults.clear()
            self.rate_limiter.clear()
            self.request_log.clear()
            self.violations.clear()
            self.quirk_observations.clear()
            self.oauth_clients.clear()
            self.personal_access_tokens.clear()
            self.authorization_codes.clear()
            self.identities.clear()
            settings = self.settings
            admin = self._add_identity("admin", "admin", "100001", [ORG_ADMIN])
            user = self._add_identity("user", "user", "100002", [])
            self._seed_pat(admin, "seed-admin", settings.admin_client_id, settings.admin_client_secret)
            self._seed_pat(user, "seed-user", settings.user_client_id, settings.user_client_secret)

    def _add_identity(self, user_name: str, display_name: str, user_id: str, authorities: list[str]) -> Identity:
        identity = Identity(self.settings.identity_id(user_name), user_name, display_name, user_id, authorities)
        self.identities[identity.id] = identity
        return identity

    def _seed_pat(self, owner: Identity, name: str, client_id: str, secret: str) -> None:
        self.personal_access_tokens[client_id] = PersonalAccessToken(
            secret=secret,
            attributes={
                "id": client_id,
                "name": name,
                "scope": list(DEFAULT_SCOPE),
                "ownerId": owner.id,
                "created": self.now_iso(),
                "lastUsed": None,
                "managed": False,
                "accessTokenValiditySeconds": self.settings.pat_token_validity,
                "expirationDate": None,
                "userAwareTokenNeverExpires": True,
            },
        )

    # -- helpers ---------------------------------------------------------------------------
    def now_iso(self) -> str:
        return format_timestamp(self.clock.now())

    def identity_by_user_name(self, user_name: str) -> Optional[Identity]:
        return next((i for i in self.identities.values() if i.user_name == user_name), None)

    def pats_of(self, owner_id: str) -> list[PersonalAccessToken]:
        return [pat for pat in self.personal_access_tokens.values() if pat.owner_id == owner_id]

    def record_request(self, entry: dict) -> None:
        with self.lock:
            self.request_log.append(entry)

    def record_violations(self, violations: list[dict], quirk_observations: list[dict] = ()) -> None:
        with self.lock:
            self.violations.extend(violations)
            self.quirk_observations.extend(quirk_observations)
