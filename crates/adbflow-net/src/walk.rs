//! The walk: DNS → NSG outbound → route → egress device or firewall → destination acceptance →
//! NSG inbound. Each step appends a hop naming the element that decided it; the first step that
//! stops the packet ends the walk with `blocked_by`.

use crate::address::DestAddr;
use crate::destination::{self, Arrival};
use crate::dns::{self, Outcome};
use crate::egress;
use crate::firewall::{FirewallPacket, Snat};
use crate::network::Network;
use crate::nsg::Packet;
use crate::resources::NamedEndpoint;
use crate::routes::{self, EffectiveRoute};
use crate::text;
use crate::trace::{
    BlockedBy, DnsAnswer, Egress, FlowSpec, Hop, HopKind, ReasonCode, Trace, Verdict, TRACE_SCHEMA_VERSION,
};
use adbflow_model::{
    ids, ConnectionState, Direction, ElementRef, Estate, Firewall, NextHopType, PrivateEndpoint, SharedStr,
    SubnetRef,
};
use std::net::Ipv4Addr;

/// Meter names for the bytes' path; the cost model prices them.
pub mod meters {
    pub const NAT_GATEWAY: &str = "nat-gateway-data-processed";
    pub const FIREWALL: &str = "firewall-data-processed";
    pub const PRIVATE_ENDPOINT: &str = "private-endpoint-data-processed";
    pub const PEERING_REGIONAL: &str = "vnet-peering-regional";
    pub const PEERING_GLOBAL: &str = "vnet-peering-global";
    pub const INTERNET_EGRESS: &str = "internet-egress";
    pub const INTER_REGION: &str = "inter-region-transfer";
}

struct Walker<'n> {
    net: &'n Network,
    trace: Trace,
    /// A subnet walked along with the source ([`walk_twins`]); `None` when there is none, or
    /// once a step told them apart.
    twin: Option<Twin<'n>>,
}

/// A subnet whose walks decide as the source's do ([`Network::walks_alike`]), walked along
/// with it: its trace is the source's but for what it keeps here, the parts that name the
/// subnet a packet leaves from (its path, its address, its own elements).
struct Twin<'n> {
    subnet: SubnetRef<'n>,
    ip: Ipv4Addr,
    /// Its own hops where the source's name the source, by position.
    hops: Vec<(usize, Hop)>,
    /// Its own `source_seen_as` while the source's names the source.
    seen_as: Option<String>,
    /// Its own `blocked_by` when the source's names the source.
    blocked_by: Option<BlockedBy>,
}

impl Twin<'_> {
    /// The twin's trace: `source`'s, with the twin's own parts.
    fn trace(self, source: &Trace, flow: FlowSpec) -> Trace {
        let mut own = self.hops.into_iter().peekable();
        let hops = source
            .hops
            .iter()
            .enumerate()
            .map(|(i, h)| match own.next_if(|(at, _)| *at == i) {
                Some((_, mine)) => mine,
                None => h.clone(),
            })
            .collect();
        Trace {
            schema_version: source.schema_version,
            flow,
            verdict: source.verdict,
            egress: source.egress,
            snat_ip: source.snat_ip,
            source_seen_as: self.seen_as.unwrap_or_else(|| source.source_seen_as.clone()),
            resolved: source.resolved.clone(),
            hops,
            blocked_by: self.blocked_by.or_else(|| source.blocked_by.clone()),
            meters: source.meters.clone(),
        }
    }
}

/// A walk's end: the source's trace, and its twin's own parts when the twin went all the way.
struct Walked<'n> {
    trace: Trace,
    twin: Option<Twin<'n>>,
}

/// The address a NIC in `subnet` uses as source: the first address Azure hands out (.4).
pub fn nic_address(s: SubnetRef<'_>) -> Ipv4Addr {
    let base = u32::from(s.subnet.prefix.0.network());
    let host = if s.subnet.prefix.0.prefix_len() <= 29 { base + 4 } else { base };
    Ipv4Addr::from(host)
}

fn subnet_el(s: SubnetRef<'_>) -> ElementRef {
    ElementRef::new(ids::subnet(&s.vnet.name, &s.subnet.name), s.path(), s.subnet.origin.clone())
}

fn pe_el(pe: &PrivateEndpoint) -> ElementRef {
    ElementRef::new(ids::private_endpoint(&pe.name), pe.name.clone(), pe.origin.clone())
}

/// What the packet is heading for after DNS.
struct Target<'e> {
    dest: DestAddr,
    fqdn: Option<String>,
    endpoint: Option<NamedEndpoint<'e>>,
}

