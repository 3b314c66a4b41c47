"""wit layer."""
