//! Private DNS zones (records, VNet links) and private endpoints, including the records a
//! private endpoint's `private_dns_zone_group` makes Azure write into the zones it names.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::links::Linked;
use super::values::{flag, ipv4, ipv4_list};
use super::workspace;
use adbflow_model::{
    ConnectionState, DnsRecord, DnsZoneLink, PrivateDnsZone, PrivateEndpoint, ResolutionPolicy,
    StorageAccount, Workspace,
};
use std::net::Ipv4Addr;

pub(crate) fn zone(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let name = ctx.name(idx);
    if ctx.holds::<PrivateDnsZone>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another private DNS zone is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    ctx.estate.private_dns_zones.push(PrivateDnsZone {
        name,
        records: Vec::new(),
        links: Vec::new(),
        origin: ctx.origin(idx),
    });
    Ok(())
}

/// The zone a `zone_name`/`private_dns_zone_name` attribute names, if the estate holds it.
fn zone_named(ctx: &mut Ctx, idx: usize, node: &Node, consequence: &str) -> Option<String> {
    let zone = ctx.name_ref(idx, node, kinds::DNS_ZONE.tf)?;
    if !ctx.holds::<PrivateDnsZone>(&zone) {
        ctx.outside(node, &kinds::DNS_ZONE, &zone, consequence);
        return None;
    }
    Some(zone)
}

pub(crate) fn zone_link(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(zone) = zone_named(ctx, idx, &n.get("private_dns_zone_name"), "the link is left out") else {
        return Ok(());
    };
    let Some(vnet) = ctx.link(idx, &n.get("virtual_network_id"), &kinds::VNET, "the link is left out") else {
        return Ok(());
    };
    let pnode = n.get("resolution_policy");
    let resolution_policy = match ctx.string(&pnode).known().as_deref() {
        Some("NxDomainRedirect") => ResolutionPolicy::NxDomainRedirect,
        Some("Default") | None => ResolutionPolicy::Default,
        Some(other) => {
            ctx.uninterpreted(
                &pnode,
                format!("'{other}' is not a resolution policy; adbflow assumes Default"),
            );
            ResolutionPolicy::Default
        }
    };
    let link = DnsZoneLink {
        vnet,
        registration_enabled: flag(ctx, &n.get("registration_enabled"), false),
        resolution_policy,
        origin: ctx.origin(idx),
    };
    if let Some(z) = ctx.element_mut::<PrivateDnsZone>(&zone) {
        z.links.push(link);
    }
    Ok(())
}

pub(crate) fn a_record(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(zone) = zone_named(ctx, idx, &n.get("zone_name"), "the record is left out") else {
        return Ok(());
    };
    let name = ctx.name(idx);
    // Addresses assigned at apply (a private endpoint's IP) stay unknown: an empty list.
    let ips = ipv4_list(ctx, &n.get("records"))?.known().unwrap_or_default();
    let origin = ctx.origin(idx);
    add_record(ctx, &zone, &name, ips, origin);
    Ok(())
}

fn add_record(
    ctx: &mut Ctx,
    zone: &str,
    name: &str,
    ips: Vec<Ipv4Addr>,
    origin: Option<adbflow_model::Origin>,
) {
    let Some(z) = ctx.element_mut::<PrivateDnsZone>(zone) else { return };
    match z.records.iter_mut().find(|r| r.name.eq_ignore_ascii_case(name)) {
        Some(r) => {
            for ip in ips {
                if !r.ips.contains(&ip) {
                    r.ips.push(ip);
                }
            }
        }
        None => z.records.push(DnsRecord { name: name.to_string(), ips, origin }),
    }
}

pub(crate) fn cname_record(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    let zone = ctx.string(&n.get("zone_name")).known().unwrap_or_else(|| "(zone known after apply)".into());
    let target = ctx.string(&n.get("record")).known().unwrap_or_else(|| "(known after apply)".into());
    ctx.warn(
        "terraform-cname-not-modelled",
        idx,
        format!("CNAME records are not modelled yet: {name}.{zone} → {target} is left out, so names under it resolve as if it did not exist"),
    );
    Ok(())
}

