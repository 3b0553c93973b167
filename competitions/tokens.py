"""API tokens: making, finding and revoking a user's key to the read API.

A key is `rt_` and 40 random URL-safe characters. Only its SHA-256 digest is stored, so a leaked
database leaks no key; the key is shown once, when it is made.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from competitions.models import ApiToken

PREFIX = "rt_"
# What secrets.token_urlsafe(30) gives after the prefix: anything else is refused before any query.
KEY_FORMAT = re.compile(r"rt_[A-Za-z0-9_-]{40}")
# last_used_at is written at most this often per key, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
# Keys a user may have working at once (revoked and expired ones do not count).
MAX_ACTIVE = 10


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(30)


def issue(user, name: str, *, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a key for `user`; return the stored token and the key (shown to the user once)."""
    key = new_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), digest=digest(key), prefix=key[:8], expires_at=expires_at
    )
    return token, key


def find(key: str) -> ApiToken | None:
    """The active token this key opens (its user active), or None. Touches last_used_at now and then."""
    if not isinstance(key, str) or not KEY_FORMAT.fullmatch(key):
        return None
    token = ApiToken.objects.active().select_related("user").filter(digest=digest(key)).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
