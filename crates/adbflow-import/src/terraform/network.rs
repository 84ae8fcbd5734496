//! Virtual networks and subnets (inline `subnet` blocks and `azurerm_subnet`), VNet DNS servers
//! and peerings. Subnet attributes are read in both provider spellings: 3.x
//! `private_endpoint_network_policies_enabled` (and 2.x `enforce_private_link_endpoint_network_policies`)
//! and 4.x `private_endpoint_network_policies`; 3.x inline `address_prefix` and 4.x `address_prefixes`.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::links::Linked;
use super::values::{flag, ipv4_list, prefixes};
use adbflow_model::{Peering, Prefix, PrivateEndpointNetworkPolicies, Subnet, VNet};

pub(crate) fn virtual_network(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<VNet>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another virtual network is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let Some(address_space) = prefixes(ctx, &n.get("address_space"), "the virtual network is left out")?
    else {
        return Ok(());
    };
    if address_space.is_empty() {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &n.get("address_space"),
            "no IPv4 address space; the virtual network is left out",
        );
        return Ok(());
    }
    let dns_servers = match ipv4_list(ctx, &n.get("dns_servers"))? {
        Val::Known(v) => v,
        Val::Unknown => {
            // Computed when not written (azurerm_virtual_network_dns_servers may set it).
            let node = n.get("dns_servers");
            let fws: Vec<usize> = ctx
                .refs
                .targets(idx, &node)
                .into_iter()
                .filter(|&t| ctx.inst(t).rtype == "azurerm_firewall")
                .collect();
            if let [fw] = fws.as_slice() {
                // The firewall as DNS proxy: its private IP is settled once firewalls are mapped.
                ctx.pending_dns.push(super::context::PendingDns {
                    vnet: name.clone(),
                    firewall: *fw,
                    address: node.address.to_string(),
                    attribute: node.attribute(),
                });
            } else if ctx.configured(idx, &node) {
                ctx.uninterpreted(&node, "known only after apply; adbflow assumes Azure-provided DNS");
            }
            Vec::new()
        }
        Val::Absent => Vec::new(),
    };
    let region = ctx.location(idx);
    ctx.estate.vnets.push(VNet {
        name: name.clone(),
        region,
        address_space,
        dns_servers,
        subnets: Vec::new(),
        origin: ctx.origin(idx),
    });
    match n.get("subnet").items() {
        Val::Known(blocks) => {
            for b in blocks {
                let Some(sname) = ctx.required_string(&b.get("name"), "the inline subnet is left out") else {
                    continue;
                };
                if let Some(s) = subnet_fields(ctx, idx, &b, sname, true)? {
                    add_subnet(ctx, idx, &name, s);
                }
            }
        }
        Val::Unknown if ctx.configured(idx, &n.get("subnet")) => ctx.uninterpreted(
            &n.get("subnet"),
            "the inline subnets are known only after apply; they are left out",
        ),
        Val::Unknown => {}
        Val::Absent => {}
    }
    Ok(())
}

pub(crate) fn subnet(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some((vnet, name)) = ctx.subnet_path(idx) else {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &n.get("virtual_network_name"),
            "adbflow cannot tell which virtual network the subnet is in; the subnet is left out",
        );
        return Ok(());
    };
    let Some(s) = subnet_fields(ctx, idx, &n, name, false)? else { return Ok(()) };
    if !ctx.holds::<VNet>(&vnet) {
        assume_vnet(ctx, idx, &vnet, s.prefix);
    } else if ctx.assumed_vnets.contains(&vnet) {
        if let Some(v) = ctx.element_mut::<VNet>(&vnet) {
            if !v.address_space.iter().any(|p| p.0.contains(&s.prefix.0)) {
                v.address_space.push(s.prefix);
            }
        }
    }
    add_subnet(ctx, idx, &vnet, s);
    Ok(())
}

fn add_subnet(ctx: &mut Ctx, idx: usize, vnet: &str, s: Subnet) {
    let Some(v) = ctx.element_mut::<VNet>(vnet) else { return };
    // The VNet's computed `subnet` list echoes subnets managed by `azurerm_subnet` resources
    // (state and refreshed plans); the resource, not the echo, describes the subnet.
    let echoed =
        v.subnets.iter().position(|x| x.name == s.name && x.origin == v.origin && s.origin != v.origin);
    if let Some(i) = echoed {
        v.subnets[i] = s;
        return;
    }
    if v.subnets.iter().any(|x| x.name == s.name) {
        let msg =
            format!("virtual network '{vnet}' already has a subnet named '{}'; this one is left out", s.name);
        ctx.warn("terraform-duplicate-name", idx, msg);
        return;
    }
    v.subnets.push(s);
}

