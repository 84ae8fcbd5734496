//! The emulator over real HTTP: auth on every route, the lifecycle on the reference patterns, API
//! error bodies, events pagination.

mod common;

use adbflow_server::api::routes;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

// Every endpoint but the health check needs a valid bearer token (issue 8 acceptance).
#[tokio::test]
async fn every_route_refuses_missing_and_wrong_tokens_with_401_in_the_api_error_shape() {
    let s = start(pattern("non-pl"), 1.0).await;
    let table = routes();
    assert!(table.len() >= 10, "both API versions of each route: {table:?}");
    for (method, path) in table {
        for token in [None, Some("dapi-wrong")] {
            let mut req = s.client.request(method.clone(), format!("{}{path}", s.base)).json(&json!({}));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status().as_u16(), 401, "{method} {path} with {token:?}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error_code"], "UNAUTHENTICATED", "{method} {path}");
            assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        }
    }
    let health = s.client.get(format!("{}/health", s.base)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

// The route table is what the router serves: with a token no route is "not found".
#[tokio::test]
async fn every_route_in_the_table_is_served() {
    let s = start(pattern("non-pl"), 1.0).await;
    for (method, path) in routes() {
        let r = s
            .client
            .request(method.clone(), format!("{}{path}", s.base))
            .bearer_auth(TOKEN)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_ne!(body["error_code"], "ENDPOINT_NOT_FOUND", "{method} {path}");
        assert!(status == 200 || status == 400, "{method} {path}: {status} {body}");
    }
    let r = s
        .client
        .request(Method::GET, format!("{}/api/2.1/clusters/nope", s.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error_code"], "ENDPOINT_NOT_FOUND");
}

// databricks-net-facts §6.4: a launch on a healthy network is PENDING then RUNNING; delete ends in
// TERMINATED with USER_REQUEST (type SUCCESS, §6.6).
#[tokio::test]
async fn non_pl_cluster_reaches_running_and_delete_terminates_it() {
    let s = start(pattern("non-pl"), 2000.0).await;
    let id = s.create(2).await;
    let re = regex_like_cluster_id(&id);
    assert!(re, "cluster ID {id} is MMDD-HHMMSS-xxxxxxxx");
    let (_, first) = s.get(&format!("/api/2.0/clusters/get?cluster_id={id}")).await;
    assert!(["PENDING", "RUNNING"].contains(&first["state"].as_str().unwrap()), "{first}");
    let c = s.wait_for(&id, &["RUNNING", "TERMINATED"]).await;
    assert_eq!(c["state"], "RUNNING", "{c}");
    assert_eq!(c["num_workers"], 2);
    assert_eq!(c["spark_version"], "15.4.x-scala2.12", "the request's fields are echoed");
    assert!(c.get("termination_reason").is_none(), "{c}");

    let (_, list) = s.get("/api/2.1/clusters/list").await;
    let ids: Vec<&str> =
        list["clusters"].as_array().unwrap().iter().map(|c| c["cluster_id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id.as_str()]);

    let (status, body) = s.post("/api/2.1/clusters/delete", json!({"cluster_id": id})).await;
    assert_eq!((status, body), (200, json!({})));
    let c = s.wait_for(&id, &["TERMINATED"]).await;
    assert_eq!(c["termination_reason"]["code"], "USER_REQUEST", "{c}");
    assert_eq!(c["termination_reason"]["type"], "SUCCESS", "{c}");
    assert!(c["terminated_time"].as_u64().unwrap() >= c["start_time"].as_u64().unwrap());

    let (_, ev) = s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC"})).await;
    let kinds: Vec<&str> =
        ev["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"CREATING"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"TERMINATING"), "{kinds:?}");
    let running = kinds.iter().position(|k| *k == "RUNNING").expect("a RUNNING event");
    assert!(running > 0 && running < kinds.len() - 1, "{kinds:?}");
}

fn regex_like_cluster_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 6
        && parts[0].chars().chain(parts[1].chars()).all(|c| c.is_ascii_digit())
        && parts[2].len() == 8
        && parts[2].chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

// databricks-net-facts §3b and §6.6: behind a hub firewall without the relay rule the launch ends
// PENDING → TERMINATING → TERMINATED with NPIP_TUNNEL_SETUP_FAILURE.
#[tokio::test]
async fn hub_spoke_without_relay_rule_terminates_with_the_tunnel_failure() {
    let s = start(hub_spoke_without_relay_rule(), 5000.0).await;
    let id = s.create(2).await;
    let c = s.wait_for(&id, &["RUNNING", "TERMINATED"]).await;
    assert_eq!(c["state"], "TERMINATED", "{c}");
    assert_eq!(c["termination_reason"]["code"], "NPIP_TUNNEL_SETUP_FAILURE", "{c}");
    assert_eq!(c["termination_reason"]["type"], "CLIENT_ERROR", "{c}");
    assert!(!c["state_message"].as_str().unwrap().is_empty(), "{c}");
    let (_, ev) =
        s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "event_types": ["TERMINATING"]})).await;
    let events = ev["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{ev}");
    assert_eq!(events[0]["details"]["reason"]["code"], "NPIP_TUNNEL_SETUP_FAILURE");
}

#[tokio::test]
async fn bad_requests_get_the_api_error_codes_and_statuses() {
    let s = start(pattern("non-pl"), 1.0).await;
    let (status, b) = s
        .post("/api/2.1/clusters/create", json!({"node_type_id": "Standard_DS3_v2", "num_workers": 1}))
        .await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_PARAMETER_VALUE")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("spark_version"), "{b}");

    let (status, b) = s.post("/api/2.1/clusters/create", json!([1, 2])).await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_PARAMETER_VALUE")), "{b}");

    let r = s
        .client
        .post(format!("{}/api/2.1/clusters/create", s.base))
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error_code"], "INVALID_PARAMETER_VALUE");

    let (status, b) = s.get("/api/2.1/clusters/get?cluster_id=0101-000000-nothere1").await;
    assert_eq!((status, b["error_code"].as_str()), (404, Some("RESOURCE_DOES_NOT_EXIST")), "{b}");

    let (status, b) = s.get("/api/2.1/clusters/get?cluster_id=x&colour=blue").await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_PARAMETER_VALUE")), "{b}");

    // The test server's body limit is 4 KiB.
    let big = json!({"spark_version": "x".repeat(8192), "node_type_id": "n"});
    let (status, b) = s.post("/api/2.1/clusters/create", big).await;
    assert_eq!(status, 413, "{b}");
    assert_eq!(b["error_code"], "INVALID_PARAMETER_VALUE");
}

// §6.5: events are DESC by default; `next_page` is the request for the following page.
#[tokio::test]
async fn events_paginate_through_next_page_in_both_orders() {
    let s = start(pattern("non-pl"), 2000.0).await;
    let id = s.create(1).await;
    s.wait_for(&id, &["RUNNING"]).await;
    let (_, all) = s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC"})).await;
    let all = all["events"].as_array().unwrap().clone();
    assert!(all.len() >= 3, "{all:?}");
    let (_, desc) = s.post("/api/2.1/clusters/events", json!({"cluster_id": id})).await;
    let mut reversed = desc["events"].as_array().unwrap().clone();
    reversed.reverse();
    assert_eq!(reversed, all);

    let mut pages = Vec::new();
    let mut req = json!({"cluster_id": id, "order": "ASC", "limit": 2});
    loop {
        let (status, page) = s.post("/api/2.1/clusters/events", req.clone()).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total_count"].as_u64().unwrap() as usize, all.len());
        pages.extend(page["events"].as_array().unwrap().iter().cloned());
        match page.get("next_page") {
            Some(next) => req = next.clone(),
            None => break,
        }
    }
    assert_eq!(pages, all);
}

// §6.4: RUNNING → RESIZING → RUNNING with UPSIZE_COMPLETED; RUNNING → RESTARTING → RUNNING; a
// resize of a cluster that is not RUNNING is INVALID_STATE.
#[tokio::test]
async fn resize_and_restart_follow_the_api_transitions() {
    let s = start(pattern("non-pl"), 2000.0).await;
    let id = s.create(1).await;
    let (status, b) = s.post("/api/2.1/clusters/resize", json!({"cluster_id": id, "num_workers": 3})).await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_STATE")), "{b}");
    s.wait_for(&id, &["RUNNING"]).await;
    let (status, b) = s.post("/api/2.1/clusters/resize", json!({"cluster_id": id, "num_workers": 3})).await;
    assert_eq!((status, b), (200, json!({})));
    let (_, c) = s.get(&format!("/api/2.1/clusters/get?cluster_id={id}")).await;
    assert_eq!(c["num_workers"], 3, "num_workers is the desired size");
    for _ in 0..500 {
        let (_, ev) = s
            .post("/api/2.1/clusters/events", json!({"cluster_id": id, "event_types": ["UPSIZE_COMPLETED"]}))
            .await;
        if ev["total_count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    s.wait_for(&id, &["RUNNING"]).await;
    let (status, _) = s.post("/api/2.1/clusters/restart", json!({"cluster_id": id})).await;
    assert_eq!(status, 200);
    let (_, ev) = s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC"})).await;
    let kinds: Vec<&str> =
        ev["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    for k in ["RESIZING", "UPSIZE_COMPLETED", "RESTARTING"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    s.wait_for(&id, &["RUNNING"]).await;
}
