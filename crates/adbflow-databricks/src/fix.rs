//! The smallest change that unblocks a flow, naming the element to change.

use crate::block::{BlockReason, FlowBlock};
use crate::catalog::FlowId;
use crate::plan::{ranges_of, FlowSource, PlannedFlow};
use crate::prepare::PreparedWorkspace;
use adbflow_model::{
    ids, Access, AddressSpec, Direction, ElementRef, Estate, Lookup, PublicNetworkAccess, Workspace,
};
use adbflow_net::tags::symbolic_contains;
use adbflow_net::ReasonCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub action: String,
    /// The element to change (or the one to add to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementRef>,
}

fn fix(action: impl Into<String>, element: Option<ElementRef>) -> Fix {
    Fix { action: action.into(), element }
}

/// What the flow's source and destination look like, for wording fixes.
struct Ctx<'a, 'e> {
    lookup: &'a Lookup<'e>,
    ws: &'a Workspace,
    pw: &'a PreparedWorkspace,
    pf: &'a PlannedFlow,
    port: u16,
    egress: &'a str,
}

impl<'e> Ctx<'_, 'e> {
    fn estate(&self) -> &'e Estate {
        self.lookup.estate()
    }
    fn subnet_path(&self) -> &str {
        self.pf.source.label()
    }
    fn subnet_ref(&self) -> Option<ElementRef> {
        let FlowSource::Subnet(p) = &self.pf.source else { return None };
        let s = self.lookup.subnet(p)?;
        Some(ElementRef::new(ids::subnet(&s.vnet.name, &s.subnet.name), p.clone(), s.subnet.origin.clone()))
    }
    fn endpoint_tags(&self) -> Vec<String> {
        self.lookup.endpoint(&self.pf.host).map(|e| e.service_tags.clone()).unwrap_or_default()
    }
    fn endpoint_region(&self) -> Option<String> {
        self.lookup.endpoint(&self.pf.host).and_then(|e| e.region.clone())
    }
    /// How to name the destination in a rule: its most specific service tag, or the host itself.
    fn destination_words(&self) -> String {
        match self.endpoint_tags().first() {
            Some(t) => format!("service tag {t} ({})", self.pf.host),
            None => self.pf.host.as_str().to_owned(),
        }
    }
    fn ports(&self) -> &str {
        &self.pf.ports_text
    }
}

fn split_id(id: &str) -> (&str, &str) {
    id.split_once(':').unwrap_or(("", id))
}

/// The smallest fix for `pf` blocked by `block`.
pub(crate) fn suggest(
    lookup: &Lookup<'_>,
    pw: &PreparedWorkspace,
    pf: &PlannedFlow,
    block: &FlowBlock,
    port: u16,
    egress: &str,
) -> Fix {
    let c = Ctx { lookup, ws: &pw.workspace, pw, pf, port, egress };
    let (kind, rest) = split_id(&block.element.id);
    match block.reason_code {
        BlockReason::SubnetNsgMissing => fix(
            format!("associate an NSG with subnet {} (Databricks adds its managed rules to it)", c.subnet_path()),
            Some(block.element.clone()),
        ),
        BlockReason::Net(r) => match r {
            ReasonCode::NsgDenied => nsg_fix(&c, kind, rest, &block.element),
            ReasonCode::RouteNone => fix(
                format!(
                    "{} sends {}:{port} to next hop None: remove it, or add a more specific route (or a service \
                     endpoint) for this destination",
                    describe(&block.element),
                    pf.host
                ),
                Some(block.element.clone()),
            ),
            ReasonCode::NoOutboundConnectivity => no_egress_fix(&c),
            ReasonCode::FirewallDenied => firewall_fix(&c, kind, rest, &block.element),
            ReasonCode::DnsResolutionFailed => dns_fix(&c, kind, rest, &block.element),
            ReasonCode::DestinationDenied => destination_fix(&c, kind, rest, &block.element),
            ReasonCode::PrivateEndpointNotApproved => fix(
                format!("approve the pending connection of {} on its target resource", describe(&block.element)),
                Some(block.element.clone()),
            ),
            ReasonCode::NextHopUnreachable => fix(
                format!(
                    "{} forwards to an address where no appliance answers: point it at the firewall's private IP",
                    describe(&block.element)
                ),
                Some(block.element.clone()),
            ),
            ReasonCode::ServiceEndpointPolicyDenied => {
                let what = match &pf.storage_account {
                    Some(a) => format!("storage account {a}"),
                    None => "the /services/Azure/Databricks alias (Databricks-managed storage)".into(),
                };
                fix(format!("add {what} to {}", describe(&block.element)), Some(block.element.clone()))
            }
        },
    }
}

