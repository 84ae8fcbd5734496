//! `capacity`: how many nodes a workspace can run at once, and which limit binds first. Every
//! node takes one address in each of the two injected subnets (Azure reserves 5 per subnet); the
//! egress devices its flows cross have SNAT-port, connection and throughput limits (`limits.toml`).
//! Each limit becomes a maximum node count; the smallest binds. The JSON form of
//! [`CapacityReport`] is a documented contract (`schema_version` 1).

use crate::by_workspace::{by_workspace, rows_of};
use crate::catalog::FlowId;
use crate::check::{CheckFlow, CheckReport, CheckRun, FlowVerdict, WorkspaceSummary};
use crate::cost::fixed::firewall_sku;
use crate::devices::devices;
use crate::findings::{Finding, FindingSeverity};
use crate::limits::{LimitRow, LimitTable};
use crate::performance::FlowPerformance;
use crate::plan::SourceRole;
use crate::profile::{Profile, Settings};
use adbflow_model::{ids, ElementRef, Estate, Firewall, Lookup, NatGateway, Sku};
use serde::Serialize;
use std::collections::BTreeMap;

pub const CAPACITY_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitKind {
    /// Past it, connections or nodes fail.
    Hard,
    /// Past it, traffic slows down.
    Throughput,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetCapacity {
    pub role: SourceRole,
    pub subnet: String,
    pub prefix: String,
    pub addresses: u64,
    pub reserved: u64,
    /// Addresses left for NICs: 2^(32−p) − reserved.
    pub usable: u64,
    pub element: ElementRef,
}

/// Seconds one cluster start's downloads need through a throughput-limited device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartupTransfer {
    pub nodes: u64,
    pub gb_per_node: f64,
    /// Limited by the device.
    pub seconds: f64,
    /// If only the nodes' own bandwidth limited it.
    pub seconds_at_node_speed: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitCheck {
    /// Stable ID: `subnet-addresses`, `nat-snat-ports`, `nat-connections-per-destination`,
    /// `nat-total-connections`, `nat-throughput`, `firewall-snat-ports`, `firewall-throughput`,
    /// `firewall-initial-throughput`.
    pub id: &'static str,
    pub kind: LimitKind,
    /// The element whose limit it is.
    pub element: ElementRef,
    pub capacity: f64,
    pub unit: String,
    /// What one node uses of it.
    pub per_node: f64,
    /// What the requested node count uses.
    pub demand: f64,
    /// floor(capacity / per_node); absent when a node uses none of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u64>,
    pub exceeded: bool,
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup: Option<StartupTransfer>,
    /// The limit rows used, with source and date.
    pub sources: Vec<LimitRow>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkspaceCapacity {
    pub workspace: String,
    pub region: String,
    pub requested_nodes: u64,
    pub requested_basis: String,
    pub node_type: String,
    pub subnets: Vec<SubnetCapacity>,
    /// Smallest maximum first.
    pub limits: Vec<LimitCheck>,
    /// The most nodes that can run at once (the smallest hard limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u64>,
    /// The most nodes that get their full bandwidth through every device on their paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_speed_nodes: Option<u64>,
    /// The limit reached first as the cluster grows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    pub warnings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitsInfo {
    pub name: String,
    pub as_of: String,
}

/// A delivered flow's latency and bandwidth estimate (the same figures `check` reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowEstimate {
    pub workspace: String,
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub source_role: SourceRole,
    pub egress: String,
    /// Shared by the flows with the same estimate.
    pub performance: std::sync::Arc<FlowPerformance>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub limits_table: LimitsInfo,
    pub profile: Profile,
    pub workspaces: Vec<WorkspaceCapacity>,
    pub flows: Vec<FlowEstimate>,
    /// The limits-table rows the per-flow estimates rest on.
    pub estimate_sources: Vec<LimitRow>,
    pub notes: Vec<Finding>,
}

impl CapacityReport {
    /// 1 when the requested size exceeds a hard limit, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(
            self.workspaces.iter().any(|w| w.limits.iter().any(|l| l.exceeded && l.kind == LimitKind::Hard)),
        )
    }
}

/// Usable addresses of a subnet of prefix length `p`: 2^(32−p) − reserved, never below 0.
pub fn usable_addresses(prefix_len: u8, reserved: u64) -> u64 {
    let addresses = 1u64 << (32 - u32::from(prefix_len.min(32)));
    addresses.saturating_sub(reserved)
}

