//! Route tables (inline `route` blocks and `azurerm_route`) and their subnet associations. BGP
//! propagation is read in both spellings: 3.x `disable_bgp_route_propagation`, 4.x
//! `bgp_route_propagation_enabled`.

use super::attrs::{Node, Val};
use super::context::{Ctx, PendingHop};
use super::error::TerraformError;
use super::kinds;
use super::nsg::set_on_subnet;
use super::values::{ipv4, is_ipv6};
use adbflow_model::{NextHopType, Route, RouteDestination, RouteTable, VNet};

pub(crate) fn route_table(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<RouteTable>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another route table is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let v3 = n.get("disable_bgp_route_propagation");
    let v4 = n.get("bgp_route_propagation_enabled");
    let disable = match (ctx.boolean(&v4), ctx.boolean(&v3)) {
        (Val::Known(enabled), _) => !enabled,
        (_, Val::Known(disabled)) => disabled,
        (Val::Unknown, _) | (_, Val::Unknown) => {
            ctx.uninterpreted(&v4, "known only after apply; adbflow assumes gateway routes propagate");
            false
        }
        _ => false,
    };
    ctx.estate.route_tables.push(RouteTable {
        name: name.clone(),
        disable_bgp_route_propagation: disable,
        routes: Vec::new(),
        origin: ctx.origin(idx),
    });
    match n.get("route").items() {
        Val::Known(blocks) => {
            for b in blocks {
                let Some(rname) = ctx.required_string(&b.get("name"), "the route is left out") else {
                    continue;
                };
                add_route(ctx, idx, &name, &b, rname)?;
            }
        }
        Val::Unknown if ctx.configured(idx, &n.get("route")) => ctx.uninterpreted(
            &n.get("route"),
            "the inline routes are known only after apply; they are left out",
        ),
        Val::Unknown => {}
        Val::Absent => {}
    }
    Ok(())
}

pub(crate) fn route(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let table_node = n.get("route_table_name");
    let Some(table) = ctx.name_ref(idx, &table_node, kinds::ROUTE_TABLE.tf) else {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &table_node,
            "no route table named; the route is left out",
        );
        return Ok(());
    };
    if !ctx.holds::<RouteTable>(&table) {
        ctx.outside(&table_node, &kinds::ROUTE_TABLE, &table, "the route is left out");
        return Ok(());
    }
    add_route(ctx, idx, &table, &n, name)
}

fn add_route(ctx: &mut Ctx, idx: usize, table: &str, n: &Node, name: String) -> Result<(), TerraformError> {
    let pnode = n.get("address_prefix");
    let prefix = match ctx.string(&pnode) {
        Val::Known(p) if is_ipv6(&p) => {
            ctx.uninterpreted(
                &pnode,
                format!("'{p}' is IPv6; adbflow models IPv4, so route '{name}' is left out"),
            );
            return Ok(());
        }
        Val::Known(p) => RouteDestination::try_from(p).map_err(|e| ctx.error(&pnode, e))?,
        _ => {
            ctx.warn_attr(
                "terraform-rule-left-out",
                &pnode,
                format!("no known prefix; route '{name}' is left out"),
            );
            return Ok(());
        }
    };
    let hnode = n.get("next_hop_type");
    let next_hop_type = match ctx.string(&hnode) {
        Val::Known(h) => serde_json::from_value::<NextHopType>(serde_json::Value::String(h.clone()))
            .ok()
            .filter(|t| t.allowed_in_udr())
            .ok_or_else(|| {
                ctx.error(
                    &hnode,
                    format!("'{h}' is not a next hop type a route may use (VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None)"),
                )
            })?,
        _ => {
            ctx.warn_attr("terraform-rule-left-out", &hnode, format!("no known next hop type; route '{name}' is left out"));
            return Ok(());
        }
    };
    let ipnode = n.get("next_hop_in_ip_address");
    let next_hop_ip = match ipv4(ctx, &ipnode)? {
        Val::Known(ip) => Some(ip),
        Val::Unknown => {
            defer_next_hop(ctx, idx, table, &name, &ipnode);
            None
        }
        Val::Absent => None,
    };
    if next_hop_type == NextHopType::VirtualAppliance && next_hop_ip.is_none() && !ipnode.raw().is_unknown() {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &ipnode,
            format!("route '{name}' sends to a virtual appliance but names no IP"),
        );
    }
    let origin = ctx.origin(idx);
    // Names are unique (`route_table` leaves a second table of a name out), so the last match is
    // the only one; searching from the end finds a table's inline routes' table at once, where
    // searching from the start made a plan's 100,000 routes scan 5,000 tables each.
    let Some(t) = ctx.element_mut::<RouteTable>(table) else { return Ok(()) };
    let route = Route { name, address_prefix: prefix, next_hop_type, next_hop_ip, origin };
    match t.routes.iter().position(|r| r.name == route.name) {
        // The table's computed `route` list echoes routes managed as `azurerm_route` resources.
        Some(i) if t.routes[i].origin == t.origin && route.origin != t.origin => t.routes[i] = route,
        Some(_) => {
            let msg = format!(
                "route table '{table}' already has a route named '{}'; this one is left out",
                route.name
            );
            ctx.warn("terraform-duplicate-name", idx, msg);
        }
        None => t.routes.push(route),
    }
    Ok(())
}

