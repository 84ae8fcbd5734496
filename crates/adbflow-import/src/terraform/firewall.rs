//! Azure Firewall, firewall policies with rule collection groups, IP groups, and classic rule
//! collections (converted into a policy named after the firewall, since the model holds rules only
//! in policies).

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::links::Linked;
use super::values::{flag, ipv4, prefixes};
use adbflow_model::spec::OneOrMany;
use adbflow_model::{
    Firewall, FirewallAction, FirewallPolicy, FirewallRule, FirewallSku, IpGroup, PortSet, RuleCollection,
    RuleCollectionGroup, RuleCollectionKind, ThreatIntelMode,
};
use std::net::Ipv4Addr;

/// The group classic collections are gathered into; one group keeps Azure's classic order
/// (DNAT, network, application, each by collection priority).
const CLASSIC_GROUP: &str = "classic-rule-collections";

pub(crate) fn ip_group(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<IpGroup>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another IP group is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let Some(prefixes) = prefixes(ctx, &n.get("cidrs"), "the IP group is left out")? else { return Ok(()) };
    ctx.estate.ip_groups.push(IpGroup { name, prefixes, origin: ctx.origin(idx) });
    Ok(())
}

fn threat_intel(ctx: &mut Ctx, node: &Node) -> ThreatIntelMode {
    match ctx.string(node).known().as_deref() {
        Some("Off") => ThreatIntelMode::Off,
        Some("Deny") => ThreatIntelMode::Deny,
        Some("Alert") | None => ThreatIntelMode::Alert,
        Some(other) => {
            ctx.uninterpreted(
                node,
                format!("'{other}' is not a threat intelligence mode; adbflow assumes Alert"),
            );
            ThreatIntelMode::Alert
        }
    }
}

pub(crate) fn policy(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<FirewallPolicy>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another firewall policy is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let dns = n.get("dns").block();
    let dns_proxy = match &dns {
        Some(d) => {
            if let Val::Known(servers) = ctx.strings(&d.get("servers")) {
                if !servers.is_empty() {
                    ctx.uninterpreted(
                        &d.get("servers"),
                        format!(
                            "the DNS proxy forwards to {}; adbflow assumes it answers like Azure DNS",
                            servers.join(", ")
                        ),
                    );
                }
            }
            flag(ctx, &d.get("proxy_enabled"), false)
        }
        None => false,
    };
    let threat_intel_mode = threat_intel(ctx, &n.get("threat_intelligence_mode"));
    let snat_private_ranges = match ctx.strings(&n.get("private_ip_ranges")) {
        Val::Known(v) => v,
        Val::Unknown => {
            ctx.uninterpreted(
                &n.get("private_ip_ranges"),
                "known only after apply; adbflow assumes IANAPrivateRanges",
            );
            Vec::new()
        }
        Val::Absent => Vec::new(),
    };
    ctx.estate.firewall_policies.push(FirewallPolicy {
        name,
        parent: None,
        dns_proxy,
        threat_intel_mode,
        snat_private_ranges,
        rule_collection_groups: Vec::new(),
        origin: ctx.origin(idx),
    });
    Ok(())
}

/// Second pass over policies: a parent may be written after its child.
pub(crate) fn policy_parent(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let parent = ctx.link(
        idx,
        &n.get("base_policy_id"),
        &kinds::FIREWALL_POLICY,
        "its rules are not inherited by this policy",
    );
    if let (Some(parent), Some(p)) = (parent, ctx.element_mut::<FirewallPolicy>(&name)) {
        p.parent = Some(parent);
    }
    Ok(())
}

pub(crate) fn rule_collection_group(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let Some(policy) =
        ctx.link(idx, &n.get("firewall_policy_id"), &kinds::FIREWALL_POLICY, "the group is left out")
    else {
        return Ok(());
    };
    let Some(priority) = priority(ctx, &n.get("priority"), &name)? else { return Ok(()) };
    let mut rule_collections = Vec::new();
    for (block, kind) in [
        ("nat_rule_collection", RuleCollectionKind::Dnat),
        ("network_rule_collection", RuleCollectionKind::Network),
        ("application_rule_collection", RuleCollectionKind::Application),
    ] {
        if let Val::Known(cols) = n.get(block).items() {
            for c in cols {
                rule_collections.extend(collection(ctx, idx, &c, kind)?);
            }
        }
    }
    let origin = ctx.origin(idx);
    if let Some(p) = ctx.element_mut::<FirewallPolicy>(&policy) {
        if p.rule_collection_groups.iter().any(|g| g.name == name) {
            let msg = format!(
                "policy '{policy}' already has a rule collection group named '{name}'; this one is left out"
            );
            ctx.warn("terraform-duplicate-name", idx, msg);
            return Ok(());
        }
        p.rule_collection_groups.push(RuleCollectionGroup { name, priority, rule_collections, origin });
    }
    Ok(())
}