/// The privatelink zone Azure registers a sub-resource's name in, for the sub-resources adbflow
/// knows; others are registered in every zone the group names.
fn expected_zone(subresource: &str) -> Option<&'static str> {
    Some(match subresource.to_ascii_lowercase().as_str() {
        "blob" | "blob_secondary" => "privatelink.blob.core.windows.net",
        "dfs" | "dfs_secondary" => "privatelink.dfs.core.windows.net",
        "file" => "privatelink.file.core.windows.net",
        "queue" => "privatelink.queue.core.windows.net",
        "table" => "privatelink.table.core.windows.net",
        "web" => "privatelink.web.core.windows.net",
        "databricks_ui_api" | "browser_authentication" => "privatelink.azuredatabricks.net",
        _ => return None,
    })
}

pub(crate) fn private_endpoint(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<PrivateEndpoint>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another private endpoint is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let Some(subnet) = ctx.link(idx, &n.get("subnet_id"), &kinds::SUBNET, "the private endpoint is left out")
    else {
        if matches!(n.get("subnet_id").raw(), Val::Absent) {
            ctx.warn_attr(
                "terraform-required-value-missing",
                &n.get("subnet_id"),
                "not set; the private endpoint is left out",
            );
        }
        return Ok(());
    };
    let psc_node = n.get("private_service_connection");
    let Some(psc) = psc_node.block() else {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &psc_node,
            "no connection; the private endpoint is left out",
        );
        return Ok(());
    };
    let (target, target_inst) = match target(ctx, idx, &psc)? {
        Some(t) => t,
        None => return Ok(()),
    };
    let snode = psc.get("subresource_names");
    let subresources = match ctx.strings(&snode) {
        Val::Known(v) => v,
        _ => Vec::new(),
    };
    let Some(subresource) = subresources.first().cloned() else {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &snode,
            "no sub-resource; the private endpoint is left out",
        );
        return Ok(());
    };
    if subresources.len() > 1 {
        ctx.uninterpreted(
            &snode,
            format!("Azure connects one sub-resource per endpoint; adbflow uses {subresource}"),
        );
    }
    // A static IP is in `ip_configuration`; otherwise Azure assigns one at apply time.
    let mut ip = None;
    if let Val::Known(cfgs) = n.get("ip_configuration").items() {
        for c in cfgs {
            if let Val::Known(a) = ipv4(ctx, &c.get("private_ip_address"))? {
                ip = ip.or(Some(a));
            }
        }
    }
    if ip.is_none() {
        ip = ipv4(ctx, &psc.get("private_ip_address"))?.known();
    }
    let manual = flag(ctx, &psc.get("is_manual_connection"), false);
    if manual {
        ctx.warn_attr(
            "terraform-manual-connection",
            &psc.get("is_manual_connection"),
            "a manual connection waits for the target's owner to approve it; adbflow models it as Pending",
        );
    }
    ctx.estate.private_endpoints.push(PrivateEndpoint {
        name,
        subnet,
        ip,
        target: target.clone(),
        subresource: subresource.clone(),
        connection_state: if manual { ConnectionState::Pending } else { ConnectionState::Approved },
        origin: ctx.origin(idx),
    });
    if let Some(group) = n.get("private_dns_zone_group").block() {
        zone_group(ctx, idx, &group, &target, target_inst, &subresource, ip);
    }
    Ok(())
}

