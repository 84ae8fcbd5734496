//! The workspace as a destination (DESIGN.md "destination acceptance"): public network access,
//! IP access lists, and back-end Private Link — and users on the public internet, who are outside
//! every modelled network and so are evaluated here rather than walked.

use crate::block::{BlockReason, FlowBlock};
use crate::catalog::FlowId;
use crate::outcome::Outcome;
use crate::plan::PlannedFlow;
use adbflow_model::{
    ids, ElementRef, IpAccessList, IpAccessListType, Lookup, PublicNetworkAccess, RequiredNsgRules, Workspace,
};
use adbflow_net::{DnsAnswer, Egress, Hop, HopKind, ReasonCode};
use std::net::Ipv4Addr;

fn list_ref(ws: &Workspace, l: &IpAccessList) -> ElementRef {
    ElementRef::new(format!("ip-access-list:{}/{}", ws.name, l.name), &l.name, l.origin.clone())
}

fn denied(element: ElementRef, message: String, inferred: bool) -> Box<FlowBlock> {
    Box::new(FlowBlock {
        reason_code: BlockReason::Net(ReasonCode::DestinationDenied),
        element,
        message,
        inferred,
    })
}

/// The workspace's decision on a request that arrives over the public internet from `client`.
fn front_door(ws: &Workspace, client: Option<Ipv4Addr>) -> Result<Hop, Box<FlowBlock>> {
    if ws.public_network_access == PublicNetworkAccess::Disabled {
        return Err(denied(
            ws.element(),
            format!(
                "workspace {} has public network access Disabled: it accepts requests only through a private \
                 endpoint, and this one arrives over the public internet",
                ws.name
            ),
            false,
        ));
    }
    ip_access(ws, client)
}

/// The workspace's IP access lists on a public request from `client` (Databricks' order: a block
/// list match refuses, then any allow list must contain the address).
pub fn ip_access(ws: &Workspace, client: Option<Ipv4Addr>) -> Result<Hop, Box<FlowBlock>> {
    let enabled: Vec<&IpAccessList> = ws.ip_access_lists.iter().filter(|l| l.enabled).collect();
    let contains = |l: &IpAccessList, ip: Ipv4Addr| l.ip_addresses.iter().any(|p| p.0.contains(&ip));
    if let Some(ip) = client {
        if let Some(l) = enabled.iter().find(|l| l.list_type == IpAccessListType::Block && contains(l, ip)) {
            return Err(denied(list_ref(ws, l), format!("IP access list {} blocks {ip}", l.name), false));
        }
    }
    let allows: Vec<&&IpAccessList> =
        enabled.iter().filter(|l| l.list_type == IpAccessListType::Allow).collect();
    if allows.is_empty() {
        return Ok(Hop::new(
            HopKind::Destination,
            ws.element(),
            format!(
                "workspace {} accepts public requests (public network access Enabled, no allow list)",
                ws.name
            ),
        ));
    }
    match client {
        Some(ip) => match allows.iter().find(|l| contains(l, ip)) {
            Some(l) => Ok(Hop::new(
                HopKind::Destination,
                list_ref(ws, l),
                format!("IP access list {} allows {ip}", l.name),
            )),
            None => Err(denied(
                list_ref(ws, allows[0]),
                format!("{ip} is in no IP access allow list of workspace {}", ws.name),
                false,
            )),
        },
        None => {
            let ranges: Vec<String> =
                allows.iter().flat_map(|l| l.ip_addresses.iter().map(|p| p.to_string())).collect();
            Ok(Hop::new(
                HopKind::Destination,
                list_ref(ws, allows[0]),
                format!(
                    "accepted only from {} (IP access lists); the client's address is not modelled — set \
                     user_public_ip to decide",
                    ranges.join(", ")
                ),
            )
            .inferred())
        }
    }
}

/// A user on the public internet: public DNS, then the workspace's front door.
pub(crate) fn internet_user(lookup: &Lookup<'_>, ws: &Workspace, pf: &PlannedFlow) -> Outcome {
    let ep = lookup.endpoint(&pf.host);
    let element =
        ElementRef::new(ids::endpoint(&pf.host), pf.host.clone(), ep.and_then(|e| e.origin.clone()));
    let data: Vec<String> = match ep {
        Some(e) if !e.ips.is_empty() => e.ips.iter().map(|i| i.to_string()).collect(),
        _ => vec!["<symbolic>".to_string()],
    };
    let resolved = vec![DnsAnswer {
        name: pf.host.as_str().to_owned(),
        record_type: "A",
        data: data.clone(),
        source: "public DNS".into(),
    }];
    let mut hops = vec![Hop::new(
        HopKind::Dns,
        element,
        format!(
            "public DNS answers {} → {} (a client outside the modelled networks sees no private zone)",
            pf.host,
            data.join(", ")
        ),
    )];
    let port = pf.ports.first().copied().unwrap_or(443);
    let mut o = Outcome::delivered(port, Egress::None.as_str());
    o.egress = "internet".into();
    o.source_seen_as = match ws.user_public_ip {
        Some(ip) => format!("the user's public address {ip}"),
        None => "the user's public address (not modelled)".into(),
    };
    o.resolved = resolved;
    match front_door(ws, ws.user_public_ip) {
        Ok(h) => hops.push(h),
        Err(b) => {
            hops.push(Hop::new(HopKind::Destination, b.element.clone(), b.message.clone()));
            o.block = Some(*b);
        }
    }
    o.hops = hops;
    o
}

/// The workspace's own decision on a flow the twin walked to it.
pub(crate) fn apply(ws: &Workspace, pf: &PlannedFlow, o: &mut Outcome) {
    if o.block.is_some() {
        return;
    }
    let via_pe = o.egress == Egress::PrivateEndpoint.as_str();
    match pf.id {
        FlowId::UserApi | FlowId::UserUi | FlowId::BrowserAuth => {
            if via_pe {
                o.hops.push(Hop::new(
                    HopKind::Destination,
                    ws.element(),
                    format!(
                        "workspace {} accepts private-endpoint traffic; IP access lists do not apply",
                        ws.name
                    ),
                ));
                return;
            }
            match front_door(ws, o.snat_ip) {
                Ok(h) => o.hops.push(h),
                Err(b) => {
                    o.hops.push(Hop::new(HopKind::Destination, b.element.clone(), b.message.clone()));
                    o.block = Some(*b);
                }
            }
        }
        FlowId::SccRelay | FlowId::Webapp => {
            let private_only = ws.public_network_access == PublicNetworkAccess::Disabled
                && ws.required_nsg_rules == RequiredNsgRules::NoAzureDatabricksRules;
            if private_only && !via_pe {
                let b = denied(
                    ws.element(),
                    format!(
                        "workspace {} has public network access Disabled and NoAzureDatabricksRules: the control \
                         plane expects cluster traffic through the back-end private endpoint, but this flow takes \
                         the public path",
                        ws.name
                    ),
                    true,
                );
                o.hops.push(Hop::new(HopKind::Destination, b.element.clone(), b.message.clone()).inferred());
                o.block = Some(*b);
            }
        }
        _ => {}
    }
}