fn max_nodes(capacity: f64, per_node: f64) -> Option<u64> {
    (per_node > 0.0).then(|| (capacity / per_node).floor().max(0.0) as u64)
}

struct Ctx<'a> {
    limits: &'a LimitTable,
    settings: &'a Settings,
    nodes: u64,
    vm_gbps: Option<(f64, &'a LimitRow)>,
    notes: &'a mut Vec<Finding>,
}

impl Ctx<'_> {
    fn row(&mut self, limit: &str, sku: Option<&str>) -> Option<LimitRow> {
        let r = self.limits.get(limit, sku).cloned();
        if r.is_none() {
            self.notes.push(Finding::new(
                FindingSeverity::Warning,
                "limit-missing",
                format!(
                    "the limits table has no {limit}{} row: that limit is not evaluated",
                    sku.map(|s| format!(" ({s})")).unwrap_or_default()
                ),
            ));
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        id: &'static str,
        kind: LimitKind,
        element: ElementRef,
        capacity: f64,
        unit: &str,
        per_node: f64,
        explanation: String,
        sources: Vec<LimitRow>,
    ) -> LimitCheck {
        let demand = per_node * self.nodes as f64;
        let inferred = sources.iter().any(|s| s.inferred || s.unverified);
        LimitCheck {
            id,
            kind,
            element,
            capacity,
            unit: unit.to_string(),
            per_node,
            demand,
            max_nodes: max_nodes(capacity, per_node),
            exceeded: demand > capacity,
            explanation,
            startup: None,
            sources,
            inferred,
        }
    }
}

/// GB one node downloads (and uploads) at a cluster start through a device, from the profile's
/// per-start settings or the catalog's startup figures.
fn startup_gb(settings: &Settings, flows: &[&CheckFlow]) -> f64 {
    // Optional flows (failover, unused repositories) move nothing at a normal start.
    let mut ids: Vec<FlowId> = flows.iter().filter(|f| f.requirement.is_required()).map(|f| f.id).collect();
    ids.sort();
    ids.dedup();
    ids.iter()
        .map(|id| {
            let cat = id.def().volume;
            let catalog = (cat.startup_up + cat.startup_down) as f64 / 1e9;
            let set = match id {
                FlowId::ArtifactPrimary => settings.dbr_image_gb,
                FlowId::PypiFiles => settings.libraries_gb,
                FlowId::Maven => settings.maven_gb,
                FlowId::Cran => settings.cran_gb,
                _ => 0.0,
            };
            if set > 0.0 {
                set
            } else {
                catalog
            }
        })
        .sum()
}

fn throughput(
    ctx: &Ctx<'_>,
    id: &'static str,
    element: ElementRef,
    row: LimitRow,
    what: &str,
    flows: &[&CheckFlow],
) -> Option<LimitCheck> {
    let (vm, vm_row) = ctx.vm_gbps?;
    let cap = row.value;
    let mut c = ctx.check(
        id,
        LimitKind::Throughput,
        element,
        cap,
        "Gbps",
        vm,
        format!(
            "{what}: {cap} Gbps shared by every node, each able to send and receive {vm} Gbps ({}); past {} at full speed, transfers through it slow down",
            ctx.settings.node_type,
            nodes_text(max_nodes(cap, vm).unwrap_or(0))
        ),
        vec![row, vm_row.clone()],
    );
    let nodes = u64::from(ctx.settings.nodes_per_cluster).max(1);
    let gb = startup_gb(ctx.settings, flows);
    if gb > 0.0 {
        let gbits = gb * 8.0 * nodes as f64;
        let rate = cap.min(vm * nodes as f64);
        c.startup = Some(StartupTransfer {
            nodes,
            gb_per_node: gb,
            seconds: gbits / rate,
            seconds_at_node_speed: gb * 8.0 / vm,
        });
    }
    Some(c)
}