/// The connection's target: the resource in this input it refers to, or the name in its ID.
fn target(ctx: &mut Ctx, idx: usize, psc: &Node) -> Result<Option<(String, Option<usize>)>, TerraformError> {
    let tnode = psc.get("private_connection_resource_id");
    if let Val::Known(alias) = ctx.string(&psc.get("private_connection_resource_alias")) {
        ctx.uninterpreted(
            &psc.get("private_connection_resource_alias"),
            format!("a Private Link service alias ({alias}) names no resource adbflow models; adbflow uses it as the target name"),
        );
        return Ok(Some((alias, None)));
    }
    let (mut local, outside) = ctx.linked_instances(idx, &tnode, &[]);
    // A workspace whose managed resource group the ID is built from is not the target but holds
    // it: the DBFS root account (the only resource there one connects to).
    let groups = managed_group_workspaces(ctx, idx, &tnode);
    local.retain(|i| !groups.contains(i));
    if let [ws] = groups.as_slice() {
        if !local.iter().any(|&i| TARGET_TYPES.contains(&ctx.inst(i).rtype.as_str())) {
            return Ok(Some((workspace::dbfs_account_name(ctx, *ws), None)));
        }
    }
    if local.len() > 1 {
        // The expression may mention other resources too; the target is the one that can have
        // private endpoints of the kinds adbflow models.
        local.retain(|&i| TARGET_TYPES.contains(&ctx.inst(i).rtype.as_str()));
    }
    if let [one] = local.as_slice() {
        return Ok(Some((ctx.name(*one), Some(*one))));
    }
    if local.len() > 1 {
        ctx.warn_attr(
            "terraform-link-ambiguous",
            &tnode,
            "refers to several resources; the private endpoint is left out",
        );
        return Ok(None);
    }
    if let Some(id) = outside.first() {
        let name = id.name().to_string();
        let known = ctx.holds::<StorageAccount>(&name)
            || ctx.estate.endpoints.iter().any(|e| e.resource.as_deref() == Some(&name));
        if !known {
            ctx.warn_attr(
                "terraform-link-outside-input",
                &tnode,
                format!("the target '{name}' is not in this input; adbflow knows it only by name"),
            );
        }
        return Ok(Some((name, None)));
    }
    if !matches!(tnode.raw(), Val::Unknown) {
        ctx.warn_attr(
            "terraform-required-value-missing",
            &tnode,
            "no target resource; the private endpoint is left out",
        );
    }
    Ok(None)
}

/// The workspaces an ID known only after apply is built from by their managed resource group
/// (`"${azurerm_databricks_workspace.this.managed_resource_group_id}/providers/Microsoft.Storage/…"`,
/// or `…/resourceGroups/${….managed_resource_group_name}/…`), as the plan's references say.
fn managed_group_workspaces(ctx: &Ctx, idx: usize, node: &Node) -> Vec<usize> {
    if !node.raw().is_unknown() {
        return Vec::new();
    }
    ctx.refs
        .targets_with_attributes(idx, node)
        .into_iter()
        .filter(|(i, attrs)| {
            let inst = ctx.inst(*i);
            inst.rtype == "azurerm_databricks_workspace"
                && !inst.data
                && attrs
                    .iter()
                    .any(|a| a == "managed_resource_group_id" || a == "managed_resource_group_name")
        })
        .map(|(i, _)| i)
        .collect()
}

/// Resource types adbflow models as private endpoint targets; a reference to anything else (a key
/// vault, a SQL server) still names the target by that resource's Azure name.
const TARGET_TYPES: &[&str] = &["azurerm_storage_account", "azurerm_databricks_workspace"];

