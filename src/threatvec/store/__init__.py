"""Engine, sessions, the base model and migrations."""
