//! The attack surface: every element with a public face — workspaces, storage accounts, cluster
//! nodes, NAT gateways, firewalls, load balancers, gateways, stray public IPs — and what restricts
//! who can reach it (public network access, IP access lists, storage firewalls, DNAT rules).

use crate::endpoints::workspace_url;
use crate::findings::{Finding, FindingSeverity};
use crate::nsg_rules::MANAGED_BY;
use crate::prepare::{Prepared, PreparedWorkspace};
use adbflow_model::{
    ids, DefaultAction, ElementRef, Estate, GatewayKind, IpAccessListType, Lookup, Origin, PrivateEndpoint,
    PublicNetworkAccess, RuleCollectionKind, StorageAccount,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Workspace,
    StorageAccount,
    ClusterNodes,
    NatGateway,
    Firewall,
    LoadBalancer,
    Gateway,
    PublicIp,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Workspace => "workspace",
            EntryKind::StorageAccount => "storage-account",
            EntryKind::ClusterNodes => "cluster-nodes",
            EntryKind::NatGateway => "nat-gateway",
            EntryKind::Firewall => "firewall",
            EntryKind::LoadBalancer => "load-balancer",
            EntryKind::Gateway => "gateway",
            EntryKind::PublicIp => "public-ip",
        }
    }
}

/// How reachable an entry point is from an arbitrary internet address. Ordered from most to least
/// exposed, so sorting puts the open doors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// Any internet address reaches it; only authentication stands in the way.
    Open,
    /// Reachable over the internet from allowed addresses or networks only.
    Restricted,
    /// Public access is disabled: reachable only through private endpoints.
    PrivateOnly,
    /// Sends traffic out but accepts no unsolicited inbound connection.
    OutboundOnly,
    /// No public address at all.
    NotReachable,
}

impl Exposure {
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Open => "open",
            Exposure::Restricted => "restricted",
            Exposure::PrivateOnly => "private-only",
            Exposure::OutboundOnly => "outbound-only",
            Exposure::NotReachable => "not-reachable",
        }
    }
}

/// One control that limits who reaches an entry point, and the element that holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Restriction {
    pub control: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementRef>,
}

