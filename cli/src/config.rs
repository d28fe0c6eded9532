//! Where the client's settings come from: flags first, then the `QUALYS_*` environment, then a
//! profile of the config file (`--config`, `QUALYS_CS_CONFIG`, or
//! `$XDG_CONFIG_HOME/qualys-cs/config.toml`, by default `~/.config/qualys-cs/config.toml`):
//!
//! ```toml
//! [default]
//! platform = "US2"
//! username = "me"
//! password = "..."      # keep the file private (chmod 600)
//!
//! [prod]
//! base_url = "https://qualysapi.qg2.apps.qualys.com"
//! token = "..."
//! ```
//!
//! `--profile NAME` (or `QUALYS_PROFILE`) picks a table; without it, `default` if present.

use crate::{Failure, exit};
use clap::ArgMatches;
use qualys_cs::client::Dialect;
use qualys_cs::{AuthMode, Client, ClientBuilder, Platform, RequestOptions};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// One profile of the config file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub platform: Option<String>,
    pub base_url: Option<String>,
    pub auth_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub auth: Option<String>,
    pub proxy: Option<String>,
}

/// What every command needs: how to reach the API and how to print.
pub struct Settings {
    pub profile: Profile,
    pub output: Option<String>,
    pub dry_run: bool,
    pub max_retries: Option<u32>,
    pub timeout: Option<Duration>,
}

