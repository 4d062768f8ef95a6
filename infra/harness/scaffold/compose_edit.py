"""Add services to docker-compose.yml and its hot-reload sample, round-trip: comments kept.

New services are built from the file's own anchored blocks (`<<: *app`, `*backend-healthcheck`,
...), so a change to a shared block reaches scaffolded services as it reaches the seed ones.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, MarkedYAMLError, YAMLError
from ruamel.yaml.mergevalue import MergeValue
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from harness import registry, safeload, yamlpos
from harness.docker.compose import COMPOSE_FILE, OVERRIDE_SAMPLE
from harness.errors import HarnessError

# The anchors a scaffolded service is made of; the file must keep defining them.
ANCHORS: dict[str, tuple[str, ...]] = {
    "backend": ("app", "python-build", "backend-env", "backend-healthcheck", "limits-backend"),
    "frontend": ("app", "node-build", "healthcheck-timing", "limits-frontend"),
}
HOT_ANCHORS: dict[str, tuple[str, ...]] = {"backend": ("hot-python",), "frontend": ("hot-node",)}
# The service that joins every service's network to route to it.
ROUTER = "traefik"


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # The file's own layout: never re-wrap a line, sequences indented under their key.
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def round_trip(text: str) -> str:
    """text loaded and dumped unchanged (a test holds the committed file to this)."""
    yaml = _yaml()
    out = io.StringIO()
    yaml.dump(_load(yaml, text, "(text)"), out)
    return out.getvalue()


def add_components(text: str, components: list[registry.Component], reg: registry.Registry) -> str:
    """docker-compose.yml's text with a service appended for each component, on its network."""
    return _append(
        text, COMPOSE_FILE, components, ANCHORS, lambda c, a: _service(c, reg, a), _add_networks
    )


def _add_networks(doc: CommentedMap, components: list[registry.Component]) -> None:
    """Each new service's own network, declared and joined by the router (least privilege)."""
    networks = doc.get("networks")
    if not isinstance(networks, CommentedMap):
        networks = doc["networks"] = CommentedMap()
    router = doc["services"].get(ROUTER)
    joined = router.get("networks") if isinstance(router, CommentedMap) else None
    if not isinstance(joined, CommentedMap):
        raise HarnessError(
            f"{COMPOSE_FILE}: service {ROUTER!r} has no `networks:` mapping to add "
            "the new service's network to; restore it"
        )
    for service in dict.fromkeys(c.service for c in components):
        for mapping in (networks, joined):
            if service not in mapping:
                empty = CommentedMap()
                empty.fa.set_flow_style()
                mapping[service] = empty


def add_hot_reload(text: str, components: list[registry.Component], reg: registry.Registry) -> str:
    """The override sample's text with each component's hot-reload service appended."""
    return _append(text, OVERRIDE_SAMPLE, components, HOT_ANCHORS, lambda c, a: _hot(c, reg, a))


def _append(
    text: str,
    file: str,
    components: list[registry.Component],
    needed: dict[str, tuple[str, ...]],
    build: Callable[[registry.Component, dict[str, Any]], CommentedMap],
    finish: Callable[[CommentedMap, list[registry.Component]], None] | None = None,
) -> str:
    yaml = _yaml()
    doc = _load(yaml, text, file)
    services = doc.get("services") if isinstance(doc, CommentedMap) else None
    if not isinstance(services, CommentedMap):
        has_key = isinstance(doc, CommentedMap) and "services" in doc
        line = yamlpos.key_line(doc, "services") if has_key else 1
        if isinstance(doc, CommentedMap) or doc is None:
            found = f"`services:` is {_kind(services)}" if has_key else "no `services:` key"
        else:
            found = f"the top level is {_kind(doc)}"
        raise HarnessError(
            f"{file}:{line}: {found}, not a mapping of services to add to: make it one "
            "(`services:` followed by indented service names)"
        )
    anchors = _anchors(doc)
    for comp in components:
        if comp.compose_name in services:
            raise HarnessError(
                f"{file}: service {comp.compose_name!r} already exists: "
                "remove it or choose another name"
            )
        missing = [a for a in needed[comp.kind] if a not in anchors]
        if missing:
            raise HarnessError(
                f"{file}: no `&{missing[0]}` anchor: new {comp.kind}s are built from "
                "it; restore the shared block"
            )
        services[comp.compose_name] = build(comp, anchors)
        # A blank line before it, as between the services already there.
        services.ca.items[comp.compose_name] = [None, [_blank_line()], None, None]
    if finish is not None:
        finish(doc, components)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def _load(yaml: YAML, text: str, file: str) -> Any:
    # Aliases and nesting are bounded before ruamel builds anything.
    safeload.check_yaml(text, file)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        raise HarnessError(f"{safeload.yaml_error(exc, file)}: fix it first") from exc
    except YAMLError as exc:
        raise HarnessError(f"{file}: not valid YAML ({exc}): fix it first") from exc


