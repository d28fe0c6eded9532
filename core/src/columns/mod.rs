//! The columnar schema of every list, derived from its item model (the table's `response.model`
//! and the model's declared fields), and the one normalization of a record into it: what the
//! bindings' Arrow tables, CSV and Parquet files are made of.
//!
//! The rules, the same for every resource (documented in the README, "Columns"):
//!
//! - one column per model field, named by its API key, in declaration order;
//! - fields declared `timestamp` in spec/shapes.json (`created`, `updated`, `stateChanged`, ...)
//!   are `timestamp[ms, UTC]`, read from epoch-millisecond strings or numbers (or ISO 8601 text);
//! - a nested object (`vulnerabilities` severity counts, `host`, `lastFoundOnHost`, `compliance`)
//!   is flattened into `field.sub` columns, since that is what users group by; lists of objects
//!   (`repo`, `layers`, `softwares`) stay lists of structs;
//! - `repo` also gives `registry`, `repository` and `tag` of its first entry;
//! - a field declared `any`, `object` or a custom type is its JSON text; `integer_text` (`size`,
//!   bytes) is an integer;
//! - `extra` is the JSON object text of every key the schema does not name, at the top or inside a
//!   nested object (that whole field is copied there), so nothing the server sent is lost;
//! - a value of another type than its column's is an error naming the field, never a wrong column.
//!
//! The rules are applied in one place, the reader ([`read`]: one pass of a pull parser over a
//! record's bytes, with the schema compiled by [`plan`]); what it reads goes to a sink: CSV text
//! ([`csv`], for the bindings' `to_csv` and the command line's `-o csv`) or Arrow builders
//! ([`arrow`], feature `arrow`, for the Python binding's tables). Both get the same values.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod csv;
pub mod plan;
pub mod read;

use crate::models::{FieldShape, FieldType, fields_of};
use crate::paginate::{ItemSpan, Page};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// The type of a column (or of a nested field).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    Utf8,
    /// An integer; also read from a string of digits (the API sends some counts as text).
    Int64,
    Float64,
    Bool,
    /// Epoch milliseconds, UTC.
    TimestampMs,
    /// Any JSON value, as its text.
    Json,
    List(Box<ColumnType>),
    Struct(Vec<(String, ColumnType)>),
}

impl ColumnType {
    /// The type as Arrow names it (`timestamp[ms, UTC]`, `list<string>`...); `json` is a string
    /// column holding JSON text.
    pub fn describe(&self) -> String {
        match self {
            ColumnType::Utf8 => "string".into(),
            ColumnType::Int64 => "int64".into(),
            ColumnType::Float64 => "double".into(),
            ColumnType::Bool => "bool".into(),
            ColumnType::TimestampMs => "timestamp[ms, UTC]".into(),
            ColumnType::Json => "json".into(),
            ColumnType::List(t) => format!("list<{}>", t.describe()),
            ColumnType::Struct(fs) => {
                let inner: Vec<String> = fs
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", t.describe()))
                    .collect();
                format!("struct<{}>", inner.join(", "))
            }
        }
    }
}

/// Where a column's value comes from in a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A top-level field.
    Field(String),
    /// A field of a nested object, flattened (`host.hostname`).
    Nested(String, String),
    /// A field of a list's first object (`repository` of `repo[0]`).
    First(String, String),
    /// The keys the schema does not name, as one JSON object text (null when there are none).
    Extra,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub source: Source,
}

/// The columns of one model's list. Built whole by [`Schema::for_model`], [`Schema::opaque`] or
/// [`Schema::of_list`] and read-only after, so that its compiled plan, made on first use and kept,
/// always matches its columns.
#[derive(Debug, Clone)]
pub struct Schema {
    model: String,
    columns: Vec<Column>,
    /// The columns compiled for the reader ([`Schema::plan`]): once per schema, not per page.
    plan: OnceLock<Arc<plan::Plan>>,
}

/// A value that does not fit its column: `field` is the path (`repo[0].tag`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

/// The column type of a declared field type: decided by the declaration in spec/shapes.json
/// (through the generated field table), never by the field's name or a type's spelling.
fn type_of(ty: &FieldType, depth: usize) -> ColumnType {
    match ty {
        FieldType::Str => ColumnType::Utf8,
        FieldType::Time => ColumnType::TimestampMs,
        // `integer_text` (`size`): an integer that some lists send as text.
        FieldType::Int | FieldType::IntText => ColumnType::Int64,
        FieldType::Float => ColumnType::Float64,
        FieldType::Bool => ColumnType::Bool,
        FieldType::Any | FieldType::Object | FieldType::Custom(_) => ColumnType::Json,
        FieldType::List(inner) | FieldType::OneOrMany(inner) => match inner {
            FieldType::Str => ColumnType::List(Box::new(ColumnType::Utf8)),
            FieldType::Model(name) => match model_struct(name, depth + 1) {
                Some(s) => ColumnType::List(Box::new(s)),
                None => ColumnType::Json,
            },
            // A list of loosely typed values (or of lists) is its JSON text.
            _ => ColumnType::Json,
        },
        FieldType::Model(name) => model_struct(name, depth + 1).unwrap_or(ColumnType::Json),
    }
}

