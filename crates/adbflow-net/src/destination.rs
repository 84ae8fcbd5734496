//! Whether the destination itself accepts the packet (domain notes §5.1, §6.2): the storage
//! firewall (public network access, default action, virtual-network rules that need the service
//! endpoint, IP rules that ignore same-region clients), an endpoint's public network access and
//! IP allow list. Private-endpoint traffic needs no firewall rule.

use crate::resources::NamedEndpoint;
use crate::trace::{BlockedBy, Hop, HopKind, ReasonCode};
use adbflow_model::{ids, DefaultAction, ElementRef, PublicNetworkAccess, SubnetRef};
use std::net::Ipv4Addr;

/// How the packet reaches the destination's front door.
#[derive(Debug, Clone)]
pub enum Arrival<'a> {
    PrivateEndpoint {
        name: &'a str,
    },
    /// Over a service endpoint: the service sees the subnet's identity and the private source IP.
    ServiceEndpoint {
        subnet: SubnetRef<'a>,
    },
    /// Over the public address, from `source_ip` (when known) in `source_region` (when in Azure).
    Public {
        source_ip: Option<Ipv4Addr>,
        source_region: Option<&'a str>,
        seen_as: String,
    },
    /// Inside a VNet (VNet-local, peering, gateway): no public front door is involved.
    Private,
}

fn blocked(element: ElementRef, message: String) -> BlockedBy {
    BlockedBy { reason_code: ReasonCode::DestinationDenied, element, message }
}

pub fn accept(ep: &NamedEndpoint<'_>, arrival: &Arrival<'_>) -> Result<Hop, BlockedBy> {
    // The sentences most walks end with are joined (`text!`), not formatted: every flow ends
    // here, and `format!` cost several times as much.
    if let Arrival::PrivateEndpoint { name } = arrival {
        return Ok(Hop::new(
            HopKind::Destination,
            ep.element.clone(),
            crate::text!(
                ep.fqdn,
                " accepts traffic through private endpoint ",
                name,
                "; its public firewall does not apply"
            ),
        ));
    }
    if let Some(sa) = ep.storage {
        let el = ElementRef::new(ids::storage_account(&sa.name), sa.name.clone(), sa.origin.clone());
        if sa.public_network_access == PublicNetworkAccess::Disabled {
            return Err(blocked(
                el,
                format!("storage account {} has public network access disabled: only private endpoints reach it (HTTP 403 AuthorizationFailure)", sa.name),
            ));
        }
        if sa.default_action == DefaultAction::Allow {
            return Ok(Hop::new(
                HopKind::Destination,
                el,
                crate::text!("storage account ", sa.name, " allows all networks"),
            ));
        }
        match arrival {
            Arrival::ServiceEndpoint { subnet } => {
                let path = subnet.path();
                if sa.virtual_network_rules.iter().any(|r| r.eq_ignore_ascii_case(&path)) {
                    return Ok(Hop::new(
                        HopKind::Destination,
                        el,
                        crate::text!("storage account ", sa.name, " has a virtual-network rule for ", path),
                    ));
                }
                return Err(blocked(
                    el,
                    format!(
                        "storage account {} denies by default and has no virtual-network rule for {path} (the request arrives over the service endpoint with the subnet's identity): HTTP 403 AuthorizationFailure",
                        sa.name
                    ),
                ));
            }
            Arrival::Public { source_ip, source_region, seen_as } => {
                let account_region = ep.region.as_deref();
                if source_region.is_some_and(|s| account_region.is_some_and(|a| a.eq_ignore_ascii_case(s))) {
                    return Err(blocked(
                        el,
                        format!(
                            "storage account {} denies by default; the client is in the same region ({}), where traffic uses private Azure addresses and IP rules have no effect — add a virtual-network rule with a service endpoint or a private endpoint: HTTP 403 AuthorizationFailure",
                            sa.name,
                            account_region.unwrap_or("?")
                        ),
                    ));
                }
                let rules: Vec<_> =
                    sa.ip_rules.iter().filter_map(|r| adbflow_model::spec::parse_prefix(r).ok()).collect();
                match source_ip {
                    Some(ip) if rules.iter().any(|r| r.contains(ip)) => {
                        return Ok(Hop::new(
                            HopKind::Destination,
                            el,
                            format!("storage account {} has an IP rule for {ip}", sa.name),
                        ))
                    }
                    None if !rules.is_empty() => {
                        return Ok(Hop::new(
                            HopKind::Destination,
                            el,
                            format!(
                                "storage account {} has IP rules; assuming they list {seen_as}, which is unknown until deployment",
                                sa.name
                            ),
                        )
                        .inferred())
                    }
                    _ => {}
                }
                let bypass = if sa.bypass.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (bypass {} admits trusted Azure services and logging, not traffic from your VMs)",
                        sa.bypass.join(", ")
                    )
                };
                return Err(blocked(
                    el,
                    format!(
                        "storage account {} denies by default and no IP rule matches {seen_as}{bypass}: HTTP 403 AuthorizationFailure",
                        sa.name
                    ),
                ));
            }
            Arrival::Private | Arrival::PrivateEndpoint { .. } => {}
        }
    }
    if let Some(e) = ep.endpoint {
        let via_public = matches!(arrival, Arrival::Public { .. } | Arrival::ServiceEndpoint { .. });
        if via_public && e.public_network_access == PublicNetworkAccess::Disabled {
            return Err(blocked(
                ep.element.clone(),
                format!(
                    "{} has public network access disabled: only its private endpoints are reachable",
                    e.fqdn
                ),
            ));
        }
        if via_public && !e.allowed_source_ips.is_empty() {
            let src = match arrival {
                Arrival::Public { source_ip, .. } => *source_ip,
                _ => None,
            };
            match src {
                Some(ip) if e.allowed_source_ips.iter().any(|p| p.0.contains(&ip)) => {}
                Some(ip) => {
                    return Err(blocked(
                        ep.element.clone(),
                        format!("{} allows only listed source addresses; {ip} is not listed", e.fqdn),
                    ))
                }
                None => {
                    return Ok(Hop::new(
                        HopKind::Destination,
                        ep.element.clone(),
                        format!(
                            "{} restricts source addresses; assuming the list includes this client's egress IP, unknown until deployment",
                            e.fqdn
                        ),
                    )
                    .inferred())
                }
            }
        }
    }
    Ok(Hop::new(HopKind::Destination, ep.element.clone(), crate::text!(ep.fqdn, " accepts the connection")))
}
