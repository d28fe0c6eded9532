//! One handler per endpoint id, grouped by resource. Paths live only in the endpoint table; these
//! modules know ids. `route` maps every id to its handler and says where the handler runs.

// Handlers return `Result<Response, Response>` so `?` turns any validation failure into the
// Qualys error response; the error path is rare, so the variant's size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
mod clusters;
mod connectors;
mod containers;
mod controls;
mod ctx;
mod events;
mod exceptions;
mod generated;
mod images;
mod list;
mod loaded;
mod policies;
mod postures;
mod registries;
mod reports;
mod schedules;
mod sensor_profiles;
mod sensors;
mod tags;
mod vulnerabilities;

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

/// Declares the route table: `route` (exhaustive over the table's ids, so an endpoint added to the
/// table without a handler does not compile) and, for the tests, the handler of each id as
/// written, which the README's method table names.
macro_rules! routes {
    ($($id:ident => $run:ident($($handler:tt)+)),* $(,)?) => {
        /// The handler of every endpoint, and where it runs.
        pub(crate) fn route(id: EndpointId) -> Run {
            match id {
                $(EndpointId::$id => $run($($handler)+),)*
            }
        }

        /// The handler of an endpoint as the route table writes it (e.g. `images::image_get`).
        #[cfg(test)]
        pub(crate) fn handler_source(id: EndpointId) -> &'static str {
            match id {
                $(EndpointId::$id => stringify!($($handler)+),)*
            }
        }
    };
}

routes! {
        S01 => Inline(images::image_compliance),
        S02 => Inline(tags::tag_assign),
        S03 => Inline(tags::tag_update),
        S04 => Inline(tags::tag_delete),
        S05 => Inline(policies::policy_get),
        S06 => Inline(policies::policy_create),
        S07 => Inline(policies::policy_update),
        S08 => Inline(reports::reports_list),
        S09 => Inline(reports::report_create),
        S10 => Inline(reports::report_schedule_create),
        S11 => Inline(reports::report_schedule_update),
        S12 => Inline(schedules::schedule_create),
        S13 => Inline(schedules::schedule_update),
        S14 => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, true)),
        S15 => Inline(|sim, ctx| schedules::schedules_bulk(sim, ctx, false)),
        S16 => Blocking(containers::containers_list),
        S17 => Blocking(images::images_list),
        S18 => Inline(containers::container_get),
        S19 => Inline(images::image_get),
        S20 => Inline(events::events_list),
        S21 => Inline(sensors::sensors_list),
        S22 => Inline(registries::registries_list),
        S23 => Inline(registries::registry_get),
        S24 => Inline(|sim, _| registries::aws_base(sim)),
        S25 => Inline(|sim, _| connectors::aws_connectors(sim, None)),
        S26 => Inline(|sim, ctx| connectors::aws_connectors(sim, Some(ctx.param("accountId")))),
        S27 => Inline(connectors::aws_connector_create),
        S28 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Validate)),
        S29 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Create)),
        S30 => Inline(|sim, ctx| registries::registry_write(sim, ctx, Write::Update)),
        S31 => Inline(registries::repositories_list),
        S32 => Inline(schedules::schedules_list),
        S35 => Inline(registries::registry_delete),
        S36 => Inline(registries::registries_delete),
        S37 => Inline(schedules::schedule_delete),
        S38 => Inline(schedules::schedules_delete),
        S39 => Inline(sensors::sensors_delete),
        // A delete by filter visits every image or container.
        S40 => Blocking(images::images_delete),
        S41 => Blocking(containers::containers_delete),
        S42 => Inline(images::image_vulns),
        S43 => Inline(containers::container_vulns),
        P01 => Blocking(containers::containers_bulk_list),
        P02 => Inline(containers::container_compliance),
        P03 => Inline(containers::container_software),
        P04 => Inline(containers::container_vuln_count),
        P05 => Blocking(images::images_bulk_list),
        P06 => Inline(images::image_associations),
        P07 => Inline(images::image_registries),
        P08 => Inline(images::image_instrument),
        P09 => Inline(images::image_software),
        P10 => Inline(images::image_vuln_count),
        P11 => Inline(controls::controls_list),
        P12 => Inline(controls::control_get),
        P13 => Inline(sensors::sensor_get),
        P14 => Inline(|sim, _| sensors::activation_key(sim)),
        P15 => Inline(schedules::schedule_cancel),
        P16 => Inline(connectors::acr_create),
        P17 => Inline(connectors::acr_list),
        P18 => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "acrConnectorId")),
        P19 => Inline(connectors::gcp_create),
        P20 => Inline(connectors::gcp_list),
        P21 => Inline(|sim, ctx| connectors::connector_get(sim, ctx, "gcpConnectorId")),
        P22 => Inline(reports::reports_delete),
        P23 => Inline(reports::report_download),
        P24 => Inline(policies::policy_default),
        P25 => Inline(tags::tag_create),
        P26 => Inline(tags::tag_evaluate),
        P27 => Inline(postures::postures_list),
        P28 => Inline(|sim, _| postures::postures_count(sim)),
        P29 => Inline(|sim, ctx| postures::posture_control(sim, ctx, false)),
        P30 => Inline(|sim, ctx| postures::posture_control(sim, ctx, true)),
        P31 => Inline(auth::auth),
        P32 => Inline(clusters::clusters_list),
        P33 => Inline(clusters::cluster_get),
        P34 => Inline(policies::policies_list),
        P35 => Inline(exceptions::exception_create),
        P36 => Inline(exceptions::exception_update),
        P37 => Inline(exceptions::exception_get),
        P38 => Inline(exceptions::image_exceptions),
        P39 => Inline(exceptions::image_update_exceptions),
        P40 => Inline(exceptions::container_exceptions),
        P41 => Inline(exceptions::container_update_exceptions),
        P42 => Inline(sensor_profiles::profiles_list),
        P43 => Inline(sensor_profiles::profile_create),
        P44 => Inline(sensor_profiles::profile_update),
        // The views read every image's vulnerabilities.
        P45 => Blocking(vulnerabilities::vuln_list),
        P46 => Blocking(vulnerabilities::vuln_count),
        P47 => Blocking(vulnerabilities::vuln_definitions),
        P48 => Blocking(vulnerabilities::vuln_get),
        P49 => Inline(auth::auth_client),
        P50 => Inline(auth::auth_client),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's method table names the simulator module that handles each endpoint (written
    /// by codegen from the table); the route table must agree with it.
    #[test]
    fn the_readme_names_each_endpoints_handler_module() {
        let readme = include_str!("../../../README.md");
        let mut seen = 0;
        for line in readme.lines().filter(|l| l.starts_with("| ")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Ok(id) = cells[1].parse::<EndpointId>() else {
                continue;
            };
            let file = cells[cells.len() - 2].trim_matches('`');
            let module = file
                .strip_prefix("simulator/src/handlers/")
                .and_then(|f| f.strip_suffix(".rs"))
                .unwrap_or_else(|| panic!("{id}: no handler file in {line:?}"));
            let source = handler_source(id).replace(' ', "");
            assert!(
                source.contains(&format!("{module}::")),
                "{id}: the README says {file}, the route table says {source}"
            );
            seen += 1;
        }
        // Every endpoint but the gateway's token requests (not resource methods) has a row.
        let methods = qualys_cs_spec::endpoints()
            .iter()
            .filter(|e| e.resource != "auth")
            .count();
        assert_eq!(seen, methods);
    }
}
