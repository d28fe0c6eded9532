//! Field paths over JSON answers: `fields` keeps the keys named (`sha`, `repo.repository`), and
//! `summary_by` counts the values found at one path. A path walks objects by key and every
//! element of a list, so `repo.repository` reaches each repository of an image's `repo` list.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// A field path, split at its dots.
pub(crate) type Path = Vec<String>;

pub(crate) fn parse(path: &str) -> Option<Path> {
    let parts: Path = path.split('.').map(|p| p.trim().to_owned()).collect();
    (!parts.iter().any(String::is_empty)).then_some(parts)
}

/// What `path` reaches in `v`, its objects and lists kept as they are along the way (lists
/// element by element, so a list keeps its length and order).
fn pick(v: &Value, path: &[String]) -> Option<Value> {
    let Some((head, rest)) = path.split_first() else {
        return Some(v.clone());
    };
    match v {
        Value::Object(m) => {
            let inner = pick(m.get(head)?, rest)?;
            Some(Value::Object(Map::from_iter([(head.clone(), inner)])))
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|e| pick(e, path).unwrap_or_else(|| Value::Object(Map::new())))
                .collect(),
        )),
        _ => None,
    }
}

/// `from` merged into `into`: objects key by key, lists element by element.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter_mut().zip(b) {
                merge(x, y);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// `v` with only the keys of `paths` (an item with none of them becomes `{}`).
pub(crate) fn project(v: &Value, paths: &[Path]) -> Value {
    let mut out = Value::Object(Map::new());
    for p in paths {
        if let Some(part) = pick(v, p) {
            merge(&mut out, part);
        }
    }
    out
}

/// The values at `path` in `v`: lists are walked (a list at the end gives each element), `null`
/// counts as a value of its own.
fn values_at<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    match (v, path.split_first()) {
        (Value::Array(a), _) => a.iter().for_each(|e| values_at(e, path, out)),
        (_, None) => out.push(v),
        (Value::Object(m), Some((head, rest))) => {
            if let Some(c) = m.get(head) {
                values_at(c, rest, out);
            }
        }
        _ => {}
    }
}

/// Counts of items by the values at one path: an item counts once under each distinct value it
/// has there, and under `null` when it has none.
#[derive(Default)]
pub(crate) struct Summary {
    pub items: u64,
    /// Items that had no value at the path.
    pub missing: u64,
    counts: HashMap<String, (Value, u64)>,
}

impl Summary {
    pub fn add(&mut self, item: &Value, path: &[String]) {
        self.items += 1;
        let mut found = Vec::new();
        values_at(item, path, &mut found);
        if found.is_empty() {
            self.missing += 1;
            found.push(&Value::Null);
        }
        let mut seen: Vec<String> = Vec::with_capacity(found.len());
        for v in found {
            let key = v.to_string();
            if seen.contains(&key) {
                continue;
            }
            self.counts.entry(key.clone()).or_insert((v.clone(), 0)).1 += 1;
            seen.push(key);
        }
    }

    /// The groups, largest first (ties by value, so the order is stable).
    pub fn groups(&self) -> Vec<(Value, u64)> {
        let mut g: Vec<(&String, &(Value, u64))> = self.counts.iter().collect();
        g.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(b.0)));
        g.into_iter().map(|(_, (v, n))| (v.clone(), *n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(ps: &[&str]) -> Vec<Path> {
        ps.iter().map(|p| parse(p).unwrap()).collect()
    }

    #[test]
    fn projection_keeps_the_named_paths_through_objects_and_lists() {
        let item = json!({
            "sha": "abc", "size": 3,
            "repo": [{"registry": "r1", "repository": "a", "tag": "1"},
                     {"registry": "r2", "repository": "b"}],
            "vulnerabilities": {"severity5Count": 2, "severity4Count": 0}
        });
        assert_eq!(
            project(
                &item,
                &paths(&["sha", "repo.repository", "vulnerabilities.severity5Count"])
            ),
            json!({"sha": "abc", "repo": [{"repository": "a"}, {"repository": "b"}],
                   "vulnerabilities": {"severity5Count": 2}})
        );
        assert_eq!(
            project(&item, &paths(&["repo.repository", "repo.tag"])),
            json!({"repo": [{"repository": "a", "tag": "1"}, {"repository": "b"}]})
        );
        assert_eq!(project(&item, &paths(&["nothing"])), json!({}));
        assert!(parse("a..b").is_none() && parse("").is_none());
    }

    #[test]
    fn a_summary_counts_each_item_once_per_distinct_value() {
        let mut s = Summary::default();
        let p = parse("repo.repository").unwrap();
        s.add(
            &json!({"repo": [{"repository": "a"}, {"repository": "a"}]}),
            &p,
        );
        s.add(
            &json!({"repo": [{"repository": "a"}, {"repository": "b"}]}),
            &p,
        );
        s.add(&json!({"repo": []}), &p);
        s.add(&json!({"state": "RUNNING"}), &p);
        assert_eq!(s.items, 4);
        assert_eq!(s.missing, 2);
        assert_eq!(
            s.groups(),
            vec![(json!("a"), 2), (Value::Null, 2), (json!("b"), 1)]
        );
        let mut s = Summary::default();
        let p = parse("source").unwrap();
        s.add(&json!({"source": ["REGISTRY", "CICD"]}), &p);
        s.add(&json!({"source": ["CICD"]}), &p);
        assert_eq!(s.groups(), vec![(json!("CICD"), 2), (json!("REGISTRY"), 1)]);
    }
}
