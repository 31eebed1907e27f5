"""Schema migrations of the demo service."""
MIGRATIONS = ["001_create_profiles", "002_add_plan_column"]
