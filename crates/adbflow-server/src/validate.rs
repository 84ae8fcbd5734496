//! Request validation: what the Clusters API rejects with `INVALID_PARAMETER_VALUE` (§6.2, §6.5).

use crate::error::ApiError;
use adbflow_databricks::simulate::libraries::{file_flow, LibrarySource};
use adbflow_databricks::simulate::ClusterEdit;
use serde_json::{Map, Value};

/// The parts of a create request the simulation uses.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRequest {
    pub cluster_name: String,
    pub num_workers: u32,
    pub node_type_id: String,
    pub autotermination_minutes: u32,
}

/// Largest cluster the emulator accepts; beyond it a request is surely a typo.
pub const MAX_WORKERS: u64 = 100_000;

pub fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid("Request body must be a JSON object")),
        Err(e) => Err(ApiError::invalid(format!("Malformed request body: {e}"))),
    }
}

pub fn string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => {
            Err(ApiError::invalid(format!("Invalid value for field '{field}': expected a string, got {v}")))
        }
    }
}

pub fn required_string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match string(body, field)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ApiError::invalid(format!("Missing required field: {field}"))),
    }
}

pub fn integer(body: &Map<String, Value>, field: &str, min: u64, max: u64) -> Result<Option<u64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
            _ => Err(ApiError::invalid(format!(
                "Invalid value for field '{field}': {n} is not in {min}..{max}"
            ))),
        },
        Some(v) => {
            Err(ApiError::invalid(format!("Invalid value for field '{field}': expected an integer, got {v}")))
        }
    }
}

pub fn create(body: &Map<String, Value>) -> Result<CreateRequest, ApiError> {
    required_string(body, "spark_version")?;
    let node_type_id = required_string(body, "node_type_id")?.to_string();
    if let Some(pool) = string(body, "instance_pool_id")? {
        return Err(ApiError::invalid(format!("instance_pool_id {pool}: instance pools are not emulated")));
    }
    let cluster_name = string(body, "cluster_name")?.unwrap_or_default().to_string();
    let num_workers = integer(body, "num_workers", 0, MAX_WORKERS)?;
    let autoscale = match body.get("autoscale") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => {
            let min = integer(a, "min_workers", 0, MAX_WORKERS)?;
            let max = integer(a, "max_workers", 1, MAX_WORKERS)?;
            match (min, max) {
                (Some(lo), Some(hi)) if lo <= hi => Some(lo),
                _ => {
                    return Err(ApiError::invalid(
                        "autoscale needs min_workers and max_workers with min_workers <= max_workers",
                    ))
                }
            }
        }
        Some(v) => return Err(ApiError::invalid(format!("Invalid value for field 'autoscale': {v}"))),
    };
    if num_workers.is_some() && autoscale.is_some() {
        return Err(ApiError::invalid("Give either num_workers or autoscale, not both"));
    }
    // An autoscaling cluster launches with its minimum.
    let num_workers = num_workers.or(autoscale).unwrap_or(0) as u32;
    let autotermination_minutes = integer(body, "autotermination_minutes", 0, 10_000)?.unwrap_or(0) as u32;
    if (1..10).contains(&autotermination_minutes) {
        return Err(ApiError::invalid(format!(
            "Invalid value for field 'autotermination_minutes': {autotermination_minutes}; it must be 0 (disabled) or between 10 and 10000"
        )));
    }
    Ok(CreateRequest { cluster_name, num_workers, node_type_id, autotermination_minutes })
}

/// A `clusters/edit` request: the full new specification, validated like a create
/// (`cluster_id`, `spark_version` and `node_type_id` are required, as the API requires them).
pub fn edit(body: &Map<String, Value>) -> Result<ClusterEdit, ApiError> {
    required_string(body, "cluster_id")?;
    let req = create(body)?;
    Ok(ClusterEdit {
        cluster_name: Some(req.cluster_name),
        num_workers: Some(req.num_workers),
        node_type_id: Some(req.node_type_id),
        autotermination_minutes: Some(req.autotermination_minutes),
    })
}