/// A subnet inside a VNet this input does not manage: its data source when the input read one,
/// otherwise a VNet whose address space is just its subnets' prefixes (said so in a warning).
fn assume_vnet(ctx: &mut Ctx, idx: usize, vnet: &str, prefix: Prefix) {
    let doc = ctx.doc;
    let data = doc
        .instances
        .iter()
        .enumerate()
        .map(|(i, x)| (Some(i), x))
        .chain(doc.prior_data.iter().map(|x| (None, x)))
        .find(|(_, x)| {
            x.data
                && x.rtype == "azurerm_virtual_network"
                && x.values.get("name").and_then(|v| v.as_str()) == Some(vnet)
        });
    if let Some((i, src)) = data {
        let space: Vec<Prefix> = src
            .values
            .get("address_space")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str())
                    .filter_map(|p| adbflow_model::spec::parse_prefix(p).ok())
                    .map(Prefix)
                    .collect()
            })
            .unwrap_or_default();
        let dns = src
            .values
            .get("dns_servers")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|p| p.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        if !space.is_empty() {
            if let Some(i) = i {
                ctx.seen.insert(i);
            }
            let region =
                src.values.get("location").and_then(|l| l.as_str()).map(super::context::normalise_region);
            ctx.estate.vnets.push(VNet {
                name: vnet.to_string(),
                region,
                address_space: space,
                dns_servers: dns,
                subnets: Vec::new(),
                origin: Some(adbflow_model::Origin::Address {
                    file: ctx.file.clone(),
                    address: src.address.clone().into(),
                }),
            });
            let msg = format!(
                "the subnet is in virtual network '{vnet}', which this input does not manage; its address space and DNS servers come from {}",
                src.address
            );
            ctx.warn("terraform-vnet-from-data-source", idx, msg);
            return;
        }
    }
    ctx.assumed_vnets.insert(vnet.to_string());
    let region = ctx.location(idx);
    ctx.estate.vnets.push(VNet {
        name: vnet.to_string(),
        region,
        address_space: vec![prefix],
        dns_servers: Vec::new(),
        subnets: Vec::new(),
        origin: ctx.origin(idx),
    });
    let msg = format!(
        "the subnet is in virtual network '{vnet}', which is not in this input; adbflow assumes the VNet's address space is just its subnets' prefixes and Azure-provided DNS — add the VNet (or a data source for it) for exact routes"
    );
    ctx.warn("terraform-vnet-outside-input", idx, msg);
}

/// The fields shared by `azurerm_subnet` and the VNet's inline `subnet` blocks. `None` when the
/// subnet cannot be modelled (its prefix is unknown or IPv6 only); the reason is warned.
pub(crate) fn subnet_fields(
    ctx: &mut Ctx,
    idx: usize,
    n: &Node,
    name: String,
    inline: bool,
) -> Result<Option<Subnet>, TerraformError> {
    let plural = n.get("address_prefixes");
    let prefix_node = if matches!(plural.raw(), Val::Absent) { n.get("address_prefix") } else { plural };
    let Some(list) = prefixes(ctx, &prefix_node, "the subnet is left out")? else { return Ok(None) };
    let Some((&prefix, extra)) = list.split_first() else {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &prefix_node,
            "no IPv4 prefix; the subnet is left out",
        );
        return Ok(None);
    };
    if !extra.is_empty() {
        let extra: Vec<String> = extra.iter().map(|p| p.to_string()).collect();
        ctx.uninterpreted(
            &prefix_node,
            format!("adbflow models one prefix per subnet and uses {prefix}; {} left out", extra.join(", ")),
        );
    }
    let mut s = Subnet {
        name,
        prefix,
        nsg: None,
        route_table: None,
        nat_gateway: None,
        service_endpoints: Vec::new(),
        service_endpoint_policies: Vec::new(),
        delegation: None,
        default_outbound_access: flag(ctx, &n.get("default_outbound_access_enabled"), true),
        private_endpoint_network_policies: pe_policies(ctx, n),
        instance_public_ip: None,
        load_balancer: None,
        application_security_groups: Vec::new(),
        origin: ctx.origin(idx),
    };
    match ctx.strings(&n.get("service_endpoints")) {
        Val::Known(v) => s.service_endpoints = v,
        Val::Unknown => {
            ctx.uninterpreted(&n.get("service_endpoints"), "known only after apply; none assumed")
        }
        Val::Absent => {}
    }
    let sep = n.get("service_endpoint_policy_ids");
    for l in ctx.link_all(idx, &sep, &kinds::SERVICE_ENDPOINT_POLICY) {
        match l {
            Linked::Local(p) => s.service_endpoint_policies.push(p),
            Linked::Outside(p) => {
                ctx.outside(&sep, &kinds::SERVICE_ENDPOINT_POLICY, &p, "the policy is left out of the subnet")
            }
        }
    }
    s.delegation = delegation(ctx, n);
    if inline {
        s.nsg =
            ctx.link(idx, &n.get("security_group"), &kinds::NSG, "the subnet has no NSG in adbflow's view");
        s.route_table = ctx.link(
            idx,
            &n.get("route_table_id"),
            &kinds::ROUTE_TABLE,
            "the subnet has no route table in adbflow's view",
        );
    }
    Ok(Some(s))
}

