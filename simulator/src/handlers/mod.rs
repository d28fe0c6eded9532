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

use crate::state::Sim;
use Run::{Blocking, Inline};
use axum::response::Response;
use ctx::R;
use qualys_cs_spec::EndpointId;
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

/// The handler of every endpoint: exhaustive over the table's ids, so an endpoint added to the
/// table without a handler does not compile.
pub(crate) fn route(id: EndpointId) -> Run {
    match id {
        EndpointId::S01 => Inline(images::image_compliance),
        EndpointId::S02 => Inline(tags::tag_assign),
        EndpointId::S03 => Inline(tags::tag_update),
        EndpointId::S04 => Inline(tags::tag_delete),
        EndpointId::S05 => Inline(policies::policy_get),
        EndpointId::S06 => Inline(policies::policy_create),
        EndpointId::S07 => Inline(policies::policy_update),
        EndpointId::S08 => Inline(reports::reports_list),
        EndpointId::S09 => Inline(reports::report_create),
        EndpointId::S10 => Inline(reports::report_schedule_create),
        EndpointId::S11 => Inline(reports::report_schedule_update),
        EndpointId::S12 => Inline(schedules::schedule_create),
        EndpointId::S13 => Inline(schedules::schedule_update),
        EndpointId::S14 => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, true)),
        EndpointId::S15 => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, false)),
        EndpointId::S16 => Blocking(containers::containers_list),
        EndpointId::S17 => Blocking(images::images_list),
        EndpointId::S18 => Inline(containers::container_get),
        EndpointId::S19 => Inline(images::image_get),
        EndpointId::S20 => Inline(events::events_list),
        EndpointId::S21 => Inline(sensors::sensors_list),
        EndpointId::S22 => Inline(registries::registries_list),
        EndpointId::S23 => Inline(registries::registry_get),
        EndpointId::S24 => Inline(|sim, _| connectors::aws_base(sim)),
        EndpointId::S25 => Inline(|sim, _| connectors::aws_connectors(sim, None)),
        EndpointId::S26 => {
            Inline(|sim, ctx| connectors::aws_connectors(sim, Some(ctx.param("accountId"))))
        }
        EndpointId::S27 => Inline(connectors::aws_connector_create),
        EndpointId::S28 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Validate)),
        EndpointId::S29 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Create)),
        EndpointId::S30 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Update)),
        EndpointId::S31 => Inline(registries::repositories_list),
        EndpointId::S32 => Inline(schedules::schedules_list),
        EndpointId::S35 => Inline(registries::registry_delete),
        EndpointId::S36 => Inline(registries::registries_delete),
        EndpointId::S37 => Inline(schedules::schedule_delete),
        EndpointId::S38 => Inline(schedules::schedules_delete),
        EndpointId::S39 => Inline(sensors::sensors_delete),
        // A delete by filter visits every image or container.
        EndpointId::S40 => Blocking(images::images_delete),
        EndpointId::S41 => Blocking(containers::containers_delete),
        EndpointId::S42 => Inline(images::image_vulns),
        EndpointId::S43 => Inline(containers::container_vulns),
        EndpointId::P01 => Blocking(containers::containers_bulk_list),
        EndpointId::P02 => Inline(containers::container_compliance),
        EndpointId::P03 => Inline(containers::container_software),
        EndpointId::P04 => Inline(containers::container_vuln_count),
        EndpointId::P05 => Blocking(images::images_bulk_list),
        EndpointId::P06 => Inline(images::image_associations),
        EndpointId::P07 => Inline(images::image_registries),
        EndpointId::P08 => Inline(images::image_instrument),
        EndpointId::P09 => Inline(images::image_software),
        EndpointId::P10 => Inline(images::image_vuln_count),
        EndpointId::P11 => Inline(controls::controls_list),
        EndpointId::P12 => Inline(controls::control_get),
        EndpointId::P13 => Inline(sensors::sensor_get),
        EndpointId::P14 => Inline(|sim, _| sensors::activation_key(sim)),
        EndpointId::P15 => Inline(schedules::schedule_cancel),
        EndpointId::P16 => Inline(connectors::acr_create),
        EndpointId::P17 => Inline(connectors::acr_list),
        EndpointId::P18 => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "acrConnectorId")),
        EndpointId::P19 => Inline(connectors::gcp_create),
        EndpointId::P20 => Inline(connectors::gcp_list),
        EndpointId::P21 => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "gcpConnectorId")),
        EndpointId::P22 => Inline(reports::reports_delete),
        EndpointId::P23 => Inline(reports::report_download),
        EndpointId::P24 => Inline(policies::policy_default),
        EndpointId::P25 => Inline(tags::tag_create),
        EndpointId::P26 => Inline(tags::tag_evaluate),
        EndpointId::P27 => Inline(postures::postures_list),
        EndpointId::P28 => Inline(|sim, _| postures::postures_count(sim)),
        EndpointId::P29 => Inline(|sim, ctx| postures::posture_control(sim, ctx, false)),
        EndpointId::P30 => Inline(|sim, ctx| postures::posture_control(sim, ctx, true)),
        EndpointId::P31 => Inline(auth::auth),
    }
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
    call(route(ctx.ep.id).handler(), sim, ctx)
}
