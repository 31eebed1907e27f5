"""HTTP-ish handlers of the demo service."""
from app.cache import Cache
from app.auth import require_user

CACHE = Cache(ttl=30)

def get_profile(request):
    user = require_user(request)
    cached = CACHE.get(user)
    if cached is not None:
        return cached
    profile = {"user": user, "plan": "free"}
    CACHE.put(user, profile)
    return profile
