"""Rasa stores configured from the environment (see docs/staff.md)."""
