//! Topology diagrams: one model of the deployment — VNets with their subnets, private endpoints and
//! firewalls, NAT gateways, the Databricks control plane and managed services, storage accounts,
//! package repositories, users — with every flow of the check drawn from its source through its
//! egress device to its destination and coloured by verdict. Mermaid, DOT and the tool's own SVG
//! all write this one model; only the SVG needs coordinates (`layout`).

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;

use adbflow_databricks::check::{CheckFlow, CheckReport, FlowVerdict};
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::FlowId;
use adbflow_model::{DefaultAction, Estate, Lookup, PublicNetworkAccess};
use adbflow_net::HopKind;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Users,
    Subnet,
    PrivateEndpoint,
    Firewall,
    NatGateway,
    ControlPlane,
    DatabricksServices,
    Storage,
    Repositories,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKind {
    Vnet,
    Azure,
}

/// A box in the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Unique within the diagram; the element ID where there is one (`subnet:adb-vnet/host`).
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// Further lines: prefix, NSG, route table, firewall summary …
    pub detail: Vec<String>,
    /// The group (VNet) it sits in.
    pub group: Option<String>,
    /// Left-to-right position: 0 users and their networks, 1 workspace networks, 2 egress devices
    /// and hubs, 3 destinations.
    pub column: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub kind: GroupKind,
    pub label: String,
    pub detail: String,
    pub column: u8,
}

/// The colour a flow edge gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeVerdict {
    Delivered,
    /// A startup or workload flow is blocked.
    Blocked,
    /// An optional flow, or one blocked by design.
    BlockedOptional,
}

impl EdgeVerdict {
    pub fn of(f: &CheckFlow) -> Self {
        match f.verdict {
            FlowVerdict::Delivered => EdgeVerdict::Delivered,
            FlowVerdict::Blocked if f.requirement.is_required() => EdgeVerdict::Blocked,
            _ => EdgeVerdict::BlockedOptional,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeVerdict::Delivered => "delivered",
            EdgeVerdict::Blocked => "blocked",
            EdgeVerdict::BlockedOptional => "blocked-optional",
        }
    }
    pub fn colour(self) -> &'static str {
        match self {
            EdgeVerdict::Delivered => "#2e7d32",
            EdgeVerdict::Blocked => "#c62828",
            EdgeVerdict::BlockedOptional => "#9e6a00",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A subnet uses a NAT gateway.
    Attachment,
    /// Two VNets are peered (both ends are group IDs).
    Peering,
    Flow(EdgeVerdict),
}

impl EdgeKind {
    pub fn colour(self) -> &'static str {
        match self {
            EdgeKind::Attachment | EdgeKind::Peering => "#78909c",
            EdgeKind::Flow(v) => v.colour(),
        }
    }
    pub fn dashed(self) -> bool {
        !matches!(self, EdgeKind::Flow(EdgeVerdict::Delivered) | EdgeKind::Attachment)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// Short text on the edge: the flow IDs, and the reason when blocked.
    pub label: String,
    /// Every flow the edge carries, one line each, for tooltips.
    pub flows: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    pub title: String,
    pub groups: Vec<Group>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A topology's nodes by id and groups' members, for renderers that ask per group and per edge:
/// scanning every node for each of 5,000 VNets made a diagram take half a minute.
pub struct TopologyIndex<'t> {
    nodes: HashMap<&'t str, &'t Node>,
    members: HashMap<&'t str, Vec<&'t Node>>,
    groups: HashMap<&'t str, usize>,
}

impl<'t> TopologyIndex<'t> {
    /// [`Topology::node`]: the first node with this id.
    pub fn node(&self, id: &str) -> Option<&'t Node> {
        self.nodes.get(id).copied()
    }

    /// The group's nodes in their order.
    pub fn members(&self, group: &str) -> impl Iterator<Item = &'t Node> + '_ {
        self.members.get(group).into_iter().flatten().copied()
    }

    /// The position of the first group with this id.
    pub fn group_position(&self, id: &str) -> Option<usize> {
        self.groups.get(id).copied()
    }
}

