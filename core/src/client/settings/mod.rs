//! The client's options read from every entry point by one rule: [`CLIENT_OPTIONS`] (generated from
//! spec/options.json) names each option once, and [`OptionLayer::read`] reads a Python keyword dict,
//! a Node options object, the command line's flags, a config profile or the environment into checked
//! values, spelled as that entry point spells them. Layers stack by one precedence
//! ([`OptionLayer::over`]): explicit > chosen profile > environment > default profile > default,
//! the credentials taken as a group; [`OptionLayer::apply`] sets a [`ClientBuilder`] from the
//! result.

use super::ClientBuilder;
use super::builder::AuthMode;
use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::platform::Platform;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

// Generated (codegen/options.py): its layout is the generator's, checked fresh by `make lint`.
#[rustfmt::skip]
mod table;

pub use table::CLIENT_OPTIONS;

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// Text never shown (logs, reprs, errors).
    Secret,
    /// One of these values (any case).
    Enum(&'static [&'static str]),
    /// Seconds (milliseconds in Node), finite and non-negative.
    Duration,
    /// An integer from 0 to the option's `max`.
    Count,
    Bool,
    /// A function (Python, Node): read by the binding, never from text.
    Callback,
    /// Two durations (Python's `backoff=(base, max)`): the binding sets the two options it stands
    /// for.
    DurationPair,
}

/// One client option, as spec/options.json declares it.
#[derive(Debug, Clone, Copy)]
pub struct ClientOption {
    pub name: &'static str,
    pub camel: &'static str,
    pub kind: Kind,
    /// The largest value of a count.
    pub max: u64,
    /// The default, as JSON text (documentation; the builder holds the value).
    pub default: Option<&'static str>,
    /// The bindings that have it (empty: every entry point).
    pub only: &'static [&'static str],
    /// Options taken together from one place (`credentials`).
    pub group: Option<&'static str>,
    /// The command line's flag, where it is not `--` and the name in kebab case.
    pub flag: Option<&'static str>,
    pub doc: &'static str,
}

/// How an entry point spells options and their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// Python keywords: snake_case, seconds, typed values.
    Python,
    /// Node's options object: camelCase, milliseconds, typed values.
    Node,
    /// The command line: `--kebab-case` flags, seconds, text values.
    Flag,
    /// A config file profile: snake_case, seconds, typed or text values.
    Config,
    /// The environment: `QUALYS_NAME`, seconds, text values.
    Env,
}

impl ClientOption {
    /// The option's name as `spelling` writes it.
    pub fn spelled(&self, spelling: Spelling) -> String {
        match spelling {
            Spelling::Python | Spelling::Config => self.name.to_owned(),
            Spelling::Node => self.camel.to_owned(),
            Spelling::Flag => self.flag.map_or_else(
                || format!("--{}", self.name.replace('_', "-")),
                str::to_owned,
            ),
            Spelling::Env => format!("QUALYS_{}", self.name.to_ascii_uppercase()),
        }
    }

    /// Whether an entry point has the option (binding-only ones are not flags, keys or variables).
    pub fn available(&self, spelling: Spelling) -> bool {
        match spelling {
            Spelling::Python => self.only.is_empty() || self.only.contains(&"python"),
            Spelling::Node => self.only.is_empty() || self.only.contains(&"node"),
            _ => self.only.is_empty() && !matches!(self.kind, Kind::Callback | Kind::DurationPair),
        }
    }

    /// The option of a name as `spelling` writes it.
    pub fn find(name: &str, spelling: Spelling) -> Option<&'static ClientOption> {
        CLIENT_OPTIONS
            .iter()
            .find(|o| o.available(spelling) && o.spelled(spelling) == name)
    }
}

/// A checked option value.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Text(String),
    Secret(Secret),
    Duration(Duration),
    Count(u64),
    Bool(bool),
}

/// Options read from one place, by option name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptionLayer {
    values: BTreeMap<&'static str, OptionValue>,
}

