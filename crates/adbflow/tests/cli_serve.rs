//! `adbflow serve` as a process: it prints its address, refuses requests without the token,
//! launches a cluster on the default pattern, and refuses to start without a token.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("adbflow runs");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("adbflow serve: listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    (Killed(child), base)
}

#[test]
fn serve_prints_its_address_and_runs_a_cluster_to_running() {
    let (_child, base) = spawn(&["--port", "0", "--token", "dapi-one", "--time-scale", "2000"]);
    let client = reqwest::blocking::Client::new();
    assert_eq!(client.get(format!("{base}/health")).send().unwrap().status().as_u16(), 200);
    let r = client.get(format!("{base}/api/2.1/clusters/list")).send().unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body = json!({"cluster_name": "cli", "spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2", "num_workers": 1});
    let created: Value = client
        .post(format!("{base}/api/2.0/clusters/create"))
        .bearer_auth("dapi-one")
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = created["cluster_id"].as_str().expect("a cluster id").to_string();
    let mut state = String::new();
    for _ in 0..500 {
        let c: Value = client
            .get(format!("{base}/api/2.0/clusters/get?cluster_id={id}"))
            .bearer_auth("dapi-one")
            .send()
            .unwrap()
            .json()
            .unwrap();
        state = c["state"].as_str().unwrap().to_string();
        if state != "PENDING" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(state, "RUNNING");
}

#[test]
fn serve_without_a_token_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_adbflow")).args(["serve", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--token"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Api {
    base: String,
    client: reqwest::blocking::Client,
}

impl Api {
    fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth("dapi-one")
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        r.json().unwrap()
    }

    fn get(&self, path: &str) -> Value {
        let r = self.client.get(format!("{}{path}", self.base)).bearer_auth("dapi-one").send().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        r.json().unwrap()
    }

    fn create(&self) -> String {
        let body = json!({"cluster_name": "durable", "spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2", "num_workers": 1});
        self.post("/api/2.1/clusters/create", body)["cluster_id"].as_str().unwrap().to_string()
    }

    fn state(&self, id: &str) -> String {
        self.get(&format!("/api/2.1/clusters/get?cluster_id={id}"))["state"].as_str().unwrap().to_string()
    }

    fn wait_for(&self, id: &str, state: &str) {
        for _ in 0..1000 {
            if self.state(id) == state {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{id} never reached {state}");
    }

    fn events(&self, id: &str) -> Vec<Value> {
        self.post("/api/2.1/clusters/events", json!({"cluster_id": id, "order": "ASC", "limit": 500}))
            ["events"]
            .as_array()
            .unwrap()
            .clone()
    }
}

// Issue 8 acceptance: a restart after SIGKILL loses no acknowledged cluster or event, and an
// in-flight launch carries on to RUNNING.
#[test]
fn a_sigkilled_server_restarts_with_every_acknowledged_cluster_and_event() {
    let dir = std::env::temp_dir().join(format!("adbflow-serve-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.display().to_string();
    let args = ["--port", "0", "--token", "dapi-one", "--time-scale", "200", "--data-dir", dir_arg.as_str()];
    let (mut child, base) = spawn(&args);
    let api = Api { base, client: reqwest::blocking::Client::new() };
    let running = api.create();
    let deleted = api.create();
    api.wait_for(&running, "RUNNING");
    api.post("/api/2.1/clusters/delete", json!({"cluster_id": deleted}));
    let pending = api.create();
    assert_eq!(api.state(&pending), "PENDING", "killed while the third launch is in flight");
    let before: Vec<(String, Vec<Value>)> =
        [&running, &deleted, &pending].iter().map(|id| (id.to_string(), api.events(id))).collect();
    child.0.kill().unwrap(); // SIGKILL on Unix: no shutdown path runs
    child.0.wait().unwrap();

    let (_child, base) = spawn(&args);
    let api = Api { base, client: reqwest::blocking::Client::new() };
    let listed: Vec<String> = api.get("/api/2.1/clusters/list")["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cluster_id"].as_str().unwrap().to_string())
        .collect();
    for (id, events) in &before {
        assert!(listed.contains(id), "{id} lost: {listed:?}");
        let after = api.events(id);
        assert!(
            after.len() >= events.len() && after[..events.len()] == events[..],
            "{id}: {events:?} vs {after:?}"
        );
    }
    api.wait_for(&deleted, "TERMINATED");
    api.wait_for(&pending, "RUNNING");
    let _ = std::fs::remove_dir_all(&dir);
}
