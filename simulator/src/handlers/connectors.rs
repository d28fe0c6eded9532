//! AWS, ACR and GCP connectors (stored).

use super::ctx::{Ctx, R, bad, not_found, ok, ok_text};
use crate::respond::{error, error_code, json_response};
use crate::state::Sim;
use axum::http::StatusCode;
use serde_json::{Value, json};

pub(super) fn aws_connectors(sim: &Sim, account: Option<&str>) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    match account {
        None => ok(&Value::Array(st.aws_connectors.clone())),
        Some(a) => {
            let needle = format!(":{a}:");
            let v: Vec<Value> = st
                .aws_connectors
                .iter()
                .filter(|c| c["arn"].as_str().is_some_and(|s| s.contains(&needle)))
                .cloned()
                .collect();
            if v.is_empty() {
                return Err(not_found(format!("No AWS connectors for account {a}")));
            }
            ok(&Value::Array(v))
        }
    }
}

pub(super) fn valid_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(acct, role)| {
            acct.len() == 12
                && acct.bytes().all(|b| b.is_ascii_digit())
                && role.starts_with("role/")
        })
}

pub(super) fn aws_connector_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    let arn = b["arn"]
        .as_str()
        .ok_or_else(|| bad("arn is required"))?
        .to_string();
    if !valid_arn(&arn) {
        return Err(bad(format!("Invalid arn '{arn}'")));
    }
    let name = b["name"]
        .as_str()
        .ok_or_else(|| bad("name is required"))?
        .to_string();
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st.aws_connectors.iter().any(|c| c["arn"] == arn.as_str()) {
        return Err(error_code(
            StatusCode::BAD_REQUEST,
            "CMS-1504",
            format!("Registry {arn} already exists in system."),
        ));
    }
    st.aws_connectors.push(json!({"arn": arn, "name": name, "description": b.get("description").cloned().unwrap_or(json!(""))}));
    ok_text(arn)
}

pub(super) fn acr_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    for f in ["name", "applicationId", "clientSecret"] {
        if !b[f].is_string() {
            return Err(bad(format!("{f} is required")));
        }
    }
    let id = b["connectorId"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| sim.new_uuid());
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st
        .acr_connectors
        .iter()
        .any(|c| c["name"] == b["name"] || c["acrConnectorId"] == id.as_str())
    {
        return Err(bad(format!(
            "ACR connector {} already exists",
            b["name"].as_str().unwrap_or("")
        )));
    }
    st.acr_connectors.push(json!({"name": b["name"], "acrConnectorId": id, "description": b.get("description").cloned().unwrap_or(json!(""))}));
    ok_text(id)
}

/// Minimal multipart/form-data reader: `(name, filename, content)` per part.
/// `(name, filename, content)`
type Part = (String, Option<String>, Vec<u8>);

fn multipart(ct: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = ct
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let mut out = Vec::new();
    let mut rest = body;
    let find = |h: &[u8], n: &[u8]| h.windows(n.len()).position(|w| w == n);
    let start = find(rest, delim.as_bytes())?;
    rest = &rest[start + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let hend = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..hend]).to_string();
        rest = &rest[hend + 4..];
        let next = find(rest, format!("\r\n{delim}").as_bytes())?;
        let content = rest[..next].to_vec();
        rest = &rest[next + 2 + delim.len()..];
        let disp = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?
            .to_string();
        let attr = |k: &str| {
            disp.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .map(|v| v.trim_matches('"').to_string())
        };
        out.push((attr("name")?, attr("filename"), content));
    }
    Some(out)
}

pub(super) fn gcp_create(sim: &Sim, ctx: &Ctx) -> R {
    let name = ctx
        .q("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad("Query parameter name is required"))?
        .to_string();
    let ct = ctx.content_type.as_deref().unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content type '{ct}' not supported: multipart/form-data expected"),
        ));
    }
    let parts = multipart(ct, &ctx.body).ok_or_else(|| bad("Malformed multipart body"))?;
    let (_, _, content) = parts
        .iter()
        .find(|(n, _, _)| n == "serviceAccountJson")
        .ok_or_else(|| bad("Part serviceAccountJson is required"))?;
    let sa: Value = serde_json::from_slice(content)
        .map_err(|e| bad(format!("serviceAccountJson is not valid JSON: {e}")))?;
    let project = sa
        .get("project_id")
        .and_then(Value::as_str)
        .unwrap_or("unknown-project")
        .to_string();
    let id = ctx
        .q("connectorId")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| sim.new_uuid());
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st.gcp_connectors.iter().any(|c| c["name"] == name.as_str()) {
        return Err(bad(format!("GCP connector {name} already exists")));
    }
    st.gcp_connectors.push(json!({
        "name": name, "description": ctx.q("description").unwrap_or(""), "location": "global",
        "gcpConnectorId": id, "gcpProjectId": project,
    }));
    ok_text(id)
}

pub(super) fn connector_get(sim: &Sim, ctx: &Ctx, key: &str) -> R {
    let id = ctx.param("connectorId");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let list = if key == "acrConnectorId" {
        &st.acr_connectors
    } else {
        &st.gcp_connectors
    };
    list.iter()
        .find(|c| c[key] == id)
        .map(|c| json_response(StatusCode::OK, c))
        .ok_or_else(|| not_found(format!("Connector {id} not found")))
}

pub(super) fn acr_list(sim: &Sim, _: &Ctx) -> R {
    ok(&Value::Array(
        sim.stored
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .acr_connectors
            .clone(),
    ))
}

pub(super) fn gcp_list(sim: &Sim, _: &Ctx) -> R {
    ok(&Value::Array(
        sim.stored
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .gcp_connectors
            .clone(),
    ))
}
