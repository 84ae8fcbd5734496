//! Network security groups (inline `security_rule` and `azurerm_network_security_rule`),
//! application security groups, and NIC-to-ASG memberships.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::links::Linked;
use super::values::is_ipv6;
use adbflow_model::spec::OneOrMany;
use adbflow_model::{
    Access, AddressSpec, ApplicationSecurityGroup, Direction, Nsg, NsgRule, PortSet, Protocol,
};

pub(crate) fn security_group(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<Nsg>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another NSG is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let mut rules = Vec::new();
    match n.get("security_rule").items() {
        Val::Known(blocks) => {
            for b in blocks {
                let Some(rname) = ctx.required_string(&b.get("name"), "the rule is left out") else {
                    continue;
                };
                rules.extend(rule(ctx, idx, &b, rname)?);
            }
        }
        Val::Unknown if ctx.configured(idx, &n.get("security_rule")) => ctx.uninterpreted(
            &n.get("security_rule"),
            "the inline rules are known only after apply; they are left out",
        ),
        Val::Unknown => {}
        Val::Absent => {}
    }
    ctx.estate.nsgs.push(Nsg { name, rules, origin: ctx.origin(idx) });
    Ok(())
}

pub(crate) fn security_rule(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let nsg_node = n.get("network_security_group_name");
    let Some(nsg) = ctx.name_ref(idx, &nsg_node, kinds::NSG.tf) else {
        ctx.warn_attr("terraform-link-unresolved", &nsg_node, "no NSG named; the rule is left out");
        return Ok(());
    };
    if !ctx.holds::<Nsg>(&nsg) {
        ctx.outside(&nsg_node, &kinds::NSG, &nsg, "the rule is left out");
        return Ok(());
    }
    let Some(r) = rule(ctx, idx, &n, name)? else { return Ok(()) };
    let Some(g) = ctx.element_mut::<Nsg>(&nsg) else { return Ok(()) };
    match g.rules.iter().position(|x| x.name == r.name) {
        // The NSG's computed `security_rule` list echoes rules managed as separate resources.
        Some(i) if g.rules[i].origin == g.origin => g.rules[i] = r,
        Some(_) => {
            let msg = format!("NSG '{nsg}' already has a rule named '{}'; this one is left out", r.name);
            ctx.warn("terraform-duplicate-name", idx, msg);
        }
        None => g.rules.push(r),
    }
    Ok(())
}

