//! The gateway's `/auth`: a JWT for a form-encoded username and password; `/auth/oidc` and
//! `/auth/oauth`: a JWT for a configured API client's `clientId` and `clientSecret` headers.

use super::ctx::{Ctx, R, bad};
use crate::respond::{error, text_response};
use crate::state::Sim;
use axum::http::StatusCode;

pub(super) fn auth(sim: &Sim, ctx: &Ctx) -> R {
    let mut form: Vec<(String, String)> = form_urlencoded::parse(&ctx.body).into_owned().collect();
    form.extend(ctx.query.iter().cloned());
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(t) = get("token")
        && t != "true"
    {
        return Err(bad(format!("Invalid value '{t}' for token: true")));
    }
    let (Some(u), Some(p)) = (get("username"), get("password")) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "username and password are required",
        ));
    };
    if u != sim.cfg.username || p != sim.cfg.password {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid username or password",
        ));
    }
    let token = sim.issue_token(u, get("permissions") == Some("true"));
    Ok(text_response(StatusCode::CREATED, token))
}

/// P49, P50: an API client's token. Qualys has not documented that csapi accepts these tokens;
/// the simulator does, so that a client using them can be tested end to end.
pub(super) fn auth_client(sim: &Sim, ctx: &Ctx) -> R {
    let header = |k: &str| ctx.headers.get(k).and_then(|v| v.to_str().ok());
    let (Some(id), Some(secret)) = (header("clientId"), header("clientSecret")) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "clientId and clientSecret headers are required",
        ));
    };
    let known = sim
        .cfg
        .api_clients
        .iter()
        .any(|(i, s)| i == id && s == secret);
    if !known {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid client credentials",
        ));
    }
    Ok(text_response(
        StatusCode::CREATED,
        sim.issue_token(id, true),
    ))
}