impl<'n> Walker<'n> {
    fn estate(&self) -> &'n Estate {
        self.net.estate()
    }

    /// A hop the twin's trace has too.
    fn hop(&mut self, hop: Hop) {
        self.trace.hops.push(hop);
    }

    /// A hop that names the subnet the packet left from: `hop` for the source, `twin` (when
    /// walking a twin along) for it.
    fn hop_each(&mut self, hop: Hop, twin: Option<Hop>) {
        if let (Some(t), Some(h)) = (self.twin.as_mut(), twin) {
            if h != hop {
                t.hops.push((self.trace.hops.len(), h));
            }
        }
        self.trace.hops.push(hop);
    }

    /// The twin walked along and its address, while it is.
    fn twin_source(&self) -> Option<(SubnetRef<'n>, Ipv4Addr)> {
        self.twin.as_ref().map(|t| (t.subnet, t.ip))
    }

    /// A step decides otherwise for the twin, or was not worked out for it: it is walked on
    /// its own after all.
    fn part(&mut self) {
        self.twin = None;
    }

    /// The twin's answer to a step, `twin`, kept when `alike` says the step decided as it did
    /// for the source; otherwise the twin is parted and there is none.
    fn agree<T>(&mut self, twin: Option<T>, alike: impl FnOnce(&T) -> bool) -> Option<T> {
        match twin {
            Some(t) if alike(&t) => Some(t),
            Some(_) => {
                self.part();
                None
            }
            None => None,
        }
    }

    /// How the destination sees the source, for both when it does not name the source.
    fn seen_as(&mut self, seen_as: String) {
        self.trace.source_seen_as = seen_as;
        if let Some(t) = self.twin.as_mut() {
            t.seen_as = None;
        }
    }

    /// How the destination sees the source, `twin` how it sees the twin.
    fn seen_as_each(&mut self, seen_as: String, twin: Option<String>) {
        self.trace.source_seen_as = seen_as;
        if let Some(t) = self.twin.as_mut() {
            t.seen_as = twin;
        }
    }

    /// The block both traces end with.
    fn set_blocked(&mut self, blocked: BlockedBy) {
        self.set_blocked_each(blocked, None);
    }

    /// The block the source's trace ends with, `twin` the twin's when it differs.
    fn set_blocked_each(&mut self, blocked: BlockedBy, twin: Option<BlockedBy>) {
        self.trace.blocked_by = Some(blocked);
        if let Some(t) = self.twin.as_mut() {
            t.blocked_by = twin;
        }
    }

    fn block(mut self, reason_code: ReasonCode, element: ElementRef, message: String) -> Walked<'n> {
        self.set_blocked(BlockedBy { reason_code, element, message });
        self.trace_blocked()
    }

    /// [`Walker::block`] with the twin's own element and message, when it is walked along.
    fn block_each(
        mut self,
        reason_code: ReasonCode,
        (element, message): (ElementRef, String),
        twin: Option<(ElementRef, String)>,
    ) -> Walked<'n> {
        let twin = twin.map(|(element, message)| BlockedBy { reason_code, element, message });
        self.set_blocked_each(BlockedBy { reason_code, element, message }, twin);
        self.trace_blocked()
    }

    fn deliver(mut self) -> Walked<'n> {
        self.trace.verdict = Verdict::Delivered;
        self.trace.blocked_by = None;
        if let Some(t) = self.twin.as_mut() {
            t.blocked_by = None;
        }
        Walked { trace: self.trace, twin: self.twin }
    }

    fn meter(&mut self, m: &'static str) {
        if !self.trace.meters.contains(&m) {
            self.trace.meters.push(m);
        }
    }
}

pub fn walk(net: &Network, flow: &FlowSpec) -> Trace {
    let w = Walker::new(net, flow);
    let Some(src) = net.subnet(&flow.from_subnet) else {
        let el = ElementRef::new(format!("subnet:{}", flow.from_subnet), flow.from_subnet.clone(), None);
        let msg = format!("source subnet {} is not in the estate", flow.from_subnet);
        return w.block(ReasonCode::NextHopUnreachable, el, msg).trace;
    };
    walk_from(w, src, flow).trace
}

/// `flow` walked from its subnet and from `twin`, another subnet: the traces of
/// [`walk`]`(flow)` and of `walk` of the same flow from `twin`. When the two subnets' walks decide
/// alike ([`Network::walks_alike`]) both are worked out in one walk, the twin keeping only the
/// parts of its trace that name it; a step that tells them apart leaves the twin to a walk of
/// its own.
pub fn walk_twins(net: &Network, flow: &FlowSpec, twin: SharedStr) -> (Trace, Trace) {
    let pair = TwinSubnets::new(net, flow.from_subnet.clone(), twin);
    walk_twins_found(net, flow, pair.twin, pair.alike)
}

/// Two subnets, by `VNET/SUBNET`, and whether every walk from the first decides as from the
/// second: found once for all the flows the pair sends ([`Network::twin_subnets`]).
#[derive(Clone)]
pub struct TwinSubnets<'n> {
    from: SharedStr,
    twin: SharedStr,
    alike: Option<(SubnetRef<'n>, SubnetRef<'n>)>,
}

impl<'n> TwinSubnets<'n> {
    pub(crate) fn new(net: &'n Network, from: SharedStr, twin: SharedStr) -> Self {
        let alike = net.subnet(&from).zip(net.subnet(&twin)).filter(|&(a, b)| net.walks_alike(a, b));
        TwinSubnets { from, twin, alike }
    }

    /// The subnet the flows leave from.
    pub fn from(&self) -> &SharedStr {
        &self.from
    }

    /// The subnet that sends the same flows.
    pub fn twin(&self) -> &SharedStr {
        &self.twin
    }
}

/// [`walk_twins`] of a pair found before; a flow from another subnet than the pair's first
/// is walked as [`walk_twins`] walks it.
pub fn walk_twin_subnets(net: &Network, flow: &FlowSpec, pair: &TwinSubnets<'_>) -> (Trace, Trace) {
    if flow.from_subnet != pair.from {
        return walk_twins(net, flow, pair.twin.clone());
    }
    walk_twins_found(net, flow, pair.twin.clone(), pair.alike)
}

