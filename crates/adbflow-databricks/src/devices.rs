//! Which billed or limited devices a flow's path crosses — its NAT gateway, firewall, private
//! endpoint — read from the hops that decided it, so cost and capacity use the user's own elements.

use adbflow_model::{Estate, Firewall, Lookup, NatGateway, PrivateEndpoint};
use adbflow_net::{Hop, HopKind};

#[derive(Debug, Clone, Default)]
pub struct PathDevices<'e> {
    pub nat: Option<&'e NatGateway>,
    pub firewall: Option<&'e Firewall>,
    /// The firewall was chosen among several that share the deciding policy.
    pub firewall_ambiguous: bool,
    pub private_endpoint: Option<&'e PrivateEndpoint>,
}

/// Firewalls that evaluate `policy`, directly or as the parent of their own policy.
fn firewalls_with_policy<'e>(estate: &'e Estate, policy: &str) -> Vec<&'e Firewall> {
    estate
        .firewalls
        .iter()
        .filter(|f| {
            f.policy.as_deref().is_some_and(|p| {
                p == policy || estate.firewall_policy(p).and_then(|fp| fp.parent.as_deref()) == Some(policy)
            })
        })
        .collect()
}

/// Found by name through `lookup`: every delivered flow asks, and scanning the estate's private
/// endpoints per flow made checking grow with the square of the estate.
pub fn devices<'e>(lookup: &Lookup<'e>, hops: &[Hop]) -> PathDevices<'e> {
    let estate = lookup.estate();
    let mut d = PathDevices::default();
    for h in hops {
        let id = h.decided_by.id.as_str();
        match h.kind {
            HopKind::Egress => {
                if let Some(name) = id.strip_prefix("nat-gateway:") {
                    d.nat = d.nat.or(lookup.nat_gateway(name));
                }
                if let Some(name) = id.strip_prefix("private-endpoint:") {
                    d.private_endpoint = d.private_endpoint.or(lookup.private_endpoint(name));
                }
            }
            HopKind::Firewall if d.firewall.is_none() => {
                let candidates = if let Some(name) = id.strip_prefix("firewall:") {
                    estate.firewall(name).into_iter().collect()
                } else if let Some(rest) = id.strip_prefix("firewall-rule:") {
                    firewalls_with_policy(estate, rest.split('/').next().unwrap_or(""))
                } else if let Some(policy) = id.strip_prefix("firewall-policy:") {
                    firewalls_with_policy(estate, policy)
                } else {
                    Vec::new()
                };
                let candidates = if candidates.is_empty() && estate.firewalls.len() == 1 {
                    estate.firewalls.iter().collect()
                } else {
                    candidates
                };
                d.firewall_ambiguous = candidates.len() > 1;
                d.firewall = candidates.first().copied();
            }
            _ => {}
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use adbflow_model::ElementRef;

    fn estate() -> Estate {
        toml::from_str(
            r#"
[[nat_gateways]]
name = "nat-a"

[[private_endpoints]]
name = "pe-st"
subnet = "hub/pe"
target = "st"
subresource = "blob"

[[firewalls]]
name = "fw-1"
vnet = "hub"
private_ip = "10.0.0.4"
policy = "child"

[[firewalls]]
name = "fw-2"
vnet = "hub2"
private_ip = "10.1.0.4"
policy = "other"

[[firewall_policies]]
name = "child"
parent = "base"

[[firewall_policies]]
name = "base"

[[firewall_policies]]
name = "other"
"#,
        )
        .unwrap()
    }

    fn hop(kind: HopKind, id: &str) -> Hop {
        Hop::new(kind, ElementRef::new(id, id, None), "")
    }

    #[test]
    fn nat_and_firewalls_are_found_from_the_deciding_elements() {
        let e = estate();
        let l = Lookup::new(&e);
        let d = devices(&l, &[hop(HopKind::Egress, "nat-gateway:nat-a")]);
        assert_eq!(d.nat.map(|n| n.name.as_str()), Some("nat-a"));
        assert!(d.firewall.is_none());
        let d = devices(&l, &[hop(HopKind::Firewall, "firewall-rule:base/g/c/r")]);
        assert_eq!(d.firewall.map(|f| f.name.as_str()), Some("fw-1"), "a parent policy's rule");
        let d = devices(&l, &[hop(HopKind::Firewall, "firewall-policy:other")]);
        assert_eq!(d.firewall.map(|f| f.name.as_str()), Some("fw-2"));
        let d = devices(&l, &[hop(HopKind::Firewall, "firewall:fw-2")]);
        assert_eq!(d.firewall.map(|f| f.name.as_str()), Some("fw-2"));
        assert!(!d.firewall_ambiguous);
        let d = devices(&l, &[hop(HopKind::Route, "nat-gateway:nat-a")]);
        assert!(d.nat.is_none(), "only egress hops choose the NAT gateway");
        let d = devices(&l, &[hop(HopKind::Egress, "private-endpoint:pe-st")]);
        assert_eq!(d.private_endpoint.map(|p| p.target.as_str()), Some("st"));
        assert!(devices(&l, &[hop(HopKind::Egress, "private-endpoint:pe-other")]).private_endpoint.is_none());
    }
}
