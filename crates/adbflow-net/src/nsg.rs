//! NSG evaluation (domain notes §2): default rules, priority order, special tags, ASGs, the
//! 168.63.129.16 / 169.254.169.254 exception, effective rules with shadowing.
//!
//! Owner: nsg. See the module contract in ARCHITECTURE.md.

use crate::address::{DestAddr, AZURE_HOST_VIP, AZURE_IMDS};
use crate::kept;
use crate::tags::{symbolic_contains, ServiceTags, VIRTUAL_TAGS};
use crate::vnet_space::VirtualNetworkSpace;
use adbflow_model::{
    ids, Access, AddressSpec, Direction, ElementRef, Estate, Nsg, NsgRule, Origin, PortSet, Protocol,
    RouteDestination, SharedStr, SubnetRef,
};
use ipnet::Ipv4Net;
use serde::Serialize;
use std::net::Ipv4Addr;
use std::sync::OnceLock;

/// The packet as an NSG sees it: private addresses before SNAT (outbound) or after DNAT (inbound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub src: DestAddr,
    /// `None` means an ephemeral client port: rules that name specific source ports do not match.
    pub src_port: Option<u16>,
    pub dst: DestAddr,
    pub dst_port: u16,
    pub protocol: Protocol,
}

/// The result of evaluating one NSG for one packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NsgDecision {
    pub access: Access,
    /// The rule that matched first (a default rule when no user rule matched).
    pub rule: ElementRef,
    pub rule_name: SharedStr,
    pub priority: u32,
    /// True when the packet bypassed NSG evaluation (platform addresses 168.63.129.16, 169.254.169.254).
    pub platform_exception: bool,
}

/// One row of the effective security rules view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveRule {
    pub rule: NsgRule,
    pub element: ElementRef,
    pub is_default: bool,
    /// The earlier rule that matches every packet this rule matches, making it unreachable.
    pub shadowed_by: Option<String>,
}

/// Element id of the platform exception: no rule decides these packets, the Azure host does.
pub const PLATFORM_EXCEPTION_ID: &str = "platform:azure-host";
/// Name shown for the platform exception. It is evaluated before every rule, hence priority 0.
pub const PLATFORM_EXCEPTION_NAME: &str = "AzurePlatformException";

/// The service tags that make Azure apply an NSG to its host addresses (§2.6), and the host
/// address each one stands for. The public tag file does not list these addresses, so they are
/// built in.
pub const PLATFORM_TAGS: [(&str, Ipv4Addr); 3] = [
    ("AzurePlatformDNS", AZURE_HOST_VIP),
    ("AzurePlatformIMDS", AZURE_IMDS),
    ("AzurePlatformLKM", AZURE_HOST_VIP),
];

/// Addresses of the Azure host that NSGs leave alone unless a platform tag targets them.
pub fn is_platform_address(ip: Ipv4Addr) -> bool {
    ip == AZURE_HOST_VIP || ip == AZURE_IMDS
}

/// Azure's six default rules (65000, 65001, 65500 in each direction).
pub fn default_rules() -> Vec<NsgRule> {
    use Access::{Allow, Deny};
    use Direction::{Inbound, Outbound};
    let tag = |t: &str| Some(AddressSpec::Tag(t.to_string()));
    // Azure's API writes "*" where the documentation's table shows 0.0.0.0/0; for IPv4 both
    // cover every address, and "*" also covers addresses known only symbolically.
    let any = || Some(AddressSpec::Any);
    let rule = |name: &str, priority, direction, access, source, destination, description: &str| NsgRule {
        name: name.to_string(),
        priority,
        direction,
        access,
        protocol: Protocol::Any,
        source,
        source_asgs: Vec::new(),
        source_ports: PortSet::Any,
        destination,
        destination_asgs: Vec::new(),
        destination_ports: PortSet::Any,
        description: Some(description.to_string()),
        managed_by: None,
        origin: Some(Origin::platform("Azure")),
    };
    vec![
        rule(
            "AllowVNetInBound",
            65000,
            Inbound,
            Allow,
            tag("VirtualNetwork"),
            tag("VirtualNetwork"),
            "default: traffic within the virtual network",
        ),
        rule(
            "AllowAzureLoadBalancerInBound",
            65001,
            Inbound,
            Allow,
            tag("AzureLoadBalancer"),
            any(),
            "default: load balancer health probes",
        ),
        rule("DenyAllInbound", 65500, Inbound, Deny, any(), any(), "default: everything else inbound"),
        rule(
            "AllowVnetOutBound",
            65000,
            Outbound,
            Allow,
            tag("VirtualNetwork"),
            tag("VirtualNetwork"),
            "default: traffic within the virtual network",
        ),
        rule("AllowInternetOutBound", 65001, Outbound, Allow, any(), tag("Internet"), "default: internet"),
        rule("DenyAllOutBound", 65500, Outbound, Deny, any(), any(), "default: everything else outbound"),
    ]
}