fn walk_twins_found(
    net: &Network,
    flow: &FlowSpec,
    twin: SharedStr,
    alike: Option<(SubnetRef<'_>, SubnetRef<'_>)>,
) -> (Trace, Trace) {
    let twin_flow = FlowSpec { from_subnet: twin, ..flow.clone() };
    let Some((src, other)) = alike else {
        return (walk(net, flow), walk(net, &twin_flow));
    };
    let mut w = Walker::new(net, flow);
    w.twin = Some(Twin {
        subnet: other,
        ip: nic_address(other),
        hops: Vec::new(),
        seen_as: None,
        blocked_by: None,
    });
    let walked = walk_from(w, src, flow);
    let twin = match walked.twin {
        Some(t) => t.trace(&walked.trace, twin_flow),
        None => walk(net, &twin_flow),
    };
    (walked.trace, twin)
}

impl<'n> Walker<'n> {
    fn new(net: &'n Network, flow: &FlowSpec) -> Self {
        Walker {
            net,
            trace: Trace {
                schema_version: TRACE_SCHEMA_VERSION,
                flow: flow.clone(),
                verdict: Verdict::Blocked,
                egress: Egress::None,
                snat_ip: None,
                source_seen_as: String::new(),
                resolved: Vec::new(),
                // A walk makes 4-8 hops (DNS, NSG, route, firewall, arrival): sized once.
                hops: Vec::with_capacity(8),
                blocked_by: None,
                meters: Vec::new(),
            },
            twin: None,
        }
    }
}

fn walk_from<'n>(mut w: Walker<'n>, src: SubnetRef<'n>, flow: &FlowSpec) -> Walked<'n> {
    let estate = w.estate();
    let src_ip = nic_address(src);
    let private_ip = |s: SubnetRef<'_>, ip: Ipv4Addr| text!("private IP ", ip, " (", s, ")");
    let twin_seen = w.twin_source().map(|(t, ip)| private_ip(t, ip));
    w.seen_as_each(private_ip(src, src_ip), twin_seen);

    // 1. DNS
    let mut target = match flow.to_host.parse::<Ipv4Addr>() {
        Ok(ip) => Target {
            dest: dns::dest_for_ip_in(w.net.names(), estate, ip),
            fqdn: None,
            endpoint: w.net.names().lookup_ip(estate, ip),
        },
        Err(_) => {
            let mut resolver = w.net.resolver(src.vnet);
            if let Some(server) = resolver.custom_server {
                resolver.broken = dns_server_unreachable(&w, src, src_ip, server);
                // Why a server is unreachable names the client's subnet: only a server both
                // reach leaves the twin's trace the source's.
                if let Some((t, t_ip)) = w.twin_source() {
                    if resolver.broken.is_some() || dns_server_unreachable(&w, t, t_ip, server).is_some() {
                        w.part();
                    }
                }
            }
            let inferred = resolver.inferred && resolver.broken.is_none();
            let dns::Resolution { resolver, answers, outcome } =
                dns::resolve_in(w.net.names(), estate, resolver, &flow.to_host);
            match outcome {
                Outcome::Failed { element, message } => {
                    w.trace.resolved = answers;
                    w.hop(dns_hop(element.clone(), &message, inferred));
                    return w.block(ReasonCode::DnsResolutionFailed, element, message);
                }
                Outcome::Resolved { dest, endpoint, answered_by, assumed_public, .. } => {
                    let detail = text!(
                        flow.to_host,
                        " resolves to ",
                        describe_answer(&answers, &dest),
                        " via ",
                        resolver.description
                    );
                    w.trace.resolved = answers;
                    let mut hop = Hop::new(HopKind::Dns, answered_by, detail);
                    if inferred || assumed_public {
                        hop = hop.inferred();
                    }
                    w.hop(hop);
                    Target { dest, fqdn: Some(flow.to_host.to_ascii_lowercase()), endpoint }
                }
            }
        }
    };

    // 2. NSG outbound on the source subnet (a subnet without NSG allows). The destination is
    // lent to the packet and taken back: a copy was a vector and strings for every flow.
    let packet = Packet {
        src: DestAddr::ip(src_ip),
        src_port: None,
        dst: std::mem::take(&mut target.dest),
        dst_port: flow.port,
        protocol: flow.protocol,
    };
    let allowed = nsg_step(&mut w, src, Direction::Outbound, &packet, true);
    target.dest = packet.dst;
    if !allowed {
        return w.trace_blocked();
    }

    // 3. Route.
    forward(w, src, src_ip, &target, flow, false)
}

