"""Staff review app for the conversations the assistant stored (issue 4)."""
