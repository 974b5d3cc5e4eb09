"""One router module per resource; ``api.app`` includes every module's ``router``."""
