//! Image and container compliance controls (stored; read-only for the API, records can be loaded).

use super::ctx::{Ctx, R, bad, not_found};
use super::list::{ListSpec, value_page};
use crate::respond::json_response;
use crate::state::Sim;
use axum::http::StatusCode;
use serde_json::json;

const CONTROL_SPEC: ListSpec = ListSpec {
    prefix: "control.",
    aliases: &[("controlId", "id")],
    default_sort: None,
    groups: false,
};

pub(super) fn controls_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .controls
        .clone();
    let tpl = items
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"id": 0, "criticality": ""}));
    value_page(ctx, items, &CONTROL_SPEC, &tpl)
}

pub(super) fn control_get(sim: &Sim, ctx: &Ctx) -> R {
    let raw = ctx.param("controlId");
    let id: u64 = raw
        .parse()
        .map_err(|_| bad(format!("Invalid controlId '{raw}'")))?;
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    st.controls
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| json_response(StatusCode::OK, c))
        .ok_or_else(|| not_found(format!("Control {id} not found")))
}