fn nat_checks(ctx: &mut Ctx<'_>, estate: &Estate, nat: &NatGateway, flows: &[&CheckFlow]) -> Vec<LimitCheck> {
    let el = ElementRef::new(ids::nat_gateway(&nat.name), &nat.name, nat.origin.clone());
    let prefix_ips: u64 = nat
        .public_ip_prefixes
        .iter()
        .filter_map(|p| estate.public_ip_prefix(p))
        .map(|p| {
            p.prefix
                .map(|x| x.0.prefix_len())
                .or(p.prefix_length)
                .map(|l| 1u64 << (32 - u32::from(l.min(32))))
                .unwrap_or(1)
        })
        .sum();
    let ips = nat.public_ips.len() as u64 + prefix_ips;
    let mut out = Vec::new();
    let s = ctx.settings;
    let (conns, per_dest) = (f64::from(s.connections_per_node), f64::from(s.connections_per_destination));
    if let Some(max_ips) = ctx.row("nat-max-public-ips", None) {
        if ips as f64 > max_ips.value {
            ctx.notes.push(
                Finding::new(
                    FindingSeverity::Warning,
                    "nat-too-many-ips",
                    format!(
                        "NAT gateway {} has {ips} public addresses; Azure allows at most {}",
                        nat.name, max_ips.value
                    ),
                )
                .element(el.clone()),
            );
        }
    }
    if let Some(r) = ctx.row("nat-snat-ports-per-ip", None) {
        let cap = r.value * ips as f64;
        out.push(ctx.check(
            "nat-snat-ports",
            LimitKind::Hard,
            el.clone(),
            cap,
            "ports",
            conns,
            format!(
                "{} SNAT ports per public IP × {ips} public address{} = {cap} ports, shared by every node behind {}; each node holds {conns} connections (connections_per_node)",
                r.value,
                if ips == 1 { "" } else { "es" },
                nat.name
            ),
            vec![r],
        ));
    }
    if let Some(r) = ctx.row("nat-connections-per-ip-per-destination", None) {
        let cap = r.value * ips as f64;
        let mut dests: Vec<&str> = flows.iter().map(|f| f.destination.fqdn.as_str()).collect();
        dests.sort_unstable();
        dests.dedup();
        out.push(ctx.check(
            "nat-connections-per-destination",
            LimitKind::Hard,
            el.clone(),
            cap,
            "connections",
            per_dest,
            format!(
                "{} concurrent connections per public IP to one destination × {ips} = {cap}; each node opens {per_dest} to its busiest destination (connections_per_destination) — destinations through {}: {}",
                r.value,
                nat.name,
                dests.join(", ")
            ),
            vec![r],
        ));
    }
    if let Some(r) = ctx.row("nat-total-connections", None) {
        let cap = r.value;
        out.push(ctx.check(
            "nat-total-connections",
            LimitKind::Hard,
            el.clone(),
            cap,
            "connections",
            conns,
            format!("about {cap} concurrent connections per NAT gateway; each node holds {conns}"),
            vec![r],
        ));
    }
    let sku = if nat.sku == Sku::StandardV2 { "StandardV2" } else { "Standard" };
    if let Some(r) = ctx.row("nat-throughput", Some(sku)) {
        out.extend(throughput(
            ctx,
            "nat-throughput",
            el,
            r,
            &format!("NAT gateway {} ({sku})", nat.name),
            flows,
        ));
    }
    out
}

fn firewall_checks(ctx: &mut Ctx<'_>, fw: &Firewall, flows: &[&CheckFlow]) -> Vec<LimitCheck> {
    let el = ElementRef::new(ids::firewall(&fw.name), &fw.name, fw.origin.clone());
    let sku = firewall_sku(fw.sku);
    let mut out = Vec::new();
    if let Some(r) = ctx.row("firewall-throughput", Some(sku)) {
        out.extend(throughput(
            ctx,
            "firewall-throughput",
            el.clone(),
            r,
            &format!("Azure Firewall {} ({sku})", fw.name),
            flows,
        ));
    }
    if let Some(r) = ctx.row("firewall-initial-throughput", Some(sku)) {
        let scale = ctx.limits.get("firewall-scale-out", None).cloned();
        let what = format!(
            "Azure Firewall {} ({sku}) when newly deployed, until it scales out ({})",
            fw.name,
            scale
                .as_ref()
                .map(|s| format!("up to {} minutes", s.value))
                .unwrap_or_else(|| "time unknown".into())
        );
        if let Some(mut c) = throughput(ctx, "firewall-initial-throughput", el.clone(), r, &what, flows) {
            c.sources.extend(scale);
            out.push(c);
        }
    }
    let internet = flows.iter().any(|f| f.meters.contains(&adbflow_net::walk::meters::INTERNET_EGRESS));
    if internet && !fw.public_ips.is_empty() {
        let ports = ctx.row("firewall-snat-ports-per-ip-per-instance", None);
        let instances = ctx.row("firewall-min-instances", None);
        if let (Some(p), Some(i)) = (ports, instances) {
            let ips = fw.public_ips.len() as f64;
            let cap = p.value * ips * i.value;
            let conns = f64::from(ctx.settings.connections_per_node);
            out.push(ctx.check(
                "firewall-snat-ports",
                LimitKind::Hard,
                el,
                cap,
                "ports",
                conns,
                format!(
                    "{} SNAT ports per public IP per instance × {ips} public IP × {} instances = {cap} ports for internet-bound connections (more once the firewall scales out)",
                    p.value, i.value
                ),
                vec![p, i],
            ));
        }
    }
    out
}

