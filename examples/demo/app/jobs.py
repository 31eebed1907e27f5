"""Background jobs of the demo service."""
import logging

log = logging.getLogger("jobs")

def refresh_profiles(users, fetch):
    for user in users:
        try:
            fetch(user)
        except Exception:  # noqa: BLE001 - the demo swallows errors on purpose
            log.warning("refresh failed for %s", user)
