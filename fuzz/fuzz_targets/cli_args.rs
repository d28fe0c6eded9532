//! The command line's parsing: any argument list (the input split at NUL bytes, after the
//! program name) is what `qualys-cs` reads before doing anything (`check_command_line`: clap's
//! parse, the settings from the flags, a profile and the environment, the client they build).
//! It is accepted or refused with a usage (2) or configuration (3) exit code and a message, never
//! a panic; a password or token given once on the line never appears in the message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qualys_cs_cli::{check_command_line, exit};
use std::sync::Once;

/// The secrets given on the line: `--password X`, `--token=X`.
fn secrets(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        for flag in ["--password", "--token", "--client-secret"] {
            if a == flag {
                // A next argument that looks like a flag is not taken as the value.
                if let Some(v) = args.get(i + 1).filter(|v| !v.starts_with('-')) {
                    out.push(v.as_str());
                }
            } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    static ISOLATED: Once = Once::new();
    ISOLATED.call_once(|| {
        // No profile or variable of the machine's: the line alone decides. Set before any other
        // thread reads the environment.
        unsafe {
            std::env::set_var("HOME", "/nonexistent/qualys-cs-fuzz");
            std::env::remove_var("XDG_CONFIG_HOME");
            std::env::remove_var("QUALYS_CS_CONFIG");
            for (k, _) in std::env::vars() {
                if k.starts_with("QUALYS_") {
                    std::env::remove_var(k);
                }
            }
        }
    });
    if data.len() > 4096 {
        return;
    }
    let args: Vec<String> = data
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let mut line = vec!["qualys-cs".to_owned()];
    line.extend(args.iter().cloned());
    if let Err((code, message)) = check_command_line(&line) {
        assert!(
            code == exit::USAGE || code == exit::CONFIG,
            "exit {code}: {message}"
        );
        assert!(!message.is_empty(), "exit {code} without a message");
        for s in secrets(&args) {
            let once = args.iter().filter(|a| a.contains(s)).count() == 1;
            if s.len() >= 8 && once {
                assert!(!message.contains(s), "the secret {s:?} in: {message}");
            }
        }
    }
});
