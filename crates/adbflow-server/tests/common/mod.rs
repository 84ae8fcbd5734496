//! A real emulator on 127.0.0.1:0 for each test, on a built-in pattern, and a small client.
#![allow(dead_code)]

use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::simulate::timing;
use adbflow_databricks::{limits, patterns};
use adbflow_model::Estate;
use adbflow_net::ServiceTags;
use adbflow_server::{engine_for, gate_for, serve, ServeOptions};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

pub const TOKEN: &str = "dapi-test-token";

pub fn pattern(name: &str) -> Estate {
    let text = patterns::render(name, "eastus2").unwrap();
    adbflow_import::load_str(&text, &format!("pattern:{name}"), adbflow_import::Format::NativeToml)
        .unwrap()
        .estate
}

/// The hub-spoke pattern without the firewall's application rule for the secure cluster relay.
pub fn hub_spoke_without_relay_rule() -> Estate {
    let mut e = pattern("hub-spoke");
    let rules = e
        .firewall_policies
        .iter_mut()
        .flat_map(|p| p.rule_collection_groups.iter_mut())
        .flat_map(|g| g.rule_collections.iter_mut())
        .find(|c| c.name == "databricks-application")
        .unwrap();
    let before = rules.rules.len();
    rules.rules.retain(|r| r.name != "scc-relay");
    assert_eq!(rules.rules.len(), before - 1, "the pattern has an scc-relay rule to remove");
    e
}

pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub async fn start(estate: Estate, time_scale: f64) -> Server {
    start_with(estate, time_scale, None).await
}

/// A server whose data lives in `data_dir` (SQLite) when given.
pub async fn start_with(estate: Estate, time_scale: f64, data_dir: Option<std::path::PathBuf>) -> Server {
    start_on(estate, time_scale, data_dir, "127.0.0.1:0".parse().unwrap()).await
}

/// A server listening on `bind` (port 0: any free port).
pub async fn start_on(
    estate: Estate,
    time_scale: f64,
    data_dir: Option<std::path::PathBuf>,
    bind: SocketAddr,
) -> Server {
    let t = timing::builtin();
    let gate = gate_for(&estate, None);
    let engine =
        engine_for(&estate, &ServiceTags::symbolic(), &CheckOptions::default(), limits::builtin(), t, 100, 1)
            .expect("engine builds");
    let options = ServeOptions {
        tokens: vec![TOKEN.into()],
        time_scale,
        body_limit: 4096,
        tick: Duration::from_millis(20),
        workspace: None,
        data_dir,
        gate,
    };
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(
            engine,
            t,
            &options,
            bind,
            move |a| {
                let _ = addr_tx.send(a);
            },
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
        .expect("server runs");
    });
    let addr = addr_rx.await.expect("server binds");
    Server { base: format!("http://{addr}"), client: reqwest::Client::new(), stop: Some(stop_tx) }
}

impl Server {
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(format!("{}{path}", self.base)).bearer_auth(TOKEN).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn create(&self, workers: u32) -> String {
        let (status, body) = self
            .post(
                "/api/2.1/clusters/create",
                serde_json::json!({
                    "cluster_name": "emulated",
                    "spark_version": "15.4.x-scala2.12",
                    "node_type_id": "Standard_DS3_v2",
                    "num_workers": workers,
                }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["cluster_id"].as_str().unwrap().to_string()
    }

    /// Poll `clusters/get` until the state is one of `states` (10 s of wall time at most).
    pub async fn wait_for(&self, id: &str, states: &[&str]) -> Value {
        for _ in 0..500 {
            let (status, c) = self.get(&format!("/api/2.1/clusters/get?cluster_id={id}")).await;
            assert_eq!(status, 200, "{c}");
            if states.contains(&c["state"].as_str().unwrap()) {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("cluster {id} never reached {states:?}");
    }
}