/// One `Library` object of `libraries/install` or `uninstall`: exactly one of `pypi`, `maven`,
/// `cran`, `jar`, `whl`, `egg`, `requirements`.
pub fn library(v: &Value) -> Result<LibrarySource, ApiError> {
    let Value::Object(m) = v else {
        return Err(ApiError::invalid(format!("Invalid value for field 'libraries': {v} is not an object")));
    };
    let kinds: Vec<&String> = m.keys().collect();
    if kinds.len() != 1 {
        return Err(ApiError::invalid(format!(
            "A library must have exactly one of pypi, maven, cran, jar, whl, egg, requirements; got {}",
            Value::Object(m.clone())
        )));
    }
    let kind = kinds[0].as_str();
    let value = &m[kind];
    let nested = |field: &str| -> Result<(String, Option<String>), ApiError> {
        let Value::Object(o) = value else {
            return Err(ApiError::invalid(format!("Invalid value for field '{kind}': expected an object")));
        };
        let name = required_string(o, field)?.to_string();
        let repo = string(o, "repo")?.map(str::to_string);
        Ok((name, repo))
    };
    match kind {
        "pypi" => nested("package").map(|(package, repo)| LibrarySource::Pypi { package, repo }),
        "maven" => {
            nested("coordinates").map(|(coordinates, repo)| LibrarySource::Maven { coordinates, repo })
        }
        "cran" => nested("package").map(|(package, repo)| LibrarySource::Cran { package, repo }),
        "jar" | "whl" | "egg" | "requirements" => {
            let kind: &'static str = match kind {
                "jar" => "jar",
                "whl" => "whl",
                "egg" => "egg",
                _ => "requirements",
            };
            let path = match value {
                Value::String(p) if !p.trim().is_empty() => p.clone(),
                other => {
                    return Err(ApiError::invalid(format!(
                        "Invalid value for field '{kind}': expected a path, got {other}"
                    )))
                }
            };
            if file_flow(&path).is_none() {
                return Err(ApiError::invalid(format!(
                    "Invalid value for field '{kind}': {path} is not a dbfs:/, /Volumes/, /Workspace/ or abfss:// path"
                )));
            }
            Ok(LibrarySource::File { kind, path })
        }
        other => Err(ApiError::invalid(format!("Unknown library type '{other}'"))),
    }
}

/// `libraries/install` and `uninstall`: `cluster_id` and a non-empty `libraries` list, each
/// library with the object as sent (the status answer echoes it).
pub fn libraries(body: &Map<String, Value>) -> Result<(String, Vec<(Value, LibrarySource)>), ApiError> {
    let id = required_string(body, "cluster_id")?.to_string();
    let list = match body.get("libraries") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(ApiError::invalid("Missing required field: libraries"))
        }
        Some(v) => return Err(ApiError::invalid(format!("Invalid value for field 'libraries': {v}"))),
    };
    let libs = list.iter().map(|v| library(v).map(|src| (v.clone(), src))).collect::<Result<_, _>>()?;
    Ok((id, libs))
}

/// A `clusters/resize` request: `num_workers` (or `autoscale`, whose minimum the emulator uses).
pub fn resize(body: &Map<String, Value>) -> Result<u32, ApiError> {
    required_string(body, "cluster_id")?;
    match integer(body, "num_workers", 0, MAX_WORKERS)? {
        Some(n) => Ok(n as u32),
        None => Err(ApiError::invalid("Missing required field: num_workers")),
    }
}

/// Event types the Clusters API defines (§6.5); a filter naming anything else is a client error.
pub const EVENT_TYPES: &[&str] = &[
    "ADD_NODES_FAILED",
    "AUTOMATIC_CLUSTER_UPDATE",
    "AUTOSCALING_BACKOFF",
    "AUTOSCALING_FAILED",
    "AUTOSCALING_STATS_REPORT",
    "CLUSTER_MIGRATED",
    "CREATING",
    "DBFS_DOWN",
    "DECOMMISSION_ENDED",
    "DECOMMISSION_STARTED",
    "DEFERRED_POLICY_ENFORCEMENT_FAILED",
    "DEFERRED_POLICY_ENFORCEMENT_SCHEDULED",
    "DID_NOT_EXPAND_DISK",
    "DRIVER_HEALTHY",
    "DRIVER_NOT_RESPONDING",
    "DRIVER_UNAVAILABLE",
    "EDITED",
    "EXPANDED_DISK",
    "FAILED_TO_EXPAND_DISK",
    "INIT_SCRIPTS_FINISHED",
    "INIT_SCRIPTS_STARTED",
    "METASTORE_DOWN",
    "NODES_LOST",
    "NODE_BLACKLISTED",
    "NODE_EXCLUDED_DECOMMISSIONED",
    "PINNED",
    "RESIZING",
    "RESTARTING",
    "RUNNING",
    "SPARK_EXCEPTION",
    "STARTING",
    "TERMINATING",
    "UC_VOLUME_MISCONFIGURED",
    "UNPINNED",
    "UPSIZE_COMPLETED",
];

/// A `clusters/events` request.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsRequest {
    pub cluster_id: String,
    pub start_time: Option<u64>,
    pub end_time: Option<u64>,
    pub event_types: Vec<String>,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

