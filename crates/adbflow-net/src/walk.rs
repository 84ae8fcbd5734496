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
    ids, ConnectionState, Direction, ElementRef, Estate, Firewall, NextHopType, PrivateEndpoint, SubnetRef,
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

    fn hop(&mut self, hop: Hop) {
        self.trace.hops.push(hop);
    }

    fn block(mut self, reason_code: ReasonCode, element: ElementRef, message: String) -> Trace {
        self.trace.verdict = Verdict::Blocked;
        self.trace.blocked_by = Some(BlockedBy { reason_code, element, message });
        self.trace
    }

    fn deliver(mut self) -> Trace {
        self.trace.verdict = Verdict::Delivered;
        self.trace.blocked_by = None;
        self.trace
    }

    fn meter(&mut self, m: &str) {
        if !self.trace.meters.iter().any(|x| x == m) {
            self.trace.meters.push(m.to_string());
        }
    }
}

pub fn walk(net: &Network, flow: &FlowSpec) -> Trace {
    let w = Walker {
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
    };
    let Some(src) = net.subnet(&flow.from_subnet) else {
        let el = ElementRef::new(format!("subnet:{}", flow.from_subnet), flow.from_subnet.clone(), None);
        let msg = format!("source subnet {} is not in the estate", flow.from_subnet);
        return w.block(ReasonCode::NextHopUnreachable, el, msg);
    };
    walk_from(w, src, flow)
}