fn describe(e: &ElementRef) -> String {
    if e.id.is_empty() {
        return "the deciding element".into();
    }
    let (kind, rest) = split_id(&e.id);
    format!("{} '{}'", kind.replace('-', " "), rest)
}

fn nsg_fix(c: &Ctx<'_, '_>, kind: &str, rest: &str, element: &ElementRef) -> Fix {
    let nsg_name = if kind == "nsg-rule" { rest.split('/').next().unwrap_or(rest) } else { rest };
    let Some(nsg) = c.lookup.nsg(nsg_name) else {
        return fix(
            format!("allow outbound {} TCP {} in the NSG that denies it", c.destination_words(), c.ports()),
            Some(element.clone()),
        );
    };
    let denying = nsg.rules.iter().find(|r| ids::nsg_rule(&nsg.name, &r.name) == element.id);
    let tags = c.endpoint_tags();
    let region = c.endpoint_region();
    // A user rule already meant for this destination but missing ports (e.g. the January 2025 ports).
    for r in nsg.rules.iter().filter(|r| r.direction == Direction::Outbound && r.access == Access::Allow) {
        let AddressSpec::Tag(t) = r.destination_spec() else { continue };
        if !tags.iter().any(|d| symbolic_contains(&t, d, region.as_deref())) {
            continue;
        }
        let missing: Vec<u16> =
            c.pf.ports.iter().copied().filter(|p| !r.destination_ports.contains(*p)).collect();
        if !missing.is_empty() && r.managed_by.is_none() {
            let txt = crate::catalog::ports_text(&ranges_of(&missing));
            return fix(
                format!("add port(s) {txt} to rule '{}' in NSG '{}' (destination {t})", r.name, nsg.name),
                Some(ElementRef::new(ids::nsg_rule(&nsg.name, &r.name), &r.name, r.origin.clone())),
            );
        }
    }
    let below = match denying {
        Some(d) => format!(" with a priority lower than {} ('{}')", d.priority, d.name),
        None => String::new(),
    };
    fix(
        format!(
            "add an outbound Allow rule to NSG '{}' for {} TCP {}{below}",
            nsg.name,
            c.destination_words(),
            c.ports()
        ),
        Some(ElementRef::new(ids::nsg(&nsg.name), &nsg.name, nsg.origin.clone())),
    )
}

fn same_region_storage(c: &Ctx<'_, '_>) -> bool {
    let region = c.ws.region.clone().unwrap_or_else(|| c.pw.region.name.clone());
    c.endpoint_tags().iter().any(|t| symbolic_contains("Storage", t, None))
        && c.endpoint_region().is_some_and(|r| r.eq_ignore_ascii_case(&region))
        || c.pf.storage_account.as_ref().is_some_and(|a| {
            c.estate()
                .storage_account(a)
                .is_some_and(|s| s.region.as_deref().unwrap_or(c.estate().region()) == region)
        })
}

