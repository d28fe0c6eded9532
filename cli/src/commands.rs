//! The command tree, built from the endpoint table at run time: a resource is a command
//! (`registries schedules` nested as the table's `registries.schedules`), a method a subcommand
//! (`bulk_cancel` → `bulk-cancel`); path parameters are positional, query parameters are
//! `--kebab-case` options, a body is `--body` (`@file.json`, `-` for stdin, or the JSON itself).

use crate::output::{self, Format};
use crate::{Failure, config::Settings, exit};
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use futures::StreamExt;
use qualys_cs::table::{self, BodyKind, Endpoint, QueryType};
use qualys_cs::{Args, Output};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;

pub(crate) fn kebab(s: &str) -> String {
    qualys_cs::request::to_snake(s).replace('_', "-")
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success                         6  rate limited (429 after the retries)
  1  a gate failed                   7  server error (5xx after the retries)
  2  usage or validation error       8  no answer (connection failure, timeout or deadline)
  3  configuration or credentials    9  other API error (4xx, undecodable response)
  4  authentication refused (401/403) 10 local I/O error (body or report file)
  5  not found (404)                 130 interrupted (Ctrl-C)";

fn global_args(cmd: Command) -> Command {
    let g = |a: Arg| a.global(true);
    cmd.arg(g(Arg::new("output")
        .long("output")
        .short('o')
        .value_parser(["table", "json", "jsonl", "csv"])
        .help(
            "Output format (default: table on a terminal, json otherwise)",
        )))
    .arg(g(Arg::new("profile")
        .long("profile")
        .help("Profile of the config file (also QUALYS_PROFILE)")))
    .arg(g(Arg::new("config").long("config").help(
        "Config file (default ~/.config/qualys-cs/config.toml; also QUALYS_CS_CONFIG)",
    )))
    // The client options: one flag each, from core's option table (spec/options.json).
    .args(crate::config::option_args())
    .arg(g(Arg::new("dry-run")
        .long("dry-run")
        .action(ArgAction::SetTrue)
        .help(
            "Print the request (method, URL, body with secrets hidden) instead of sending it",
        )))
    .arg(g(Arg::new("quiet")
        .long("quiet")
        .short('q')
        .action(ArgAction::SetTrue)
        .conflicts_with("verbose")
        .help(
            "Nothing on stderr but the error that ends a command: no warnings, no log lines",
        )))
    .arg(g(Arg::new("verbose")
        .long("verbose")
        .short('v')
        .action(ArgAction::Count)
        .help(
            "Log to stderr: -v retries and rate-limit waits, -vv every request",
        )))
}

/// An example command line for `ep`.
fn example(ep: &Endpoint, words: &[String]) -> String {
    let mut line = format!("qualys-cs {}", words.join(" "));
    for p in &ep.path_params {
        line.push_str(&format!(" {}", p.arg.to_uppercase()));
    }
    if ep.pagination.is_some() {
        if ep.query.iter().any(|q| q.arg == "filter") {
            line.push_str(" --filter 'vulnerabilities.severity:5'");
        }
        line.push_str(" --all --output table");
    }
    if ep.body.is_some() {
        line.push_str(" --body @body.json");
    }
    line
}

fn endpoint_command(ep: &'static Endpoint, words: &[String]) -> Command {
    let name = kebab(&ep.method);
    let mut about = format!("{} {}", ep.http, ep.path);
    if let Some(pg) = &ep.pagination {
        about.push_str(&format!(
            " (paged by {}; --all follows every page)",
            pg.size_param
        ));
    }
    if ep.evidence == table::Evidence::Observed {
        // Users should know before relying on it in a pipeline.
        about.push_str(" [observed on tenants; not documented by Qualys]");
    }
    let mut cmd = Command::new(name).about(about).after_help(format!(
        "Endpoint {} ({}.{}). Example:\n  {}\n\n{EXIT_CODES}",
        ep.id,
        ep.resource,
        ep.method,
        example(ep, words)
    ));
    for p in &ep.path_params {
        cmd = cmd.arg(
            Arg::new(p.arg.clone())
                .required(true)
                .value_name(p.arg.to_uppercase())
                .help(format!("{{{}}} in the path", p.name)),
        );
    }
    for q in &ep.query {
        let mut a = Arg::new(q.arg.clone())
            .long(kebab(&q.arg))
            .required(q.required);
        let mut help = format!("Query parameter {}", q.name);
        if let Some(v) = &q.allowed {
            let vs: Vec<String> = v
                .iter()
                .map(|x| x.to_string().trim_matches('"').to_owned())
                .collect();
            help.push_str(&format!(", one of: {}", vs.join(", ")));
        }
        if let (Some(lo), Some(hi)) = (q.min, q.max) {
            help.push_str(&format!(" ({lo}..={hi})"));
        }
        a = match q.ty {
            QueryType::Integer => a.value_parser(value_parser!(i64)),
            QueryType::Boolean => a
                .value_parser(value_parser!(bool))
                .num_args(0..=1)
                .default_missing_value("true"),
            QueryType::StringArray => a.action(ArgAction::Append),
            QueryType::String => a,
        };
        cmd = cmd.arg(a.help(help));
    }
    for l in &ep.local_args {
        cmd = cmd.arg(
            Arg::new(l.arg.clone())
                .long(kebab(&l.arg))
                .required(l.required)
                .help(format!("{} (handled locally, not sent)", l.ty)),
        );
    }
    if let Some(b) = &ep.body {
        let what = match b.kind {
            BodyKind::JsonArray => "a JSON array",
            BodyKind::Multipart => "the file's content",
            _ => "a JSON object",
        };
        cmd = cmd.arg(
            Arg::new("body")
                .long("body")
                .value_name("@FILE|-|JSON")
                .help(format!(
                    "The request body, {what}: @file.json, - for stdin, or inline"
                )),
        );
    }
    if ep.response.model.is_some() {
        cmd = cmd.arg(
            Arg::new("fields")
                .long("fields")
                .value_name("KEY,KEY.SUB")
                .help(
                    "Only these keys (key paths: host.hostname), in every output format; \
                     for csv also the list's column names",
                ),
        );
    }
    if ep.pagination.is_some() {
        cmd = cmd.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Follow every page, streaming the items (default: the first page)"),
        );
    }
    cmd
}

