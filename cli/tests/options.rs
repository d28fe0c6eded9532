//! The client options on the command line: one flag per declared option, and the one precedence
//! of every entry point (docs/options.md): a flag > the chosen profile > the environment > the
//! default profile > the default, with the credentials taken as a group. Observed through
//! `--dry-run`, which prints the URL a call would go to without sending it.

mod common;
use common::{run, scratch};

const CONFIG: &str = r#"
[default]
base_url = "https://default.example"
token = "default-token"

[chosen]
base_url = "https://chosen.example"
token = "chosen-token"
"#;

fn url_of(args: &[&str], env: &[(&str, &str)], name: &str) -> String {
    let home = scratch(name);
    let dir = home.join(".config").join("qualys-cs");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, CONFIG).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut all = vec!["--dry-run", "-o", "json"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["images", "list"]);
    let r = run(&all, env, &home);
    assert_eq!(r.code, 0, "{args:?} {env:?}: {}", r.stderr);
    let host = r
        .stdout
        .split("https://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!host.is_empty(), "{}", r.stdout);
    host
}

#[test]
fn one_precedence_flag_profile_env_default() {
    let env = [("QUALYS_BASE_URL", "https://env.example")];
    // The default profile loses to the environment...
    assert_eq!(url_of(&[], &env, "env-over-default"), "env.example");
    // ...and stands when the environment is silent.
    assert_eq!(url_of(&[], &[], "default-alone"), "default.example");
    // A profile chosen by name wins over the environment (as aws-cli lets the explicit choice win).
    assert_eq!(
        url_of(&["--profile", "chosen"], &env, "chosen-over-env"),
        "chosen.example"
    );
    let chosen_by_env = [
        ("QUALYS_BASE_URL", "https://env.example"),
        ("QUALYS_PROFILE", "chosen"),
    ];
    assert_eq!(
        url_of(&[], &chosen_by_env, "chosen-by-env"),
        "chosen.example"
    );
    // A flag wins over everything.
    let flag = ["--base-url", "https://flag.example", "--profile", "chosen"];
    assert_eq!(url_of(&flag, &env, "flag-first"), "flag.example");
}

#[test]
fn every_option_has_a_flag_and_bad_values_exit_2_naming_it() {
    let home = scratch("bad-values");
    for (flag, value) in [
        ("--timeout", "inf"),
        ("--connect-timeout", "-1"),
        ("--max-retries", "101"),
        ("--max-retry-wait", "soon"),
        ("--max-concurrency", "1.5"),
        ("--max-response-bytes", "nan"),
    ] {
        let r = run(
            &[
                "--dry-run",
                flag,
                value,
                "--token",
                "t",
                "--platform",
                "US1",
                "images",
                "list",
            ],
            &[],
            &home,
        );
        assert_eq!(r.code, 2, "{flag} {value}: {}", r.stderr);
        assert!(r.stderr.contains(flag), "{flag}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // An option of the environment that does not read is named as the variable.
    let r = run(
        &[
            "--dry-run",
            "--token",
            "t",
            "--platform",
            "US1",
            "images",
            "list",
        ],
        &[("QUALYS_TIMEOUT", "forever")],
        &home,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("QUALYS_TIMEOUT"), "{}", r.stderr);
}

#[test]
fn a_misspelt_profile_key_names_the_closest_option() {
    let home = scratch("profile-typo");
    let dir = home.join(".config").join("qualys-cs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[default]\nplatform = \"US1\"\ntoken = \"t\"\nmax_retry = 2\n",
    )
    .unwrap();
    let r = run(&["--dry-run", "images", "list"], &[], &home);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean `max_retries`"),
        "{}",
        r.stderr
    );
}

/// `check_command_line` is what a run makes of its arguments before anything happens: the exit
/// code and message it would end with. (In process: only flags decide these cases, whatever the
/// environment holds; the config file named does not exist.)
#[test]
fn a_command_line_is_checked_without_running_it() {
    use qualys_cs_cli::{check_command_line, exit};
    let check = |args: &[&str]| {
        let mut all = vec!["qualys-cs", "--config", "/nonexistent/qualys-cs.toml"];
        all.extend_from_slice(args);
        check_command_line(all)
    };
    assert_eq!(check(&["--help"]), Ok(()));
    assert_eq!(check(&["completion", "bash"]), Ok(()));
    let (code, message) = check(&["images", "lisst"]).unwrap_err();
    assert_eq!(code, exit::USAGE);
    assert!(message.contains("lisst"), "{message}");
    let (code, message) = check(&["images", "list", "--timeout", "-1"]).unwrap_err();
    assert_eq!(code, exit::USAGE);
    assert!(message.contains("--timeout"), "{message}");
    assert_eq!(check(&[]).unwrap_err().0, exit::USAGE);
    let (code, _) = check(&["--profile", "prod", "images", "list"]).unwrap_err();
    assert_eq!(code, exit::CONFIG, "a profile asked for, no config file");
    assert_eq!(
        check(&[
            "images",
            "list",
            "--base-url",
            "https://h.example",
            "--token",
            "tok-12345678"
        ]),
        Ok(())
    );
    let (code, message) = check(&[
        "images",
        "list",
        "--base-url",
        "http://h.example",
        "--token",
        "tok-12345678",
    ])
    .unwrap_err();
    assert_eq!(code, exit::USAGE);
    assert!(message.contains("https"), "{message}");
}
