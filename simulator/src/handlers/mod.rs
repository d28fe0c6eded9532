//! One handler per endpoint id, grouped by resource. Paths live only in the endpoint table; these
//! modules know ids. `route` maps every id to its handler and says where the handler runs.

// Handlers return `Result<Response, Response>` so `?` turns any validation failure into the
// Qualys error response; the error path is rare, so the variant's size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
mod connectors;
mod containers;
mod controls;
mod ctx;
mod events;
mod generated;
mod images;
mod list;
mod policies;
mod postures;
mod registries;
mod reports;
mod schedules;
mod sensors;
mod tags;

pub(crate) use ctx::Ctx;

use crate::filter::Gen as Kind;
use crate::respond::error;
use crate::state::Sim;
use axum::http::StatusCode;
use axum::response::Response;
use ctx::R;
use registries::Write;

pub(crate) type Handler = fn(&Sim, &Ctx) -> R;

/// Where a handler runs. `Inline` handlers answer from a lookup or a small stored list, on the
/// async worker; `Blocking` ones do work that grows with the generated collections (serialising
/// a page of up to 1,000 items, or a filter or sort over every image), so they go to the blocking
/// pool and a slow page never stalls the other connections.
#[derive(Clone, Copy)]
pub(crate) enum Run {
    Inline(Handler),
    Blocking(Handler),
}

impl Run {
    pub(crate) fn handler(self) -> Handler {
        match self {
            Run::Inline(h) | Run::Blocking(h) => h,
        }
    }
}

use Run::{Blocking, Inline};

/// The handler of an endpoint.
pub(crate) fn route(id: &str) -> Option<Run> {
    Some(match id {
        "S01" => Inline(images::image_compliance),
        "S02" => Inline(tags::tag_assign),
        "S03" => Inline(tags::tag_update),
        "S04" => Inline(tags::tag_delete),
        "S05" => Inline(policies::policy_get),
        "S06" => Inline(policies::policy_create),
        "S07" => Inline(policies::policy_update),
        "S08" => Inline(reports::reports_list),
        "S09" => Inline(reports::report_create),
        "S10" => Inline(reports::report_schedule_create),
        "S11" => Inline(reports::report_schedule_update),
        "S12" => Inline(schedules::schedule_create),
        "S13" => Inline(schedules::schedule_update),
        "S14" => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, true)),
        "S15" => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, false)),
        "S16" => Blocking(containers::containers_list),
        "S17" => Blocking(images::images_list),
        "S18" => Inline(containers::container_get),
        "S19" => Inline(images::image_get),
        "S20" => Inline(events::events_list),
        "S21" => Inline(sensors::sensors_list),
        "S22" => Inline(registries::registries_list),
        "S23" => Inline(registries::registry_get),
        "S24" => Inline(|sim, _| connectors::aws_base(sim)),
        "S25" => Inline(|sim, _| connectors::aws_connectors(sim, None)),
        "S26" => Inline(|sim, ctx| connectors::aws_connectors(sim, Some(ctx.param("accountId")))),
        "S27" => Inline(connectors::aws_connector_create),
        "S28" => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Validate)),
        "S29" => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Create)),
        "S30" => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Update)),
        "S31" => Inline(registries::repositories_list),
        "S32" => Inline(schedules::schedules_list),
        "S35" => Inline(registries::registry_delete),
        "S36" => Inline(registries::registries_delete),
        "S37" => Inline(schedules::schedule_delete),
        "S38" => Inline(schedules::schedules_delete),
        "S39" => Inline(sensors::sensors_delete),
        // A delete by filter visits every image or container.
        "S40" => Blocking(images::images_delete),
        "S41" => Blocking(containers::containers_delete),
        "S42" => Inline(images::image_vulns),
        "S43" => Inline(containers::container_vulns),
        "P01" => Blocking(|sim, ctx| list::bulk_list(sim, ctx, Kind::Container)),
        "P02" => Inline(containers::container_compliance),
        "P03" => Inline(containers::container_software),
        "P04" => Inline(containers::container_vuln_count),
        "P05" => Blocking(|sim, ctx| list::bulk_list(sim, ctx, Kind::Image)),
        "P06" => Inline(images::image_associations),
        "P07" => Inline(images::image_registries),
        "P08" => Inline(images::image_instrument),
        "P09" => Inline(images::image_software),
        "P10" => Inline(images::image_vuln_count),
        "P11" => Inline(controls::controls_list),
        "P12" => Inline(controls::control_get),
        "P13" => Inline(sensors::sensor_get),
        "P14" => Inline(|sim, _| sensors::activation_key(sim)),
        "P15" => Inline(schedules::schedule_cancel),
        "P16" => Inline(connectors::acr_create),
        "P17" => Inline(connectors::acr_list),
        "P18" => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "acrConnectorId")),
        "P19" => Inline(connectors::gcp_create),
        "P20" => Inline(connectors::gcp_list),
        "P21" => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "gcpConnectorId")),
        "P22" => Inline(reports::reports_delete),
        "P23" => Inline(reports::report_download),
        "P24" => Inline(policies::policy_default),
        "P25" => Inline(tags::tag_create),
        "P26" => Inline(tags::tag_evaluate),
        "P27" => Inline(postures::postures_list),
        "P28" => Inline(|sim, _| postures::postures_count(sim)),
        "P29" => Inline(|sim, ctx| postures::posture_control(sim, ctx, false)),
        "P30" => Inline(|sim, ctx| postures::posture_control(sim, ctx, true)),
        "P31" => Inline(auth::auth),
        _ => return None,
    })
}

/// Runs a handler: the table's query checks first, then the handler; a refusal is the Qualys
/// error body.
pub(crate) fn call(h: Handler, sim: &Sim, ctx: &Ctx) -> Response {
    if let Err(e) = ctx::check_query(ctx) {
        return e;
    }
    h(sim, ctx).unwrap_or_else(|e| e)
}

/// Answers a request on the current thread, whatever `route` says.
pub(crate) fn handle(sim: &Sim, ctx: &Ctx) -> Response {
    match route(&ctx.ep.id) {
        Some(r) => call(r.handler(), sim, ctx),
        None => error(
            StatusCode::NOT_IMPLEMENTED,
            format!("endpoint {} is not simulated", ctx.ep.id),
        ),
    }
}
