//! Terraform plan and state JSON through the real binary: the reference patterns written as
//! Terraform check exactly like the built-in patterns, traces point at resource addresses, and
//! malformed Terraform JSON is an input error with its position.
//!
//! The fixtures (`adbflow-import/tests/fixtures/terraform/patterns/`) are each pattern of
//! `adbflow init --region westeurope` written the way Terraform would deploy it, in the exact
//! `terraform show -json` layout: a plan whose IDs, public IPs, firewall IP and workspace URL are
//! known only after apply (links only through the configuration's references), and a state with
//! concrete values. non-pl uses a child module with `for_each`; hub-spoke uses azurerm 3.x spellings;
//! full-private keeps its private DNS zones in a child module called with `for_each` (linked to the
//! transit VNet through `count`), with private endpoints at static IPs, and carries the pattern's
//! `user_subnet` and library policy as the workspace's `adbflow-*` tags. The whole `check --format
//! json` output is compared with the pattern's, with only what `comparable` lists set aside.

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

fn check_pattern(pattern: &str) -> (Option<i32>, Value) {
    let o = adbflow(&["check", "--pattern", pattern, "--region", REGION, "--format", "json"]);
    (o.status.code(), json_of(&o))
}

fn check_file(file: &str) -> (Option<i32>, Value, String) {
    let o = adbflow(&["check", &pattern_fixture(file), "--format", "json"]);
    (o.status.code(), json_of(&o), String::from_utf8(o.stderr).unwrap())
}

/// `value` without any `origin` object, at any depth.
fn without_origins(value: &mut Value) {
    match value {
        Value::Object(m) => {
            m.remove("origin");
            m.values_mut().for_each(without_origins);
        }
        Value::Array(a) => a.iter_mut().for_each(without_origins),
        _ => {}
    }
}

/// Every string in `value` with `from` replaced by `to`.
fn replace_text(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Object(m) => m.values_mut().for_each(|v| replace_text(v, from, to)),
        Value::Array(a) => a.iter_mut().for_each(|v| replace_text(v, from, to)),
        _ => {}
    }
}

/// The public IP addresses a state fixture holds (Azure assigned them at apply).
fn state_public_ips(file: &str) -> Vec<String> {
    fn walk(module: &Value, out: &mut Vec<String>) {
        for r in module["resources"].as_array().into_iter().flatten() {
            if r["type"] == "azurerm_public_ip" {
                out.extend(r["values"]["ip_address"].as_str().map(String::from));
            }
        }
        for m in module["child_modules"].as_array().into_iter().flatten() {
            walk(m, out);
        }
    }
    let text = std::fs::read_to_string(pattern_fixture(file)).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    walk(&doc["values"]["root_module"], &mut out);
    out
}

