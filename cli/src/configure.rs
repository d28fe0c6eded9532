//! `qualys-cs configure [--profile NAME]`: writes a profile of the config file (the file and keys
//! [`crate::config`] reads), private to its owner (mode 0600). Values come from the global flags
//! (`--platform`, `--base-url`, `--username`, `--token`, ...), `--password-stdin`, and, on a
//! terminal, prompts for what is still missing (the password without echo). Other profiles, and
//! comments outside the profile written, are kept as they are.

use crate::config::{Profile, config_path};
use crate::{Failure, exit};
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub(crate) fn command() -> Command {
    Command::new("configure")
        .about("Write a profile of the config file (mode 0600), prompting on a terminal for what the flags leave out")
        .after_help(
            "Values from --platform or --base-url, --username, --password-stdin (or --password), \
             --token, --auth, --proxy; without a value for them, the profile's current ones stay. \
             On a terminal, missing values are asked for (the password without echo).\n\n\
             Examples:\n  qualys-cs configure --profile prod\n  \
             printf '%s\\n' \"$PASSWORD\" | qualys-cs configure --profile ci --platform US2 --username me --password-stdin",
        )
        .arg(
            Arg::new("password-stdin")
                .long("password-stdin")
                .action(ArgAction::SetTrue)
                .conflicts_with("password")
                .help("Read the password from the first line of stdin"),
        )
}

fn config_failure(path: &Path, what: impl std::fmt::Display) -> Failure {
    Failure::new(
        exit::CONFIG,
        format!("config file {}: {what}", path.display()),
    )
}

/// Asks on stderr, reads a line of stdin; an empty answer keeps `current`.
fn ask(question: &str, current: Option<&str>) -> Result<Option<String>, Failure> {
    match current {
        Some(c) => eprint!("{question} [{c}]: "),
        None => eprint!("{question}: "),
    }
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::io("reading the answer", e))?;
    let answer = line.trim();
    Ok(if answer.is_empty() {
        current.map(str::to_owned)
    } else {
        Some(answer.to_owned())
    })
}

/// The profile with the values given on the command line over the `current` ones, asking on a
/// terminal for a platform and credentials still missing.
fn merged(
    m: &ArgMatches,
    c: &ArgMatches,
    mut p: Profile,
    interactive: bool,
) -> Result<Profile, Failure> {
    let flag = |k: &str| m.get_one::<String>(k).cloned();
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if v.is_some() {
            *slot = v;
        }
    };
    set(&mut p.platform, flag("platform"));
    set(&mut p.base_url, flag("base-url"));
    set(&mut p.auth_url, flag("auth-url"));
    set(&mut p.username, flag("username"));
    set(&mut p.password, flag("password"));
    set(&mut p.token, flag("token"));
    set(&mut p.auth, flag("auth"));
    set(&mut p.proxy, flag("proxy"));
    if c.get_flag("password-stdin") {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::io("reading the password from stdin", e))?;
        let pw = line.trim_end_matches(['\n', '\r']);
        if pw.is_empty() {
            return Err(Failure::usage("--password-stdin: stdin gave no password"));
        }
        p.password = Some(pw.to_owned());
    }
    if interactive {
        if p.platform.is_none() && p.base_url.is_none() {
            let answer = ask(
                "Platform (US1..US4, EU1..EU3, IN1, CA1, AE1, UK1, AU1, KSA1) or API base URL",
                None,
            )?;
            match answer {
                Some(a) if a.contains("://") => p.base_url = Some(a),
                a => p.platform = a,
            }
        }
        if p.token.is_none() {
            if flag("username").is_none() {
                p.username = ask("Username", p.username.as_deref())?;
            }
            let given = flag("password").is_some() || c.get_flag("password-stdin");
            if p.username.is_some() && !given {
                let question = if p.password.is_some() {
                    "Password (empty: keep the current one): "
                } else {
                    "Password: "
                };
                let pw = rpassword::prompt_password(question)
                    .map_err(|e| Failure::io("reading the password", e))?;
                if !pw.is_empty() {
                    p.password = Some(pw);
                }
            }
        }
    }
    Ok(p)
}

/// `[name]`, quoted when the name is not a bare TOML key.
fn header(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        format!("[{name}]")
    } else {
        format!("[{}]", toml::Value::String(name.to_owned()))
    }
}

/// The name of the table a line opens (`[prod]`, `["my profile"]`), if it opens a top-level one.
fn opens(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('[') || t.starts_with("[[") {
        return None;
    }
    let table: toml::Table = toml::from_str(&format!("{t}\n")).ok()?;
    let (name, v) = table.into_iter().next()?;
    v.as_table().is_some_and(|t| t.is_empty()).then_some(name)
}

