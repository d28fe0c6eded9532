//! CI gates: `gate compliance SHA` fails when a control of the image's compliance posture is
//! `FAIL` (at or above `--min-criticality`), `gate vulns SHA --max-severity N` when the image has
//! a vulnerability of severity above N. Exit 0 pass, 1 fail (other codes: the call failed). A
//! report for the CI system with `--report FILE`: JUnit XML, or SARIF 2.1.0 when the file ends in
//! `.sarif` (or `--report-format sarif`). `-o json` prints the verdict and every finding as one
//! JSON document (`-o jsonl`: the same on one line) instead of the summary lines.
//!
//! The responses are read through core's typed models ([`Compliance`], [`ImageVulnerabilities`])
//! and criticality names through core's [`criticality::normalize`], so the gate ranks old and new
//! names exactly as the client's models do.

use crate::config::Settings;
use crate::{Failure, exit};
use clap::{Arg, ArgMatches, Command, value_parser};
use qualys_cs::Args;
use qualys_cs::models::{Compliance, ImageVulnerabilities, criticality};
use serde::Serialize;
use serde_json::{Value, json};

const CRITICALITY_HELP: &str = "Only FAIL controls at least this critical fail the gate: LOW, \
     MEDIUM or HIGH. The API's older names are read as it reads them: MINIMAL = LOW, SERIOUS = \
     MEDIUM, CRITICAL and URGENT = HIGH (so CRITICAL is another name for HIGH). A FAIL control of \
     unknown criticality fails the gate at every threshold";

pub(crate) fn command() -> Command {
    let report = || {
        [
            Arg::new("report")
                .long("report")
                .value_name("FILE")
                .help("Write a report: JUnit XML, or SARIF when FILE ends in .sarif"),
            Arg::new("report-format")
                .long("report-format")
                .value_parser(["junit", "sarif"])
                .help("The report's format when the file name does not tell"),
        ]
    };
    Command::new("gate")
        .about("CI gates: exit 1 when an image fails, with a JUnit or SARIF report")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("compliance")
                .about("Fail when the image has FAIL compliance controls")
                .after_help("Example:\n  qualys-cs gate compliance SHA --min-criticality HIGH --report compliance.xml\n\n\
                     With -o json the verdict and the findings are printed as JSON.")
                .arg(Arg::new("sha").required(true).value_name("IMAGE_SHA"))
                .arg(
                    Arg::new("min-criticality")
                        .long("min-criticality")
                        .value_name("LOW|MEDIUM|HIGH")
                        .value_parser(threshold)
                        .default_value("LOW")
                        .help(CRITICALITY_HELP),
                )
                .args(report()),
        )
        .subcommand(
            Command::new("vulns")
                .about("Fail when the image has a vulnerability above --max-severity")
                .after_help("Example:\n  qualys-cs gate vulns SHA --max-severity 3 --report vulns.sarif\n\n\
                     With -o json the verdict and the findings are printed as JSON.")
                .arg(Arg::new("sha").required(true).value_name("IMAGE_SHA"))
                .arg(
                    Arg::new("max-severity")
                        .long("max-severity")
                        .value_parser(value_parser!(u8).range(0..=5))
                        .default_value("4")
                        .help("The highest severity (1-5) that passes"),
                )
                .args(report()),
        )
}

/// One finding of a gate: what failed and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Finding {
    pub id: String,
    pub title: String,
    /// Fails the gate (otherwise reported only).
    pub failing: bool,
    /// SARIF level: `error`, `warning` or `note`.
    pub level: &'static str,
    pub detail: String,
}

/// The rank of a criticality, old or new name, through core's normalisation: LOW 1, MEDIUM 2,
/// HIGH 3; `None` for a name core does not know (or none at all).
fn criticality_rank(name: &str) -> Option<u8> {
    match criticality::normalize(name) {
        Some(criticality::LOW) => Some(1),
        Some(criticality::MEDIUM) => Some(2),
        Some(criticality::HIGH) => Some(3),
        _ => None,
    }
}

/// `--min-criticality`: any name core knows, as its rank.
fn threshold(name: &str) -> Result<u8, String> {
    criticality_rank(name).ok_or_else(|| {
        "not a criticality: LOW, MEDIUM or HIGH (or MINIMAL, SERIOUS, CRITICAL, URGENT)".to_owned()
    })
}