/// The closest known name to an unknown one, in the caller's spelling (`pagesize` -> `page_size`).
pub fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let norm = |s: &str| {
        s.trim_start_matches('-')
            .to_ascii_lowercase()
            .replace(['_', '-'], "")
    };
    let target = norm(unknown);
    known
        .into_iter()
        // Edit distance over the longer name: a prefix-weighted score would offer
        // `max_retry_wait` for `max_retry`, where `max_retries` is meant.
        .map(|k| (strsim::normalized_damerau_levenshtein(&target, &norm(k)), k))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn unknown(name: &str, spelling: Spelling) -> Error {
    let known: Vec<String> = CLIENT_OPTIONS
        .iter()
        .filter(|o| o.available(spelling))
        .map(|o| o.spelled(spelling))
        .collect();
    let hint = did_you_mean(name, known.iter().map(String::as_str))
        .map_or_else(String::new, |k| format!("; did you mean `{k}`?"));
    Error::validation(
        name,
        "unknown_option",
        format!("is not a client option{hint}"),
    )
}

impl OptionLayer {
    /// Read options as an entry point received them; `null` means "not given". An unknown name
    /// (with the closest known one) or a value of the wrong kind is an [`Error::Validation`]
    /// naming the option in the caller's spelling.
    pub fn read(map: &Map<String, Value>, spelling: Spelling) -> Result<OptionLayer> {
        let mut layer = OptionLayer::default();
        for (key, value) in map {
            let Some(opt) = ClientOption::find(key, spelling) else {
                return Err(unknown(key, spelling));
            };
            if value.is_null() || matches!(opt.kind, Kind::Callback | Kind::DurationPair) {
                continue;
            }
            layer
                .values
                .insert(opt.name, read_value(opt, key, value, spelling)?);
        }
        Ok(layer)
    }

