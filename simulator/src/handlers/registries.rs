//! Registries and their repositories (stored).

use super::connectors::valid_arn;
use super::ctx::{Ctx, R, bad, id_array, not_found, ok, ok_text};
use super::list::{ListSpec, value_page};
use crate::clock::now_ms;
use crate::collections;
use crate::records::Registry;
use crate::respond::error_code;
use crate::state::Sim;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

const REGISTRY_SPEC: ListSpec = ListSpec {
    prefix: "registry.",
    aliases: &[
        ("type", "registryType"),
        ("uri", "registryUri"),
        ("uuid", "registryUuid"),
    ],
    default_sort: None,
    groups: false,
};

/// S24: the AWS account Qualys connects from, and this subscription's external id.
pub(super) fn aws_base(sim: &Sim) -> R {
    ok(&json!({"accountId": "205767712438", "externalId": 277_380_000 + sim.cfg.seed % 10_000}))
}

pub(super) fn find_reg(regs: &[Registry], id: &str) -> Result<usize, Response> {
    regs.iter()
        .position(|r| r.uuid == id)
        .ok_or_else(|| not_found(format!("Registry {id} not found")))
}

pub(super) fn registries_list(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = st
        .registries
        .iter()
        .map(collections::registry_list_item)
        .collect();
    drop(st);
    let tpl = items.first().cloned().unwrap_or_else(|| {
        json!({"registryUuid": "", "registryUri": "", "registryType": "", "repoCount": 0, "created": "", "updated": "", "lastScanned": ""})
    });
    value_page(ctx, items, &REGISTRY_SPEC, &tpl)
}

pub(super) fn registry_get(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    ok(&collections::registry_details(
        &st.registries[k],
        &st.aws_connectors,
    ))
}

fn is_base64(s: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

#[derive(PartialEq, Clone, Copy)]
pub(super) enum Write {
    Validate,
    Create,
    Update,
}

pub(super) fn registry_write(sim: &Sim, ctx: &Ctx, mode: Write) -> R {
    let b = ctx.json_obj()?;
    for f in ["registryType", "registryUri", "credentialType"] {
        if !b[f].is_string() {
            return Err(bad(format!("{f} is required")));
        }
    }
    let ctype = b["credentialType"].as_str().unwrap_or("");
    if !["None", "Token", "BasicAuth", "DockerHub", "AWS"].contains(&ctype) {
        return Err(bad(format!(
            "Invalid credentialType '{ctype}': one of None, Token, BasicAuth, DockerHub, AWS"
        )));
    }
    let has_aws = b.get("aws").is_some_and(|v| !v.is_null());
    let has_cred = b.get("credential").is_some_and(|v| !v.is_null());
    if ctype != "None" && has_aws == has_cred {
        return Err(bad("Exactly one of aws or credential is required"));
    }
    let arn = if has_aws {
        let a = b["aws"]["arn"]
            .as_str()
            .ok_or_else(|| bad("aws.arn is required"))?;
        if !valid_arn(a) {
            return Err(bad(format!("Invalid aws.arn '{a}'")));
        }
        Some(a.to_string())
    } else {
        None
    };
    if has_cred {
        for f in ["username", "password"] {
            if let Some(v) = b["credential"].get(f).and_then(Value::as_str)
                && !is_base64(v)
            {
                return Err(bad(format!("credential.{f} must be base64-encoded")));
            }
        }
    }
    let uri = b["registryUri"].as_str().unwrap_or("").to_string();
    let rtype = b["registryType"].as_str().unwrap_or("").to_string();
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let me = if mode == Write::Update {
        Some(find_reg(&st.registries, ctx.param("registryId"))?)
    } else {
        None
    };
    if let Some(k) = me {
        let r = &st.registries[k];
        if r.uri != uri || r.rtype != rtype {
            return Err(bad("registryType and registryUri cannot be changed"));
        }
    }
    for (k, r) in st.registries.iter().enumerate() {
        if Some(k) == me {
            continue;
        }
        let dup_arn = arn.is_some() && r.aws.get("arn").and_then(Value::as_str) == arn.as_deref();
        if r.uri == uri || dup_arn {
            let what = if dup_arn {
                arn.clone().unwrap_or_default()
            } else {
                uri.clone()
            };
            // API.md open question 11: the CMS-1504 error comes with status 400.
            return Err(error_code(
                StatusCode::BAD_REQUEST,
                "CMS-1504",
                format!("Registry {what} already exists in system."),
            ));
        }
    }
    let aws = if has_aws {
        let a = &b["aws"];
        let acct = a
            .get("accountId")
            .cloned()
            .unwrap_or_else(|| json!(arn.as_deref().unwrap_or("").split(':').nth(4).unwrap_or("")));
        json!({"accountId": acct, "arn": arn, "region": a.get("region").cloned().unwrap_or(Value::Null)})
    } else {
        Value::Null
    };
    let username = b["credential"]["username"].as_str().map(|u| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(u)
            .ok()
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or_else(|| u.to_string())
    });
    let org = b
        .get("dockerHubOrgName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let now = now_ms();
    match mode {
        Write::Validate => ok(&Value::Bool(true)),
        Write::Create => {
            let uuid = sim.new_uuid();
            st.registries.push(Registry {
                uuid: uuid.clone(),
                uri,
                provider_type: (rtype == "DockerHub").then(|| "DockerHub".to_string()),
                rtype,
                credential_type: ctype.to_string(),
                created: now,
                updated: now,
                last_scanned: None,
                docker_hub_org: org,
                aws,
                username,
                repos: vec![],
                schedules: vec![],
                extra: Default::default(),
            });
            ok(&json!({"registryUuid": uuid}))
        }
        Write::Update => {
            let r = &mut st.registries[me.expect("update has a registry")];
            r.credential_type = ctype.to_string();
            r.aws = aws;
            r.username = username;
            r.docker_hub_org = org.or(r.docker_hub_org.take());
            r.updated = now;
            ok_text(r.uuid.clone())
        }
    }
}

fn has_running(r: &Registry) -> bool {
    r.schedules.iter().any(|s| s["status"] == "Running")
}

pub(super) fn registry_delete(sim: &Sim, ctx: &Ctx) -> R {
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    if has_running(&st.registries[k]) {
        return Err(bad("A registry with Running schedules cannot be deleted"));
    }
    let r = st.registries.remove(k);
    ok_text(r.uuid)
}

pub(super) fn registries_delete(sim: &Sim, ctx: &Ctx) -> R {
    let ids = id_array(ctx)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let mut deleted = Vec::new();
    st.registries.retain(|r| {
        let d = ids.contains(&r.uuid) && !has_running(r);
        if d {
            deleted.push(r.uuid.clone());
        }
        !d
    });
    ok(&json!({"deletedRegistryUuids": deleted}))
}

const REPO_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[
        ("repositoryName", "repoName"),
        ("repository", "repoName"),
        ("name", "repoName"),
    ],
    default_sort: None,
    groups: false,
};

pub(super) fn repositories_list(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let items = st.registries[k].repos.clone();
    drop(st);
    let tpl = json!({"repoName": "", "totalImages": 0, "totalScannedImages": 0, "totalVulnerableImages": 0});
    value_page(ctx, items, &REPO_SPEC, &tpl)
}