fn zone_group(
    ctx: &mut Ctx,
    idx: usize,
    group: &Node,
    target: &str,
    target_inst: Option<usize>,
    subresource: &str,
    ip: Option<Ipv4Addr>,
) {
    let znode = group.get("private_dns_zone_ids");
    let zones: Vec<String> = ctx
        .link_all(idx, &znode, &kinds::DNS_ZONE)
        .into_iter()
        .filter_map(|l| match l {
            Linked::Local(z) => Some(z),
            Linked::Outside(z) => {
                ctx.outside(
                    &znode,
                    &kinds::DNS_ZONE,
                    &z,
                    "Azure writes the endpoint's record there, but adbflow cannot see it",
                );
                None
            }
        })
        .collect();
    let Some(record) = record_name(ctx, &znode, target, target_inst, subresource) else { return };
    for z in zones {
        if let Some(expected) = expected_zone(subresource) {
            if !z.eq_ignore_ascii_case(expected) {
                ctx.warn_attr(
                    "terraform-zone-mismatch",
                    &znode,
                    format!("zone {z} does not serve sub-resource {subresource} (that is {expected}); Azure registers no record there"),
                );
                continue;
            }
        }
        let origin = ctx.origin(idx);
        add_record(ctx, &z, &record, ip.into_iter().collect(), origin);
    }
}

/// The record name Azure writes for the endpoint: the account name for storage, the workspace URL's
/// first labels (`adb-123.4`) for the workspace API, `<region>.pl-auth` for browser authentication.
/// In a plan the workspace URL is known only after apply: the record is then written under the
/// stand-in URL the workspace is called by until it is known (`adb-<name>.0`), marked inferred.
fn record_name(
    ctx: &mut Ctx,
    node: &Node,
    target: &str,
    target_inst: Option<usize>,
    subresource: &str,
) -> Option<String> {
    match subresource {
        "databricks_ui_api" => {
            let url = target_inst.and_then(|t| {
                let n = ctx.node(t).get("workspace_url");
                ctx.string(&n).known()
            });
            if let Some(prefix) = url.as_deref().and_then(|u| u.strip_suffix(DATABRICKS_SUFFIX)) {
                return Some(prefix.to_string());
            }
            match stand_in_url(ctx, target, target_inst) {
                Some((address, stand_in)) => {
                    let record = stand_in.strip_suffix(DATABRICKS_SUFFIX).map(str::to_string);
                    let name = record.as_deref().unwrap_or_default();
                    ctx.warn_attr(
                        "terraform-inferred-value",
                        node,
                        format!("the record name comes from workspace {target}'s URL ({address}.workspace_url), known only after apply; adbflow names the record {name}, after {stand_in}, the stand-in URL the workspace is called by until then"),
                    );
                    record
                }
                None => {
                    ctx.warn_attr(
                        "terraform-value-known-after-apply",
                        node,
                        format!("the record name comes from workspace {target}'s URL, known only after apply; the record is left out"),
                    );
                    None
                }
            }
        }
        "browser_authentication" => {
            let region = target_inst.and_then(|t| ctx.location(t));
            match region {
                Some(r) => Some(format!("{r}.pl-auth")),
                None => {
                    ctx.warn_attr(
                        "terraform-value-known-after-apply",
                        node,
                        format!("the record name needs workspace {target}'s region, which is unknown; the record is left out"),
                    );
                    None
                }
            }
        }
        _ => Some(target.to_string()),
    }
}

/// `.azuredatabricks.net`: the public cloud's workspace domain, whose private-link zone is
/// `privatelink.azuredatabricks.net` (the zone a front-end endpoint's record goes into).
const DATABRICKS_SUFFIX: &str = ".azuredatabricks.net";

/// The address of the workspace a URL-less front-end endpoint targets, and the stand-in URL the
/// workspace is called by until its URL is known: `adb-<name>.0.azuredatabricks.net`, its name
/// lower-cased with every character but letters and digits made `-`
/// ([`adbflow_model::workspace::stand_in_url_label`], shared with the check). `None` when the
/// target is not a workspace in the estate (left out, or not a workspace).
fn stand_in_url(ctx: &mut Ctx, target: &str, target_inst: Option<usize>) -> Option<(String, String)> {
    let inst = ctx.inst(target_inst?);
    if inst.rtype != "azurerm_databricks_workspace" || !ctx.holds::<Workspace>(target) {
        return None;
    }
    let label = adbflow_model::workspace::stand_in_url_label(target);
    Some((inst.address.clone(), format!("{label}{DATABRICKS_SUFFIX}")))
}
