//! Records users load into the simulator (fixtures): images, containers, registries, tags,
//! sensors, reports, policies, controls, events, k8s postures and clusters, shaped like an item of
//! the API's list answer, served beside (or instead of) the generated ones.
//!
//! Loading checks each record and fills what it lacks (ids, dates, counts) with plausible
//! values; keys the simulator does not know are kept and returned as given. A bad record is an
//! error naming the file (or resource), the record's position and the rule it breaks.

use crate::records::Registry;
use crate::synth::{NOW_MS, uuid_from};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// A resource records can be loaded for. Its name (the endpoint table's resource: `images`,
/// `containers`, `registries`, `tags`, `sensors`, `reports`, `policies`, `controls`, `events`,
/// `k8s_postures`, `k8s_clusters`) is the fixture file's name without `.json` and the key of a
/// fixtures mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Images,
    Containers,
    Registries,
    Tags,
    Sensors,
    Reports,
    Policies,
    Controls,
    Events,
    K8sPostures,
    K8sClusters,
}

impl Resource {
    pub const ALL: [Resource; 11] = [
        Resource::Images,
        Resource::Containers,
        Resource::Registries,
        Resource::Tags,
        Resource::Sensors,
        Resource::Reports,
        Resource::Policies,
        Resource::Controls,
        Resource::Events,
        Resource::K8sPostures,
        Resource::K8sClusters,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Resource::Images => "images",
            Resource::Containers => "containers",
            Resource::Registries => "registries",
            Resource::Tags => "tags",
            Resource::Sensors => "sensors",
            Resource::Reports => "reports",
            Resource::Policies => "policies",
            Resource::Controls => "controls",
            Resource::Events => "events",
            Resource::K8sPostures => "k8s_postures",
            Resource::K8sClusters => "k8s_clusters",
        }
    }

    fn names() -> String {
        Resource::ALL.map(Resource::name).join(", ")
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Resource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Resource::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| format!("unknown resource '{s}' ({})", Resource::names()))
    }
}

/// Why a fixture could not be loaded: where (file or resource, record position) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// The file the record came from, when it came from one.
    pub file: Option<String>,
    pub resource: Option<Resource>,
    /// The record's position (from 0) in its file or list.
    pub index: Option<usize>,
    pub message: String,
}