/// A custom DNS server must be reachable on UDP 53 from the client subnet: its route must lead
/// somewhere (VNet, peering, gateway) and the subnet's NSG must let the query out. Returns why not.
fn dns_server_unreachable(
    w: &Walker<'_>,
    src: SubnetRef<'_>,
    src_ip: Ipv4Addr,
    server: Ipv4Addr,
) -> Option<String> {
    let dest = DestAddr::ip(server);
    let why = match &w.net.select_route_of(src, &dest) {
        None => Some("no route matches it".to_string()),
        Some(r) => match r.next_hop_type {
            NextHopType::None => Some(format!("route {} → None drops the queries", route_prefix(r))),
            NextHopType::Internet if crate::address::is_private(server) => Some(format!(
                "it is a private address reached by no VNet, peering or gateway route (route {} → Internet)",
                route_prefix(r)
            )),
            _ => None,
        },
    };
    if let Some(why) = why {
        return Some(format!(
            "{} uses custom DNS server {server}, which is unreachable from {}: {why}; every name lookup fails",
            src.vnet.name,
            src.path()
        ));
    }
    let nsg = src.subnet.nsg.as_deref().and_then(|n| w.net.nsg(n))?;
    let packet = Packet {
        src: DestAddr::ip(src_ip),
        src_port: None,
        dst: dest,
        dst_port: 53,
        protocol: adbflow_model::Protocol::Udp,
    };
    let d = w.net.nsg_decision(nsg, src, Direction::Outbound, &packet);
    (d.access == adbflow_model::Access::Deny).then(|| {
        format!(
            "{} uses custom DNS server {server}, but NSG {} rule {} denies UDP 53 to it from {}; every name lookup fails",
            src.vnet.name,
            nsg.name,
            d.rule_name,
            src.path()
        )
    })
}

fn dns_hop(element: ElementRef, message: &str, inferred: bool) -> Hop {
    let hop = Hop::new(HopKind::Dns, element, message.to_string());
    if inferred {
        hop.inferred()
    } else {
        hop
    }
}

fn describe_answer(answers: &[DnsAnswer], dest: &DestAddr) -> String {
    let chain: Vec<String> = answers
        .iter()
        .filter(|a| a.record_type == "CNAME")
        .map(|a| format!("CNAME {}", a.data.join(",")))
        .collect();
    if chain.is_empty() {
        text!(dest)
    } else {
        format!("{} → {dest}", chain.join(" → "))
    }
}

impl<'n> Walker<'n> {
    /// Used after a step already recorded `blocked_by`.
    fn trace_blocked(mut self) -> Walked<'n> {
        self.trace.verdict = Verdict::Blocked;
        Walked { trace: self.trace, twin: self.twin }
    }
}

/// Evaluate the NSG of `subnet` in `direction`; records the hop and, on deny, `blocked_by`.
/// `is_source`: `subnet` is the one the packet leaves from (its twin's is the twin's).
fn nsg_step(
    w: &mut Walker<'_>,
    subnet: SubnetRef<'_>,
    direction: Direction,
    packet: &Packet,
    is_source: bool,
) -> bool {
    let kind = if direction == Direction::Outbound { HopKind::NsgOutbound } else { HopKind::NsgInbound };
    let Some(nsg) = subnet.subnet.nsg.as_deref().and_then(|n| w.net.nsg(n)) else {
        let no_nsg = |s: SubnetRef<'_>| {
            Hop::new(kind, subnet_el(s), format!("{} has no NSG: nothing filters here", s.path()))
        };
        let twin = if is_source { w.twin_source().map(|(t, _)| no_nsg(t)) } else { None };
        w.hop_each(no_nsg(subnet), twin);
        return true;
    };
    let d = w.net.nsg_decision(nsg, subnet, direction, packet);
    let dir = if direction == Direction::Outbound { "outbound" } else { "inbound" };
    if d.platform_exception {
        w.hop(Hop::new(
            kind,
            d.rule,
            format!("{} is an Azure platform address: NSGs do not apply", packet.dst),
        ));
        return true;
    }
    let allowed = d.access == adbflow_model::Access::Allow;
    let detail = text!(
        "NSG ",
        nsg.name,
        " ",
        dir,
        " rule ",
        d.rule_name,
        " (priority ",
        d.priority,
        ") ",
        if allowed { "allows " } else { "denies " },
        packet.dst,
        ":",
        packet.dst_port
    );
    // Copied only for a denial: most decisions allow.
    if !allowed {
        w.set_blocked(BlockedBy {
            reason_code: ReasonCode::NsgDenied,
            element: d.rule.clone(),
            message: detail.clone(),
        });
    }
    w.hop(Hop::new(kind, d.rule, detail));
    allowed
}

fn route_hop(route: &EffectiveRoute, dest: &DestAddr, from: SubnetRef<'_>) -> Hop {
    use text::Piece as _;
    let kind = match route.source {
        routes::RouteSource::Default => "system",
        routes::RouteSource::User => "user",
        routes::RouteSource::VirtualNetworkGateway => "gateway",
    };
    // Every walk has a route hop (two through a firewall): one string, written once, instead of
    // three `format!`s and the copies between them.
    let mut detail = String::with_capacity(160);
    detail.push_str(kind);
    detail.push_str(" route");
    if !route.name.is_empty() {
        detail.push_str(" '");
        detail.push_str(&route.name);
        detail.push('\'');
    }
    detail.push(' ');
    route.prefix.push_to(&mut detail);
    detail.push_str(" → ");
    detail.push_str(route.next_hop_type.as_str());
    if let Some(ip) = route.next_hop_ip {
        detail.push(' ');
        ip.push_to(&mut detail);
    }
    detail.push_str(" matches ");
    dest.push_to(&mut detail);
    detail.push_str(" in ");
    from.push_to(&mut detail);
    detail.push_str("'s effective routes");
    Hop::new(HopKind::Route, route.element.clone(), detail)
}