fn compliance_findings(body: &Compliance, min: u8) -> Vec<Finding> {
    body.controls()
        .iter()
        .map(|c| {
            let id = c.control_id.get().map_or("?".to_owned(), i64::to_string);
            let sent = c.criticality.as_deref().unwrap_or("");
            let crit = match c.criticality_level() {
                Some(level) if !level.eq_ignore_ascii_case(sent.trim()) => {
                    format!("{level}, sent as {sent}")
                }
                Some(level) => level.to_owned(),
                None => format!("unknown criticality {sent:?}"),
            };
            let posture = c.posture.as_deref().unwrap_or("");
            // A control that failed but whose criticality cannot be read fails the gate: a gate
            // must not pass what it cannot rank.
            let failing = posture.eq_ignore_ascii_case("FAIL")
                && criticality_rank(sent).is_none_or(|r| r >= min);
            let findings: &[String] = c.findings.get().map_or(&[], Vec::as_slice);
            Finding {
                id: format!("control-{id}"),
                title: format!("control {id} ({crit}): {posture}"),
                failing,
                level: if failing { "error" } else { "note" },
                detail: findings.join("; "),
            }
        })
        .collect()
}

fn vuln_findings(body: &ImageVulnerabilities, max: u8) -> Vec<Finding> {
    // Both forms of `details` (a list, or `{vulns, driftVulns}`), drift vulnerabilities included:
    // a vulnerability the image carries fails the gate wherever the API files it.
    let vulns = body
        .details
        .get()
        .into_iter()
        .flat_map(|d| d.vulns().iter().chain(d.drift_vulns()));
    vulns
        .map(|v| {
            let sev = v.severity.get().copied().unwrap_or(0);
            let failing = sev > i64::from(max);
            let qid = v.qid.get().map_or("?".to_owned(), i64::to_string);
            let title = v.title.as_deref().unwrap_or("");
            let cves: &[String] = v.cveids.get().map_or(&[], Vec::as_slice);
            Finding {
                id: format!("qid-{qid}"),
                title: format!("QID {qid} severity {sev}: {title}"),
                failing,
                level: if failing {
                    "error"
                } else if sev >= 3 {
                    "warning"
                } else {
                    "note"
                },
                detail: cves.join(", "),
            }
        })
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

pub(crate) fn junit(gate: &str, sha: &str, findings: &[Finding]) -> String {
    let failures = findings.iter().filter(|f| f.failing).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"qualys-cs gate {gate}\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"{gate} {sha}\" tests=\"{n}\" failures=\"{failures}\">\n",
        n = findings.len().max(1),
        gate = xml(gate),
        sha = xml(sha),
    ));
    if findings.is_empty() {
        s.push_str(&format!(
            "    <testcase classname=\"{gate}\" name=\"no findings\"/>\n",
            gate = xml(gate)
        ));
    }
    for f in findings {
        s.push_str(&format!(
            "    <testcase classname=\"{gate}.{sha}\" name=\"{}\"",
            xml(&f.title),
            gate = xml(gate),
            sha = xml(sha)
        ));
        if f.failing {
            s.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                xml(&f.title),
                xml(&f.detail)
            ));
        } else {
            s.push_str("/>\n");
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

pub(crate) fn sarif(gate: &str, sha: &str, findings: &[Finding]) -> Value {
    let results: Vec<Value> = findings
        .iter()
        .filter(|f| f.failing || f.level != "note")
        .map(|f| {
            json!({
                "ruleId": f.id,
                "level": f.level,
                "message": {"text": if f.detail.is_empty() { f.title.clone() } else { format!("{}: {}", f.title, f.detail) }},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("container-image://sha256:{sha}")}}}],
            })
        })
        .collect();
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "qualys-cs", "version": env!("CARGO_PKG_VERSION"),
                                "informationUri": "https://github.com/qualys-cs/qualys-cs",
                                "rules": findings.iter().map(|f| json!({"id": f.id, "shortDescription": {"text": f.title}})).collect::<Vec<_>>()}},
            "properties": {"gate": gate, "image": sha},
            "results": results,
        }]
    })
}

/// A SARIF report, rather than JUnit: asked with `--report-format`, or told by the file's name.
fn sarif_wanted(path: &str, asked: Option<&str>) -> bool {
    match asked {
        Some(format) => format == "sarif",
        None => path.ends_with(".sarif") || path.ends_with(".sarif.json"),
    }
}

