"""The one exception type the harness raises for problems a user can fix."""


class HarnessError(Exception):
    """A failure the user can act on; its text is one line naming what failed and what to do."""