/// The whole command tree.
pub(crate) fn command() -> Command {
    // resource path ("registries.schedules") -> its endpoints, in table order.
    let mut tree: BTreeMap<Vec<String>, Vec<&'static Endpoint>> = BTreeMap::new();
    for ep in table::endpoints() {
        let path: Vec<String> = ep.resource.split('.').map(kebab).collect();
        tree.entry(path).or_default().push(ep);
    }
    fn build(
        prefix: &[String],
        tree: &BTreeMap<Vec<String>, Vec<&'static Endpoint>>,
    ) -> Vec<Command> {
        let mut names: Vec<&String> = tree
            .keys()
            .filter(|k| k.len() == prefix.len() + 1 && k.starts_with(prefix))
            .map(|k| &k[prefix.len()])
            .collect();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let mut path = prefix.to_vec();
                path.push(name.clone());
                let mut cmd = Command::new(name.clone())
                    .about(format!("The {} endpoints", path.join(" ")))
                    .subcommand_required(true)
                    .arg_required_else_help(true);
                for ep in tree.get(&path).into_iter().flatten() {
                    let mut words = path.clone();
                    words.push(kebab(&ep.method));
                    cmd = cmd.subcommand(endpoint_command(ep, &words));
                }
                for sub in build(&path, tree) {
                    cmd = cmd.subcommand(sub);
                }
                cmd
            })
            .collect()
    }
    let mut cmd = Command::new("qualys-cs")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Qualys Container Security API (csapi) from the command line: every endpoint a command, CI gates")
        .after_help(format!(
            "Credentials: flags, then QUALYS_USERNAME/QUALYS_PASSWORD or QUALYS_TOKEN with \
             QUALYS_PLATFORM or QUALYS_BASE_URL, then a profile of ~/.config/qualys-cs/config.toml.\n\n\
             Examples:\n  qualys-cs images list --filter 'vulnerabilities.severity:5' --all --output table\n  \
             qualys-cs images vulnerabilities SHA --output json\n  \
             qualys-cs gate vulns SHA --max-severity 4 --report vulns.sarif\n  \
             qualys-cs configure --profile prod\n  \
             qualys-cs sim --port 8080 --images 1000\n  \
             qualys-cs completion bash > /etc/bash_completion.d/qualys-cs\n\n{EXIT_CODES}"
        ))
        .subcommand_required(true)
        .arg_required_else_help(true);
    cmd = global_args(cmd);
    for sub in build(&[], &tree) {
        cmd = cmd.subcommand(sub);
    }
    cmd = cmd.subcommand(crate::gate::command());
    cmd = cmd.subcommand(crate::configure::command());
    cmd = cmd.subcommand(crate::sim::command());
    cmd = cmd.subcommand(crate::mcp::command());
    cmd.subcommand(
        Command::new("completion")
            .about("Print a shell completion script")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(value_parser!(clap_complete::Shell)),
            ),
    )
}

/// The endpoint a command line names, and the matches of its own arguments.
fn resolve(m: &ArgMatches) -> Option<(&'static Endpoint, &ArgMatches)> {
    let mut words = Vec::new();
    let mut cur = m;
    while let Some((name, sub)) = cur.subcommand() {
        words.push(name.to_owned());
        cur = sub;
    }
    let (method, resource) = words.split_last()?;
    table::endpoints().iter().find_map(|ep| {
        let path: Vec<String> = ep.resource.split('.').map(kebab).collect();
        (path == resource && kebab(&ep.method) == *method).then_some((ep, cur))
    })
}

