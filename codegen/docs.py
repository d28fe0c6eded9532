"""The method table of README.md (between the `methods` markers): endpoint -> Rust, Python, Node, and the
simulator module that answers it (a simulator test checks its route table against this column)."""

from __future__ import annotations

import pathlib

from common import camel, optional_args, pascal, positional_args, resources

START, END = "<!-- methods:start -->", "<!-- methods:end -->"

# The simulator keeps one handler module per resource, named by the resource's last part; the
# registry connectors of every cloud share one module.
SIM_MODULE = {
    "aws": "connectors",
    "acr": "connectors",
    "gcp": "connectors",
    "k8s_postures": "postures",
    "k8s_clusters": "clusters",
}


# Exceptions of images and containers live with the exceptions, which decide what they show.
SIM_METHOD_MODULE = {"exceptions": "exceptions", "update_exceptions": "exceptions"}


def sim_handler(resource: str, method: str = "") -> str:
    if method in SIM_METHOD_MODULE:
        return f"simulator/src/handlers/{SIM_METHOD_MODULE[method]}.rs"
    last = resource.rpartition(".")[2]
    return f"simulator/src/handlers/{SIM_MODULE.get(last, last)}.rs"


def generate(table: dict, root: pathlib.Path) -> dict[str, str]:
    readme = root / "README.md"
    if not readme.exists():
        return {}
    text = readme.read_text()
    if START not in text or END not in text:
        return {}
    rows = [
        "| id | HTTP | path | Rust | Python | Node | simulator |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for res, eps in resources(table).items():
        for e in eps:
            pos = [a["name"] for a in positional_args(e)]
            has_opts = bool(optional_args(e))
            py_args = ", ".join(pos + (["..."] if has_opts else []))
            node_args = ", ".join([camel(p) for p in pos] + (["{...}"] if has_opts else []))
            rust_path = "".join(f"{part}()." for part in res.split("."))
            rust_args = ", ".join(pos + ([f"{pascal(res)}{pascal(e['method'])}Params"] if has_opts else []))
            rows.append(
                f"| {e['id']} | {e['http']} | `{e['path']}` | `client.{rust_path}{e['method']}({rust_args})` "
                f"| `client.{res}.{e['method']}({py_args})` | `client.{res}.{camel(e['method'])}({node_args})` "
                f"| `{sim_handler(res, e['method'])}` |"
            )
    table_md = "\n".join(rows)
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return {"README.md": f"{before}{START}\n{table_md}\n{END}{after}"}