def _anchors(doc: CommentedMap) -> dict[str, Any]:
    """Top-level anchored blocks (x-app: &app ...) by anchor name, and the ones inside them."""
    found: dict[str, Any] = {}

    def visit(node: Any) -> None:
        anchor = getattr(getattr(node, "anchor", None), "value", None)
        if anchor:
            found.setdefault(anchor, node)
        if isinstance(node, dict):
            for value in node.values():
                visit(value)

    for key, value in doc.items():
        if str(key).startswith("x-"):
            visit(value)
    return found


def _merged(*bases: Any, **items: Any) -> CommentedMap:
    """A mapping that starts with `<<: *base` (or `<<: [*a, *b]`) then the given items."""
    mapping = CommentedMap()
    merge = MergeValue()
    merge.merge_pos = 0
    for base in bases:
        merge.append(base)
    mapping.add_yaml_merge(merge)
    for key, value in items.items():
        mapping[key] = value
    return mapping


def _flow(*items: str) -> CommentedSeq:
    seq = CommentedSeq([DoubleQuotedScalarString(i) for i in items])
    seq.fa.set_flow_style()
    return seq


def _flow_plain(*items: str) -> CommentedSeq:
    seq = CommentedSeq(list(items))
    seq.fa.set_flow_style()
    return seq


def _blank_line() -> CommentToken:
    return CommentToken("\n", CommentMark(0), None)


def _service(comp: registry.Component, reg: registry.Registry, anchors: dict[str, Any]) -> Any:
    name = comp.compose_name
    service = _merged(anchors["app"])
    if comp.profile:
        profiles = CommentedSeq([comp.profile])
        profiles.fa.set_flow_style()
        service["profiles"] = profiles
        service.yaml_set_comment_before_after_key(
            "profiles", before=f"Opt-in: `docker compose --profile {comp.profile} up`.", indent=4
        )
    service["image"] = f"annadata/{name}:${{ANNADATA_TAG:-dev}}"
    build_base = anchors["python-build" if comp.kind == "backend" else "node-build"]
    service["build"] = _merged(build_base, dockerfile=f"{comp.directory}/Dockerfile")
    if comp.kind == "backend":
        service["environment"] = _merged(anchors["backend-env"])
        env_file = CommentedMap(path=f"{comp.directory}/.env", required=False)
        service["env_file"] = CommentedSeq([env_file])
    depends = CommentedMap()
    for ref in comp.depends_on:
        target = reg.component(ref).compose_name if "." in ref else ref
        depends[target] = CommentedMap(condition="service_healthy")
    if depends:
        service["depends_on"] = depends
    service["networks"] = _flow_plain(*reg.networks(comp))
    service["ports"] = CommentedSeq(
        [f"127.0.0.1:${{{comp.port_variable}:-{comp.port}}}:{comp.port}"]
    )
    if comp.kind == "backend":
        service["healthcheck"] = anchors["backend-healthcheck"]
    else:
        probe = _flow("CMD", "wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{comp.port}/")
        service["healthcheck"] = _merged(anchors["healthcheck-timing"], test=probe)
    service["labels"] = CommentedMap(
        {
            "traefik.enable": DoubleQuotedScalarString("true"),
            f"traefik.http.routers.{name}.rule": f"Host(`{comp.route_host}`)",
            f"traefik.http.routers.{name}.entrypoints": "web",
            f"traefik.http.services.{name}.loadbalancer.server.port": DoubleQuotedScalarString(
                str(comp.port)
            ),
            "traefik.docker.network": f"${{COMPOSE_PROJECT_NAME}}_{comp.service}",
        }
    )
    service["deploy"] = anchors["limits-backend" if comp.kind == "backend" else "limits-frontend"]
    return service


def _hot(comp: registry.Component, reg: registry.Registry, anchors: dict[str, Any]) -> Any:
    """What the sample's seed services have: uvicorn --reload, or Vite's dev server."""
    if comp.kind == "backend":
        mounts = [f"./{comp.directory}:/src:ro", "./libs/annadata_common:/opt/annadata_common:ro"]
        return _merged(anchors["hot-python"], volumes=CommentedSeq(mounts))
    backend = next(reg.component(d) for d in comp.depends_on if d.endswith(".backend"))
    service = _merged(anchors["hot-node"])
    # Its own tag: the dev-server image must not replace the nginx one.
    service["image"] = f"annadata/{comp.compose_name}:hot"
    service["build"] = CommentedMap(target="dev")
    service["environment"] = CommentedMap(
        PORT=DoubleQuotedScalarString(str(comp.port)),
        API_URL=f"http://{backend.compose_name}:{backend.port}",
    )
    mounts = [f"./{comp.directory}/src:/app/src:ro",
              f"./{comp.directory}/index.html:/app/index.html:ro"]  # fmt: skip
    service["volumes"] = CommentedSeq(mounts)
    return service
