//! The table's validation rules, checked before anything is sent.
//!
//! Semantics (endpoints.json `validation_semantics`): a field that is absent or null is not set, and
//! only the rules the sources state are checked; everything else is left to the server so that no valid
//! request is refused.

use crate::error::{Error, Result};
use crate::table::{Rule, RuleKind};
use base64::Engine as _;
use serde_json::Value;

fn is_set(v: Option<&Value>) -> bool {
    !matches!(v, None | Some(Value::Null))
}

/// Every value a rule's `field` path reaches, with a printable concrete path (`tagsToAdd[0].tagName`).
/// `None` values mean "absent" at a place the path can reach.
fn resolve<'a>(root: &'a Value, path: &str) -> Vec<(String, Option<&'a Value>)> {
    if path == "$" {
        return vec![("$".to_owned(), Some(root))];
    }
    let mut cur: Vec<(String, Option<&'a Value>)> = vec![(String::new(), Some(root))];
    for seg in path.split('.') {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for (p, v) in cur {
            let base = if p.is_empty() {
                name.to_owned()
            } else {
                format!("{p}.{name}")
            };
            let child = v.and_then(|v| v.as_object()).and_then(|o| o.get(name));
            if each {
                if let Some(Value::Array(items)) = child {
                    for (i, item) in items.iter().enumerate() {
                        next.push((format!("{base}[{i}]"), Some(item)));
                    }
                }
            } else {
                // Only descend into objects that exist; an absent parent leaves nothing to check.
                if v.is_some_and(|v| v.is_object()) {
                    next.push((base, child));
                }
            }
        }
        cur = next;
    }
    cur
}

fn literal(s: &str) -> Value {
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(s.to_owned())),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn compare(left: &Value, op: &str, right: &Value) -> bool {
    let eq = match (left, right) {
        (Value::Number(_), Value::Number(_)) => num(left) == num(right),
        _ => left == right,
    };
    match op {
        "==" => eq,
        "!=" => !eq,
        _ => match (num(left), num(right)) {
            (Some(l), Some(r)) => match op {
                ">=" => l >= r,
                "<=" => l <= r,
                ">" => l > r,
                "<" => l < r,
                _ => false,
            },
            _ => false,
        },
    }
}

/// Evaluate a `when` condition (`a == 1 or b >= 7`, `and` binding tighter) on the top level of `root`.
pub(crate) fn holds(root: &Value, when: &str) -> bool {
    when.split(" or ").any(|conj| {
        conj.split(" and ").all(|clause| {
            let clause = clause.trim();
            let Some((name, op, lit)) = ["==", "!=", ">=", "<=", ">", "<"].iter().find_map(|op| {
                clause
                    .split_once(op)
                    .map(|(l, r)| (l.trim(), *op, r.trim()))
            }) else {
                return false;
            };
            let left = root.get(name).cloned().unwrap_or(Value::Null);
            compare(&left, op, &literal(lit))
        })
    })
}

fn check_format(format: &str, s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    match format {
        "HH:MM" => {
            b.len() == 5
                && digits(0..2)
                && b[2] == b':'
                && digits(3..5)
                && s[0..2].parse::<u8>().is_ok_and(|h| h < 24)
                && s[3..5].parse::<u8>().is_ok_and(|m| m < 60)
        }
        "base64" => base64::engine::general_purpose::STANDARD.decode(s).is_ok(),
        // 2026-03-20T11:41:00Z, optionally with fractional seconds.
        "iso8601_utc" => {
            b.len() >= 20
                && digits(0..4)
                && b[4] == b'-'
                && digits(5..7)
                && b[7] == b'-'
                && digits(8..10)
                && b[10] == b'T'
                && digits(11..13)
                && b[13] == b':'
                && digits(14..16)
                && b[16] == b':'
                && digits(17..19)
                && b.last() == Some(&b'Z')
                && (b.len() == 20 || (b[19] == b'.' && digits(20..b.len() - 1)))
        }
        _ => true,
    }
}

/// A value for a message: its JSON text, cut after 60 bytes (at a character boundary: the value
/// is the caller's, in any script).
fn show(v: &Value) -> String {
    const MAX: usize = 60;
    let s = v.to_string();
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn rule_name(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Range => "range",
        RuleKind::OnlyIf => "only_if",
        RuleKind::Enum => "enum",
        RuleKind::AtLeastOneOf => "at_least_one_of",
        RuleKind::ExactlyOneOf => "exactly_one_of",
        RuleKind::RequiredFields => "required_fields",
        RuleKind::MaxLength => "max_length",
        RuleKind::MinItems => "min_items",
        RuleKind::Format => "format",
        RuleKind::KeysIn => "keys_in",
    }
}

/// Check `rules` against `root` (a request body, or the query as an object of wire names).
/// `what` names the root in messages (`"body"`, `"query"`).
pub(crate) fn check(root: &Value, rules: &[Rule], what: &str) -> Result<()> {
    for rule in rules {
        if let Some(when) = &rule.when
            && !matches!(rule.rule, RuleKind::OnlyIf)
            && !holds(root, when)
        {
            continue;
        }
        let name = rule_name(rule.rule);
        for (path, value) in resolve(root, &rule.field) {
            let field = if path == "$" {
                what.to_owned()
            } else {
                path.clone()
            };
            let err = |msg: String| Err(Error::validation(field.clone(), name, msg));
            match rule.rule {
                RuleKind::Range => {
                    if let Some(v) = value.filter(|v| !v.is_null()) {
                        let (lo, hi) = (rule.min.unwrap_or(f64::MIN), rule.max.unwrap_or(f64::MAX));
                        match num(v) {
                            Some(n) if n >= lo && n <= hi => {}
                            _ => {
                                return err(format!(
                                    "must be a number from {lo} to {hi}, got {}",
                                    show(v)
                                ));
                            }
                        }
                    }
                }
                RuleKind::Enum => {
                    if let Some(v) = value.filter(|v| !v.is_null())
                        && !rule.values.iter().any(|a| compare(v, "==", a))
                    {
                        let allowed: Vec<String> = rule.values.iter().map(show).collect();
                        return err(format!(
                            "must be one of {}, got {}",
                            allowed.join(", "),
                            show(v)
                        ));
                    }
                }
                RuleKind::OnlyIf => {
                    if let Some(v) = value.filter(|v| !v.is_null()) {
                        let restricted = rule
                            .value
                            .as_ref()
                            .is_none_or(|want| compare(v, "==", want));
                        let when = rule.when.as_deref().unwrap_or("true");
                        if restricted && !holds(root, when) {
                            let what = match &rule.value {
                                Some(want) => format!("may be {} only when {when}", show(want)),
                                None => format!("may be set only when {when}"),
                            };
                            return err(format!("{what} (got {})", show(v)));
                        }
                        if let (Some(fmt), Some(s)) = (&rule.format, v.as_str())
                            && !check_format(fmt, s)
                        {
                            return err(format!("must have the format {fmt}, got {}", show(v)));
                        }
                    }
                }
                RuleKind::Format => {
                    if let Some(v) = value.filter(|v| !v.is_null()) {
                        let fmt = rule.format.as_deref().unwrap_or("");
                        if !v.as_str().is_some_and(|s| check_format(fmt, s)) {
                            return err(format!(
                                "must be a string with the format {fmt}, got {}",
                                show(v)
                            ));
                        }
                    }
                }
                RuleKind::AtLeastOneOf | RuleKind::ExactlyOneOf => {
                    let Some(obj) = value.and_then(|v| v.as_object()) else {
                        continue;
                    };
                    let set = rule
                        .fields
                        .iter()
                        .filter(|f| is_set(obj.get(f.as_str())))
                        .count();
                    let list = rule.fields.join(", ");
                    if set == 0 {
                        return err(format!("at least one of {list} is required"));
                    }
                    if rule.rule == RuleKind::ExactlyOneOf && set > 1 {
                        return err(format!("exactly one of {list} may be given, got {set}"));
                    }
                }
                RuleKind::RequiredFields => {
                    let Some(obj) = value.and_then(|v| v.as_object()) else {
                        continue;
                    };
                    if let Some(missing) = rule.fields.iter().find(|f| !is_set(obj.get(f.as_str())))
                    {
                        let at = if path == "$" {
                            String::new()
                        } else {
                            format!("{path}.")
                        };
                        return Err(Error::validation(
                            format!("{at}{missing}"),
                            name,
                            "is required",
                        ));
                    }
                }
                RuleKind::MaxLength => {
                    if let Some(s) = value.and_then(|v| v.as_str()) {
                        let max = rule.max.unwrap_or(f64::MAX);
                        if s.chars().count() as f64 > max {
                            return err(format!(
                                "must be at most {max} characters, got {}",
                                s.chars().count()
                            ));
                        }
                    }
                }
                RuleKind::MinItems => {
                    if let Some(v) = value.filter(|v| !v.is_null()) {
                        let min = rule.min.unwrap_or(0.0);
                        match v.as_array() {
                            Some(a) if a.len() as f64 >= min => {}
                            Some(a) => {
                                return err(format!(
                                    "needs at least {min} item(s), got {}",
                                    a.len()
                                ));
                            }
                            None => return err(format!("must be a list, got {}", show(v))),
                        }
                    }
                }
                RuleKind::KeysIn => {
                    if let Some(obj) = value.and_then(|v| v.as_object())
                        && let Some(bad) = obj
                            .keys()
                            .find(|k| !rule.values.iter().any(|a| a.as_str() == Some(k)))
                    {
                        let allowed: Vec<String> = rule.values.iter().map(show).collect();
                        return Err(Error::validation(
                            format!("{path}.{bad}"),
                            name,
                            format!(
                                "is not an allowed key; expected one of {}",
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn when_clauses() {
        let b = json!({"scheduleScanIntervalInDays": 7, "onDemand": false});
        assert!(holds(
            &b,
            "onDemand == true or scheduleScanIntervalInDays >= 7"
        ));
        assert!(!holds(
            &b,
            "scheduleScanIntervalInDays == null or scheduleScanIntervalInDays == 1"
        ));
        assert!(holds(
            &json!({}),
            "scheduleScanIntervalInDays == null or scheduleScanIntervalInDays == 1"
        ));
        assert!(holds(
            &json!({"credentialType": "AWS"}),
            "credentialType != None"
        ));
        assert!(!holds(
            &json!({"credentialType": "None"}),
            "credentialType != None"
        ));
    }

    #[test]
    fn formats() {
        assert!(check_format("HH:MM", "19:30"));
        assert!(!check_format("HH:MM", "24:00"));
        assert!(!check_format("HH:MM", "7:30"));
        assert!(check_format("iso8601_utc", "2026-03-20T11:41:00Z"));
        assert!(check_format("iso8601_utc", "2026-03-20T11:41:00.123Z"));
        assert!(!check_format("iso8601_utc", "2026-03-20 11:41:00"));
        assert!(check_format("base64", "Y21zLWF1dGg="));
        assert!(!check_format("base64", "not base64!"));
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod rule_tests;
