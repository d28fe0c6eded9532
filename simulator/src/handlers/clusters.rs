//! Kubernetes clusters (stored; read-only for the API, records can be loaded). Unverified in shape: Qualys' own CLI calls these
//! paths, nothing published shows the answers (see `collections::clusters`).

use super::ctx::{Ctx, R, not_found, ok};
use super::list::{ListSpec, value_page};
use crate::state::Sim;

const CLUSTER_SPEC: ListSpec = ListSpec {
    prefix: "cluster.",
    aliases: &[("uid", "clusterUid"), ("name", "clusterName")],
    default_sort: None,
    groups: false,
};

pub(super) fn clusters_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clusters
        .clone();
    let tpl = items.first().cloned().unwrap_or_default();
    value_page(ctx, items, &CLUSTER_SPEC, &tpl)
}

pub(super) fn cluster_get(sim: &Sim, ctx: &Ctx) -> R {
    let uid = ctx.param("clusterUid");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    st.clusters
        .iter()
        .find(|c| c["clusterUid"] == uid)
        .map(ok)
        .unwrap_or_else(|| Err(not_found(format!("Cluster {uid} not found"))))
}