fn write_report(
    m: &ArgMatches,
    gate: &str,
    sha: &str,
    findings: &[Finding],
) -> Result<(), Failure> {
    let Some(path) = m.get_one::<String>("report") else {
        return Ok(());
    };
    let asked = m.get_one::<String>("report-format").map(String::as_str);
    let text = if sarif_wanted(path, asked) {
        serde_json::to_string_pretty(&sarif(gate, sha, findings)).expect("a Value serializes")
    } else {
        junit(gate, sha, findings)
    };
    std::fs::write(path, text).map_err(|e| Failure::io(&format!("report file {path}"), e))
}

/// The lines a person reads: PASS or FAIL, and the first twenty failing findings.
fn summary(gate: &str, sha: &str, findings: &[Finding]) -> String {
    let failing: Vec<&Finding> = findings.iter().filter(|f| f.failing).collect();
    let short = &sha[..sha.len().min(12)];
    if failing.is_empty() {
        return format!(
            "PASS {gate} {short}: {} checked, none failing\n",
            findings.len()
        );
    }
    let mut s = format!(
        "FAIL {gate} {short}: {} of {} failing\n",
        failing.len(),
        findings.len()
    );
    for f in failing.iter().take(SHOWN) {
        s.push_str(&format!("  {}\n", f.title));
    }
    if failing.len() > SHOWN {
        s.push_str(&format!("  … and {} more\n", failing.len() - SHOWN));
    }
    s
}

/// How many failing findings the summary lists (the report and `-o json` have them all).
const SHOWN: usize = 20;

/// The result for a program (`-o json`): the verdict, the threshold, the counts and every finding.
fn result_json(gate: &str, sha: &str, threshold: (&str, Value), findings: &[Finding]) -> Value {
    let failing = findings.iter().filter(|f| f.failing).count();
    json!({
        "gate": gate,
        "image": sha,
        "verdict": if failing == 0 { "PASS" } else { "FAIL" },
        threshold.0: threshold.1,
        "checked": findings.len(),
        "failing": failing,
        "findings": findings,
    })
}

