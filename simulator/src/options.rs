//! The simulator's options, declared once: [`SimConfig::from_json`] reads them from one JSON
//! object, and every way of starting a simulator maps onto it (the command line's flags, the
//! Python `Simulator` keywords, Node's `startSimulator` options). A name it does not know is
//! refused by name, with the closest known one, and so is a value of the wrong kind or range.
//!
//! Each binding keeps the spelling it documents ([`Spelling`]): snake_case for Python and the
//! command line (`rate_limits`), camelCase for Node (`rateLimits`); a name in the other spelling
//! is refused, suggesting this one's. A duration is declared with its unit, and its names keep
//! the units the bindings document: Python's `latency` and `faults.slow_body` are seconds, Node's
//! `latencyMs` and `faults.slowBodyMs` milliseconds (the command line's `latency_ms` and
//! `slow_body_ms` are snake_case names too), `token_ttl`/`tokenTtl` is seconds in both. The
//! names that say no unit are Python's only: Node's `latency` would be seconds, so a Node
//! `latency: 50` meant as milliseconds (as Node has always spelt durations) is refused, pointing
//! at `latencyMs`, rather than read as 50 s.

use crate::{RateLimits, SimConfig};
use serde_json::{Map, Value};
use std::time::Duration;

/// An option refused: its name as given (`faults.errorRate`) and why.
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

/// How a caller spells the options' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// Python's keywords and the command line: `rate_limits`, `latency` (seconds).
    Snake,
    /// Node's options: `rateLimits`, `latencyMs`.
    Camel,
}

impl Spelling {
    /// A declared (snake_case) name in this spelling.
    fn of(self, name: &str) -> String {
        match self {
            Spelling::Snake => name.to_string(),
            Spelling::Camel => camel(name),
        }
    }
}

/// Sets one option from its value; the message says what was wrong with it.
type Setter = fn(&mut SimConfig, &Value) -> Result<(), String>;

/// A duration's unit: what the number given is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Millis => "milliseconds",
        }
    }
}

