//! The route table and its handlers. Every route exists under `/api/2.0/` and `/api/2.1/`; the
//! table is public so tests can walk it (every route must refuse a request without a token).

use crate::catalog;
use crate::error::ApiError;
use crate::validate;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, post, MethodRouter};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const API_VERSIONS: &[&str] = &["2.0", "2.1"];

type ApiResult = Result<Json<Value>, ApiError>;

/// `(method, path after /api/<version>/, handler)`.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "clusters/create", post(create)),
        (Method::POST, "clusters/edit", post(|s, b| command(s, b, "edit"))),
        (Method::POST, "clusters/start", post(|s, b| command(s, b, "start"))),
        (Method::POST, "clusters/restart", post(|s, b| command(s, b, "restart"))),
        (Method::POST, "clusters/resize", post(|s, b| command(s, b, "resize"))),
        (Method::POST, "clusters/delete", post(|s, b| command(s, b, "delete"))),
        (Method::POST, "clusters/permanent-delete", post(|s, b| command(s, b, "permanent-delete"))),
        (Method::POST, "clusters/pin", post(|s, b| command(s, b, "pin"))),
        (Method::POST, "clusters/unpin", post(|s, b| command(s, b, "unpin"))),
        (Method::GET, "clusters/get", get(get_cluster)),
        (Method::GET, "clusters/list", get(list)),
        (Method::POST, "clusters/events", post(events)),
        (Method::GET, "clusters/list-node-types", get(|| fixed(catalog::builtin().node_types()))),
        (Method::GET, "clusters/spark-versions", get(|| fixed(catalog::builtin().spark_versions()))),
        (Method::GET, "clusters/list-zones", get(|| fixed(catalog::builtin().zones()))),
        (Method::POST, "libraries/install", post(|s, b| command(s, b, "libraries-install"))),
        (Method::POST, "libraries/uninstall", post(|s, b| command(s, b, "libraries-uninstall"))),
        (Method::GET, "libraries/cluster-status", get(cluster_status)),
        (Method::GET, "libraries/all-cluster-statuses", get(all_cluster_statuses)),
    ]
}

/// Every authenticated route: `(method, full path)`.
pub fn routes() -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for v in API_VERSIONS {
        for (m, p, _) in table() {
            out.push((m, format!("/api/{v}/{p}")));
        }
    }
    out
}

pub fn router() -> axum::Router<AppState> {
    let mut r = axum::Router::new();
    for v in API_VERSIONS {
        for (_, p, handler) in table() {
            r = r.route(&format!("/api/{v}/{p}"), handler);
        }
    }
    r
}

/// The body as a JSON object; an oversized body is 413, anything unreadable a 400.
fn body(state: &AppState, bytes: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, ApiError> {
    match bytes {
        Ok(b) => validate::object(&b),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::too_large(state.body_limit)),
        Err(r) => Err(ApiError::invalid(r.body_text())),
    }
}

async fn fixed(v: Value) -> ApiResult {
    Ok(Json(v))
}

async fn create(State(s): State<AppState>, b: Result<Bytes, BytesRejection>) -> ApiResult {
    let body = body(&s, b)?;
    let id =
        s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.command("create", body)?;
    tracing::info!(cluster_id = %id, "cluster created");
    Ok(Json(json!({ "cluster_id": id })))
}

/// A state-changing request other than create: its answer is `{}`.
async fn command(
    State(s): State<AppState>,
    b: Result<Bytes, BytesRejection>,
    kind: &'static str,
) -> ApiResult {
    let body = body(&s, b)?;
    let id = s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.command(kind, body)?;
    tracing::info!(cluster_id = %id, command = kind, "accepted");
    Ok(Json(json!({})))
}

type QueryPairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

/// The query's parameters; a repeated one keeps every value (`filter_by.cluster_states=A&…=B`).
fn query(q: QueryPairs) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let Query(pairs) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        out.entry(k).or_default().push(v);
    }
    Ok(out)
}

/// Query parameters a route does not know are refused rather than dropped.
fn only(q: &BTreeMap<String, Vec<String>>, known: &[&str]) -> Result<(), ApiError> {
    match q.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(format!("Unknown query parameter '{k}'"))),
        None => Ok(()),
    }
}

/// The single value of a parameter (the last one when repeated).
fn one<'a>(q: &'a BTreeMap<String, Vec<String>>, key: &str) -> Option<&'a str> {
    q.get(key).and_then(|v| v.last()).map(String::as_str)
}

fn required_cluster_id(q: &BTreeMap<String, Vec<String>>) -> Result<String, ApiError> {
    one(q, "cluster_id")
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid("Missing required field: cluster_id"))
}

async fn get_cluster(State(s): State<AppState>, q: QueryPairs) -> ApiResult {
    let q = query(q)?;
    only(&q, &["cluster_id"])?;
    let id = required_cluster_id(&q)?;
    Ok(Json(s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.get(&id)?))
}

async fn cluster_status(State(s): State<AppState>, q: QueryPairs) -> ApiResult {
    let q = query(q)?;
    only(&q, &["cluster_id"])?;
    let id = required_cluster_id(&q)?;
    Ok(Json(s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.library_statuses(&id)?))
}

async fn all_cluster_statuses(State(s): State<AppState>, q: QueryPairs) -> ApiResult {
    only(&query(q)?, &[])?;
    Ok(Json(
        s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.all_library_statuses()?,
    ))
}

