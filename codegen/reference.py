"""docs/reference.md, the API reference generated from the endpoint table: per resource and method,
the HTTP call, parameters, paging, what it returns, the errors, and one example each in Python,
Node and the command line."""

from __future__ import annotations

import pathlib

import shapes
from common import camel, optional_args, positional_args, resources

ERRORS = (
    "`ValidationError` before sending (a documented rule broken); `AuthenticationError` (401), "
    "`PermissionDeniedError` (403), `NotFoundError` (404), `ConflictError` (409), `RateLimitError` "
    "(429 after the retries), `ServerError` (5xx after the retries), `TimeoutError`, `ConnectionError`."
)

RETURNS = {
    "json_object": "a JSON object",
    "page": "pages of items (the client follows every page)",
    "bare_array": "a JSON array",
    "text": "text",
    "bytes": "the file (bytes), or a summary when `path` is given",
    "empty_or_text": "nothing, or the API's text",
    "json_or_text": "JSON or text",
}

# Every endpoint says how it is known (the rule: codegen/common.py `evidence_of`).
EVIDENCE = {
    "documented": "Evidence: documented (Qualys publishes it in its guide, release notes or OpenAPI file).",
    "observed": (
        "Evidence: **observed**. Clients call it on live tenants, but Qualys has not documented it: "
        "it may change without notice, and its answer is decoded leniently (every key kept as sent)."
    ),
}

SAMPLE = {"sha": "SHA", "filter": "vulnerabilities.severity:5"}

# A filter the example can show: QQL fields are per resource, and `vulnerabilities.severity` is
# one of the images' and containers' only (the others' lists are shown unfiltered).
EXAMPLE_FILTER = {"images": "vulnerabilities.severity:5", "containers": "vulnerabilities.severity:5"}


def kebab(name: str) -> str:
    out = ""
    for ch in name:
        out += "-" + ch.lower() if ch.isupper() else ch
    return out.replace("_", "-")


def sample(a: dict) -> str:
    return SAMPLE.get(a["name"], a["name"].upper())


def examples(res: str, e: dict) -> list[str]:
    pos = positional_args(e)
    paged = bool(e.get("pagination"))
    py_args, node_args, cli_args = [], [], []
    for a in pos:
        if a["kind"] == "body":
            value = "[...]" if a["type"] == "json_array" else "{...}"
            py_args.append(value)
            node_args.append(value)
            cli_args.append("--body @body.json")
        else:
            py_args.append(f'"{sample(a)}"')
            node_args.append(f"'{sample(a)}'")
            cli_args.append(sample(a))
    has_filter = any(q["arg"] == "filter" for q in e["query"])
    qql = EXAMPLE_FILTER.get(res)
    if paged and has_filter and qql:
        py_args.append(f'filter="{qql}"')
        node_args.append(f"{{ filter: '{qql}' }}")
        cli_args.append(f"--filter '{qql}'")
    for rule in e.get("query_validation", []):
        # A call that needs one of several query arguments (ids or a filter): show the ids.
        if rule["rule"] == "at_least_one_of":
            q = next(q for q in e["query"] if q["name"] == rule["fields"][0])
            value = q["arg"].removesuffix("_ids").upper() + "_ID"
            py_args.append(f'{q["arg"]}=["{value}"]')
            node_args.append(f"{{ {camel(q['arg'])}: ['{value}'] }}")
            cli_args.append(f"--{kebab(q['arg'])} {value}")
    # Node names resources in camelCase as it does methods (`client.k8sPostures`).
    node_res = ".".join(camel(p) for p in res.split("."))
    call_py = f"client.{res}.{e['method']}({', '.join(py_args)})"
    call_node = f"client.{node_res}.{camel(e['method'])}({', '.join(node_args)})"
    words = " ".join(kebab(w) for w in res.split(".")) + " " + kebab(e["method"])
    cli = f"qualys-cs {words} {' '.join(cli_args)}".rstrip() + (" --all --output table" if paged else "")
    if paged:
        py = f"for item in {call_py}:\n    print(item)"
        node = f"for await (const item of {call_node}) console.log(item)"
    else:
        py = f"result = {call_py}"
        node = f"const result = await {call_node}"
    return ["```python", py, "```", "```js", node, "```", "```sh", cli, "```"]


