//! Where the client's settings come from, by the one precedence of every entry point
//! (docs/options.md): a flag, then the profile chosen with `--profile NAME` (or `QUALYS_PROFILE`),
//! then the `QUALYS_*` environment, then the config file's `default` profile (when none is
//! chosen), then the defaults. The credentials come as a group from the first of those that has
//! any, except that `--username` takes its password from `QUALYS_PASSWORD` (so it stays out of
//! the shell history). The flags, the profile keys and the variables are the client options of
//! spec/options.json, read by core's one reader. The config file is `--config`,
//! `QUALYS_CS_CONFIG`, or `$XDG_CONFIG_HOME/qualys-cs/config.toml` (by default
//! `~/.config/qualys-cs/config.toml`):
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
//! timeout = 30          # any client option (docs/options.md), in seconds for durations
//! ```

use crate::{Failure, exit};
use clap::ArgMatches;
use qualys_cs::client::settings::{CLIENT_OPTIONS, OptionLayer, OptionValue, Spelling};
use qualys_cs::{Client, ClientBuilder};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One profile of the config file (also what `configure` writes): the options `configure` asks
/// for by name, and any other client option as written (checked when a command reads it).
#[derive(Debug, Default, Clone, PartialEq, Deserialize, Serialize)]
pub struct Profile {
    pub platform: Option<String>,
    pub base_url: Option<String>,
    pub auth_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub auth: Option<String>,
    pub proxy: Option<String>,
    #[serde(flatten)]
    pub other: toml::Table,
}

impl Profile {
    /// The profile's options, read by core's reader in the config file's spelling: an unknown key
    /// is named with the closest option.
    fn options(&self) -> Result<OptionLayer, Failure> {
        let map = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        Ok(OptionLayer::read(&map, Spelling::Config)?)
    }
}

/// What every command needs: how to reach the API and how to print.
pub struct Settings {
    /// The client options from every place, stacked by the one precedence.
    pub options: OptionLayer,
    pub output: Option<String>,
    pub dry_run: bool,
}

