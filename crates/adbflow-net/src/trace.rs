//! A flow's hop-by-hop trace: the answer to "does this packet get there, which way, and why".
//! The JSON form of these types is a documented contract (docs/output.md, `schema_version` 1).

use adbflow_model::{ElementRef, Protocol, SharedStr};
use serde::Serialize;
use std::fmt;
use std::net::Ipv4Addr;

pub const TRACE_SCHEMA_VERSION: u32 = 1;

/// A packet to evaluate: from a subnet, to a host name or address, on a protocol and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowSpec {
    /// `VNET/SUBNET` the packet leaves from (shared: a check's flows take it from their plan, and
    /// every trace keeps its flow).
    pub from_subnet: SharedStr,
    /// An FQDN or a dotted IPv4 address.
    pub to_host: SharedStr,
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Delivered,
    Blocked,
}

/// How the packet leaves the source VNet (or stays inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Egress {
    Vnet,
    Peering,
    ServiceEndpoint,
    PrivateEndpoint,
    NatGateway,
    PublicIp,
    LoadBalancer,
    DefaultOutbound,
    Firewall,
    Appliance,
    Gateway,
    None,
}

impl Egress {
    pub fn as_str(self) -> &'static str {
        match self {
            Egress::Vnet => "vnet",
            Egress::Peering => "peering",
            Egress::ServiceEndpoint => "service-endpoint",
            Egress::PrivateEndpoint => "private-endpoint",
            Egress::NatGateway => "nat-gateway",
            Egress::PublicIp => "public-ip",
            Egress::LoadBalancer => "load-balancer",
            Egress::DefaultOutbound => "default-outbound",
            Egress::Firewall => "firewall",
            Egress::Appliance => "appliance",
            Egress::Gateway => "gateway",
            Egress::None => "none",
        }
    }
}

impl fmt::Display for Egress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    Dns,
    NsgOutbound,
    Route,
    Egress,
    Firewall,
    NsgInbound,
    Destination,
}

impl HopKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HopKind::Dns => "dns",
            HopKind::NsgOutbound => "nsg-outbound",
            HopKind::Route => "route",
            HopKind::Egress => "egress",
            HopKind::Firewall => "firewall",
            HopKind::NsgInbound => "nsg-inbound",
            HopKind::Destination => "destination",
        }
    }
}

/// Why a flow is blocked. Stable codes: scripts match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    NsgDenied,
    RouteNone,
    NoOutboundConnectivity,
    FirewallDenied,
    DnsResolutionFailed,
    DestinationDenied,
    PrivateEndpointNotApproved,
    NextHopUnreachable,
    /// A service endpoint policy does not list the destination storage account.
    ServiceEndpointPolicyDenied,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::NsgDenied => "NSG_DENIED",
            ReasonCode::RouteNone => "ROUTE_NONE",
            ReasonCode::NoOutboundConnectivity => "NO_OUTBOUND_CONNECTIVITY",
            ReasonCode::FirewallDenied => "FIREWALL_DENIED",
            ReasonCode::DnsResolutionFailed => "DNS_RESOLUTION_FAILED",
            ReasonCode::DestinationDenied => "DESTINATION_DENIED",
            ReasonCode::PrivateEndpointNotApproved => "PRIVATE_ENDPOINT_NOT_APPROVED",
            ReasonCode::NextHopUnreachable => "NEXT_HOP_UNREACHABLE",
            ReasonCode::ServiceEndpointPolicyDenied => "SERVICE_ENDPOINT_POLICY_DENIED",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One decision along the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub kind: HopKind,
    /// The configuration element that made this decision, with where it was defined.
    pub decided_by: ElementRef,
    /// What happened, in one sentence.
    pub detail: String,
    /// True when this hop rests on an assumption rather than a documented rule or given data.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

impl Hop {
    pub fn new(kind: HopKind, decided_by: ElementRef, detail: impl Into<String>) -> Self {
        Hop { kind, decided_by, detail: detail.into(), inferred: false }
    }
    pub fn inferred(mut self) -> Self {
        self.inferred = true;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedBy {
    pub reason_code: ReasonCode,
    pub element: ElementRef,
    pub message: String,
}

/// One step of the DNS answer chain: `name` answered by a CNAME to another name or by addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsAnswer {
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// The CNAME target, or the addresses (`<symbolic>` when only the tags are known).
    pub data: Vec<String>,
    /// Which resolver or zone answered: most answers name one of a few fixed resolvers, written
    /// without a copy.
    pub source: std::borrow::Cow<'static, str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    pub schema_version: u32,
    pub flow: FlowSpec,
    pub verdict: Verdict,
    pub egress: Egress,
    /// The source address the destination sees, when it is a known public IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snat_ip: Option<Ipv4Addr>,
    /// The address the destination sees, in words (private subnet identity, NAT IP, firewall IP).
    pub source_seen_as: String,
    pub resolved: Vec<DnsAnswer>,
    pub hops: Vec<Hop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<BlockedBy>,
    /// Azure meters the bytes cross along the path (for cost), in path order: names from
    /// [`crate::walk::meters`].
    pub meters: Vec<&'static str>,
}

impl Trace {
    pub fn is_delivered(&self) -> bool {
        self.verdict == Verdict::Delivered
    }
    /// The first hop of a kind, e.g. the NSG rule that allowed the flow out.
    pub fn hop(&self, kind: HopKind) -> Option<&Hop> {
        self.hops.iter().find(|h| h.kind == kind)
    }
}
