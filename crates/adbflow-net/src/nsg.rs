//! NSG evaluation (domain notes §2): default rules, priority order, special tags, ASGs, the
//! 168.63.129.16 / 169.254.169.254 exception, effective rules with shadowing.
//!
//! Owner: nsg. See the module contract in ARCHITECTURE.md.

use crate::address::DestAddr;
use crate::tags::ServiceTags;
use adbflow_model::{Access, Direction, ElementRef, Estate, Nsg, NsgRule, Protocol, SubnetRef};
use serde::Serialize;

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
    pub rule_name: String,
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

/// Azure's six default rules (65000, 65001, 65500 in each direction).
pub fn default_rules() -> Vec<NsgRule> {
    Vec::new()
}

/// Evaluate `nsg` for `packet` in `direction`. `subnet` is the subnet the NSG protects (it defines
/// `VirtualNetwork` and the NICs' ASG membership).
pub fn evaluate(
    estate: &Estate,
    tags: &ServiceTags,
    nsg: &Nsg,
    subnet: SubnetRef<'_>,
    direction: Direction,
    packet: &Packet,
) -> NsgDecision {
    let _ = (estate, tags, nsg, subnet, direction, packet);
    NsgDecision {
        access: Access::Deny,
        rule: ElementRef::new("", "", None),
        rule_name: String::new(),
        priority: 0,
        platform_exception: false,
    }
}

/// The rules of `nsg` in one direction in evaluation order, defaults included, with shadowed
/// rules flagged.
pub fn effective_rules(nsg: &Nsg, direction: Direction) -> Vec<EffectiveRule> {
    let _ = (nsg, direction);
    Vec::new()
}