fn model_struct(name: &str, depth: usize) -> Option<ColumnType> {
    // Deeper than this, a nested object is its JSON text: a table, not a document.
    if depth > 3 {
        return None;
    }
    let fields = fields_of(name)?;
    Some(ColumnType::Struct(struct_fields(fields, depth)))
}

fn struct_fields(fields: &[FieldShape], depth: usize) -> Vec<(String, ColumnType)> {
    fields
        .iter()
        .map(|f| (f.key.to_string(), type_of(&f.ty, depth)))
        .collect()
}

impl Schema {
    /// The schema of a model's list, or `None` for a model the crate does not declare.
    pub fn for_model(model: &str) -> Option<Schema> {
        let fields = fields_of(model)?;
        let mut columns = Vec::new();
        for (key, ty) in struct_fields(fields, 0) {
            match ty {
                ColumnType::Struct(subs) => {
                    for (sub, t) in subs {
                        columns.push(Column {
                            name: format!("{key}.{sub}"),
                            ty: t,
                            source: Source::Nested(key.clone(), sub),
                        });
                    }
                }
                ty => {
                    let firsts = match (&ty, key.as_str()) {
                        (ColumnType::List(inner), "repo") => match inner.as_ref() {
                            ColumnType::Struct(subs) => subs
                                .iter()
                                .filter(|(n, t)| {
                                    matches!(n.as_str(), "registry" | "repository" | "tag")
                                        && *t == ColumnType::Utf8
                                })
                                .cloned()
                                .collect(),
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    };
                    columns.push(Column {
                        name: key.clone(),
                        ty,
                        source: Source::Field(key.clone()),
                    });
                    for (sub, t) in firsts {
                        columns.push(Column {
                            name: sub.clone(),
                            ty: t,
                            source: Source::First(key.clone(), sub),
                        });
                    }
                }
            }
        }
        columns.push(Column {
            name: "extra".into(),
            ty: ColumnType::Json,
            source: Source::Extra,
        });
        Some(Schema::new(model, columns))
    }

    fn new(model: &str, columns: Vec<Column>) -> Schema {
        Schema {
            model: model.to_string(),
            columns,
            plan: OnceLock::new(),
        }
    }

    /// The item model's name (`Image`), empty for a list that names none.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The columns, in their order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The columns compiled for the reader and its sinks, made on first use and kept (a schema
    /// serves every page of a list: compiling it per page was a cost of every page).
    pub fn plan(&self) -> &Arc<plan::Plan> {
        self.plan.get_or_init(|| Arc::new(plan::Plan::new(self)))
    }

    /// The schema of a list whose model the crate does not declare: each record whole, as JSON.
    pub fn opaque(model: &str) -> Schema {
        Schema::new(
            model,
            vec![Column {
                name: "extra".into(),
                ty: ColumnType::Json,
                source: Source::Extra,
            }],
        )
    }

    /// The schema of a list by its item model (`response.model`): declared, else opaque.
    pub fn of_list(model: Option<&str>) -> Schema {
        let model = model.unwrap_or("");
        Schema::for_model(model).unwrap_or_else(|| Schema::opaque(model))
    }

    /// A page's records as CSV lines, appended to `out`; a record that is not JSON or a value
    /// that does not fit is a decode error of that response, naming the record and field.
    pub fn csv_page(&self, page: &Page<ItemSpan>, out: &mut String) -> crate::Result<()> {
        let plan = self.plan();
        let mut reader = read::Reader::new(plan);
        let mut sink = csv::CsvSink::new(plan);
        for (i, span) in page.items.iter().enumerate() {
            let bytes = &page.body[span.start..span.end];
            sink.clear();
            reader.record(bytes, &mut sink).map_err(|e| {
                page.meta
                    .decode_error(bytes, format!("record {i}: {}", e.describe()))
            })?;
            csv::csv_line(sink.cells(), out);
        }
        Ok(())
    }

    /// One record's JSON text as its columns' CSV cells (empty for null), by the same reader
    /// as [`Schema::csv_page`]; a value that does not fit is an error naming the field.
    pub fn csv_cells(&self, record: &[u8]) -> Result<Vec<String>, FitError> {
        let plan = self.plan();
        let mut sink = csv::CsvSink::new(plan);
        read::Reader::new(plan)
            .record(record, &mut sink)
            .map_err(|e| e.to_fit_error())?;
        Ok(sink.cells().to_vec())
    }

    /// The columns as JSON (`[{"name", "type", "from"}]`), for the docs and the tests.
    pub fn describe(&self) -> Value {
        Value::Array(
            self.columns
                .iter()
                .map(|c| {
                    let from = match &c.source {
                        Source::Field(k) => k.clone(),
                        Source::Nested(k, s) => format!("{k}.{s}"),
                        Source::First(k, s) => format!("{k}[0].{s}"),
                        Source::Extra => "unnamed keys".into(),
                    };
                    serde_json::json!({"name": c.name, "type": c.ty.describe(), "from": from})
                })
                .collect(),
        )
    }

    /// The CSV header line (RFC 4180, `\r\n`-terminated).
    pub fn csv_header(&self) -> String {
        let mut s = String::new();
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        csv::csv_line(&names, &mut s);
        s
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Epoch milliseconds as ISO 8601 UTC text, `2024-04-02T09:26:13.701Z`.
pub fn iso_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (a space for the `T` too) as epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(start..i)?;
        if frac.is_empty() {
            return None;
        }
        let mut digits: String = frac.chars().take(3).collect();
        while digits.len() < 3 {
            digits.push('0');
        }
        ms = digits.parse::<i64>().ok()?;
    }
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(c @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let v = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *c == b'+' { v } else { -v }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// JSON text with the whitespace outside strings dropped, appended to `out`: the value exactly as
/// sent otherwise (JSON Lines records, the Arrow tables' JSON-text columns and `extra`).
pub fn minify_into(raw: &[u8], out: &mut Vec<u8>) {
    let (mut in_str, mut esc) = (false, false);
    for &c in raw {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            in_str = c == b'"';
            out.push(c);
        }
    }
}

/// A record's JSON text on one line, for JSON Lines.
pub fn jsonl_line(item: &[u8], out: &mut Vec<u8>) {
    minify_into(item, out);
    out.push(b'\n');
}

/// A page's records as JSON Lines, appended to `out`.
pub fn jsonl_page(page: &Page<ItemSpan>, out: &mut Vec<u8>) {
    for s in &page.items {
        jsonl_line(&page.body[s.start..s.end], out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_schema_flattens_counts_and_types_times() {
        let s = Schema::for_model("Image").unwrap();
        let col = |n: &str| {
            s.columns
                .iter()
                .find(|c| c.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert_eq!(col("created").ty, ColumnType::TimestampMs);
        assert_eq!(col("vulnerabilities.severity5Count").ty, ColumnType::Int64);
        assert_eq!(col("lastFoundOnHost.hostname").ty, ColumnType::Utf8);
        assert_eq!(col("size").ty, ColumnType::Int64);
        assert_eq!(
            col("repository").source,
            Source::First("repo".into(), "repository".into())
        );
        assert!(matches!(col("repo").ty, ColumnType::List(_)));
        assert_eq!(s.columns.last().unwrap().name, "extra");
    }

    /// The CSV cells of one record, by column name.
    fn cells(s: &Schema, record: Value) -> Result<Vec<(String, String)>, FitError> {
        let cells = s.csv_cells(record.to_string().as_bytes())?;
        Ok(s.columns
            .iter()
            .map(|c| c.name.clone())
            .zip(cells)
            .collect())
    }

    fn cell<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
        &row.iter().find(|(n, _)| n == name).unwrap().1
    }

    #[test]
    fn records_keep_unknown_keys_and_name_bad_fields() {
        let s = Schema::for_model("Image").unwrap();
        let row = cells(
            &s,
            json!({"created": "1712049973701", "sha": "a", "newField": 1,
                "repo": [{"registry": "r", "repository": "x/y", "tag": "1", "digestish": "d"}]}),
        )
        .unwrap();
        assert_eq!(cell(&row, "created"), "2024-04-02T09:26:13.701Z");
        assert_eq!(cell(&row, "repository"), "x/y");
        let extra: Value = serde_json::from_str(cell(&row, "extra")).unwrap();
        assert_eq!(extra["newField"], json!(1));
        assert_eq!(extra["repo"][0]["digestish"], json!("d"));
        // An unknown key inside a flattened object keeps that object whole.
        let row = cells(
            &s,
            json!({"vulnerabilities": {"severity5Count": 2, "severity6Count": 1}}),
        )
        .unwrap();
        assert_eq!(cell(&row, "vulnerabilities.severity5Count"), "2");
        let extra: Value = serde_json::from_str(cell(&row, "extra")).unwrap();
        assert_eq!(extra["vulnerabilities"]["severity6Count"], json!(1));
        let err = cells(&s, json!({"repo": [{"tag": 5}]})).unwrap_err();
        assert_eq!(err.field, "repo[0].tag");
        let err = cells(&s, json!({"created": "yesterday"})).unwrap_err();
        assert_eq!(err.field, "created");
        let err = s.csv_cells(b"[1]").unwrap_err();
        assert_eq!(err.field, "(record)");
    }

    #[test]
    fn nested_values_are_json_in_declared_order() {
        let s = Schema::for_model("Image").unwrap();
        // One object where a list is declared is a list of one; its first item gives the
        // `repo[0]` columns; the struct's keys in declaration order, absent ones null.
        let row = cells(&s, json!({"repo": {"tag": "t", "registry": "r"}})).unwrap();
        let repo: Value = serde_json::from_str(cell(&row, "repo")).unwrap();
        assert_eq!(
            repo,
            json!([{"registry": "r", "tag": "t", "repository": null}])
        );
        assert!(cell(&row, "repo").starts_with(r#"[{"registry":"r","tag":"t""#));
        assert_eq!(cell(&row, "registry"), "r");
        // The first item null: no `repo[0]` values, as in the Arrow table.
        let row = cells(&s, json!({"repo": [null, {"tag": "t"}]})).unwrap();
        assert_eq!(
            cell(&row, "repo"),
            r#"[null,{"registry":null,"tag":"t","repository":null}]"#
        );
        assert_eq!(cell(&row, "tag"), "");
        let row = cells(&s, json!({"repo": [], "created": ""})).unwrap();
        assert_eq!((cell(&row, "repo"), cell(&row, "created")), ("[]", ""));
        // A repeated key: the first value is the column's, the next one goes to `extra`.
        let row = s.csv_cells(br#"{"sha": "a", "sha": "b"}"#).unwrap();
        assert_eq!(
            row[s.columns.iter().position(|c| c.name == "sha").unwrap()],
            "a"
        );
        assert_eq!(row.last().unwrap(), r#"{"sha":"b"}"#);
    }

    #[test]
    fn a_schema_compiles_its_plan_once_for_all_its_pages() {
        let body: &'static [u8] = br#"{"data":[{"sha":"a"},{"sha":"b","size":"12"}]}"#;
        let page = Page {
            items: vec![
                ItemSpan { start: 9, end: 20 },
                ItemSpan { start: 21, end: 44 },
            ],
            number: None,
            total: None,
            cursor: None,
            extra: Default::default(),
            meta: crate::response::ResponseMeta::ok_for_test("/csapi/v1.3/images/list"),
            body: bytes::Bytes::from_static(body),
        };
        let s = Schema::for_model("Image").unwrap();
        assert!(s.plan.get().is_none());
        let (mut one, mut two) = (String::new(), String::new());
        s.csv_page(&page, &mut one).unwrap();
        // The first page compiled the plan and kept it; the next pages and clones use that one.
        let plan = Arc::clone(s.plan.get().expect("kept by the first page"));
        s.csv_page(&page, &mut two).unwrap();
        assert!(Arc::ptr_eq(&plan, s.plan()) && Arc::ptr_eq(&plan, s.clone().plan()));
        assert_eq!(one, two);
        assert_eq!(one.lines().count(), 2);
        let size = s.columns().iter().position(|c| c.name == "size").unwrap();
        assert_eq!(one.lines().nth(1).unwrap().split(',').nth(size), Some("12"));
    }

    #[test]
    fn times_both_ways() {
        assert_eq!(iso_ms(1712049973701), "2024-04-02T09:26:13.701Z");
        assert_eq!(parse_iso("2024-04-02T09:26:13.701Z"), Some(1712049973701));
        assert_eq!(
            parse_iso("2024-04-02T11:26:13.701+02:00"),
            Some(1712049973701)
        );
        assert_eq!(parse_iso("2024-04-02 09:26:13"), Some(1712049973000));
        assert_eq!(parse_iso("2024-13-02T09:26:13Z"), None);
        assert_eq!(iso_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn jsonl_drops_whitespace_outside_strings_only() {
        let mut out = Vec::new();
        jsonl_line(b"{ \"a b\" : [1, 2],\n \"c\": \"x\\\" y\" }", &mut out);
        assert_eq!(out, b"{\"a b\":[1,2],\"c\":\"x\\\" y\"}\n");
    }

    #[test]
    fn csv_quotes_and_formats() {
        let s = Schema::for_model("ImageRepo").unwrap();
        let row = s
            .csv_cells(
                json!({"registry": "a,b", "tag": "say \"hi\""})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
        let mut out = String::new();
        csv::csv_line(&row, &mut out);
        assert_eq!(s.csv_header(), "registry,tag,repository,extra\r\n");
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",,\r\n");
    }
}
