//! The binary's output formats against the simulator: `-o csv` is core's CSV of the list (what the
//! bindings' `to_csv` writes), the tables for people, `--fields` in every format and the note
//! about further pages.

mod common;

use common::*;
use futures::StreamExt;
use qualys_cs::columns::Schema;
use qualys_cs::paginate::ItemSpan;
use qualys_cs::{Args, Client};
use qualys_cs_sim::SimHandle;
use serde_json::Value;

/// Core's CSV of every page of the list `id` (header, then `csv_page` of each page): the library's
/// CSV, the one Python's `to_csv` writes.
fn core_csv(sim: &SimHandle, id: &str, args: Args) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = Client::builder()
            .base_url(sim.url())
            .credentials("qualys", PASSWORD)
            .build()
            .unwrap();
        let ep = qualys_cs::table::lookup(id).unwrap();
        let schema = Schema::of_list(ep.response.model.as_deref());
        let mut out = schema.csv_header();
        let mut pages = client
            .paginate_with::<ItemSpan>(ep, args, None, None)
            .unwrap()
            .pages();
        while let Some(page) = pages.next().await {
            schema.csv_page(&page.unwrap(), &mut out).unwrap();
        }
        out
    })
}

#[test]
fn csv_is_the_librarys_csv_of_the_list() {
    let sim = sim(23);
    let home = scratch("csv-core");
    let env = env_of(&sim);
    let env = with(&env);
    let lists: [(&[&str], &str, Args); 5] = [
        (
            &["images", "list", "--page-size", "7"],
            "S17",
            Args::new().set("page_size", 7),
        ),
        (
            &["containers", "list", "--page-size", "9"],
            "S16",
            Args::new().set("page_size", 9),
        ),
        (
            &["images", "bulk-list", "--limit", "10"],
            "P05",
            Args::new().set("limit", 10),
        ),
        (&["registries", "list"], "S22", Args::new()),
        (&["events", "list"], "S20", Args::new()),
    ];
    for (words, id, args) in lists {
        let r = run(&[words, &["--all", "-o", "csv"]].concat(), &env, &home);
        assert_eq!(r.code, 0, "{words:?}: {}", r.stderr);
        let want = core_csv(&sim, id, args);
        assert!(want.lines().count() > 2, "{id}: {want}");
        assert_eq!(r.stdout, want, "{words:?}");
    }
    // The columns are the model's (nested counts flattened, timestamps in ISO 8601), not the
    // first page's keys.
    let r = run(
        &["images", "list", "--page-size", "2", "-o", "csv"],
        &env,
        &home,
    );
    let header = r.stdout.lines().next().unwrap();
    assert!(header.starts_with("created,updated,"), "{header}");
    assert!(
        header.contains(",vulnerabilities.severity5Count,"),
        "{header}"
    );
    assert!(header.ends_with(",extra"), "{header}");
    let row = r.stdout.lines().nth(1).unwrap();
    assert!(row.starts_with("20") && row.as_bytes()[23] == b'Z', "{row}");
    // An empty list still has its header.
    let none = run(
        &[
            "images",
            "list",
            "--filter",
            "imageId:nothing-matches",
            "-o",
            "csv",
        ],
        &env,
        &home,
    );
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert_eq!(none.stdout, Schema::of_list(Some("Image")).csv_header());
}

#[test]
fn fields_pick_keys_in_every_format() {
    let sim = sim(6);
    let home = scratch("fields");
    let env = env_of(&sim);
    let env = with(&env);
    let list = |format: &str, fields: &str| {
        let r = run(
            &[
                "images", "list", "-o", format, "--fields", fields, "-q", "--all",
            ],
            &env,
            &home,
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        r.stdout
    };
    let full: Vec<Value> = list("jsonl", "sha,repo,vulnerabilities,created,lastFoundOnHost")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(full.len(), 6);
    let fields = "sha,vulnerabilities.severity5Count,lastFoundOnHost.hostname";
    // json: each item with only those key paths, nested as sent.
    let json: Vec<Value> = serde_json::from_str(&list("json", fields)).unwrap();
    assert_eq!(json.len(), 6);
    for (got, item) in json.iter().zip(&full) {
        let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["sha", "vulnerabilities", "lastFoundOnHost"]);
        assert_eq!(got["sha"], item["sha"]);
        assert_eq!(
            got["vulnerabilities"],
            serde_json::json!({"severity5Count": item["vulnerabilities"]["severity5Count"]})
        );
        assert_eq!(
            got["lastFoundOnHost"],
            serde_json::json!({"hostname": item["lastFoundOnHost"]["hostname"]})
        );
    }
    // jsonl: the same, a line each.
    let jsonl: Vec<Value> = list("jsonl", fields)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(jsonl, json);
    // csv: those columns, in that order, with core's values (a timestamp in ISO 8601).
    let csv = list("csv", "sha,repository,created");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "sha,repository,created");
    assert_eq!(rows.len(), 7);
    for (row, item) in rows[1..].iter().zip(&full) {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[0], item["sha"].as_str().unwrap());
        let repo = item["repo"][0]["repository"].as_str().unwrap_or("");
        assert_eq!(cells[1], repo);
        let ms: i64 = item["created"].as_str().unwrap().parse().unwrap();
        assert_eq!(cells[2], qualys_cs::columns::iso_ms(ms));
    }
    // table: those columns; a declared one keeps its title and format.
    let table = list("table", "sha,lastFoundOnHost.hostname");
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(
        rows[0].split_whitespace().collect::<Vec<_>>(),
        ["SHA", "lastFoundOnHost.hostname"]
    );
    for (row, item) in rows[1..].iter().zip(&full) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[0], &item["sha"].as_str().unwrap()[..12]);
        assert_eq!(
            cells[1],
            item["lastFoundOnHost"]["hostname"].as_str().unwrap()
        );
    }
    // A key the model does not declare: a warning naming it (none with --quiet).
    let r = run(
        &["images", "list", "-o", "jsonl", "--fields", "sha,shaa"],
        &env,
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("`shaa` is not a key of Image"),
        "{}",
        r.stderr
    );
    // A single object: only those keys.
    let key = run(
        &[
            "sensors",
            "activation-key",
            "-o",
            "json",
            "--fields",
            "customerId",
        ],
        &env,
        &home,
    );
    let v: Value = serde_json::from_str(&key.stdout).unwrap();
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["customerId"]
    );
}

