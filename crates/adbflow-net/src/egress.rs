//! Which device takes a subnet's internet-bound traffic (domain notes §4.1): NAT gateway >
//! instance public IP > load-balancer outbound rule > default outbound access > nothing.

use crate::trace::Egress;
use adbflow_model::{ids, ElementRef, Estate, SubnetRef};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternetEgress {
    pub egress: Egress,
    /// The element that provides the egress (NAT gateway, public IP, load balancer, subnet).
    pub element: ElementRef,
    /// The public source address, when the estate knows it.
    pub snat_ip: Option<Ipv4Addr>,
    /// What the destination sees as the source, in words.
    pub seen_as: String,
    pub detail: String,
}

/// Why a subnet has no way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoEgress {
    pub element: ElementRef,
    pub message: String,
}

fn subnet_el(s: SubnetRef<'_>) -> ElementRef {
    ElementRef::new(ids::subnet(&s.vnet.name, &s.subnet.name), s.path(), s.subnet.origin.clone())
}

/// The first known address among public IPs and prefixes, in the order the user listed them.
fn first_address(estate: &Estate, ips: &[String], prefixes: &[String]) -> Option<Ipv4Addr> {
    ips.iter()
        .filter_map(|n| estate.public_ip(n).and_then(|p| p.ip))
        .chain(prefixes.iter().filter_map(|n| estate.public_ip_prefix(n)?.prefix.map(|p| p.0.network())))
        .next()
}

fn seen_as(what: &str, ip: Option<Ipv4Addr>) -> String {
    match ip {
        Some(ip) => format!("{what} public IP {ip}"),
        None => format!("{what} public IP (address not known until deployment)"),
    }
}

pub fn internet_egress(estate: &Estate, s: SubnetRef<'_>) -> Result<InternetEgress, NoEgress> {
    let sub = s.subnet;
    if let Some(nat) = sub.nat_gateway.as_deref().and_then(|n| estate.nat_gateway(n)) {
        let ip = first_address(estate, &nat.public_ips, &nat.public_ip_prefixes);
        return Ok(InternetEgress {
            egress: Egress::NatGateway,
            element: ElementRef::new(ids::nat_gateway(&nat.name), nat.name.clone(), nat.origin.clone()),
            snat_ip: ip,
            seen_as: seen_as(&format!("NAT gateway {}", nat.name), ip),
            detail: format!(
                "NAT gateway {} is attached to {}: it takes precedence over every other outbound method",
                nat.name,
                s.path()
            ),
        });
    }
    if let Some(pip) = sub.instance_public_ip.as_deref() {
        let known = estate.public_ip(pip);
        let ip = known.and_then(|p| p.ip);
        let element = match known {
            Some(p) => ElementRef::new(ids::public_ip(&p.name), p.name.clone(), p.origin.clone()),
            None => subnet_el(s),
        };
        return Ok(InternetEgress {
            egress: Egress::PublicIp,
            element,
            snat_ip: ip,
            seen_as: seen_as("instance-level", ip),
            detail: format!("the VMs in {} have instance-level public IPs and no NAT gateway", s.path()),
        });
    }
    if let Some(lb) = sub.load_balancer.as_deref().and_then(|n| estate.load_balancer(n)) {
        if !lb.outbound_public_ips.is_empty() {
            let ip = first_address(estate, &lb.outbound_public_ips, &[]);
            return Ok(InternetEgress {
                egress: Egress::LoadBalancer,
                element: ElementRef::new(ids::load_balancer(&lb.name), lb.name.clone(), lb.origin.clone()),
                snat_ip: ip,
                seen_as: seen_as(&format!("load balancer {} outbound", lb.name), ip),
                detail: format!(
                    "load balancer {} has an outbound rule for the NICs in {}",
                    lb.name,
                    s.path()
                ),
            });
        }
    }
    if sub.default_outbound_access {
        return Ok(InternetEgress {
            egress: Egress::DefaultOutbound,
            element: subnet_el(s),
            snat_ip: None,
            seen_as: "a Microsoft-owned default outbound IP (may change; retired for new VNets)".into(),
            detail: format!(
                "{} has no explicit outbound method; default outbound access (implicit, Microsoft-owned IP) carries the traffic",
                s.path()
            ),
        });
    }
    Err(NoEgress {
        element: subnet_el(s),
        message: format!(
            "{} is a private subnet (defaultOutboundAccess = false) with no NAT gateway, instance public IP or load-balancer outbound rule: internet-bound traffic has no way out",
            s.path()
        ),
    })
}
