//! `qualys-cs configure` and the config file's permissions: the profile written (mode 0600) is the
//! one the commands read; a file others can read that holds a secret is named in a warning.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn configure_writes_a_private_profile_the_commands_read() {
    let sim = sim(4);
    let home = scratch("configure");
    let file = home.join(".config").join("qualys-cs").join("config.toml");
    // From flags and stdin (not a terminal: nothing is asked).
    let r = run_input(
        &[
            "configure",
            "--profile",
            "sim",
            "--base-url",
            &sim.url(),
            "--username",
            "qualys",
            "--password-stdin",
        ],
        &[],
        &home,
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&file.display().to_string()),
        "{}",
        r.stderr
    );
    assert!(!(r.stdout.clone() + &r.stderr).contains(PASSWORD));
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        mode(file.parent().unwrap()) & 0o077,
        0,
        "a new folder is the owner's"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("[sim]\n"), "{text}");
    // Round trip: the reader of every command finds it, with no warning about the file.
    let ok = run(
        &["images", "list", "--profile", "sim", "-o", "jsonl"],
        &[],
        &home,
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.stdout.lines().count(), 4);
    assert_eq!(ok.stderr, "");
    // Another profile is added beside it; updating one keeps its other values and the comments.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text = format!("# hand-written\n{text}");
    std::fs::write(&file, &text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(
        &[
            "configure",
            "--profile",
            "other",
            "--platform",
            "US2",
            "--token",
            "tok-1",
        ],
        &[],
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&file), 0o600, "rewritten private");
    let r = run(
        &[
            "configure",
            "--profile",
            "sim",
            "--proxy",
            "http://127.0.0.1:3128",
        ],
        &[],
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# hand-written\n[sim]\n"), "{text}");
    assert!(text.contains("proxy = \"http://127.0.0.1:3128\""), "{text}");
    assert!(
        text.contains(&format!("password = \"{PASSWORD}\"")),
        "{text}"
    );
    assert!(
        text.contains("[other]\nplatform = \"US2\"\ntoken = \"tok-1\"\n"),
        "{text}"
    );
    // --config names another file; QUALYS_CS_CONFIG too.
    let elsewhere = home.join("elsewhere.toml");
    let r = run(
        &[
            "configure",
            "--config",
            elsewhere.to_str().unwrap(),
            "--platform",
            "EU1",
        ],
        &[],
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "[default]\nplatform = \"EU1\"\n"
    );
    assert_eq!(mode(&elsewhere), 0o600);
    // Nothing given and no terminal to ask on: a usage error, nothing written.
    let r = run(&["configure", "--profile", "empty"], &[], &home);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("[empty]"));
}

#[test]
fn a_config_file_others_can_read_with_a_secret_is_named_in_a_warning() {
    let sim = sim(2);
    let home = scratch("config-mode");
    let dir = home.join(".config").join("qualys-cs");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[default]\nbase_url = \"{}\"\nusername = \"qualys\"\npassword = \"{PASSWORD}\"\n",
            sim.url()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(&["images", "list", "-o", "jsonl"], &[], &home);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warning = format!(
        "qualys-cs: warning: {} holds a password or token and other users can read it (mode 644); chmod 600 {}",
        file.display(),
        file.display()
    );
    assert_eq!(r.stderr.trim(), warning);
    assert!(!r.stderr.contains(PASSWORD));
    // On every command that reads it: the gates too.
    let sha = first_sha(&sim, &home);
    let gate = run(&["gate", "vulns", &sha, "--max-severity", "5"], &[], &home);
    assert!(gate.stderr.contains(&warning), "{}", gate.stderr);
    // Not with --quiet; not once the file is private; not without a secret in it.
    let quiet = run(&["images", "list", "-o", "jsonl", "-q"], &[], &home);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let private = run(&["images", "list", "-o", "jsonl"], &[], &home);
    assert_eq!((private.code, private.stderr.as_str()), (0, ""));
    std::fs::write(&file, format!("[default]\nbase_url = \"{}\"\n", sim.url())).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let env = env_of(&sim);
    let plain = run(&["images", "list", "-o", "jsonl"], &with(&env), &home);
    assert_eq!((plain.code, plain.stderr.as_str()), (0, ""));
}
