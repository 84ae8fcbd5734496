//! The rest of the Clusters API and the Libraries API over real HTTP: start, edit, pin,
//! permanent-delete, the workspace's lists, libraries on the modelled network, IP access lists,
//! and a data directory that replays every kind of command.

mod common;

use adbflow_model::{IpAccessList, IpAccessListType, Prefix};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn event_types(s: &Server, id: &str) -> Vec<String> {
    let (_, ev) =
        s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC", "limit": 500})).await;
    ev["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
}

/// Poll until `done` holds of the answer to GET `path` (10 s of wall time at most).
async fn until(s: &Server, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        let (status, v) = s.get(path).await;
        assert_eq!(status, 200, "{v}");
        if done(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{path} never got there");
}

// §6.1: `start` launches a TERMINATED cluster again under the same ID (STARTING, then RUNNING);
// starting one that is not TERMINATED is INVALID_STATE.
#[tokio::test]
async fn start_relaunches_a_terminated_cluster_under_the_same_id() {
    let s = start(pattern("non-pl"), 3000.0).await;
    let id = s.create(1).await;
    s.wait_for(&id, &["RUNNING"]).await;
    let (status, b) = s.post("/api/2.1/clusters/start", json!({"cluster_id": id})).await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_STATE")), "{b}");
    assert_eq!(s.post("/api/2.1/clusters/delete", json!({"cluster_id": id})).await.0, 200);
    let c = s.wait_for(&id, &["TERMINATED"]).await;
    assert_eq!(c["termination_reason"]["code"], "USER_REQUEST");
    assert_eq!(s.post("/api/2.0/clusters/start", json!({"cluster_id": id})).await, (200, json!({})));
    let c = s.wait_for(&id, &["PENDING", "RUNNING"]).await;
    assert!(c.get("termination_reason").is_none(), "a new run has no termination reason: {c}");
    s.wait_for(&id, &["RUNNING"]).await;
    let kinds = event_types(&s, &id).await;
    let after_start: Vec<&str> = kinds.iter().skip_while(|k| *k != "STARTING").map(String::as_str).collect();
    assert_eq!(after_start.first(), Some(&"STARTING"), "{kinds:?}");
    assert!(after_start.contains(&"RUNNING"), "{kinds:?}");
}

// `edit` of a RUNNING cluster restarts it with the new attributes (EDITED, RESTARTING, RUNNING, then
// the size change); of a TERMINATED one it only changes what the next start launches; of a PENDING
// one it is INVALID_STATE.
#[tokio::test]
async fn edit_restarts_a_running_cluster_and_reshapes_a_terminated_one() {
    let s = start(pattern("non-pl"), 3000.0).await;
    let id = s.create(1).await;
    let spec = |workers: u32| {
        json!({"cluster_id": id, "cluster_name": "edited", "spark_version": "15.4.x-scala2.12",
               "node_type_id": "Standard_DS3_v2", "num_workers": workers, "spark_conf": {"a": "b"}})
    };
    let (status, b) = s.post("/api/2.1/clusters/edit", spec(2)).await;
    assert_eq!((status, b["error_code"].as_str()), (400, Some("INVALID_STATE")), "PENDING: {b}");
    s.wait_for(&id, &["RUNNING"]).await;
    assert_eq!(s.post("/api/2.1/clusters/edit", spec(2)).await, (200, json!({})));
    let (_, c) = s.get(&format!("/api/2.1/clusters/get?cluster_id={id}")).await;
    assert_eq!((c["cluster_name"].as_str(), c["num_workers"].as_u64()), (Some("edited"), Some(2)), "{c}");
    assert_eq!(c["spark_conf"], json!({"a": "b"}), "get echoes the edited request");
    for _ in 0..500 {
        if event_types(&s, &id).await.iter().any(|k| k == "UPSIZE_COMPLETED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kinds = event_types(&s, &id).await;
    let tail: Vec<&str> = kinds.iter().skip_while(|k| *k != "EDITED").map(String::as_str).collect();
    assert_eq!(tail, ["EDITED", "RESTARTING", "RUNNING", "RESIZING", "UPSIZE_COMPLETED"], "{kinds:?}");

    s.post("/api/2.1/clusters/delete", json!({"cluster_id": id})).await;
    s.wait_for(&id, &["TERMINATED"]).await;
    assert_eq!(s.post("/api/2.1/clusters/edit", spec(4)).await.0, 200);
    assert_eq!(s.wait_for(&id, &["TERMINATED"]).await["num_workers"], 4, "edited, still TERMINATED");
    s.post("/api/2.1/clusters/start", json!({"cluster_id": id})).await;
    let (_, ev) =
        s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "event_types": ["STARTING"]})).await;
    assert_eq!(ev["events"][0]["details"]["target_num_workers"], 4, "{ev}");
}

// PINNED/UNPINNED events and the list's is_pinned filter; permanent-delete makes the cluster
// unknown to every call.
#[tokio::test]
async fn pinning_and_permanent_deletion() {
    let s = start(pattern("non-pl"), 3000.0).await;
    let kept = s.create(1).await;
    let gone = s.create(1).await;
    assert_eq!(s.post("/api/2.1/clusters/pin", json!({"cluster_id": kept})).await, (200, json!({})));
    let (_, pinned) = s.get("/api/2.1/clusters/list?filter_by.is_pinned=true").await;
    let ids: Vec<&str> =
        pinned["clusters"].as_array().unwrap().iter().map(|c| c["cluster_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [kept.as_str()]);
    s.post("/api/2.1/clusters/unpin", json!({"cluster_id": kept})).await;
    let kinds = event_types(&s, &kept).await;
    assert!(kinds.contains(&"PINNED".to_string()) && kinds.contains(&"UNPINNED".to_string()), "{kinds:?}");

    assert_eq!(s.post("/api/2.1/clusters/permanent-delete", json!({"cluster_id": gone})).await.0, 200);
    let (status, b) = s.get(&format!("/api/2.1/clusters/get?cluster_id={gone}")).await;
    assert_eq!((status, b["error_code"].as_str()), (404, Some("RESOURCE_DOES_NOT_EXIST")), "{b}");
    let (status, _) = s.post("/api/2.1/clusters/events", json!({"cluster_id": gone})).await;
    assert_eq!(status, 404);
    let (_, all) = s.get("/api/2.1/clusters/list").await;
    let ids: Vec<&str> =
        all["clusters"].as_array().unwrap().iter().map(|c| c["cluster_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [kept.as_str()]);
    let (_, running) = s.get("/api/2.1/clusters/list?filter_by.cluster_states=TERMINATED").await;
    assert_eq!(running["clusters"], json!([]));
    let (status, _) = s.get("/api/2.1/clusters/list?filter_by.cluster_states=ASLEEP").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_workspace_lists_node_types_versions_and_zones() {
    let s = start(pattern("non-pl"), 1.0).await;
    let (_, t) = s.get("/api/2.1/clusters/list-node-types").await;
    let ds3 = t["node_types"].as_array().unwrap().iter().find(|n| n["node_type_id"] == "Standard_DS3_v2");
    assert_eq!(ds3.map(|n| (n["num_cores"].as_u64(), n["memory_mb"].as_u64())), Some((Some(4), Some(14336))));
    let (_, v) = s.get("/api/2.0/clusters/spark-versions").await;
    assert!(v["versions"].as_array().unwrap().iter().any(|v| v["key"] == "15.4.x-scala2.12"), "{v}");
    let (_, z) = s.get("/api/2.1/clusters/list-zones").await;
    assert!(z["zones"].as_array().is_some_and(|z| !z.is_empty()) && z["default_zone"].is_string(), "{z}");
}

fn pypi(package: &str) -> Value {
    json!({"pypi": {"package": package}})
}

async fn library_status(s: &Server, id: &str) -> Value {
    s.get(&format!("/api/2.0/libraries/cluster-status?cluster_id={id}")).await.1
}

// Libraries follow the network: on non-pl PyPI is reached through the NAT gateway and the library
// installs; a library asked for while PENDING waits for RUNNING.
#[tokio::test]
async fn a_pypi_library_installs_on_non_pl() {
    let s = start(pattern("non-pl"), 1000.0).await;
    let id = s.create(1).await;
    let (status, b) = s
        .post("/api/2.0/libraries/install", json!({"cluster_id": id, "libraries": [pypi("simplejson")]}))
        .await;
    assert_eq!((status, b), (200, json!({})));
    let st = library_status(&s, &id).await;
    assert_eq!(st["library_statuses"][0]["status"], "PENDING", "the cluster is not RUNNING yet: {st}");
    assert_eq!(st["library_statuses"][0]["library"], pypi("simplejson"), "the library as sent");
    let path = format!("/api/2.0/libraries/cluster-status?cluster_id={id}");
    let st = until(&s, &path, |v| v["library_statuses"][0]["status"] == "INSTALLED").await;
    assert!(st["library_statuses"][0].get("messages").is_none(), "{st}");
    let (_, all) = s.get("/api/2.0/libraries/all-cluster-statuses").await;
    assert_eq!(all["statuses"][0]["cluster_id"], json!(id), "{all}");
}

// full-private has no internet egress: PyPI is blocked by design, so the library FAILs after pip
// gives up, while the cluster stays RUNNING; the message says which flow and why.
#[tokio::test]
async fn a_pypi_library_fails_on_full_private_and_the_cluster_keeps_running() {
    let s = start(pattern("full-private"), 1000.0).await;
    let id = s.create(1).await;
    s.wait_for(&id, &["RUNNING"]).await;
    s.post("/api/2.0/libraries/install", json!({"cluster_id": id, "libraries": [pypi("simplejson")]})).await;
    let path = format!("/api/2.0/libraries/cluster-status?cluster_id={id}");
    let st = until(&s, &path, |v| v["library_statuses"][0]["status"] == "FAILED").await;
    let message = st["library_statuses"][0]["messages"][0].as_str().unwrap().to_string();
    assert!(
        message.starts_with("Library installation failed for library due to user error for pypi"),
        "{message}"
    );
    assert!(message.contains("pypi flow is blocked"), "{message}");
    assert_eq!(s.wait_for(&id, &["RUNNING"]).await["state"], "RUNNING");
    // A library in a Unity Catalog volume comes over the private endpoint and installs.
    s.post(
        "/api/2.0/libraries/install",
        json!({"cluster_id": id, "libraries": [{"whl": "/Volumes/main/default/libs/a.whl"}]}),
    )
    .await;
    until(&s, &path, |v| v["library_statuses"][1]["status"] == "INSTALLED").await;
}

// Uninstall takes effect at the next restart (UNINSTALL_ON_RESTART until then); an unknown cluster
// is RESOURCE_DOES_NOT_EXIST.
#[tokio::test]
async fn uninstall_waits_for_a_restart() {
    let s = start(pattern("non-pl"), 3000.0).await;
    let id = s.create(1).await;
    s.wait_for(&id, &["RUNNING"]).await;
    let libs = json!({"cluster_id": id, "libraries": [pypi("simplejson")]});
    s.post("/api/2.0/libraries/install", libs.clone()).await;
    s.post("/api/2.0/libraries/uninstall", libs).await;
    assert_eq!(library_status(&s, &id).await["library_statuses"][0]["status"], "UNINSTALL_ON_RESTART");
    s.post("/api/2.1/clusters/restart", json!({"cluster_id": id})).await;
    let path = format!("/api/2.0/libraries/cluster-status?cluster_id={id}");
    until(&s, &path, |v| v["library_statuses"] == json!([])).await;
    let (status, b) = s
        .post(
            "/api/2.0/libraries/install",
            json!({"cluster_id": "0101-000000-nothere1", "libraries": [pypi("a")]}),
        )
        .await;
    assert_eq!((status, b["error_code"].as_str()), (404, Some("RESOURCE_DOES_NOT_EXIST")), "{b}");
}

fn with_access_list(list_type: IpAccessListType, prefix: &str) -> adbflow_model::Estate {
    let mut e = pattern("non-pl");
    e.workspaces[0].ip_access_lists.push(IpAccessList {
        name: "office".into(),
        list_type,
        ip_addresses: vec![Prefix(prefix.parse().unwrap())],
        enabled: true,
        origin: None,
    });
    e
}

// The workspace's IP access lists apply to the client's address: blocked or not allowed is 403 in
// the service's shape (a numeric error_code), before the token is even looked at.
#[tokio::test]
async fn ip_access_lists_refuse_clients_by_address() {
    for (estate, refused) in [
        (with_access_list(IpAccessListType::Block, "127.0.0.0/8"), true),
        (with_access_list(IpAccessListType::Allow, "203.0.113.0/24"), true),
        (with_access_list(IpAccessListType::Allow, "127.0.0.1/32"), false),
    ] {
        let s = start(estate, 1.0).await;
        let (status, b) = s.get("/api/2.1/clusters/list").await;
        if refused {
            assert_eq!((status, b["error_code"].as_u64()), (403, Some(403)), "{b}");
            assert!(b["message"].as_str().unwrap().contains("is blocked by Databricks IP ACL"), "{b}");
            let r = s.client.get(format!("{}/api/2.1/clusters/list", s.base)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 403, "no token either: the address decides first");
            let health = s.client.get(format!("{}/health", s.base)).send().await.unwrap();
            assert_eq!(health.status().as_u16(), 200);
        } else {
            assert_eq!(status, 200, "{b}");
        }
    }
}

// The lists hold IPv4 ranges. A client reaching an IPv6 listener with no IPv4 form is in none of
// them: any enabled allow list refuses it, a block list does not.
#[tokio::test]
async fn ip_access_lists_refuse_ipv6_clients_that_no_allow_list_can_hold() {
    for (estate, refused) in [
        (with_access_list(IpAccessListType::Allow, "127.0.0.1/32"), true),
        (with_access_list(IpAccessListType::Block, "0.0.0.0/0"), false),
        (pattern("non-pl"), false),
    ] {
        let s = common::start_on(estate, 1.0, None, "[::1]:0".parse().unwrap()).await;
        assert!(s.base.starts_with("http://[::1]:"), "{}", s.base);
        let (status, b) = s.get("/api/2.1/clusters/list").await;
        if refused {
            assert_eq!((status, b["error_code"].as_u64()), (403, Some(403)), "{b}");
            assert!(b["message"].as_str().unwrap().contains("Source IP address: ::1 is blocked"), "{b}");
        } else {
            assert_eq!(status, 200, "{b}");
        }
    }
}

async fn snapshot(s: &Server, ids: Vec<String>) -> Vec<Value> {
    let mut out = vec![s.get("/api/2.1/clusters/list").await.1];
    for id in ids {
        out.push(
            s.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC", "limit": 500}))
                .await
                .1,
        );
        out.push(library_status(s, &id).await);
    }
    out
}

// Every kind of command replays from the data directory to the same answers.
#[tokio::test]
async fn a_data_directory_replays_every_kind_of_command() {
    let dir = std::env::temp_dir().join(format!("adbflow-replay-all-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (a, b, before) = {
        let s = start_with(pattern("non-pl"), 3000.0, Some(dir.clone())).await;
        let a = s.create(1).await;
        let b = s.create(1).await;
        s.wait_for(&a, &["RUNNING"]).await;
        s.wait_for(&b, &["RUNNING"]).await;
        s.post("/api/2.1/clusters/pin", json!({"cluster_id": a})).await;
        s.post("/api/2.0/libraries/install", json!({"cluster_id": a, "libraries": [pypi("simplejson")]}))
            .await;
        s.post("/api/2.1/clusters/edit", json!({"cluster_id": b, "spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2", "num_workers": 2})).await;
        let c = s.create(1).await;
        s.post("/api/2.1/clusters/permanent-delete", json!({"cluster_id": c})).await;
        s.wait_for(&b, &["RUNNING"]).await;
        s.post("/api/2.1/clusters/delete", json!({"cluster_id": a})).await;
        s.wait_for(&a, &["TERMINATED"]).await;
        s.post("/api/2.1/clusters/start", json!({"cluster_id": a})).await;
        let before = snapshot(&s, vec![a.clone(), b.clone()]).await;
        (a, b, before)
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let s = start_with(pattern("non-pl"), 3000.0, Some(dir.clone())).await;
    let after = snapshot(&s, vec![a.clone(), b.clone()]).await;
    // Time went on while the server was down: what was seen before is a prefix of what is seen now.
    let events = |v: &Value| v["events"].as_array().unwrap().clone();
    for i in [1, 3] {
        let (x, y) = (events(&before[i]), events(&after[i]));
        assert_eq!(y[..x.len()], x[..], "events of cluster {i}");
    }
    let ids = |v: &Value| -> Vec<String> {
        v["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cluster_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&before[0]), ids(&after[0]));
    assert_eq!(after[2]["library_statuses"][0]["library"], pypi("simplejson"));
    let (_, pinned) = s.get("/api/2.1/clusters/list?filter_by.is_pinned=true").await;
    assert_eq!(ids(&pinned), vec![a]);
    let _ = std::fs::remove_dir_all(&dir);
}
