//! The benchmarked questions, shared by the criterion benches (`benches/estate.rs`) and the smoke
//! test that runs each once on a small estate in CI (`tests/bench_smoke.rs`), so the benches
//! cannot rot: import (native JSON and TOML, Terraform plan JSON), check of every flow, one
//! trace, one subnet's routes, with and without exact service tags.

#![allow(dead_code)] // each includer uses a different part

use adbflow_databricks::{check, CheckOptions, CheckReport};
use adbflow_gen::{
    generate, service_tags_json, to_native_json, to_native_toml, to_plan_json, GenOptions, Generated,
};
use adbflow_import::{load_str, Format, Loaded};
use adbflow_model::Protocol;
use adbflow_net::routes::EffectiveRoute;
use adbflow_net::{FlowSpec, Network, ServiceTags, Trace};
use std::path::PathBuf;

pub const SEED: u64 = 1;

pub struct Estate {
    pub generated: Generated,
    pub json: String,
    pub toml: String,
    /// The same estate as `terraform show -json plan.out` prints it.
    pub plan: String,
}

pub fn estate(workspaces: usize) -> Estate {
    let generated = generate(&GenOptions::new(workspaces, SEED)).expect("generates");
    let json = to_native_json(&generated.estate);
    let toml = to_native_toml(&generated.estate);
    let plan = to_plan_json(&generated.estate);
    Estate { generated, json, toml, plan }
}

pub fn import_json(text: &str) -> Loaded {
    load_str(text, "bench.json", Format::NativeJson).expect("a generated estate loads")
}

pub fn import_toml(text: &str) -> Loaded {
    load_str(text, "bench.toml", Format::NativeToml).expect("a generated estate loads")
}

/// The Terraform importer on the plan: parse, follow the configuration's references, validate.
pub fn import_plan(text: &str) -> Loaded {
    load_str(text, "bench.plan.json", Format::TerraformPlan).expect("a generated plan loads")
}

/// Where the real tag file is, when this checkout sits beside the project's shared data
/// (`../shared/data/`) or `ADBFLOW_SERVICE_TAGS` names it.
pub fn real_tag_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ADBFLOW_SERVICE_TAGS") {
        return Some(PathBuf::from(p));
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("ServiceTags_Public_"))
        })
        .collect();
    files.sort();
    files.pop()
}

/// The real tag file when present, else the stand-in of the same shape and size; and which.
pub fn exact_tags(allow_real: bool) -> (ServiceTags, String) {
    if allow_real {
        if let Some(path) = real_tag_file() {
            let text = std::fs::read_to_string(&path).expect("the tag file is readable");
            let tags = ServiceTags::from_json(&path.display().to_string(), &text).expect("a tag file");
            return (tags, path.display().to_string());
        }
    }
    let text = service_tags_json(SEED);
    (
        ServiceTags::from_json("stand-in.json", &text).expect("the stand-in parses"),
        "generated stand-in".into(),
    )
}

pub fn check_all(estate: &adbflow_model::Estate, tags: &ServiceTags) -> CheckReport {
    check(estate, tags, &CheckOptions::default()).expect("a generated estate checks")
}

/// The network `trace` and `routes` answer from: the estate as Databricks leaves it.
pub fn network(estate: &adbflow_model::Estate, tags: &ServiceTags) -> Network {
    let prepared =
        adbflow_databricks::with_databricks(estate, adbflow_databricks::builtin_regions()).expect("prepares");
    Network::new(prepared, tags.clone())
}

/// One flow: the first workspace's host subnet to PyPI, through the hub firewall.
pub fn trace_one(net: &Network) -> Trace {
    net.trace(&FlowSpec {
        from_subnet: "spoke-00000/host".into(),
        to_host: "pypi.org".into(),
        port: 443,
        protocol: Protocol::Tcp,
    })
}

/// One subnet's effective routes, computed from scratch as the `routes` command does.
pub fn routes_one(estate: &adbflow_model::Estate, tags: &ServiceTags) -> Vec<EffectiveRoute> {
    let net = Network::new(estate.clone(), tags.clone());
    net.routes("spoke-00000/host").expect("the subnet exists").to_vec()
}