def params(e: dict) -> list[str]:
    rows = []
    for a in positional_args(e):
        where = {"path": f"path `{{{a.get('wire')}}}`", "query": f"query `{a.get('wire')}`", "body": "body"}[a["kind"]]
        rows.append(f"| `{a['name']}` | {where} | {a['type']} | required |")
    for a in optional_args(e):
        rule = []
        if a.get("min") is not None or a.get("max") is not None:
            rule.append(f"{a.get('min', '')}..{a.get('max', '')}")
        if a.get("enum"):
            rule.append("one of " + ", ".join(f"`{v}`" for v in a["enum"]))
        if a.get("default") is not None:
            rule.append(f"server default {a['default']}")
        where = f"query `{a['wire']}`" if a["kind"] == "query" else "local (not sent)"
        rows.append(f"| `{a['name']}` | {where} | {a['type']} | {'; '.join(rule) or 'optional'} |")
    if not rows:
        return ["No parameters."]
    return ["| argument | sent as | type | rule |", "| --- | --- | --- | --- |", *rows]


def generate(table: dict, root: pathlib.Path) -> dict[str, str]:
    out = [
        "# API reference",
        "",
        "<!-- Generated from spec/endpoints.json by codegen/reference.py: do not edit. -->",
        "",
        "Every endpoint of the Qualys Container Security API, as each client names it. Python methods take",
        "the path parameters and body positionally and the rest as keywords (snake_case); Node methods take",
        "the same positionally and an options object (camelCase); the command line takes path parameters",
        "as arguments and the rest as `--kebab-case` options (`qualys-cs RESOURCE METHOD --help`).",
        f"Every method can raise: {ERRORS}",
        "The keys of each response are listed in the [models](models.md). See also the [recipes](recipes.md)",
        "and the [README](../README.md).",
        "",
        "## Contents",
        "",
    ]
    groups = resources(table)
    for res in groups:
        out.append(f"- [{res}](#{res.replace('.', '')})")
    for res, eps in groups.items():
        out += ["", f"## {res}", ""]
        for e in eps:
            out += [f"### {res}.{e['method']}", "", f"`{e['http']} {e['path']}` (endpoint {e['id']})", ""]
            out += [EVIDENCE[e["evidence"]], ""]
            out += params(e)
            out.append("")
            pg = e.get("pagination")
            if pg:
                style = {"page_number": "page numbers", "page_no": "page numbers (`pageNo`)", "cursor": "a cursor"}
                cap = f"; the server reaches at most {pg['max_records']:,} records" if pg.get("max_records") else ""
                size = f"`{pg['size_param']}` up to {pg['max_page_size']}" if pg.get("max_page_size") else ""
                out += [f"Paging: by {style[pg['style']]}, {size}{cap}. Lists iterate items across pages.", ""]
            resp = e["response"]
            model = f" ([`{resp['model']}`](models.md#{resp['model'].lower()}))" if resp.get("model") else ""
            out += [f"Returns: {RETURNS.get(resp['kind'], resp['kind'])}{model}.", ""]
            if e.get("rate_family"):
                out += [f"Rate limit family: `{e['rate_family']}` (the client waits instead of drawing 429s).", ""]
            out += [*examples(res, e), ""]
    return {"docs/reference.md": "\n".join(out) + "\n", "docs/models.md": "\n".join(models(shapes.load(root))) + "\n"}


def models(spec: dict) -> list[str]:
    """The response models' fields, from spec/shapes.json (the same file the Rust, Python and
    TypeScript types are generated from)."""
    out = [
        "# Response models",
        "",
        "<!-- Generated from spec/shapes.json by codegen/reference.py: do not edit. -->",
        "",
        "The keys each response carries, as spec/shapes.json declares them. Every key may be absent and",
        "may be `null` unless marked *always sent* (never null) or *never null*; keys the model does not",
        "name are kept as the server sent them. `timestamp` is epoch milliseconds as text.",
        "",
    ]
    for name, m in spec["models"].items():
        out += [f"## {name}", ""]
        doc = shapes.plain_doc(m["doc"]).split("\n\n")[0].replace("\n", " ")
        if doc:
            out += [doc, ""]
        if not m["fields"]:
            continue
        out += ["| key | type | notes |", "| --- | --- | --- |"]
        for f in m["fields"]:
            note = "always sent" if f.get("required") else "never null" if f.get("nullable") is False else ""
            extra = shapes.plain_doc(f.get("doc", "")).replace("|", "\\|")
            notes = "; ".join(x for x in (note, extra) if x)
            out.append(f"| `{f['key']}` | `{f['type']}` | {notes} |")
        out.append("")
    return out
