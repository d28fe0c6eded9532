//! The fault server as a process, for the Python and Node suites: prints its port on the first
//! line of stdout, serves until stdin closes (so it never outlives the test run that spawned it).

use tokio::io::AsyncReadExt;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let server = qualys_cs_faults::FaultServer::start().await?;
    println!("{}", server.port());
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    while stdin.read(&mut buf).await? > 0 {}
    drop(server);
    Ok(())
}
