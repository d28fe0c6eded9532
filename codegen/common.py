"""Helpers shared by the generator targets."""

from __future__ import annotations

import keyword


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.replace(".", "_").split("_"))


def py_ident(name: str) -> str:
    # Only keywords are escaped: builtins such as `type`, `filter` and `id` stay as the API names them.
    return name + "_" if keyword.iskeyword(name) else name


def resources(table: dict) -> dict[str, list[dict]]:
    """Endpoints grouped by resource path, in table order; the auth call is internal."""
    out: dict[str, list[dict]] = {}
    for e in table["endpoints"]:
        if e["resource"] == "auth":
            continue
        out.setdefault(e["resource"], []).append(e)
    return out


def positional_args(e: dict) -> list[dict]:
    """Path params, then required query params, then the body: the method's positional arguments."""
    # A numeric id (a control id) may be given as a number or its text; every other id is a string.
    args = [
        {"name": p["arg"], "kind": "path", "type": "id_numeric" if p.get("numeric") else "string", "wire": p["name"]}
        for p in e["path_params"]
    ]
    args += [
        {"name": q["arg"], "kind": "query", "type": q["type"], "wire": q["name"]}
        for q in e["query"]
        if q.get("required")
    ]
    body = e.get("body")
    if body and body["kind"] != "form":
        required = bool(body.get("required_fields")) or body["kind"] != "json_object"
        args.append({"name": body["arg"] or "body", "kind": "body", "type": body["kind"], "required": required})
    return args


def optional_args(e: dict) -> list[dict]:
    """Optional query params and local args: keyword options."""
    out = [
        {
            "name": q["arg"],
            "kind": "query",
            "type": q["type"],
            "wire": q["name"],
            "enum": q.get("enum"),
            "default": q.get("default"),
            "min": q.get("min"),
            "max": q.get("max"),
        }
        for q in e["query"]
        if not q.get("required")
    ]
    out += [{"name": a["arg"], "kind": "local", "type": a["type"]} for a in e.get("local_args", [])]
    return out


def summary(e: dict) -> str:
    tail = " (observed on tenants; Qualys has not documented it)" if e.get("evidence") == "observed" else ""
    return f"{e['http']} {e['path']} [{e['id']}]{tail}"


# An endpoint's evidence follows from its sources (the table's `evidence` must agree; `spec.py`
# checks it): "documented" when Qualys itself publishes the call, i.e. a seed (S000..S004, Qualys'
# release notes), its OpenAPI file (P-swagger) or a page of its guide (P-docs "<title>");
# "observed" when only clients that call live tenants show it (P-qualysdk, P-v11, P-qualys-cli,
# P-qualys-mcp, user scripts). Observed endpoints work on tenants today but may change without
# notice, so the reference and every docstring say so.
QUALYS_PUBLISHED = ("S00", "P-swagger", "P-docs")


def evidence_of(sources: list[str]) -> str:
    return "documented" if any(s.startswith(QUALYS_PUBLISHED) for s in sources) else "observed"
