"""component layer."""