fn defaults() -> &'static [NsgRule] {
    static DEFAULTS: OnceLock<Vec<NsgRule>> = OnceLock::new();
    DEFAULTS.get_or_init(default_rules)
}

/// The reference a verdict carries for `rule` of the NSG named `nsg`.
pub fn rule_ref(nsg: &str, rule: &NsgRule) -> ElementRef {
    ElementRef::new(ids::nsg_rule(nsg, &rule.name), rule.name.clone(), rule.origin.clone())
}

/// The rules Azure evaluates in `direction`, in order: user rules by priority, then the defaults.
/// Azure forbids two rules with one priority and direction; if the input has them anyway the name
/// breaks the tie so the order never depends on input order.
fn ordered_rules(nsg: &Nsg, direction: Direction) -> Vec<(&NsgRule, bool)> {
    in_order(nsg, &user_rule_order(nsg, direction), direction)
        .map(|(rule, at)| (rule, matches!(at, RuleAt::Default(_))))
        .collect()
}

/// Where an evaluated rule is: a user rule's position in the NSG's rules, or a default rule's
/// among the defaults.
#[derive(Debug, Clone, Copy)]
enum RuleAt {
    User(usize),
    Default(usize),
}

/// `nsg`'s user rules in `direction` (positions in `order`, from `user_rule_order`), then the
/// defaults: each rule with where it is.
fn in_order<'a: 'o, 'o>(
    nsg: &'a Nsg,
    order: &'o [usize],
    direction: Direction,
) -> impl Iterator<Item = (&'a NsgRule, RuleAt)> + Clone + 'o {
    let user = order.iter().filter_map(|&i| nsg.rules.get(i).map(|r| (r, RuleAt::User(i))));
    let defaults = (0..).zip(defaults()).filter(move |(_, r)| r.direction == direction);
    user.chain(defaults.map(|(i, r)| (r, RuleAt::Default(i))))
}

/// Positions in `nsg.rules` of its user rules in `direction`, in evaluation order.
fn user_rule_order(nsg: &Nsg, direction: Direction) -> Vec<usize> {
    let mut order: Vec<usize> =
        (0..nsg.rules.len()).filter(|&i| nsg.rules[i].direction == direction).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&nsg.rules[a], &nsg.rules[b]);
        a.priority.cmp(&b.priority).then_with(|| a.name.cmp(&b.name))
    });
    order
}

/// An NSG's user rules in evaluation order, both directions, computed once: a check evaluates
/// each cluster subnet's NSG for every flow, and sorting its rules was a third of each evaluation.
/// With the reference each decision carries for a rule, made the first time a decision names
/// it: building one (its id joined, its name and origin copied) for every decision was ~4
/// allocations a flow.
#[derive(Debug, Clone)]
pub struct RuleOrder {
    inbound: Vec<usize>,
    outbound: Vec<usize>,
    /// By rule ([`kept`]): the NSG's own rules, then the defaults.
    references: Vec<kept::Slot>,
}

impl RuleOrder {
    pub fn new(nsg: &Nsg) -> Self {
        RuleOrder {
            inbound: user_rule_order(nsg, Direction::Inbound),
            outbound: user_rule_order(nsg, Direction::Outbound),
            references: kept::slots(nsg.rules.len() + defaults().len()),
        }
    }

    /// The decision `rule` (of `nsg`, this order's NSG, at `at`) makes, its reference made once.
    fn decision(&self, nsg: &Nsg, rule: &NsgRule, at: RuleAt) -> NsgDecision {
        let slot = match at {
            RuleAt::User(i) => i,
            RuleAt::Default(i) => nsg.rules.len() + i,
        };
        decision_with(kept::known(&self.references, slot, || rule_ref(&nsg.name, rule)), rule)
    }