fn no_egress_fix(c: &Ctx<'_, '_>) -> Fix {
    let path = c.subnet_path();
    let subnet = c.subnet_ref();
    if c.pf.by_design {
        let key = match c.pf.id {
            FlowId::Maven => "maven",
            FlowId::Cran => "cran",
            _ => "pypi",
        };
        return fix(
            format!("none needed (by design); to install packages, set libraries.{key} to a mirror reachable from {path}"),
            None,
        );
    }
    if matches!(c.pf.id, FlowId::SccRelay | FlowId::Webapp) && !c.pw.private_link.back_end.is_empty() {
        let zone = crate::endpoints::private_link_zone(&c.pw.cloud);
        return fix(
            format!(
                "{} resolved to its public address: add an A record for it in {zone} (linked to VNet {}) pointing \
                 at back-end private endpoint {}",
                c.pf.host, c.ws.vnet, c.pw.private_link.back_end[0]
            ),
            Some(ElementRef::new(ids::dns_zone(&zone), &zone, c.lookup.private_dns_zone(&zone).and_then(|z| z.origin.clone()))),
        );
    }
    if same_region_storage(c) {
        return fix(
            format!(
                "add the Microsoft.Storage service endpoint to subnet {path} (or attach a NAT gateway to it)"
            ),
            subnet,
        );
    }
    fix(
        format!(
            "attach a NAT gateway to subnet {path} (or route 0.0.0.0/0 to a firewall that allows {}:{})",
            c.pf.host, c.port
        ),
        subnet,
    )
}

fn firewall_fix(c: &Ctx<'_, '_>, kind: &str, rest: &str, element: &ElementRef) -> Fix {
    let policy_name = match kind {
        "firewall-rule" | "firewall-policy" => Some(rest.split('/').next().unwrap_or(rest).to_string()),
        "firewall" => c.estate().firewall(rest).and_then(|f| f.policy.clone()),
        _ => None,
    };
    let policy = policy_name.as_deref().and_then(|p| c.estate().firewall_policy(p));
    let Some(policy) = policy else {
        return fix(
            format!("allow {}:{} in the firewall that denies it", c.pf.host, c.port),
            Some(element.clone()),
        );
    };
    let wildcard = format!("*.{}", c.pf.host);
    if let Some((g, col, r)) = c.lookup.firewall_rule_naming(&policy.name, &wildcard) {
        return fix(
            format!(
                "add '{}' to application rule '{}' (collection '{}'): '{wildcard}' does not match the name itself",
                c.pf.host, r.name, col.name
            ),
            Some(ElementRef::new(
                ids::firewall_rule(&policy.name, &g.name, &col.name, &r.name),
                &r.name,
                r.origin.clone(),
            )),
        );
    }
    let pref = ElementRef::new(ids::firewall_policy(&policy.name), &policy.name, policy.origin.clone());
    if c.port == 443 || c.port == 80 {
        let proto = if c.port == 443 { "Https:443" } else { "Http:80" };
        return fix(
            format!(
                "add an application rule allowing {} ({proto}) to firewall policy '{}'",
                c.pf.host, policy.name
            ),
            Some(pref),
        );
    }
    let tag = c.endpoint_tags().first().cloned();
    let dest = match tag {
        Some(t) => format!("{} (or service tag {t})", c.pf.host),
        None => c.pf.host.as_str().to_owned(),
    };
    fix(
        format!(
            "add a network rule allowing TCP {} to {dest} in firewall policy '{}' (FQDNs in network rules need the \
             policy's DNS proxy)",
            c.ports(),
            policy.name
        ),
        Some(pref),
    )
}

