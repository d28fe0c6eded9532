//! `qualys-cs mcp`: every endpoint of the table as a tool of the Model Context Protocol, for AI
//! assistants, over stdio (the default) or streamable HTTP (`--http 127.0.0.1:PORT`).
//!
//! One client serves every call and every HTTP session: one rate limiter, one token, the
//! credentials and profiles of the command line. Safe by default: read-only tools only;
//! `--allow-writes` adds POST/PUT, `--allow-deletes` the DELETEs, each of which must repeat what
//! it deletes in `confirm`. Answers stay within a byte budget (`--max-output-bytes`), listings
//! continue with a cursor, and every failure is a tool error saying what to change.

mod audit;
mod call;
mod catalog;
mod http;
mod select;

use crate::config::Settings;
use crate::{Failure, exit};
use audit::{Audit, Secrets};
use catalog::Gates;
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use qualys_cs::Client;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The default byte budget of one answer: 64 KiB.
const DEFAULT_MAX_OUTPUT: usize = 64 * 1024;

/// The environment variable of the HTTP bearer token (`--http-token`).
pub(crate) const TOKEN_ENV: &str = "QUALYS_CS_MCP_TOKEN";

pub(crate) fn command() -> Command {
    Command::new("mcp")
        .about("Serve every endpoint as a tool to AI assistants (Model Context Protocol), over stdio or HTTP")
        .long_about(
            "Serve every endpoint as a tool of the Model Context Protocol (MCP), over stdio (the \
             default: the client starts `qualys-cs mcp`) or streamable HTTP (--http). The \
             credentials are the command line's (flags, QUALYS_* environment, profiles). \
             Read-only unless --allow-writes; deletes also need --allow-deletes and a `confirm` \
             argument repeating what they delete.",
        )
        .arg(
            Arg::new("http")
                .long("http")
                .value_name("ADDR:PORT")
                .value_parser(value_parser!(SocketAddr))
                .help("Serve streamable HTTP at http://ADDR:PORT/mcp instead of stdio (port 0: any free port)"),
        )
        .arg(
            Arg::new("http-token")
                .long("http-token")
                .env(TOKEN_ENV)
                .hide_env_values(true)
                .value_name("TOKEN")
                .help("Bearer token HTTP clients must send; required to listen on a non-loopback address"),
        )
        .arg(
            Arg::new("allow-writes")
                .long("allow-writes")
                .action(ArgAction::SetTrue)
                .help("Also serve the tools that create or change data (POST, PUT)"),
        )
        .arg(
            Arg::new("allow-deletes")
                .long("allow-deletes")
                .action(ArgAction::SetTrue)
                .requires("allow-writes")
                .help("Also serve the DELETE tools (with --allow-writes); each call must carry `confirm`"),
        )
        .arg(
            Arg::new("max-output-bytes")
                .long("max-output-bytes")
                .value_name("BYTES")
                .value_parser(value_parser!(u64).range(1024..=64 * 1024 * 1024))
                .default_value("65536")
                .help("The most bytes one tool answer carries; lists continue with a cursor"),
        )
        .arg(
            Arg::new("max-wait")
                .long("max-wait")
                .value_name("SECONDS")
                .value_parser(crate::config::seconds)
                .default_value("60")
                .help("The longest a tool call waits for Qualys (rate limits included) before answering: a listing answers what it has and a cursor, another call an error"),
        )
        .arg(
            Arg::new("audit")
                .long("audit")
                .value_name("FILE")
                .help("Append one JSON line per tool call (time, tool, arguments with secrets redacted, status, duration)"),
        )
}

/// What every call and session shares.
pub(crate) struct Shared {
    client: Client,
    gates: Gates,
    budget: usize,
    max_wait: Duration,
    tools: Vec<Tool>,
    listings: Mutex<HashMap<String, call::Listing>>,
    /// The last rate-limit headers seen per family, and when.
    limits: Mutex<HashMap<&'static str, (qualys_cs::RateLimitInfo, std::time::Instant)>>,
    audit: Option<Audit>,
    secrets: Secrets,
}

/// The MCP server: a handle on the shared state (one per stdio connection or HTTP session).
#[derive(Clone)]
pub(crate) struct Server(Arc<Shared>);

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let mode = match (self.0.gates.allow_writes, self.0.gates.allow_deletes) {
            (false, _) => "read-only",
            (true, false) => "reads and writes, no deletes",
            (true, true) => "reads, writes and deletes (each with `confirm`)",
        };
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("qualys-cs", env!("CARGO_PKG_VERSION"))
                    .with_title("Qualys Container Security"),
            )
            .with_instructions(format!(
                "Tools for the Qualys Container Security API (csapi): images, containers, \
                 registries, sensors, reports, policies, Kubernetes. This server is {mode}. \
                 Lists answer at most {} bytes with `count` (the total) and a `cursor` for the \
                 rest; `fields` keeps only some keys; `summary_by` counts by a field over a \
                 whole listing in one call (e.g. images_list with summary_by \
                 `repo.repository`). Filters are QQL, e.g. `vulnerabilities.severity:5`.",
                self.0.budget
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.0.tools.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.0.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        Ok(self.0.call(&request.name, request.arguments).await.into())
    }
}

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

pub(crate) async fn run(settings: &Settings, m: &ArgMatches) -> Result<i32, Failure> {
    let gates = Gates {
        allow_writes: m.get_flag("allow-writes"),
        allow_deletes: m.get_flag("allow-deletes"),
    };
    let budget = usize::try_from(*m.get_one::<u64>("max-output-bytes").expect("a default"))
        .unwrap_or(DEFAULT_MAX_OUTPUT);
    let max_wait = *m.get_one::<Duration>("max-wait").expect("a default");
    let http = m.get_one::<SocketAddr>("http").copied();
    let http_token = m
        .get_one::<String>("http-token")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(addr) = http
        && !is_loopback(&addr)
        && http_token.is_none()
    {
        return Err(Failure::usage(format!(
            "--http {addr} is not a loopback address: set a bearer token (--http-token or \
             {TOKEN_ENV}) that clients must send"
        )));
    }
    if http.is_none()
        && m.value_source("http-token") == Some(clap::parser::ValueSource::CommandLine)
    {
        return Err(Failure::usage("--http-token is for --http"));
    }
    let audit = match m.get_one::<String>("audit") {
        Some(path) => Some(
            Audit::open(std::path::Path::new(path))
                .map_err(|e| Failure::io(&format!("audit log {path}"), e))?,
        ),
        None => None,
    };
    let client = settings.builder()?.max_retry_wait(max_wait).build()?;
    let mut secrets = Secrets::default();
    secrets.add(settings.secret("password"));
    secrets.add(settings.secret("token"));
    secrets.add(settings.secret("client_secret"));
    secrets.add(http_token.as_deref());
    let shared = Arc::new(Shared {
        client,
        gates,
        budget,
        max_wait,
        tools: catalog::tools(gates, budget),
        listings: Mutex::new(HashMap::new()),
        limits: Mutex::new(HashMap::new()),
        audit,
        secrets,
    });
    let quiet = m.get_flag("quiet");
    let server = Server(shared.clone());
    match http {
        Some(addr) => http::serve(server, addr, http_token, quiet).await,
        None => {
            if !quiet {
                eprintln!(
                    "qualys-cs mcp: serving {} tools on stdio",
                    shared.tools.len()
                );
            }
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| Failure::new(exit::IO, format!("mcp: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| Failure::new(exit::IO, format!("mcp: {e}")))?;
            Ok(exit::OK)
        }
    }
}