    /// Positions in the NSG's rules of its user rules in `direction`, in evaluation order.
    pub fn of(&self, direction: Direction) -> &[usize] {
        match direction {
            Direction::Inbound => &self.inbound,
            Direction::Outbound => &self.outbound,
        }
    }
}

/// An NSG with its user rules' evaluation order in the direction evaluated (`RuleOrder::of`).
#[derive(Debug, Clone, Copy)]
struct OrderedNsg<'a> {
    nsg: &'a Nsg,
    user_rules: &'a [usize],
}

/// Which kind of NIC an NSG decision is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicKind {
    /// A VM's NIC (cluster nodes, NVAs, anything that is not a private endpoint).
    Vm,
    /// A private endpoint's NIC: the subnet NSG applies to traffic to it only when the subnet's
    /// private-endpoint network policies enable NSGs (domain notes §6).
    PrivateEndpoint,
}

/// The NSG that filters traffic of a `nic` in `subnet`, if any.
pub fn nsg_for_subnet<'a>(estate: &'a Estate, subnet: SubnetRef<'_>, nic: NicKind) -> Option<&'a Nsg> {
    if nic == NicKind::PrivateEndpoint && !subnet.subnet.private_endpoint_network_policies.nsg_enabled() {
        return None;
    }
    estate.nsg(subnet.subnet.nsg.as_deref()?)
}

/// The prefixes the `VirtualNetwork` tag stands for in rules protecting `subnet` (domain notes
/// §2.5): the VNet's address space, the space of Connected peers whose peering from this side
/// allows virtual network access, on-premises prefixes of the VNet's gateways (its own or a
/// peer's used through `use_remote_gateways`), the CIDR prefixes of the subnet's UDRs, and the
/// host address 168.63.129.16. A 0.0.0.0/0 UDR therefore makes the tag cover every address, as
/// Azure documents. Sorted and deduplicated.
pub fn virtual_network_prefixes(estate: &Estate, subnet: SubnetRef<'_>) -> Vec<Ipv4Net> {
    let table = subnet.subnet.route_table.as_deref().and_then(|n| estate.route_table(n));
    virtual_network_prefixes_with(estate, subnet, estate.connected_peerings(&subnet.vnet.name), table, |n| {
        estate.vnet(n)
    })
}

/// `virtual_network_prefixes` with the VNet's Connected peerings, the subnet's route table and a
/// VNet finder given, so a caller holding an index does not scan every peering, route table and
/// VNet (for every subnet of an enterprise estate that was quadratic).
pub fn virtual_network_prefixes_with<'e>(
    estate: &'e Estate,
    subnet: SubnetRef<'_>,
    connected: impl Iterator<Item = &'e adbflow_model::Peering>,
    route_table: Option<&adbflow_model::RouteTable>,
    vnet_by_name: impl Fn(&str) -> Option<&'e adbflow_model::VNet>,
) -> Vec<Ipv4Net> {
    let vnet = subnet.vnet;
    let mut out: Vec<Ipv4Net> = vnet.address_space.iter().map(|p| p.0).collect();
    let mut gateway_vnets = vec![vnet.name.as_str()];
    for peering in connected {
        if peering.allow_virtual_network_access {
            if let Some(remote) = vnet_by_name(&peering.remote_vnet) {
                out.extend(remote.address_space.iter().map(|p| p.0));
            }
        }
        if peering.use_remote_gateways {
            gateway_vnets.push(peering.remote_vnet.as_str());
        }
    }
    for gateway in estate.gateways.iter().filter(|g| gateway_vnets.contains(&g.vnet.as_str())) {
        out.extend(gateway.onprem_prefixes.iter().map(|p| p.0));
    }
    if let Some(table) = route_table {
        for route in &table.routes {
            // Tag-valued UDRs stand for published service prefixes, not for the VNet's own space.
            if let RouteDestination::Prefix(p) = route.address_prefix {
                out.push(p);
            }
        }
    }
    out.push(Ipv4Net::from(AZURE_HOST_VIP));
    out.sort();
    out.dedup();
    out
}

/// Everything rule matching needs to know about where the NSG sits.
struct Context<'a> {
    estate: &'a Estate,
    tags: &'a ServiceTags,
    subnet: SubnetRef<'a>,
    direction: Direction,
    virtual_network: &'a VirtualNetworkSpace,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