fn priority(ctx: &mut Ctx, node: &Node, what: &str) -> Result<Option<u32>, TerraformError> {
    match ctx.number(node) {
        Val::Known(p) => Ok(Some(u32::try_from(p).map_err(|_| ctx.error(node, "priority out of range"))?)),
        _ => {
            ctx.warn_attr(
                "terraform-rule-left-out",
                node,
                format!("no known priority; '{what}' is left out"),
            );
            Ok(None)
        }
    }
}

fn action(ctx: &mut Ctx, node: &Node, kind: RuleCollectionKind) -> Result<FirewallAction, TerraformError> {
    match ctx.string(node).known() {
        Some(a) if a.eq_ignore_ascii_case("allow") => Ok(FirewallAction::Allow),
        Some(a) if a.eq_ignore_ascii_case("deny") => Ok(FirewallAction::Deny),
        Some(a) if a.eq_ignore_ascii_case("dnat") => Ok(FirewallAction::Dnat),
        None if kind == RuleCollectionKind::Dnat => Ok(FirewallAction::Dnat),
        other => Err(ctx.error(node, format!("expected Allow, Deny or Dnat, found {other:?}"))),
    }
}

/// One rule collection, policy style (`rule` blocks) or classic style (same shape, classic
/// attribute names); both are read by the same field names where they agree.
fn collection(
    ctx: &mut Ctx,
    idx: usize,
    c: &Node,
    kind: RuleCollectionKind,
) -> Result<Option<RuleCollection>, TerraformError> {
    let Some(name) = ctx.required_string(&c.get("name"), "the rule collection is left out") else {
        return Ok(None);
    };
    let Some(priority) = priority(ctx, &c.get("priority"), &name)? else { return Ok(None) };
    let action = action(ctx, &c.get("action"), kind)?;
    let mut rules = Vec::new();
    if let Val::Known(rs) = c.get("rule").items() {
        for r in rs {
            rules.extend(fw_rule(ctx, idx, &r, kind)?);
        }
    }
    Ok(Some(RuleCollection { name, priority, kind, action, rules, origin: ctx.origin(idx) }))
}

fn list(ctx: &mut Ctx, node: &Node) -> Vec<String> {
    match ctx.strings(node) {
        Val::Known(v) => v,
        Val::Unknown => {
            ctx.uninterpreted(node, "known only after apply; the rule is read without it");
            Vec::new()
        }
        Val::Absent => Vec::new(),
    }
}

fn ip_groups(ctx: &mut Ctx, idx: usize, node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for l in ctx.link_all(idx, node, &kinds::IP_GROUP) {
        match l {
            Linked::Local(g) => out.push(g),
            Linked::Outside(g) => {
                ctx.outside(node, &kinds::IP_GROUP, &g, "the rule does not match its addresses")
            }
        }
    }
    out
}