/// `filter_by.*` and `sort_by.*` of `clusters/list`, as the SDK flattens them into the query.
fn list_filter(q: &BTreeMap<String, Vec<String>>) -> Result<impl Fn(&Value, bool) -> bool, ApiError> {
    let states: Vec<String> = q.get("filter_by.cluster_states").cloned().unwrap_or_default();
    for st in &states {
        if !["PENDING", "RUNNING", "RESTARTING", "RESIZING", "TERMINATING", "TERMINATED", "ERROR", "UNKNOWN"]
            .contains(&st.as_str())
        {
            return Err(ApiError::invalid(format!("Invalid value for filter_by.cluster_states: {st}")));
        }
    }
    let sources: Vec<String> = q.get("filter_by.cluster_sources").cloned().unwrap_or_default();
    let pinned = match one(q, "filter_by.is_pinned") {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        Some(v) => return Err(ApiError::invalid(format!("Invalid value for filter_by.is_pinned: {v}"))),
    };
    let policy = one(q, "filter_by.policy_id").map(str::to_string);
    Ok(move |c: &Value, is_pinned: bool| {
        let field = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        (states.is_empty() || states.contains(&field("state")))
            && (sources.is_empty() || sources.contains(&field("cluster_source")))
            && pinned.is_none_or(|p| p == is_pinned)
            && policy.as_ref().is_none_or(|p| *p == field("policy_id"))
    })
}

async fn list(State(s): State<AppState>, q: QueryPairs) -> ApiResult {
    let q = query(q)?;
    only(
        &q,
        &[
            "page_size",
            "page_token",
            "filter_by.cluster_states",
            "filter_by.cluster_sources",
            "filter_by.is_pinned",
            "filter_by.policy_id",
            "sort_by.field",
            "sort_by.direction",
        ],
    )?;
    let keep = list_filter(&q)?;
    let by_name = match one(&q, "sort_by.field") {
        None | Some("DEFAULT") => false,
        Some("CLUSTER_NAME") => true,
        Some(f) => return Err(ApiError::invalid(format!("Invalid value for sort_by.field: {f}"))),
    };
    let ascending = match one(&q, "sort_by.direction") {
        None => by_name,
        Some("ASC") => true,
        Some("DESC") => false,
        Some(d) => return Err(ApiError::invalid(format!("Invalid value for sort_by.direction: {d}"))),
    };
    let page_size = match one(&q, "page_size") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => return Err(ApiError::invalid(format!("Invalid page_size {v}: 1..100"))),
        },
    };
    let offset = match one(&q, "page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| ApiError::invalid(format!("Invalid page_token {t}")))?,
    };
    let mut all: Vec<Value> = s
        .emulator
        .lock()
        .map_err(|_| ApiError::internal("state lock poisoned"))?
        .list()
        .into_iter()
        .filter(|(c, pinned)| keep(c, *pinned))
        .map(|(c, _)| c)
        .collect();
    // Default order: newest first. By name: stable, so equal names keep that order.
    if by_name {
        let name = |c: &Value| c["cluster_name"].as_str().unwrap_or_default().to_lowercase();
        all.sort_by_key(name);
    }
    if ascending != by_name {
        all.reverse();
    }
    let end = page_size.map_or(all.len(), |n| (offset + n).min(all.len()));
    let page: Vec<Value> = all.get(offset.min(all.len())..end).unwrap_or_default().to_vec();
    let mut out = Map::new();
    out.insert("clusters".into(), Value::Array(page));
    if end < all.len() {
        out.insert("next_page_token".into(), json!(end.to_string()));
    }
    if offset > 0 {
        out.insert(
            "prev_page_token".into(),
            json!(offset.saturating_sub(page_size.unwrap_or(0)).to_string()),
        );
    }
    Ok(Json(Value::Object(out)))
}

async fn events(State(s): State<AppState>, b: Result<Bytes, BytesRejection>) -> ApiResult {
    let req = validate::events(&body(&s, b)?)?;
    let all =
        s.emulator.lock().map_err(|_| ApiError::internal("state lock poisoned"))?.events(&req.cluster_id)?;
    let mut matching: Vec<Value> = Vec::new();
    for e in &all {
        let in_window = !matches!(req.start_time, Some(t) if e.timestamp < t)
            && !matches!(req.end_time, Some(t) if e.timestamp > t);
        let wanted = req.event_types.is_empty() || req.event_types.iter().any(|t| t == e.kind.as_str());
        if in_window && wanted {
            matching.push(serde_json::to_value(e).map_err(|e| ApiError::internal(e.to_string()))?);
        }
    }
    if req.descending {
        matching.reverse();
    }
    let total = matching.len() as u64;
    let start = req.offset.min(total) as usize;
    let end = (req.offset + req.limit).min(total) as usize;
    let mut out = Map::new();
    out.insert("events".into(), Value::Array(matching[start..end].to_vec()));
    out.insert("total_count".into(), json!(total));
    if (end as u64) < total {
        // `next_page` is the request for the next page, as the API returns it (the SDK posts it back).
        let mut next = Map::new();
        next.insert("cluster_id".into(), json!(req.cluster_id));
        if let Some(t) = req.start_time {
            next.insert("start_time".into(), json!(t));
        }
        if let Some(t) = req.end_time {
            next.insert("end_time".into(), json!(t));
        }
        if !req.event_types.is_empty() {
            next.insert("event_types".into(), json!(req.event_types));
        }
        next.insert("order".into(), json!(if req.descending { "DESC" } else { "ASC" }));
        next.insert("offset".into(), json!(end));
        next.insert("limit".into(), json!(req.limit));
        out.insert("next_page".into(), Value::Object(next));
        out.insert("next_page_token".into(), json!(end.to_string()));
    }
    Ok(Json(Value::Object(out)))
}
