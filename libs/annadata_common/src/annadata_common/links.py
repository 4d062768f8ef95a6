"""OpenAPI links: a response's values that another operation takes (schemathesis chains them)."""

from typing import Any


def read_back(name: str, path: str, method: str = "get", **parameters: str) -> dict[str, Any]:
    """A route's `responses` entry linking it to path/method, fed by runtime expressions.

    e.g. `responses={201: read_back("GetNote", "/api/v1/notes/{note_id}",
    note_id="$response.body#/id")}`; FastAPI merges it into the route's own response.
    """
    # A JSON pointer into this spec's paths: `/` is `~1` inside one token (RFC 6901).
    token = path.replace("~", "~0").replace("/", "~1")
    return {
        "links": {name: {"operationRef": f"#/paths/{token}/{method}", "parameters": parameters}}
    }