fn restriction(control: impl Into<String>, element: Option<ElementRef>) -> Restriction {
    Restriction { control: control.into(), element }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryPoint {
    pub kind: EntryKind,
    /// What it is, in words: `adb-ws web UI and REST API`.
    pub name: String,
    pub element: ElementRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// The public name or address (`(assigned at deployment)` when not yet known).
    pub address: String,
    pub exposure: Exposure,
    pub restrictions: Vec<Restriction>,
    /// Who may use it once reached.
    pub authentication: String,
    /// The risk in one sentence.
    pub risk: String,
    /// True when the entry point itself is assumed (e.g. a DBFS root the input does not describe).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

pub(crate) fn entry_points(p: &Prepared) -> Vec<EntryPoint> {
    let e = &p.estate;
    // Each workspace's elements by name: scanning per workspace grew with the square of the estate.
    let lookup = Lookup::new(e);
    let mut out = Vec::new();
    for pw in &p.workspaces {
        out.push(workspace(&lookup, pw));
        out.push(cluster_nodes(&lookup, pw));
    }
    let mut pips_used: BTreeSet<&str> = BTreeSet::new();
    // Targets compare without case; by lower-cased target, in estate order.
    let mut endpoints_to: HashMap<String, Vec<&PrivateEndpoint>> = HashMap::new();
    for p in &e.private_endpoints {
        endpoints_to.entry(p.target.to_ascii_lowercase()).or_default().push(p);
    }
    for sa in &e.storage_accounts {
        let pes = endpoints_to.get(&sa.name.to_ascii_lowercase()).map(Vec::as_slice).unwrap_or_default();
        out.push(storage(sa, pes));
    }
    for nat in &e.nat_gateways {
        pips_used.extend(nat.public_ips.iter().map(String::as_str));
        let el = ElementRef::new(ids::nat_gateway(&nat.name), &nat.name, nat.origin.clone());
        out.push(EntryPoint {
            kind: EntryKind::NatGateway,
            name: format!("NAT gateway {}", nat.name),
            element: el.clone(),
            workspace: None,
            address: addresses(e, &nat.public_ips, &nat.public_ip_prefixes),
            exposure: Exposure::OutboundOnly,
            restrictions: vec![restriction(
                "stateful: only replies to connections opened from inside come back in",
                Some(el),
            )],
            authentication: "n/a".into(),
            risk:
                "outbound only; but every subnet behind it can reach any internet address (see exfiltration)"
                    .into(),
            inferred: false,
        });
    }
    for fw in &e.firewalls {
        pips_used.extend(fw.public_ips.iter().map(String::as_str));
        out.push(firewall(e, fw));
    }
    for lb in &e.load_balancers {
        if lb.outbound_public_ips.is_empty() {
            continue;
        }
        pips_used.extend(lb.outbound_public_ips.iter().map(String::as_str));
        let el = ElementRef::new(ids::load_balancer(&lb.name), &lb.name, lb.origin.clone());
        out.push(EntryPoint {
            kind: EntryKind::LoadBalancer,
            name: format!("load balancer {} (outbound rule)", lb.name),
            element: el.clone(),
            workspace: None,
            address: addresses(e, &lb.outbound_public_ips, &[]),
            exposure: Exposure::OutboundOnly,
            restrictions: vec![restriction("outbound rule only; no inbound rule is modelled", Some(el))],
            authentication: "n/a".into(),
            risk: "outbound SNAT for its backend pool".into(),
            inferred: false,
        });
    }
    for gw in &e.gateways {
        let el = ElementRef::new(ids::gateway(&gw.name), &gw.name, gw.origin.clone());
        let (exposure, control, risk) = match gw.kind {
            GatewayKind::Vpn => (
                Exposure::Restricted,
                "accepts IPsec tunnels from its configured peers only",
                "a VPN endpoint on the internet; on-premises networks reach the VNet through it",
            ),
            GatewayKind::ExpressRoute => (
                Exposure::NotReachable,
                "a private circuit: not reachable from the internet",
                "on-premises networks reach the VNet through it",
            ),
        };
        out.push(EntryPoint {
            kind: EntryKind::Gateway,
            name: format!("{:?} gateway {}", gw.kind, gw.name),
            element: el.clone(),
            workspace: None,
            address: gw.public_ip.map(|i| i.to_string()).unwrap_or_else(|| UNKNOWN_ADDRESS.into()),
            exposure,
            restrictions: vec![restriction(control, Some(el))],
            authentication: "pre-shared key or certificates (IPsec)".into(),
            risk: risk.into(),
            inferred: false,
        });
    }
    let instance_ips: BTreeSet<&str> =
        e.subnets().filter_map(|s| s.subnet.instance_public_ip.as_deref()).collect();
    for pip in &e.public_ips {
        if pips_used.contains(pip.name.as_str()) || instance_ips.contains(pip.name.as_str()) {
            continue;
        }
        let el = ElementRef::new(ids::public_ip(&pip.name), &pip.name, pip.origin.clone());
        out.push(EntryPoint {
            kind: EntryKind::PublicIp,
            name: format!("public IP {}", pip.name),
            element: el,
            workspace: None,
            address: pip.ip.map(|i| i.to_string()).unwrap_or_else(|| UNKNOWN_ADDRESS.into()),
            exposure: Exposure::NotReachable,
            restrictions: Vec::new(),
            authentication: "n/a".into(),
            risk: "not associated with any modelled resource; whatever it is attached to is not evaluated"
                .into(),
            inferred: false,
        });
    }
    out.sort_by(|a, b| (a.exposure, a.kind, &a.name).cmp(&(b.exposure, b.kind, &b.name)));
    out
}

const UNKNOWN_ADDRESS: &str = "(assigned at deployment)";

fn addresses(e: &Estate, ips: &[String], prefixes: &[String]) -> String {
    let mut out: Vec<String> = ips
        .iter()
        .map(|n| match e.public_ip(n).and_then(|p| p.ip) {
            Some(ip) => ip.to_string(),
            None => format!("{n} {UNKNOWN_ADDRESS}"),
        })
        .collect();
    out.extend(prefixes.iter().map(|n| match e.public_ip_prefix(n).and_then(|p| p.prefix) {
        Some(p) => p.to_string(),
        None => format!("{n} {UNKNOWN_ADDRESS}"),
    }));
    if out.is_empty() {
        "none".into()
    } else {
        out.join(", ")
    }
}

fn workspace(e: &Lookup<'_>, pw: &PreparedWorkspace) -> EntryPoint {
    let ws = &pw.workspace;
    let (url, _) = workspace_url(ws, &pw.cloud);
    let el = e.workspace(&ws.name).map(|w| w.element()).unwrap_or_else(|| ws.element());
    let pe = |name: &String| {
        let origin = e.private_endpoint(name).and_then(|p| p.origin.clone());
        restriction(
            format!("front-end private endpoint {name}"),
            Some(ElementRef::new(ids::private_endpoint(name), name, origin)),
        )
    };
    let mut restrictions: Vec<Restriction> = Vec::new();
    let exposure = if ws.public_network_access == PublicNetworkAccess::Disabled {
        restrictions.push(restriction("public network access Disabled", Some(el.clone())));
        restrictions.extend(pw.private_link.front_end.iter().map(pe));
        Exposure::PrivateOnly
    } else {
        let mut allow = false;
        for l in ws.ip_access_lists.iter().filter(|l| l.enabled) {
            let ranges: Vec<String> = l.ip_addresses.iter().map(|p| p.to_string()).collect();
            let verb = match l.list_type {
                IpAccessListType::Allow => {
                    allow = true;
                    "allows only"
                }
                IpAccessListType::Block => "blocks",
            };
            let list_el =
                ElementRef::new(format!("ip-access-list:{}/{}", ws.name, l.name), &l.name, l.origin.clone());
            restrictions.push(restriction(
                format!("IP access list {} {verb} {}", l.name, ranges.join(", ")),
                Some(list_el),
            ));
        }
        restrictions.extend(pw.private_link.front_end.iter().map(pe));
        if allow {
            Exposure::Restricted
        } else {
            Exposure::Open
        }
    };
    let risk = match exposure {
        Exposure::Open => {
            "any internet address reaches the sign-in page and the REST API; stolen tokens work from anywhere"
        }
        Exposure::Restricted => "public endpoint limited to the allowed addresses",
        _ => "no public path: users must come through the front-end private endpoint",
    };
    EntryPoint {
        kind: EntryKind::Workspace,
        name: format!("{} web UI and REST API", ws.name),
        element: el,
        workspace: Some(ws.name.clone()),
        address: url,
        exposure,
        restrictions,
        authentication: "Microsoft Entra ID (MFA through conditional access) or personal access tokens"
            .into(),
        risk: risk.into(),
        inferred: false,
    }
}

fn cluster_nodes(e: &Lookup<'_>, pw: &PreparedWorkspace) -> EntryPoint {
    let ws = &pw.workspace;
    let el = e.workspace(&ws.name).map(|w| w.element()).unwrap_or_else(|| ws.element());
    let where_ = format!("{} and {}", ws.host_path(), ws.container_path());
    if ws.no_public_ip {
        return EntryPoint {
            kind: EntryKind::ClusterNodes,
            name: format!("{} cluster nodes ({where_})", ws.name),
            element: el.clone(),
            workspace: Some(ws.name.clone()),
            address: "no public IP".into(),
            exposure: Exposure::NotReachable,
            restrictions: vec![restriction(
                "secure cluster connectivity: nodes have no public IP and open the tunnel outwards",
                Some(el),
            )],
            authentication: "n/a".into(),
            risk: "not directly reachable from the internet".into(),
            inferred: false,
        };
    }
    let mut restrictions = Vec::new();
    if let Some(s) = e.subnet(&ws.host_path()) {
        if let Some(nsg) = s.subnet.nsg.as_deref() {
            let origin = e.nsg(nsg).and_then(|n| n.origin.clone());
            restrictions.push(restriction(
                format!("inbound NSG rules of {nsg}"),
                Some(ElementRef::new(ids::nsg(nsg), nsg, origin)),
            ));
        }
    }
    EntryPoint {
        kind: EntryKind::ClusterNodes,
        name: format!("{} cluster nodes ({where_})", ws.name),
        element: el,
        workspace: Some(ws.name.clone()),
        address: "a public IP per node".into(),
        exposure: Exposure::Restricted,
        restrictions,
        authentication: "Databricks-managed (control-plane access)".into(),
        risk: "every node has a public IP: only the NSG stands between it and the internet".into(),
        inferred: false,
    }
}

/// `private_endpoints`: those whose target is `sa`.
fn storage(sa: &StorageAccount, private_endpoints: &[&PrivateEndpoint]) -> EntryPoint {
    let el = ElementRef::new(ids::storage_account(&sa.name), &sa.name, sa.origin.clone());
    let assumed = matches!(&sa.origin, Some(Origin::Platform { by }) if by == MANAGED_BY);
    let pes: Vec<Restriction> = private_endpoints
        .iter()
        .map(|p| {
            restriction(
                format!("private endpoint {} ({})", p.name, p.subresource),
                Some(ElementRef::new(ids::private_endpoint(&p.name), &p.name, p.origin.clone())),
            )
        })
        .collect();
    let mut restrictions = Vec::new();
    let exposure = if sa.public_network_access == PublicNetworkAccess::Disabled {
        restrictions.push(restriction("public network access Disabled", Some(el.clone())));
        Exposure::PrivateOnly
    } else if sa.default_action == DefaultAction::Deny {
        restrictions.push(restriction("firewall default action Deny", Some(el.clone())));
        for v in &sa.virtual_network_rules {
            restrictions.push(restriction(
                format!("virtual-network rule {v} (through its Microsoft.Storage service endpoint)"),
                Some(el.clone()),
            ));
        }
        for ip in &sa.ip_rules {
            restrictions.push(restriction(format!("IP rule {ip}"), Some(el.clone())));
        }
        for b in &sa.bypass {
            restrictions
                .push(restriction(format!("bypass {b} (trusted Microsoft services)"), Some(el.clone())));
        }
        Exposure::Restricted
    } else {
        Exposure::Open
    };
    restrictions.extend(pes);
    let subs = if sa.hns { "blob, dfs" } else { "blob" };
    let risk = match exposure {
        Exposure::Open => "firewall default action Allow: any internet address reaches the endpoint; a leaked key or SAS works from anywhere",
        Exposure::Restricted => "public endpoint limited to the listed networks and addresses",
        _ => "no public path: reachable only through its private endpoints",
    };
    EntryPoint {
        kind: EntryKind::StorageAccount,
        name: format!("storage account {}", sa.name),
        element: el,
        workspace: None,
        address: format!("{}.{{{subs}}}.core.windows.net", sa.name),
        exposure,
        restrictions,
        authentication: "Microsoft Entra ID (managed identity, access connector), account keys or SAS".into(),
        risk: risk.into(),
        inferred: assumed,
    }
}

fn firewall(e: &Estate, fw: &adbflow_model::Firewall) -> EntryPoint {
    let el = ElementRef::new(ids::firewall(&fw.name), &fw.name, fw.origin.clone());
    let mut restrictions = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut policy = fw.policy.as_deref().and_then(|p| e.firewall_policy(p));
    // A child policy inherits its parent's DNAT rules.
    while let Some(p) = policy {
        if !seen.insert(p.name.clone()) {
            break;
        }
        for g in &p.rule_collection_groups {
            for c in g.rule_collections.iter().filter(|c| c.kind == RuleCollectionKind::Dnat) {
                for r in &c.rules {
                    let to = r.translated_address.map(|a| a.to_string()).unwrap_or_else(|| "?".into());
                    let port = r.translated_port.map(|p| format!(":{p}")).unwrap_or_default();
                    let from = if r.source_addresses.is_empty() && r.source_ip_groups.is_empty() {
                        "any source".to_string()
                    } else {
                        let mut s = r.source_addresses.clone();
                        s.extend(r.source_ip_groups.iter().map(|g| format!("ip group {g}")));
                        s.join(", ")
                    };
                    restrictions.push(restriction(
                        format!("DNAT rule {} from {from} → {to}{port}", r.name),
                        Some(ElementRef::new(
                            ids::firewall_rule(&p.name, &g.name, &c.name, &r.name),
                            &r.name,
                            r.origin.clone(),
                        )),
                    ));
                }
            }
        }
        policy = p.parent.as_deref().and_then(|n| e.firewall_policy(n));
    }
    let open_dnat =
        restrictions.iter().any(|r| r.control.contains("from any source") || r.control.contains("from *"));
    let (exposure, risk) = if restrictions.is_empty() {
        (Exposure::OutboundOnly, "no DNAT rule: its public IP accepts no inbound connection")
    } else if open_dnat {
        (Exposure::Open, "a DNAT rule publishes an internal address to any internet source")
    } else {
        (Exposure::Restricted, "DNAT rules publish internal addresses to the listed sources")
    };
    if restrictions.is_empty() {
        restrictions.push(restriction("no DNAT rules", Some(el.clone())));
    }
    EntryPoint {
        kind: EntryKind::Firewall,
        name: format!("Azure Firewall {}", fw.name),
        element: el,
        workspace: None,
        address: addresses(e, &fw.public_ips, &[]),
        exposure,
        restrictions,
        authentication: "n/a".into(),
        risk: risk.into(),
        inferred: false,
    }
}

/// Open doors the user configured become warnings; assumed ones (a DBFS root the input leaves out)
/// are worth knowing but not a verdict on the input.
pub(crate) fn findings(entries: &[EntryPoint]) -> Vec<Finding> {
    let mut out = Vec::new();
    for ep in entries.iter().filter(|e| e.exposure == Exposure::Open) {
        let (code, fix) = match ep.kind {
            EntryKind::Workspace => (
                "workspace-public-unrestricted",
                "add an IP access list (allow your egress ranges), or disable public network access and use \
                 front-end Private Link",
            ),
            EntryKind::StorageAccount => (
                "storage-public-unrestricted",
                "set the storage firewall's default action to Deny and allow the workspace subnets (virtual-network \
                 rules), or disable public network access and use private endpoints",
            ),
            EntryKind::Firewall => ("dnat-any-source", "limit the DNAT rule's source addresses"),
            _ => ("public-endpoint-open", "restrict who can reach it"),
        };
        let severity = if ep.inferred { FindingSeverity::Info } else { FindingSeverity::Warning };
        let mut f = Finding::new(
            severity,
            code,
            format!("{} ({}) is open to the internet: {}; fix: {fix}", ep.name, ep.address, ep.risk),
        )
        .element(ep.element.clone());
        if let Some(w) = &ep.workspace {
            f = f.workspace(w);
        }
        if ep.inferred {
            f = f.inferred();
        }
        out.push(f);
    }
    for ep in
        entries.iter().filter(|e| e.kind == EntryKind::ClusterNodes && e.exposure != Exposure::NotReachable)
    {
        let mut f = Finding::new(
            FindingSeverity::Warning,
            "cluster-nodes-public-ip",
            format!("{}: {}; fix: enable secure cluster connectivity (no public IP)", ep.name, ep.risk),
        )
        .element(ep.element.clone());
        if let Some(w) = &ep.workspace {
            f = f.workspace(w);
        }
        out.push(f);
    }
    out
}
