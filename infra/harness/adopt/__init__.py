"""Taking in a repository the harness did not write: audit (read only) and adopt (write)."""
