//! Terraform plan and state JSON through the real binary: the reference patterns written as
//! Terraform check exactly like the built-in patterns, traces point at resource addresses, and
//! malformed Terraform JSON is an input error with its position.
//!
//! The fixtures (`adbflow-import/tests/fixtures/terraform/patterns/`) are each pattern of
//! `adbflow init --region westeurope` written the way Terraform would deploy it, in the exact
//! `terraform show -json` layout: a plan whose IDs, public IPs, firewall IP and workspace URL are
//! known only after apply (links only through the configuration's references), and a state with
//! concrete values. non-pl uses a child module with `for_each`; hub-spoke uses azurerm 3.x spellings.

mod common;
use common::adbflow;

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Output;

const REGION: &str = "westeurope";
/// The pattern's stand-in URL (adbflow-databricks `PLACEHOLDER_WORKSPACE_ID`), which the state holds.
const PATTERN_URL: &str = "adb-1234567890123456.7.azuredatabricks.net";
/// What adbflow calls the workspace while its URL is known only after apply (a plan).
const PLAN_URL: &str = "adb-adb-ws.0.azuredatabricks.net";

fn pattern_fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../adbflow-import/tests/fixtures/terraform/patterns")
        .join(name)
        .display()
        .to_string()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// What a flow's answer is, without where elements were defined: the flow, its source, the
/// verdict, the egress, why it is blocked and by what, the symptom, the fix's element, and every
/// hop's deciding element.
fn flow_answer(f: &Value) -> Value {
    let hops: Vec<Value> =
        f["hops"].as_array().unwrap().iter().map(|h| json!([h["kind"], h["decided_by"]["id"]])).collect();
    json!({
        "id": f["id"],
        "instance": f["instance"],
        "subnet": f["subnet"],
        "verdict": f["verdict"],
        "egress": f["egress"],
        "reason": f["blocked_by"]["reason_code"],
        "element": f["blocked_by"]["element"]["id"],
        "symptom": f["symptom"]["code"],
        "symptom_message": f["symptom"]["message"],
        "nsg_rule": f["nsg_rule"]["id"],
        "fix": f["fix"]["element"]["id"],
        "hops": hops,
    })
}

fn answers(check: &Value) -> Vec<Value> {
    check["flows"].as_array().unwrap().iter().map(flow_answer).collect()
}

fn check_pattern(pattern: &str) -> (Option<i32>, Value) {
    let o = adbflow(&["check", "--pattern", pattern, "--region", REGION, "--format", "json"]);
    (o.status.code(), json_of(&o))
}

fn check_file(file: &str) -> (Option<i32>, Value, String) {
    let o = adbflow(&["check", &pattern_fixture(file), "--format", "json"]);
    (o.status.code(), json_of(&o), String::from_utf8(o.stderr).unwrap())
}

/// The plan cannot know the workspace URL (Azure assigns it), so adbflow names the workspace
/// `adb-<name>.0…` and says so. Only the user flows (which go to the URL) name it; they are
/// mapped back to the pattern's URL after checking that the stand-in appears nowhere else.
fn with_pattern_url(mut flows: Vec<Value>) -> Vec<Value> {
    for f in &mut flows {
        let text = f.to_string();
        let user_flow = matches!(f["id"].as_str(), Some("user-api" | "user-ui"));
        assert_eq!(text.contains(PLAN_URL), user_flow, "the URL stand-in in {text}");
        if user_flow {
            *f = serde_json::from_str(&text.replace(PLAN_URL, PATTERN_URL)).unwrap();
        }
    }
    flows
}