/// `text` (a config file) with the table `name` replaced by `body` (appended when absent); the
/// rest, comments included, as it was.
pub(crate) fn replace_profile(text: &str, name: &str, body: &str) -> String {
    let block = format!("{}\n{body}", header(name));
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| opens(l).as_deref() == Some(name));
    let Some(start) = start else {
        let mut out = text.trim_end().to_owned();
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&block);
        return out;
    };
    // The table ends where the next one opens; comment lines just before that belong to it.
    let mut end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| start + 1 + i);
    while end > start + 1 && {
        let l = lines[end - 1].trim();
        l.is_empty() || l.starts_with('#')
    } {
        end -= 1;
    }
    let mut out = lines[..start].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&block);
    if end < lines.len() {
        out.push('\n');
        out.push_str(&lines[end..].join("\n"));
        out.push('\n');
    }
    out
}

/// Writes `text` to `path` readable by its owner only: a new file of mode 0600 beside it, renamed
/// over it, so that no moment leaves the secrets readable by others.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(d)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let result = o
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub(crate) fn run(m: &ArgMatches, c: &ArgMatches) -> Result<i32, Failure> {
    let quiet = m.get_flag("quiet");
    let path = config_path(m).ok_or_else(|| {
        Failure::new(
            exit::CONFIG,
            "no config file path: set HOME, XDG_CONFIG_HOME, QUALYS_CS_CONFIG or --config",
        )
    })?;
    let name = m
        .get_one::<String>("profile")
        .cloned()
        .or_else(|| {
            std::env::var("QUALYS_PROFILE")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .unwrap_or_else(|| "default".to_owned());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(config_failure(&path, e)),
    };
    let mut profiles: BTreeMap<String, Profile> =
        toml::from_str(&text).map_err(|e| config_failure(&path, e.message()))?;
    let current = profiles.remove(&name).unwrap_or_default();
    if m.get_one::<String>("password").is_some() && !quiet {
        eprintln!(
            "qualys-cs: warning: a password on the command line is visible to other users and \
             kept in shell history; prefer --password-stdin or the prompt"
        );
    }
    let interactive = std::io::stdin().is_terminal() && !c.get_flag("password-stdin");
    let profile = merged(m, c, current, interactive)?;
    let body = toml::to_string(&profile).expect("a profile serializes");
    if body.trim().is_empty() {
        return Err(Failure::usage(
            "configure: nothing to write: give --platform or --base-url, --username with \
             --password-stdin, or --token (or run it on a terminal to be asked)",
        ));
    }
    let new_text = replace_profile(&text, &name, &body);
    // What is written must read back as written, through the reader of every command.
    let check: BTreeMap<String, Profile> = toml::from_str(&new_text)
        .map_err(|e| config_failure(&path, format!("cannot update it: {}", e.message())))?;
    if check.get(&name) != Some(&profile) {
        return Err(config_failure(
            &path,
            "cannot update it in place; edit it by hand",
        ));
    }
    write_private(&path, &new_text).map_err(|e| config_failure(&path, e))?;
    if !quiet {
        eprintln!("qualys-cs: profile {name:?} written to {}", path.display());
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> BTreeMap<String, Profile> {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_profile_is_replaced_in_place_keeping_the_rest() {
        let text = "# my settings\n[default]\nplatform = \"US1\"\n\n# production\n[prod]\n\
                    username = \"old\"\npassword = \"x\"\n\n# staging, below\n[staging]\ntoken = \"t\"\n";
        let body = "platform = \"US2\"\nusername = \"me\"\n";
        let out = replace_profile(text, "prod", body);
        assert!(out.starts_with("# my settings\n[default]\nplatform = \"US1\"\n\n# production\n[prod]\nplatform = \"US2\"\nusername = \"me\"\n"), "{out}");
        assert!(
            out.ends_with("\n# staging, below\n[staging]\ntoken = \"t\"\n"),
            "{out}"
        );
        let p = read(&out);
        assert_eq!(p["prod"].username.as_deref(), Some("me"));
        assert_eq!(p["prod"].password, None);
        assert_eq!(p["staging"].token.as_deref(), Some("t"));
        assert_eq!(p["default"].platform.as_deref(), Some("US1"));
        // The last table, a new one, an empty file, a quoted name.
        let out = replace_profile(text, "staging", "token = \"u\"\n");
        assert_eq!(read(&out)["staging"].token.as_deref(), Some("u"));
        assert_eq!(read(&out)["prod"].username.as_deref(), Some("old"));
        let out = replace_profile(text, "new", "token = \"n\"\n");
        assert_eq!(read(&out).len(), 4);
        assert!(out.starts_with(text.trim_end()));
        let out = replace_profile("", "my profile", "token = \"n\"\n");
        assert_eq!(out, "[\"my profile\"]\ntoken = \"n\"\n");
        assert_eq!(read(&out)["my profile"].token.as_deref(), Some("n"));
        let quoted = replace_profile(&out, "my profile", "token = \"m\"\n");
        assert_eq!(read(&quoted).len(), 1);
        assert_eq!(read(&quoted)["my profile"].token.as_deref(), Some("m"));
    }

    #[test]
    fn values_are_escaped_toml() {
        let p = Profile {
            username: Some("me\"\\\n".into()),
            password: Some("p'w\"#=".into()),
            ..Profile::default()
        };
        let out = replace_profile("", "default", &toml::to_string(&p).unwrap());
        assert_eq!(read(&out)["default"], p);
    }
}