#[test]
fn tables_for_people() {
    let sim = sim(23);
    let home = scratch("tables");
    let env = env_of(&sim);
    let env = with(&env);
    let items: Vec<Value> = serde_json::from_str(
        &run(
            &["images", "list", "--page-size", "5", "-o", "json"],
            &env,
            &home,
        )
        .stdout,
    )
    .unwrap();
    let wide = [env.as_slice(), &[("COLUMNS", "200")]].concat();
    let r = run(
        &["images", "list", "--page-size", "5", "-o", "table"],
        &wide,
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(rows.len(), 6, "{}", r.stdout);
    let titles: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(
        titles,
        [
            "SHA",
            "REPOSITORY:TAG",
            "S5/S4/S3",
            "SIZE",
            "SCANNED",
            "CONTAINERS",
            "CREATED",
            "UUID"
        ]
    );
    for (row, item) in rows[1..].iter().zip(&items) {
        let sha = item["sha"].as_str().unwrap();
        assert!(row.starts_with(&format!("{}  ", &sha[..12])), "{row}");
        let repo = &item["repo"][0];
        let tag = format!(
            "{}:{}",
            repo["repository"].as_str().unwrap(),
            repo["tag"].as_str().unwrap()
        );
        assert!(row.contains(&tag), "{row} lacks {tag}");
        let v = &item["vulnerabilities"];
        let counts = format!(
            "{}/{}/{}",
            v["severity5Count"], v["severity4Count"], v["severity3Count"]
        );
        assert!(row.contains(&counts), "{row} lacks {counts}");
        let size = item["size"].as_u64().unwrap();
        let mb = format!("{} MB", (size as f64 / 1e6).round());
        assert!(
            size < 1_000_000 || size >= 1e9 as u64 || row.contains(&mb),
            "{row}: {mb}"
        );
        // Dates, not epoch milliseconds.
        assert!(!row.contains(item["created"].as_str().unwrap()), "{row}");
    }
    // Fitted to the width: columns dropped from the right, never wider than the terminal.
    let narrow = [env.as_slice(), &[("COLUMNS", "50")]].concat();
    let r = run(
        &["images", "list", "--page-size", "5", "-o", "table"],
        &narrow,
        &home,
    );
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert!(rows.iter().all(|l| l.chars().count() <= 50), "{}", r.stdout);
    assert!(
        rows[0].starts_with("SHA") && !rows[0].contains("UUID"),
        "{}",
        rows[0]
    );
    // More pages: a note on stderr, none with --quiet, --all, or for json.
    assert_eq!(
        r.stderr.trim(),
        "qualys-cs: showing 5 of 23; --all for every page"
    );
    let quiet = run(
        &["images", "list", "--page-size", "5", "-o", "table", "-q"],
        &narrow,
        &home,
    );
    assert_eq!(quiet.stderr, "");
    let all = run(
        &["images", "list", "--page-size", "5", "-o", "table", "--all"],
        &narrow,
        &home,
    );
    assert_eq!(all.stderr, "");
    assert_eq!(all.stdout.lines().count(), 24);
    let json = run(
        &["images", "list", "--page-size", "5", "-o", "json"],
        &narrow,
        &home,
    );
    assert_eq!(json.stderr, "");
    // A cursor list says that more exist without a count.
    let bulk = run(
        &["images", "bulk-list", "--limit", "5", "-o", "table"],
        &narrow,
        &home,
    );
    assert!(
        bulk.stderr
            .contains("showing the first 5; more pages exist"),
        "{}",
        bulk.stderr
    );
}
