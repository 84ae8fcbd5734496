//! Exfiltration paths: from every cluster subnet, can a node reach a destination nobody chose —
//! any internet host, any storage account in the workspace's region, any storage account elsewhere?
//! Answered by walking probe flows through the twin to names that belong to no one in the estate,
//! so the answer names the element that lets them out (a NAT gateway, a firewall rule, a service
//! endpoint without a policy) or the one that stops them (no egress, a firewall's default deny,
//! a service endpoint policy). Azure semantics §5.2: a service endpoint without a policy reaches
//! every account of the service in its region.

use crate::findings::{Finding, FindingSeverity};
use crate::prepare::Prepared;
use adbflow_model::{ElementRef, Endpoint, Lookup, Origin, Protocol, PublicNetworkAccess};
use adbflow_net::tags::regional_tag;
use adbflow_net::{BlockedBy, FlowSpec, Hop, HopKind, Network, ServiceTags};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Who adds the probe names: they are no part of the user's deployment.
pub const PROBE_ORIGIN: &str = "adbflow security probe";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExfilTarget {
    /// A host on the public internet that nobody allowed.
    InternetHost,
    /// A storage account in the workspace's region that belongs to someone else.
    StorageSameRegion,
    /// A storage account in another region that belongs to someone else.
    StorageOtherRegion,
}

impl ExfilTarget {
    pub const ALL: [ExfilTarget; 3] =
        [ExfilTarget::InternetHost, ExfilTarget::StorageSameRegion, ExfilTarget::StorageOtherRegion];

