//! Public IPs, public IP prefixes, NAT gateways and their associations. A public address Azure
//! assigns at apply time stays `None`: adbflow keeps it symbolic rather than invent one.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::nsg::set_on_subnet;
use super::values::ipv4;
use adbflow_model::spec::parse_prefix;
use adbflow_model::{NatGateway, Prefix, PublicIp, PublicIpPrefix, Sku};

fn sku(ctx: &mut Ctx, node: &Node) -> Sku {
    match ctx.string(node) {
        Val::Known(s) => match s.to_ascii_lowercase().as_str() {
            "basic" => Sku::Basic,
            "standard" => Sku::Standard,
            "standardv2" => Sku::StandardV2,
            _ => {
                ctx.uninterpreted(node, format!("'{s}' is not a known SKU; adbflow assumes Standard"));
                Sku::Standard
            }
        },
        _ => Sku::Standard,
    }
}

pub(crate) fn public_ip(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<PublicIp>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another public IP is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let v6 = matches!(ctx.string(&n.get("ip_version")).known(), Some(v) if v.eq_ignore_ascii_case("ipv6"));
    let ip = if v6 {
        ctx.uninterpreted(
            &n.get("ip_version"),
            "an IPv6 public IP; adbflow models IPv4, so its address stays unknown",
        );
        None
    } else {
        ipv4(ctx, &n.get("ip_address"))?.known()
    };
    let sku = sku(ctx, &n.get("sku"));
    ctx.estate.public_ips.push(PublicIp { name, ip, sku, origin: ctx.origin(idx) });
    Ok(())
}

pub(crate) fn public_ip_prefix(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<PublicIpPrefix>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another public IP prefix is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let pnode = n.get("ip_prefix");
    let prefix = match ctx.string(&pnode) {
        Val::Known(p) if p.contains(':') => {
            ctx.uninterpreted(
                &pnode,
                format!("'{p}' is IPv6; adbflow models IPv4, so the prefix stays unknown"),
            );
            None
        }
        Val::Known(p) => Some(Prefix(parse_prefix(&p).map_err(|e| ctx.error(&pnode, e))?)),
        _ => None,
    };
    let lnode = n.get("prefix_length");
    let prefix_length = match ctx.number(&lnode) {
        Val::Known(l) if l <= 32 => Some(l as u8),
        Val::Known(l) => return Err(ctx.error(&lnode, format!("{l} is not an IPv4 prefix length"))),
        _ => prefix.map(|p| p.0.prefix_len()),
    };
    ctx.estate.public_ip_prefixes.push(PublicIpPrefix {
        name,
        prefix,
        prefix_length,
        origin: ctx.origin(idx),
    });
    Ok(())
}

pub(crate) fn nat_gateway(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<NatGateway>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another NAT gateway is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let tnode = n.get("idle_timeout_in_minutes");
    let idle_timeout_minutes = match ctx.number(&tnode) {
        Val::Known(t) => u32::try_from(t).map_err(|_| ctx.error(&tnode, "out of range"))?,
        _ => 4,
    };
    let sku = sku(ctx, &n.get("sku_name"));
    ctx.estate.nat_gateways.push(NatGateway {
        name,
        sku,
        public_ips: Vec::new(),
        public_ip_prefixes: Vec::new(),
        idle_timeout_minutes,
        origin: ctx.origin(idx),
    });
    Ok(())
}

pub(crate) fn nat_public_ip(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(nat) =
        ctx.link(idx, &n.get("nat_gateway_id"), &kinds::NAT_GATEWAY, "the association is left out")
    else {
        return Ok(());
    };
    let Some(ip) =
        ctx.link(idx, &n.get("public_ip_address_id"), &kinds::PUBLIC_IP, "the association is left out")
    else {
        return Ok(());
    };
    if let Some(g) = ctx.element_mut::<NatGateway>(&nat) {
        if !g.public_ips.contains(&ip) {
            g.public_ips.push(ip);
        }
    }
    Ok(())
}

pub(crate) fn nat_public_ip_prefix(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(nat) =
        ctx.link(idx, &n.get("nat_gateway_id"), &kinds::NAT_GATEWAY, "the association is left out")
    else {
        return Ok(());
    };
    let Some(p) =
        ctx.link(idx, &n.get("public_ip_prefix_id"), &kinds::PUBLIC_IP_PREFIX, "the association is left out")
    else {
        return Ok(());
    };
    if let Some(g) = ctx.element_mut::<NatGateway>(&nat) {
        if !g.public_ip_prefixes.contains(&p) {
            g.public_ip_prefixes.push(p);
        }
    }
    Ok(())
}

pub(crate) fn subnet_nat(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(subnet) = ctx.link(idx, &n.get("subnet_id"), &kinds::SUBNET, "the association is left out")
    else {
        return Ok(());
    };
    let Some(nat) =
        ctx.link(idx, &n.get("nat_gateway_id"), &kinds::NAT_GATEWAY, "the association is left out")
    else {
        return Ok(());
    };
    set_on_subnet(ctx, idx, &subnet, "NAT gateway", nat, |s| &mut s.nat_gateway);
    Ok(())
}