/// Route from `from` (the source subnet, or the firewall's subnet when `via_firewall`).
fn forward<'n>(
    mut w: Walker<'n>,
    from: SubnetRef<'n>,
    src_ip: Ipv4Addr,
    target: &Target<'n>,
    flow: &FlowSpec,
    via_firewall: bool,
) -> Walked<'n> {
    let estate = w.estate();
    // The twin leaves from its own subnet; through the firewall both leave from the firewall's.
    let twin = if via_firewall { None } else { w.twin_source() };
    let Some(route) = w.net.select_route_of(from, &target.dest) else {
        let no_route = |s: SubnetRef<'_>| {
            let msg = format!("no route in {} matches {}: the packet is dropped", s.path(), target.dest);
            (subnet_el(s), msg)
        };
        return w.block_each(ReasonCode::RouteNone, no_route(from), twin.map(|(t, _)| no_route(t)));
    };
    // A twin's routes are the source's but for the elements of its service-endpoint routes
    // (`SubnetRoutes::for_twin`): its own worked out here, without computing its routes.
    let twin_route =
        twin.filter(|_| route.next_hop_type == NextHopType::VirtualNetworkServiceEndpoint).map(|(t, _)| {
            EffectiveRoute {
                element: routes::twin_service_endpoint_element(&route.element, t),
                ..route.clone()
            }
        });
    let twin_route_hop = twin.map(|(t, _)| route_hop(twin_route.as_ref().unwrap_or(&route), &target.dest, t));
    w.hop_each(route_hop(&route, &target.dest, from), twin_route_hop);
    match route.next_hop_type {
        NextHopType::None => {
            let msg = format!(
                "route {} sends {} to next hop None: Azure drops the packet",
                route_prefix(&route),
                target.dest
            );
            w.block(ReasonCode::RouteNone, route.element.clone(), msg)
        }
        NextHopType::VnetLocal | NextHopType::VNetPeering => {
            if !via_firewall {
                w.trace.egress = if route.next_hop_type == NextHopType::VnetLocal {
                    Egress::Vnet
                } else {
                    Egress::Peering
                };
            }
            if route.next_hop_type == NextHopType::VNetPeering {
                let peer_vnet = target.dest.ip.and_then(|ip| w.net.index().vnet_containing(estate, ip));
                let global =
                    peer_vnet.is_some_and(|v| estate.vnet_region(v) != estate.vnet_region(from.vnet));
                w.meter(if global { meters::PEERING_GLOBAL } else { meters::PEERING_REGIONAL });
            }
            arrive_private(w, src_ip, target, flow)
        }
        NextHopType::InterfaceEndpoint => {
            if !via_firewall {
                w.trace.egress = Egress::PrivateEndpoint;
            }
            arrive_private(w, src_ip, target, flow)
        }
        NextHopType::VirtualNetworkServiceEndpoint => {
            if !via_firewall {
                w.trace.egress = Egress::ServiceEndpoint;
                let identity = |s: SubnetRef<'_>, ip: Ipv4Addr| {
                    text!("private IP ", ip, " with the identity of subnet ", s, " (service endpoint)")
                };
                let twin_seen = twin.map(|(t, ip)| identity(t, ip));
                w.seen_as_each(identity(from, src_ip), twin_seen);
            }
            if let Some(b) = service_endpoint_policy_check(estate, from, target) {
                // The twin has the same policies (`Network::walks_alike`); the message names it.
                let twin_check = twin.map(|(t, _)| service_endpoint_policy_check(estate, t, target));
                let twin_block = w.agree(twin_check, Option::is_some).flatten();
                let twin_hop = twin_block
                    .as_ref()
                    .map(|t| Hop::new(HopKind::Egress, t.element.clone(), t.message.clone()));
                w.hop_each(Hop::new(HopKind::Egress, b.element.clone(), b.message.clone()), twin_hop);
                w.set_blocked_each(b, twin_block);
                return w.trace_blocked();
            }
            let carried = |s: SubnetRef<'_>, element: &ElementRef| {
                Hop::new(
                    HopKind::Egress,
                    element.clone(),
                    text!(
                        "service endpoint on ",
                        s,
                        " carries the packet over the Azure backbone; the service sees the subnet's private identity, not a NAT IP"
                    ),
                )
            };
            let twin_hop = twin.map(|(t, _)| carried(t, &twin_route.as_ref().unwrap_or(&route).element));
            w.hop_each(carried(from, &route.element), twin_hop);
            let arrival = Arrival::ServiceEndpoint { subnet: from };
            let twin_arrival = twin.map(|(t, _)| Arrival::ServiceEndpoint { subnet: t });
            finish_at_endpoint(w, target, &arrival, twin_arrival.as_ref())
        }
        NextHopType::Internet => {
            if target.dest.is_private() {
                let msg = format!(
                    "{} is a private address with no VNet, peering or gateway route: sent to the internet it is unreachable",
                    target.dest
                );
                return w.block(ReasonCode::NextHopUnreachable, route.element.clone(), msg);
            }
            if via_firewall && from.subnet.nat_gateway.is_none() {
                // The firewall leaves through its own public IPs (already recorded as the SNAT).
                internet_meters(&mut w, target, estate.vnet_region(from.vnet));
                return finish_in_public(w, target, Some(estate.vnet_region(from.vnet)));
            }
            let twin_egress = twin.map(|(t, _)| egress::internet_egress(estate, t));
            match egress::internet_egress(estate, from) {
                Err(no) => {
                    let twin_no = w
                        .agree(twin_egress, Result::is_err)
                        .and_then(Result::err)
                        .map(|t| (t.element, t.message));
                    let twin_hop =
                        twin_no.as_ref().map(|(el, msg)| Hop::new(HopKind::Egress, el.clone(), msg.clone()));
                    w.hop_each(Hop::new(HopKind::Egress, no.element.clone(), no.message.clone()), twin_hop);
                    w.block_each(ReasonCode::NoOutboundConnectivity, (no.element, no.message), twin_no)
                }
                Ok(e) => {
                    if e.egress == Egress::NatGateway {
                        w.meter(meters::NAT_GATEWAY);
                    }
                    let egress_hop = |e: &egress::InternetEgress| {
                        let hop = Hop::new(HopKind::Egress, e.element.clone(), e.detail.clone());
                        if e.egress == Egress::DefaultOutbound {
                            hop.inferred()
                        } else {
                            hop
                        }
                    };
                    // The way out is the subnet's settings, which twins share; how the
                    // destination sees them is the same words for both.
                    let same_way_out = |t: &Result<egress::InternetEgress, _>| {
                        t.as_ref().is_ok_and(|t| {
                            t.egress == e.egress && t.snat_ip == e.snat_ip && t.seen_as == e.seen_as
                        })
                    };
                    let twin_hop =
                        w.agree(twin_egress, same_way_out).and_then(Result::ok).map(|t| egress_hop(&t));
                    w.hop_each(egress_hop(&e), twin_hop);
                    // Behind a firewall the egress stays "firewall"; a NAT gateway on its subnet
                    // still replaces the firewall's public IPs as the source address.
                    if !via_firewall {
                        w.trace.egress = e.egress;
                    }
                    w.trace.snat_ip = e.snat_ip;
                    w.seen_as(e.seen_as);
                    internet_meters(&mut w, target, estate.vnet_region(from.vnet));
                    finish_in_public(w, target, Some(estate.vnet_region(from.vnet)))
                }
            }
        }
        NextHopType::VirtualAppliance => {
            let Some(hop_ip) = route.next_hop_ip else {
                let msg =
                    format!("route {} has next hop VirtualAppliance without an IP", route_prefix(&route));
                return w.block(ReasonCode::NextHopUnreachable, route.element.clone(), msg);
            };
            if let Some(fw) = estate.firewalls.iter().find(|f| f.private_ip == hop_ip) {
                if via_firewall {
                    let msg = format!(
                        "the firewall's own subnet routes the packet to another appliance ({hop_ip})"
                    );
                    return w.block(ReasonCode::NextHopUnreachable, route.element.clone(), msg);
                }
                return through_firewall(w, from, src_ip, fw, &route, target, flow);
            }
            if !reachable_vnet(w.net, from, hop_ip) {
                let msg = format!(
                    "next hop {hop_ip} is not inside {} or a VNet peered with it: the route is invalid and traffic is dropped",
                    from.vnet.name
                );
                return w.block(ReasonCode::NextHopUnreachable, route.element.clone(), msg);
            }
            w.trace.egress = Egress::Appliance;
            w.hop(
                Hop::new(
                    HopKind::Egress,
                    route.element.clone(),
                    format!(
                        "network virtual appliance {hop_ip} receives the packet; its own forwarding and filtering are not modelled (assumed to forward)"
                    ),
                )
                .inferred(),
            );
            w.deliver()
        }
        NextHopType::VirtualNetworkGateway => {
            w.trace.egress = Egress::Gateway;
            w.hop(
                Hop::new(
                    HopKind::Egress,
                    route.element.clone(),
                    format!(
                        "the virtual network gateway carries {} to on-premises (beyond the model)",
                        target.dest
                    ),
                )
                .inferred(),
            );
            w.deliver()
        }
    }
}

