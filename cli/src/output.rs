//! Printing results: `json` (one document; a list as one array, written as its items arrive),
//! `jsonl` (one item a line), `csv` (the first page's top-level keys as columns, nested values as
//! JSON text) and `table` (columns fitted to the terminal's width, long cells cut with `…`).
//! Also the `-v` log lines on stderr.

use crate::Failure;
use qualys_cs::logging::{EventFields, TARGET};
use serde_json::Value;
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

/// A cell's text: strings as they are, `null` empty, anything nested as compact JSON.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
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

/// Streams a command's result to stdout in one format.
pub struct Writer {
    format: Format,
    out: std::io::BufWriter<std::io::Stdout>,
    /// Columns (csv, table), fixed by the first page.
    columns: Option<Vec<(String, usize)>>,
    /// Items written so far (a json array's separators).
    count: u64,
}

impl Writer {
    pub fn new(format: Format) -> Writer {
        Writer {
            format,
            out: std::io::BufWriter::new(std::io::stdout()),
            columns: None,
            count: 0,
        }
    }

    fn fix_columns(&mut self, items: &[Value]) {
        if self.columns.is_some() {
            return;
        }
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
        let mut cols: Vec<(String, usize)> = names
            .into_iter()
            .map(|n| {
                let w = items
                    .iter()
                    .map(|it| cell(it.get(&n)).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(n.chars().count())
                    .min(60);
                (n, w)
            })
            .collect();
        if self.format == Format::Table {
            // Scalars first: nested values say little in a terminal. Then fit the width: drop
            // columns from the right, keeping at least the first; narrow the widest meanwhile.
            let scalar = |n: &str| {
                items
                    .iter()
                    .all(|it| !matches!(it.get(n), Some(Value::Object(_) | Value::Array(_))))
            };
            cols.sort_by_key(|(n, _)| !scalar(n));
            let total = width();
            loop {
                let used: usize = cols.iter().map(|(_, w)| w + 2).sum();
                if used <= total || cols.len() <= 1 {
                    break;
                }
                let widest = cols.iter().map(|(_, w)| *w).max().unwrap_or(0);
                if widest > 24 {
                    for c in cols.iter_mut().filter(|c| c.1 == widest) {
                        c.1 -= 1;
                    }
                } else {
                    cols.pop();
                }
            }
            if let Some(c) = cols.first_mut() {
                c.1 = c.1.min(total.saturating_sub(2)).max(1);
            }
        }
        self.columns = Some(cols);
        self.header();
    }

    fn header(&mut self) {
        let Some(cols) = &self.columns else { return };
        let line = match self.format {
            Format::Csv => cols
                .iter()
                .map(|(n, _)| csv_field(n))
                .collect::<Vec<_>>()
                .join(","),
            Format::Table => cols
                .iter()
                .map(|(n, w)| cut(n, *w))
                .collect::<Vec<_>>()
                .join("  "),
            _ => return,
        };
        let _ = writeln!(self.out, "{}", line.trim_end());
    }

    /// A page of list items.
    pub fn items(&mut self, items: &[Value]) -> Result<(), Failure> {
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
            Format::Csv | Format::Table => {
                self.fix_columns(items);
                let cols = self.columns.clone().unwrap_or_default();
                for it in items {
                    let line = if self.format == Format::Csv {
                        cols.iter()
                            .map(|(n, _)| csv_field(&cell(lookup(it, n))))
                            .collect::<Vec<_>>()
                            .join(",")
                    } else {
                        cols.iter()
                            .map(|(n, w)| cut(&cell(lookup(it, n)), *w))
                            .collect::<Vec<_>>()
                            .join("  ")
                    };
                    writeln!(self.out, "{}", line.trim_end()).map_err(io)?;
                    self.count += 1;
                }
            }
        }
        // Streamed: each page reaches the reader (a pipe, `head`) as it arrives.
        self.out.flush().map_err(io)
    }

    /// A single JSON result.
    pub fn value(&mut self, v: &Value) -> Result<(), Failure> {
        match (self.format, v) {
            (Format::Json, _) => {
                let text = serde_json::to_string_pretty(v).expect("a Value serializes");
                writeln!(self.out, "{text}").map_err(io)?;
                self.format = Format::Jsonl; // nothing to close
                Ok(())
            }
            (_, Value::Array(a)) => self.items(a),
            (Format::Table, Value::Object(m)) => {
                let rows: Vec<Value> = m
                    .iter()
                    .map(|(k, x)| serde_json::json!({"field": k, "value": x}))
                    .collect();
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
        if self.format == Format::Json {
            let end = if self.count == 0 { "[]\n" } else { "\n]\n" };
            write!(self.out, "{end}").map_err(io)?;
        }
        self.out.flush().map_err(io)
    }
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key),
        other if key == "value" => Some(other),
        _ => None,
    }
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
