"""The request bodies' types, inferred from the seeds' sample bodies.

Every JSON-object body of the table whose endpoint lists sample requests (`response.fixture`
entries ending in `.request`, files under tests/fixtures/) gets one shape: the keys the samples
show (merged across samples, list items merged into one item shape), the value types they show,
the table's `required_fields` as required keys (nested `required_fields` rules too, when they
hold unconditionally), and the table's `enum` rules as literal types. Endpoints whose body rules
are identical pool their samples (create, update and validate of a registry take one body) and
share one shape under each endpoint's own name. A body no sample shows stays a plain mapping.

The Python (python.py) and TypeScript (node.py) targets render the same shapes.
"""

from __future__ import annotations

import json
import pathlib

from common import camel, pascal

FIXTURES = "tests/fixtures"


class Shape:
    """An object's keys, each with its value type, and which of them are required."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fields: dict[str, Type] = {}
        self.required: set[str] = set()


class Type:
    """What one key or list element holds, as the samples (and the table's rules) show it."""

    def __init__(self) -> None:
        self.scalars: set[str] = set()  # "str", "int", "float", "bool"
        self.nullable = False
        self.obj: Shape | None = None
        self.items: Type | None = None  # a list's elements
        self.literals: list[object] | None = None  # an enum rule's values


def _add(t: Type, v: object, name: str) -> None:
    if v is None:
        t.nullable = True
    elif isinstance(v, bool):
        t.scalars.add("bool")
    elif isinstance(v, int):
        t.scalars.add("int")
    elif isinstance(v, float):
        t.scalars.add("float")
    elif isinstance(v, str):
        t.scalars.add("str")
    elif isinstance(v, list):
        if t.items is None:
            t.items = Type()
        for x in v:
            _add(t.items, x, name)
    elif isinstance(v, dict):
        if t.obj is None:
            t.obj = Shape(name)
        _merge(t.obj, v)
    else:  # pragma: no cover - JSON has no other values
        raise SystemExit(f"{name}: unexpected sample value {v!r}")


def _merge(shape: Shape, sample: dict) -> None:
    for k, v in sample.items():
        _add(shape.fields.setdefault(k, Type()), v, shape.name + pascal(k))


def _resolve(shape: Shape, path: str) -> tuple[Shape, str] | None:
    """The shape holding the last key of a rule's field path (`a.b[].c`), and that key."""
    parts = path.split(".")
    for p in parts[:-1]:
        t = shape.fields.get(p.removesuffix("[]"))
        if t is None:
            return None
        if p.endswith("[]"):
            t = t.items
        if t is None or t.obj is None:
            return None
        shape = t.obj
    return shape, parts[-1]


def _apply_rules(shape: Shape, body: dict) -> None:
    for k in body.get("required_fields", []):
        shape.fields.setdefault(k, Type())
        shape.required.add(k)
    for rule in body.get("validation", []):
        if "when" in rule:
            continue  # a conditional rule is checked at run time; the type cannot say it
        if rule["rule"] == "enum":
            at = _resolve(shape, rule["field"])
            if at is None:
                continue
            holder, key = at
            t = holder.fields.get(key.removesuffix("[]"))
            if t is None:
                continue
            if key.endswith("[]"):
                t = t.items
            if t is not None:
                t.literals = list(rule["values"])
        elif rule["rule"] == "required_fields":
            field = rule["field"]
            target = shape
            if field != "$":
                at = _resolve(shape, field + ".x")
                if at is None:
                    continue
                target = at[0]
            for k in rule["fields"]:
                target.fields.setdefault(k, Type())
                target.required.add(k)


def samples_of(e: dict, root: pathlib.Path) -> list[dict]:
    out = []
    for f in e["response"].get("fixture", []):
        if f.endswith(".request"):
            sample = json.loads((root / FIXTURES / f"{f}.json").read_text())
            if isinstance(sample, dict):
                out.append(sample)
    return out


def body_name(e: dict) -> str:
    return pascal(e["resource"]) + pascal(e["method"]) + "Body"


def body_shapes(table: dict, root: pathlib.Path) -> tuple[list[Shape], dict[str, str], dict[str, str]]:
    """(the shapes in order, nested ones first; endpoint id -> its body type's name; alias name ->
    the name of the shape it is). Only JSON-object bodies some sample shows."""
    groups: dict[str, list[dict]] = {}
    for e in table["endpoints"]:
        body = e.get("body")
        if body and body["kind"] == "json_object" and e["resource"] != "auth":
            # The same rules under one resource: one body (a registry's create, update, validate).
            groups.setdefault(json.dumps([e["resource"], body], sort_keys=True), []).append(e)
    shapes: list[Shape] = []
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for key, eps in groups.items():
        pooled = [s for e in eps for s in samples_of(e, root)]
        if not pooled:
            continue
        first = body_name(eps[0])
        top = Shape(first)
        for s in pooled:
            _merge(top, s)
        _apply_rules(top, json.loads(key)[1])
        shapes += _flatten(top)
        for e in eps:
            names[e["id"]] = body_name(e)
            if body_name(e) != first:
                aliases[body_name(e)] = first
    return shapes, names, aliases


def _flatten(shape: Shape) -> list[Shape]:
    """The shape after every shape nested in it (a type is defined before its use)."""
    out: list[Shape] = []

    def walk(t: Type) -> None:
        if t.obj is not None:
            out.extend(_flatten(t.obj))
        if t.items is not None:
            walk(t.items)

    for t in shape.fields.values():
        walk(t)
    return [*out, shape]


def sources(e: dict) -> list[str]:
    return [f for f in e["response"].get("fixture", []) if f.endswith(".request")]


def py_type(t: Type) -> str:
    if t.literals is not None:
        parts = ["Literal[" + ", ".join(json.dumps(v) for v in t.literals) + "]"]
    else:
        parts = []
        if t.obj is not None:
            parts.append(t.obj.name)
        if t.items is not None:
            parts.append(f"Sequence[{py_type(t.items)}]")
        scalars = t.scalars - {"int"} if "float" in t.scalars else t.scalars
        parts += sorted(scalars)
    if not parts:
        return "Any"  # the samples only show null: the type is not known
    if t.nullable:
        parts.append("None")
    return " | ".join(parts)


def ts_type(t: Type) -> str:
    if t.literals is not None:
        parts = [json.dumps(v) for v in t.literals]
    else:
        parts = []
        if t.obj is not None:
            parts.append(t.obj.name)
        if t.items is not None:
            item = ts_type(t.items)
            parts.append(f"readonly ({item})[]" if " " in item else f"readonly {item}[]")
        names = {"str": "string", "int": "number", "float": "number", "bool": "boolean"}
        parts += sorted({names[s] for s in t.scalars})
    if not parts:
        return "unknown"
    if t.nullable:
        parts.append("null")
    return " | ".join(parts)


def _doc_of(shape: Shape, endpoints: dict[str, list[dict]], js: bool) -> str | None:
    eps = endpoints.get(shape.name)
    if not eps:
        return None

    def call(e: dict) -> str:
        parts = [*e["resource"].split("."), e["method"]]
        return ".".join(camel(p) for p in parts) if js else ".".join(parts)

    q = "`" if js else "``"
    return "The body of " + ", ".join(f"{q}{call(e)}{q} ({e['id']})" for e in eps) + "."


def _by_shape(table: dict, names: dict[str, str], aliases: dict[str, str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in table["endpoints"]:
        n = names.get(e["id"])
        if n:
            out.setdefault(n, []).append(e)
    return out


def gen_python(table: dict, root: pathlib.Path) -> str:
    header = "# Generated by codegen/bodies.py from spec/endpoints.json and tests/fixtures/; do not edit.\n"
    shapes, names, aliases = body_shapes(table, root)
    docs = _by_shape(table, names, aliases)
    o = [header, '"""Request bodies, typed from the API documentation\'s sample requests.\n\n']
    o.append("Keys the API requires are ``Required``; every other key the samples show may be left out.\n")
    o.append('The bodies are sent as given: these types only guide a type checker."""\n\n')
    o.append("from __future__ import annotations\n\nfrom collections.abc import Sequence\n")
    o.append("from typing import TYPE_CHECKING, Any, Literal, TypedDict\n\n")
    o.append("if TYPE_CHECKING:\n    from typing_extensions import Required\n\n")
    public = sorted({*names.values()})
    o.append("__all__ = [\n" + "".join(f'    "{n}",\n' for n in public) + "]\n")
    for s in shapes:
        o.append(f"\n\nclass {s.name}(TypedDict, total=False):\n")
        doc = _doc_of(s, docs, js=False)
        if doc:
            o.append(f'    """{doc}"""\n\n')
        for k, t in s.fields.items():
            if not k.isidentifier():
                raise SystemExit(f"{s.name}: key {k!r} is not an identifier")
            ty = py_type(t)
            o.append(f"    {k}: {'Required[' + ty + ']' if k in s.required else ty}\n")
    # A body of the same rules as another's gets a type of its own name (what a type checker's
    # message names) with the same keys.
    for alias, target in sorted(aliases.items()):
        doc = _doc_of(Shape(alias), docs, js=False)
        o.append(f"\n\nclass {alias}({target}, total=False):\n")
        o.append(f'    """{doc[:-1]}: the keys of ``{target}``."""\n')
    return "".join(o)


def gen_typescript(table: dict, root: pathlib.Path) -> str:
    header = "// Generated by codegen/bodies.py from spec/endpoints.json and tests/fixtures/. Do not edit.\n"
    shapes, names, aliases = body_shapes(table, root)
    docs = _by_shape(table, names, aliases)
    o = [header.rstrip("\n")]
    o.append("// Request bodies, typed from the API documentation's sample requests: keys the API requires")
    o.append("// are required, every other key the samples show may be left out. Sent as given.")
    for s in shapes:
        o.append("")
        doc = _doc_of(s, docs, js=True)
        if doc:
            o.append(f"/** {doc} */")
        o.append(f"export interface {s.name} {{")
        for k, t in s.fields.items():
            o.append(f"  {k}{'' if k in s.required else '?'}: {ts_type(t)}")
        o.append("}")
    for alias, target in sorted(aliases.items()):
        doc = _doc_of(Shape(alias), docs, js=True)
        o.append("")
        o.append(f"/** {doc[:-1]}: the keys of `{target}`. */")
        o.append(f"export interface {alias} extends {target} {{}}")
    return "\n".join(o) + "\n"