fn fw_rule(
    ctx: &mut Ctx,
    idx: usize,
    r: &Node,
    kind: RuleCollectionKind,
) -> Result<Option<FirewallRule>, TerraformError> {
    let Some(name) = ctx.required_string(&r.get("name"), "the firewall rule is left out") else {
        return Ok(None);
    };
    let mut rule = FirewallRule {
        name,
        source_addresses: list(ctx, &r.get("source_addresses")),
        source_ip_groups: ip_groups(ctx, idx, &r.get("source_ip_groups")),
        protocols: Vec::new(),
        destination_addresses: list(ctx, &r.get("destination_addresses")),
        destination_ip_groups: ip_groups(ctx, idx, &r.get("destination_ip_groups")),
        destination_fqdns: Vec::new(),
        destination_ports: None,
        target_fqdns: Vec::new(),
        fqdn_tags: Vec::new(),
        translated_address: None,
        translated_port: None,
        origin: ctx.origin(idx),
    };
    let ports_node = r.get("destination_ports");
    let ports = list(ctx, &ports_node);
    if !ports.is_empty() {
        rule.destination_ports =
            Some(PortSet::try_from(OneOrMany::Many(ports)).map_err(|e| ctx.error(&ports_node, e))?);
    }
    match kind {
        RuleCollectionKind::Application => {
            // Policy rules: `protocols { type, port }`; classic rules: `protocol { type, port }`.
            for key in ["protocols", "protocol"] {
                if let Val::Known(ps) = r.get(key).items() {
                    for p in ps {
                        let t = ctx.string(&p.get("type")).known().unwrap_or_default();
                        let port = ctx.number(&p.get("port")).known();
                        match port {
                            Some(port) => rule.protocols.push(format!("{t}:{port}")),
                            None => rule.protocols.push(t),
                        }
                    }
                }
            }
            rule.target_fqdns = list(ctx, &r.get("destination_fqdns"));
            rule.target_fqdns.extend(list(ctx, &r.get("target_fqdns")));
            rule.fqdn_tags = list(ctx, &r.get("destination_fqdn_tags"));
            rule.fqdn_tags.extend(list(ctx, &r.get("fqdn_tags")));
            for unsupported in ["destination_urls", "web_categories"] {
                let node = r.get(unsupported);
                let v = list(ctx, &node);
                if !v.is_empty() {
                    ctx.uninterpreted(
                        &node,
                        format!(
                            "{} is not evaluated by adbflow; the rule matches by FQDN only",
                            v.join(", ")
                        ),
                    );
                }
            }
        }
        RuleCollectionKind::Network | RuleCollectionKind::Dnat => {
            rule.protocols = list(ctx, &r.get("protocols"));
            rule.destination_fqdns = list(ctx, &r.get("destination_fqdns"));
        }
    }
    if kind == RuleCollectionKind::Dnat {
        if let Val::Known(a) = ctx.string(&r.get("destination_address")) {
            rule.destination_addresses.push(a);
        }
        let tnode = r.get("translated_address");
        rule.translated_address = match ipv4(ctx, &tnode)? {
            Val::Known(ip) => Some(ip),
            _ => None,
        };
        if let Val::Known(f) = ctx.string(&r.get("translated_fqdn")) {
            ctx.uninterpreted(
                &r.get("translated_fqdn"),
                format!("translation to the name {f} is not modelled"),
            );
        }
        let pnode = r.get("translated_port");
        rule.translated_port = match ctx.number(&pnode) {
            Val::Known(p) => {
                Some(u16::try_from(p).map_err(|_| ctx.error(&pnode, format!("{p} is not a port")))?)
            }
            _ => None,
        };
    }
    Ok(Some(rule))
}

pub(crate) fn firewall(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<Firewall>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another firewall is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    if n.get("virtual_hub").block().is_some() {
        ctx.uninterpreted(
            &n.get("virtual_hub"),
            "a Virtual WAN hub firewall is not modelled; the firewall is left out",
        );
        return Ok(());
    }
    let sku = match ctx.string(&n.get("sku_tier")).known().as_deref() {
        Some("Basic") => FirewallSku::Basic,
        Some("Premium") => FirewallSku::Premium,
        _ => FirewallSku::Standard,
    };
    let mut placed: Option<(String, Node)> = None;
    let mut private_ip = None;
    let mut public_ips = Vec::new();
    if let Val::Known(cfgs) = n.get("ip_configuration").items() {
        for c in cfgs {
            if let Some(s) =
                ctx.link(idx, &c.get("subnet_id"), &kinds::SUBNET, "adbflow cannot place the firewall")
            {
                if placed.is_none() {
                    placed = Some((s, c.clone()));
                }
            }
            if let Val::Known(ip) = ipv4(ctx, &c.get("private_ip_address"))? {
                private_ip = private_ip.or(Some(ip));
            }
            let pnode = c.get("public_ip_address_id");
            for l in ctx.link_all(idx, &pnode, &kinds::PUBLIC_IP) {
                match l {
                    Linked::Local(p) => public_ips.push(p),
                    Linked::Outside(p) => {
                        ctx.outside(&pnode, &kinds::PUBLIC_IP, &p, "its address is not modelled")
                    }
                }
            }
        }
    }
    let Some((subnet, cfg)) = placed else {
        ctx.warn_attr(
            "terraform-link-unresolved",
            &n.get("ip_configuration"),
            "no subnet in this input holds the firewall; the firewall is left out",
        );
        return Ok(());
    };
    let vnet = subnet.split_once('/').map(|(v, _)| v.to_string()).unwrap_or_default();
    let private_ip = match private_ip {
        Some(ip) => ip,
        None => {
            let Some(prefix) = ctx.estate.subnet(&subnet).map(|s| s.subnet.prefix) else { return Ok(()) };
            // Azure gives the firewall the first address it does not reserve (.4) of its subnet.
            let ip = u32::from(prefix.0.network())
                .checked_add(4)
                .map(Ipv4Addr::from)
                .filter(|ip| prefix.0.contains(ip));
            let Some(ip) = ip else {
                ctx.warn_attr(
                    "terraform-required-value-unknown",
                    &cfg.get("private_ip_address"),
                    format!("known only after apply, and {subnet} ({prefix}) is too small to tell; the firewall is left out"),
                );
                return Ok(());
            };
            ctx.warn_attr(
                "terraform-inferred-value",
                &cfg.get("private_ip_address"),
                format!("known only after apply; adbflow assumes {ip}, the first address Azure assigns in {subnet} ({prefix})"),
            );
            ip
        }
    };
    let policy = ctx.link(
        idx,
        &n.get("firewall_policy_id"),
        &kinds::FIREWALL_POLICY,
        "the firewall has no rules in adbflow's view",
    );
    ctx.estate.firewalls.push(Firewall {
        name: name.clone(),
        vnet,
        sku,
        private_ip,
        public_ips,
        policy: policy.clone(),
        origin: ctx.origin(idx),
    });
    if policy.is_none() && matches!(ctx.boolean(&n.get("dns_proxy_enabled")), Val::Known(true)) {
        implicit_policy(ctx, idx);
    }
    Ok(())
}

