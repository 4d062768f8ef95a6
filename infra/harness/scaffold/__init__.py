"""`nox -s new-service`: the scaffold and its round-trip edits of compose and JSON."""
