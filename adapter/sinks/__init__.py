"""Sinks: where converted resources go (files here; the store and push have their own packages)."""
