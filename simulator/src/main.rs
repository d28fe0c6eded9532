//! `qualys-cs-sim`: serves a simulated csapi on 127.0.0.1 until SIGINT/SIGTERM (or the end of
//! stdin, when it is a pipe). The first stdout line is `listening on http://127.0.0.1:PORT`.
//! `qualys-cs sim` is the same command ([`qualys_cs_sim::cli`]).

use clap::Parser;
use qualys_cs_sim::cli::{SimArgs, Stop, config, serve};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cfg = match config(SimArgs::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qualys-cs-sim: {e}");
            std::process::exit(2);
        }
    };
    std::process::exit(serve(cfg, "qualys-cs-sim", Stop::Signals).await);
}
