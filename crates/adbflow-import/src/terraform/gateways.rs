//! Virtual network gateways and what they learn about on-premises: the address space of each
//! local network gateway a connection links to the gateway becomes its `onprem_prefixes`.
//! Prefixes learned over BGP or ExpressRoute are not in Terraform and are reported as such.

use super::attrs::Val;
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::values::prefixes;
use adbflow_model::{Gateway, GatewayKind};

pub(crate) fn virtual_network_gateway(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<Gateway>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another gateway is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let tnode = n.get("type");
    let kind = match ctx.string(&tnode).known().as_deref() {
        Some(t) if t.eq_ignore_ascii_case("vpn") => GatewayKind::Vpn,
        Some(t) if t.eq_ignore_ascii_case("expressroute") => GatewayKind::ExpressRoute,
        other => return Err(ctx.error(&tnode, format!("expected Vpn or ExpressRoute, found {other:?}"))),
    };
    let mut vnet = None;
    let mut public_ip = None;
    if let Val::Known(cfgs) = n.get("ip_configuration").items() {
        for c in cfgs {
            let subnet =
                ctx.link(idx, &c.get("subnet_id"), &kinds::SUBNET, "adbflow cannot place the gateway");
            if vnet.is_none() {
                vnet = subnet.and_then(|s| s.split_once('/').map(|(v, _)| v.to_string()));
            }
            let pip =
                ctx.link(idx, &c.get("public_ip_address_id"), &kinds::PUBLIC_IP, "its address stays unknown");
            if public_ip.is_none() {
                public_ip = pip.and_then(|p| ctx.estate.public_ip(&p).and_then(|p| p.ip));
            }
        }
    }
    let Some(vnet) = vnet else {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &n.get("ip_configuration"),
            "no subnet in this input holds the gateway; the gateway is left out",
        );
        return Ok(());
    };
    let bgp = [n.get("bgp_enabled"), n.get("enable_bgp")];
    let bgp_on = bgp.iter().any(|b| matches!(ctx.boolean(b), Val::Known(true)));
    if kind == GatewayKind::ExpressRoute || bgp_on {
        ctx.warn(
            "terraform-learned-routes-unknown",
            idx,
            "prefixes the gateway learns over BGP or ExpressRoute are not in Terraform; adbflow routes only the address spaces of connected local network gateways",
        );
    }
    ctx.estate.gateways.push(Gateway {
        name,
        vnet,
        kind,
        public_ip,
        onprem_prefixes: Vec::new(),
        origin: ctx.origin(idx),
    });
    Ok(())
}

pub(crate) fn connection(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(gw) =
        ctx.link(idx, &n.get("virtual_network_gateway_id"), &kinds::GATEWAY, "the connection is left out")
    else {
        return Ok(());
    };
    let lnode = n.get("local_network_gateway_id");
    let (locals, outside) = ctx.linked_instances(idx, &lnode, &["azurerm_local_network_gateway"]);
    let outside_any = !outside.is_empty();
    for id in outside {
        let msg = format!(
            "refers to local network gateway '{}', which is not in this input; its on-premises prefixes are not routed",
            id.name()
        );
        ctx.warn_attr("terraform-link-outside-input", &lnode, msg);
    }
    let t = ctx.string(&n.get("type")).known().unwrap_or_default();
    if !t.eq_ignore_ascii_case("ipsec") {
        let msg = format!("a {t} connection: the prefixes it brings are learned, not written in Terraform, so adbflow adds none");
        ctx.warn("terraform-learned-routes-unknown", idx, msg);
    } else if matches!(ctx.boolean(&n.get("enable_bgp")), Val::Known(true))
        || matches!(ctx.boolean(&n.get("bgp_enabled")), Val::Known(true))
    {
        ctx.warn(
            "terraform-learned-routes-unknown",
            idx,
            "BGP is enabled on the connection: prefixes learned over it are not in Terraform; adbflow routes the local network gateway's address space only",
        );
    }
    if locals.is_empty() && !outside_any && t.eq_ignore_ascii_case("ipsec") {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &lnode,
            "no local network gateway; no on-premises prefixes are routed",
        );
    }
    for lng in locals {
        ctx.seen.insert(lng);
        let ln = ctx.node(lng);
        let Some(space) =
            prefixes(ctx, &ln.get("address_space"), "no on-premises prefixes are routed through it")?
        else {
            continue;
        };
        if let Some(g) = ctx.element_mut::<Gateway>(&gw) {
            for p in space {
                if !g.onprem_prefixes.contains(&p) {
                    g.onprem_prefixes.push(p);
                }
            }
        }
    }
    Ok(())
}

/// Runs after every connection: a local network gateway no connection uses routes nothing.
pub(crate) fn local_network_gateway(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    if !ctx.seen.contains(&idx) {
        ctx.warn(
            "terraform-unused",
            idx,
            "no azurerm_virtual_network_gateway_connection in this input links it to a gateway, so its address space is not routed",
        );
    }
    Ok(())
}
