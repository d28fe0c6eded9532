//! Reports and report schedules (stored); CSV download.

use super::ctx::{Ctx, R, bad, not_found, ok};
use super::list::{ListSpec, value_page};
use crate::clock::now_ms;
use crate::collections;
use crate::state::Sim;
use crate::synth::{self, World};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const REPORT_SPEC: ListSpec = ListSpec {
    prefix: "report.",
    aliases: &[
        ("name", "reportName"),
        ("uuid", "reportUuid"),
        ("created", "createdAt"),
        ("template", "templateName"),
        ("format", "fileFormat"),
    ],
    default_sort: Some("status:desc"),
    groups: false,
};

pub(super) fn reports_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .reports
        .clone();
    let tpl = collections::report(
        String::new(),
        0,
        &json!({"name": "", "templateName": ""}),
        "",
        false,
    );
    value_page(ctx, items, &REPORT_SPEC, &tpl)
}

fn check_report(b: &Value, schedule: bool) -> Result<(), Response> {
    for f in ["name", "templateName"] {
        if b[f].as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err(bad(format!("{f} is required")));
        }
    }
    if b["name"].as_str().is_some_and(|s| s.chars().count() > 150) {
        return Err(bad("name must be at most 150 characters"));
    }
    if b.get("description")
        .and_then(Value::as_str)
        .is_some_and(|s| s.chars().count() > 250)
    {
        return Err(bad("description must be at most 250 characters"));
    }
    let in_set = |f: &str, set: &[i64]| -> Result<(), Response> {
        match b.get(f) {
            None | Some(Value::Null) => Ok(()),
            Some(v) => {
                // expireAfter is documented as a string but sent as an int: accept both.
                let n = v
                    .as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
                if n.is_some_and(|n| set.contains(&n)) {
                    Ok(())
                } else {
                    Err(bad(format!("Invalid {f} {v}: one of {set:?}")))
                }
            }
        }
    };
    in_set("expireAfter", &[1, 7, 30, 90])?;
    in_set("zip", &[0, 1])?;
    in_set("emailNotification", &[0, 1])?;
    in_set("sendAsAttachment", &[0, 1])?;
    if let Some(f) = b.get("filter").filter(|f| !f.is_null())
        && !f.is_string()
    {
        return Err(bad("filter must be a string holding JSON"));
    }
    if schedule {
        if let Some(a) = b.get("action").filter(|a| !a.is_null())
            && a != "CREATE"
        {
            return Err(bad(format!("Invalid action {a}: CREATE")));
        }
        if let Some(rt) = b["reportScheduleDetails"]
            .get("recurrenceType")
            .filter(|v| !v.is_null())
            && !rt
                .as_str()
                .is_some_and(|s| ["DAILY", "WEEKLY", "MONTHLY"].contains(&s))
        {
            return Err(bad(format!(
                "Invalid recurrenceType {rt}: DAILY, WEEKLY or MONTHLY"
            )));
        }
        for f in ["eventTime", "eventEndTime"] {
            if let Some(v) = b.get(f).filter(|v| !v.is_null())
                && v.as_str().is_none_or(|s| synth::parse_iso(s).is_none())
            {
                return Err(bad(format!(
                    "Invalid {f} {v}: ISO-8601 UTC expected (2026-03-20T11:41:00Z)"
                )));
            }
        }
    }
    Ok(())
}

pub(super) fn report_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    check_report(&b, false)?;
    let uuid = sim.new_uuid();
    let r = collections::report(uuid.clone(), now_ms(), &b, "COMPLETED", false);
    sim.stored
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .reports
        .push(r);
    ok(&json!({"reportUuid": uuid}))
}

pub(super) fn report_schedule_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    check_report(&b, true)?;
    let uuid = sim.new_uuid();
    let mut s = b.clone();
    s["scheduleUuid"] = json!(uuid);
    s["status"] = json!("Active");
    sim.stored
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .report_schedules
        .push(s);
    ok(&json!({"scheduleUuid": uuid}))
}

pub(super) fn report_schedule_update(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("reportingScheduleID");
    let b = ctx.json_obj()?;
    check_report(&b, true)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let s = st
        .report_schedules
        .iter_mut()
        .find(|s| s["scheduleUuid"] == id)
        .ok_or_else(|| not_found(format!("Report schedule {id} not found")))?;
    if s["status"] != "Active" {
        return Err(bad("Only Active report schedules can be updated"));
    }
    let mut n = b;
    n["scheduleUuid"] = json!(id);
    n["status"] = json!("Active");
    *s = n;
    ok(&json!({"message": format!("Details updated successfully for reportScheduleId {id}")}))
}

pub(super) fn reports_delete(sim: &Sim, ctx: &Ctx) -> R {
    let ids = ctx.qs("reportUuids");
    if ids.is_empty() {
        return Err(bad("reportUuids is required"));
    }
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let mut deleted = Vec::new();
    st.reports.retain(|r| {
        let id = r["reportUuid"].as_str().unwrap_or("").to_string();
        let d = ids.contains(&id);
        if d {
            deleted.push(id);
        }
        !d
    });
    if deleted.is_empty() {
        return Err(not_found("None of the given reportUuids exist"));
    }
    ok(&json!({"message": "Reports deleted successfully", "data": deleted}))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(super) fn report_download(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("reportUuid");
    let r = {
        let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
        st.reports
            .iter()
            .find(|r| r["reportUuid"] == id)
            .cloned()
            .ok_or_else(|| not_found(format!("Report {id} not found")))?
    };
    if r["status"] != "COMPLETED" {
        return Err(bad(format!(
            "Report {id} is not available for download (status {})",
            r["status"].as_str().unwrap_or("?")
        )));
    }
    let cols: Vec<String> = r["displayColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let w: &World = &sim.world;
    let mut out = cols
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for i in 0..w.images.min(25) {
        let sw = w.img_software(i);
        let (n, v, f) = sw[0];
        let row: Vec<String> = cols
            .iter()
            .map(|c| match c.as_str() {
                "name" | "softwareName" => n.to_string(),
                "version" | "softwareVersion" => v.to_string(),
                "fixVersion" => f.to_string(),
                "eolDate" | "eosDate" => String::new(),
                "imageId" => w.img_short(i),
                "imageSha" => w.img_sha(i),
                "imageUuid" => w.img_uuid(i),
                "repository" => w.img_repo(i).1.to_string(),
                _ => String::new(),
            })
            .map(|s| csv_field(&s))
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    let name = r["reportName"]
        .as_str()
        .unwrap_or("report")
        .replace(['"', '/', '\\'], "_");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}