pub(crate) fn config_path(m: &ArgMatches) -> Option<PathBuf> {
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

/// The profile chosen by name (`--profile`, `QUALYS_PROFILE`) or else the `default` one, with
/// whether it was chosen.
fn load_profile(m: &ArgMatches) -> Result<(Profile, bool), Failure> {
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
            None => Ok((Profile::default(), false)),
        };
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && asked.is_none() => {
            return Ok((Profile::default(), false));
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
    if !m.get_flag("quiet")
        && let Some(w) = readable_secrets_warning(&path, &profiles)
    {
        eprintln!("qualys-cs: {w}");
    }
    match asked {
        Some(name) => profiles.remove(&name).map(|p| (p, true)).ok_or_else(|| {
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
        None => Ok((profiles.remove("default").unwrap_or_default(), false)),
    }
}

/// The warning for a config file with a password or token in it that users other than its owner
/// can read (none on systems without Unix permissions).
fn readable_secrets_warning(path: &Path, profiles: &BTreeMap<String, Profile>) -> Option<String> {
    let secret = profiles
        .values()
        .any(|p| p.password.is_some() || p.token.is_some());
    if !secret {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o044 != 0).then(|| {
            format!(
                "warning: {} holds a password or token and other users can read it (mode {:o}); \
                 chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A duration of the command line in seconds (`qualys-cs mcp --max-wait`), by the client options'
/// one rule for durations: `inf`, `nan`, negative or unparsable text is refused, and clap names
/// the flag and exits 2.
pub(crate) fn seconds(text: &str) -> Result<std::time::Duration, String> {
    let map = Map::from_iter([("--timeout".to_owned(), Value::String(text.into()))]);
    match OptionLayer::read(&map, Spelling::Flag) {
        Ok(l) => match l.get("timeout") {
            Some(OptionValue::Duration(d)) => Ok(*d),
            _ => Err("not a number of seconds".to_owned()),
        },
        Err(qualys_cs::Error::Validation { message, .. }) => Err(message),
        Err(e) => Err(e.to_string()),
    }
}

/// The command line's flag of each client option (`--base-url`, `--timeout`, ...), from core's
/// table: the flags, their help and their checks are the option's declaration.
pub(crate) fn option_args() -> Vec<clap::Arg> {
    use qualys_cs::client::settings::Kind;
    CLIENT_OPTIONS
        .iter()
        .filter(|o| o.available(Spelling::Flag))
        .map(|o| {
            let flag = o.spelled(Spelling::Flag);
            let long = flag.trim_start_matches('-').to_owned();
            let unit = match o.kind {
                Kind::Duration => " (seconds)",
                _ => "",
            };
            let default = o
                .default
                .map_or_else(String::new, |d| format!(" [default {d}]"));
            let mut arg = clap::Arg::new(long.clone())
                .long(long)
                .global(true)
                .help_heading("Client options (also QUALYS_<NAME>, and config profile keys)")
                .help(format!(
                    "{}{unit}{default} [env {}]",
                    o.doc,
                    o.spelled(Spelling::Env)
                ))
                // `--timeout -1` is a bad value for the reader to name, not an unknown flag.
                .allow_negative_numbers(true);
            arg = match o.kind {
                Kind::Enum(values) => arg.value_parser(clap::builder::PossibleValuesParser::new(
                    values.iter().copied(),
                )),
                // `--validate` alone means true; `--validate false` turns it off.
                Kind::Bool => arg
                    .num_args(0..=1)
                    .default_missing_value("true")
                    .value_name("true|false"),
                Kind::Duration => arg.value_name("SECONDS"),
                _ => arg,
            };
            if o.name == "auth_url" {
                arg = arg.hide(true);
            }
            arg
        })
        .collect()
}

impl Settings {
    pub fn from_matches(m: &ArgMatches) -> Result<Settings, Failure> {
        let (file, chosen) = load_profile(m)?;
        let flag = |k: &str| m.get_one::<String>(k).cloned();
        if flag("password").is_some() && !m.get_flag("quiet") {
            eprintln!(
                "qualys-cs: warning: a password on the command line is visible to other users \
                 and kept in shell history; prefer QUALYS_PASSWORD or a profile"
            );
        }
        let mut given = Map::new();
        for o in CLIENT_OPTIONS
            .iter()
            .filter(|o| o.available(Spelling::Flag))
        {
            let name = o.spelled(Spelling::Flag);
            if let Some(v) = flag(name.trim_start_matches('-')) {
                given.insert(name, Value::String(v));
            }
        }
        let mut flags = OptionLayer::read(&given, Spelling::Flag)?;
        let env = OptionLayer::from_env()?;
        // `--username` with the password from QUALYS_PASSWORD: the one mix of places allowed, so
        // that a password never has to be typed on a command line.
        if flags.get("username").is_some()
            && flags.get("password").is_none()
            && flags.get("token").is_none()
            && let Some(p) = env.get("password")
        {
            flags = flags.with("password", p.clone());
        }
        let profile = file.options()?;
        let none = OptionLayer::default();
        let (chosen, default) = if chosen {
            (&profile, &none)
        } else {
            (&none, &profile)
        };
        Ok(Settings {
            options: OptionLayer::stack([&flags, chosen, &env, default]),
            output: flag("output"),
            dry_run: m.get_flag("dry-run"),
        })
    }

    /// A secret option's value (`password`, `token`), for scrubbing it from what is shown.
    pub fn secret(&self, name: &str) -> Option<&str> {
        match self.options.get(name) {
            Some(OptionValue::Secret(s)) => Some(s.expose()),
            _ => None,
        }
    }

    /// The client these settings describe. A dry run needs no credentials.
    pub fn client(&self) -> Result<Client, Failure> {
        Ok(self.builder()?.build()?)
    }

    /// The builder of [`client`](Self::client), for a command that sets more on it.
    pub fn builder(&self) -> Result<ClientBuilder, Failure> {
        let o = &self.options;
        let has = |n: &str| o.get(n).is_some();
        let mut b = o.apply(Client::builder())?;
        if !o.has_group("credentials") {
            if !self.dry_run {
                return Err(Failure::new(
                    exit::CONFIG,
                    "no credentials: set QUALYS_USERNAME and QUALYS_PASSWORD (or QUALYS_TOKEN), \
                     use a profile (--profile, ~/.config/qualys-cs/config.toml) or --username",
                ));
            }
            b = b.token("dry-run");
        }
        if has("username") && !has("password") && !has("token") {
            return Err(Failure::new(
                exit::CONFIG,
                "a username without a password: set QUALYS_PASSWORD or the profile's password",
            ));
        }
        if !has("platform") && !has("base_url") {
            return Err(Failure::new(
                exit::CONFIG,
                "no platform: set QUALYS_PLATFORM (US1, US2, EU1...) or QUALYS_BASE_URL, a \
                 profile's platform, or --platform",
            ));
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flagged_option_is_a_flag_once() {
        let args = option_args();
        let names: Vec<_> = args.iter().map(|a| a.get_id().to_string()).collect();
        for o in CLIENT_OPTIONS
            .iter()
            .filter(|o| o.available(Spelling::Flag))
        {
            let flag = o.spelled(Spelling::Flag);
            assert_eq!(
                names.iter().filter(|n| format!("--{n}") == flag).count(),
                1,
                "{flag}"
            );
        }
        assert!(
            !names
                .iter()
                .any(|n| n == "large-integers" || n == "token-provider")
        );
    }
}
