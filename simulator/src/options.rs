//! The simulator's options, declared once: [`SimConfig::from_json`] reads them from one JSON
//! object, and every way of starting a simulator maps onto it (the command line's flags, the
//! Python `Simulator` keywords, Node's `startSimulator` options). A name it does not know is
//! refused by name, with the closest known one, and so is a value of the wrong kind or range.
//!
//! Names are snake_case (`rate_limits`); camelCase (`rateLimits`) is the same name, so Node's
//! options need no table of their own. Durations say their unit: `latency` (seconds) or
//! `latency_ms`.

use crate::{Counts, FaultRates, Fixtures, RateLimits, SimConfig};
use serde_json::{Map, Value};
use std::time::Duration;

/// An option refused: its name as given (`faults.error_rate`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionError {
    pub option: String,
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

impl std::error::Error for OptionError {}

/// Sets one option of `T` from its value; the message says what was wrong with it.
type Set<T> = fn(&mut T, &Value) -> Result<(), String>;
type Setter = Set<SimConfig>;

/// The top-level options, in the order they are applied: `generated` first, so that counts given
/// with it win.
const OPTIONS: &[(&str, Setter)] = &[
    ("generated", |c, v| {
        *c = std::mem::take(c).generated(boolean(v)?);
        Ok(())
    }),
    ("username", |c, v| text(v).map(|s| c.username = s)),
    ("password", |c, v| text(v).map(|s| c.password = s)),
    ("seed", |c, v| count(v).map(|n| c.seed = n)),
    ("port", |c, v| {
        let n = count(v)?;
        c.port = u16::try_from(n).map_err(|_| "must be a port number (0 to 65535)".to_string())?;
        Ok(())
    }),
    // Every count is an option of its own too (`images=`), as well as a key of `counts`.
    ("counts", |c, v| group(v, COUNTS, &mut c.counts)),
    ("images", |c, v| count(v).map(|n| c.counts.images = n)),
    ("containers", |c, v| {
        count(v).map(|n| c.counts.containers = n)
    }),
    ("sensors", |c, v| count(v).map(|n| c.counts.sensors = n)),
    ("registries", |c, v| {
        count(v).map(|n| c.counts.registries = n)
    }),
    ("latency", |c, v| seconds(v).map(|d| c.latency = d)),
    ("latency_ms", |c, v| millis(v).map(|d| c.latency = d)),
    ("faults", |c, v| group(v, FAULTS, &mut c.faults)),
    ("rate_limits", |c, v| {
        c.rate_limits = RateLimits::from_json("rate_limits", v).map_err(strip("rate_limits"))?;
        Ok(())
    }),
    ("retry_after", |c, v| {
        boolean(v).map(|b| c.rate_limits.retry_after = b)
    }),
    ("subscription", |c, v| {
        c.subscription = text(v)?.parse()?;
        Ok(())
    }),
    ("token_ttl", |c, v| seconds(v).map(|d| c.token_ttl = d)),
    ("link_host", |c, v| text(v).map(|s| c.link_host = s)),
    ("link_case", |c, v| {
        c.link_case = text(v)?.parse()?;
        Ok(())
    }),
    ("link_end", |c, v| {
        c.link_end = text(v)?.parse()?;
        Ok(())
    }),
    ("strict_accept", |c, v| {
        boolean(v).map(|b| c.strict_accept = b)
    }),
    ("request_log", |c, v| {
        let n = count(v)?;
        c.request_log_capacity = usize::try_from(n).map_err(|_| "too large".to_string())?;
        Ok(())
    }),
    ("fixtures", |c, v| {
        c.fixtures = match v {
            Value::String(dir) => Fixtures::from_dir(dir),
            Value::Object(_) => Fixtures::from_value(v),
            _ => {
                return Err(
                    "must be a directory path or an object of records by resource \
                     (images, containers, registries, ...)"
                        .into(),
                );
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(())
    }),
];

/// The keys of `counts`.
const COUNTS: &[(&str, Set<Counts>)] = &[
    ("images", |c, v| count(v).map(|n| c.images = n)),
    ("containers", |c, v| count(v).map(|n| c.containers = n)),
    ("sensors", |c, v| count(v).map(|n| c.sensors = n)),
    ("registries", |c, v| count(v).map(|n| c.registries = n)),
    ("repositories_per_registry", |c, v| {
        count(v).map(|n| c.repositories_per_registry = n)
    }),
    ("schedules_per_registry", |c, v| {
        count(v).map(|n| c.schedules_per_registry = n)
    }),
    ("controls", |c, v| count(v).map(|n| c.controls = n)),
    ("events", |c, v| count(v).map(|n| c.events = n)),
    ("reports", |c, v| count(v).map(|n| c.reports = n)),
    ("k8s_postures", |c, v| count(v).map(|n| c.k8s_postures = n)),
    ("policies", |c, v| count(v).map(|n| c.policies = n)),
    ("tags", |c, v| count(v).map(|n| c.tags = n)),
];

/// The keys of `faults`: shares of requests between 0 and 1, and the pause between body chunks.
const FAULTS: &[(&str, Set<FaultRates>)] = &[
    ("error_rate", |f, v| share(v).map(|r| f.error_rate = r)),
    ("drop_rate", |f, v| share(v).map(|r| f.drop_rate = r)),
    ("malformed_rate", |f, v| {
        share(v).map(|r| f.malformed_rate = r)
    }),
    ("truncate_rate", |f, v| {
        share(v).map(|r| f.truncate_rate = r)
    }),
    ("slow_body", |f, v| {
        seconds(v).map(|d| f.slow_body = (!d.is_zero()).then_some(d))
    }),
    ("slow_body_ms", |f, v| {
        millis(v).map(|d| f.slow_body = (!d.is_zero()).then_some(d))
    }),
];

/// The top-level option names (snake_case), for documentation and the bindings' tests.
pub fn option_names() -> impl Iterator<Item = &'static str> {
    OPTIONS.iter().map(|(n, _)| *n)
}

impl SimConfig {
    /// The configuration of a JSON object of options (see the module's documentation); `null`
    /// values are left at their defaults. Errors name the option as it was spelt.
    pub fn from_json(options: &Value) -> Result<SimConfig, OptionError> {
        let Value::Object(m) = options else {
            return Err(OptionError {
                option: "options".into(),
                message: "must be an object of option names to values".into(),
            });
        };
        let given = named(m, OPTIONS, "")?;
        let mut cfg = SimConfig::default();
        for (i, (_, set)) in OPTIONS.iter().enumerate() {
            for (_, key, v) in given.iter().filter(|(at, _, _)| *at == i) {
                set(&mut cfg, v).map_err(|message| OptionError {
                    option: (*key).to_string(),
                    message,
                })?;
            }
        }
        Ok(cfg)
    }
}

/// `name` in snake_case (`rateLimits` -> `rate_limits`, `k8sPostures` -> `k8s_postures`).
fn snake(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// `name` in camelCase, for a suggestion to whoever spells names so.
fn camel(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        match c {
            '_' => up = true,
            c if up => {
                s.push(c.to_ascii_uppercase());
                up = false;
            }
            c => s.push(c),
        }
    }
    s
}

/// The closest of `known` to `unknown` (edit distance of the names without separators or case),
/// if close enough to be a likely misspelling.
pub(crate) fn closest<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    let target = norm(unknown);
    known
        .map(|k| (strsim::normalized_damerau_levenshtein(&target, &norm(k)), k))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The entries of `m` (nulls left out) matched to the table's names: (index, key as given,
/// value); an unknown name is refused, with the closest known one.
fn named<'m, T>(
    m: &'m Map<String, Value>,
    table: &[(&str, T)],
    prefix: &str,
) -> Result<Vec<(usize, &'m str, &'m Value)>, OptionError> {
    let mut out = Vec::with_capacity(m.len());
    for (k, v) in m {
        let canonical = snake(k);
        let Some(i) = table.iter().position(|(n, _)| *n == canonical) else {
            let camel_case = k.chars().any(|c| c.is_ascii_uppercase());
            let hint = closest(&canonical, table.iter().map(|(n, _)| *n))
                .map(|n| {
                    let n = if camel_case { camel(n) } else { n.to_string() };
                    format!(" (did you mean `{prefix}{n}`?)")
                })
                .unwrap_or_default();
            let known: Vec<String> = table
                .iter()
                .map(|(n, _)| if camel_case { camel(n) } else { n.to_string() })
                .collect();
            return Err(OptionError {
                option: format!("{prefix}{k}"),
                message: format!(
                    "unknown simulator option{hint}; known: {}",
                    known.join(", ")
                ),
            });
        };
        if !v.is_null() {
            out.push((i, k.as_str(), v));
        }
    }
    Ok(out)
}