    /// The `QUALYS_*` variables of every option: the one reader of the environment. Empty
    /// variables count as unset.
    pub fn from_env() -> Result<OptionLayer> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) over any lookup (tests, a saved environment).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<OptionLayer> {
        let mut map = Map::new();
        for o in CLIENT_OPTIONS.iter().filter(|o| o.available(Spelling::Env)) {
            let name = o.spelled(Spelling::Env);
            if let Some(v) = var(&name).filter(|v| !v.trim().is_empty()) {
                map.insert(name, Value::String(v));
            }
        }
        Self::read(&map, Spelling::Env)
    }

    /// This layer with one more value, by option name (an unknown name changes nothing).
    pub fn with(mut self, name: &str, value: OptionValue) -> OptionLayer {
        if let Some(o) = CLIENT_OPTIONS.iter().find(|o| o.name == name) {
            self.values.insert(o.name, value);
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&OptionValue> {
        self.values.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether any option of a group (`credentials`) is set here.
    pub fn has_group(&self, group: &str) -> bool {
        CLIENT_OPTIONS
            .iter()
            .any(|o| o.group == Some(group) && self.values.contains_key(o.name))
    }

    /// `self` (the higher precedence) over `lower`: each option from `self` when set there, else
    /// from `lower`; the options of a group all from `self` when it sets any of them, so a
    /// username never meets another place's password or token.
    pub fn over(&self, lower: &OptionLayer) -> OptionLayer {
        let mut out = self.clone();
        for o in CLIENT_OPTIONS {
            if out.values.contains_key(o.name) {
                continue;
            }
            if let Some(g) = o.group
                && self.has_group(g)
            {
                continue;
            }
            if let Some(v) = lower.values.get(o.name) {
                out.values.insert(o.name, v.clone());
            }
        }
        out
    }

    /// Stack layers, highest precedence first.
    pub fn stack<'a>(layers: impl IntoIterator<Item = &'a OptionLayer>) -> OptionLayer {
        layers
            .into_iter()
            .fold(None::<OptionLayer>, |acc, l| {
                Some(match acc {
                    None => l.clone(),
                    Some(high) => high.over(l),
                })
            })
            .unwrap_or_default()
    }

    /// Set `b` from these values.
    pub fn apply(&self, mut b: ClientBuilder) -> Result<ClientBuilder> {
        let text = |n: &str| match self.values.get(n) {
            Some(OptionValue::Text(t)) => Some(t.clone()),
            _ => None,
        };
        let secret = |n: &str| match self.values.get(n) {
            Some(OptionValue::Secret(s)) => Some(s.clone()),
            _ => None,
        };
        let duration = |n: &str| match self.values.get(n) {
            Some(OptionValue::Duration(d)) => Some(*d),
            _ => None,
        };
        let count = |n: &str| match self.values.get(n) {
            Some(OptionValue::Count(c)) => Some(*c),
            _ => None,
        };
        let flag = |n: &str| match self.values.get(n) {
            Some(OptionValue::Bool(v)) => Some(*v),
            _ => None,
        };
        if let Some(p) = text("platform") {
            b = b.platform(p.parse::<Platform>()?);
        }
        if let Some(u) = text("base_url") {
            b = b.base_url(u);
        }
        if let Some(u) = text("auth_url") {
            b = b.auth_url(u);
        }
        match (text("username"), secret("password")) {
            (Some(u), Some(p)) => b = b.credentials(u, p),
            (None, None) => {}
            (Some(_), None) => {
                return Err(Error::validation(
                    "password",
                    "required_together",
                    "username and password go together",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::validation(
                    "username",
                    "required_together",
                    "username and password go together",
                ));
            }
        }
        if let Some(t) = secret("token") {
            b = b.token(t);
        }
        match (text("client_id"), secret("client_secret")) {
            (Some(id), Some(secret)) => b = b.api_client(id, secret),
            (None, None) => {}
            (id, _) => {
                return Err(Error::validation(
                    if id.is_some() {
                        "client_secret"
                    } else {
                        "client_id"
                    },
                    "required_together",
                    "client_id and client_secret go together",
                ));
            }
        }
        if let Some(a) = text("auth") {
            b = b.auth_mode(a.parse::<AuthMode>()?);
        }
        if let Some(d) = duration("timeout") {
            b = b.timeout(d);
        }
        if let Some(d) = duration("deadline") {
            b = b.deadline(d);
        }
        if let Some(d) = duration("connect_timeout") {
            b = b.connect_timeout(d);
        }
        if let Some(n) = count("max_retries") {
            b = b.max_retries(n as u32);
        }
        if let Some(d) = duration("backoff_base") {
            b = b.backoff_base(d);
        }
        if let Some(d) = duration("backoff_max") {
            b = b.backoff_max(d);
        }
        if let Some(d) = duration("max_retry_wait") {
            b = b.max_retry_wait(d);
        }
        if let Some(p) = text("proxy") {
            b = b.proxy(p);
        }
        if let Some(ua) = text("user_agent") {
            b = b.user_agent(ua);
        }
        if let Some(n) = count("max_concurrency") {
            b = b.max_concurrency(n as usize);
        }
        if let Some(n) = count("prefetch") {
            b = b.prefetch(n as usize);
        }
        if let Some(on) = flag("rate_limit") {
            b = b.rate_limit(on);
        }
        if let Some(on) = flag("validate") {
            b = b.validate(on);
        }
        if let Some(n) = count("max_response_bytes") {
            b = b.max_response_bytes(n);
        }
        if let Some(on) = flag("allow_insecure_http") {
            b = b.allow_insecure_http(on);
        }
        Ok(b)
    }
}

/// The builder of a client made from the options an entry point was given, the environment's
/// under them by the one precedence: what Python's `Client(...)` and Node's `new Client(...)`
/// build.
pub fn builder_over_env(explicit: &OptionLayer) -> Result<ClientBuilder> {
    OptionLayer::stack([explicit, &OptionLayer::from_env()?]).apply(super::Client::builder())
}

impl ClientBuilder {
    /// Read the `QUALYS_*` variable of every client option (docs/options.md: `QUALYS_USERNAME`,
    /// `QUALYS_PASSWORD`, `QUALYS_TOKEN`, `QUALYS_PLATFORM`, `QUALYS_BASE_URL`, `QUALYS_TIMEOUT`, ...)
    /// on top of this builder, through the one reader of the environment
    /// ([`OptionLayer::from_env`]); a bad value is an [`Error::Validation`] naming the variable.
    pub fn from_env(self) -> Result<Self> {
        OptionLayer::from_env()?.apply(self)
    }
}

/// An error of [`OptionLayer::apply`] (which names options as spec/options.json does) with the
/// option names spelled as `spelling` writes them: Node's `clientSecret`, the flag `--client-secret`.
pub fn respell(err: Error, spelling: Spelling) -> Error {
    let Error::Validation {
        field,
        rule,
        message,
    } = err
    else {
        return err;
    };
    let spell = |name: &str| {
        CLIENT_OPTIONS
            .iter()
            .find(|o| o.name == name)
            .map_or_else(|| name.to_owned(), |o| o.spelled(spelling))
    };
    // Whole words only: `password` is respelled, `passwords` or `max_retry_wait`'s parts are not.
    let message = message
        .split_inclusive(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(|part| {
            let word = part.trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let rest = &part[word.len()..];
            format!("{}{rest}", spell(word))
        })
        .collect();
    Error::Validation {
        field: spell(&field),
        rule,
        message,
    }
}

/// Whether the entry point hands values over as text (flags, variables; a config file may too).
fn textual(spelling: Spelling) -> bool {
    matches!(spelling, Spelling::Flag | Spelling::Env | Spelling::Config)
}

fn read_value(opt: &ClientOption, key: &str, v: &Value, spelling: Spelling) -> Result<OptionValue> {
    let text_in = textual(spelling);
    let bad = |what: String| Error::validation(key, "type", what);
    // A number given as text where the entry point speaks text (`--timeout 30`, QUALYS_TIMEOUT=30).
    let number = |v: &Value| -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if text_in => s.trim().parse::<f64>().ok(),
            _ => None,
        }
    };
    match opt.kind {
        Kind::Str | Kind::Secret | Kind::Enum(_) => {
            let Value::String(s) = v else {
                return Err(bad(format!("must be a string, got {}", shown(opt, v))));
            };
            if let Kind::Enum(values) = opt.kind
                && !values.iter().any(|x| x.eq_ignore_ascii_case(s.trim()))
            {
                return Err(Error::validation(
                    key,
                    "enum",
                    format!("must be one of {}, got {s:?}", values.join(", ")),
                ));
            }
            Ok(if opt.kind == Kind::Secret {
                OptionValue::Secret(Secret::new(s.as_str()))
            } else {
                OptionValue::Text(s.clone())
            })
        }
        Kind::Duration => {
            let unit = if spelling == Spelling::Node {
                "milliseconds"
            } else {
                "seconds"
            };
            let n = number(v)
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| {
                    Error::validation(
                        key,
                        "range",
                        format!("must be a non-negative number of {unit}, got {v}"),
                    )
                })?;
            let secs = if spelling == Spelling::Node {
                n / 1000.0
            } else {
                n
            };
            Duration::try_from_secs_f64(secs)
                .map(OptionValue::Duration)
                .map_err(|_| {
                    Error::validation(
                        key,
                        "range",
                        format!("must be a non-negative number of {unit}, got {v}"),
                    )
                })
        }
        Kind::Count => {
            let n = number(v)
                .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= opt.max as f64)
                .ok_or_else(|| {
                    Error::validation(
                        key,
                        "range",
                        format!("must be an integer from 0 to {}, got {v}", opt.max),
                    )
                })?;
            Ok(OptionValue::Count(n as u64))
        }
        Kind::Bool => match v {
            Value::Bool(b) => Ok(OptionValue::Bool(*b)),
            Value::String(s) if text_in => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(OptionValue::Bool(true)),
                "0" | "false" | "no" | "off" => Ok(OptionValue::Bool(false)),
                _ => Err(bad(format!("must be true or false, got {s:?}"))),
            },
            other => Err(bad(format!("must be true or false, got {other}"))),
        },
        Kind::Callback => Err(bad("must be a function".into())),
        Kind::DurationPair => Err(bad("must be a pair of durations".into())),
    }
}

