//! The simulator's command line, shared by the `qualys-cs-sim` binary and `qualys-cs sim` (the
//! command line of the pip and npm installs, which ship only `qualys-cs`): the options
//! ([`SimArgs`], a clap parser either binary mounts), the configuration they give ([`config`]) and
//! serving until told to stop ([`serve`]).

use crate::{Counts, LinkCase, LinkEnd, RateLimits, SimConfig, Simulator, Spelling, Subscription};
use clap::Parser;
use serde_json::{Map, Value, json};
use std::io::Write;

/// The options of the simulator's command line.
#[derive(Parser, Debug)]
#[command(
    name = "qualys-cs-sim",
    version,
    about = "A local Qualys Container Security API (csapi) simulator"
)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The username the simulator accepts.
    #[arg(long, default_value = "qualys")]
    username: String,
    /// The password the simulator accepts.
    #[arg(long, default_value = "qualys")]
    password: String,
    /// Seed of the generated records (the same seed, the same records).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = Counts::default().images)]
    images: u64,
    #[arg(long, default_value_t = Counts::default().containers)]
    containers: u64,
    #[arg(long, default_value_t = Counts::default().sensors)]
    sensors: u64,
    #[arg(long, default_value_t = Counts::default().registries)]
    registries: u64,
    #[arg(long, default_value_t = Counts::default().repositories_per_registry)]
    repositories: u64,
    #[arg(long, default_value_t = Counts::default().schedules_per_registry)]
    schedules: u64,
    #[arg(long, default_value_t = Counts::default().controls)]
    controls: u64,
    #[arg(long, default_value_t = Counts::default().events)]
    events: u64,
    #[arg(long, default_value_t = Counts::default().reports)]
    reports: u64,
    #[arg(long, default_value_t = Counts::default().k8s_postures)]
    k8s_postures: u64,
    #[arg(long, default_value_t = Counts::default().policies)]
    policies: u64,
    #[arg(long, default_value_t = Counts::default().tags)]
    tags: u64,
    /// Latency added to every /csapi request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of /csapi requests answered 500/502/503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of /csapi requests whose connection is closed without a response.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Share of /csapi requests answered with invalid JSON.
    #[arg(long, default_value_t = 0.0)]
    malformed_rate: f64,
    /// Share of /csapi requests whose body stops half-way.
    #[arg(long, default_value_t = 0.0)]
    truncate_rate: f64,
    /// Stream every body in chunks with this pause (ms) between them.
    #[arg(long, default_value_t = 0)]
    slow_body_ms: u64,
    /// Enable one family's limit, FAMILY=CALLS/SECS (families: images/list, containers/list,
    /// images, containers, registry, sensors). Repeatable; unnamed families keep the published limits.
    #[arg(long = "rate-limit", value_name = "FAMILY=CALLS/SECS")]
    rate_limit: Vec<String>,
    /// Enable the published limits with windows this many times shorter (same rate).
    #[arg(long)]
    rate_limit_scale: Option<f64>,
    /// Enable the published rate limits as they are.
    #[arg(long)]
    rate_limits: bool,
    /// Also send Retry-After on 429.
    #[arg(long)]
    retry_after: bool,
    /// free (reports answer 409), trial or full.
    #[arg(long, default_value = "full")]
    subscription: Subscription,
    /// Lifetime of the JWTs /auth issues.
    #[arg(long, default_value_t = 4 * 3600)]
    token_ttl_secs: u64,
    /// Host the bulk lists' link header points at.
    #[arg(long, default_value = "http://qualysapi.qualys.com")]
    link_host: String,
    /// How the link header's name is written: lower (`link`, as the docs print it) or title
    /// (`Link`; every header name in Title-Case).
    #[arg(long, default_value = "lower")]
    link_case: LinkCase,
    /// What the last page of a bulk list sends: null (`link: null`, as the docs print it),
    /// absent (no link header) or empty (an empty value).
    #[arg(long, default_value = "null")]
    link_end: LinkEnd,
    /// Answer 406 when a success's content type is not one the request's Accept allows.
    #[arg(long)]
    strict_accept: bool,
    /// Do not keep a request log (benchmarks).
    #[arg(long)]
    no_request_log: bool,
    /// Load records from DIR/*.json, each file named after its resource (images.json,
    /// containers.json, registries.json, tags.json, sensors.json, reports.json, policies.json,
    /// controls.json, events.json, k8s_postures.json, k8s_clusters.json) and shaped like the list
    /// answer ({"data": [...]}) or a bare list.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<std::path::PathBuf>,
    /// Serve only loaded records: no generated images, containers, sensors, registries or tags.
    #[arg(long)]
    no_generated: bool,
}

