//! `diff` through the real binary: the acceptance scenarios of a network change under review —
//! a deny rule, a removed NAT gateway, non-pl → hub-spoke, a private endpoint whose DNS zone is not
//! linked, a reordering that changes nothing, a renamed rule — plus exit codes, --fail-on, the
//! committed markdown example and SARIF. Each scenario is an edit of a built-in pattern's text.

mod common;
use common::{adbflow, stderr, stdout};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pattern(name: &str) -> String {
    let o = adbflow(&["init", "--pattern", name]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

/// A directory of the test's own, removed with it.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

/// `text` written to `name` in `dir`; its path.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `text` with `from` replaced, failing loudly when the pattern no longer has `from`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "pattern text no longer contains {from:?}");
    text.replace(from, to)
}

fn diff_json(old: &Path, new: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let o = adbflow(&args);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), v)
}

fn flows<'a>(v: &'a Value, change: &str) -> Vec<&'a Value> {
    v["flows"].as_array().unwrap().iter().filter(|f| f["change"] == change).collect()
}

fn ids(fs: &[&Value]) -> Vec<String> {
    fs.iter()
        .map(|f| format!("{}/{}", f["id"].as_str().unwrap(), f["source_role"].as_str().unwrap()))
        .collect()
}

const DENY_RULE: &str = "[[nsgs]]\nname = \"adb-nsg\"\n\n[[nsgs.rules]]\nname = \"deny-internet-out\"\n\
    priority = 4000\ndirection = \"Outbound\"\naccess = \"Deny\"\nprotocol = \"Tcp\"\n\
    destination = \"Internet\"\ndestination_ports = \"443\"\n";

fn with_deny_rule() -> String {
    edit(&pattern("non-pl"), "[[nsgs]]\nname = \"adb-nsg\"\n", DENY_RULE)
}

// An outbound deny above the default AllowInternetOutbound (65001) wins for Internet-tagged
// destinations (azure-net-semantics §2.2, §2.5); the managed AzureDatabricks and Storage rules sit
// at lower numbers, so only the package repositories and other internet flows are cut.
#[test]
fn adding_a_deny_rule_blocks_the_internet_flows_and_names_the_rule() {
    let tmp = scratch();
    let old = write(&tmp, "deny-old.toml", &pattern("non-pl"));
    let new = write(&tmp, "deny-new.toml", &with_deny_rule());
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 1, "a workload flow newly blocked fails the diff");
    let blocked = flows(&v, "newly-blocked");
    let names = ids(&blocked);
    for f in ["pypi/host", "pypi/container", "maven/host", "maven/container"] {
        assert!(names.contains(&f.to_string()), "{f} not newly blocked: {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("scc-relay") || n.starts_with("dbfs")), "{names:?}");
    for f in &blocked {
        assert_eq!(f["new"]["decided_by"]["id"], "nsg-rule:adb-nsg/deny-internet-out");
        assert_eq!(f["old"]["verdict"], "delivered");
        assert!(f["new"]["decided_by"]["origin"]["line"].as_u64().unwrap() > 0);
    }
    // Newly blocked come first, required (workload) before optional.
    let first_optional = v["flows"].as_array().unwrap().iter().position(|f| f["requirement"] == "optional");
    let last_workload = v["flows"].as_array().unwrap().iter().rposition(|f| f["requirement"] == "workload");
    assert!(first_optional > last_workload, "{}", v["flows"]);
    assert_eq!(v["counts"]["newly_blocked_required"], 6);
    assert!(
        v["headline"].as_str().unwrap().starts_with("6 workload and 2 optional flows newly blocked"),
        "{}",
        v["headline"]
    );
    let el: Vec<(&str, &str)> = v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["change"].as_str().unwrap(), e["id"].as_str().unwrap()))
        .collect();
    assert_eq!(el, vec![("added", "nsg-rule:adb-nsg/deny-internet-out")]);
}

