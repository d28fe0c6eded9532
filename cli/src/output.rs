//! Printing results: `json` (one document; a list as one array, written as its items arrive),
//! `jsonl` (one item a line), `csv` (core's columns of the list's model, the same as the bindings'
//! `to_csv`; the first page's top-level keys for a model the crate does not declare) and `table`
//! (the columns of spec/tables.json for people, or every top-level key; fitted to the terminal's
//! width, long cells cut with `…`). `--fields` picks keys or columns in each. Also the `-v` log
//! lines on stderr.

use crate::Failure;
use crate::tables::{self, CellFormat};
use qualys_cs::columns::Schema;
use qualys_cs::columns::csv::{self, CsvSink};
use qualys_cs::columns::read::Reader;
use qualys_cs::logging::{EventFields, TARGET};
use qualys_cs::models::FieldType;
use qualys_cs::paginate::{ItemSpan, Page};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};
use tracing::Level;
use tracing_subscriber::layer::{Context, Layer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

impl Format {
    pub fn pick(asked: Option<&str>) -> Format {
        match asked {
            Some("table") => Format::Table,
            Some("jsonl") => Format::Jsonl,
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ if std::io::stdout().is_terminal() => Format::Table,
            _ => Format::Json,
        }
    }
}

fn io(e: std::io::Error) -> Failure {
    Failure::io("writing the output", e)
}

/// The width of the terminal, or `COLUMNS`, or 120.
fn width() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return w as usize;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
}

fn cut(s: &str, w: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `text` on stdout, all of it, flushed: a command's whole result at once.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(io)
}