/// `@file`, `-` (stdin) or the text itself.
pub(crate) fn read_source(v: &str) -> Result<String, Failure> {
    if v == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::io("reading the body from stdin", e))?;
        Ok(s)
    } else if let Some(path) = v.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| Failure::io(&format!("body file {path}"), e))
    } else {
        Ok(v.to_owned())
    }
}

fn args_of(ep: &Endpoint, m: &ArgMatches) -> Result<Args, Failure> {
    let mut args = Args::new();
    for p in &ep.path_params {
        if let Some(v) = m.get_one::<String>(&p.arg) {
            args = args.set(&p.arg, v.clone());
        }
    }
    for q in &ep.query {
        let v: Option<Value> = match q.ty {
            QueryType::Integer => m.get_one::<i64>(&q.arg).map(|n| Value::from(*n)),
            QueryType::Boolean => m.get_one::<bool>(&q.arg).map(|b| Value::from(*b)),
            QueryType::StringArray => m
                .get_many::<String>(&q.arg)
                .map(|vs| Value::from(vs.cloned().collect::<Vec<_>>())),
            QueryType::String => m.get_one::<String>(&q.arg).map(|s| Value::from(s.clone())),
        };
        if let Some(v) = v {
            args = args.set(&q.arg, v);
        }
    }
    for l in &ep.local_args {
        if let Some(v) = m.get_one::<String>(&l.arg) {
            args = args.set(&l.arg, v.clone());
        }
    }
    if let Some(b) = &ep.body
        && let Some(src) = m.get_one::<String>("body")
    {
        let text = read_source(src)?;
        let name = b.arg.clone().unwrap_or_else(|| "body".into());
        let value = match b.kind {
            BodyKind::Multipart => Value::String(text),
            _ => serde_json::from_str(&text).map_err(|e| {
                Failure::usage(format!("invalid argument `--body`: not JSON ({e})"))
            })?,
        };
        args = args.set(&name, value);
    }
    Ok(args)
}

pub(crate) async fn run_endpoint(s: &Settings, m: &ArgMatches) -> Result<i32, Failure> {
    let (ep, am) = resolve(m).ok_or_else(|| Failure::usage("unknown command"))?;
    let args = args_of(ep, am)?;
    let client = s.client()?;
    let format = Format::pick(s.output.as_deref());
    if s.dry_run {
        let d = client.dry_run(ep, args)?;
        let text = serde_json::to_string_pretty(&d).expect("a dry run serializes");
        output::print(&format!("{text}\n"))?;
        return Ok(exit::OK);
    }
    let quiet = m.get_flag("quiet");
    let model = ep.response.model.as_deref();
    let fields = am
        .try_get_one::<String>("fields")
        .ok()
        .flatten()
        .map(|f| output::parse_fields(f));
    if let Some(fs) = &fields
        && !quiet
    {
        for f in output::unknown_fields(model, fs, format) {
            eprintln!(
                "qualys-cs: warning: --fields: `{f}` is not a key of {}",
                model.unwrap_or("the response")
            );
        }
    }
    let mut out = output::Writer::new(format, model, fields);
    if let Some(pg) = &ep.pagination {
        let all = am.get_flag("all");
        // The records as bytes: `-o csv` reads them with core's column reader, as `to_csv` does.
        let pager = client.paginate_with::<qualys_cs::paginate::ItemSpan>(ep, args, None, None)?;
        let size = pager.page_size();
        let mut pages = pager.pages();
        while let Some(page) = pages.next().await {
            let page = page?;
            out.page(&page)?;
            if !all {
                let shown = page.items.len() as u64;
                // A count, or a cursor to the next page, says whether there are more; a full
                // page of an uncounted list only that there may be.
                let more = match (page.total, &pg.cursor_param) {
                    (Some(t), _) => (t > shown).then_some(true),
                    (None, Some(param)) => {
                        qualys_cs::paginate::next_cursor(&page.meta.headers, param).map(|_| true)
                    }
                    (None, None) => (shown >= size).then_some(false),
                };
                // Said to people only: a table is what a terminal gets by default, and whoever
                // asked for json or csv is reading the data, not the screen.
                if let Some(sure) = more
                    && format == Format::Table
                    && !quiet
                {
                    out.finish()?;
                    let note = output::more_pages_note(shown, page.total, sure);
                    eprintln!("qualys-cs: {note}");
                }
                break;
            }
        }
        out.finish()?;
    } else {
        let (o, _) = client.call_with(ep, args, None).await?;
        match o {
            Output::Json(v) => out.value(&v)?,
            Output::Text(t) => out.text(&t)?,
            Output::Bytes(b) => out.bytes(&b)?,
            Output::Empty => {}
        }
        out.finish()?;
    }
    Ok(exit::OK)
}
