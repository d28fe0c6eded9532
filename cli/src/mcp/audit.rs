//! What may never leave the server, and the audit log of tool calls.
//!
//! The credentials the server holds (the Qualys password or token, the HTTP bearer token) are
//! replaced by `[REDACTED]` in every tool answer, error and audit line, whatever put them there
//! (a body echoing them back, an argument repeating them). Arguments are logged with the values
//! of secret-looking keys (passwords, secrets, tokens, keys, credentials) and uploaded files
//! replaced by `***`.

use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The texts that never leave the server.
#[derive(Default, Clone)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    /// Shorter values are not searched for: a short password (the simulator's `qualys`) is also
    /// a word of the answers' data (`qualys/cms-api` repositories), which replacing would corrupt
    /// while hiding nothing. Qualys passwords and tokens are longer.
    const MIN_LEN: usize = 8;

    pub fn add(&mut self, secret: Option<&str>) {
        let Some(s) = secret.map(str::trim) else {
            return;
        };
        if s.len() < Self::MIN_LEN {
            return;
        }
        // As it is, and as a JSON string spells it (quotes and backslashes escaped).
        let escaped = serde_json::to_string(s).unwrap_or_default();
        for v in [s.to_owned(), escaped.trim_matches('"').to_owned()] {
            if !self.0.contains(&v) {
                self.0.push(v);
            }
        }
        // Longest first: a secret containing another is replaced whole.
        self.0.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.0 {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
        out
    }
}

fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "key", "credential"]
        .iter()
        .any(|s| k.contains(s))
}

/// `v` with the values of secret-looking keys as `***`, at any depth.
pub(crate) fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        json!("***")
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// The audit log: one JSON line per tool call.
pub(crate) struct Audit {
    file: Mutex<std::fs::File>,
}

impl Audit {
    /// Opens `path` for appending, readable by its owner only when it is created.
    pub fn open(path: &Path) -> std::io::Result<Audit> {
        let mut o = std::fs::OpenOptions::new();
        o.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        Ok(Audit {
            file: Mutex::new(o.open(path)?),
        })
    }

    /// Writes one call's line. A failed write is reported on stderr and does not fail the call.
    pub fn record(&self, line: &Value, secrets: &Secrets) {
        let text = secrets.scrub(&line.to_string());
        let mut f = match self.file.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = writeln!(f, "{text}").and_then(|()| f.flush()) {
            eprintln!("qualys-cs mcp: audit log: {e}");
        }
    }
}

/// `time` as an RFC 3339 UTC timestamp with milliseconds (`2025-01-31T12:00:00.250Z`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let d = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_as_they_are_and_as_json_escapes_them() {
        let mut s = Secrets::default();
        s.add(Some("pa\"ss-Word-1"));
        s.add(Some("qualys"));
        s.add(None);
        let text = format!("{} and {}", "pa\"ss-Word-1", json!("pa\"ss-Word-1"));
        let out = s.scrub(&text);
        assert!(!out.contains("ss-Word-1"), "{out}");
        assert_eq!(
            s.scrub("qualys/cms"),
            "qualys/cms",
            "too short to search for"
        );
    }

    #[test]
    fn secret_keys_are_redacted_at_any_depth() {
        let v = json!({"registryUri": "u", "credential": {"password": "p", "accessKey": "k",
                       "userName": "me"}, "list": [{"secretKey": "s"}], "token": null});
        assert_eq!(
            redact(&v),
            json!({"registryUri": "u", "credential": "***", "list": [{"secretKey": "***"}],
                   "token": null})
        );
    }

    #[test]
    fn secrets_of_eight_characters_and_more_are_looked_for_longest_first() {
        let mut s = Secrets::default();
        s.add(Some(" 1234567 "));
        assert_eq!(s.scrub("1234567"), "1234567", "seven: too short");
        s.add(Some("abcdefgh"));
        assert_eq!(s.scrub("(abcdefgh)"), "([REDACTED])");
        s.add(Some("abcdefgh-longer"));
        s.add(Some("abcdefgh"));
        assert_eq!(s.0.len(), 2, "each text once");
        assert_eq!(s.scrub("abcdefgh-longer"), "[REDACTED]");
        // Added in any order, the longest is still replaced first.
        let mut s = Secrets::default();
        s.add(Some("a\\b-secret"));
        s.add(Some("a\\b-secret-and-more"));
        assert_eq!(s.scrub("a\\b-secret-and-more"), "[REDACTED]");
        assert_eq!(
            s.scrub(&json!("a\\b-secret-and-more").to_string()),
            "\"[REDACTED]\""
        );
    }

    #[test]
    fn an_audit_line_is_written_scrubbed_to_an_owner_only_file() {
        let dir = std::env::temp_dir().join(format!("qualys-cs-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut secrets = Secrets::default();
        secrets.add(Some("hunter2-hunter2"));
        let audit = Audit::open(&path).unwrap();
        audit.record(
            &json!({"tool": "images_list", "echo": "hunter2-hunter2"}),
            &secrets,
        );
        audit.record(&json!({"tool": "images_get"}), &secrets);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            [
                json!({"tool": "images_list", "echo": "[REDACTED]"}),
                json!({"tool": "images_get"})
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Appended to, never truncated.
        drop(audit);
        Audit::open(&path)
            .unwrap()
            .record(&json!({"n": 3}), &secrets);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The civil date of every day from 1970 to 2400, counted one day at a time.
    #[test]
    fn every_day_has_its_civil_date() {
        let month_days = |y: i64, m: i64| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (mut y, mut m, mut d) = (1970_i64, 1_i64, 1_i64);
        for day in 0..(431 * 365_i64) {
            // A different time of day each day, to pin the time too.
            let secs = day * 86_400 + (day * 7_919) % 86_400;
            let t = UNIX_EPOCH + Duration::from_millis(secs as u64 * 1000 + (day % 1000) as u64);
            let rem = secs % 86_400;
            let want = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60,
                day % 1000
            );
            assert_eq!(rfc3339(t), want, "day {day}");
            d += 1;
            if d > month_days(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!(y, 2400);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_706_702_400_250);
        assert_eq!(rfc3339(t), "2024-01-31T12:00:00.250Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }
}
