//! What every fuzz target checks once an input loads: the semantics engine answers for it, and its
//! answers keep the invariants the rest of adbflow relies on (ARCHITECTURE.md):
//!
//! - every subnet's effective routes have exactly one Active route per prefix;
//! - every blocked trace names the element that decided it;
//! - a Databricks `check` of the estate names a deciding element for every blocked flow.
//!
//! Termination is libFuzzer's `-timeout`: an input that makes evaluation hang is reported as one.

pub mod estate_gen;

use adbflow_databricks::{CheckOptions, FlowVerdict};
use adbflow_model::{Estate, Protocol};
use adbflow_net::{FlowSpec, Network, ServiceTags, Verdict};
use std::collections::BTreeSet;

/// Destinations each subnet is traced to: internet names, private and public addresses, and every
/// name the estate itself knows (bounded, so a huge estate stays fast).
fn destinations(estate: &Estate) -> Vec<String> {
    let mut out: Vec<String> =
        ["pypi.org", "10.0.0.4", "10.1.2.10", "192.168.1.1", "8.8.8.8", "168.63.129.16"]
            .map(String::from)
            .to_vec();
    out.extend(estate.endpoints.iter().take(8).map(|e| e.fqdn.clone()));
    out.extend(estate.storage_accounts.iter().take(4).map(|s| format!("{}.blob.core.windows.net", s.name)));
    out
}

pub fn check_invariants(estate: Estate) {
    let net = Network::new(estate.clone(), ServiceTags::symbolic());
    let subnets: Vec<String> = estate
        .vnets
        .iter()
        .flat_map(|v| v.subnets.iter().map(move |s| format!("{}/{}", v.name, s.name)))
        .take(16)
        .collect();
    let hosts = destinations(&estate);
    for subnet in &subnets {
        if let Some(routes) = net.routes(subnet) {
            let mut active = BTreeSet::new();
            for r in routes.iter().filter(|r| r.is_active()) {
                let key = format!("{:?}", r.prefix);
                assert!(active.insert(key.clone()), "two Active routes for {key} in {subnet}");
            }
        }
        for host in &hosts {
            for (port, protocol) in [(443, Protocol::Tcp), (53, Protocol::Udp)] {
                let t = net.trace(&FlowSpec {
                    from_subnet: subnet.as_str().into(),
                    to_host: host.as_str().into(),
                    port,
                    protocol,
                });
                if t.verdict == Verdict::Blocked {
                    let b =
                        t.blocked_by.as_ref().unwrap_or_else(|| panic!("blocked without blocked_by: {t:?}"));
                    assert!(!b.element.id.is_empty(), "blocked by an unnamed element: {t:?}");
                }
            }
        }
    }
    if estate.workspaces.is_empty() {
        return;
    }
    // Databricks' view: a workspace that cannot be prepared is an input error, not a crash.
    if let Ok(report) = adbflow_databricks::check(&estate, &ServiceTags::symbolic(), &CheckOptions::default())
    {
        for f in report.flows.iter().filter(|f| f.verdict != FlowVerdict::Delivered) {
            let b = f.blocked_by.as_ref().unwrap_or_else(|| panic!("{} blocked without blocked_by", f.id));
            assert!(!b.element.id.is_empty(), "{} blocked by an unnamed element", f.id);
        }
    }
}