/// One rule; `None` (warned) when it cannot be modelled: a field known only after apply, or
/// addresses that are all IPv6. Values Azure rejects are errors.
fn rule(ctx: &mut Ctx, idx: usize, n: &Node, name: String) -> Result<Option<NsgRule>, TerraformError> {
    let skip = |ctx: &mut Ctx, node: &Node, why: &str| {
        ctx.warn_attr("terraform-rule-left-out", node, format!("{why}; rule '{name}' is left out"));
    };
    let priority = match ctx.number(&n.get("priority")) {
        Val::Known(p) => {
            u32::try_from(p).map_err(|_| ctx.error(&n.get("priority"), "priority out of range"))?
        }
        _ => {
            skip(ctx, &n.get("priority"), "no known priority");
            return Ok(None);
        }
    };
    let direction = match ctx.string(&n.get("direction")).known().as_deref() {
        Some(d) if d.eq_ignore_ascii_case("inbound") => Direction::Inbound,
        Some(d) if d.eq_ignore_ascii_case("outbound") => Direction::Outbound,
        other => {
            return Err(
                ctx.error(&n.get("direction"), format!("expected Inbound or Outbound, found {other:?}"))
            )
        }
    };
    let access = match ctx.string(&n.get("access")).known().as_deref() {
        Some(a) if a.eq_ignore_ascii_case("allow") => Access::Allow,
        Some(a) if a.eq_ignore_ascii_case("deny") => Access::Deny,
        other => return Err(ctx.error(&n.get("access"), format!("expected Allow or Deny, found {other:?}"))),
    };
    let pnode = n.get("protocol");
    let protocol = match ctx.string(&pnode) {
        Val::Known(p) => {
            serde_json::from_value::<Protocol>(serde_json::Value::String(p.clone())).map_err(|_| {
                ctx.error(
                    &pnode,
                    format!("'{p}' is not a protocol Azure accepts (Tcp, Udp, Icmp, Esp, Ah, *)"),
                )
            })?
        }
        _ => {
            skip(ctx, &pnode, "no known protocol");
            return Ok(None);
        }
    };
    let mut sides = Vec::new();
    // Each side's attribute names, spelled out: a node's path borrows them, and formatting them
    // for every rule of a large plan cost more than reading their values.
    for [one, many, asgs, port, ports_many] in [
        [
            "source_address_prefix",
            "source_address_prefixes",
            "source_application_security_group_ids",
            "source_port_range",
            "source_port_ranges",
        ],
        [
            "destination_address_prefix",
            "destination_address_prefixes",
            "destination_application_security_group_ids",
            "destination_port_range",
            "destination_port_ranges",
        ],
    ] {
        let (one, many, asg_node) = (n.get(one), n.get(many), n.get(asgs));
        let asgs = asg_names(ctx, idx, &asg_node);
        let spec = match address_spec(ctx, &one, &many)? {
            Spec::Given(s) => Some(s),
            Spec::None => None,
            Spec::Unknown(node) => {
                skip(ctx, &node, "the addresses are known only after apply");
                return Ok(None);
            }
            Spec::OnlyIpv6(node) => {
                skip(ctx, &node, "it names only IPv6 addresses, and adbflow models IPv4");
                return Ok(None);
            }
        };
        let ports = ports(ctx, &n.get(port), &n.get(ports_many))?;
        let Some(ports) = ports else {
            skip(ctx, &n.get(port), "the ports are known only after apply");
            return Ok(None);
        };
        sides.push((spec, asgs, ports));
    }
    let (destination, destination_asgs, destination_ports) =
        sides.pop().unwrap_or((None, Vec::new(), PortSet::Any));
    let (source, source_asgs, source_ports) = sides.pop().unwrap_or((None, Vec::new(), PortSet::Any));
    Ok(Some(NsgRule {
        name,
        priority,
        direction,
        access,
        protocol,
        source,
        source_asgs,
        source_ports,
        destination,
        destination_asgs,
        destination_ports,
        description: ctx.string(&n.get("description")).known(),
        managed_by: None,
        origin: ctx.origin(idx),
    }))
}