// Without a NAT gateway and with default outbound access off, nothing carries internet-bound
// traffic out of the subnet (azure-net-semantics §4.1, §4.4): the SCC relay — a startup flow —
// breaks, and the NAT gateway's hourly meter leaves the bill.
#[test]
fn removing_the_nat_gateway_blocks_startup_and_drops_its_meters() {
    let tmp = scratch();
    let base = pattern("non-pl");
    let no_nat = edit(&base, "[[nat_gateways]]\nname = \"adb-nat\"\npublic_ips = [\"adb-nat-pip\"]\n", "")
        .replace("nat_gateway = \"adb-nat\"\n", "");
    let old = write(&tmp, "nat-old.toml", &base);
    let new = write(&tmp, "nat-new.toml", &no_nat);
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 1);
    let first = &v["flows"][0];
    assert_eq!(first["change"], "newly-blocked");
    assert_eq!(first["requirement"], "startup");
    let startup = ids(&flows(&v, "newly-blocked"))
        .into_iter()
        .filter(|n| n.starts_with("scc-relay"))
        .collect::<Vec<_>>();
    assert_eq!(startup, vec!["scc-relay/host", "scc-relay/container"]);
    assert!(
        v["headline"]
            .as_str()
            .unwrap()
            .starts_with("4 startup, 10 workload and 4 optional flows newly blocked"),
        "{}",
        v["headline"]
    );
    let meters = v["cost"]["meters"].as_array().unwrap();
    let hour = meters.iter().find(|m| m["meter"] == "nat-gateway-hour").expect("nat-gateway-hour changes");
    assert!(hour["delta"].as_f64().unwrap() < 0.0 && hour["new"] == 0.0, "{hour}");
    let delta = v["cost"]["delta"].as_f64().unwrap();
    let sum: f64 = meters.iter().map(|m| m["delta"].as_f64().unwrap()).sum();
    assert!((delta - sum).abs() < 1e-4, "{delta} vs {sum}");
    assert!(
        v["headline"].as_str().unwrap().ends_with(&format!("-${:.2}/month", -delta)),
        "{}",
        v["headline"]
    );
    assert!(v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["change"] == "removed" && e["id"] == "nat-gateway:adb-nat"));
    // Exfiltration paths close; nothing grows, so --fail-on exposure alone passes.
    assert_eq!(v["counts"]["exposure_grown"], 0);
    assert!(v["counts"]["exposure_reduced"].as_u64().unwrap() > 0);
    let (code, _) = diff_json(&old, &new, &["--fail-on", "exposure"]);
    assert_eq!(code, 0);
}

// Hub-spoke sends every internet-bound flow through the hub's Azure Firewall instead of a NAT
// gateway (databricks-net-facts §3b, azure-net-semantics §7.2): same verdicts, new egress, and the
// firewall's hourly price dominates the delta.
#[test]
fn non_pl_to_hub_spoke_reroutes_through_the_firewall_and_prices_it() {
    let o = adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["counts"]["newly_blocked_required"], 0);
    let relay = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "scc-relay" && f["source_role"] == "host")
        .expect("scc-relay changes path");
    assert_eq!(relay["change"], "path");
    assert_eq!(relay["old"]["egress"], "nat-gateway");
    assert_eq!(relay["new"]["egress"], "firewall");
    assert_eq!(relay["old"]["decided_by"]["id"], "nat-gateway:adb-nat");
    assert!(relay["new"]["decided_by"]["id"].as_str().unwrap().starts_with("firewall-rule:"), "{relay}");
    assert!(relay["new"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().starts_with("firewall")));
    // The cluster subnets moved VNet but are the same subnets to worker-to-worker traffic.
    assert!(!v["flows"].as_array().unwrap().iter().any(|f| f["id"] == "worker-to-worker"), "{}", v["flows"]);
    let meters = v["cost"]["meters"].as_array().unwrap();
    let fw = meters.iter().find(|m| m["meter"] == "firewall-hour").unwrap();
    assert!(fw["old"] == 0.0 && fw["delta"].as_f64().unwrap() > 0.0);
    let old_total = v["old"]["cost"]["total"].as_f64().unwrap();
    let new_total = v["new"]["cost"]["total"].as_f64().unwrap();
    assert!((v["cost"]["delta"].as_f64().unwrap() - (new_total - old_total)).abs() < 1e-6);
    assert!(v["capacity"]["new_binding"].as_str().unwrap().contains("firewall"), "{}", v["capacity"]);
    assert_eq!(v["old"]["label"], "pattern:non-pl");
    // A budget under the delta fails; one above it passes.
    let delta = v["cost"]["delta"].as_f64().unwrap();
    let args = |n: f64| {
        let f = format!("cost>{n}");
        adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke", "--fail-on", &f])
            .status
            .code()
    };
    assert_eq!(args((delta - 10.0).floor()), Some(1));
    assert_eq!(args((delta + 10.0).ceil()), Some(0));
}