/// The simulator's configuration from its command line: the flags as the options of
/// [`SimConfig::from_json`], the one reader of the simulator's options.
pub fn config(a: SimArgs) -> Result<SimConfig, String> {
    SimConfig::from_json(&options(&a)?, Spelling::Snake)
        .map_err(|e| format!("--{}: {}", flag(&e.option), e.message))
}

/// The flag of an option of [`options`]: a key of `faults` or `counts` is a flag of its own, and
/// every rate limit comes from `--rate-limit` but the scale.
fn flag(option: &str) -> String {
    let key = option
        .strip_prefix("faults.")
        .or_else(|| option.strip_prefix("counts."))
        .unwrap_or(option);
    match key {
        "rate_limits.scale" => "rate-limit-scale".into(),
        k if k == "rate_limits" || k.starts_with("rate_limits.") => "rate-limit".into(),
        "repositories_per_registry" => "repositories".into(),
        "schedules_per_registry" => "schedules".into(),
        "token_ttl" => "token-ttl-secs".into(),
        "request_log" => "no-request-log".into(),
        "generated" => "no-generated".into(),
        k => k.replace('_', "-"),
    }
}

/// The flags as an object of simulator options.
fn options(a: &SimArgs) -> Result<Value, String> {
    let mut o = Map::new();
    let mut set = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    set("username", json!(a.username));
    set("password", json!(a.password));
    set("seed", json!(a.seed));
    set("port", json!(a.port));
    // A count left at its default is not given: `--no-generated` then empties it.
    let d = Counts::default();
    let mut counts = Map::new();
    for (k, v, default) in [
        ("images", a.images, d.images),
        ("containers", a.containers, d.containers),
        ("sensors", a.sensors, d.sensors),
        ("registries", a.registries, d.registries),
        (
            "repositories_per_registry",
            a.repositories,
            d.repositories_per_registry,
        ),
        (
            "schedules_per_registry",
            a.schedules,
            d.schedules_per_registry,
        ),
        ("controls", a.controls, d.controls),
        ("events", a.events, d.events),
        ("reports", a.reports, d.reports),
        ("k8s_postures", a.k8s_postures, d.k8s_postures),
        ("policies", a.policies, d.policies),
        ("tags", a.tags, d.tags),
    ] {
        if v != default {
            counts.insert(k.to_string(), json!(v));
        }
    }
    set("counts", Value::Object(counts));
    set("generated", json!(!a.no_generated));
    set("latency_ms", json!(a.latency_ms));
    set(
        "faults",
        json!({
            "error_rate": a.error_rate,
            "drop_rate": a.drop_rate,
            "malformed_rate": a.malformed_rate,
            "truncate_rate": a.truncate_rate,
            "slow_body_ms": a.slow_body_ms,
        }),
    );
    // `--rate-limit-scale`, `--rate-limit FAMILY=CALLS/SECS` (on top of the published or scaled
    // limits), `--rate-limits`: the one `rate_limits` option.
    let mut families = Map::new();
    if let Some(f) = a.rate_limit_scale {
        families.insert("scale".into(), json!(f));
    }
    for e in &a.rate_limit {
        let (fam, lim) = RateLimits::parse_entry(e).map_err(|m| format!("--rate-limit: {m}"))?;
        families.insert(fam, json!([lim.calls, lim.window.as_secs_f64()]));
    }
    if !families.is_empty() {
        set("rate_limits", Value::Object(families));
    } else if a.rate_limits {
        set("rate_limits", json!(true));
    }
    set("retry_after", json!(a.retry_after));
    set("subscription", json!(format!("{:?}", a.subscription)));
    set("token_ttl", json!(a.token_ttl_secs));
    set("link_host", json!(a.link_host));
    set("link_case", json!(format!("{:?}", a.link_case)));
    set("link_end", json!(format!("{:?}", a.link_end)));
    set("strict_accept", json!(a.strict_accept));
    set(
        "request_log",
        json!(if a.no_request_log { 0 } else { 100_000 }),
    );
    if let Some(dir) = &a.fixtures {
        set("fixtures", json!(dir.to_string_lossy()));
    }
    Ok(Value::Object(o))
}