/// Check `estate` and work out its capacity.
///
/// The check walks the workspaces on every core and each workspace's capacity is worked out
/// where it was walked; the flows are not kept (at 5,000 workspaces holding every flow's path
/// took 1.9 GiB, and building it alone on one core most of the time).
pub fn check_capacity(
    estate: &Estate,
    tags: &adbflow_net::ServiceTags,
    options: &crate::check::CheckOptions<'_>,
    profile: &Profile,
    limits: &LimitTable,
    nodes: Option<u64>,
) -> Result<CapacityReport, crate::error::CheckError> {
    let sizing = Sizing::new(profile, limits, nodes);
    let (check, parts) = CheckRun::start(estate, tags, options)?
        .per_workspace(CheckRun::BATCH, |lookup, ws, flows| {
            sizing.workspace(lookup, ws, &flows.iter().collect::<Vec<_>>())
        });
    Ok(sizing.report(check.name, parts))
}

/// The capacity of every workspace in `check`. `estate` is the prepared estate the check walked;
/// `nodes` overrides the profile's concurrent node count.
pub fn capacity(
    check: &CheckReport,
    estate: &Estate,
    profile: &Profile,
    limits: &LimitTable,
    nodes: Option<u64>,
) -> CapacityReport {
    let sizing = Sizing::new(profile, limits, nodes);
    // Indexed once: asking the estate and the flow list per workspace grew with its square.
    let lookup = Lookup::new(estate);
    let flows_of = by_workspace(&check.flows, |f| &f.workspace);
    let parts = check
        .workspaces
        .iter()
        .map(|ws| sizing.workspace(&lookup, ws, rows_of(&flows_of, &ws.name)))
        .collect();
    sizing.report(check.name.clone(), parts)
}

/// What every workspace's capacity is measured against.
struct Sizing<'a> {
    profile: &'a Profile,
    limits: &'a LimitTable,
    /// Nodes asked for, and why that many.
    requested: u64,
    basis: String,
    vm: Option<&'a LimitRow>,
}

/// One workspace's capacity, its flows' estimates in report order, and the notes it raised.
struct WorkspacePart {
    capacity: WorkspaceCapacity,
    flows: Vec<FlowEstimate>,
    notes: Vec<Finding>,
}

impl<'a> Sizing<'a> {
    fn new(profile: &'a Profile, limits: &'a LimitTable, nodes: Option<u64>) -> Self {
        let s = &profile.settings;
        let basis = match nodes {
            Some(_) => "--nodes".to_string(),
            None => format!(
                "profile {}: {} nodes per cluster × {} concurrent cluster{}",
                profile.name,
                s.nodes_per_cluster,
                s.concurrent_clusters.max(1),
                if s.concurrent_clusters > 1 { "s" } else { "" }
            ),
        };
        Sizing {
            profile,
            limits,
            requested: nodes.unwrap_or_else(|| s.concurrent_nodes()),
            basis,
            vm: limits.get("vm-bandwidth", Some(&s.node_type)),
        }
    }