fn delegation(ctx: &mut Ctx, n: &Node) -> Option<String> {
    let blocks = match n.get("delegation").items() {
        Val::Known(b) => b,
        Val::Unknown => {
            ctx.uninterpreted(&n.get("delegation"), "known only after apply; no delegation assumed");
            return None;
        }
        Val::Absent => return None,
    };
    let mut services = Vec::new();
    for b in &blocks {
        let sd = b.get("service_delegation");
        let node = sd.block().map(|x| x.get("name")).unwrap_or_else(|| sd.get("name"));
        if let Val::Known(s) = ctx.string(&node) {
            services.push(s);
        }
    }
    if services.len() > 1 {
        ctx.uninterpreted(
            &n.get("delegation"),
            format!(
                "adbflow models one delegation per subnet and uses {}; {} left out",
                services[0],
                services[1..].join(", ")
            ),
        );
    }
    services.into_iter().next()
}

fn pe_policies(ctx: &mut Ctx, n: &Node) -> PrivateEndpointNetworkPolicies {
    use PrivateEndpointNetworkPolicies as P;
    let v4 = n.get("private_endpoint_network_policies");
    match ctx.string(&v4) {
        Val::Known(s) => {
            return match s.as_str() {
                "Disabled" => P::Disabled,
                "Enabled" => P::Enabled,
                "NetworkSecurityGroupEnabled" => P::NetworkSecurityGroupEnabled,
                "RouteTableEnabled" => P::RouteTableEnabled,
                other => {
                    ctx.uninterpreted(
                        &v4,
                        format!("'{other}' is not a known setting; adbflow assumes Disabled"),
                    );
                    P::Disabled
                }
            }
        }
        Val::Unknown => {
            ctx.uninterpreted(&v4, "known only after apply; adbflow assumes Disabled");
            return P::Disabled;
        }
        Val::Absent => {}
    }
    if let Val::Known(b) = ctx.boolean(&n.get("private_endpoint_network_policies_enabled")) {
        return if b { P::Enabled } else { P::Disabled };
    }
    // The 2.x attribute reads backwards: `true` *disables* the policies.
    if let Val::Known(b) = ctx.boolean(&n.get("enforce_private_link_endpoint_network_policies")) {
        return if b { P::Disabled } else { P::Enabled };
    }
    P::Disabled
}

pub(crate) fn dns_servers(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(vnet) =
        ctx.link(idx, &n.get("virtual_network_id"), &kinds::VNET, "its DNS servers are left out")
    else {
        return Ok(());
    };
    let servers = match ipv4_list(ctx, &n.get("dns_servers"))? {
        Val::Known(v) => v,
        Val::Unknown => {
            ctx.uninterpreted(
                &n.get("dns_servers"),
                "known only after apply; adbflow assumes Azure-provided DNS",
            );
            return Ok(());
        }
        Val::Absent => Vec::new(),
    };
    if let Some(v) = ctx.element_mut::<VNet>(&vnet) {
        v.dns_servers = servers;
    }
    Ok(())
}

pub(crate) fn peering(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let vnet_node = n.get("virtual_network_name");
    let Some(vnet) = ctx.name_ref(idx, &vnet_node, kinds::VNET.tf) else {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &vnet_node,
            "no local virtual network; the peering is left out",
        );
        return Ok(());
    };
    if !ctx.holds::<VNet>(&vnet) {
        ctx.outside(&vnet_node, &kinds::VNET, &vnet, "the peering is left out");
        return Ok(());
    }
    let remote = ctx.link(
        idx,
        &n.get("remote_virtual_network_id"),
        &kinds::VNET,
        "adbflow does not know its address space, so the peering is left out",
    );
    let Some(remote_vnet) = remote else { return Ok(()) };
    if let Val::Known(false) = ctx.boolean(&n.get("peer_complete_virtual_networks_enabled")) {
        ctx.uninterpreted(
            &n.get("peer_complete_virtual_networks_enabled"),
            "subnet-level peering is not modelled; adbflow treats this as a peering of the whole virtual networks",
        );
    }
    let peering = Peering {
        name,
        vnet,
        remote_vnet,
        allow_virtual_network_access: flag(ctx, &n.get("allow_virtual_network_access"), true),
        allow_forwarded_traffic: flag(ctx, &n.get("allow_forwarded_traffic"), false),
        allow_gateway_transit: flag(ctx, &n.get("allow_gateway_transit"), false),
        use_remote_gateways: flag(ctx, &n.get("use_remote_gateways"), false),
        origin: ctx.origin(idx),
    };
    ctx.estate.peerings.push(peering);
    Ok(())
}
