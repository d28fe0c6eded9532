//! The CSV sink of the reader: a record's cells as text (RFC 4180 lines written by
//! [`super::Schema::csv_page`]).
//!
//! A cell is the value as people read it: a time in ISO 8601 (UTC, milliseconds), a string as
//! is, a list or struct as its JSON text (times inside it as epoch milliseconds, JSON-typed fields
//! as strings, as the Arrow table holds them), null as an empty cell.

use super::iso_ms;
use super::plan::{Kind, Out, Parent, Plan};
use super::read::Sink;
use std::fmt::Write as _;

/// One record's cells, by the plan's columns; reused from record to record.
pub struct CsvSink<'p> {
    plan: &'p Plan,
    cells: Vec<String>,
    /// A struct field's JSON text, until its struct is done.
    text: Vec<String>,
    /// A list's items so far, as JSON text.
    acc: Vec<String>,
    scratch: String,
    /// Items given so far to each list node.
    items: Vec<usize>,
    /// The `First` columns by the item struct they read: (column, field node).
    firsts: Vec<(usize, usize, usize)>,
    extra: Option<usize>,
}

impl<'p> CsvSink<'p> {
    pub fn new(plan: &'p Plan) -> CsvSink<'p> {
        let firsts = plan
            .columns
            .iter()
            .enumerate()
            .filter_map(|(c, o)| match o {
                Out::First { item, field, .. } => Some((*item, c, *field)),
                _ => None,
            })
            .collect();
        CsvSink {
            plan,
            cells: vec![String::new(); plan.columns.len()],
            text: vec![String::new(); plan.nodes.len()],
            acc: vec![String::new(); plan.nodes.len()],
            scratch: String::new(),
            items: vec![0; plan.nodes.len()],
            firsts,
            extra: plan.columns.iter().position(|o| *o == Out::Extra),
        }
    }

    /// The cells of the record read last (empty for null).
    pub fn cells(&self) -> &[String] {
        &self.cells
    }

    /// Empties the cells for the next record.
    pub fn clear(&mut self) {
        self.cells.iter_mut().for_each(String::clear);
    }

    /// Where node `n`'s next value is written, and whether it is a cell (else JSON text); a
    /// list item is preceded by its separator.
    fn target(&mut self, n: usize) -> (&mut String, bool) {
        match self.plan.nodes[n].parent {
            Parent::Column(c) => {
                let cell = &mut self.cells[c];
                cell.clear();
                (cell, true)
            }
            Parent::List(l) => {
                let t = &mut self.acc[l];
                if self.items[l] > 0 {
                    t.push(',');
                }
                self.items[l] += 1;
                (t, false)
            }
            Parent::Struct(_) => {
                let t = &mut self.text[n];
                t.clear();
                (t, false)
            }
        }
    }

    /// A finished list or struct's JSON text given as node `n`'s value.
    fn deliver(&mut self, n: usize, json: &str) {
        let (out, _) = self.target(n);
        out.push_str(json);
    }
}

/// `s` as a JSON string literal (serde_json's escaping).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Sink for CsvSink<'_> {
    fn null(&mut self, n: usize) {
        let (out, cell) = self.target(n);
        if !cell {
            out.push_str("null");
        }
        // A list's items so far (none: null is given instead of them).
        if let Kind::List { .. } = self.plan.nodes[n].kind {
            self.acc[n].clear();
            self.items[n] = 0;
        }
    }

    fn str(&mut self, n: usize, v: &str) {
        match self.target(n) {
            (out, true) => out.push_str(v),
            (out, false) => json_str(out, v),
        }
    }

    fn int(&mut self, n: usize, v: i64) {
        let (out, _) = self.target(n);
        let _ = write!(out, "{v}");
    }

    fn float(&mut self, n: usize, v: f64) {
        let (out, cell) = self.target(n);
        match serde_json::Number::from_f64(v) {
            Some(x) => {
                let _ = write!(out, "{x}");
            }
            // NaN and infinities: no JSON number.
            None if !cell => out.push_str("null"),
            None => {}
        }
    }

    fn bool(&mut self, n: usize, v: bool) {
        let (out, _) = self.target(n);
        out.push_str(if v { "true" } else { "false" });
    }

    fn time(&mut self, n: usize, ms: i64) {
        match self.target(n) {
            (out, true) => out.push_str(&iso_ms(ms)),
            (out, false) => {
                let _ = write!(out, "{ms}");
            }
        }
    }

    fn json(&mut self, n: usize, text: &str) {
        match self.target(n) {
            (out, true) => out.push_str(text),
            // A JSON-typed field inside a list or struct is a string there, as in Arrow.
            (out, false) => json_str(out, text),
        }
    }

    fn list(&mut self, n: usize, _len: usize) -> Result<(), String> {
        let mut t = std::mem::take(&mut self.scratch);
        t.clear();
        t.push('[');
        t.push_str(&self.acc[n]);
        t.push(']');
        self.acc[n].clear();
        self.items[n] = 0;
        self.deliver(n, &t);
        self.scratch = t;
        Ok(())
    }

    fn object(&mut self, n: usize) {
        let plan = self.plan;
        let Kind::Struct { names, fields, .. } = &plan.nodes[n].kind else {
            return;
        };
        // The first item of a list whose fields are columns too (`repository` of `repo[0]`).
        if let Parent::List(l) = plan.nodes[n].parent
            && self.items[l] == 0
        {
            for &(item, column, field) in &self.firsts {
                if item == n {
                    let cell =
                        serde_json::from_str::<String>(&self.text[field]).unwrap_or_default();
                    self.cells[column] = cell;
                }
            }
        }
        let mut t = std::mem::take(&mut self.scratch);
        t.clear();
        t.push('{');
        for (i, (name, f)) in names.iter().zip(fields).enumerate() {
            if i > 0 {
                t.push(',');
            }
            json_str(&mut t, name);
            t.push(':');
            t.push_str(&self.text[*f]);
        }
        t.push('}');
        self.deliver(n, &t);
        self.scratch = t;
    }

    fn record(&mut self, extra: Option<&str>) {
        if let (Some(c), Some(e)) = (self.extra, extra) {
            self.cells[c].clear();
            self.cells[c].push_str(e);
        }
    }
}

/// `s` as a CSV field (quoted when it holds a comma, a quote or a line break).
pub fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Cells as one CSV line, `\r\n`-terminated.
pub fn csv_line<S: AsRef<str>>(cells: &[S], out: &mut String) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, c.as_ref());
    }
    out.push_str("\r\n");
}
