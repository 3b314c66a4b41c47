"""shim layer."""