fn dns_fix(c: &Ctx<'_, '_>, kind: &str, rest: &str, element: &ElementRef) -> Fix {
    let zone = match kind {
        "private-dns-zone" => Some(rest.to_string()),
        "dns-link" | "dns-record" => rest.rsplit_once('/').map(|(z, _)| z.to_string()),
        _ => None,
    };
    let host = c.pf.host.to_ascii_lowercase();
    let vnet = match &c.pf.source {
        FlowSource::Subnet(p) => p.split('/').next().unwrap_or(p).to_string(),
        FlowSource::Internet => String::new(),
    };
    if let Some(z) = zone {
        let zref = ElementRef::new(
            ids::dns_zone(&z),
            &z,
            c.lookup.private_dns_zone(&z).and_then(|x| x.origin.clone()),
        );
        if let Some(public) = z.strip_prefix("privatelink.") {
            let label = host.strip_suffix(&format!(".{public}")).unwrap_or(&host).to_string();
            return fix(
                format!("add an A record '{label}' to zone {z} pointing at the private endpoint's address"),
                Some(zref),
            );
        }
        if host.ends_with(&format!(".{z}")) || host == z {
            return fix(
                format!(
                    "unlink private DNS zone {z} from VNet {vnet}: it answers for every name under {z} and has no \
                     record for {host} (private endpoints use the privatelink.{z} zone)"
                ),
                Some(ElementRef::new(ids::dns_link(&z, &vnet), format!("{z} → {vnet}"), zref.origin.clone())),
            );
        }
        return fix(format!("add a record for {host} to zone {z}"), Some(zref));
    }
    fix(
        format!(
            "make {host} resolvable from VNet {vnet}: its DNS servers must forward to Azure DNS (168.63.129.16), or \
             use Azure-provided DNS"
        ),
        Some(element.clone()),
    )
}

fn destination_fix(c: &Ctx<'_, '_>, kind: &str, rest: &str, element: &ElementRef) -> Fix {
    let path = c.subnet_path();
    match kind {
        "storage-account" => {
            let Some(sa) = c.lookup.storage_account(rest) else {
                return fix(format!("allow {path} on storage account {rest}"), Some(element.clone()));
            };
            let sub = c.pf.host.split('.').nth(1).unwrap_or("blob");
            let sref = ElementRef::new(ids::storage_account(&sa.name), &sa.name, sa.origin.clone());
            if sa.public_network_access == PublicNetworkAccess::Disabled {
                let zone = format!("privatelink.{sub}.core.windows.net");
                let vnet = path.split('/').next().unwrap_or(path);
                let pe = c.lookup.private_endpoints_to(&sa.name).find(|p| p.subresource == sub);
                if let Some(pe) = pe {
                    let zref = c.lookup.private_dns_zone(&zone).map(|z| ElementRef::new(ids::dns_zone(&z.name), &z.name, z.origin.clone()));
                    return fix(
                        format!(
                            "link private DNS zone {zone} to VNet {vnet} (with a record for {}): private endpoint {} \
                             exists, but {vnet} resolves the account's public address",
                            sa.name, pe.name
                        ),
                        zref.or(Some(sref)),
                    );
                }
                return fix(
                    format!(
                        "add a private endpoint ({sub}) for storage account {} reachable from {path}, with an A \
                         record in privatelink.{sub}.core.windows.net linked to its VNet",
                        sa.name
                    ),
                    Some(sref),
                );
            }
            if c.egress == "service-endpoint" {
                return fix(format!("add a virtual network rule for subnet {path} to storage account {}", sa.name), Some(sref));
            }
            fix(
                format!(
                    "add the Microsoft.Storage service endpoint to subnet {path} and a virtual network rule for it to \
                     storage account {}",
                    sa.name
                ),
                Some(sref),
            )
        }
        "workspace" => {
            if matches!(c.pf.id, FlowId::UserApi | FlowId::UserUi | FlowId::BrowserAuth) {
                fix(
                    "reach the workspace through a front-end private endpoint (set user_subnet to a subnet whose DNS \
                     resolves the workspace URL to it), or set public_network_access = \"Enabled\"",
                    Some(element.clone()),
                )
            } else {
                fix(
                    format!(
                        "add a back-end private endpoint (databricks_ui_api) in VNet {} and an A record for {} in {}",
                        c.ws.vnet,
                        c.pf.host,
                        crate::endpoints::private_link_zone(&c.pw.cloud)
                    ),
                    Some(element.clone()),
                )
            }
        }
        "ip-access-list" => fix(
            "add the client's address to an IP access allow list of the workspace (or remove it from the block list)",
            Some(element.clone()),
        ),
        _ => fix(format!("allow {path} at {}", describe(element)), Some(element.clone())),
    }
}