fn route_prefix(r: &EffectiveRoute) -> String {
    match &r.prefix {
        routes::RoutePrefix::Cidr(n) => n.to_string(),
        routes::RoutePrefix::Tag(t) => t.clone(),
    }
}

fn internet_meters(w: &mut Walker<'_>, target: &Target<'_>, src_region: &str) {
    match target.dest.region.as_deref() {
        // Azure public endpoints stay on the Microsoft backbone.
        Some(r) if !r.eq_ignore_ascii_case(src_region) => w.meter(meters::INTER_REGION),
        Some(_) => {}
        None if target.dest.tags.is_empty() => w.meter(meters::INTERNET_EGRESS),
        None => {}
    }
}

/// Is `ip` inside the VNet of `from` or a VNet connected to it by peering?
fn reachable_vnet(net: &Network, from: SubnetRef<'_>, ip: Ipv4Addr) -> bool {
    let (estate, ix) = (net.estate(), net.index());
    let Some(v) = ix.vnet_containing(estate, ip) else { return false };
    v.name == from.vnet.name
        || ix.connected_peerings(estate, &from.vnet.name).any(|p| p.remote_vnet == v.name)
}

/// A service endpoint policy on the subnet limits which storage accounts the endpoint reaches.
fn service_endpoint_policy_check(
    estate: &Estate,
    from: SubnetRef<'_>,
    target: &Target<'_>,
) -> Option<BlockedBy> {
    let policies: Vec<_> = from
        .subnet
        .service_endpoint_policies
        .iter()
        .filter_map(|p| estate.service_endpoint_policy(p))
        .collect();
    if policies.is_empty() {
        return None;
    }
    let ep = target.endpoint.as_ref()?;
    let is_storage =
        ep.storage.is_some() || ep.tags.iter().any(|t| t.to_ascii_lowercase().starts_with("storage"));
    if !is_storage {
        return None;
    }
    let resource = ep.resource.clone().unwrap_or_else(|| ep.fqdn.clone());
    let allowed = policies.iter().any(|p| {
        p.allowed_storage_accounts.iter().any(|a| a.eq_ignore_ascii_case(&resource))
            || ep.endpoint.is_some_and(|e| {
                e.description
                    .as_deref()
                    .is_some_and(|d| p.allowed_aliases.iter().any(|a| d.contains(a.as_str())))
            })
    });
    if allowed {
        return None;
    }
    let p = policies[0];
    Some(BlockedBy {
        reason_code: ReasonCode::ServiceEndpointPolicyDenied,
        element: ElementRef::new(ids::service_endpoint_policy(&p.name), p.name.clone(), p.origin.clone()),
        message: format!(
            "service endpoint policy {} on {} does not list storage account {resource}: the service endpoint refuses it (HTTP 403)",
            p.name,
            from.path()
        ),
    })
}