fn with_lake_private_endpoint(linked: bool) -> String {
    let base = pattern("non-pl");
    let zone_links = if linked { "links = [{ vnet = \"adb-vnet\" }]\n" } else { "" };
    let added = format!(
        "[[vnets.subnets]]\nname = \"private-endpoints\"\nprefix = \"10.179.128.0/24\"\n\
         default_outbound_access = false\n\n[[private_endpoints]]\nname = \"lake-dfs-pe\"\n\
         subnet = \"adb-vnet/private-endpoints\"\nip = \"10.179.128.8\"\ntarget = \"adbdatalake\"\n\
         subresource = \"dfs\"\n\n[[private_dns_zones]]\nname = \"privatelink.dfs.core.windows.net\"\n\
         records = [{{ name = \"adbdatalake\", ips = [\"10.179.128.8\"] }}]\n{zone_links}\n# DBFS root"
    );
    let text = edit(&base, "# DBFS root", &added);
    edit(
        &text,
        "name = \"adbdatalake\"\nhns = true\n",
        "name = \"adbdatalake\"\nhns = true\npublic_network_access = \"Disabled\"\n",
    )
}

// A private endpoint only helps when the VNet resolves the name to it: the privatelink zone must be
// linked to the VNet (azure-net-semantics §6.1); with public access disabled the public answer is
// refused (§6.2). Unlinked, the data lake flow breaks; linked, it moves to the private endpoint.
#[test]
fn private_endpoint_without_a_linked_dns_zone_blocks_the_lake_and_with_one_reroutes_it() {
    let tmp = scratch();
    let old = write(&tmp, "pe-old.toml", &pattern("non-pl"));
    let unlinked = write(&tmp, "pe-unlinked.toml", &with_lake_private_endpoint(false));
    let (code, v) = diff_json(&old, &unlinked, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&flows(&v, "newly-blocked")),
        vec!["external-location/host", "external-location/container"]
    );
    assert_eq!(v["flows"][0]["instance"], "raw");
    let fix = v["flows"][0]["new"]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("link private DNS zone privatelink.dfs.core.windows.net"), "{}", v["flows"][0]);
    let added: Vec<&str> = v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"] == "added")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(added.contains(&"private-endpoint:lake-dfs-pe"), "{added:?}");
    assert!(!added.iter().any(|a| a.starts_with("dns-link:")), "{added:?}");

    let linked = write(&tmp, "pe-linked.toml", &with_lake_private_endpoint(true));
    let (code, v) = diff_json(&old, &linked, &[]);
    assert_eq!(code, 0, "{}", v["headline"]);
    let moved = flows(&v, "path");
    assert_eq!(ids(&moved), vec!["external-location/host", "external-location/container"]);
    assert_eq!(moved[0]["new"]["egress"], "private-endpoint");
    let exposure = &v["exposure"][0];
    assert_eq!(
        (exposure["old"].as_str(), exposure["new"].as_str()),
        (Some("restricted"), Some("private-only"))
    );
    assert_eq!(exposure["effect"], "shrinks");
}

/// The same file with its top-level tables in reverse order and the subnets swapped.
fn reordered(text: &str) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut head = String::new();
    for line in text.split_inclusive('\n') {
        let top = line.starts_with("[[") && !line.contains('.');
        if top {
            groups.push(String::new());
        }
        match groups.last_mut() {
            Some(g) => g.push_str(line),
            None => head.push_str(line),
        }
    }
    assert!(groups.len() > 5, "the pattern has many top-level tables");
    groups.reverse();
    let vnet = groups.iter_mut().find(|g| g.starts_with("[[vnets]]")).unwrap();
    let parts: Vec<&str> = vnet.split("[[vnets.subnets]]").collect();
    assert_eq!(parts.len(), 3);
    *vnet = format!("{}[[vnets.subnets]]{}[[vnets.subnets]]{}", parts[0], parts[2], parts[1]);
    head + &groups.concat()
}

#[test]
fn reordering_elements_is_an_empty_diff() {
    let tmp = scratch();
    let base = pattern("non-pl");
    let shuffled = reordered(&base);
    assert_ne!(base, shuffled);
    let old = write(&tmp, "order-old.toml", &base);
    let new = write(&tmp, "order-new.toml", &shuffled);
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["flows"], Value::Array(vec![]));
    assert_eq!(v["elements"], Value::Array(vec![]));
    assert_eq!(v["exposure"], Value::Array(vec![]));
    assert_eq!(v["cost"]["meters"], Value::Array(vec![]));
    assert_eq!(v["counts"]["unchanged"], v["new"]["counts"]["flows"]);
    assert_eq!(v["headline"], "No change to flows, exposure or cost");
}

