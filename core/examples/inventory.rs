//! The main job: export every image that has severity-5 vulnerabilities to `inventory.jsonl`.
//!
//! Runs against Qualys when `QUALYS_USERNAME`/`QUALYS_PASSWORD` (or `QUALYS_TOKEN`) and
//! `QUALYS_PLATFORM` or `QUALYS_BASE_URL` are set, and against the embedded simulator otherwise.
//!
//!     cargo run --release -p qualys-cs --example inventory [-- OUTPUT]
//!
//! The client logs through `tracing` (target `qualys_cs`); this example prints those events on
//! stderr as `RUST_LOG` selects them: `RUST_LOG=qualys_cs=debug` shows every request (method,
//! path template, status, milliseconds, attempt), `qualys_cs=info` the retries and rate-limit
//! waits only.

use futures::TryStreamExt;
use qualys_cs::Client;
use qualys_cs::api::ImagesBulkListParams;
use std::io::Write;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let output = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "inventory.jsonl".into());
    let has_creds = std::env::var_os("QUALYS_TOKEN").is_some()
        || (std::env::var_os("QUALYS_USERNAME").is_some()
            && std::env::var_os("QUALYS_PASSWORD").is_some());
    // Keep the simulator alive for the whole run when we use it.
    let (_sim, client) = if has_creds {
        (None, Client::from_env()?)
    } else {
        let config = qualys_cs_sim::SimConfig::default()
            .images(5_000)
            .latency(std::time::Duration::from_millis(20));
        let sim = qualys_cs_sim::Simulator::start(config).await?;
        eprintln!(
            "no QUALYS_* credentials: using the embedded simulator at {}",
            sim.url()
        );
        let client = Client::builder()
            .base_url(sim.url())
            .credentials("qualys", "qualys")
            .build()?;
        (Some(sim), client)
    };

    let started = Instant::now();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&output)?);
    let filter = "vulnerabilities.severity:5";
    let mut items = client
        .images()
        .bulk_list(ImagesBulkListParams::default().filter(filter).limit(250))?
        .items();
    let (mut n, mut vulns) = (0u64, 0u64);
    while let Some(image) = items.try_next().await? {
        n += 1;
        vulns += image
            .vulnerabilities
            .get()
            .map_or(0, |v| v.as_slice().len() as u64);
        serde_json::to_writer(&mut out, &image)?;
        out.write_all(b"\n")?;
        if n % 500 == 0 {
            eprint!("\r{n} images exported…");
        }
    }
    out.flush()?;
    eprintln!(
        "\r{n} images with severity-5 vulnerabilities ({vulns} vulnerability records) written to {output} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
