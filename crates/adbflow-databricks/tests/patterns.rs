//! The three reference patterns, checked through the twin, must behave as DESIGN.md and the issue's
//! acceptance criteria say, in more than one region.

mod common;

use adbflow_databricks::check::FlowVerdict;
use adbflow_databricks::plan::SourceRole::{self, Container, Host, User};
use adbflow_databricks::{FlowId, Requirement};
use adbflow_net::HopKind;
use common::*;

const REGIONS: [&str; 2] = ["eastus2", "westeurope"];
const NICS: [SourceRole; 2] = [Host, Container];

// DESIGN.md "non-pl" and "Where the seed document is wrong" 1, 4.
#[test]
fn non_pl_delivers_everything_with_nat_for_the_control_plane_and_service_endpoints_for_storage() {
    for region in REGIONS {
        let r = run(&pattern("non-pl", region));
        let failures: Vec<_> = r.failures().map(|f| (f.id, f.subnet.clone(), f.blocked_by.clone())).collect();
        assert!(failures.is_empty(), "{region}: {failures:#?}");
        assert_eq!(r.exit_code(), 0, "{region}");
        for role in NICS {
            for id in [FlowId::SccRelay, FlowId::Webapp, FlowId::Pypi] {
                let f = flow(&r, id, role);
                assert_delivered(f);
                assert_eq!(f.egress, "nat-gateway", "{region} {id} from {role:?}");
            }
            for id in [FlowId::ArtifactPrimary, FlowId::DbfsBlob, FlowId::DbfsDfs, FlowId::UcStorage] {
                assert_eq!(flow(&r, id, role).egress, "service-endpoint", "{region} {id} from {role:?}");
            }
            let relay = flow(&r, FlowId::SccRelay, role);
            assert!(
                relay.nsg_rule.as_ref().unwrap().id.ends_with("databricks-worker-to-databricks-webapp"),
                "the Databricks-managed rule lets the tunnel out: {:?}",
                relay.nsg_rule
            );
        }
        assert_delivered(flow(&r, FlowId::UserApi, User));
        assert_ne!(flow(&r, FlowId::ArtifactSecondary, Host).egress, "service-endpoint", "another region");
    }
}

// DESIGN.md "full-private"; issue acceptance: relay and web app through the back-end endpoint, DBFS and
// UC storage through private endpoints with private DNS, public PyPI blocked by design.
#[test]
fn full_private_uses_private_endpoints_and_blocks_public_pypi_by_design() {
    for region in REGIONS {
        let r = run(&pattern("full-private", region));
        for role in NICS {
            for id in [FlowId::SccRelay, FlowId::Webapp, FlowId::DbfsBlob, FlowId::DbfsDfs, FlowId::UcStorage]
            {
                let f = flow(&r, id, role);
                assert_delivered(f);
                assert_eq!(f.egress, "private-endpoint", "{region} {id} from {role:?}");
            }
            for id in [FlowId::DbfsDfs, FlowId::UcStorage] {
                let dns = flow(&r, id, role).hops.iter().find(|h| h.kind == HopKind::Dns).expect("a DNS hop");
                assert!(
                    dns.decided_by.id.contains("privatelink.dfs.core.windows.net"),
                    "{:?}",
                    dns.decided_by
                );
            }
            let p = flow(&r, FlowId::Pypi, role);
            assert_eq!(p.verdict, FlowVerdict::BlockedByDesign, "{region}: {:?}", p.blocked_by);
        }
        for f in r.flows.iter().filter(|f| f.requirement == Requirement::Startup) {
            if let Some(b) = &f.blocked_by {
                assert!(!b.element.id.is_empty() && !b.message.is_empty(), "{region} {}: {b:?}", f.id);
            }
        }
        let api = flow(&r, FlowId::UserApi, User);
        assert_delivered(api);
        assert_eq!(api.egress, "private-endpoint");
        assert_delivered(flow(&r, FlowId::BrowserAuth, User));
    }
}

// The full-private design reaches every required flow without internet egress: Databricks-managed
// storage, the Hive metastore and Event Hub through service endpoints.
#[test]
fn full_private_has_no_required_flow_blocked() {
    for region in REGIONS {
        let r = run(&pattern("full-private", region));
        let failures: Vec<_> = r.failures().map(|f| (f.id, f.subnet.clone(), f.blocked_by.clone())).collect();
        assert!(failures.is_empty(), "{region}: {failures:#?}");
        assert_eq!(flow(&r, FlowId::ArtifactPrimary, Host).egress, "service-endpoint");
    }
}

fn firewall_rule(f: &adbflow_databricks::CheckFlow) -> String {
    f.hops
        .iter()
        .find(|h| h.kind == HopKind::Firewall)
        .map(|h| h.decided_by.id.clone())
        .unwrap_or_default()
        .to_string()
}

// DESIGN.md "hub-spoke"; issue acceptance: internet and Databricks traffic through the firewall with the
// deciding rule shown; storage with a service endpoint bypasses it.
#[test]
fn hub_spoke_sends_everything_but_storage_through_the_firewall() {
    for region in REGIONS {
        let r = run(&pattern("hub-spoke", region));
        let failures: Vec<_> = r.failures().map(|f| (f.id, f.subnet.clone(), f.blocked_by.clone())).collect();
        assert!(failures.is_empty(), "{region}: {failures:#?}");
        for role in NICS {
            let rule = |id| {
                let f = flow(&r, id, role);
                assert_delivered(f);
                assert_eq!(f.egress, "firewall", "{region} {id} from {role:?}");
                firewall_rule(f)
            };
            assert_eq!(
                rule(FlowId::SccRelay),
                "firewall-rule:hub-fw-policy/databricks/databricks-application/scc-relay"
            );
            assert_eq!(
                rule(FlowId::Webapp),
                "firewall-rule:hub-fw-policy/databricks/databricks-network/webapp"
            );
            assert_eq!(
                rule(FlowId::Metastore),
                "firewall-rule:hub-fw-policy/databricks/databricks-network/metastore"
            );
            assert_eq!(rule(FlowId::Pypi), "firewall-rule:hub-fw-policy/libraries/package-repositories/pypi");
            assert_eq!(
                rule(FlowId::ArtifactSecondary),
                "firewall-rule:hub-fw-policy/databricks/databricks-application/databricks-storage"
            );
            for id in [FlowId::ArtifactPrimary, FlowId::DbfsBlob, FlowId::DbfsDfs, FlowId::UcStorage] {
                let f = flow(&r, id, role);
                assert_eq!(f.egress, "service-endpoint", "{region} {id} from {role:?}");
                assert!(firewall_rule(f).is_empty(), "{id} must not cross the firewall");
            }
        }
    }
}

#[test]
fn every_pattern_checks_deterministically_in_two_regions() {
    for p in ["non-pl", "full-private", "hub-spoke"] {
        for region in REGIONS {
            let a = serde_json::to_string(&run(&pattern(p, region))).unwrap();
            let b = serde_json::to_string(&run(&pattern(p, region))).unwrap();
            assert_eq!(a, b, "{p} {region}");
            assert!(a.contains(&format!("\"region\":\"{region}\"")));
        }
    }
}
