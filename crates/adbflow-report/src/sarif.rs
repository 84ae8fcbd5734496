//! SARIF 2.1.0 logs of `check` and `security` findings, for GitHub code scanning and other SARIF
//! consumers. Rule IDs are the finding codes (stable, documented in docs/output.md); each result
//! points at where the deciding element is defined — file, line and column for native files, the
//! resource address for Terraform — with the element's stable ID as a logical location. Findings
//! about elements the platform adds point at the workspace that causes them.

use adbflow_databricks::by_workspace::{by_workspace, rows_of};
use adbflow_databricks::check::{fix_candidates, CheckReport, CheckRun, WorkspaceSummary};
use adbflow_databricks::findings::{Finding, FindingSeverity};
use adbflow_databricks::SecurityReport;
use adbflow_model::{ElementRef, Origin};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// What a rule is about: (PascalCase name, one-line description, help text, security severity).
pub fn rule_text(code: &str) -> (&'static str, &'static str, &'static str, Option<&'static str>) {
    match code {
        "flow-blocked" => (
            "RequiredFlowBlocked",
            "A flow Databricks clusters need to start or to run workloads is blocked.",
            "The path of a required flow is blocked by the element named in the result. Clusters fail to start \
             (the termination code is in the message) or workloads fail. Apply the fix in the message and run \
             `adbflow check` again; `adbflow trace` shows the path hop by hop.",
            None,
        ),
        "optional-flow-blocked" => (
            "OptionalFlowBlocked",
            "An optional flow is blocked.",
            "Nothing required fails, but the feature behind this flow will not work.",
            None,
        ),
        "blocked-by-design" => (
            "BlockedByDesign",
            "A flow the workspace declares it does not use is blocked.",
            "The workspace says it does not use this destination (e.g. a library source `none`); the block is expected.",
            None,
        ),
        "subnet-nsg-missing" => (
            "WorkspaceSubnetWithoutNsg",
            "A workspace subnet has no network security group.",
            "Azure refuses to deploy a VNet-injected workspace whose subnets have no NSG. Associate one (it may be empty: Databricks adds its rules).",
            None,
        ),
        "managed-rule-conflict" => (
            "ManagedRuleConflict",
            "A user NSG rule holds a priority Databricks needs for its managed rules.",
            "Azure rejects the workspace deployment. Move the user rule to another priority.",
            None,
        ),
        "control-plane-via-nat" => (
            "ControlPlaneViaNat",
            "Control-plane traffic leaves through the NAT gateway.",
            "NSG service tags only filter; routes decide the path. Without Private Link the SCC relay and web application traffic is SNATed and billed by the NAT gateway.",
            None,
        ),
        "cross-region-artifacts" => (
            "CrossRegionArtifacts",
            "The secondary artifact account is in another region and bypasses the storage service endpoint.",
            "The Microsoft.Storage service endpoint covers the subnet's own region only; the fallback artifact account leaves through the egress device.",
            None,
        ),
        "exfiltration-path" => (
            "ExfiltrationPath",
            "Cluster nodes can send data to destinations nobody allowed.",
            "A probe to a destination that belongs to no one in the deployment (any internet host, any storage \
             account) gets out of a cluster subnet. Route egress through a firewall that allows only the \
             Databricks endpoints and your repositories, and attach a service endpoint policy that lists your \
             storage accounts.",
            Some("6.5"),
        ),
        "workspace-public-unrestricted" => (
            "WorkspacePublicUnrestricted",
            "The workspace accepts requests from any internet address.",
            "Add an IP access list that allows only your egress ranges, or disable public network access and use front-end Private Link.",
            Some("5.3"),
        ),
        "storage-public-unrestricted" => (
            "StoragePublicUnrestricted",
            "A storage account accepts requests from any internet address.",
            "Set the storage firewall's default action to Deny and allow the workspace subnets, or disable public network access and use private endpoints.",
            Some("6.5"),
        ),
        "cluster-nodes-public-ip" => (
            "ClusterNodesPublicIp",
            "Cluster nodes have public IP addresses.",
            "Enable secure cluster connectivity (no public IP) so nodes are not reachable from the internet.",
            Some("5.0"),
        ),
        "dnat-any-source" => (
            "FirewallDnatAnySource",
            "A firewall DNAT rule publishes an internal address to any internet source.",
            "Limit the DNAT rule's source addresses.",
            Some("7.0"),
        ),
        _ => ("AdbflowFinding", "A finding of adbflow.", "See the message for what was found and why.", None),
    }
}

fn level(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Error => "error",
        FindingSeverity::Warning => "warning",
        FindingSeverity::Info => "note",
    }
}

/// A file name as a SARIF URI: relative paths stay relative to the checkout (`%SRCROOT%`).
fn artifact(file: &str) -> Value {
    let f = file.replace('\\', "/");
    if f.starts_with('/') {
        json!({ "uri": format!("file://{f}") })
    } else if f.contains(':') && !f.starts_with("./") {
        // `pattern:non-pl` and other non-file sources are already URIs of their own.
        json!({ "uri": f })
    } else {
        json!({ "uri": f.trim_start_matches("./"), "uriBaseId": "%SRCROOT%" })
    }
}

fn logical(e: &ElementRef, extra: Option<&str>) -> Value {
    let mut v = json!({ "fullyQualifiedName": e.id, "name": e.name, "kind": "resource" });
    if let Some(x) = extra {
        v["decoratedName"] = json!(x);
    }
    v
}

