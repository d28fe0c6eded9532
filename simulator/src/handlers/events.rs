//! Events (stored; read-only for the API, records can be loaded).

use super::ctx::{Ctx, R};
use super::list::{ListSpec, value_page};
use crate::state::Sim;
use serde_json::json;

pub(super) fn events_list(sim: &Sim, ctx: &Ctx) -> R {
    // API.md open question 2: v1.1 page-numbered list with `groups`; shape invented.
    let spec = ListSpec {
        prefix: "event.",
        aliases: &[("type", "eventType")],
        default_sort: None,
        groups: true,
    };
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .events
        .clone();
    let tpl = items
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"uuid": "", "eventType": ""}));
    value_page(ctx, items, &spec, &tpl)
}