/// A next hop IP known only after apply is, in hub-spoke plans, the firewall's private IP; follow
/// the reference and settle it once firewalls are mapped. Anything else stays unknown.
fn defer_next_hop(ctx: &mut Ctx, idx: usize, table: &str, route: &str, node: &Node) {
    let fws: Vec<usize> = ctx
        .refs
        .targets(idx, node)
        .into_iter()
        .filter(|&t| ctx.inst(t).rtype == "azurerm_firewall")
        .collect();
    match fws.as_slice() {
        [fw] => ctx.pending_next_hops.push(PendingHop {
            table: table.to_string(),
            route: route.to_string(),
            firewall: *fw,
            address: node.address.to_string(),
            attribute: node.attribute(),
        }),
        _ => ctx.warn_attr(
            "terraform-value-known-after-apply",
            node,
            format!("route '{route}': the next hop IP is known only after apply and does not come from a firewall in this input; it stays unknown"),
        ),
    }
}

/// Give deferred next hops and DNS servers the IP of the firewall they refer to (see
/// `defer_next_hop`; a VNet's `dns_servers` naming a firewall's private IP uses its DNS proxy).
pub(crate) fn settle_next_hops(ctx: &mut Ctx) {
    for p in std::mem::take(&mut ctx.pending_dns) {
        let fw_name = ctx.name(p.firewall);
        let ip = ctx.estate.firewall(&fw_name).map(|f| f.private_ip);
        let fw_address = ctx.inst(p.firewall).address.clone();
        let vnet = ctx.element_mut::<VNet>(&p.vnet);
        match (ip, vnet) {
            (Some(ip), Some(v)) => {
                v.dns_servers = vec![ip];
                let msg = format!(
                    "known only after apply; it is firewall {fw_address}'s private IP, so adbflow uses {ip} (the firewall's DNS proxy)"
                );
                ctx.warn_at("terraform-inferred-value", &p.address, &p.attribute, msg);
            }
            _ => {
                let msg = format!(
                    "known only after apply; it is firewall {fw_address}'s private IP, which could not be imported; adbflow assumes Azure-provided DNS"
                );
                ctx.warn_at("terraform-value-known-after-apply", &p.address, &p.attribute, msg);
            }
        }
    }
    for hop in std::mem::take(&mut ctx.pending_next_hops) {
        let fw_name = ctx.name(hop.firewall);
        let ip = ctx.estate.firewall(&fw_name).map(|f| f.private_ip);
        let route = ctx
            .element_mut::<RouteTable>(&hop.table)
            .and_then(|t| t.routes.iter_mut().find(|r| r.name == hop.route));
        match (ip, route) {
            (Some(ip), Some(r)) => r.next_hop_ip = Some(ip),
            _ => {
                let msg = format!(
                    "route '{}': the next hop is firewall {}, which could not be imported; the IP stays unknown",
                    hop.route,
                    ctx.inst(hop.firewall).address
                );
                ctx.warn_at("terraform-value-known-after-apply", &hop.address, &hop.attribute, msg);
            }
        }
    }
}

pub(crate) fn subnet_association(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(subnet) = ctx.link(idx, &n.get("subnet_id"), &kinds::SUBNET, "the association is left out")
    else {
        return Ok(());
    };
    let Some(rt) =
        ctx.link(idx, &n.get("route_table_id"), &kinds::ROUTE_TABLE, "the association is left out")
    else {
        return Ok(());
    };
    set_on_subnet(ctx, idx, &subnet, "route table", rt, |s| &mut s.route_table);
    Ok(())
}