fn config_path(m: &ArgMatches) -> Option<PathBuf> {
    if let Some(p) = m.get_one::<String>("config") {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = std::env::var_os("QUALYS_CS_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("qualys-cs").join("config.toml"))
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

fn load_profile(m: &ArgMatches) -> Result<Profile, Failure> {
    let asked = m
        .get_one::<String>("profile")
        .cloned()
        .or_else(|| env("QUALYS_PROFILE"));
    let Some(path) = config_path(m) else {
        return match asked {
            Some(p) => Err(Failure::new(
                exit::CONFIG,
                format!("profile {p:?}: no config file (set HOME or --config)"),
            )),
            None => Ok(Profile::default()),
        };
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && asked.is_none() => {
            return Ok(Profile::default());
        }
        Err(e) => {
            return Err(Failure::new(
                exit::CONFIG,
                format!("config file {}: {e}", path.display()),
            ));
        }
    };
    let mut profiles: BTreeMap<String, Profile> = toml::from_str(&text).map_err(|e| {
        Failure::new(
            exit::CONFIG,
            format!("config file {}: {}", path.display(), e.message()),
        )
    })?;
    match asked {
        Some(name) => profiles.remove(&name).ok_or_else(|| {
            let known: Vec<_> = profiles.keys().cloned().collect();
            Failure::new(
                exit::CONFIG,
                format!(
                    "profile {name:?} is not in {} (profiles: {})",
                    path.display(),
                    known.join(", ")
                ),
            )
        }),
        None => Ok(profiles.remove("default").unwrap_or_default()),
    }
}

/// A duration option of the command line (`--timeout SECONDS`), read by the client's own rule for
/// durations (its `timeout` option): a finite, non-negative number of seconds that a `Duration`
/// holds. Whatever else (`inf`, `nan`, `-1`, `1e300`, `soon`) is refused here, and clap names the
/// option and exits 2.
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    let n: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number of seconds".to_owned())?;
    // `inf` and `nan` have no JSON number: they go over as text, which the rule refuses too.
    let v =
        serde_json::Number::from_f64(n).map_or_else(|| Value::String(text.into()), Value::Number);
    let options = serde_json::Map::from_iter([("timeout".to_owned(), v)]);
    match RequestOptions::from_map(&options, Dialect::Python) {
        Ok(Some(RequestOptions {
            timeout: Some(d), ..
        })) => Ok(d),
        Err(qualys_cs::Error::Validation { message, .. }) => Err(message),
        Err(e) => Err(e.to_string()),
        Ok(_) => Err("not a number of seconds".to_owned()),
    }
}

impl Settings {
    pub fn from_matches(m: &ArgMatches) -> Result<Settings, Failure> {
        let file = load_profile(m)?;
        let flag = |k: &str| m.get_one::<String>(k).cloned();
        if flag("password").is_some() && !m.get_flag("quiet") {
            eprintln!(
                "qualys-cs: warning: a password on the command line is visible to other users \
                 and kept in shell history; prefer QUALYS_PASSWORD or a profile"
            );
        }
        let pick = |k: &str, e: &str, f: &Option<String>| flag(k).or_else(|| env(e)).or(f.clone());
        // Username and password come as a pair from one place, so a flag's username never
        // meets a profile's password.
        let (username, password) = match (flag("username"), flag("password")) {
            (Some(u), Some(p)) => (Some(u), Some(p)),
            (Some(u), None) => (Some(u), env("QUALYS_PASSWORD").or(file.password.clone())),
            (None, Some(p)) => (env("QUALYS_USERNAME").or(file.username.clone()), Some(p)),
            (None, None) => match (env("QUALYS_USERNAME"), env("QUALYS_PASSWORD")) {
                (Some(u), Some(p)) => (Some(u), Some(p)),
                _ => (file.username.clone(), file.password.clone()),
            },
        };
        let profile = Profile {
            platform: pick("platform", "QUALYS_PLATFORM", &file.platform),
            base_url: pick("base-url", "QUALYS_BASE_URL", &file.base_url),
            auth_url: pick("auth-url", "QUALYS_AUTH_URL", &file.auth_url),
            username,
            password,
            token: pick("token", "QUALYS_TOKEN", &file.token),
            auth: pick("auth", "QUALYS_AUTH", &file.auth),
            proxy: pick("proxy", "QUALYS_PROXY", &file.proxy),
        };
        Ok(Settings {
            profile,
            output: flag("output"),
            dry_run: m.get_flag("dry-run"),
            max_retries: m.get_one::<u32>("max-retries").copied(),
            timeout: m.get_one::<Duration>("timeout").copied(),
        })
    }

    /// The client these settings describe. A dry run needs no credentials.
    pub fn client(&self) -> Result<Client, Failure> {
        Ok(self.builder()?.build()?)
    }

    /// The builder of [`client`](Self::client), for a command that sets more on it.
    pub fn builder(&self) -> Result<ClientBuilder, Failure> {
        let p = &self.profile;
        let mut b: ClientBuilder = Client::builder();
        if let Some(pl) = &p.platform {
            b = b.platform(pl.parse::<Platform>()?);
        }
        if let Some(u) = &p.base_url {
            b = b.base_url(u.clone());
        }
        if let Some(u) = &p.auth_url {
            b = b.auth_url(u.clone());
        }
        match (&p.username, &p.password, &p.token) {
            (_, _, Some(t)) => b = b.token(t.clone()),
            (Some(u), Some(pw), None) => b = b.credentials(u.clone(), pw.clone()),
            (Some(_), None, None) => {
                return Err(Failure::new(
                    exit::CONFIG,
                    "a username without a password: set QUALYS_PASSWORD or the profile's password",
                ));
            }
            _ if self.dry_run => b = b.token("dry-run"),
            _ => {
                return Err(Failure::new(
                    exit::CONFIG,
                    "no credentials: set QUALYS_USERNAME and QUALYS_PASSWORD (or QUALYS_TOKEN), \
                     use a profile (--profile, ~/.config/qualys-cs/config.toml) or --username",
                ));
            }
        }
        if p.platform.is_none() && p.base_url.is_none() {
            return Err(Failure::new(
                exit::CONFIG,
                "no platform: set QUALYS_PLATFORM (US1, US2, EU1...) or QUALYS_BASE_URL, a \
                 profile's platform, or --platform",
            ));
        }
        if let Some(a) = &p.auth {
            b = b.auth_mode(a.parse::<AuthMode>()?);
        }
        if let Some(x) = &p.proxy {
            b = b.proxy(x.clone());
        }
        if let Some(n) = self.max_retries {
            b = b.max_retries(n);
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_finite_non_negative_seconds() {
        assert_eq!(seconds("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(seconds(" 0 "), Ok(Duration::ZERO));
        for bad in [
            "inf", "-inf", "infinity", "nan", "NaN", "-1", "-0.5", "1e300", "soon", "",
        ] {
            let e = seconds(bad).expect_err(bad);
            assert!(e.contains("seconds"), "{bad}: {e}");
        }
    }
}
