//! A schema compiled for reading: every value a record can feed (a column, a list's items, a
//! struct's field) is a numbered node, and the record's top-level keys are matched to the nodes
//! they feed. The reader walks it; the sinks (CSV, Arrow) keep one builder per
//! node, so both get the same values from the same rules.

use super::{ColumnType, Schema, Source};
use std::sync::Arc;

/// A struct with more fields than this is read as JSON text (the reader's seen-set is one `u128`);
/// no model comes near it.
pub const MAX_FIELDS: usize = 128;

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Str,
    /// Any JSON value, as its minified text.
    Json,
    Int,
    Float,
    Bool,
    /// Epoch milliseconds.
    Time,
    /// A list; its items feed node `item`.
    List {
        item: usize,
    },
    /// An object; its declared keys feed `fields` (node ids, in declaration order).
    Struct {
        keys: Vec<Box<[u8]>>,
        names: Vec<Arc<str>>,
        fields: Vec<usize>,
    },
}

/// Where a node's values go: a column of the record, an item of a list, a field of a struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Column(usize),
    List(usize),
    Struct(usize),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub parent: Parent,
}

/// What a top-level key of the record feeds.
#[derive(Debug, Clone)]
pub enum Slot {
    /// One column's node.
    Node(usize),
    /// A nested object flattened into columns (`host.hostname`): its keys and their nodes.
    Group {
        keys: Vec<Box<[u8]>>,
        names: Vec<Arc<str>>,
        nodes: Vec<usize>,
    },
}

/// What a column of the schema is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// The values of a node read from the record.
    Node(usize),
    /// A string field of a list's first item (`repository` of `repo[0]`): the list's column and
    /// node, its item struct's node and the field's node.
    First {
        column: usize,
        list: usize,
        item: usize,
        field: usize,
    },
    /// The keys no column names, as one JSON object text.
    Extra,
}

/// A schema compiled for the reader and the sinks.
#[derive(Debug, Clone)]
pub struct Plan {
    pub nodes: Vec<Node>,
    /// Per column of the schema, in its order.
    pub columns: Vec<Out>,
    /// The top-level keys the schema names, and what each feeds.
    pub keys: Vec<Box<[u8]>>,
    pub names: Vec<Arc<str>>,
    pub slots: Vec<Slot>,
}

impl Plan {
    pub fn new(schema: &Schema) -> Plan {
        let mut p = Plan {
            nodes: Vec::new(),
            columns: Vec::with_capacity(schema.columns.len()),
            keys: Vec::new(),
            names: Vec::new(),
            slots: Vec::new(),
        };
        for (i, c) in schema.columns.iter().enumerate() {
            let out = match &c.source {
                Source::Field(k) => {
                    let node = p.add(&c.ty, Parent::Column(i));
                    p.keys.push(k.as_bytes().into());
                    p.names.push(Arc::from(k.as_str()));
                    p.slots.push(Slot::Node(node));
                    Out::Node(node)
                }
                Source::Nested(k, sub) => {
                    let node = p.add(&c.ty, Parent::Column(i));
                    let at = match p.keys.iter().position(|x| **x == *k.as_bytes()) {
                        Some(at) => at,
                        None => {
                            p.keys.push(k.as_bytes().into());
                            p.names.push(Arc::from(k.as_str()));
                            p.slots.push(Slot::Group {
                                keys: Vec::new(),
                                names: Vec::new(),
                                nodes: Vec::new(),
                            });
                            p.slots.len() - 1
                        }
                    };
                    if let Slot::Group { keys, names, nodes } = &mut p.slots[at] {
                        keys.push(sub.as_bytes().into());
                        names.push(Arc::from(sub.as_str()));
                        nodes.push(node);
                    }
                    Out::Node(node)
                }
                // Resolved below, once the list's column has its node.
                Source::First(..) => Out::Extra,
                Source::Extra => Out::Extra,
            };
            p.columns.push(out);
        }
        for (i, c) in schema.columns.iter().enumerate() {
            if let Source::First(k, sub) = &c.source {
                p.columns[i] = p.first(schema, k, sub).unwrap_or(Out::Extra);
            }
        }
        p
    }

    fn first(&self, schema: &Schema, key: &str, sub: &str) -> Option<Out> {
        let column = schema
            .columns
            .iter()
            .position(|x| x.source == Source::Field(key.to_string()))?;
        let Out::Node(list) = self.columns[column] else {
            return None;
        };
        let Kind::List { item } = self.nodes[list].kind else {
            return None;
        };
        let Kind::Struct { names, fields, .. } = &self.nodes[item].kind else {
            return None;
        };
        let field = fields[names.iter().position(|n| &**n == sub)?];
        (self.nodes[field].kind == Kind::Str).then_some(Out::First {
            column,
            list,
            item,
            field,
        })
    }

    /// The node (and its descendants) of a value of type `ty`; returns its id.
    fn add(&mut self, ty: &ColumnType, parent: Parent) -> usize {
        let id = self.nodes.len();
        let kind = match ty {
            ColumnType::Utf8 => Kind::Str,
            ColumnType::Json => Kind::Json,
            ColumnType::Int64 => Kind::Int,
            ColumnType::Float64 => Kind::Float,
            ColumnType::Bool => Kind::Bool,
            ColumnType::TimestampMs => Kind::Time,
            ColumnType::Struct(fs) if fs.len() > MAX_FIELDS => Kind::Json,
            ColumnType::List(_) | ColumnType::Struct(_) => Kind::Json, // set below
        };
        self.nodes.push(Node { kind, parent });
        match ty {
            ColumnType::List(inner) => {
                let item = self.add(inner, Parent::List(id));
                self.nodes[id].kind = Kind::List { item };
            }
            ColumnType::Struct(fs) if fs.len() <= MAX_FIELDS => {
                let fields = fs
                    .iter()
                    .map(|(_, t)| self.add(t, Parent::Struct(id)))
                    .collect();
                self.nodes[id].kind = Kind::Struct {
                    keys: fs.iter().map(|(n, _)| n.as_bytes().into()).collect(),
                    names: fs.iter().map(|(n, _)| Arc::from(n.as_str())).collect(),
                    fields,
                };
            }
            _ => {}
        }
        id
    }
}