/// A value for an error message: a secret option's value is never shown.
fn shown(opt: &ClientOption, v: &Value) -> String {
    if opt.kind == Kind::Secret {
        "a value of another type".into()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value, s: Spelling) -> Result<OptionLayer> {
        OptionLayer::read(v.as_object().unwrap(), s)
    }

    fn rule(r: Result<OptionLayer>) -> (String, String, String) {
        match r {
            Err(Error::Validation {
                field,
                rule,
                message,
            }) => (field, rule, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn every_entry_point_spells_and_reads_the_same_option() {
        let cases = [
            (json!({"max_retries": 2, "timeout": 1.5}), Spelling::Python),
            (json!({"maxRetries": 2, "timeout": 1500}), Spelling::Node),
            (
                json!({"--max-retries": "2", "--timeout": "1.5"}),
                Spelling::Flag,
            ),
            (
                json!({"max_retries": 2, "timeout": "1.5"}),
                Spelling::Config,
            ),
            (
                json!({"QUALYS_MAX_RETRIES": "2", "QUALYS_TIMEOUT": "1.5"}),
                Spelling::Env,
            ),
        ];
        for (v, s) in cases {
            let l = read(v, s).unwrap();
            assert_eq!(l.get("max_retries"), Some(&OptionValue::Count(2)), "{s:?}");
            assert_eq!(
                l.get("timeout"),
                Some(&OptionValue::Duration(Duration::from_millis(1500))),
                "{s:?}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_option_and_never_panic() {
        for (v, s, field) in [
            (json!({"--timeout": "inf"}), Spelling::Flag, "--timeout"),
            (json!({"--timeout": "nan"}), Spelling::Flag, "--timeout"),
            (json!({"--timeout": "-1"}), Spelling::Flag, "--timeout"),
            (json!({"--timeout": "1e300"}), Spelling::Flag, "--timeout"),
            (
                json!({"QUALYS_TIMEOUT": "soon"}),
                Spelling::Env,
                "QUALYS_TIMEOUT",
            ),
            (json!({"timeout": "30"}), Spelling::Python, "timeout"),
            (json!({"maxRetries": 101}), Spelling::Node, "maxRetries"),
            (json!({"max_retries": 1.5}), Spelling::Python, "max_retries"),
            (
                json!({"rate_limit": "maybe"}),
                Spelling::Config,
                "rate_limit",
            ),
            (json!({"platform": "US9"}), Spelling::Python, "platform"),
        ] {
            let (f, _, m) = rule(read(v.clone(), s));
            assert_eq!(f, field, "{v}: {m}");
        }
    }

    #[test]
    fn unknown_names_get_a_suggestion_in_the_callers_spelling() {
        let (f, r, m) = rule(read(json!({"max_retry": 1}), Spelling::Python));
        assert_eq!((f.as_str(), r.as_str()), ("max_retry", "unknown_option"));
        assert!(m.contains("did you mean `max_retries`"), "{m}");
        let (_, _, m) = rule(read(json!({"max_retries": 1}), Spelling::Node));
        assert!(m.contains("did you mean `maxRetries`"), "{m}");
        let (_, _, m) = rule(read(json!({"--time-out": "1"}), Spelling::Flag));
        assert!(m.contains("did you mean `--timeout`"), "{m}");
        let (_, _, m) = rule(read(json!({"colour": 1}), Spelling::Python));
        assert!(!m.contains("did you mean"), "{m}");
        // Binding-only options are not flags or variables.
        assert!(read(json!({"--large-integers": "bigint"}), Spelling::Flag).is_err());
        assert!(read(json!({"largeIntegers": "bigint"}), Spelling::Node).is_ok());
    }

    #[test]
    fn an_api_client_comes_from_the_environment_as_a_group() {
        let env = OptionLayer::from_vars(|k| match k {
            "QUALYS_CLIENT_ID" => Some("ci".into()),
            "QUALYS_CLIENT_SECRET" => Some("cs-not-shown".into()),
            "QUALYS_AUTH" => Some("oidc".into()),
            "QUALYS_BASE_URL" => Some("http://127.0.0.1:9".into()),
            _ => None,
        })
        .unwrap();
        let client = env
            .apply(ClientBuilder::default())
            .unwrap()
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("cs-not-shown"), "{debug}");
        // A place that sets a username takes the whole group: no client id from below it.
        let explicit = read(json!({"username": "u", "password": "p"}), Spelling::Python).unwrap();
        let all = OptionLayer::stack([&explicit, &env]);
        assert_eq!(all.get("client_id"), None);
        let half =
            OptionLayer::from_vars(|k| (k == "QUALYS_CLIENT_ID").then(|| "ci".into())).unwrap();
        match half.apply(ClientBuilder::default()) {
            Err(Error::Validation { field, rule, .. }) => {
                assert_eq!(
                    (field.as_str(), rule.as_str()),
                    ("client_secret", "required_together")
                )
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn errors_of_apply_name_options_in_the_callers_spelling() {
        let layer = read(json!({"clientId": "id"}), Spelling::Node).unwrap();
        let err = layer
            .apply(crate::Client::builder())
            .map(|_| ())
            .unwrap_err();
        let (f, _, m) = rule(Err(respell(err, Spelling::Node)));
        assert_eq!(f, "clientSecret");
        assert!(m.contains("clientId and clientSecret"), "{m}");
    }

    #[test]
    fn a_secret_is_never_in_an_error() {
        let (_, _, m) = rule(read(json!({"password": 12345678}), Spelling::Python));
        assert!(!m.contains("12345678"), "{m}");
    }

    #[test]
    fn precedence_takes_credentials_as_a_group() {
        let explicit = read(json!({"timeout": 5}), Spelling::Python).unwrap();
        let profile = read(
            json!({"username": "p", "password": "pp", "timeout": 7}),
            Spelling::Config,
        )
        .unwrap();
        let env = OptionLayer::from_vars(|k| match k {
            "QUALYS_TOKEN" => Some("env-token".into()),
            "QUALYS_MAX_RETRIES" => Some("4".into()),
            "QUALYS_TIMEOUT" => Some("9".into()),
            _ => None,
        })
        .unwrap();
        let all = OptionLayer::stack([&explicit, &profile, &env]);
        assert_eq!(
            all.get("timeout"),
            Some(&OptionValue::Duration(Duration::from_secs(5)))
        );
        assert_eq!(all.get("max_retries"), Some(&OptionValue::Count(4)));
        assert_eq!(all.get("username"), Some(&OptionValue::Text("p".into())));
        // The profile chose the credentials: the environment's token does not join them.
        assert_eq!(all.get("token"), None);
        let no_profile = OptionLayer::stack([&explicit, &env]);
        assert_eq!(no_profile.get("username"), None);
        assert!(matches!(
            no_profile.get("token"),
            Some(OptionValue::Secret(_))
        ));
        assert_eq!(
            no_profile.get("timeout"),
            Some(&OptionValue::Duration(Duration::from_secs(5)))
        );
    }

    #[test]
    fn the_table_and_the_builder_agree() {
        // Every option the table declares for every entry point is applied by `apply`: a value of
        // each reaches the builder without an "unknown" error, and a built client reflects one.
        let mut map = Map::new();
        for o in CLIENT_OPTIONS
            .iter()
            .filter(|o| o.available(Spelling::Python))
        {
            let v = match o.kind {
                Kind::Str => json!("http://127.0.0.1:9"),
                Kind::Secret => continue,
                Kind::Enum(values) => json!(values[0]),
                Kind::Duration => json!(1),
                Kind::Count => json!(1),
                Kind::Bool => json!(true),
                Kind::Callback | Kind::DurationPair => continue,
            };
            map.insert(o.name.to_owned(), v);
        }
        // Credentials each need their partner (a secret, skipped above): the token below stands in.
        map.remove("username");
        map.remove("client_id");
        let layer = OptionLayer::read(&map, Spelling::Python).unwrap();
        let b = layer.apply(crate::Client::builder()).unwrap();
        let c = b.token("t").build().unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9");
    }
}