/// An object of a sub-table's keys (`counts`, `faults`) applied to `target`.
fn group<T>(v: &Value, table: &[(&str, Set<T>)], target: &mut T) -> Result<(), String> {
    let Value::Object(m) = v else {
        return Err("must be an object".into());
    };
    for (i, key, v) in named(m, table, "").map_err(|e| e.to_string())? {
        table[i].1(target, v).map_err(|e| format!("{key}: {e}"))?;
    }
    Ok(())
}

/// A `RateLimits::from_json` message without its leading field name (the caller adds the name
/// as spelt).
fn strip(field: &'static str) -> impl Fn(String) -> String {
    move |e| {
        e.strip_prefix(field)
            .map(|r| r.trim_start_matches([':', ' ', '.']).to_string())
            .unwrap_or(e)
    }
}

fn text(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| "must be a string".to_string())
}

fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| "must be true or false".to_string())
}

fn count(v: &Value) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| "must be a non-negative integer".to_string())
}

fn number(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| "must be a non-negative number".to_string())
}

fn seconds(v: &Value) -> Result<Duration, String> {
    Duration::try_from_secs_f64(number(v)?).map_err(|e| e.to_string())
}

fn millis(v: &Value) -> Result<Duration, String> {
    Duration::try_from_secs_f64(number(v)? / 1000.0).map_err(|e| e.to_string())
}