impl Context<'_> {
    fn rule_matches(&self, rule: &NsgRule, packet: &Packet) -> bool {
        rule.protocol.matches(packet.protocol)
            && (!packet.protocol.has_ports()
                || (rule.destination_ports.contains(packet.dst_port)
                    && source_ports_match(&rule.source_ports, packet.src_port)))
            && self.side_matches(rule.source.as_ref(), &rule.source_asgs, &packet.src, Side::Source)
            && self.side_matches(
                rule.destination.as_ref(),
                &rule.destination_asgs,
                &packet.dst,
                Side::Destination,
            )
    }

    /// An address spec and ASGs written together must both match; neither written means `*`.
    fn side_matches(&self, spec: Option<&AddressSpec>, asgs: &[String], addr: &DestAddr, side: Side) -> bool {
        // `Option::is_none_or` would need Rust 1.82; the workspace supports 1.80.
        let address_ok = match spec {
            None => true,
            Some(s) => self.address_matches(s, addr),
        };
        address_ok && (asgs.is_empty() || self.nic_asgs(side, addr).iter().any(|a| contains_name(asgs, a)))
    }

    /// The ASGs of the NICs on one side of the packet. The protected subnet holds the sender
    /// outbound and the receiver inbound; the other side's NICs are found by their address.
    fn nic_asgs(&self, side: Side, addr: &DestAddr) -> &[String] {
        let local = matches!(
            (self.direction, side),
            (Direction::Outbound, Side::Source) | (Direction::Inbound, Side::Destination)
        );
        if local {
            return &self.subnet.subnet.application_security_groups;
        }
        match addr.ip.and_then(|ip| self.estate.subnet_containing(ip)) {
            Some(s) => &s.subnet.application_security_groups,
            None => &[],
        }
    }

    fn address_matches(&self, spec: &AddressSpec, addr: &DestAddr) -> bool {
        match spec {
            AddressSpec::Any => true,
            AddressSpec::Prefixes(ps) => ps.iter().any(|p| addr.in_prefix(p)),
            AddressSpec::Tag(tag) => self.tag_contains(tag, addr),
        }
    }

    fn tag_contains(&self, tag: &str, addr: &DestAddr) -> bool {
        if tag.eq_ignore_ascii_case("VirtualNetwork") {
            self.virtual_network.covers(addr)
        } else if tag.eq_ignore_ascii_case("Internet") {
            self.is_internet(addr)
        } else if tag.eq_ignore_ascii_case("AzureLoadBalancer") {
            addr.ip == Some(AZURE_HOST_VIP)
        } else if let Some(host) = platform_tag_address(tag) {
            addr.ip == Some(host) || self.tags.contains(tag, addr)
        } else {
            self.tags.contains(tag, addr)
        }
    }

    /// `Internet` is the public address space outside the VNet (§2.5). Default routes (a 0.0.0.0/0
    /// UDR, or one learned from a gateway) put every address into `VirtualNetwork`, but they only
    /// redirect traffic, they do not make the internet part of the VNet: Azure's
    /// AllowInternetOutBound keeps working on forced-tunnelled subnets. So /0 entries are not
    /// subtracted here, and a symbolic public address (which only /0 covers) is always Internet.
    fn is_internet(&self, addr: &DestAddr) -> bool {
        !addr.is_private() && !self.virtual_network.covers_without_default(addr)
    }
}

fn platform_tag_address(tag: &str) -> Option<Ipv4Addr> {
    PLATFORM_TAGS.iter().find(|(t, _)| t.eq_ignore_ascii_case(tag)).map(|(_, ip)| *ip)
}