/// The `check --format json` output of a native pattern (`native`) and of its Terraform fixture
/// (`tf`, read from `file`), made comparable. Removed or rewritten, and nothing else:
///
/// - every `origin` object: where an element was defined is a `pattern:NAME` line in one and a
///   resource address in the other (element ids and names are Azure names in both, so they stay);
/// - the top-level `name`: a pattern is named, Terraform output is not (checked to be absent);
/// - plan only: the workspace URL, which Azure assigns at apply: adbflow's stand-in
///   (`PLAN_URL`) is mapped back to the pattern's URL, its first labels (`adb-adb-ws.0`, also the
///   name of the A record the front-end endpoint's zone group writes for it) to the pattern's,
///   and the user flows' note saying the stand-in is used is removed;
/// - state only: the public IP addresses Azure assigned at apply (the pattern leaves them to
///   deployment): `snat_ip` holding one is removed, and the address in text (`source_seen_as`)
///   is written as the pattern's "(address not known until deployment)";
/// - state only: `workspaces[].managed_nsg_rules` lists the `Microsoft.Databricks-workspaces_UseOnly_*`
///   rules adbflow adds to the NSG. A state already holds them (the NSG echoes what Databricks
///   added), so adbflow adds none: it is checked to be empty and removed on both sides; the flows
///   still compare the rule that decides each of them.
fn comparable(native: &mut Value, tf: &mut Value, file: &str) {
    assert!(tf.get("name").is_none(), "{file}: a Terraform input has no estate name");
    native.as_object_mut().unwrap().remove("name");
    without_origins(native);
    without_origins(tf);
    if file.ends_with(".plan.json") {
        let labels = |url: &'static str| url.trim_end_matches(".azuredatabricks.net");
        replace_text(tf, labels(PLAN_URL), labels(PATTERN_URL));
        let note = format!("workspace_url not given: {PATTERN_URL} stands for it (inferred)");
        for f in tf["flows"].as_array_mut().unwrap() {
            let user_flow = matches!(f["id"].as_str(), Some("user-api" | "user-ui"));
            let id = f["id"].clone();
            let notes = f["notes"].as_array_mut().unwrap();
            let before = notes.len();
            notes.retain(|n| *n != note);
            assert_eq!(before - notes.len(), usize::from(user_flow), "{file}: the stand-in note in {id}");
        }
    } else {
        for ip in state_public_ips(file) {
            for f in tf["flows"].as_array_mut().unwrap() {
                let m = f.as_object_mut().unwrap();
                if m.get("snat_ip").and_then(Value::as_str) == Some(ip.as_str()) {
                    m.remove("snat_ip");
                }
            }
            replace_text(tf, &ip, "(address not known until deployment)");
            assert!(!tf.to_string().contains(&ip), "{file}: {ip} left in the output");
        }
        for (t, n) in tf["workspaces"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(native["workspaces"].as_array_mut().unwrap())
        {
            let managed = n.as_object_mut().unwrap().remove("managed_nsg_rules").unwrap();
            assert!(!managed.as_array().unwrap().is_empty(), "the pattern's NSG gets the managed rules");
            let echoed = t.as_object_mut().unwrap().remove("managed_nsg_rules").unwrap();
            assert_eq!(echoed, json!([]), "{file}: the state holds the managed rules itself");
        }
    }
}

/// The whole check output of `file` equals that of the native estate, once `comparable`; flows
/// are compared one at a time first so that a failure names the flow.
fn assert_same_check(native: (Option<i32>, Value), file: &str) {
    let (code_n, mut n) = native;
    let (code_t, mut t, warnings) = check_file(file);
    // Elements decided by the Terraform input point at resource addresses, never at a file line.
    let text = t.to_string();
    assert!(text.contains(r#""kind":"address""#), "{file}: no resource-address origins");
    assert!(!text.contains(r#""kind":"file""#), "{file}: a file:line origin in a Terraform check");
    assert_eq!(code_t, code_n, "{file}: {warnings}");
    comparable(&mut n, &mut t, file);
    let (tf_flows, native_flows) = (t["flows"].as_array().unwrap(), n["flows"].as_array().unwrap());
    assert_eq!(tf_flows.len(), native_flows.len(), "{file}: flow count");
    for (g, e) in tf_flows.iter().zip(native_flows) {
        assert_eq!(g, e, "{file}");
    }
    assert_eq!(t, n, "{file}");
}

fn assert_checks_like_the_pattern(pattern: &str, file: &str) {
    assert_same_check(check_pattern(pattern), file);
}

// databricks-net-facts §9 pattern A: NAT gateway on both subnets, storage via service endpoints.
#[test]
fn non_pl_plan_and_state_check_like_the_pattern() {
    assert_checks_like_the_pattern("non-pl", "non-pl.state.json");
    assert_checks_like_the_pattern("non-pl", "non-pl.plan.json");
}

// databricks-net-facts §3b/§9 pattern C: UDR 0/0 to the firewall, firewall DNS proxy, rules per region.
#[test]
fn hub_spoke_plan_and_state_check_like_the_pattern() {
    assert_checks_like_the_pattern("hub-spoke", "hub-spoke.state.json");
    assert_checks_like_the_pattern("hub-spoke", "hub-spoke.plan.json");
}

// databricks-net-facts §9 pattern B: front-end and back-end Private Link, no internet egress. The
// state has every ID, IP and the workspace URL; the front-end endpoint's zone group writes the URL
// record, the relay and web-application records are azurerm_private_dns_a_record resources. The
// workspace's adbflow-* tags carry what no resource does: users in transit-vnet/clients, no
// public package repositories.
#[test]
fn full_private_state_checks_like_the_pattern() {
    let file = "full-private.state.json";
    assert_checks_like_the_pattern("full-private", file);
    let (_, _, warnings) = check_file(file);
    assert!(!warnings.contains("tags"), "the adbflow-* tags are all read: {warnings}");
}

// The plan: private DNS zones in a child module with for_each (and count for the transit VNet's
// link), endpoints linked to subnets, zones and targets only through references. The workspace URL
// is known only after apply: the workspace is called `adb-adb-ws.0.azuredatabricks.net` meanwhile,
// and the front-end endpoint's zone group writes its record under that stand-in, so the users in
// transit-vnet/clients resolve it to the endpoint as in the pattern.
#[test]
fn full_private_plan_checks_like_the_pattern() {
    let file = "full-private.plan.json";
    assert_checks_like_the_pattern("full-private", file);
    let (_, _, warnings) = check_file(file);
    assert!(!warnings.contains("terraform-link-unresolved"), "every link follows references: {warnings}");
    assert!(!warnings.contains("terraform-link-ambiguous"), "{warnings}");
    assert!(!warnings.contains("terraform-value-known-after-apply"), "{warnings}");
    // The front-end endpoint's record is named after the stand-in URL, and says so.
    let inferred = "azurerm_private_endpoint.frontend: warning[terraform-inferred-value]";
    assert!(warnings.contains(&format!("{inferred}: private_dns_zone_group[0]")), "{warnings}");
    assert!(warnings.contains("adb-adb-ws.0.azuredatabricks.net"), "{warnings}");
    assert!(!warnings.contains("tags"), "the adbflow-* tags are all read: {warnings}");
}

/// The full-private state with its workspace's `adbflow-*` tags edited: a misspelt tag is a warning
/// and the check goes on; a value the native format would reject stops the input (exit 2) at the
/// resource address, tag, line and column.
#[test]
fn adbflow_tags_are_checked_like_the_native_settings() {
    let text = std::fs::read_to_string(pattern_fixture("full-private.state.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("adbflow-tf-tags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let run = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
        let o = adbflow(&["check", file.to_str().unwrap(), "--format", "json"]);
        (o.status.code(), String::from_utf8(o.stderr).unwrap())
    };

    let (code, err) =
        run(r#""adbflow-pypi": "none""#, r#""adbflow-pypi": "ftp://mirror.example.com/simple""#);
    assert_eq!(code, Some(2), "{err}");
    let at = format!("{}:64:", file.display());
    assert!(err.contains(&at), "{err}");
    assert!(
        err.contains(
            "azurerm_databricks_workspace.this: tags.adbflow-pypi: 'ftp://mirror.example.com/simple'"
        ),
        "{err}"
    );

    let (code, err) = run(
        r#""adbflow-user-subnet": "transit-vnet/clients""#,
        r#""adbflow-user-subnet": "transit-vnet/users""#,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("tags.adbflow-user-subnet: subnet 'transit-vnet/users' is not in this input"),
        "{err}"
    );

    let (code, err) = run(r#""adbflow-cran": "none""#, r#""adbflow-cran": "none", "adbflow-npm": "none""#);
    assert_eq!(code, check_pattern("full-private").0, "{err}");
    let warning =
        "azurerm_databricks_workspace.this: warning[terraform-adbflow-tag-unknown]: tags.adbflow-npm:";
    assert!(err.contains(warning), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
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
        ("full-private", "full-private.state.json", "adb-vnet/host"),
        ("full-private", "full-private.plan.json", "transit-vnet/clients"),
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