    pub fn as_str(self) -> &'static str {
        match self {
            ExfilTarget::InternetHost => "internet-host",
            ExfilTarget::StorageSameRegion => "storage-same-region",
            ExfilTarget::StorageOtherRegion => "storage-other-region",
        }
    }

    pub fn describe(self, region: &str) -> String {
        match self {
            ExfilTarget::InternetHost => "any internet host".into(),
            ExfilTarget::StorageSameRegion => format!("any storage account in {region}"),
            ExfilTarget::StorageOtherRegion => "any storage account in another region".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExfilProbe {
    pub workspace: String,
    /// `VNET/SUBNET` the probe leaves from.
    pub subnet: String,
    pub target: ExfilTarget,
    /// What the target stands for, in words (`any storage account in eastus2`).
    pub description: String,
    /// The stand-in name walked (it belongs to no one in the estate).
    pub host: String,
    pub port: u16,
    /// True when the probe gets out: a path to destinations nobody chose.
    pub open: bool,
    pub egress: String,
    /// The element that carries it out (NAT gateway, firewall rule, service-endpoint route).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<ElementRef>,
    /// The element that stops it, when it is stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<BlockedBy>,
    pub hops: Vec<Hop>,
}

fn other_region(region: &str) -> &'static str {
    if region.eq_ignore_ascii_case("westus") {
        "eastus"
    } else {
        "westus"
    }
}

fn probe_endpoint(
    fqdn: String,
    region: Option<&str>,
    tags: Vec<String>,
    resource: Option<String>,
) -> Endpoint {
    Endpoint {
        fqdn,
        region: region.map(str::to_string),
        service_tags: tags,
        ips: Vec::new(),
        resource,
        subresource: None,
        private_link_zone: None,
        description: Some(
            "exfiltration probe: a destination that belongs to no one in the deployment".into(),
        ),
        public_network_access: PublicNetworkAccess::Enabled,
        allowed_source_ips: Vec::new(),
        origin: Some(Origin::platform(PROBE_ORIGIN)),
    }
}

/// The probe name for a target, and the endpoint that describes it.
fn probe_for(target: ExfilTarget, region: &str) -> Endpoint {
    match target {
        ExfilTarget::InternetHost => {
            probe_endpoint("exfiltration-probe.example.net".into(), None, Vec::new(), None)
        }
        ExfilTarget::StorageSameRegion => {
            let account = "exfilprobesameregion".to_string();
            probe_endpoint(
                format!("{account}.blob.core.windows.net"),
                Some(region),
                vec![regional_tag("Storage", region)],
                Some(account),
            )
        }
        ExfilTarget::StorageOtherRegion => {
            let other = other_region(region);
            let account = "exfilprobeotherregion".to_string();
            probe_endpoint(
                format!("{account}.blob.core.windows.net"),
                Some(other),
                vec![regional_tag("Storage", other)],
                Some(account),
            )
        }
    }
}

/// The element that carries a delivered probe out: the firewall rule that allowed it, else the
/// egress device, else the route.
fn carrier(hops: &[Hop]) -> Option<ElementRef> {
    [HopKind::Firewall, HopKind::Egress, HopKind::Route]
        .iter()
        .find_map(|k| hops.iter().find(|h| h.kind == *k).map(|h| h.decided_by.clone()))
}

pub(crate) fn probe(prepared: &Prepared, tags: &ServiceTags) -> Vec<ExfilProbe> {
    let mut estate = prepared.estate.clone();
    // By name and by workspace rather than scanned per workspace: an enterprise estate has an
    // endpoint, a VNet and targets per workspace, and the scans grew with its square.
    let mut known: HashSet<String> = estate.endpoints.iter().map(|e| e.fqdn.clone()).collect();
    let mut targets: HashMap<&str, Vec<(ExfilTarget, Endpoint)>> = HashMap::new();
    for pw in &prepared.workspaces {
        for t in ExfilTarget::ALL {
            let ep = probe_for(t, &pw.region.name);
            if known.insert(ep.fqdn.clone()) {
                estate.endpoints.push(ep.clone());
            }
            targets.entry(pw.workspace.name.as_str()).or_default().push((t, ep));
        }
    }
    let net = Network::new(estate, tags.clone());
    let lookup = Lookup::new(net.estate());
    let mut out = Vec::new();
    for pw in &prepared.workspaces {
        let ws = &pw.workspace;
        let region = &pw.region.name;
        let mut subnets = vec![ws.host_path(), ws.container_path()];
        subnets.dedup();
        for subnet in subnets {
            if lookup.subnet(&subnet).is_none() {
                continue;
            }
            for (target, ep) in targets.get(ws.name.as_str()).into_iter().flatten() {
                let t = net.trace(&FlowSpec {
                    from_subnet: subnet.as_str().into(),
                    to_host: ep.fqdn.as_str().into(),
                    port: 443,
                    protocol: Protocol::Tcp,
                });
                let open = t.is_delivered();
                out.push(ExfilProbe {
                    workspace: ws.name.clone(),
                    subnet: subnet.clone(),
                    target: *target,
                    description: target.describe(region),
                    host: ep.fqdn.clone(),
                    port: 443,
                    open,
                    egress: t.egress.as_str().to_string(),
                    via: if open { carrier(&t.hops) } else { None },
                    stopped_by: if open { None } else { t.blocked_by.clone() },
                    hops: t.hops,
                });
            }
        }
    }
    out
}

fn fix(target: ExfilTarget, egress: &str) -> &'static str {
    match (target, egress) {
        (ExfilTarget::StorageSameRegion, "service-endpoint") => {
            "attach a service endpoint policy to the subnets that lists your storage accounts (and the \
             /services/Azure/Databricks alias for Databricks-managed storage)"
        }
        (_, "firewall") => "narrow the firewall rule to the destinations the workspace needs",
        _ => {
            "send 0.0.0.0/0 through Azure Firewall (or another inspecting appliance) that allows only the \
             Databricks endpoints and your repositories, as in the hub-spoke pattern"
        }
    }
}

/// One warning per workspace, target and carrier, naming every subnet it is open from.
pub(crate) fn findings(probes: &[ExfilProbe]) -> Vec<Finding> {
    let mut groups: BTreeMap<(String, ExfilTarget, String), Vec<&ExfilProbe>> = BTreeMap::new();
    for p in probes.iter().filter(|p| p.open) {
        let via = p.via.as_ref().map(|v| v.id.clone()).unwrap_or_default();
        groups.entry((p.workspace.clone(), p.target, via.to_string())).or_default().push(p);
    }
    groups
        .into_values()
        .map(|ps| {
            let p = ps[0];
            let subnets: Vec<&str> = ps.iter().map(|x| x.subnet.as_str()).collect();
            let via = p.via.as_ref().map(|v| v.name.clone()).unwrap_or_else(|| p.egress.clone().into());
            let mut f = Finding::new(
                FindingSeverity::Warning,
                "exfiltration-path",
                format!(
                    "nodes in {} can send data to {} through {} ({via}): nothing limits the destination; fix: {}",
                    subnets.join(", "),
                    p.description,
                    p.egress,
                    fix(p.target, &p.egress)
                ),
            )
            .workspace(&p.workspace);
            f.element = p.via.clone();
            f
        })
        .collect()
}
