//! Sensors (stored) and the activation key.

use super::ctx::{Ctx, R, delete_selection, not_found, ok};
use super::list::{ListSpec, ValF, parse_filter_str, value_page};
use crate::qql::Fields;
use crate::respond::json_response;
use crate::state::Sim;
use crate::synth;
use axum::http::StatusCode;
use serde_json::json;

const SENSOR_SPEC: ListSpec = ListSpec {
    prefix: "sensor.",
    aliases: &[("id", "sensorId")],
    default_sort: None,
    groups: false,
};

pub(super) fn sensors_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .sensors
        .clone();
    let tpl = items.first().cloned().unwrap_or_else(
        || json!({"uuid": "", "hostname": "", "status": "", "sensorId": "", "created": ""}),
    );
    value_page(ctx, items, &SENSOR_SPEC, &tpl)
}

pub(super) fn sensor_get(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("sensorId");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    st.sensors
        .iter()
        .find(|s| s["uuid"] == id || s["sensorId"] == id)
        .map(|s| json_response(StatusCode::OK, s))
        .ok_or_else(|| not_found(format!("Sensor {id} not found")))
}

pub(super) fn sensors_delete(sim: &Sim, ctx: &Ctx) -> R {
    let (ids, filter) = delete_selection(ctx, "sensorIds")?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let tpl = st
        .sensors
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"uuid": "", "hostname": "", "status": ""}));
    let selected: Vec<usize> = if !ids.is_empty() {
        let v: Vec<usize> = (0..st.sensors.len())
            .filter(|&k| {
                ids.iter().any(|id| {
                    st.sensors[k]["uuid"] == id.as_str() || st.sensors[k]["sensorId"] == id.as_str()
                })
            })
            .collect();
        if v.is_empty() {
            return Err(not_found("None of the given sensorIds exist"));
        }
        v
    } else {
        let f = filter.unwrap_or_default();
        let e = parse_filter_str(&f, &|x| {
            ValF {
                v: &tpl,
                spec: &SENSOR_SPEC,
            }
            .field(x)
            .is_some()
        })?;
        (0..st.sensors.len())
            .filter(|&k| {
                e.as_ref().is_none_or(|e| {
                    e.eval(&ValF {
                        v: &st.sensors[k],
                        spec: &SENSOR_SPEC,
                    })
                })
            })
            .collect()
    };
    // Only sensors in status UNKNOWN can be deleted (S003); others are skipped.
    let mut k = 0;
    st.sensors.retain(|s| {
        let drop = selected.contains(&k) && s["status"] == "UNKNOWN";
        k += 1;
        !drop
    });
    drop(st);
    ok(&json!({"deletionJobId": sim.new_uuid()}))
}

pub(super) fn activation_key(sim: &Sim) -> R {
    ok(&json!({
        "customerId": sim.world.customer_uuid,
        "activationId": synth::uuid_from(sim.cfg.seed ^ 0xAC7),
        "platformUrl": "https://qualysguard.qg2.apps.qualys.com",
    }))
}