/// The packet reached an address inside the estate's VNets (VNet-local, peering, private endpoint).
fn arrive_private<'n>(
    mut w: Walker<'n>,
    src_ip: Ipv4Addr,
    target: &Target<'n>,
    flow: &FlowSpec,
) -> Walked<'n> {
    let estate = w.estate();
    let Some(ip) = target.dest.ip else {
        let msg = "a VNet route matched an address that is not known".to_string();
        let el = ElementRef::new("unknown", "unknown", None);
        return w.block(ReasonCode::NextHopUnreachable, el, msg);
    };
    if let Some(pe) = w.net.names().private_endpoint_at(estate, ip) {
        w.meter(meters::PRIVATE_ENDPOINT);
        if pe.connection_state != ConnectionState::Approved {
            let msg = format!(
                "private endpoint {} connection is {:?}, not Approved: it passes no traffic",
                pe.name, pe.connection_state
            );
            w.hop(Hop::new(HopKind::Destination, pe_el(pe), msg.clone()));
            return w.block(ReasonCode::PrivateEndpointNotApproved, pe_el(pe), msg);
        }
        if let Some(pe_subnet) = w.net.subnet(&pe.subnet) {
            if pe_subnet.subnet.private_endpoint_network_policies.nsg_enabled() {
                let packet = inbound_packet(src_ip, ip, flow);
                if !nsg_step(&mut w, pe_subnet, Direction::Inbound, &packet, false) {
                    return w.trace_blocked();
                }
            }
        }
        w.hop(Hop::new(
            HopKind::Egress,
            pe_el(pe),
            text!("private endpoint ", pe.name, " (", ip, ") in ", pe.subnet, " forwards to ", pe.target),
        ));
        let target_ep = target.endpoint.clone().or_else(|| {
            w.net.names().lookup(estate, &format!("{}.{}.core.windows.net", pe.target, pe.subresource))
        });
        return match target_ep {
            Some(ep) => match destination::accept(&ep, &Arrival::PrivateEndpoint { name: &pe.name }) {
                Ok(h) => {
                    w.hop(h);
                    w.deliver()
                }
                Err(b) => {
                    w.set_blocked(b);
                    w.trace_blocked()
                }
            },
            None => w.deliver(),
        };
    }
    let Some(dst_subnet) = w.net.index().subnet_containing(estate, ip) else {
        let msg = format!("no subnet holds {ip}: nothing answers there");
        let el = w
            .net
            .index()
            .vnet_containing(estate, ip)
            .map(|v| ElementRef::new(ids::vnet(&v.name), v.name.clone(), v.origin.clone()))
            .unwrap_or_else(|| ElementRef::new("unknown", ip.to_string(), None));
        return w.block(ReasonCode::NextHopUnreachable, el, msg);
    };
    let packet = inbound_packet(src_ip, ip, flow);
    if !nsg_step(&mut w, dst_subnet, Direction::Inbound, &packet, false) {
        return w.trace_blocked();
    }
    w.hop(Hop::new(
        HopKind::Destination,
        subnet_el(dst_subnet),
        text!(ip, " is a NIC address in ", dst_subnet),
    ));
    w.deliver()
}

fn inbound_packet(src_ip: Ipv4Addr, dst: Ipv4Addr, flow: &FlowSpec) -> Packet {
    Packet {
        src: DestAddr::ip(src_ip),
        src_port: None,
        dst: DestAddr::ip(dst),
        dst_port: flow.port,
        protocol: flow.protocol,
    }
}

/// Arrival at the public address, from wherever the trace says the destination sees the packet
/// coming from (`source_region` the region it leaves Azure's backbone in, when known).
fn finish_in_public<'n>(w: Walker<'n>, target: &Target<'n>, source_region: Option<&str>) -> Walked<'n> {
    let public = |seen_as: &str| Arrival::Public {
        source_ip: w.trace.snat_ip,
        source_region,
        seen_as: seen_as.to_string(),
    };
    let arrival = public(&w.trace.source_seen_as);
    // How the destination sees the twin differs only while that names the twin's own address.
    let twin_arrival = w.twin.as_ref().and_then(|t| t.seen_as.as_deref()).map(public);
    finish_at_endpoint(w, target, &arrival, twin_arrival.as_ref())
}