/// The SARIF location of an element, or `None` when it has no place in the user's files.
pub fn location(e: &ElementRef) -> Option<Value> {
    let physical = match e.origin.as_ref()? {
        Origin::File { file, line, column } => json!({
            "artifactLocation": artifact(file),
            "region": { "startLine": line, "startColumn": column }
        }),
        Origin::Path { file, path } => {
            return Some(json!({
                "physicalLocation": { "artifactLocation": artifact(file) },
                "logicalLocations": [logical(e, Some(path))]
            }))
        }
        Origin::Address { file, address } => {
            return Some(json!({
                "physicalLocation": { "artifactLocation": artifact(file) },
                "logicalLocations": [logical(e, Some(address))]
            }))
        }
        Origin::Platform { .. } => return None,
    };
    Some(json!({ "physicalLocation": physical, "logicalLocations": [logical(e, None)] }))
}

fn workspace_element(w: &WorkspaceSummary) -> ElementRef {
    ElementRef::new(format!("workspace:{}", w.name), &w.name, w.origin.clone())
}

/// The element's own location; for platform elements the workspace's, with the element as a
/// logical location so the reader still sees what decided.
/// `by_name`: the report's workspaces by name (every finding asks); `first`: its first workspace.
fn locate(f: &Finding, by_name: &WorkspacesByName<'_>, first: Option<&WorkspaceSummary>) -> Vec<Value> {
    let ws = f
        .workspace
        .as_ref()
        .and_then(|n| rows_of(by_name, n).first().copied())
        .or(first)
        .map(workspace_element);
    if let Some(loc) = f.element.as_ref().and_then(location) {
        return vec![loc];
    }
    match (ws.as_ref().and_then(location), &f.element) {
        (Some(mut loc), Some(e)) => {
            loc["logicalLocations"] = json!([logical(e, None)]);
            vec![loc]
        }
        (Some(loc), None) => vec![loc],
        (None, _) => Vec::new(),
    }
}

type WorkspacesByName<'w> = HashMap<&'w str, Vec<&'w WorkspaceSummary>>;

fn log(tool_run: &str, findings: &[(Finding, String)], workspaces: &[WorkspaceSummary]) -> String {
    let by_name = by_workspace(workspaces, |w| &w.name);
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, _) in findings {
        let n = codes.len();
        codes.entry(f.code).or_insert(n);
    }
    let mut ordered: Vec<(&str, usize)> = codes.iter().map(|(c, i)| (*c, *i)).collect();
    ordered.sort_by_key(|(_, i)| *i);
    let rules: Vec<Value> = ordered
        .iter()
        .map(|(code, _)| {
            let (name, short, help, sev) = rule_text(code);
            let default = findings.iter().find(|(f, _)| f.code == *code).map(|(f, _)| level(f.severity));
            let mut props = Map::new();
            props.insert(
                "tags".into(),
                json!(if sev.is_some() { vec!["security", "network"] } else { vec!["network"] }),
            );
            if let Some(s) = sev {
                props.insert("security-severity".into(), json!(s));
            }
            json!({
                "id": code,
                "name": name,
                "shortDescription": { "text": short },
                "fullDescription": { "text": help },
                "help": { "text": help },
                "defaultConfiguration": { "level": default.unwrap_or("warning") },
                "properties": props
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|(f, message)| {
            let mut props = Map::new();
            if let Some(w) = &f.workspace {
                props.insert("workspace".into(), json!(w));
            }
            if let Some(fl) = f.flow {
                props.insert("flow".into(), json!(fl.as_str()));
            }
            if let Some(e) = &f.element {
                props.insert("element".into(), json!(e.id));
            }
            if f.inferred {
                props.insert("inferred".into(), json!(true));
            }
            let fingerprint = format!(
                "{}|{}|{}|{}",
                f.code,
                f.workspace.as_deref().unwrap_or(""),
                f.flow.map(|x| x.as_str()).unwrap_or(""),
                f.element.as_ref().map(|e| e.id.as_str()).unwrap_or("")
            );
            json!({
                "ruleId": f.code,
                "ruleIndex": codes[f.code],
                "level": level(f.severity),
                "message": { "text": message },
                "locations": locate(f, &by_name, workspaces.first()),
                "partialFingerprints": { "adbflowFinding/v1": fingerprint },
                "properties": props
            })
        })
        .collect();
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "adbflow",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules
            } },
            "automationDetails": { "id": format!("adbflow/{tool_run}/") },
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    crate::to_json(&doc)
}

/// `check` findings as SARIF; blocked-flow results carry their fix.
pub fn check(r: &CheckReport) -> String {
    let fixes = r.fixes();
    let findings: Vec<(Finding, String)> = r
        .findings
        .iter()
        .map(|f| {
            let fix = fixes.of(f);
            let msg = match fix {
                Some(x) => format!("{} Fix: {}", f.message, x.action),
                None => f.message.clone(),
            };
            (f.clone(), msg)
        })
        .collect();
    log("check", &findings, &r.workspaces)
}

/// Runs `run` and writes its findings as [`check`] would, keeping of the flows only those a
/// finding's fix can come from ([`fix_candidates`]). Returns the report with those flows.
pub fn write_check_run(run: CheckRun, out: &mut dyn std::io::Write) -> std::io::Result<CheckReport> {
    let (mut report, kept) = run.per_workspace(CheckRun::BATCH, |_, _, flows| fix_candidates(flows));
    report.flows = kept.into_iter().flatten().collect();
    out.write_all(check(&report).as_bytes())?;
    Ok(report)
}

/// `security` findings as SARIF; locations of platform elements fall back to the workspace in `check`.
pub fn security(r: &SecurityReport, check: &CheckReport) -> String {
    let findings: Vec<(Finding, String)> =
        r.findings.iter().map(|f| (f.clone(), f.message.clone())).collect();
    log("security", &findings, &check.workspaces)
}