fn walk_from<'n>(mut w: Walker<'n>, src: SubnetRef<'n>, flow: &FlowSpec) -> Trace {
    let estate = w.estate();
    let src_ip = nic_address(src);
    w.trace.source_seen_as = text!("private IP ", src_ip, " (", src.path(), ")");

    // 1. DNS
    let target = match flow.to_host.parse::<Ipv4Addr>() {
        Ok(ip) => Target {
            dest: dns::dest_for_ip_in(w.net.names(), estate, ip),
            fqdn: None,
            endpoint: w.net.names().lookup_ip(estate, ip),
        },
        Err(_) => {
            let mut resolver = w.net.resolver(src.vnet);
            if let Some(server) = resolver.custom_server {
                resolver.broken = dns_server_unreachable(&w, src, src_ip, server);
            }
            let inferred = resolver.inferred && resolver.broken.is_none();
            let r = dns::resolve_in(w.net.names(), estate, resolver, &flow.to_host);
            w.trace.resolved = r.answers.clone();
            match r.outcome {
                Outcome::Failed { element, message } => {
                    w.hop(dns_hop(element.clone(), &message, inferred));
                    return w.block(ReasonCode::DnsResolutionFailed, element, message);
                }
                Outcome::Resolved { dest, endpoint, answered_by, assumed_public, .. } => {
                    let detail = text!(
                        flow.to_host,
                        " resolves to ",
                        describe_answer(&r.answers, &dest),
                        " via ",
                        r.resolver.description
                    );
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

    // 2. NSG outbound on the source subnet (a subnet without NSG allows).
    let packet = Packet {
        src: DestAddr::ip(src_ip),
        src_port: None,
        dst: target.dest.clone(),
        dst_port: flow.port,
        protocol: flow.protocol,
    };
    if !nsg_step(&mut w, src, Direction::Outbound, &packet) {
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
    let why = match &w.net.select_route(&src.path(), &dest) {
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

impl Walker<'_> {
    /// Used after a step already recorded `blocked_by`.
    fn trace_blocked(mut self) -> Trace {
        self.trace.verdict = Verdict::Blocked;
        self.trace
    }
}

/// Evaluate the NSG of `subnet` in `direction`; records the hop and, on deny, `blocked_by`.
fn nsg_step(w: &mut Walker<'_>, subnet: SubnetRef<'_>, direction: Direction, packet: &Packet) -> bool {
    let kind = if direction == Direction::Outbound { HopKind::NsgOutbound } else { HopKind::NsgInbound };
    let Some(nsg) = subnet.subnet.nsg.as_deref().and_then(|n| w.net.nsg(n)) else {
        w.hop(Hop::new(
            kind,
            subnet_el(subnet),
            format!("{} has no NSG: nothing filters here", subnet.path()),
        ));
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
        w.trace.blocked_by = Some(BlockedBy {
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
    detail.push_str(&from.vnet.name);
    detail.push('/');
    detail.push_str(&from.subnet.name);
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
) -> Trace {
    let estate = w.estate();
    let Some(route) = w.net.select_route(&from.path(), &target.dest) else {
        let el = subnet_el(from);
        let msg = format!("no route in {} matches {}: the packet is dropped", from.path(), target.dest);
        return w.block(ReasonCode::RouteNone, el, msg);
    };
    w.hop(route_hop(&route, &target.dest, from));
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
                w.trace.source_seen_as = text!(
                    "private IP ",
                    src_ip,
                    " with the identity of subnet ",
                    from.path(),
                    " (service endpoint)"
                );
            }
            if let Some(b) = service_endpoint_policy_check(estate, from, target) {
                w.hop(Hop::new(HopKind::Egress, b.element.clone(), b.message.clone()));
                w.trace.blocked_by = Some(b);
                return w.trace_blocked();
            }
            w.hop(Hop::new(
                HopKind::Egress,
                route.element.clone(),
                text!(
                    "service endpoint on ",
                    from.path(),
                    " carries the packet over the Azure backbone; the service sees the subnet's private identity, not a NAT IP"
                ),
            ));
            let arrival = Arrival::ServiceEndpoint { subnet: from };
            finish_at_endpoint(w, target, &arrival)
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
                let arrival = Arrival::Public {
                    source_ip: w.trace.snat_ip,
                    source_region: Some(estate.vnet_region(from.vnet)),
                    seen_as: w.trace.source_seen_as.clone(),
                };
                return finish_at_endpoint(w, target, &arrival);
            }
            match egress::internet_egress(estate, from) {
                Err(no) => {
                    w.hop(Hop::new(HopKind::Egress, no.element.clone(), no.message.clone()));
                    w.block(ReasonCode::NoOutboundConnectivity, no.element, no.message)
                }
                Ok(e) => {
                    if e.egress == Egress::NatGateway {
                        w.meter(meters::NAT_GATEWAY);
                    }
                    let mut hop = Hop::new(HopKind::Egress, e.element.clone(), e.detail.clone());
                    if e.egress == Egress::DefaultOutbound {
                        hop = hop.inferred();
                    }
                    w.hop(hop);
                    // Behind a firewall the egress stays "firewall"; a NAT gateway on its subnet
                    // still replaces the firewall's public IPs as the source address.
                    if !via_firewall {
                        w.trace.egress = e.egress;
                    }
                    w.trace.snat_ip = e.snat_ip;
                    w.trace.source_seen_as = e.seen_as.clone();
                    internet_meters(&mut w, target, estate.vnet_region(from.vnet));
                    let arrival = Arrival::Public {
                        source_ip: w.trace.snat_ip,
                        source_region: Some(estate.vnet_region(from.vnet)),
                        seen_as: w.trace.source_seen_as.clone(),
                    };
                    finish_at_endpoint(w, target, &arrival)
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
fn arrive_private<'n>(mut w: Walker<'n>, src_ip: Ipv4Addr, target: &Target<'n>, flow: &FlowSpec) -> Trace {
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
                if !nsg_step(&mut w, pe_subnet, Direction::Inbound, &packet) {
                    return w.trace_blocked();
                }
            }
        }
        w.hop(Hop::new(
            HopKind::Egress,
            pe_el(pe),
            format!("private endpoint {} ({ip}) in {} forwards to {}", pe.name, pe.subnet, pe.target),
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
                    w.trace.blocked_by = Some(b);
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
    if !nsg_step(&mut w, dst_subnet, Direction::Inbound, &packet) {
        return w.trace_blocked();
    }
    w.hop(Hop::new(
        HopKind::Destination,
        subnet_el(dst_subnet),
        format!("{ip} is a NIC address in {}", dst_subnet.path()),
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

fn finish_at_endpoint<'n>(mut w: Walker<'n>, target: &Target<'n>, arrival: &Arrival<'_>) -> Trace {
    match &target.endpoint {
        Some(ep) => match destination::accept(ep, arrival) {
            Ok(h) => {
                w.hop(h);
                w.deliver()
            }
            Err(b) => {
                w.hop(Hop::new(HopKind::Destination, b.element.clone(), b.message.clone()));
                w.trace.blocked_by = Some(b);
                w.trace_blocked()
            }
        },
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
) -> Trace {
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
        Snat::None => {}
        Snat::PrivateIp(ip) => {
            w.trace.source_seen_as = text!("firewall ", fw.name, " private IP ", ip, " (SNAT)")
        }
        Snat::PublicIp(ip) => {
            w.trace.snat_ip = *ip;
            w.trace.source_seen_as = match ip {
                Some(ip) => text!("firewall ", fw.name, " public IP ", ip),
                None => format!("firewall {} public IP (address not known until deployment)", fw.name),
            };
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
            let arrival = Arrival::Public {
                source_ip: w.trace.snat_ip,
                source_region: estate.vnet(&fw.vnet).map(|v| estate.vnet_region(v)),
                seen_as: w.trace.source_seen_as.clone(),
            };
            finish_at_endpoint(w, target, &arrival)
        }
    }
}