// Azure evaluates NSG rules by priority, direction and match, not by name (azure-net-semantics
// §2.1): renaming a rule changes no verdict, and the diff says rename rather than delete + add.
#[test]
fn a_renamed_rule_is_a_rename_and_changes_no_flow() {
    let tmp = scratch();
    let deny = with_deny_rule();
    let old = write(&tmp, "rename-old.toml", &deny);
    let new = write(&tmp, "rename-new.toml", &edit(&deny, "deny-internet-out", "block-web-out"));
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 0, "nothing new is blocked: {}", v["headline"]);
    assert_eq!(v["flows"], Value::Array(vec![]));
    let el = v["elements"].as_array().unwrap();
    assert_eq!(el.len(), 1, "{el:?}");
    assert_eq!(el[0]["change"], "renamed");
    assert_eq!(el[0]["id"], "nsg-rule:adb-nsg/block-web-out");
    assert_eq!(el[0]["old_id"], "nsg-rule:adb-nsg/deny-internet-out");
}

#[test]
fn a_rule_renamed_and_changed_is_not_a_rename() {
    let tmp = scratch();
    let deny = with_deny_rule();
    let old = write(&tmp, "rechanged-old.toml", &deny);
    let changed =
        edit(&edit(&deny, "deny-internet-out", "block-web-out"), "priority = 4000", "priority = 3900");
    let new = write(&tmp, "rechanged-new.toml", &changed);
    let (_, v) = diff_json(&old, &new, &[]);
    let el: Vec<(&str, &str)> = v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["change"].as_str().unwrap(), e["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        el,
        vec![("added", "nsg-rule:adb-nsg/block-web-out"), ("removed", "nsg-rule:adb-nsg/deny-internet-out")]
    );
}

// Opening the workspace front end to the internet is more exposure (databricks-net-facts §5).
#[test]
fn enabling_public_access_grows_exposure_and_fails() {
    let tmp = scratch();
    let base = pattern("full-private");
    let open = edit(
        &base,
        "no_public_ip = true\npublic_network_access = \"Disabled\"",
        "no_public_ip = true\npublic_network_access = \"Enabled\"",
    );
    let old = write(&tmp, "exp-old.toml", &base);
    let new = write(&tmp, "exp-new.toml", &open);
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 1, "{}", v["headline"]);
    assert!(v["counts"]["exposure_grown"].as_u64().unwrap() >= 1);
    let grown: Vec<&Value> =
        v["exposure"].as_array().unwrap().iter().filter(|e| e["effect"] == "grows").collect();
    assert!(grown.iter().any(|e| e["element"]["id"] == "workspace:adb-ws"), "{}", v["exposure"]);
    let (code, _) = diff_json(&old, &new, &["--fail-on", "blocked"]);
    assert_eq!(code, 0, "--fail-on blocked alone ignores exposure");
}

#[test]
fn markdown_example_in_docs_is_current() {
    let o =
        adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("### "), "{md}");
    assert!(md.contains("<details><summary>Monthly cost +$"), "{md}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/diff-non-pl-to-hub-spoke.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let body = committed.split_once("<!-- generated -->\n").map(|(_, b)| b).unwrap_or("");
    assert!(
        body == md,
        "docs/examples/diff-non-pl-to-hub-spoke.md is stale: regenerate with \
         `adbflow diff --old-pattern non-pl --new-pattern hub-spoke --format markdown`"
    );
}

#[test]
fn sarif_points_at_the_rule_that_blocks() {
    let tmp = scratch();
    let old = write(&tmp, "sarif-old.toml", &pattern("non-pl"));
    let new = write(&tmp, "sarif-new.toml", &with_deny_rule());
    let o = adbflow(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 8, "6 workload + 2 optional newly blocked");
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 6);
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"].as_str().unwrap().ends_with("sarif-new.toml"), "{loc}");
    let line = loc["region"]["startLine"].as_u64().unwrap();
    let rule_line = with_deny_rule().lines().position(|l| l == "[[nsgs.rules]]").unwrap() as u64 + 1;
    assert_eq!(line, rule_line);
}