    /// `flows`: the workspace's flows, in report order.
    fn workspace(&self, lookup: &Lookup<'_>, ws: &WorkspaceSummary, flows: &[&CheckFlow]) -> WorkspacePart {
        let (limits, s, requested) = (self.limits, &self.profile.settings, self.requested);
        let estate = lookup.estate();
        let mut notes = Vec::new();
        let mut warnings = Vec::new();
        let mut ctx = Ctx {
            limits,
            settings: s,
            nodes: requested,
            vm_gbps: self.vm.map(|r| (r.value, r)),
            notes: &mut notes,
        };
        let mut checks = Vec::new();
        let mut subnets = Vec::new();
        let reserved_row = ctx.row("subnet-reserved-addresses", None);
        let reserved = reserved_row.as_ref().map(|r| r.value as u64).unwrap_or(5);
        for (role, name) in
            [(SourceRole::Host, &ws.host_subnet), (SourceRole::Container, &ws.container_subnet)]
        {
            let path = format!("{}/{}", ws.vnet, name);
            let Some(sr) = lookup.subnet(&path) else { continue };
            let p = sr.subnet.prefix.0;
            let el =
                ElementRef::new(ids::subnet(&sr.vnet.name, &sr.subnet.name), &path, sr.subnet.origin.clone());
            let usable = usable_addresses(p.prefix_len(), reserved);
            subnets.push(SubnetCapacity {
                role,
                subnet: path.clone(),
                prefix: p.to_string(),
                addresses: 1u64 << (32 - u32::from(p.prefix_len())),
                reserved,
                usable,
                element: el.clone(),
            });
            let mut sources: Vec<LimitRow> = reserved_row.iter().cloned().collect();
            sources.extend(ctx.limits.get("nics-per-node", None).cloned());
            checks.push(ctx.check(
                "subnet-addresses",
                LimitKind::Hard,
                el,
                usable as f64,
                "addresses",
                1.0,
                format!(
                    "{path} is {p}: 2^(32−{}) − {reserved} reserved = {usable} addresses; every node puts its {} NIC here",
                    p.prefix_len(),
                    role.as_str()
                ),
                sources,
            ));
        }
        let cluster: Vec<&CheckFlow> = flows
            .iter()
            .copied()
            .filter(|f| f.source_role != SourceRole::User && f.verdict == FlowVerdict::Delivered)
            .collect();
        let mut nats: BTreeMap<String, (&NatGateway, Vec<&CheckFlow>)> = BTreeMap::new();
        let mut fws: BTreeMap<String, (&Firewall, Vec<&CheckFlow>)> = BTreeMap::new();
        for f in &cluster {
            let d = devices(lookup, &f.hops);
            if let Some(n) = d.nat {
                nats.entry(n.name.clone()).or_insert((n, Vec::new())).1.push(f);
            }
            if let Some(fw) = d.firewall {
                fws.entry(fw.name.clone()).or_insert((fw, Vec::new())).1.push(f);
            }
        }
        for (nat, flows) in nats.values() {
            checks.extend(nat_checks(&mut ctx, estate, nat, flows));
            ctx.notes.push(
                Finding::new(
                    FindingSeverity::Info,
                    "seed-nat-throughput",
                    format!(
                        "NAT gateway {}: an Azure NAT gateway carries 50 Gbps (Standard) or 100 Gbps (StandardV2), outbound and responses together; the seed document's 45 Gbps is AWS's NAT gateway figure",
                        nat.name
                    ),
                )
                .workspace(&ws.name),
            );
        }
        for (fw, flows) in fws.values() {
            checks.extend(firewall_checks(&mut ctx, fw, flows));
        }
        checks.sort_by(|a, b| {
            (a.max_nodes.unwrap_or(u64::MAX), a.kind, a.id, &a.element.id).cmp(&(
                b.max_nodes.unwrap_or(u64::MAX),
                b.kind,
                b.id,
                &b.element.id,
            ))
        });
        for c in checks.iter().filter(|c| c.exceeded) {
            let (code, verb) = match c.kind {
                LimitKind::Hard => ("capacity-exceeded", "exceeds"),
                LimitKind::Throughput => ("throughput-limited", "is above"),
            };
            warnings.push(
                Finding::new(
                    FindingSeverity::Warning,
                    code,
                    format!(
                        "{} need {} {} of {} ({}), which {verb} its {} — at most {}",
                        nodes_text(requested),
                        fmt(c.demand),
                        c.unit,
                        c.element.name,
                        c.id,
                        fmt(c.capacity),
                        c.max_nodes.map(nodes_text).unwrap_or_else(|| "-".into())
                    ),
                )
                .workspace(&ws.name)
                .element(c.element.clone()),
            );
        }
        let min_of =
            |kind: LimitKind| checks.iter().filter(|c| c.kind == kind).filter_map(|c| c.max_nodes).min();
        let capacity = WorkspaceCapacity {
            workspace: ws.name.clone(),
            region: ws.region.clone(),
            requested_nodes: requested,
            requested_basis: self.basis.clone(),
            node_type: s.node_type.clone(),
            subnets,
            max_nodes: min_of(LimitKind::Hard),
            full_speed_nodes: min_of(LimitKind::Throughput),
            binding: checks
                .first()
                .filter(|c| c.max_nodes.is_some())
                .map(|c| format!("{} ({})", c.id, c.element.name)),
            limits: checks,
            warnings,
        };
        let mut estimates = crate::performance::Estimates::new(limits, &s.node_type);
        let flows = flows
            .iter()
            .filter_map(|f| {
                estimates.of(lookup, f).map(|performance| FlowEstimate {
                    workspace: f.workspace.as_str().to_owned(),
                    id: f.id,
                    instance: f.instance.clone(),
                    source_role: f.source_role,
                    egress: f.egress.clone(),
                    performance,
                })
            })
            .collect();
        WorkspacePart { capacity, flows, notes }
    }