/// Azure resource names compare case-insensitively.
fn contains_name(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// A client's ephemeral port is unknown, so only a source-port set that covers every port is
/// certain to hold it.
fn source_ports_match(ports: &PortSet, src_port: Option<u16>) -> bool {
    match src_port {
        Some(p) => ports.contains(p),
        None => ports.covers(&PortSet::Any),
    }
}

fn decision(nsg: &Nsg, rule: &NsgRule) -> NsgDecision {
    decision_with(rule_ref(&nsg.name, rule), rule)
}

/// The decision `rule` makes, `reference` its [`rule_ref`].
fn decision_with(reference: ElementRef, rule: &NsgRule) -> NsgDecision {
    NsgDecision {
        access: rule.access,
        rule_name: reference.name.clone(),
        rule: reference,
        priority: rule.priority,
        platform_exception: false,
    }
}

fn platform_exception() -> NsgDecision {
    NsgDecision {
        access: Access::Allow,
        rule: ElementRef::new(
            PLATFORM_EXCEPTION_ID,
            PLATFORM_EXCEPTION_NAME,
            Some(Origin::platform("Azure")),
        ),
        rule_name: PLATFORM_EXCEPTION_NAME.into(),
        priority: 0,
        platform_exception: true,
    }
}

/// Evaluate `nsg` for `packet` in `direction`. `subnet` is the subnet the NSG protects (it defines
/// `VirtualNetwork` and the NICs' ASG membership).
///
/// Packets to 168.63.129.16 and 169.254.169.254 bypass the NSG (§2.6) unless a rule written with
/// an AzurePlatform* tag for that address matches the packet; then the whole NSG applies as usual.
/// Requiring the platform rule to match the packet (not merely to exist) keeps, for example, the VM
/// agent's traffic to 168.63.129.16:80 working when only DNS on port 53 is denied.
pub fn evaluate(
    estate: &Estate,
    tags: &ServiceTags,
    nsg: &Nsg,
    subnet: SubnetRef<'_>,
    direction: Direction,
    packet: &Packet,
) -> NsgDecision {
    let virtual_network = VirtualNetworkSpace::new(&virtual_network_prefixes(estate, subnet));
    evaluate_with(estate, tags, nsg, subnet, direction, packet, &virtual_network)
}

/// `evaluate` with the subnet's `virtual_network_prefixes` already computed.
pub fn evaluate_with(
    estate: &Estate,
    tags: &ServiceTags,
    nsg: &Nsg,
    subnet: SubnetRef<'_>,
    direction: Direction,
    packet: &Packet,
    virtual_network: &VirtualNetworkSpace,
) -> NsgDecision {
    // One direction's order only: the other would be sorted for nothing.
    let user_rules = user_rule_order(nsg, direction);
    let ctx = Context { estate, tags, subnet, direction, virtual_network };
    match first_match(&ctx, OrderedNsg { nsg, user_rules: &user_rules }, packet) {
        Some((rule, _)) => decision(nsg, rule),
        None => platform_exception(),
    }
}

/// [`evaluate_with`] with the NSG's rule order and rule references kept in `order` (its
/// [`RuleOrder`]), as a network keeps them for every NSG of its estate.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_kept(
    estate: &Estate,
    tags: &ServiceTags,
    nsg: &Nsg,
    order: &RuleOrder,
    subnet: SubnetRef<'_>,
    direction: Direction,
    packet: &Packet,
    virtual_network: &VirtualNetworkSpace,
) -> NsgDecision {
    let ctx = Context { estate, tags, subnet, direction, virtual_network };
    let ordered = OrderedNsg { nsg, user_rules: order.of(direction) };
    match first_match(&ctx, ordered, packet) {
        Some((rule, at)) => order.decision(nsg, rule, at),
        None => platform_exception(),
    }
}

/// The rule that decides `packet` and where it is; `None` when the packet bypasses the NSG.
fn first_match<'a>(
    ctx: &Context<'_>,
    ordered: OrderedNsg<'a>,
    packet: &Packet,
) -> Option<(&'a NsgRule, RuleAt)> {
    let rules = in_order(ordered.nsg, ordered.user_rules, ctx.direction);
    if let Some(ip) = packet.dst.ip.filter(|ip| is_platform_address(*ip)) {
        let targeted = rules.clone().any(|(rule, at)| {
            matches!(at, RuleAt::User(_))
                && targets_platform_address(rule, ip)
                && ctx.rule_matches(rule, packet)
        });
        if !targeted {
            return None;
        }
    }
    if let Some(hit) = rules.clone().find(|(rule, _)| ctx.rule_matches(rule, packet)) {
        return Some(hit);
    }
    // The last default rule denies every packet, so a rule always matches; this keeps the
    // function total should that ever change.
    let last = defaults().len() - 1;
    Some(rules.last().unwrap_or((&defaults()[last], RuleAt::Default(last))))
}

fn targets_platform_address(rule: &NsgRule, ip: Ipv4Addr) -> bool {
    matches!(&rule.destination, Some(AddressSpec::Tag(t)) if platform_tag_address(t) == Some(ip))
}

