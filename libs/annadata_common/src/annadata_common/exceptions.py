"""Domain exceptions: service code raises them, the app factory answers with their status.

No web imports here: the worker and the shared model code raise them too.
"""


class NotFoundError(LookupError):
    """No such resource (an unknown id or name): answered 404 with this message as `detail`."""


class InvalidInputError(ValueError):
    """Input refused by a rule the request schema cannot state: 422, this message as `detail`."""