/// What stops [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT, SIGTERM, or the end of stdin when it is a pipe or a socket.
    Signals,
    /// Only the end of a piped stdin: the process's signals are left to their handlers (a host
    /// process, such as Node, whose own handlers would fight ours), which end the process.
    StdinOnly,
}

/// Serves `cfg` on the current tokio runtime: prints `listening on URL` as the first stdout line,
/// then answers until `stop` says (a parent process that holds the other end of a piped stdin
/// stops the simulator by closing it, or by exiting). `name` starts the messages on stderr. The
/// exit code: 0 once stopped, 2 for a configuration the simulator refuses, 1 when it cannot
/// listen.
pub async fn serve(cfg: SimConfig, name: &str, stop: Stop) -> i32 {
    let sim = match Simulator::start(cfg).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("{name}: {e}");
            return 2;
        }
        Err(e) => {
            eprintln!("{name}: cannot listen: {e}");
            return 1;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", sim.url());
        let _ = out.flush();
    }
    let closed = stdin_closed();
    if stop == Stop::Signals {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated() => {}
            _ = closed => {}
        }
    } else {
        let _ = closed.await;
    }
    sim.shutdown();
    0
}

/// Resolves when stdin, a pipe or a socket, reaches its end; never for a terminal, a file or
/// /dev/null (a shell's background job has that stdin, and must keep serving).
fn stdin_closed() -> tokio::sync::oneshot::Receiver<()> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    if stdin_is_a_pipe() {
        // A thread of its own, detached: a read of stdin cannot be cancelled, and a runtime's
        // blocking task would hold the runtime's shutdown until the read ends.
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            loop {
                match std::io::Read::read(&mut stdin, &mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
    } else {
        // Kept open: the receiver never resolves.
        std::mem::forget(tx);
    }
    rx
}

/// Resolves on SIGTERM (never where there is none, or it cannot be handled).
async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        term.recv().await;
        return;
    }
    std::future::pending::<()>().await
}

#[cfg(unix)]
fn stdin_is_a_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    // The file type of fd 0 itself (a duplicate of it, closed again), whatever it is named.
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let Ok(meta) = std::fs::File::from(fd).metadata() else {
        return false;
    };
    let ty = meta.file_type();
    ty.is_fifo() || ty.is_socket()
}

#[cfg(not(unix))]
fn stdin_is_a_pipe() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why the simulator refuses these flags.
    fn refused(flags: &[&str]) -> String {
        let args = std::iter::once("qualys-cs-sim").chain(flags.iter().copied());
        match config(SimArgs::try_parse_from(args).unwrap()) {
            Ok(_) => panic!("{flags:?} accepted"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_refused_value_names_its_own_flag() {
        // A key of `faults` is a flag of its own; every rate limit comes from `--rate-limit` but
        // the scale.
        for (flags, flag) in [
            (&["--error-rate", "2"][..], "--error-rate: "),
            (&["--rate-limit-scale", "0"], "--rate-limit-scale: "),
            (&["--rate-limit", "images/lst=5/1"], "--rate-limit: "),
            (&["--rate-limit", "images=0/1"], "--rate-limit: "),
            (&["--rate-limit", "images"], "--rate-limit: "),
        ] {
            let e = refused(flags);
            assert!(e.starts_with(flag), "{flags:?}: {e}");
        }
    }
}
