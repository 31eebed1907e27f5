"""Feature flags of the demo service."""
FLAGS = {"new_profile_page": False}

def enabled(name):
    return FLAGS.get(name, False)
