"""What a change affects: from changed files to the components and sessions that must run.

Standard library only: the noxfile imports it to decide, before installing anything,
whether a session has work. The rules come from the registry (owned directories, what
each Dockerfile copies and builds on, mounts, reversed depends_on, compose blocks) and one
small table for everything else (`table.RULES`); a path no rule knows selects everything.
"""