/// The rules of `nsg` in one direction in evaluation order, defaults included, with shadowed
/// rules flagged.
pub fn effective_rules(nsg: &Nsg, direction: Direction) -> Vec<EffectiveRule> {
    let rules = ordered_rules(nsg, direction);
    rules
        .iter()
        .enumerate()
        .map(|(i, (rule, is_default))| EffectiveRule {
            rule: (*rule).clone(),
            element: rule_ref(&nsg.name, rule),
            is_default: *is_default,
            shadowed_by: rules[..i]
                .iter()
                .find(|(earlier, _)| rule_covers(earlier, rule))
                .map(|(r, _)| r.name.clone()),
        })
        .collect()
}

/// Does `outer` match every packet `inner` matches, whatever the estate around the NSG? Only
/// coverage that holds for every estate and tag file counts, so a `false` may be a missed shadow
/// but a `true` never wrongly hides a rule. Access does not matter: an earlier rule of either
/// kind makes a later one unreachable.
pub fn rule_covers(outer: &NsgRule, inner: &NsgRule) -> bool {
    let protocol_ok = outer.protocol == Protocol::Any || outer.protocol == inner.protocol;
    // Ports only decide for TCP and UDP packets, which an inner rule matches only when written
    // with TCP, UDP or Any.
    let inner_has_ports = matches!(inner.protocol, Protocol::Tcp | Protocol::Udp | Protocol::Any);
    let ports_ok = !inner_has_ports
        || (outer.destination_ports.covers(&inner.destination_ports)
            && outer.source_ports.covers(&inner.source_ports));
    protocol_ok
        && ports_ok
        && side_covers(outer.source.as_ref(), &outer.source_asgs, inner.source.as_ref(), &inner.source_asgs)
        && side_covers(
            outer.destination.as_ref(),
            &outer.destination_asgs,
            inner.destination.as_ref(),
            &inner.destination_asgs,
        )
}

fn side_covers(
    outer: Option<&AddressSpec>,
    outer_asgs: &[String],
    inner: Option<&AddressSpec>,
    inner_asgs: &[String],
) -> bool {
    // A NIC matches an ASG list when it is a member of any listed group, so a subset of groups
    // matches fewer NICs.
    let asgs_ok = outer_asgs.is_empty()
        || (!inner_asgs.is_empty() && inner_asgs.iter().all(|a| contains_name(outer_asgs, a)));
    let any = AddressSpec::Any;
    asgs_ok && address_covers(outer.unwrap_or(&any), inner.unwrap_or(&any))
}

fn address_covers(outer: &AddressSpec, inner: &AddressSpec) -> bool {
    match (outer, inner) {
        (AddressSpec::Any, _) => true,
        (AddressSpec::Prefixes(o), _) if o.iter().any(|p| p.prefix_len() == 0) => true,
        (AddressSpec::Prefixes(o), AddressSpec::Prefixes(i)) => {
            // Aggregation merges adjacent prefixes into maximal blocks, so any prefix inside the
            // union lies inside one block.
            let merged = Ipv4Net::aggregate(o);
            i.iter().all(|inner| merged.iter().any(|m| m.contains(inner)))
        }
        (AddressSpec::Tag(o), AddressSpec::Tag(i)) => {
            o.eq_ignore_ascii_case(i)
                || (!is_computed_tag(o) && !is_computed_tag(i) && symbolic_contains(o, i, None))
        }
        _ => false,
    }
}