#[test]
fn table_output_summarises_unchanged_flows_and_is_deterministic() {
    let run = || adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke"]);
    let (a, b) = (run(), run());
    assert_eq!(stdout(&a), stdout(&b));
    let s = stdout(&a);
    assert!(s.contains("flow(s) unchanged."), "{s}");
    assert!(s.contains("firewall-hour"), "{s}");
    insta::assert_snapshot!("diff_non-pl_to_hub-spoke_table", s);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = scratch();
    let o = adbflow(&["diff", "--old-pattern", "non-pl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("new side"), "{}", stderr(&o));
    let o = adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "hub-spoke", "--fail-on", "often"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cost>N"), "{}", stderr(&o));
    let o = adbflow(&["diff", "--old-pattern", "non-pl", "--new-pattern", "no-such-pattern"]);
    assert_eq!(o.status.code(), Some(2));
    let missing = tmp.path().join("missing.toml");
    let o = adbflow(&["diff", "--old-pattern", "non-pl", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}

fn terraform_fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adbflow-import/tests/fixtures/terraform/patterns")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

// Terraform keeps a resource's address across a rename of its `name`: the address is the identity.
#[test]
fn terraform_plan_rename_is_matched_by_resource_address() {
    let tmp = scratch();
    let plan = terraform_fixture("non-pl.plan.json");
    let old = write(&tmp, "tf-old.plan.json", &plan);
    let new = write(&tmp, "tf-new.plan.json", &edit(&plan, "\"adb-nat\"", "\"adb-egress\""));
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["flows"], Value::Array(vec![]), "a rename moves no flow");
    let renamed: Vec<&Value> =
        v["elements"].as_array().unwrap().iter().filter(|e| e["change"] == "renamed").collect();
    assert_eq!(renamed.len(), 1, "{}", v["elements"]);
    assert_eq!(renamed[0]["id"], "nat-gateway:adb-egress");
    assert_eq!(renamed[0]["old_id"], "nat-gateway:adb-nat");
    assert_eq!(renamed[0]["origin"]["address"], "module.network.azurerm_nat_gateway.this");
}

// Inline security_rule blocks share their NSG's address; a renamed inline rule is still found by
// its content, and no other rule is paired with the wrong partner.
#[test]
fn terraform_inline_rule_rename_is_matched_by_content() {
    let tmp = scratch();
    let state = terraform_fixture("non-pl.state.json");
    let old = write(&tmp, "tf-old.state.json", &state);
    let renamed = edit(
        &state,
        "\"Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-sql\"",
        "\"worker-to-sql\"",
    );
    let new = write(&tmp, "tf-new.state.json", &renamed);
    let (code, v) = diff_json(&old, &new, &[]);
    assert_eq!(code, 0);
    let el = v["elements"].as_array().unwrap();
    assert_eq!(el.len(), 1, "{el:?}");
    assert_eq!(el[0]["change"], "renamed");
    assert_eq!(el[0]["id"], "nsg-rule:adb-nsg/worker-to-sql");
    assert_eq!(el[0]["kind"], "nsg-rule");
}

// The comment a reviewer sees when a change breaks cluster startup: run from the files' directory
// so the labels and positions in the snapshot are the relative names.
#[test]
fn markdown_for_a_breaking_change_leads_with_the_blocked_flows() {
    let tmp = scratch();
    let base = pattern("non-pl");
    let no_nat = edit(&base, "[[nat_gateways]]\nname = \"adb-nat\"\npublic_ips = [\"adb-nat-pip\"]\n", "")
        .replace("nat_gateway = \"adb-nat\"\n", "");
    let d = tmp.path().join("md");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("before.toml"), &base).unwrap();
    std::fs::write(d.join("after.toml"), &no_nat).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_adbflow"))
        .args(["diff", "before.toml", "after.toml", "--format", "markdown"])
        .current_dir(&d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let md = stdout(&o);
    assert!(
        md.starts_with("### ❌ adbflow diff: 4 startup, 10 workload and 4 optional flows newly blocked"),
        "{md}"
    );
    let blocked_at = md.find("**Newly blocked (startup and workload)**").expect("newly blocked section");
    assert!(blocked_at < md.find("<details>").unwrap(), "blocked flows are shown before the details");
    assert!(md.contains("4 optional flow(s) newly blocked"), "{md}");
    assert!(
        !md[..md.find("<details>").unwrap()].contains("(host, optional)"),
        "optional flows wait in the details"
    );
    insta::assert_snapshot!("diff_remove_nat_markdown", md);
}
