"""Authentication helpers of the demo service."""

class Unauthorized(Exception):
    pass

def require_user(request):
    token = request.get("token")
    if not token:
        raise Unauthorized("missing token")
    return token.split(":", 1)[0]
