//! `qualys-cs-sim`: serves a simulated csapi on 127.0.0.1 until SIGINT/SIGTERM.
//! The first stdout line is `listening on http://127.0.0.1:PORT`.

use clap::Parser;
use qualys_cs_sim::{
    Counts, FaultRates, Fixtures, LinkCase, LinkEnd, RateLimits, SimConfig, Simulator, Subscription,
};
use std::io::Write;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "qualys-cs-sim",
    version,
    about = "A local Qualys Container Security API (csapi) simulator"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, default_value = "qualys")]
    username: String,
    #[arg(long, default_value = "qualys")]
    password: String,
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

fn config(a: Args) -> Result<SimConfig, String> {
    let mut rl = match a.rate_limit_scale {
        Some(f) if f > 0.0 => RateLimits::scaled(f),
        Some(_) => return Err("--rate-limit-scale must be positive".into()),
        None if a.rate_limits || !a.rate_limit.is_empty() => RateLimits::published(),
        None => RateLimits::default(),
    };
    for e in &a.rate_limit {
        let (fam, lim) = RateLimits::parse_entry(e)?;
        if fam == "list" {
            rl.families.insert("images/list".into(), lim);
            rl.families.insert("containers/list".into(), lim);
        } else {
            rl.families.insert(fam, lim);
        }
    }
    rl.retry_after = a.retry_after;
    for (n, v) in [
        ("error", a.error_rate),
        ("drop", a.drop_rate),
        ("malformed", a.malformed_rate),
        ("truncate", a.truncate_rate),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(format!("--{n}-rate must be between 0 and 1"));
        }
    }
    let fixtures = match &a.fixtures {
        Some(dir) => Fixtures::from_dir(dir).map_err(|e| e.to_string())?,
        None => Fixtures::default(),
    };
    let cfg = SimConfig {
        username: a.username,
        password: a.password,
        seed: a.seed,
        counts: Counts {
            images: a.images,
            containers: a.containers,
            sensors: a.sensors,
            registries: a.registries,
            repositories_per_registry: a.repositories,
            schedules_per_registry: a.schedules,
            controls: a.controls,
            events: a.events,
            reports: a.reports,
            k8s_postures: a.k8s_postures,
            policies: a.policies,
            tags: a.tags,
        },
        latency: Duration::from_millis(a.latency_ms),
        faults: FaultRates {
            error_rate: a.error_rate,
            drop_rate: a.drop_rate,
            malformed_rate: a.malformed_rate,
            truncate_rate: a.truncate_rate,
            slow_body: (a.slow_body_ms > 0).then(|| Duration::from_millis(a.slow_body_ms)),
        },
        rate_limits: rl,
        subscription: a.subscription,
        token_ttl: Duration::from_secs(a.token_ttl_secs),
        link_host: a.link_host,
        link_case: a.link_case,
        link_end: a.link_end,
        strict_accept: a.strict_accept,
        port: a.port,
        request_log_capacity: if a.no_request_log { 0 } else { 100_000 },
        fixtures,
        // The default API client; the binary takes no others yet.
        api_clients: SimConfig::default().api_clients,
    };
    Ok(if a.no_generated {
        cfg.generated(false)
    } else {
        cfg
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cfg = match config(Args::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qualys-cs-sim: {e}");
            std::process::exit(2);
        }
    };
    let sim = match Simulator::start(cfg).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("qualys-cs-sim: {e}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("qualys-cs-sim: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", sim.url());
        let _ = out.flush();
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    sim.shutdown();
}