/// The policy classic settings and rule collections of firewall `fw` are carried in, created once.
fn implicit_policy(ctx: &mut Ctx, fw: usize) -> String {
    let name = ctx.name(fw);
    if ctx.holds::<FirewallPolicy>(&name) {
        return name;
    }
    let n = ctx.node(fw);
    let dns_proxy = flag(ctx, &n.get("dns_proxy_enabled"), false);
    let threat_intel_mode = threat_intel(ctx, &n.get("threat_intel_mode"));
    ctx.estate.firewall_policies.push(FirewallPolicy {
        name: name.clone(),
        parent: None,
        dns_proxy,
        threat_intel_mode,
        snat_private_ranges: Vec::new(),
        rule_collection_groups: Vec::new(),
        origin: ctx.origin(fw),
    });
    if let Some(f) = ctx.element_mut::<Firewall>(&name) {
        f.policy = Some(name.clone());
    }
    ctx.warn(
        "terraform-classic-firewall-rules",
        fw,
        format!("the firewall uses classic settings or rule collections; adbflow converts them into a firewall policy named '{name}'"),
    );
    name
}

/// `azurerm_firewall_{network,application,nat}_rule_collection`.
pub(crate) fn classic_collection(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let kind = match ctx.inst(idx).rtype.as_str() {
        "azurerm_firewall_application_rule_collection" => RuleCollectionKind::Application,
        "azurerm_firewall_nat_rule_collection" => RuleCollectionKind::Dnat,
        _ => RuleCollectionKind::Network,
    };
    let fw_node = n.get("azure_firewall_name");
    let Some(fw_name) = ctx.name_ref(idx, &fw_node, kinds::FIREWALL.tf) else {
        ctx.warn_attr("terraform-link-unresolved", &fw_node, "no firewall named; the collection is left out");
        return Ok(());
    };
    let fw_idx = (0..ctx.doc.instances.len())
        .find(|&i| ctx.inst(i).rtype == "azurerm_firewall" && !ctx.inst(i).data && ctx.name(i) == fw_name);
    let Some(fw_idx) = fw_idx.filter(|_| ctx.holds::<Firewall>(&fw_name)) else {
        ctx.outside(&fw_node, &kinds::FIREWALL, &fw_name, "the collection is left out");
        return Ok(());
    };
    let own_policy = ctx.estate.firewall(&fw_name).and_then(|f| f.policy.clone());
    if let Some(p) = own_policy.filter(|p| *p != fw_name) {
        let msg = format!("firewall '{fw_name}' uses policy '{p}'; Azure does not apply classic rule collections then, so this one is left out");
        ctx.warn("terraform-classic-firewall-rules", idx, msg);
        return Ok(());
    }
    let Some(col) = collection(ctx, idx, &n, kind)? else { return Ok(()) };
    let policy = implicit_policy(ctx, fw_idx);
    let origin = ctx.origin(idx);
    if let Some(p) = ctx.element_mut::<FirewallPolicy>(&policy) {
        if !p.rule_collection_groups.iter().any(|g| g.name == CLASSIC_GROUP) {
            p.rule_collection_groups.push(RuleCollectionGroup {
                name: CLASSIC_GROUP.into(),
                priority: 100,
                rule_collections: Vec::new(),
                origin,
            });
        }
        if let Some(g) = p.rule_collection_groups.iter_mut().find(|g| g.name == CLASSIC_GROUP) {
            g.rule_collections.push(col);
        }
    }
    Ok(())
}