/// The destination's answer to `arrival`; `twin_arrival` is how the twin's packet arrives when
/// that differs (a service endpoint carries each subnet's identity).
fn finish_at_endpoint<'n>(
    mut w: Walker<'n>,
    target: &Target<'n>,
    arrival: &Arrival<'_>,
    twin_arrival: Option<&Arrival<'_>>,
) -> Walked<'n> {
    match &target.endpoint {
        Some(ep) => {
            let accepted = destination::accept(ep, arrival);
            let twin_answer = twin_arrival.filter(|_| w.twin.is_some()).map(|a| destination::accept(ep, a));
            // The twin's answer must be the same decision by the same element; only its sentence
            // may name the twin.
            let twin = w.agree(twin_answer, |t| match (&accepted, t) {
                (Ok(h), Ok(t)) => t.decided_by == h.decided_by && t.inferred == h.inferred,
                (Err(b), Err(t)) => t.reason_code == b.reason_code && t.element == b.element,
                _ => false,
            });
            match accepted {
                Ok(h) => {
                    w.hop_each(h, twin.and_then(Result::ok));
                    w.deliver()
                }
                Err(b) => {
                    let twin = twin.and_then(Result::err);
                    let twin_hop = twin
                        .as_ref()
                        .map(|t| Hop::new(HopKind::Destination, t.element.clone(), t.message.clone()));
                    w.hop_each(
                        Hop::new(HopKind::Destination, b.element.clone(), b.message.clone()),
                        twin_hop,
                    );
                    w.set_blocked_each(b, twin);
                    w.trace_blocked()
                }
            }
        }
        None => {
            w.hop(
                Hop::new(
                    HopKind::Destination,
                    ElementRef::new(
                        format!("dns-name:{}", target.fqdn.as_deref().unwrap_or("")),
                        target.fqdn.clone().unwrap_or_else(|| target.dest.to_string()),
                        None,
                    ),
                    format!("{} is not modelled: assumed to accept the connection", target.dest),
                )
                .inferred(),
            );
            w.deliver()
        }
    }
}

fn through_firewall<'n>(
    mut w: Walker<'n>,
    from: SubnetRef<'n>,
    src_ip: Ipv4Addr,
    fw: &'n Firewall,
    route: &EffectiveRoute,
    target: &Target<'n>,
    flow: &FlowSpec,
) -> Walked<'n> {
    let estate = w.estate();
    if !reachable_vnet(w.net, from, fw.private_ip) {
        let msg = format!(
            "firewall {} ({}) is in {}, which is not {} nor peered with it: the next hop is unreachable",
            fw.name, fw.private_ip, fw.vnet, from.vnet.name
        );
        return w.block(ReasonCode::NextHopUnreachable, route.element.clone(), msg);
    }
    if fw.vnet != from.vnet.name {
        w.meter(meters::PEERING_REGIONAL);
    }
    w.meter(meters::FIREWALL);
    w.trace.egress = Egress::Firewall;
    let pkt = FirewallPacket {
        src: src_ip,
        dest: &target.dest,
        fqdn: target.fqdn.as_deref(),
        port: flow.port,
        protocol: flow.protocol,
    };
    let d = w.net.firewall_decision(fw, &pkt);
    let mut detail = d.detail.clone();
    for n in &d.notes {
        detail.push_str(" (note: ");
        detail.push_str(n);
        detail.push(')');
    }
    if !d.allowed {
        w.hop(Hop::new(HopKind::Firewall, d.element.clone(), detail.clone()));
        return w.block(ReasonCode::FirewallDenied, d.element, detail);
    }
    w.hop(Hop::new(HopKind::Firewall, d.element, detail));
    let seen_src = match d.snat {
        Snat::None => src_ip,
        Snat::PrivateIp(ip) => ip,
        Snat::PublicIp(_) => fw.private_ip,
    };
    match &d.snat {
        // Not translated: the destination still sees the source's own address.
        Snat::None => {}
        Snat::PrivateIp(ip) => w.seen_as(text!("firewall ", fw.name, " private IP ", ip, " (SNAT)")),
        Snat::PublicIp(ip) => {
            w.trace.snat_ip = *ip;
            w.seen_as(match ip {
                Some(ip) => text!("firewall ", fw.name, " public IP ", ip),
                None => format!("firewall {} public IP (address not known until deployment)", fw.name),
            });
        }
    }
    // The firewall forwards from its own subnet, with that subnet's routes.
    let fw_subnet = estate.vnet(&fw.vnet).and_then(|v| {
        v.subnets.iter().find(|s| s.name == "AzureFirewallSubnet").map(|s| SubnetRef { vnet: v, subnet: s })
    });
    match fw_subnet {
        Some(s) => forward(w, s, seen_src, target, flow, true),
        None => {
            if target.dest.ip.is_some_and(crate::address::is_private) {
                return arrive_private(w, seen_src, target, flow);
            }
            internet_meters(
                &mut w,
                target,
                estate.vnet(&fw.vnet).map(|v| estate.vnet_region(v)).unwrap_or(estate.region()),
            );
            finish_in_public(w, target, estate.vnet(&fw.vnet).map(|v| estate.vnet_region(v)))
        }
    }
}
