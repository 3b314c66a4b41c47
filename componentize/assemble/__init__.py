"""assemble layer."""