pub(crate) async fn run(s: &Settings, m: &ArgMatches) -> Result<i32, Failure> {
    let (gate, gm) = m.subcommand().expect("a gate is required");
    let sha = gm.get_one::<String>("sha").expect("required").clone();
    let client = s.client()?;
    let ep = qualys_cs::table::lookup(if gate == "compliance" { "S01" } else { "S42" })?;
    let args = Args::new().set("sha", sha.clone());
    if s.dry_run {
        let d = client.dry_run(ep, args)?;
        let text = serde_json::to_string_pretty(&d).expect("a dry run serializes");
        crate::output::print(&format!("{text}\n"))?;
        return Ok(exit::OK);
    }
    let (findings, threshold) = if gate == "compliance" {
        let min = *gm.get_one::<u8>("min-criticality").expect("a default");
        let body: Compliance = client.call_json(ep, args, None).await?;
        let name = [criticality::LOW, criticality::MEDIUM, criticality::HIGH][usize::from(min) - 1];
        (
            compliance_findings(&body, min),
            ("minCriticality", json!(name)),
        )
    } else {
        let max = *gm.get_one::<u8>("max-severity").expect("a default");
        let body: ImageVulnerabilities = client.call_json(ep, args, None).await?;
        (vuln_findings(&body, max), ("maxSeverity", json!(max)))
    };
    write_report(gm, gate, &sha, &findings)?;
    let text = match s.output.as_deref() {
        Some("json") => {
            let v = result_json(gate, &sha, threshold, &findings);
            format!(
                "{}\n",
                serde_json::to_string_pretty(&v).expect("a Value serializes")
            )
        }
        Some("jsonl") => format!("{}\n", result_json(gate, &sha, threshold, &findings)),
        // A table or CSV of a verdict is its summary: a gate's default stays the lines a CI log
        // shows, whatever stdout is.
        _ => summary(gate, &sha, &findings),
    };
    crate::output::print(&text)?;
    Ok(if findings.iter().any(|f| f.failing) {
        exit::GATE_FAILED
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every criticality name the API has sent, in the cases it may come in, with its rank as
    /// written down here (LOW 1, MEDIUM 2, HIGH 3; `None`: unknown), not as computed.
    const NAMES: &[(Option<&str>, Option<u8>)] = &[
        (Some("LOW"), Some(1)),
        (Some("MINIMAL"), Some(1)),
        (Some("minimal"), Some(1)),
        (Some("MEDIUM"), Some(2)),
        (Some("SERIOUS"), Some(2)),
        (Some("Serious"), Some(2)),
        (Some("HIGH"), Some(3)),
        (Some("CRITICAL"), Some(3)),
        (Some("URGENT"), Some(3)),
        (Some(" urgent "), Some(3)),
        (Some("BOGUS"), None),
        (Some(""), None),
        (None, None),
    ];

    /// Every `--min-criticality` a user may give, with the rank it stands for.
    const THRESHOLDS: &[(&str, u8)] = &[
        ("LOW", 1),
        ("MEDIUM", 2),
        ("HIGH", 3),
        ("CRITICAL", 3),
        ("minimal", 1),
        ("SERIOUS", 2),
        ("URGENT", 3),
        ("high", 3),
    ];

    fn one_control(criticality: Option<&str>, posture: &str) -> Compliance {
        let mut c =
            json!({"controlId": 7, "posture": posture, "findings": ["USER not created", "x"]});
        if let Some(name) = criticality {
            c["criticality"] = json!(name);
        }
        serde_json::from_value(json!({"sha": "abc", "controls": [c]})).unwrap()
    }

    fn finding(f: &[Finding]) -> &Finding {
        assert_eq!(f.len(), 1, "{f:?}");
        &f[0]
    }

    #[test]
    fn every_criticality_name_at_every_threshold_fail_and_pass() {
        for (name, rank) in NAMES {
            for (given, min) in THRESHOLDS {
                assert_eq!(threshold(given), Ok(*min), "--min-criticality {given}");
                for posture in ["FAIL", "fail", "PASS", ""] {
                    let failed = posture.eq_ignore_ascii_case("FAIL");
                    // Unknown criticality: a failed control fails at every threshold.
                    let expected = failed && rank.is_none_or(|r| r >= *min);
                    let f = compliance_findings(&one_control(*name, posture), *min);
                    let f = finding(&f);
                    assert_eq!(
                        f.failing, expected,
                        "{name:?} {posture} at --min-criticality {given}"
                    );
                    assert_eq!(f.level, if expected { "error" } else { "note" });
                }
            }
        }
    }

    #[test]
    fn the_cases_of_the_issue() {
        let fails = |crit: &str, posture: &str, min: &str| {
            compliance_findings(&one_control(Some(crit), posture), threshold(min).unwrap())[0]
                .failing
        };
        assert!(fails("URGENT", "FAIL", "LOW"));
        assert!(fails("URGENT", "FAIL", "HIGH"));
        assert!(fails("CRITICAL", "FAIL", "CRITICAL"));
        assert!(fails("HIGH", "FAIL", "CRITICAL"), "CRITICAL is HIGH");
        assert!(fails("MINIMAL", "FAIL", "LOW"));
        assert!(!fails("MINIMAL", "FAIL", "MEDIUM"));
        assert!(fails("SERIOUS", "FAIL", "MEDIUM"));
        assert!(!fails("SERIOUS", "FAIL", "HIGH"));
        assert!(!fails("LOW", "FAIL", "MEDIUM"));
        assert!(!fails("MEDIUM", "FAIL", "HIGH"));
        assert!(!fails("URGENT", "PASS", "LOW"));
    }

    #[test]
    fn ranks_and_thresholds_through_core() {
        assert_eq!(criticality_rank("MINIMAL"), Some(1));
        assert_eq!(criticality_rank("SERIOUS"), Some(2));
        assert_eq!(criticality_rank("URGENT"), Some(3));
        assert_eq!(criticality_rank("NONE"), None);
        for bad in ["", "BOGUS", "4", "HIGHEST"] {
            let e = threshold(bad).unwrap_err();
            assert!(e.contains("LOW, MEDIUM or HIGH"), "{e}");
        }
        // The command line reads it the same way, alias included.
        let m = command()
            .try_get_matches_from(["gate", "compliance", "abc", "--min-criticality", "CRITICAL"])
            .unwrap();
        let (_, c) = m.subcommand().unwrap();
        assert_eq!(c.get_one::<u8>("min-criticality"), Some(&3));
        assert!(
            command()
                .try_get_matches_from(["gate", "compliance", "abc", "--min-criticality", "4"])
                .is_err()
        );
    }

    #[test]
    fn a_control_names_its_criticality_and_findings() {
        let f = compliance_findings(&one_control(Some("URGENT"), "FAIL"), 1);
        let f = finding(&f);
        assert_eq!(f.id, "control-7");
        assert_eq!(f.title, "control 7 (HIGH, sent as URGENT): FAIL");
        assert_eq!(f.detail, "USER not created; x");
        let f = compliance_findings(&one_control(Some("high"), "PASS"), 1);
        assert_eq!(finding(&f).title, "control 7 (HIGH): PASS");
        let f = compliance_findings(&one_control(None, "FAIL"), 3);
        assert_eq!(
            finding(&f).title,
            "control 7 (unknown criticality \"\"): FAIL"
        );
        assert!(finding(&f).failing);
        let none: Compliance = serde_json::from_value(json!({"controls": null})).unwrap();
        assert!(compliance_findings(&none, 1).is_empty());
    }

    fn vulns(details: Value) -> ImageVulnerabilities {
        serde_json::from_value(json!({ "details": details })).unwrap()
    }

    #[test]
    fn every_severity_at_every_maximum() {
        for sev in 0..=5u8 {
            for max in 0..=5u8 {
                let body = vulns(json!([{"qid": 9, "severity": sev, "title": "t"}]));
                let f = vuln_findings(&body, max);
                let f = finding(&f);
                assert_eq!(f.failing, sev > max, "severity {sev}, --max-severity {max}");
                let level = if sev > max {
                    "error"
                } else if sev >= 3 {
                    "warning"
                } else {
                    "note"
                };
                assert_eq!(f.level, level, "severity {sev}, --max-severity {max}");
            }
        }
    }

    #[test]
    fn vulns_of_both_forms_and_their_fields() {
        let list = vulns(json!([
            {"qid": 1, "severity": 5, "title": "bad <one>", "cveids": ["CVE-1", "CVE-2"]},
            {"qid": 2, "title": "no severity"},
        ]));
        let f = vuln_findings(&list, 4);
        assert_eq!(f[0].id, "qid-1");
        assert_eq!(f[0].title, "QID 1 severity 5: bad <one>");
        assert_eq!(f[0].detail, "CVE-1, CVE-2");
        assert_eq!(f[1].title, "QID 2 severity 0: no severity");
        assert!(!f[1].failing && f[1].detail.is_empty());
        let split = vulns(json!({
            "vulns": [{"qid": 3, "severity": 2}],
            "driftVulns": [{"severity": 5}],
        }));
        let f = vuln_findings(&split, 4);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[1].id, "qid-?");
        assert!(!f[0].failing && f[1].failing);
        assert!(vuln_findings(&ImageVulnerabilities::default(), 0).is_empty());
    }

    fn sample() -> Vec<Finding> {
        let f = |id: &str, failing, level, detail: &str| Finding {
            id: id.into(),
            title: format!("{id} <\"t\"> & more"),
            failing,
            level,
            detail: detail.into(),
        };
        vec![
            f("a", true, "error", "why <1>"),
            f("b", false, "warning", ""),
            f("c", false, "note", "n"),
        ]
    }

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(
            xml("a&b<c>d\"e'\u{1}f\ng\th\u{7f}"),
            "a&amp;b&lt;c&gt;d&quot;e'f\ng\th"
        );
    }

    #[test]
    fn junit_counts_failures_and_escapes() {
        let x = junit("vulns", "s<1>", &sample());
        assert_eq!(
            x,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"qualys-cs gate vulns\" tests=\"3\" failures=\"1\">\n  \
             <testsuite name=\"vulns s&lt;1&gt;\" tests=\"3\" failures=\"1\">\n    \
             <testcase classname=\"vulns.s&lt;1&gt;\" name=\"a &lt;&quot;t&quot;&gt; &amp; more\">\n      \
             <failure message=\"a &lt;&quot;t&quot;&gt; &amp; more\">why &lt;1&gt;</failure>\n    \
             </testcase>\n    \
             <testcase classname=\"vulns.s&lt;1&gt;\" name=\"b &lt;&quot;t&quot;&gt; &amp; more\"/>\n    \
             <testcase classname=\"vulns.s&lt;1&gt;\" name=\"c &lt;&quot;t&quot;&gt; &amp; more\"/>\n  \
             </testsuite>\n</testsuites>\n"
        );
        let empty = junit("compliance", "abc", &[]);
        assert!(
            empty.contains("tests=\"1\" failures=\"0\"")
                && empty.contains("<testcase classname=\"compliance\" name=\"no findings\"/>"),
            "{empty}"
        );
    }

    #[test]
    fn sarif_has_the_failing_and_warning_results_and_every_rule() {
        let s = sarif("vulns", "abc", &sample());
        let run = &s["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "notes that pass are rules only: {s}");
        assert_eq!(results[0]["ruleId"], "a");
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[0]["message"]["text"], "a <\"t\"> & more: why <1>");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[1]["message"]["text"], "b <\"t\"> & more");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "container-image://sha256:abc"
        );
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 3);
        assert_eq!(run["properties"]["gate"], "vulns");
        assert_eq!(s["version"], "2.1.0");
        // A failing finding is a result whatever its level says.
        let mut odd = sample();
        odd[0].level = "note";
        assert_eq!(
            sarif("vulns", "abc", &odd)["runs"][0]["results"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn the_report_format_from_the_flag_or_the_name() {
        assert!(sarif_wanted("r.sarif", None));
        assert!(sarif_wanted("r.sarif.json", None));
        assert!(!sarif_wanted("r.xml", None));
        assert!(!sarif_wanted("r.json", None));
        assert!(sarif_wanted("r.xml", Some("sarif")));
        assert!(!sarif_wanted("r.sarif", Some("junit")));
    }

    #[test]
    fn reports_are_written_where_asked() {
        let dir = std::env::temp_dir().join(format!("qualys-cs-gate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |extra: &[&str]| {
            let mut argv = vec!["gate", "vulns", "abc"];
            argv.extend_from_slice(extra);
            let m = command().try_get_matches_from(argv).unwrap();
            write_report(m.subcommand().unwrap().1, "vulns", "abc", &sample())
        };
        let sarif_path = dir.join("r.sarif");
        write(&["--report", sarif_path.to_str().unwrap()]).unwrap();
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let xml_path = dir.join("r.xml");
        write(&["--report", xml_path.to_str().unwrap()]).unwrap();
        assert!(
            std::fs::read_to_string(&xml_path)
                .unwrap()
                .starts_with("<?xml")
        );
        write(&[
            "--report",
            xml_path.to_str().unwrap(),
            "--report-format",
            "sarif",
        ])
        .unwrap();
        assert!(std::fs::read_to_string(&xml_path).unwrap().starts_with('{'));
        let bad = dir.join("missing").join("r.xml");
        let e = write(&["--report", bad.to_str().unwrap()]).unwrap_err();
        assert_eq!(e.code, exit::IO);
        assert!(e.message.contains("report file"), "{}", e.message);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_summary_lists_twenty_failing_findings() {
        let pass = summary("vulns", "0123456789abcdef", &sample()[1..]);
        assert_eq!(pass, "PASS vulns 0123456789ab: 2 checked, none failing\n");
        assert_eq!(
            summary("vulns", "abc", &[]),
            "PASS vulns abc: 0 checked, none failing\n"
        );
        let fail = summary("vulns", "abc", &sample());
        assert_eq!(fail, "FAIL vulns abc: 1 of 3 failing\n  a <\"t\"> & more\n");
        let many = |n: usize| {
            let f = sample()[0].clone();
            summary("vulns", "abc", &vec![f; n])
        };
        assert_eq!(many(20).lines().count(), 21);
        assert!(!many(20).contains("more\n  …"));
        let s = many(22);
        assert_eq!(s.lines().count(), 22, "{s}");
        assert!(s.ends_with("  … and 2 more\n"), "{s}");
    }

    #[test]
    fn the_json_result_has_the_verdict_and_every_finding() {
        let v = result_json(
            "compliance",
            "abc",
            ("minCriticality", json!("HIGH")),
            &sample(),
        );
        assert_eq!(v["verdict"], "FAIL");
        assert_eq!(v["gate"], "compliance");
        assert_eq!(v["image"], "abc");
        assert_eq!(v["minCriticality"], "HIGH");
        assert_eq!(v["checked"], 3);
        assert_eq!(v["failing"], 1);
        assert_eq!(v["findings"].as_array().unwrap().len(), 3);
        assert_eq!(v["findings"][0]["failing"], true);
        assert_eq!(v["findings"][0]["level"], "error");
        let pass = result_json("vulns", "abc", ("maxSeverity", json!(4)), &sample()[1..]);
        assert_eq!(pass["verdict"], "PASS");
        assert_eq!(pass["failing"], 0);
    }
}
