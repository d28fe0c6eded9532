//! Events (stored, read-only).

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
    let tpl = sim
        .events
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"uuid": "", "eventType": ""}));
    value_page(ctx, sim.events.clone(), &spec, &tpl)
}