/// Tags whose content depends on the VNet or the host rather than on published service ranges;
/// the symbolic hierarchy (`Storage.EastUS2` ⊂ `Storage` ⊂ `AzureCloud`) says nothing about them.
fn is_computed_tag(tag: &str) -> bool {
    VIRTUAL_TAGS.iter().any(|t| t.eq_ignore_ascii_case(tag)) || platform_tag_address(tag).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::PortRange;

    fn rule(
        name: &str,
        priority: u32,
        protocol: Protocol,
        src: &[&str],
        dst: &[&str],
        ports: &[&str],
    ) -> NsgRule {
        let spec = |v: &[&str]| AddressSpec::parse_items(v.iter().map(|s| s.to_string()).collect()).unwrap();
        let ports = if ports == ["*"] {
            PortSet::Any
        } else {
            PortSet::Ranges(ports.iter().map(|p| PortSet::parse_one(p).unwrap()).collect())
        };
        NsgRule {
            name: name.into(),
            priority,
            direction: Direction::Outbound,
            access: Access::Allow,
            protocol,
            source: Some(spec(src)),
            source_asgs: vec![],
            source_ports: PortSet::Any,
            destination: Some(spec(dst)),
            destination_asgs: vec![],
            destination_ports: ports,
            description: None,
            managed_by: None,
            origin: None,
        }
    }

    #[test]
    fn prefix_union_covers_a_prefix_split_across_two_rules_entries() {
        let outer = rule("a", 100, Protocol::Tcp, &["*"], &["10.0.0.0/9", "10.128.0.0/9"], &["*"]);
        let inner = rule("b", 200, Protocol::Tcp, &["*"], &["10.0.0.0/8"], &["*"]);
        assert!(rule_covers(&outer, &inner));
        let gap = rule("c", 100, Protocol::Tcp, &["*"], &["10.0.0.0/9", "10.192.0.0/10"], &["*"]);
        assert!(!rule_covers(&gap, &inner));
    }

    #[test]
    fn computed_tags_are_not_inside_azure_cloud() {
        let cloud = rule("a", 100, Protocol::Any, &["*"], &["AzureCloud"], &["*"]);
        for t in ["VirtualNetwork", "AzureLoadBalancer", "AzurePlatformDNS", "Internet"] {
            let inner = rule("b", 200, Protocol::Any, &["*"], &[t], &["*"]);
            assert!(!rule_covers(&cloud, &inner), "AzureCloud must not be taken to cover {t}");
        }
        let storage = rule("c", 200, Protocol::Any, &["*"], &["Storage.EastUS2"], &["*"]);
        assert!(rule_covers(&cloud, &storage));
    }

    #[test]
    fn a_tag_never_covers_prefixes_and_zero_prefix_covers_tags() {
        let internet = rule("a", 100, Protocol::Any, &["*"], &["Internet"], &["*"]);
        let public = rule("b", 200, Protocol::Any, &["*"], &["8.8.8.0/24"], &["*"]);
        assert!(!rule_covers(&internet, &public), "Internet's content depends on the VNet");
        let everything = rule("c", 100, Protocol::Any, &["*"], &["0.0.0.0/0"], &["*"]);
        assert!(rule_covers(&everything, &internet) && rule_covers(&everything, &public));
    }

    #[test]
    fn port_coverage_counts_only_for_protocols_with_ports() {
        let https_any = rule("a", 100, Protocol::Any, &["*"], &["*"], &["443"]);
        let icmp = rule("b", 200, Protocol::Icmp, &["*"], &["*"], &["*"]);
        assert!(rule_covers(&https_any, &icmp), "ICMP packets ignore the outer rule's ports");
        let any_proto = rule("c", 200, Protocol::Any, &["*"], &["*"], &["*"]);
        assert!(!rule_covers(&https_any, &any_proto), "TCP:80 matches the inner rule only");
        let tcp_443 = rule("d", 200, Protocol::Tcp, &["*"], &["*"], &["443"]);
        assert!(rule_covers(&https_any, &tcp_443));
        assert!(!rule_covers(&tcp_443, &https_any));
    }

    #[test]
    fn source_ports_must_cover_too() {
        let mut outer = rule("a", 100, Protocol::Tcp, &["*"], &["*"], &["*"]);
        outer.source_ports = PortSet::Ranges(vec![PortRange { from: 1024, to: 65535 }]);
        let mut inner = rule("b", 200, Protocol::Tcp, &["*"], &["*"], &["*"]);
        assert!(!rule_covers(&outer, &inner), "inner also matches source port 53");
        inner.source_ports = PortSet::Ranges(vec![PortRange { from: 2000, to: 3000 }]);
        assert!(rule_covers(&outer, &inner));
    }

    #[test]
    fn ephemeral_source_port_only_in_a_full_port_set() {
        assert!(source_ports_match(&PortSet::Any, None));
        assert!(source_ports_match(&PortSet::Ranges(vec![PortRange::ALL]), None));
        let split =
            PortSet::Ranges(vec![PortRange { from: 0, to: 1023 }, PortRange { from: 1024, to: 65535 }]);
        assert!(source_ports_match(&split, None));
        assert!(!source_ports_match(&PortSet::Ranges(vec![PortRange { from: 1024, to: 65535 }]), None));
        assert!(source_ports_match(&PortSet::Ranges(vec![PortRange { from: 1024, to: 65535 }]), Some(40000)));
    }
}