fn share(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .filter(|x| (0.0..=1.0).contains(x))
        .ok_or_else(|| "must be a number between 0 and 1".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_option_is_refused_by_name_with_the_closest_one() {
        let e = SimConfig::from_json(&json!({"rate_limt": true})).unwrap_err();
        assert_eq!(e.option, "rate_limt");
        assert!(e.message.contains("did you mean `rate_limits`?"), "{e}");
        // In camelCase, the suggestion is camelCase too.
        let e = SimConfig::from_json(&json!({"latencyMss": 5})).unwrap_err();
        assert!(e.message.contains("`latencyMs`"), "{e}");
        let e = SimConfig::from_json(&json!({"faults": {"eror_rate": 0.1}})).unwrap_err();
        assert_eq!(e.option, "faults");
        assert!(e.message.contains("`error_rate`"), "{e}");
        let e = SimConfig::from_json(&json!({"rate_limits": {"images/lst": [5, 1]}})).unwrap_err();
        assert_eq!(e.option, "rate_limits");
        assert!(e.message.contains("`images/list`"), "{e}");
        let e = SimConfig::from_json(&json!({"faults": {"error_rate": 2}})).unwrap_err();
        assert!(e.to_string().contains("between 0 and 1"), "{e}");
        let e = SimConfig::from_json(&json!({"port": 70000})).unwrap_err();
        assert_eq!(e.option, "port");
    }

    #[test]
    fn valid_options_take_effect_in_either_spelling() {
        let c = SimConfig::from_json(&json!({
            "rateLimits": {"images/list": [3, 2]}, "latencyMs": 250, "images": 7,
            "counts": {"k8s_postures": 2}, "faults": {"errorRate": 0.5, "slow_body_ms": 10},
            "subscription": "free", "token_ttl": 60, "retry_after": true, "seed": null
        }))
        .unwrap();
        assert!(c.rate_limits.enabled && c.rate_limits.retry_after);
        assert_eq!(c.rate_limits.families["images/list"].calls, 3);
        assert_eq!(c.latency, Duration::from_millis(250));
        assert_eq!((c.counts.images, c.counts.k8s_postures), (7, 2));
        assert_eq!(c.faults.error_rate, 0.5);
        assert_eq!(c.faults.slow_body, Some(Duration::from_millis(10)));
        assert_eq!(c.subscription, crate::Subscription::Free);
        assert_eq!(c.token_ttl, Duration::from_secs(60));
        assert_eq!(c.seed, SimConfig::default().seed);
        // `generated: false` first, whatever the order given: explicit counts win.
        let c = SimConfig::from_json(&json!({"images": 3, "generated": false})).unwrap();
        assert_eq!((c.counts.images, c.counts.containers), (3, 0));
    }
}