#[derive(Clone, Copy)]
enum Decl {
    /// A value set as it is.
    Value(Setter),
    /// A non-negative number of `Unit`s.
    Duration(Unit, fn(&mut SimConfig, Duration)),
    /// An object of options of its own (`faults`, `counts`).
    Group(&'static [Opt]),
}

/// One option: its name (snake_case; camelCase is derived), what it holds, and the one spelling
/// that has it when the other has not.
#[derive(Clone, Copy)]
struct Opt {
    name: &'static str,
    only: Option<Spelling>,
    decl: Decl,
}

const fn value(name: &'static str, set: Setter) -> Opt {
    Opt {
        name,
        only: None,
        decl: Decl::Value(set),
    }
}

const fn duration(name: &'static str, unit: Unit, set: fn(&mut SimConfig, Duration)) -> Opt {
    Opt {
        name,
        only: None,
        decl: Decl::Duration(unit, set),
    }
}

/// A duration whose name says no unit, in seconds: Python's spelling only (see the module's
/// documentation).
const fn python_seconds(name: &'static str, set: fn(&mut SimConfig, Duration)) -> Opt {
    Opt {
        name,
        only: Some(Spelling::Snake),
        decl: Decl::Duration(Unit::Seconds, set),
    }
}

const fn group(name: &'static str, table: &'static [Opt]) -> Opt {
    Opt {
        name,
        only: None,
        decl: Decl::Group(table),
    }
}

/// The top-level options, in the order they are applied: `generated` first, so that counts given
/// with it win.
const OPTIONS: &[Opt] = &[
    value("generated", |c, v| {
        *c = std::mem::take(c).generated(boolean(v)?);
        Ok(())
    }),
    value("username", |c, v| text(v).map(|s| c.username = s)),
    value("password", |c, v| text(v).map(|s| c.password = s)),
    value("seed", |c, v| count(v).map(|n| c.seed = n)),
    value("port", |c, v| {
        let n = count(v)?;
        c.port = u16::try_from(n).map_err(|_| "must be a port number (0 to 65535)".to_string())?;
        Ok(())
    }),
    // Every count is an option of its own too (`images=`), as well as a key of `counts`.
    group("counts", COUNTS),
    value("images", |c, v| count(v).map(|n| c.counts.images = n)),
    value("containers", |c, v| {
        count(v).map(|n| c.counts.containers = n)
    }),
    value("sensors", |c, v| count(v).map(|n| c.counts.sensors = n)),
    value("registries", |c, v| {
        count(v).map(|n| c.counts.registries = n)
    }),
    python_seconds("latency", |c, d| c.latency = d),
    duration("latency_ms", Unit::Millis, |c, d| c.latency = d),
    group("faults", FAULTS),
    value("rate_limits", |c, v| {
        c.rate_limits = RateLimits::from_json("rate_limits", v)?;
        Ok(())
    }),
    value("retry_after", |c, v| {
        boolean(v).map(|b| c.rate_limits.retry_after = b)
    }),
    value("subscription", |c, v| {
        c.subscription = text(v)?.parse()?;
        Ok(())
    }),
    duration("token_ttl", Unit::Seconds, |c, d| c.token_ttl = d),
    value("link_host", |c, v| text(v).map(|s| c.link_host = s)),
    value("link_case", |c, v| {
        c.link_case = text(v)?.parse()?;
        Ok(())
    }),
    value("link_end", |c, v| {
        c.link_end = text(v)?.parse()?;
        Ok(())
    }),
    value("strict_accept", |c, v| {
        boolean(v).map(|b| c.strict_accept = b)
    }),
    value("request_log", |c, v| {
        let n = count(v)?;
        c.request_log_capacity = usize::try_from(n).map_err(|_| "too large".to_string())?;
        Ok(())
    }),
    value("fixtures", |c, v| {
        c.fixtures = match v {
            Value::String(dir) => crate::Fixtures::from_dir(dir),
            Value::Object(_) => crate::Fixtures::from_value(v),
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
const COUNTS: &[Opt] = &[
    value("images", |c, v| count(v).map(|n| c.counts.images = n)),
    value("containers", |c, v| {
        count(v).map(|n| c.counts.containers = n)
    }),
    value("sensors", |c, v| count(v).map(|n| c.counts.sensors = n)),
    value("registries", |c, v| {
        count(v).map(|n| c.counts.registries = n)
    }),
    value("repositories_per_registry", |c, v| {
        count(v).map(|n| c.counts.repositories_per_registry = n)
    }),
    value("schedules_per_registry", |c, v| {
        count(v).map(|n| c.counts.schedules_per_registry = n)
    }),
    value("controls", |c, v| count(v).map(|n| c.counts.controls = n)),
    value("events", |c, v| count(v).map(|n| c.counts.events = n)),
    value("reports", |c, v| count(v).map(|n| c.counts.reports = n)),
    value("k8s_postures", |c, v| {
        count(v).map(|n| c.counts.k8s_postures = n)
    }),
    value("policies", |c, v| count(v).map(|n| c.counts.policies = n)),
    value("tags", |c, v| count(v).map(|n| c.counts.tags = n)),
];

/// The keys of `faults`: shares of requests between 0 and 1, and the pause between body chunks.
const FAULTS: &[Opt] = &[
    value("error_rate", |c, v| {
        share(v).map(|r| c.faults.error_rate = r)
    }),
    value("drop_rate", |c, v| share(v).map(|r| c.faults.drop_rate = r)),
    value("malformed_rate", |c, v| {
        share(v).map(|r| c.faults.malformed_rate = r)
    }),
    value("truncate_rate", |c, v| {
        share(v).map(|r| c.faults.truncate_rate = r)
    }),
    python_seconds("slow_body", |c, d| {
        c.faults.slow_body = (!d.is_zero()).then_some(d)
    }),
    duration("slow_body_ms", Unit::Millis, |c, d| {
        c.faults.slow_body = (!d.is_zero()).then_some(d)
    }),
];

/// The top-level option names in a spelling, for documentation and the bindings' tests.
pub fn option_names(spelling: Spelling) -> Vec<String> {
    OPTIONS
        .iter()
        .filter(|o| has(o, spelling))
        .map(|o| spelling.of(o.name))
        .collect()
}

impl SimConfig {
    /// The configuration of a JSON object of options spelt as `spelling` says (see the module's
    /// documentation); `null` values are left at their defaults. Errors name the option as it was
    /// spelt.
    pub fn from_json(options: &Value, spelling: Spelling) -> Result<SimConfig, OptionError> {
        let Value::Object(m) = options else {
            return Err(OptionError {
                option: "options".into(),
                message: "must be an object of option names to values".into(),
            });
        };
        let given = named(m, OPTIONS, spelling, "")?;
        let mut cfg = SimConfig::default();
        for (i, opt) in OPTIONS.iter().enumerate() {
            for (_, key, v) in given.iter().filter(|(at, _, _)| *at == i) {
                apply(&mut cfg, opt, key, v, spelling)?;
            }
        }
        Ok(cfg)
    }
}

/// Sets `opt` from `v`, given as `key`; a group's keys are named under it (`faults.errorRate`).
fn apply(
    cfg: &mut SimConfig,
    opt: &Opt,
    key: &str,
    v: &Value,
    spelling: Spelling,
) -> Result<(), OptionError> {
    let no = |message: String| refused(opt.name, key, message);
    match opt.decl {
        Decl::Value(set) => set(cfg, v).map_err(no),
        Decl::Duration(unit, set) => {
            let n = number(v).map_err(no)?;
            let secs = match unit {
                Unit::Seconds => n,
                Unit::Millis => n / 1000.0,
            };
            set(
                cfg,
                Duration::try_from_secs_f64(secs).map_err(|e| no(e.to_string()))?,
            );
            Ok(())
        }
        Decl::Group(table) => {
            let Value::Object(m) = v else {
                return Err(no("must be an object".into()));
            };
            let prefix = format!("{key}.");
            for (i, sub, v) in named(m, table, spelling, &prefix)? {
                apply(cfg, &table[i], &format!("{prefix}{sub}"), v, spelling)?;
            }
            Ok(())
        }
    }
}

/// A setter's refusal, named as the option was given. A message that starts with the option's
/// declared name names a path under it (`RateLimits::from_json`'s `rate_limits.images: ...`):
/// that path, as given (`rateLimits.images`), is the option refused.
fn refused(declared: &str, given: &str, message: String) -> OptionError {
    if let Some(rest) = message.strip_prefix(declared) {
        if let Some(m) = rest.strip_prefix(": ") {
            return OptionError {
                option: given.to_string(),
                message: m.to_string(),
            };
        }
        if let Some((path, m)) = rest.strip_prefix('.').and_then(|r| r.split_once(": ")) {
            return OptionError {
                option: format!("{given}.{path}"),
                message: m.to_string(),
            };
        }
    }
    OptionError {
        option: given.to_string(),
        message,
    }
}

/// Whether `spelling` has `opt`.
fn has(opt: &Opt, spelling: Spelling) -> bool {
    opt.only.is_none_or(|s| s == spelling)
}

/// `name` in camelCase (`rate_limits` -> `rateLimits`, `k8s_postures` -> `k8sPostures`).
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

/// The entries of `m` (nulls left out) matched to the names `spelling` has in `table`: (index,
/// key as given, value). An unknown name, or one in the other spelling, is refused, with the
/// closest known one (and its unit, for a duration).
fn named<'m>(
    m: &'m Map<String, Value>,
    table: &[Opt],
    spelling: Spelling,
    prefix: &str,
) -> Result<Vec<(usize, &'m str, &'m Value)>, OptionError> {
    let known: Vec<(usize, String)> = table
        .iter()
        .enumerate()
        .filter(|(_, o)| has(o, spelling))
        .map(|(i, o)| (i, spelling.of(o.name)))
        .collect();
    let mut out = Vec::with_capacity(m.len());
    for (k, v) in m {
        let Some(&(i, _)) = known.iter().find(|(_, n)| n == k) else {
            let hint = closest(k, known.iter().map(|(_, n)| n.as_str()))
                .and_then(|n| known.iter().find(|(_, x)| x == n))
                .map(|(i, n)| match table[*i].decl {
                    Decl::Duration(unit, _) => {
                        format!(" (did you mean `{prefix}{n}`, in {}?)", unit.name())
                    }
                    _ => format!(" (did you mean `{prefix}{n}`?)"),
                })
                .unwrap_or_default();
            let names: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
            return Err(OptionError {
                option: format!("{prefix}{k}"),
                message: format!(
                    "unknown simulator option{hint}; known: {}",
                    names.join(", ")
                ),
            });
        };
        if !v.is_null() {
            out.push((i, k.as_str(), v));
        }
    }
    Ok(out)
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

fn share(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .filter(|x| (0.0..=1.0).contains(x))
        .ok_or_else(|| "must be a number between 0 and 1".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn python(v: Value) -> Result<SimConfig, OptionError> {
        SimConfig::from_json(&v, Spelling::Snake)
    }

    fn node(v: Value) -> Result<SimConfig, OptionError> {
        SimConfig::from_json(&v, Spelling::Camel)
    }

    #[test]
    fn a_misspelt_option_is_refused_by_name_with_the_closest_one() {
        let e = python(json!({"rate_limt": true})).unwrap_err();
        assert_eq!(e.option, "rate_limt");
        assert!(e.message.contains("did you mean `rate_limits`?"), "{e}");
        let e = node(json!({"latencyMss": 5})).unwrap_err();
        assert!(e.message.contains("`latencyMs`, in milliseconds"), "{e}");
        // A key of a group is named under it, as given.
        let e = python(json!({"faults": {"eror_rate": 0.1}})).unwrap_err();
        assert_eq!(e.option, "faults.eror_rate");
        assert!(e.message.contains("`faults.error_rate`"), "{e}");
        let e = node(json!({"faults": {"errorRate": 2}})).unwrap_err();
        assert_eq!(e.option, "faults.errorRate");
        assert!(e.message.contains("between 0 and 1"), "{e}");
        let e = python(json!({"rate_limits": {"images/lst": [5, 1]}})).unwrap_err();
        assert_eq!(e.option, "rate_limits");
        assert!(e.message.contains("`images/list`"), "{e}");
        // A rate limit's family is named under the option, as the caller spells the option.
        let e = node(json!({"rateLimits": {"images": [0, 1]}})).unwrap_err();
        assert_eq!(e.option, "rateLimits.images");
        assert!(
            e.message.starts_with("must be [calls, windowSeconds]"),
            "{e}"
        );
        let e = python(json!({"port": 70000})).unwrap_err();
        assert_eq!(e.option, "port");
    }

    #[test]
    fn each_spelling_keeps_its_own_names_and_suggests_them() {
        let e = node(json!({"token_ttl": 5})).unwrap_err();
        assert_eq!(e.option, "token_ttl");
        assert!(
            e.message.contains("did you mean `tokenTtl`, in seconds?"),
            "{e}"
        );
        let e = node(json!({"faults": {"error_rate": 0.5}})).unwrap_err();
        assert!(e.message.contains("`faults.errorRate`"), "{e}");
        let e = python(json!({"rateLimits": true})).unwrap_err();
        assert!(e.message.contains("did you mean `rate_limits`?"), "{e}");
        let (snake, camel) = (option_names(Spelling::Snake), option_names(Spelling::Camel));
        assert!(snake.iter().any(|n| n == "latency") && !camel.iter().any(|n| n == "latency"));
        assert!(camel.iter().any(|n| n == "latencyMs") && camel.iter().any(|n| n == "rateLimits"));
    }

    #[test]
    fn a_duration_keeps_the_unit_its_name_has_always_had() {
        // Node's durations say their unit; its `latency`, which would be seconds, is refused, so
        // that `latency: 50` meant as milliseconds is not 50 seconds.
        let e = node(json!({"latency": 50})).unwrap_err();
        assert_eq!(e.option, "latency");
        assert!(
            e.message
                .contains("did you mean `latencyMs`, in milliseconds?"),
            "{e}"
        );
        let e = node(json!({"faults": {"slowBody": 5}})).unwrap_err();
        assert!(
            e.message.contains("`faults.slowBodyMs`, in milliseconds"),
            "{e}"
        );
        let c =
            node(json!({"latencyMs": 50, "faults": {"slowBodyMs": 20}, "tokenTtl": 60})).unwrap();
        assert_eq!(c.latency, Duration::from_millis(50));
        assert_eq!(c.faults.slow_body, Some(Duration::from_millis(20)));
        assert_eq!(c.token_ttl, Duration::from_secs(60));
        // Python's are seconds, as documented; the command line's `_ms` names are milliseconds.
        let c = python(json!({"latency": 0.05, "faults": {"slow_body": 0.02}, "token_ttl": 60}))
            .unwrap();
        assert_eq!(c.latency, Duration::from_millis(50));
        assert_eq!(c.faults.slow_body, Some(Duration::from_millis(20)));
        assert_eq!(c.token_ttl, Duration::from_secs(60));
        let c = python(json!({"latency_ms": 50, "faults": {"slow_body_ms": 20}})).unwrap();
        assert_eq!(c.latency, Duration::from_millis(50));
        assert_eq!(c.faults.slow_body, Some(Duration::from_millis(20)));
        let e = python(json!({"latency": -1})).unwrap_err();
        assert_eq!(
            (e.option.as_str(), e.message.as_str()),
            ("latency", "must be a non-negative number")
        );
    }

    #[test]
    fn valid_options_take_effect() {
        let c = node(json!({
            "rateLimits": {"images/list": [3, 2]}, "latencyMs": 250, "images": 7,
            "counts": {"k8sPostures": 2}, "faults": {"errorRate": 0.5, "slowBodyMs": 10},
            "subscription": "free", "tokenTtl": 60, "retryAfter": true, "seed": null
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
        let c = python(json!({"images": 3, "generated": false})).unwrap();
        assert_eq!((c.counts.images, c.counts.containers), (3, 0));
    }
}