fn assert_same_flows(pattern: &str, file: &str) {
    let (code_p, p) = check_pattern(pattern);
    let (code_t, t, warnings) = check_file(file);
    assert_eq!(code_t, code_p, "{file}: {warnings}");
    let mut expected = answers(&p);
    let mut got = answers(&t);
    if file.ends_with(".plan.json") {
        got = with_pattern_url(got);
    }
    assert_eq!(got.len(), expected.len(), "{file}: flow count");
    // Compare one flow at a time so a failure names it.
    for (g, e) in got.iter_mut().zip(expected.iter_mut()) {
        assert_eq!(g, e, "{file}");
    }
    assert_eq!(t["summary"], p["summary"], "{file}");
    // Elements decided by the Terraform input point at resource addresses, never at a file line.
    let text = t.to_string();
    assert!(text.contains(r#""kind":"address""#), "{file}: no resource-address origins");
    assert!(!text.contains(r#""kind":"file""#), "{file}: a file:line origin in a Terraform check");
}

// databricks-net-facts §9 pattern A: NAT gateway on both subnets, storage via service endpoints.
#[test]
fn non_pl_plan_and_state_check_like_the_pattern() {
    assert_same_flows("non-pl", "non-pl.state.json");
    assert_same_flows("non-pl", "non-pl.plan.json");
}

// databricks-net-facts §3b/§9 pattern C: UDR 0/0 to the firewall, firewall DNS proxy, rules per region.
#[test]
fn hub_spoke_plan_and_state_check_like_the_pattern() {
    assert_same_flows("hub-spoke", "hub-spoke.state.json");
    assert_same_flows("hub-spoke", "hub-spoke.plan.json");
}

#[test]
fn plan_states_what_it_had_to_assume() {
    let (_, _, warnings) = check_file("hub-spoke.plan.json");
    // The firewall's private IP is inferred, and the spoke's DNS server (the firewall) follows it.
    assert!(warnings.contains("azurerm_firewall.hub: warning[terraform-inferred-value]"), "{warnings}");
    assert!(
        warnings.contains("azurerm_virtual_network.spoke: warning[terraform-inferred-value]: dns_servers:"),
        "{warnings}"
    );
    let (_, _, warnings) = check_file("non-pl.plan.json");
    // The DBFS root is created by Databricks, not Terraform: assumed, and said so.
    assert!(warnings.contains("DBFS root account 'dbstorageadbws' is created by Databricks"), "{warnings}");
    assert!(!warnings.contains("terraform-link-unresolved"), "every link follows references: {warnings}");
}

#[test]
fn trace_of_a_plan_names_resource_addresses() {
    let o = adbflow(&[
        "trace",
        &pattern_fixture("non-pl.plan.json"),
        "--from",
        "adb-vnet/host",
        "--to",
        "pypi.org:443",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let t = json_of(&o);
    let egress = t["hops"].as_array().unwrap().iter().find(|h| h["kind"] == "egress").expect("egress hop");
    assert_eq!(egress["decided_by"]["id"], "nat-gateway:adb-nat");
    assert_eq!(egress["decided_by"]["origin"]["kind"], "address");
    assert_eq!(egress["decided_by"]["origin"]["address"], "module.network.azurerm_nat_gateway.this");
}

#[test]
fn rules_and_routes_of_a_state_name_resource_addresses() {
    let file = pattern_fixture("hub-spoke.state.json");
    let o = adbflow(&["routes", &file, "--subnet", "adb-spoke/host", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("azurerm_route_table.spoke"), "{text}");
    let o = adbflow(&["rules", &file, "--subnet", "adb-spoke/host", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let r = json_of(&o);
    let out = r["outbound"].as_array().unwrap();
    // The state echoes the rules Databricks added to the NSG; they come from the NSG resource.
    let webapp = out
        .iter()
        .find(|e| {
            e["rule"]["name"]
                == "Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-databricks-webapp"
        })
        .expect("managed rule in the state");
    assert_eq!(webapp["element"]["origin"]["address"], "azurerm_network_security_group.adb");
}

/// `routes --format json` of the native pattern and of its Terraform state are the same once the
/// `x-adbflow` origins are set aside.
#[test]
fn native_and_terraform_routes_are_identical_without_origins() {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("x-adbflow");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    for (pattern, file, subnet) in [
        ("hub-spoke", "hub-spoke.state.json", "adb-spoke/host"),
        ("hub-spoke", "hub-spoke.plan.json", "adb-spoke/container"),
        ("non-pl", "non-pl.state.json", "adb-vnet/container"),
    ] {
        let o = adbflow(&[
            "routes",
            "--pattern",
            pattern,
            "--region",
            REGION,
            "--subnet",
            subnet,
            "--format",
            "json",
        ]);
        let mut native = json_of(&o);
        let o = adbflow(&["routes", &pattern_fixture(file), "--subnet", subnet, "--format", "json"]);
        let mut tf = json_of(&o);
        assert!(native.to_string().contains("x-adbflow"), "the native output carries origins");
        strip(&mut native);
        strip(&mut tf);
        assert_eq!(tf, native, "{file} {subnet}");
    }
}

#[test]
fn malformed_terraform_json_is_an_input_error_with_its_position() {
    let dir = std::env::temp_dir().join(format!("adbflow-tf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plan.json");
    std::fs::write(
        &file,
        "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {\n    \"root_module\": [,]\n  }\n}\n",
    )
    .unwrap();
    let o = adbflow(&["check", file.to_str().unwrap()]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}:4:21", file.display())), "{err}");
    // Terraform-shaped but of an unsupported format version: refused, naming the version.
    std::fs::write(&file, r#"{"format_version": "2.0", "planned_values": {}}"#).unwrap();
    let o = adbflow(&["routes", file.to_str().unwrap(), "--subnet", "a/b"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("2.0"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