impl FixtureError {
    fn new(message: impl Into<String>) -> FixtureError {
        FixtureError {
            file: None,
            resource: None,
            index: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.resource) {
            (Some(file), _) => write!(f, "{file}: ")?,
            (None, Some(r)) => write!(f, "{r}: ")?,
            _ => {}
        }
        if let Some(i) = self.index {
            write!(f, "record {i}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FixtureError {}

/// Records to load at start, per resource, in order. Build it in code, from a JSON mapping
/// (`{"images": [...], "registries": {"data": [...]}}`) or from a directory of JSON files.
///
/// ```
/// use qualys_cs_sim::{Fixtures, SimConfig};
/// use serde_json::json;
/// let cfg = SimConfig::default()
///     .generated(false)
///     .fixtures(Fixtures::new().images([json!({"sha": "a".repeat(64), "operatingSystem": "Alpine Linux 3.19"})]));
/// # let _ = cfg;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    records: BTreeMap<Resource, Vec<Value>>,
    files: BTreeMap<Resource, String>,
}

impl Fixtures {
    pub fn new() -> Fixtures {
        Fixtures::default()
    }

    /// Adds records of one resource (after those already added).
    pub fn with(mut self, resource: Resource, records: impl IntoIterator<Item = Value>) -> Self {
        self.records.entry(resource).or_default().extend(records);
        self
    }
    pub fn images(self, records: impl IntoIterator<Item = Value>) -> Self {
        self.with(Resource::Images, records)
    }
    pub fn containers(self, records: impl IntoIterator<Item = Value>) -> Self {
        self.with(Resource::Containers, records)
    }
    pub fn registries(self, records: impl IntoIterator<Item = Value>) -> Self {
        self.with(Resource::Registries, records)
    }
    pub fn tags(self, records: impl IntoIterator<Item = Value>) -> Self {
        self.with(Resource::Tags, records)
    }
    pub fn sensors(self, records: impl IntoIterator<Item = Value>) -> Self {
        self.with(Resource::Sensors, records)
    }

    /// The records of one resource, as given.
    pub fn records(&self, resource: Resource) -> &[Value] {
        self.records.get(&resource).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.records.values().all(Vec::is_empty)
    }

    /// From a mapping of resource name to records, each a list or a list answer (`{"data": [...]}`).
    pub fn from_value(v: &Value) -> Result<Fixtures, FixtureError> {
        let m = v.as_object().ok_or_else(|| {
            FixtureError::new(format!(
                "fixtures must be a mapping of resource name ({}) to records",
                Resource::names()
            ))
        })?;
        let mut f = Fixtures::new();
        for (k, v) in m {
            let r: Resource = k.parse().map_err(FixtureError::new)?;
            let list = records_of(v).map_err(|e| FixtureError {
                resource: Some(r),
                ..FixtureError::new(e)
            })?;
            f = f.with(r, list);
        }
        f.check()?;
        Ok(f)
    }

    /// Every `*.json` file of `dir`, its name naming the resource (`images.json`, ...), each
    /// shaped like a list answer (`{"data": [...]}`) or a bare list. Other files are ignored.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Fixtures, FixtureError> {
        let dir = dir.as_ref();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            FixtureError::new(format!(
                "cannot read fixtures directory {}: {e}",
                dir.display()
            ))
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut f = Fixtures::new();
        for p in paths {
            let file = p.display().to_string();
            let at = |message: String, resource| FixtureError {
                file: Some(file.clone()),
                resource,
                index: None,
                message,
            };
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let r: Resource = stem.parse().map_err(|e| at(e, None))?;
            let text = std::fs::read_to_string(&p)
                .map_err(|e| at(format!("cannot read: {e}"), Some(r)))?;
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| at(format!("not valid JSON: {e}"), Some(r)))?;
            let list = records_of(&v).map_err(|e| at(e, Some(r)))?;
            f.files.insert(r, file.clone());
            f = f.with(r, list);
        }
        f.check()?;
        Ok(f)
    }

    /// Every record passes the rules of its resource (the ids it lacks do not matter here).
    pub fn check(&self) -> Result<(), FixtureError> {
        let mut ids = Ids::new(0);
        for (&r, list) in &self.records {
            for (i, v) in list.iter().enumerate() {
                let res = match r {
                    Resource::Registries => registry(v, &mut ids).map(|_| ()),
                    _ => normalize(r, v, &mut ids).map(|_| ()),
                };
                res.map_err(|e| self.error(r, i, e))?;
            }
            let keys = unique_keys(r);
            for k in keys {
                let mut seen = BTreeMap::new();
                for (i, v) in list.iter().enumerate() {
                    if let Some(s) = v.get(*k).and_then(Value::as_str) {
                        let s = s.trim_start_matches("sha256:").to_ascii_lowercase();
                        if let Some(first) = seen.insert(s.clone(), i) {
                            return Err(self.error(
                                r,
                                i,
                                format!("{k} '{s}' is also the {k} of record {first}"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn error(&self, r: Resource, index: usize, message: String) -> FixtureError {
        FixtureError {
            file: self.files.get(&r).cloned(),
            resource: Some(r),
            index: Some(index),
            message,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (Resource, &[Value])> {
        Resource::ALL.into_iter().map(|r| (r, self.records(r)))
    }
}

/// Keys two records of one resource may not share.
pub(crate) fn unique_keys(r: Resource) -> &'static [&'static str] {
    match r {
        Resource::Images | Resource::Containers => &["sha", "uuid"],
        Resource::Registries => &["registryUuid", "registryUri"],
        Resource::Tags => &["name", "tagId"],
        Resource::Sensors | Resource::Events | Resource::Policies => &["uuid"],
        Resource::Reports => &["reportUuid"],
        Resource::Controls => &["id"],
        Resource::K8sPostures => &["controlId"],
        Resource::K8sClusters => &["clusterUid"],
    }
}

fn records_of(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => Ok(a.clone()),
            _ => Err("expected a list of records or a list answer ({\"data\": [...]})".into()),
        },
        _ => Err("expected a list of records or a list answer ({\"data\": [...]})".into()),
    }
}

/// Fresh ids for records that lack them (deterministic per seed and order).
pub(crate) struct Ids {
    x: u64,
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids {
            x: seed ^ 0xF1_C7_0E_5D,
        }
    }
    pub fn next(&mut self) -> u64 {
        self.x = crate::synth::splitmix(self.x);
        self.x
    }
    pub fn uuid(&mut self) -> String {
        uuid_from(self.next())
    }
    pub fn sha(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.next())).collect()
    }
}

// ------------------------------------------------------------------ field rules

type Obj = Map<String, Value>;

fn obj(v: &Value) -> Result<Obj, String> {
    v.as_object()
        .cloned()
        .ok_or_else(|| "must be a JSON object (an item of the list answer's data)".to_string())
}

fn sha_field(o: &mut Obj, key: &str, ids: &mut Ids) -> Result<String, String> {
    match o.get(key) {
        None | Some(Value::Null) => {
            let s = ids.sha();
            o.insert(key.into(), json!(s));
            Ok(s)
        }
        Some(Value::String(s)) => {
            let h = s.trim_start_matches("sha256:").to_ascii_lowercase();
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("{key} must be 64 hex digits (got '{s}')"));
            }
            o.insert(key.into(), json!(h));
            Ok(h)
        }
        Some(_) => Err(format!("{key} must be a string of 64 hex digits")),
    }
}

fn string_field(o: &mut Obj, key: &str, default: impl FnOnce() -> Value) -> Result<(), String> {
    match o.get(key) {
        None => {
            o.insert(key.into(), default());
            Ok(())
        }
        Some(Value::String(_)) | Some(Value::Null) => Ok(()),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

fn bool_field(o: &mut Obj, key: &str, default: bool) -> Result<(), String> {
    match o.get(key) {
        None => {
            o.insert(key.into(), json!(default));
            Ok(())
        }
        Some(Value::Bool(_)) => Ok(()),
        Some(_) => Err(format!("{key} must be true or false")),
    }
}

fn epoch(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Epoch-ms dates, as the API sends them: strings of digits (numbers are accepted).
fn date_field(o: &mut Obj, key: &str, default: Option<u64>) -> Result<(), String> {
    match o.get(key) {
        None => {
            o.insert(
                key.into(),
                default.map_or(Value::Null, |d| json!(d.to_string())),
            );
            Ok(())
        }
        Some(Value::Null) => Ok(()),
        Some(v) => match epoch(v) {
            Some(n) => {
                o.insert(key.into(), json!(n.to_string()));
                Ok(())
            }
            None => Err(format!(
                "{key} must be epoch milliseconds (a number or a string of digits)"
            )),
        },
    }
}

fn count_field(o: &mut Obj, key: &str, default: u64) -> Result<(), String> {
    match o.get(key) {
        None => {
            o.insert(key.into(), json!(default));
            Ok(())
        }
        Some(Value::Number(n)) if n.is_u64() => Ok(()),
        Some(_) => Err(format!("{key} must be a non-negative integer")),
    }
}

fn list_field(o: &mut Obj, key: &str, default: Value) -> Result<(), String> {
    match o.get(key) {
        None => {
            o.insert(key.into(), default);
            Ok(())
        }
        Some(Value::Array(_)) | Some(Value::Null) => Ok(()),
        Some(_) => Err(format!("{key} must be a list")),
    }
}

/// `vulnerabilities` of a list item: severity counts (missing counts are 0).
fn severity_counts(o: &mut Obj) -> Result<[u64; 5], String> {
    let mut c = [0u64; 5];
    let v = o.entry("vulnerabilities").or_insert_with(|| json!({}));
    let m = v.as_object_mut().ok_or(
        "vulnerabilities must be an object of severity counts (severity1Count ... severity5Count)",
    )?;
    for (k, slot) in c.iter_mut().enumerate() {
        let key = format!("severity{}Count", k + 1);
        match m.get(&key) {
            None => {
                m.insert(key, json!(0));
            }
            Some(Value::Null) => {}
            Some(Value::Number(n)) if n.is_u64() => *slot = n.as_u64().unwrap_or(0),
            Some(_) => {
                return Err(format!(
                    "vulnerabilities.{key} must be a non-negative integer or null"
                ));
            }
        }
    }
    Ok(c)
}

/// The checked, filled form of a record, as the simulator serves it.
pub(crate) fn normalize(r: Resource, v: &Value, ids: &mut Ids) -> Result<Value, String> {
    let mut o = obj(v)?;
    match r {
        Resource::Images => image(&mut o, ids)?,
        Resource::Containers => container(&mut o, ids)?,
        Resource::Tags => tag(&mut o)?,
        Resource::Sensors => sensor(&mut o, ids)?,
        Resource::Reports => report(&mut o, ids)?,
        Resource::Policies => policy(&mut o, ids)?,
        Resource::Controls => numbered(&mut o, "id")?,
        Resource::Events => event(&mut o, ids)?,
        Resource::K8sPostures => {
            numbered(&mut o, "controlId")?;
            string_field(&mut o, "posture", || json!("PASS"))?;
        }
        Resource::K8sClusters => {
            string_field(&mut o, "clusterUid", || json!(ids.uuid()))?;
            string_field(&mut o, "clusterName", || json!("fixture-cluster"))?;
        }
        // Stored as `Registry`; checked here so every resource has one entry point.
        Resource::Registries => {
            registry(v, ids)?;
        }
    }
    Ok(Value::Object(o))
}

const DEFAULT_CREATED: u64 = NOW_MS - 30 * 86_400_000;

fn image(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    let sha = sha_field(o, "sha", ids)?;
    string_field(o, "uuid", || json!(ids.uuid()))?;
    string_field(o, "imageId", || json!(sha[..12]))?;
    date_field(o, "created", Some(DEFAULT_CREATED))?;
    let created = o.get("created").and_then(epoch).unwrap_or(DEFAULT_CREATED);
    date_field(o, "updated", Some(created))?;
    let updated = o.get("updated").and_then(epoch).unwrap_or(created);
    date_field(o, "lastScanned", Some(updated))?;
    date_field(o, "lastUsedDate", None)?;
    date_field(o, "lastVmScanDate", None)?;
    list_field(o, "repo", json!([]))?;
    for (k, e) in o["repo"].as_array().into_iter().flatten().enumerate() {
        if !e.is_object() {
            return Err(format!(
                "repo[{k}] must be an object {{registry, repository, tag}}"
            ));
        }
    }
    list_field(o, "repoDigests", json!([]))?;
    count_field(o, "size", 0)?;
    let sev = severity_counts(o)?;
    count_field(o, "associatedContainersCount", 0)?;
    count_field(o, "associatedHostsCount", 0)?;
    list_field(o, "registryUuid", json!([]))?;
    if let Some(Value::String(s)) = o.get("source") {
        // One source given as a string: the API sends a list.
        let s = s.clone();
        o.insert("source".into(), json!([s]));
    }
    list_field(o, "source", json!(["GENERAL"]))?;
    string_field(o, "operatingSystem", || json!("Ubuntu Linux 22.04"))?;
    string_field(o, "architecture", || json!("amd64"))?;
    string_field(o, "author", || json!(""))?;
    string_field(o, "scanType", || json!("STATIC"))?;
    list_field(o, "scanTypes", json!(["STATIC"]))?;
    string_field(o, "scanStatus", || json!("SUCCESS"))?;
    string_field(o, "scanErrorCode", || Value::Null)?;
    bool_field(o, "isInstrumented", false)?;
    string_field(o, "instrumentedFrom", || Value::Null)?;
    string_field(o, "instrumentationState", || Value::Null)?;
    let official = o["repo"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|r| r["repository"].as_str())
        .is_some_and(|r| r.starts_with("library/"));
    bool_field(o, "isDockerHubOfficial", official)?;
    o.entry("lastFoundOnHost").or_insert(Value::Null);
    // Details keys (images.get), so one record answers both.
    list_field(o, "layers", json!([]))?;
    list_field(o, "host", json!([]))?;
    list_field(o, "label", json!([]))?;
    list_field(o, "users", json!([]))?;
    string_field(o, "dockerVersion", || json!("24.0.7"))?;
    o.entry("totalVulnCount")
        .or_insert(json!(sev.iter().sum::<u64>()));
    Ok(())
}

fn container(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    let sha = sha_field(o, "sha", ids)?;
    string_field(o, "uuid", || json!(ids.uuid()))?;
    string_field(o, "containerId", || json!(sha[..12]))?;
    string_field(o, "name", || json!(format!("fixture_{}", &sha[..8])))?;
    string_field(o, "state", || json!("RUNNING"))?;
    if let Some(Value::String(s)) = o.get("imageSha") {
        let h = s.trim_start_matches("sha256:").to_ascii_lowercase();
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("imageSha must be 64 hex digits (got '{s}')"));
        }
        o.insert("imageSha".into(), json!(h));
        o.entry("imageId").or_insert(json!(h[..12]));
    }
    string_field(o, "imageSha", || Value::Null)?;
    string_field(o, "imageId", || Value::Null)?;
    string_field(o, "imageUuid", || Value::Null)?;
    date_field(o, "created", Some(DEFAULT_CREATED))?;
    let created = o.get("created").and_then(epoch).unwrap_or(DEFAULT_CREATED);
    date_field(o, "updated", Some(created))?;
    let updated = o.get("updated").and_then(epoch).unwrap_or(created);
    date_field(o, "stateChanged", Some(updated))?;
    date_field(o, "lastScanned", Some(updated))?;
    date_field(o, "lastVmScanDate", None)?;
    match o.get("host") {
        None => {
            o.insert(
                "host".into(),
                json!({"sensorUuid": ids.uuid(), "hostname": "fixture-host", "ipAddress": "10.0.0.1"}),
            );
        }
        Some(Value::Object(_)) | Some(Value::Null) => {}
        Some(_) => return Err("host must be an object {sensorUuid, hostname, ipAddress}".into()),
    }
    severity_counts(o)?;
    bool_field(o, "isRoot", false)?;
    bool_field(o, "isInstrumented", false)?;
    bool_field(o, "privileged", false)?;
    o.entry("compliance")
        .or_insert(json!({"passCount": 0, "failCount": 0}));
    date_field(o, "lastComplianceScanned", None)?;
    Ok(())
}

fn tag(o: &mut Obj) -> Result<(), String> {
    match o.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err("name is required (a non-empty string)".into()),
    }
    match o.get("tagId") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.is_u64() => {}
        Some(_) => return Err("tagId must be a non-negative integer".into()),
    }
    for k in [
        "backgroundColor",
        "foregroundColor",
        "icon",
        "criticalityScore",
    ] {
        o.entry(k).or_insert(Value::Null);
    }
    list_field(o, "entityTagInfo", json!([]))?;
    Ok(())
}

fn sensor(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    string_field(o, "uuid", || json!(ids.uuid()))?;
    let x = ids.next();
    string_field(o, "sensorId", || {
        json!(format!("{:012x}", x & 0xffff_ffff_ffff))
    })?;
    string_field(o, "hostname", || {
        json!(format!("fixture-sensor-{:04x}", x & 0xffff))
    })?;
    string_field(o, "status", || json!("RUNNING"))?;
    string_field(o, "sensorType", || json!("GENERAL"))?;
    string_field(o, "sensorVersion", || json!("1.36.0"))?;
    string_field(o, "platform", || json!("Docker"))?;
    string_field(o, "ipv4", || json!("10.0.0.2"))?;
    date_field(o, "created", Some(DEFAULT_CREATED))?;
    date_field(o, "lastCheckedIn", Some(NOW_MS))?;
    Ok(())
}

fn report(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    string_field(o, "reportUuid", || json!(ids.uuid()))?;
    string_field(o, "reportName", || json!("fixture report"))?;
    string_field(o, "templateName", || json!("CS_IMAGE_VULNERABILITY"))?;
    string_field(o, "fileFormat", || json!("csv"))?;
    string_field(o, "status", || json!("COMPLETED"))?;
    string_field(o, "createdAt", || json!(crate::synth::iso(DEFAULT_CREATED)))?;
    count_field(o, "isScheduled", 0)?;
    Ok(())
}

fn policy(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    string_field(o, "uuid", || json!(ids.uuid()))?;
    match o.get("policyName") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err("policyName is required (a non-empty string)".into()),
    }
    match o.get("policyType").and_then(Value::as_str) {
        None if !o.contains_key("policyType") => {
            o.insert("policyType".into(), json!("CICD"));
        }
        Some("CICD" | "K8S_ADMISSION_CONTROLLER") => {}
        _ => return Err("policyType must be CICD or K8S_ADMISSION_CONTROLLER".into()),
    }
    string_field(o, "policyMode", || json!("ACTIVE"))?;
    date_field(o, "created", Some(DEFAULT_CREATED))?;
    let created = o.get("created").and_then(epoch).unwrap_or(DEFAULT_CREATED);
    date_field(o, "updated", Some(created))?;
    list_field(o, "centralizedPolicyRules", json!([]))?;
    list_field(o, "exclusionPolicyRules", json!([]))?;
    bool_field(o, "isDefault", false)?;
    o.entry("version").or_insert(json!(1));
    Ok(())
}

fn event(o: &mut Obj, ids: &mut Ids) -> Result<(), String> {
    string_field(o, "uuid", || json!(ids.uuid()))?;
    string_field(o, "eventType", || json!("fixture"))?;
    Ok(())
}

/// A record whose id is a number (controls, k8s postures). A missing one is left to `load`,
/// which numbers it after the ids already held.
fn numbered(o: &mut Obj, key: &str) -> Result<(), String> {
    match o.get(key) {
        None | Some(Value::Null) => {
            o.shift_remove(key);
            Ok(())
        }
        Some(Value::Number(n)) if n.is_u64() => Ok(()),
        Some(_) => Err(format!("{key} must be a non-negative integer")),
    }
}

/// A registry list item (`registries.list`'s shape) as the stored `Registry`. Keys the store has
/// no field for are kept in `extra` and returned as given.
pub(crate) fn registry(v: &Value, ids: &mut Ids) -> Result<Registry, String> {
    let mut o = obj(v)?;
    let s = |o: &Obj, k: &str| -> Result<Option<String>, String> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    let uuid = s(&o, "registryUuid")?.unwrap_or_else(|| ids.uuid());
    let uri = s(&o, "registryUri")?.ok_or("registryUri is required (a string)")?;
    let rtype = s(&o, "registryType")?.unwrap_or_else(|| "V2".into());
    let mut tmp = o.clone();
    date_field(&mut tmp, "created", Some(DEFAULT_CREATED))?;
    let created = tmp
        .get("created")
        .and_then(epoch)
        .unwrap_or(DEFAULT_CREATED);
    date_field(&mut tmp, "updated", Some(created))?;
    date_field(&mut tmp, "lastScanned", None)?;
    let updated = tmp.get("updated").and_then(epoch).unwrap_or(created);
    let last_scanned = tmp.get("lastScanned").and_then(epoch);
    let repos = match o.get("repositories").or_else(|| o.get("repos")) {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err("repositories must be a list".into()),
    };
    for (k, r) in repos.iter().enumerate() {
        if !r["repoName"].is_string() {
            return Err(format!(
                "repositories[{k}] must be an object with a repoName (and totalImages, totalScannedImages, totalVulnerableImages)"
            ));
        }
    }
    // A credential is served as the API does (the user name only): a password never leaves.
    let username = match o.get("credential") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => match c.get("username") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) => Some(u.clone()),
            Some(_) => return Err("credential.username must be a string".into()),
        },
        Some(_) => return Err("credential must be an object {username, password}".into()),
    };
    let credential_type = s(&o, "credentialType")?.unwrap_or_else(|| "None".into());
    let docker_hub_org = s(&o, "dockerHubOrg")?;
    let provider_type = s(&o, "providerType")?;
    let aws = match (o.get("awsAccountId"), o.get("awsRegion")) {
        (None | Some(Value::Null), None | Some(Value::Null)) => Value::Null,
        (a, r) => {
            json!({"accountId": a.cloned().unwrap_or(Value::Null), "arn": null, "region": r.cloned().unwrap_or(Value::Null)})
        }
    };
    // What the store has a field for is served from that field (so updates show).
    for k in [
        "registryUuid",
        "registryUri",
        "registryType",
        "created",
        "updated",
        "lastScanned",
        "credentialType",
        "dockerHubOrg",
        "providerType",
        "awsAccountId",
        "awsRegion",
        "repositories",
        "repos",
        "credential",
    ] {
        o.shift_remove(k);
    }
    Ok(Registry {
        uuid,
        uri,
        rtype,
        credential_type,
        created,
        updated,
        last_scanned,
        docker_hub_org,
        provider_type,
        aws,
        username,
        repos,
        schedules: vec![],
        extra: o,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_record_and_the_rule() {
        let f = Fixtures::new().images([json!({"sha": "abc"})]);
        let e = f.check().unwrap_err();
        assert_eq!(
            e.to_string(),
            "images: record 0: sha must be 64 hex digits (got 'abc')"
        );
        let e =
            Fixtures::from_value(&json!({"images": [{}, {"created": "yesterday"}]})).unwrap_err();
        assert_eq!(e.index, Some(1));
        assert!(
            e.message.contains("created must be epoch milliseconds"),
            "{e}"
        );
        let e = Fixtures::from_value(&json!({"pods": []})).unwrap_err();
        assert!(e.message.contains("unknown resource 'pods'"), "{e}");
        let s = "b".repeat(64);
        let e = Fixtures::new()
            .images([json!({"sha": s}), json!({"sha": s})])
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("record 1: sha"), "{e}");
        let e = Fixtures::new()
            .tags([json!({"tagId": 3})])
            .check()
            .unwrap_err();
        assert!(e.message.contains("name is required"), "{e}");
        let e = Fixtures::new().registries([json!({})]).check().unwrap_err();
        assert!(e.message.contains("registryUri is required"), "{e}");
        let e = Fixtures::new()
            .registries([json!({"registryUri": "https://r", "repositories": [{"name": "x"}]})])
            .check()
            .unwrap_err();
        assert!(
            e.message
                .contains("repositories[0] must be an object with a repoName"),
            "{e}"
        );
    }

    #[test]
    fn missing_fields_are_filled_and_unknown_ones_kept() {
        let mut ids = Ids::new(1);
        let v = normalize(
            Resource::Images,
            &json!({"created": 1_700_000_000_000u64, "myLabel": {"x": 1}}),
            &mut ids,
        )
        .unwrap();
        let sha = v["sha"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
        assert_eq!(v["imageId"], sha[..12]);
        assert_eq!(v["created"], "1700000000000");
        assert_eq!(v["updated"], "1700000000000");
        assert_eq!(v["vulnerabilities"]["severity5Count"], 0);
        assert_eq!(v["myLabel"], json!({"x": 1}));
        assert!(v["uuid"].as_str().unwrap().contains('-'));
    }

    #[test]
    fn a_registry_credential_keeps_its_user_name_and_drops_the_password() {
        let r = registry(
            &json!({"registryUri": "https://r", "credential": {"username": "ci", "password": "s3cret"}, "team": "a"}),
            &mut Ids::new(1),
        )
        .unwrap();
        assert_eq!(r.username.as_deref(), Some("ci"));
        assert!(!r.extra.contains_key("credential"));
        assert_eq!(r.extra["team"], "a");
        assert!(
            !crate::collections::registry_details(&r, &[])
                .to_string()
                .contains("s3cret")
        );
    }
}