impl Topology {
    pub fn index(&self) -> TopologyIndex<'_> {
        let mut ix = TopologyIndex { nodes: HashMap::new(), members: HashMap::new(), groups: HashMap::new() };
        for n in &self.nodes {
            ix.nodes.entry(n.id.as_str()).or_insert(n);
            if let Some(g) = &n.group {
                ix.members.entry(g.as_str()).or_default().push(n);
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            ix.groups.entry(g.id.as_str()).or_insert(i);
        }
        ix
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
}

const USERS: &str = "users";
const CONTROL_PLANE: &str = "databricks-control-plane";
const SERVICES: &str = "databricks-services";
const REPOSITORIES: &str = "package-repositories";
const AZURE: &str = "azure";

fn vnet_group(v: &str) -> String {
    format!("vnet:{v}")
}

fn subnet_node(path: &str) -> String {
    format!("subnet:{path}")
}

/// Where a flow ends in the picture.
fn destination(lookup: &Lookup<'_>, f: &CheckFlow) -> Option<String> {
    use FlowId::*;
    match f.id {
        UserApi | UserUi | BrowserAuth | SccRelay | Webapp | ExtendedInfra => Some(CONTROL_PLANE.into()),
        EventHub | LogBlob | ArtifactPrimary | ArtifactSecondary | Metastore | SystemTables => {
            Some(SERVICES.into())
        }
        DbfsBlob | DbfsDfs | UcStorage | ExternalLocation => {
            let account = f.destination.fqdn.split('.').next().unwrap_or("");
            match lookup.storage_account(account) {
                Some(sa) => Some(format!("storage-account:{}", sa.name)),
                None => Some(SERVICES.into()),
            }
        }
        Pypi | PypiFiles | Maven | Cran => Some(REPOSITORIES.into()),
        WorkerToWorker => None,
    }
}

/// The device between source and destination: the NAT gateway, firewall or private endpoint.
fn via(lookup: &Lookup<'_>, f: &CheckFlow) -> Option<String> {
    let estate = lookup.estate();
    match f.egress.as_str() {
        "nat-gateway" => {
            let s = lookup.subnet(&f.subnet)?;
            s.subnet.nat_gateway.as_ref().map(|n| format!("nat-gateway:{n}"))
        }
        "firewall" => {
            let named = f.hops.iter().filter(|h| h.kind == HopKind::Firewall).find_map(|h| {
                let id = &h.decided_by.id;
                if let Some(name) = id.strip_prefix("firewall:") {
                    return estate.firewall(name).map(|fw| fw.name.clone());
                }
                let policy = id.strip_prefix("firewall-rule:")?.split('/').next()?;
                estate
                    .firewalls
                    .iter()
                    .find(|fw| fw.policy.as_deref() == Some(policy))
                    .map(|fw| fw.name.clone())
            });
            named
                .or_else(|| estate.firewalls.first().map(|fw| fw.name.clone()))
                .map(|n| format!("firewall:{n}"))
        }
        "private-endpoint" => f
            .hops
            .iter()
            .find(|h| h.decided_by.id.starts_with("private-endpoint:"))
            .map(|h| h.decided_by.id.to_string()),
        _ => None,
    }
}

fn flow_line(f: &CheckFlow) -> String {
    let what = match &f.instance {
        Some(i) => format!("{} ({i})", f.id),
        None => f.id.to_string(),
    };
    let mut s = format!(
        "{what} from {} to {}:{} via {}",
        f.subnet, f.destination.fqdn, f.destination.ports, f.egress
    );
    match (&f.verdict, &f.blocked_by) {
        (FlowVerdict::Delivered, _) => s.push_str(": delivered"),
        (v, Some(b)) => {
            s.push_str(&format!(": {} {} at {}", v.as_str(), b.reason_code, b.element.id));
        }
        (v, None) => s.push_str(&format!(": {}", v.as_str())),
    }
    s
}

fn storage_detail(sa: &adbflow_model::StorageAccount) -> String {
    if sa.public_network_access == PublicNetworkAccess::Disabled {
        "public access disabled".into()
    } else if sa.default_action == DefaultAction::Deny {
        let n = sa.virtual_network_rules.len() + sa.ip_rules.len();
        format!("firewall: deny, {n} allow rule{}", if n == 1 { "" } else { "s" })
    } else {
        "firewall: allow all".into()
    }
}

/// Build the topology of `estate` (the estate as Databricks leaves it, so the DBFS root and the
/// managed rules are there) with the flows of `check` drawn on it.
pub fn topology(estate: &Estate, check: &CheckReport) -> Topology {
    let mut t = Topology {
        title: format!(
            "adbflow topology{}",
            check.name.as_ref().map(|n| format!(" — {n}")).unwrap_or_default()
        ),
        ..Topology::default()
    };
    // Sets and maps rather than scans per VNet and subnet: an enterprise estate has a VNet per
    // workspace, and the scans made the diagram grow with the square of the estate.
    let lookup = Lookup::new(estate);
    let ws_vnets: HashSet<&str> = check.workspaces.iter().map(|w| w.vnet.as_str()).collect();
    let user_vnets: HashSet<&str> =
        check.workspaces.iter().filter_map(|w| w.users_from.split_once('/').map(|(v, _)| v)).collect();
    let users_from: HashSet<&str> = check.workspaces.iter().map(|w| w.users_from.as_str()).collect();
    // (VNet, subnet) → the first workspace's use of it, its host role before its container role.
    let mut roles: HashMap<(&str, &str), String> = HashMap::new();
    for w in &check.workspaces {
        roles.entry((&w.vnet, &w.host_subnet)).or_insert_with(|| format!("{} host NICs", w.name));
        roles.entry((&w.vnet, &w.container_subnet)).or_insert_with(|| format!("{} container NICs", w.name));
    }
    let mut endpoints_in: HashMap<&str, Vec<&adbflow_model::PrivateEndpoint>> = HashMap::new();
    for pe in &estate.private_endpoints {
        if let Some(v) = pe.subnet.split('/').next() {
            endpoints_in.entry(v).or_default().push(pe);
        }
    }
    let fw_vnets: Vec<&str> = estate.firewalls.iter().map(|f| f.vnet.as_str()).collect();
    let internet_users =
        check.flows.iter().any(|f| f.source_role == SourceRole::User && f.subnet == "internet");

    if internet_users {
        t.nodes.push(Node {
            id: USERS.into(),
            kind: NodeKind::Users,
            label: "Users and automation".into(),
            detail: vec!["public internet".into()],
            group: None,
            column: 0,
        });
    }
    for v in &estate.vnets {
        let column = if fw_vnets.contains(&v.name.as_str()) {
            2
        } else if user_vnets.contains(v.name.as_str()) && !ws_vnets.contains(v.name.as_str()) {
            0
        } else {
            1
        };
        let space: Vec<String> = v.address_space.iter().map(|p| p.to_string()).collect();
        let gid = vnet_group(&v.name);
        t.groups.push(Group {
            id: gid.clone(),
            kind: GroupKind::Vnet,
            label: format!("VNet {}", v.name),
            detail: space.join(", "),
            column,
        });
        for s in &v.subnets {
            if let Some(fw) =
                estate.firewalls.iter().find(|f| f.vnet == v.name && s.name == "AzureFirewallSubnet")
            {
                t.nodes.push(Node {
                    id: format!("firewall:{}", fw.name),
                    kind: NodeKind::Firewall,
                    label: format!("Azure Firewall {}", fw.name),
                    detail: vec![
                        format!("{} {}", s.name, s.prefix),
                        format!("private IP {}", fw.private_ip),
                        fw.policy
                            .as_ref()
                            .map(|p| format!("policy {p}"))
                            .unwrap_or_else(|| "no policy".into()),
                    ],
                    group: Some(gid.clone()),
                    column,
                });
                continue;
            }
            let path = format!("{}/{}", v.name, s.name);
            let mut detail = vec![s.prefix.to_string()];
            let mut badges = Vec::new();
            if let Some(n) = &s.nsg {
                badges.push(format!("NSG {n}"));
            }
            if let Some(r) = &s.route_table {
                badges.push(format!("UDR {r}"));
            }
            if !badges.is_empty() {
                detail.push(badges.join(" · "));
            }
            if !s.service_endpoints.is_empty() {
                let se: Vec<&str> =
                    s.service_endpoints.iter().map(|x| x.strip_prefix("Microsoft.").unwrap_or(x)).collect();
                detail.push(format!("service endpoints: {}", se.join(", ")));
            }
            let role = roles.get(&(v.name.as_str(), s.name.as_str())).cloned();
            let users = users_from.contains(path.as_str());
            if let Some(r) = role {
                detail.push(r);
            } else if users {
                detail.push("users and automation".into());
            }
            t.nodes.push(Node {
                id: subnet_node(&path),
                kind: if users && !internet_users { NodeKind::Users } else { NodeKind::Subnet },
                label: format!("subnet {}", s.name),
                detail,
                group: Some(gid.clone()),
                column,
            });
            if let Some(nat) = &s.nat_gateway {
                t.edges.push(Edge {
                    from: subnet_node(&path),
                    to: format!("nat-gateway:{nat}"),
                    kind: EdgeKind::Attachment,
                    label: String::new(),
                    flows: vec![format!("{path} uses NAT gateway {nat}")],
                });
            }
        }
        for pe in endpoints_in.get(v.name.as_str()).into_iter().flatten() {
            let ip = pe.ip.map(|i| i.to_string()).unwrap_or_else(|| "dynamic IP".into());
            t.nodes.push(Node {
                id: format!("private-endpoint:{}", pe.name),
                kind: NodeKind::PrivateEndpoint,
                label: format!("PE {}", pe.name),
                detail: vec![
                    format!("→ {} ({})", pe.target, pe.subresource),
                    format!("{ip} in {}", pe.subnet),
                ],
                group: Some(gid.clone()),
                column,
            });
        }
    }
    for nat in &estate.nat_gateways {
        let ips: Vec<String> = nat
            .public_ips
            .iter()
            .map(|n| {
                estate.public_ip(n).and_then(|p| p.ip).map(|i| i.to_string()).unwrap_or_else(|| n.clone())
            })
            .collect();
        t.nodes.push(Node {
            id: format!("nat-gateway:{}", nat.name),
            kind: NodeKind::NatGateway,
            label: format!("NAT gateway {}", nat.name),
            detail: vec![if ips.is_empty() {
                "no public IP".into()
            } else {
                format!("public IP {}", ips.join(", "))
            }],
            group: None,
            column: 2,
        });
    }
    // Each region once, in the order workspaces name them: one per workspace listed a
    // thousand-workspace estate's region a thousand times.
    let mut regions: Vec<&str> = Vec::new();
    for w in &check.workspaces {
        if !regions.contains(&w.region.as_str()) {
            regions.push(&w.region);
        }
    }
    t.groups.push(Group {
        id: AZURE.into(),
        kind: GroupKind::Azure,
        label: "Azure services".into(),
        detail: regions.join(", "),
        column: 3,
    });
    t.nodes.push(Node {
        id: CONTROL_PLANE.into(),
        kind: NodeKind::ControlPlane,
        label: "Databricks control plane".into(),
        detail: vec!["web app, REST API, SCC relay".into()],
        group: Some(AZURE.into()),
        column: 3,
    });
    t.nodes.push(Node {
        id: SERVICES.into(),
        kind: NodeKind::DatabricksServices,
        label: "Databricks-managed services".into(),
        detail: vec!["artifacts, logs, Event Hub, metastore".into()],
        group: Some(AZURE.into()),
        column: 3,
    });
    for sa in &estate.storage_accounts {
        t.nodes.push(Node {
            id: format!("storage-account:{}", sa.name),
            kind: NodeKind::Storage,
            label: format!("storage {}", sa.name),
            detail: vec![storage_detail(sa)],
            group: Some(AZURE.into()),
            column: 3,
        });
    }
    if check.flows.iter().any(|f| destination(&lookup, f).as_deref() == Some(REPOSITORIES)) {
        t.nodes.push(Node {
            id: REPOSITORIES.into(),
            kind: NodeKind::Repositories,
            label: "Package repositories".into(),
            detail: vec!["PyPI, Maven, CRAN (internet)".into()],
            group: None,
            column: 3,
        });
    }
    for p in &estate.peerings {
        // Draw each connected pair once.
        if p.vnet < p.remote_vnet && lookup.reverse_peering(p).is_some() {
            t.edges.push(Edge {
                from: vnet_group(&p.vnet),
                to: vnet_group(&p.remote_vnet),
                kind: EdgeKind::Peering,
                label: "peering".into(),
                flows: vec![format!("{} ↔ {} ({})", p.vnet, p.remote_vnet, p.name)],
            });
        }
    }
    let flows = flow_edges(&lookup, check, &t);
    // A subnet's use of its NAT gateway is already visible when flows take that way.
    let drawn: HashSet<(&str, &str)> = flows.iter().map(|f| (f.from.as_str(), f.to.as_str())).collect();
    t.edges.retain(|e| e.kind != EdgeKind::Attachment || !drawn.contains(&(e.from.as_str(), e.to.as_str())));
    t.edges.extend(flows);
    t
}

type EdgeKey = (String, String, EdgeVerdict);

/// What one aggregated flow edge collects: flow IDs, block reasons, tooltip lines, first-seen
/// order, and whether any of its flows ends here.
#[derive(Default)]
struct EdgeAcc {
    ids: Vec<String>,
    reasons: Vec<String>,
    flows: Vec<String>,
    order: usize,
    last: bool,
}

fn flow_edges(lookup: &Lookup<'_>, check: &CheckReport, t: &Topology) -> Vec<Edge> {
    let ix = t.index();
    let mut edges: BTreeMap<EdgeKey, EdgeAcc> = BTreeMap::new();
    let mut order = 0usize;
    // `last`: the segment that reaches the destination carries the label; the segment into a
    // device (many flows share it) is labelled only when it carries a block.
    let mut add =
        |from: &str, to: &str, v: EdgeVerdict, f: &CheckFlow, reason: Option<String>, last: bool| {
            let e = edges.entry((from.to_string(), to.to_string(), v)).or_insert_with(|| {
                order += 1;
                EdgeAcc { order, ..EdgeAcc::default() }
            });
            e.last |= last;
            let id = f.id.to_string();
            if !e.ids.contains(&id) {
                e.ids.push(id);
            }
            if let Some(r) = reason {
                if !e.reasons.contains(&r) {
                    e.reasons.push(r);
                }
            }
            e.flows.push(flow_line(f));
        };
    for f in &check.flows {
        let Some(dest) = destination(lookup, f) else { continue };
        let from = if f.subnet == "internet" { USERS.to_string() } else { subnet_node(&f.subnet) };
        if ix.node(&from).is_none() || ix.node(&dest).is_none() {
            continue;
        }
        let v = EdgeVerdict::of(f);
        let reason =
            f.blocked_by.as_ref().filter(|_| v != EdgeVerdict::Delivered).map(|b| b.reason_code.to_string());
        match via(lookup, f).filter(|x| ix.node(x).is_some()) {
            Some(x) => {
                add(&from, &x, v, f, reason.clone(), false);
                add(&x, &dest, v, f, reason, true);
            }
            None => add(&from, &dest, v, f, reason, true),
        }
    }
    let mut out: Vec<(usize, Edge)> = edges
        .into_iter()
        .map(|((from, to, v), a)| {
            let mut label = if a.last { a.ids.join(", ") } else { String::new() };
            if !a.reasons.is_empty() {
                label = format!("✗ {}: {}", a.ids.join(", "), a.reasons.join(", "));
            }
            (a.order, Edge { from, to, kind: EdgeKind::Flow(v), label, flows: a.flows })
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out.into_iter().map(|(_, e)| e).collect()
}