enum Spec<'a> {
    Given(AddressSpec),
    None,
    Unknown(Node<'a>),
    OnlyIpv6(Node<'a>),
}

fn address_spec<'a>(ctx: &mut Ctx, one: &Node<'a>, many: &Node<'a>) -> Result<Spec<'a>, TerraformError> {
    let mut items = Vec::new();
    let mut from = one.clone();
    match ctx.string(one) {
        Val::Known(s) => items.push(s),
        Val::Unknown => return Ok(Spec::Unknown(one.clone())),
        Val::Absent => {}
    }
    match ctx.strings(many) {
        Val::Known(v) if !v.is_empty() => {
            from = many.clone();
            items.extend(v)
        }
        Val::Unknown => return Ok(Spec::Unknown(many.clone())),
        _ => {}
    }
    if items.is_empty() {
        return Ok(Spec::None);
    }
    let (v6, v4): (Vec<String>, Vec<String>) = items.into_iter().partition(|s| is_ipv6(s));
    if !v6.is_empty() {
        if v4.is_empty() {
            return Ok(Spec::OnlyIpv6(from));
        }
        ctx.uninterpreted(
            &from,
            format!("IPv6 prefixes {} are left out; adbflow models IPv4", v6.join(", ")),
        );
    }
    AddressSpec::parse_items(v4).map(Spec::Given).map_err(|e| ctx.error(&from, e))
}

/// `*_port_range` or `*_port_ranges`; neither means any port. `None` when unknown.
fn ports(ctx: &mut Ctx, one: &Node, many: &Node) -> Result<Option<PortSet>, TerraformError> {
    let mut items = Vec::new();
    let mut from = one.clone();
    match ctx.string(one) {
        Val::Known(s) => items.push(s),
        Val::Unknown => return Ok(None),
        Val::Absent => {}
    }
    match ctx.strings(many) {
        Val::Known(v) if !v.is_empty() => {
            from = many.clone();
            items.extend(v)
        }
        Val::Unknown => return Ok(None),
        _ => {}
    }
    if items.is_empty() {
        return Ok(Some(PortSet::Any));
    }
    PortSet::try_from(OneOrMany::Many(items)).map(Some).map_err(|e| ctx.error(&from, e))
}

fn asg_names(ctx: &mut Ctx, idx: usize, node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for l in ctx.link_all(idx, node, &kinds::ASG) {
        match l {
            Linked::Local(n) => out.push(n),
            Linked::Outside(n) => ctx.outside(node, &kinds::ASG, &n, "the rule does not match it"),
        }
    }
    out
}

pub(crate) fn application_security_group(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let name = ctx.name(idx);
    if ctx.holds::<ApplicationSecurityGroup>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another ASG is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    ctx.estate.application_security_groups.push(ApplicationSecurityGroup { name, origin: ctx.origin(idx) });
    Ok(())
}

pub(crate) fn subnet_association(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(subnet) = ctx.link(idx, &n.get("subnet_id"), &kinds::SUBNET, "the association is left out")
    else {
        return Ok(());
    };
    let Some(nsg) =
        ctx.link(idx, &n.get("network_security_group_id"), &kinds::NSG, "the association is left out")
    else {
        return Ok(());
    };
    set_on_subnet(ctx, idx, &subnet, "NSG", nsg, |s| &mut s.nsg);
    Ok(())
}

/// Set one association field of a subnet, warning when another resource already set it.
pub(crate) fn set_on_subnet(
    ctx: &mut Ctx,
    idx: usize,
    path: &str,
    what: &str,
    value: String,
    field: fn(&mut adbflow_model::Subnet) -> &mut Option<String>,
) {
    let Some(sub) = ctx.subnet_mut(path) else { return };
    let slot = field(sub);
    match slot {
        Some(old) if *old != value => {
            let msg = format!("subnet {path} already has {what} '{old}'; Azure allows one, adbflow keeps '{old}' and leaves '{value}' out");
            ctx.warn("terraform-conflicting-association", idx, msg);
        }
        _ => *slot = Some(value),
    }
}

pub(crate) fn nic_asg_association(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(asg) =
        ctx.link(idx, &n.get("application_security_group_id"), &kinds::ASG, "the membership is left out")
    else {
        return Ok(());
    };
    let nic_node = n.get("network_interface_id");
    let (nics, outside) = ctx.linked_instances(idx, &nic_node, &["azurerm_network_interface"]);
    if let Some(id) = outside.first() {
        let msg = format!(
            "refers to network interface '{}', which is not in this input; the membership is left out",
            id.name()
        );
        ctx.warn_attr("terraform-link-outside-input", &nic_node, msg);
    }
    let [nic] = nics.as_slice() else {
        if nics.len() > 1 {
            ctx.warn_attr(
                "terraform-link-ambiguous",
                &nic_node,
                "refers to several network interfaces; the membership is left out",
            );
        }
        return Ok(());
    };
    let nic_values = ctx.node(*nic);
    let mut subnets = Vec::new();
    if let Val::Known(cfgs) = nic_values.get("ip_configuration").items() {
        for c in cfgs {
            if let Some(s) =
                ctx.link(*nic, &c.get("subnet_id"), &kinds::SUBNET, "its ASG membership is left out")
            {
                if !subnets.contains(&s) {
                    subnets.push(s);
                }
            }
        }
    }
    for path in &subnets {
        if let Some(sub) = ctx.subnet_mut(path) {
            if !sub.application_security_groups.contains(&asg) {
                sub.application_security_groups.push(asg.clone());
            }
        }
    }
    let nic_addr = ctx.inst(*nic).address.clone();
    if subnets.is_empty() {
        ctx.warn("terraform-asg-approximated", idx, format!("adbflow cannot tell which subnet {nic_addr} is in; the membership of ASG '{asg}' is left out"));
    } else {
        let msg = format!(
            "adbflow models ASG membership per subnet: every NIC in {} now counts as a member of ASG '{asg}', not only {nic_addr}",
            subnets.join(", ")
        );
        ctx.warn("terraform-asg-approximated", idx, msg);
    }
    Ok(())
}