    /// The report of the workspaces' parts, in report order.
    fn report(&self, name: Option<String>, parts: Vec<WorkspacePart>) -> CapacityReport {
        let (limits, s) = (self.limits, &self.profile.settings);
        let mut notes: Vec<Finding> = self
            .profile
            .warnings
            .iter()
            .map(|w| Finding::new(FindingSeverity::Warning, "profile-setting-ignored", w.clone()))
            .collect();
        if self.vm.is_none() {
            notes.push(Finding::new(
                FindingSeverity::Warning,
                "node-bandwidth-unknown",
                format!(
                    "the limits table has no bandwidth for node type '{}': throughput limits are not evaluated",
                    s.node_type
                ),
            ));
        }
        let mut workspaces = Vec::with_capacity(parts.len());
        let mut flows = Vec::new();
        for part in parts {
            workspaces.push(part.capacity);
            flows.extend(part.flows);
            notes.extend(part.notes);
        }
        notes.sort();
        notes.dedup();
        let mut estimate_sources: Vec<LimitRow> = Vec::new();
        for f in &flows {
            let p = &f.performance;
            let rows = p
                .latency_from
                .iter()
                .filter_map(|l| limits.get(l, None))
                .chain(p.bandwidth_from.as_ref().and_then(|(l, sku)| limits.get(l, sku.as_deref())));
            for r in rows {
                if !estimate_sources.contains(r) {
                    estimate_sources.push(r.clone());
                }
            }
        }
        CapacityReport {
            schema_version: CAPACITY_SCHEMA_VERSION,
            name,
            limits_table: LimitsInfo { name: limits.name.clone(), as_of: limits.as_of.clone() },
            profile: self.profile.clone(),
            workspaces,
            flows,
            estimate_sources,
            notes,
        }
    }
}

fn nodes_text(n: u64) -> String {
    format!("{n} node{}", if n == 1 { "" } else { "s" })
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // databricks-net-facts §3: usable = 2^(32−p) − 5 per subnet.
    #[test]
    fn usable_addresses_follow_the_formula() {
        assert_eq!(usable_addresses(26, 5), 59);
        assert_eq!(usable_addresses(24, 5), 251);
        assert_eq!(usable_addresses(22, 5), 1019);
        assert_eq!(usable_addresses(18, 5), 16379);
        assert_eq!(usable_addresses(30, 5), 0, "never negative");
        assert_eq!(usable_addresses(32, 0), 1);
    }

    #[test]
    fn max_nodes_is_the_floor_and_absent_without_demand() {
        assert_eq!(max_nodes(64512.0, 1000.0), Some(64));
        assert_eq!(max_nodes(64512.0, 1008.0), Some(64));
        assert_eq!(max_nodes(50.0, 3.0), Some(16));
        assert_eq!(max_nodes(10.0, 0.0), None);
    }
}