pub fn events(body: &Map<String, Value>) -> Result<EventsRequest, ApiError> {
    let cluster_id = required_string(body, "cluster_id")?.to_string();
    let start_time = integer(body, "start_time", 0, u64::MAX)?;
    let end_time = integer(body, "end_time", 0, u64::MAX)?;
    let event_types = match body.get("event_types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v.as_str() {
                Some(s) if EVENT_TYPES.contains(&s) => Ok(s.to_string()),
                _ => Err(ApiError::invalid(format!(
                    "Invalid value for field 'event_types': unknown event type {v}"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(v) => return Err(ApiError::invalid(format!("Invalid value for field 'event_types': {v}"))),
    };
    let descending = match string(body, "order")? {
        None | Some("DESC") => true,
        Some("ASC") => false,
        Some(o) => {
            return Err(ApiError::invalid(format!("Invalid value for field 'order': {o} (ASC or DESC)")))
        }
    };
    let token_offset = match string(body, "page_token")? {
        None | Some("") => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| ApiError::invalid(format!("Invalid page_token {t}")))?),
    };
    let offset = token_offset.or(integer(body, "offset", 0, u64::MAX)?).unwrap_or(0);
    let limit = integer(body, "page_size", 1, 500)?.or(integer(body, "limit", 1, 500)?).unwrap_or(50);
    Ok(EventsRequest { cluster_id, start_time, end_time, event_types, descending, offset, limit })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn create_needs_spark_version_and_node_type() {
        let e = create(&obj(json!({"node_type_id": "Standard_DS3_v2"}))).unwrap_err();
        assert_eq!(
            (e.error_code, e.message.as_str()),
            ("INVALID_PARAMETER_VALUE", "Missing required field: spark_version")
        );
        let e = create(&obj(json!({"spark_version": "15.4.x-scala2.12"}))).unwrap_err();
        assert!(e.message.contains("node_type_id"), "{e:?}");
    }

    #[test]
    fn autoscale_launches_with_its_minimum_and_rejects_inverted_bounds() {
        let base = json!({"spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2"});
        let mut ok = obj(base.clone());
        ok.insert("autoscale".into(), json!({"min_workers": 2, "max_workers": 8}));
        assert_eq!(create(&ok).unwrap().num_workers, 2);
        let mut bad = obj(base);
        bad.insert("autoscale".into(), json!({"min_workers": 9, "max_workers": 8}));
        assert_eq!(create(&bad).unwrap_err().error_code, "INVALID_PARAMETER_VALUE");
    }

    #[test]
    fn autotermination_below_ten_minutes_is_rejected_but_zero_disables() {
        let mut b = obj(json!({"spark_version": "v", "node_type_id": "n", "autotermination_minutes": 5}));
        assert!(create(&b).is_err());
        b.insert("autotermination_minutes".into(), json!(0));
        assert_eq!(create(&b).unwrap().autotermination_minutes, 0);
    }

    #[test]
    fn libraries_need_exactly_one_known_source_and_a_library_location() {
        let ok = obj(
            json!({"cluster_id": "c", "libraries": [{"pypi": {"package": "simplejson"}}, {"jar": "dbfs:/a.jar"}]}),
        );
        let (_, libs) = libraries(&ok).unwrap();
        assert_eq!(libs[0].1, LibrarySource::Pypi { package: "simplejson".into(), repo: None });
        for bad in [
            json!({"cluster_id": "c", "libraries": []}),
            json!({"cluster_id": "c", "libraries": [{"pypi": {"package": "a"}, "jar": "dbfs:/a.jar"}]}),
            json!({"cluster_id": "c", "libraries": [{"npm": {"package": "a"}}]}),
            json!({"cluster_id": "c", "libraries": [{"jar": "s3://bucket/a.jar"}]}),
            json!({"cluster_id": "c", "libraries": [{"pypi": {"repo": "https://mirror"}}]}),
            json!({"libraries": [{"pypi": {"package": "a"}}]}),
        ] {
            let e = libraries(&obj(bad.clone())).unwrap_err();
            assert_eq!(e.error_code, "INVALID_PARAMETER_VALUE", "{bad}");
        }
    }

    #[test]
    fn edit_needs_the_cluster_and_a_full_specification() {
        assert!(edit(&obj(json!({"spark_version": "v", "node_type_id": "n"}))).is_err());
        assert!(edit(&obj(json!({"cluster_id": "c", "num_workers": 3}))).is_err());
        let e = edit(&obj(
            json!({"cluster_id": "c", "spark_version": "v", "node_type_id": "n", "num_workers": 3}),
        ));
        assert_eq!(e.unwrap().num_workers, Some(3));
    }

    #[test]
    fn events_reject_unknown_types_and_orders() {
        assert!(events(&obj(json!({"cluster_id": "x", "event_types": ["BOOTING"]}))).is_err());
        assert!(events(&obj(json!({"cluster_id": "x", "order": "UP"}))).is_err());
        let r = events(&obj(json!({"cluster_id": "x", "order": "ASC", "page_token": "50"}))).unwrap();
        assert_eq!((r.descending, r.offset, r.limit), (false, 50, 50));
    }
}