/// `--fields a,b.c`: the names, trimmed, empty ones dropped.
pub fn parse_fields(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `--fields` names that `model` declares no key path for (nor, for CSV, a column of its
/// list by that name): likely typos, worth a warning (unknown keys are still printed when sent).
pub fn unknown_fields(model: Option<&str>, fields: &[String], format: Format) -> Vec<String> {
    let Some(model) = model.filter(|m| qualys_cs::models::fields_of(m).is_some()) else {
        return Vec::new();
    };
    let schema = Schema::of_list(Some(model));
    fields
        .iter()
        .filter(|f| {
            tables::declared_type(model, f).is_none()
                && !(format == Format::Csv && schema.columns().iter().any(|c| c.name == **f))
        })
        .cloned()
        .collect()
}

/// `item` with only the key paths of `fields`, nested as in the item (`host.hostname` gives
/// `{"host": {"hostname": ...}}`); paths the item lacks are left out.
pub fn project(item: &Value, fields: &[String]) -> Value {
    if !item.is_object() {
        return item.clone();
    }
    let mut out = Map::new();
    for f in fields {
        let Some(v) = tables::lookup(item, f) else {
            continue;
        };
        let segments: Vec<&str> = f.split('.').collect();
        let (last, parents) = segments.split_last().expect("split yields one segment");
        let mut cur = &mut out;
        for p in parents {
            let entry = cur
                .entry((*p).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            cur = entry.as_object_mut().expect("inserted as an object");
        }
        cur.insert((*last).to_owned(), v.clone());
    }
    Value::Object(out)
}

/// Where a CSV column's value comes from: a column of core's schema of the list, or a key path.
enum Pick {
    Column(usize),
    Path(String),
}

/// The CSV of a list: core's columns, read by core's reader from each record's bytes (what the
/// bindings' `to_csv` writes) for a declared model, else the first page's top-level keys;
/// `--fields` picks among them or adds key paths.
struct Csv {
    /// Core's schema of the model's list, compiled for its reader, when the model is declared.
    schema: Option<Schema>,
    /// The header's names.
    names: Vec<String>,
    picks: Vec<Pick>,
}

impl Csv {
    fn new(model: Option<&str>, fields: Option<&[String]>, first: &[Value]) -> Csv {
        let schema = model.and_then(Schema::for_model);
        let picks: Vec<Pick> = match (&schema, fields) {
            (Some(s), None) => (0..s.columns().len()).map(Pick::Column).collect(),
            (_, Some(fs)) => fs
                .iter()
                .map(|f| {
                    let col = schema
                        .as_ref()
                        .and_then(|s| s.columns().iter().position(|c| c.name == *f));
                    col.map_or_else(|| Pick::Path(f.clone()), Pick::Column)
                })
                .collect(),
            (None, None) => top_keys(first).into_iter().map(Pick::Path).collect(),
        };
        let names = picks
            .iter()
            .map(|p| match (p, &schema) {
                (Pick::Column(i), Some(s)) => s.columns()[*i].name.clone(),
                (Pick::Path(p), _) => p.clone(),
                (Pick::Column(_), None) => unreachable!("columns come from a schema"),
            })
            .collect();
        Csv {
            schema,
            names,
            picks,
        }
    }

    fn header(&self) -> String {
        let mut s = String::new();
        if !self.names.is_empty() {
            csv::csv_line(&self.names, &mut s);
        }
        s
    }

    /// The records (each one's JSON text) as CSV lines.
    fn rows(&self, records: &[&[u8]], out: &mut String) -> Result<(), Failure> {
        let columns = self.picks.iter().any(|p| matches!(p, Pick::Column(_)));
        let paths = self.picks.iter().any(|p| matches!(p, Pick::Path(_)));
        let mut read = match &self.schema {
            Some(s) if columns => Some((s, Reader::new(s.plan()), CsvSink::new(s.plan()))),
            _ => None,
        };
        let mut cells: Vec<String> = Vec::with_capacity(self.picks.len());
        for bytes in records {
            if let Some((s, reader, sink)) = &mut read {
                sink.clear();
                reader.record(bytes, sink).map_err(|e| {
                    Failure::new(
                        crate::exit::API,
                        format!("a {} record: {}", s.model(), e.describe()),
                    )
                })?;
            }
            let item: Value = if paths {
                serde_json::from_slice(bytes).map_err(|e| {
                    Failure::new(crate::exit::API, format!("a record that is not JSON: {e}"))
                })?
            } else {
                Value::Null
            };
            cells.clear();
            for p in &self.picks {
                cells.push(match (p, &read) {
                    (Pick::Column(i), Some((_, _, sink))) => sink.cells()[*i].clone(),
                    (Pick::Column(_), None) => String::new(),
                    (Pick::Path(p), _) => path_cell(lookup(&item, p)),
                });
            }
            csv::csv_line(&cells, out);
        }
        Ok(())
    }
}

/// A key path's value as a CSV cell: a string as is, a scalar as its JSON text, a list or object
/// as its JSON text, empty for null or absent.
fn path_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// The top-level keys of a page's items, in first-seen order (`value` for items that are not
/// objects).
fn top_keys(items: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for it in items {
        if let Value::Object(m) = it {
            for k in m.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    }
    if names.is_empty() && !items.is_empty() {
        names.push("value".into());
    }
    names
}

/// A column of a table: its title, the key path it shows, how, and its width.
#[derive(Debug, Clone)]
struct TableCol {
    title: String,
    path: String,
    format: CellFormat,
    width: usize,
}

/// The columns of a table for `items` (its first page), fitted to `total` characters.
///
/// A model of spec/tables.json gets its declared columns (`--fields` picks them by key, or adds
/// key paths, timestamps shown as times); any other shows every top-level key, scalars first.
fn table_columns(
    model: Option<&str>,
    fields: Option<&[String]>,
    items: &[Value],
    now: i64,
    total: usize,
) -> Vec<TableCol> {
    let declared = model.and_then(tables::columns_of);
    let of_path = |p: &str| -> TableCol {
        if let Some(c) = declared.and_then(|cs| cs.iter().find(|c| c.key == p)) {
            return TableCol {
                title: c.title.clone(),
                path: c.key.clone(),
                format: c.format,
                width: 0,
            };
        }
        let time = model.and_then(|m| tables::declared_type(m, p)) == Some(FieldType::Time);
        TableCol {
            title: p.to_owned(),
            path: p.to_owned(),
            format: if time {
                CellFormat::Time
            } else {
                CellFormat::Text
            },
            width: 0,
        }
    };
    let mut cols: Vec<TableCol> = match (fields, declared) {
        (Some(fs), _) => fs.iter().map(|f| of_path(f)).collect(),
        (None, Some(cs)) => cs
            .iter()
            .map(|c| TableCol {
                title: c.title.clone(),
                path: c.key.clone(),
                format: c.format,
                width: 0,
            })
            .collect(),
        (None, None) => {
            let mut cols: Vec<TableCol> = top_keys(items).iter().map(|k| of_path(k)).collect();
            // Scalars first: nested values say little in a terminal.
            let scalar = |n: &str| {
                items
                    .iter()
                    .all(|it| !matches!(it.get(n), Some(Value::Object(_) | Value::Array(_))))
            };
            cols.sort_by_key(|c| !scalar(&c.path));
            cols
        }
    };
    for c in &mut cols {
        c.width = items
            .iter()
            .map(|it| {
                tables::format(lookup(it, &c.path), c.format, now)
                    .chars()
                    .count()
            })
            .max()
            .unwrap_or(0)
            .max(c.title.chars().count())
            .min(60);
    }
    // Fit the width: narrow the widest (down to 24) first, then drop columns from the right,
    // keeping at least the first.
    loop {
        let used: usize = cols.iter().map(|c| c.width + 2).sum();
        if used <= total || cols.len() <= 1 {
            break;
        }
        let widest = cols.iter().map(|c| c.width).max().unwrap_or(0);
        if widest > 24 {
            for c in cols.iter_mut().filter(|c| c.width == widest) {
                c.width -= 1;
            }
        } else {
            cols.pop();
        }
    }
    if let Some(c) = cols.first_mut() {
        c.width = c.width.min(total.saturating_sub(2)).max(1);
    }
    cols
}

/// How a list is laid out, fixed by its first page.
enum Layout {
    Csv(Csv),
    Table(Vec<TableCol>),
}

/// Streams a command's result to stdout in one format.
pub struct Writer {
    format: Format,
    out: std::io::BufWriter<std::io::Stdout>,
    /// The model of the items (the endpoint's `response.model`).
    model: Option<String>,
    /// `--fields`: the key paths (or CSV columns) to print.
    fields: Option<Vec<String>>,
    layout: Option<Layout>,
    /// Items written so far (a json array's separators).
    count: u64,
    /// The time relative times count from.
    now: i64,
}

impl Writer {
    pub fn new(format: Format, model: Option<&str>, fields: Option<Vec<String>>) -> Writer {
        Writer {
            format,
            out: std::io::BufWriter::new(std::io::stdout()),
            model: model.map(str::to_owned),
            fields,
            layout: None,
            count: 0,
            now: tables::now_ms(),
        }
    }

    /// Fixes the layout from the first page, and writes the header.
    fn fix_layout(&mut self, items: &[Value]) -> Result<(), Failure> {
        if self.layout.is_some() {
            return Ok(());
        }
        let model = self.model.as_deref();
        let fields = self.fields.as_deref();
        let (layout, header) = match self.format {
            Format::Csv => {
                let csv = Csv::new(model, fields, items);
                let header = csv.header();
                (Layout::Csv(csv), header)
            }
            Format::Table => {
                let cols = table_columns(model, fields, items, self.now, width());
                let line = cols
                    .iter()
                    .map(|c| cut(&c.title, c.width))
                    .collect::<Vec<_>>()
                    .join("  ");
                let header = if cols.is_empty() {
                    String::new()
                } else {
                    format!("{}\n", line.trim_end())
                };
                (Layout::Table(cols), header)
            }
            Format::Json | Format::Jsonl => return Ok(()),
        };
        self.layout = Some(layout);
        self.out.write_all(header.as_bytes()).map_err(io)
    }

    /// A page of a list: CSV is read from the records' bytes by core's reader (the bindings'
    /// `to_csv`); the other formats print the parsed items.
    pub fn page(&mut self, page: &Page<ItemSpan>) -> Result<(), Failure> {
        let parse = |bytes: &[u8]| {
            serde_json::from_slice::<Vec<Value>>(bytes).map_err(|e| {
                Failure::new(crate::exit::API, format!("a page that is not JSON: {e}"))
            })
        };
        if self.format != Format::Csv {
            return self.items(&parse(&page.items_json())?);
        }
        if self.layout.is_none() {
            // An undeclared model's columns are the first page's keys.
            let first = if self.model.as_deref().and_then(Schema::for_model).is_none() {
                parse(&page.items_json())?
            } else {
                Vec::new()
            };
            self.fix_layout(&first)?;
        }
        let records: Vec<&[u8]> = page
            .items
            .iter()
            .map(|s| &page.body[s.start..s.end])
            .collect();
        self.csv_rows(&records)
    }

    fn csv_rows(&mut self, records: &[&[u8]]) -> Result<(), Failure> {
        let mut text = String::new();
        if let Some(Layout::Csv(csv)) = &self.layout {
            csv.rows(records, &mut text)?;
        }
        self.count += records.len() as u64;
        self.out.write_all(text.as_bytes()).map_err(io)?;
        // Streamed: each page reaches the reader (a pipe, `head`) as it arrives.
        self.out.flush().map_err(io)
    }

    /// A page of list items.
    pub fn items(&mut self, items: &[Value]) -> Result<(), Failure> {
        let projected: Vec<Value>;
        let items = match (&self.fields, self.format) {
            (Some(fs), Format::Json | Format::Jsonl) => {
                projected = items.iter().map(|it| project(it, fs)).collect();
                &projected[..]
            }
            _ => items,
        };
        match self.format {
            Format::Json => {
                for it in items {
                    let sep = if self.count == 0 { "[\n  " } else { ",\n  " };
                    write!(self.out, "{sep}{it}").map_err(io)?;
                    self.count += 1;
                }
            }
            Format::Jsonl => {
                for it in items {
                    writeln!(self.out, "{it}").map_err(io)?;
                    self.count += 1;
                }
            }
            Format::Csv => {
                // A result that is not a page: its items' JSON text through the same reader.
                self.fix_layout(items)?;
                let texts: Vec<Vec<u8>> = items
                    .iter()
                    .map(|it| serde_json::to_vec(it).expect("a Value serializes"))
                    .collect();
                let records: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
                return self.csv_rows(&records);
            }
            Format::Table => {
                self.fix_layout(items)?;
                let mut text = String::new();
                if let Some(Layout::Table(cols)) = &self.layout {
                    for it in items {
                        let line = cols
                            .iter()
                            .map(|c| {
                                let v = tables::format(lookup(it, &c.path), c.format, self.now);
                                cut(&v, c.width)
                            })
                            .collect::<Vec<_>>()
                            .join("  ");
                        text.push_str(line.trim_end());
                        text.push('\n');
                    }
                }
                self.count += items.len() as u64;
                self.out.write_all(text.as_bytes()).map_err(io)?;
            }
        }
        // Streamed: each page reaches the reader (a pipe, `head`) as it arrives.
        self.out.flush().map_err(io)
    }

    /// A single JSON result.
    pub fn value(&mut self, v: &Value) -> Result<(), Failure> {
        match (self.format, v) {
            (_, Value::Array(a)) => self.items(a),
            (Format::Json, _) => {
                let v = match &self.fields {
                    Some(fs) => project(v, fs),
                    None => v.clone(),
                };
                let text = serde_json::to_string_pretty(&v).expect("a Value serializes");
                writeln!(self.out, "{text}").map_err(io)?;
                self.format = Format::Jsonl; // nothing to close
                Ok(())
            }
            (Format::Table, Value::Object(m)) => {
                // One object: a row per field (those of `--fields`, by key path).
                let rows: Vec<Value> = match self.fields.take() {
                    Some(fs) => fs
                        .iter()
                        .map(|f| serde_json::json!({"field": f, "value": tables::lookup(v, f)}))
                        .collect(),
                    None => m
                        .iter()
                        .map(|(k, x)| serde_json::json!({"field": k, "value": x}))
                        .collect(),
                };
                self.model = None;
                self.items(&rows)
            }
            (_, other) => self.items(std::slice::from_ref(other)),
        }
    }

    pub fn text(&mut self, t: &str) -> Result<(), Failure> {
        writeln!(self.out, "{t}").map_err(io)?;
        self.format = Format::Jsonl;
        Ok(())
    }

    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Failure> {
        self.out.write_all(b).map_err(io)?;
        self.format = Format::Jsonl;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), Failure> {
        match self.format {
            Format::Json => {
                let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
                write!(self.out, "{end}").map_err(io)?;
            }
            // An empty list still has its header, as the bindings' `to_csv` writes it.
            Format::Csv if self.layout.is_none() => self.fix_layout(&[])?,
            _ => {}
        }
        self.out.flush().map_err(io)
    }
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(_) => tables::lookup(v, key),
        other if key == "value" => Some(other),
        _ => None,
    }
}

/// The note on stderr after the first page of a longer list (`showing 50 of 20,000; --all for
/// every page`): `total` when the API counts the matches, else that more pages exist (`sure`, a
/// cursor to the next one) or may (a full page of an uncounted list).
pub fn more_pages_note(shown: u64, total: Option<u64>, sure: bool) -> String {
    match total {
        Some(t) => format!(
            "showing {} of {}; --all for every page",
            thousands(shown),
            thousands(t)
        ),
        None => format!(
            "showing the first {}; more pages {}; --all for every page",
            thousands(shown),
            if sure { "exist" } else { "may exist" }
        ),
    }
}

/// `20000` as `20,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The `-v` (INFO: retries, rate-limit waits) and `-vv` (DEBUG: every request) lines on stderr.
pub struct StderrLog {
    min: Option<Level>,
}

impl StderrLog {
    /// `quiet` (`--quiet`): no lines at all, whatever else asks for them.
    pub fn new(verbosity: u8, quiet: bool) -> StderrLog {
        let from_env = std::env::var("QUALYS_CS_LOG").ok();
        let min = match (verbosity, from_env.as_deref()) {
            _ if quiet => None,
            (0, Some("debug")) | (2.., _) => Some(Level::DEBUG),
            (0, Some("info")) | (1, _) => Some(Level::INFO),
            // Giving up is worth a line even when not asked for more.
            _ => Some(Level::WARN),
        };
        StderrLog { min }
    }
}

impl<S: tracing::Subscriber> Layer<S> for StderrLog {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        meta.target() == TARGET
            && self
                .min
                .is_some_and(|m| meta.is_span() || *meta.level() <= m)
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let f = EventFields::of_event(event);
        let level = match *event.metadata().level() {
            Level::WARN | Level::ERROR => "warning",
            Level::INFO => "info",
            _ => "debug",
        };
        eprintln!("qualys-cs: {level}: {}", f.describe(None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_model_without_a_table_gets_every_top_level_key_scalars_first() {
        let items = [json!({"nested": {"a": 1}, "name": "x", "n": 2})];
        let cols = table_columns(Some("NotAModel"), None, &items, 0, 200);
        let titles: Vec<&str> = cols.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["name", "n", "nested"]);
        let cols = table_columns(None, None, &items, 0, 200);
        assert_eq!(cols.len(), 3);
        // A declared model's table, and `--fields` by key path (a timestamp shown as a time).
        let cols = table_columns(Some("Image"), None, &[], 0, 200);
        assert_eq!(cols[0].title, "SHA");
        let fields = ["created".to_owned(), "author".to_owned()];
        let cols = table_columns(Some("Image"), Some(&fields), &[], 0, 200);
        assert_eq!(cols[0].format, CellFormat::Time);
        assert_eq!(
            (cols[1].title.as_str(), cols[1].format),
            ("author", CellFormat::Text)
        );
    }

    #[test]
    fn projection_keeps_the_nesting_of_key_paths() {
        let item = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": null});
        let fields = ["b.c", "a", "e", "missing", "a.x"].map(str::to_owned);
        assert_eq!(
            project(&item, &fields),
            json!({"b": {"c": 2}, "a": 1, "e": null})
        );
        assert_eq!(project(&json!(5), &fields), json!(5));
    }

    #[test]
    fn notes_and_field_lists() {
        assert_eq!(
            more_pages_note(50, Some(20_000), true),
            "showing 50 of 20,000; --all for every page"
        );
        assert_eq!(
            more_pages_note(5, None, false),
            "showing the first 5; more pages may exist; --all for every page"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(parse_fields(" sha, ,repo.tag,"), ["sha", "repo.tag"]);
        let f = |names: &[&str], format| {
            let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
            unknown_fields(Some("Image"), &names, format)
        };
        assert_eq!(f(&["sha", "host", "repo.tag"], Format::Json), ["host"]);
        // `repository` is a column of the CSV (repo[0]'s), not a key.
        assert_eq!(f(&["repository"], Format::Csv), Vec::<String>::new());
        assert_eq!(f(&["repository"], Format::Json), ["repository"]);
        assert!(unknown_fields(None, &["x".to_owned()], Format::Json).is_empty());
    }
}
