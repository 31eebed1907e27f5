"""Tiny demo service: an in-memory cache with TTL (the subject of the demo pack)."""
import time

class Cache:
    def __init__(self, ttl=60):
        self.ttl = ttl
        self.items = {}

    def get(self, key):
        value, expires = self.items.get(key, (None, 0))
        return value if expires > time.time() else None

    def put(self, key, value):
        self.items[key] = (value, time.time() + self.ttl)
