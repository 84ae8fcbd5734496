//! Azure Databricks workspaces (`azurerm_databricks_workspace` with `custom_parameters`) and the
//! `databricks` provider resources that add flows or restrictions: the metastore's root storage,
//! external locations, IP access lists and their `enableIpAccessLists` switch.
//!
//! Settings no Terraform resource carries (where users sit, the library repositories) come from
//! the workspace's `adbflow-*` tags ([`tags`]).
//!
//! A `databricks_*` resource belongs to the workspace its provider block points at (`host` or
//! `azure_workspace_resource_id` referring to the workspace); with a single workspace in the input
//! that one is meant.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::values::{flag, is_ipv6};
use adbflow_model::spec::parse_prefix;
use adbflow_model::{
    ExternalLocation, IpAccessList, IpAccessListType, Prefix, PublicNetworkAccess, RequiredNsgRules,
    StorageAccount, Workspace, WorkspaceSku,
};
use serde_json::Value;

mod tags;

pub(crate) fn workspace(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<Workspace>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another workspace is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let Some(cp) = n.get("custom_parameters").block() else {
        ctx.warn(
            "terraform-not-modelled",
            idx,
            "the workspace has no custom_parameters: Databricks manages its VNet, which adbflow does not model; the workspace is left out",
        );
        return Ok(());
    };
    let Some(vnet) = ctx.link(idx, &cp.get("virtual_network_id"), &kinds::VNET, "the workspace is left out")
    else {
        if matches!(cp.get("virtual_network_id").raw(), Val::Absent) {
            ctx.warn_attr(
                "terraform-not-modelled",
                &cp.get("virtual_network_id"),
                "not set: the workspace uses a Databricks-managed VNet, which adbflow does not model; the workspace is left out",
            );
        }
        return Ok(());
    };
    let host = subnet_name(ctx, idx, &cp.get("public_subnet_name"), &vnet);
    let container = subnet_name(ctx, idx, &cp.get("private_subnet_name"), &vnet);
    let (Some(host_subnet), Some(container_subnet)) = (host, container) else { return Ok(()) };
    let sku = match ctx.string(&n.get("sku")).known().map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("standard") => WorkspaceSku::Standard,
        Some("trial") => WorkspaceSku::Trial,
        _ => WorkspaceSku::Premium,
    };
    let rnode = n.get("network_security_group_rules_required");
    let required_nsg_rules = match ctx.string(&rnode).known().as_deref() {
        Some("NoAzureDatabricksRules") => RequiredNsgRules::NoAzureDatabricksRules,
        Some("AllRules") | None => RequiredNsgRules::AllRules,
        Some(other) => {
            ctx.uninterpreted(&rnode, format!("'{other}' is not modelled; adbflow assumes AllRules"));
            RequiredNsgRules::AllRules
        }
    };
    let public = flag(ctx, &n.get("public_network_access_enabled"), true);
    let no_public_ip = flag(ctx, &cp.get("no_public_ip"), true);
    let workspace_url = ctx.string(&n.get("workspace_url")).known();
    let settings = tags::read(ctx, idx)?;
    let dbfs_storage_account = ctx.string(&cp.get("storage_account_name")).known();
    let region = ctx.location(idx);
    let origin = ctx.origin(idx);
    if let Some(dbfs) = &dbfs_storage_account {
        assume_dbfs_account(ctx, idx, dbfs, region.clone());
    }
    ctx.estate.workspaces.push(Workspace {
        name,
        region,
        sku,
        vnet,
        host_subnet,
        container_subnet,
        no_public_ip,
        public_network_access: if public {
            PublicNetworkAccess::Enabled
        } else {
            PublicNetworkAccess::Disabled
        },
        required_nsg_rules,
        workspace_url,
        dbfs_storage_account,
        metastore_storage_account: None,
        external_locations: Vec::new(),
        hive_metastore: true,
        libraries: settings.libraries,
        ip_access_lists: Vec::new(),
        user_subnet: settings.user_subnet,
        user_public_ip: None,
        origin,
    });
    Ok(())
}

/// The DBFS root account `storage_account_name` names is created by Databricks in the workspace's
/// managed resource group, so no Terraform resource describes it; without it the workspace would
/// name an account the estate lacks. It is added with the settings Databricks creates it with
/// (hierarchical namespace, public network access, no firewall rules), and the assumption is said.
fn assume_dbfs_account(ctx: &mut Ctx, idx: usize, name: &str, region: Option<String>) {
    if ctx.holds::<StorageAccount>(name) {
        return;
    }
    ctx.warn(
        "terraform-assumed-value",
        idx,
        format!(
            "custom_parameters.storage_account_name: DBFS root account '{name}' is created by Databricks, not by this input; adbflow assumes Databricks' defaults (hierarchical namespace, public network access, no firewall rules)"
        ),
    );
    let origin = ctx.origin(idx);
    ctx.estate.storage_accounts.push(StorageAccount::assumed_dbfs_root(name.to_string(), region, origin));
}

/// The DBFS root account of workspace instance `idx`: `custom_parameters.storage_account_name`,
/// or, when that is not set or known only after apply, the account the check assumes for a
/// workspace without one ([`adbflow_model::workspace::default_dbfs_account`]).
pub(crate) fn dbfs_account_name(ctx: &mut Ctx, idx: usize) -> String {
    let cp = ctx.node(idx).get("custom_parameters").block();
    if let Some(Val::Known(name)) = cp.map(|cp| ctx.string(&cp.get("storage_account_name"))) {
        return name;
    }
    adbflow_model::workspace::default_dbfs_account(&ctx.name(idx))
}

/// `public_subnet_name`/`private_subnet_name`: a subnet of the workspace's VNet.
fn subnet_name(ctx: &mut Ctx, idx: usize, node: &Node, vnet: &str) -> Option<String> {
    let Some(name) = ctx.name_ref(idx, node, kinds::SUBNET.tf) else {
        ctx.warn_attr("terraform-required-value-missing", node, "no subnet named; the workspace is left out");
        return None;
    };
    if !ctx.holds_subnet(&format!("{vnet}/{name}")) {
        ctx.warn_attr(
            "terraform-link-outside-input",
            node,
            format!(
                "virtual network '{vnet}' in this input has no subnet '{name}'; the workspace is left out"
            ),
        );
        return None;
    }
    Some(name)
}

/// The workspace a `databricks_*` resource is managed in.
fn workspace_of(ctx: &mut Ctx, idx: usize) -> Option<String> {
    let doc = ctx.doc;
    let inst = ctx.inst(idx);
    let key = doc
        .config
        .get(&super::address::config_path(&inst.module))
        .and_then(|m| m.resources.get(&inst.config_key()))
        .and_then(|r| r.get("provider_config_key"))
        .and_then(Value::as_str);
    if let Some(pc) = key.and_then(|k| doc.provider_config.get(k)) {
        let module = pc.get("module_address").and_then(Value::as_str).unwrap_or_default();
        let mut found = Vec::new();
        for attr in ["host", "azure_workspace_resource_id"] {
            if let Some(e) = pc.get("expressions").and_then(|x| x.get(attr)) {
                for t in ctx.refs.targets_in(module, e) {
                    if ctx.inst(t).rtype == "azurerm_databricks_workspace" && !found.contains(&t) {
                        found.push(t);
                    }
                }
            }
        }
        if let [one] = found.as_slice() {
            let name = ctx.name(*one);
            return ctx.holds::<Workspace>(&name).then_some(name);
        }
    }
    match ctx.estate.workspaces.as_slice() {
        [one] => Some(one.name.clone()),
        _ => {
            ctx.warn(
                "terraform-link-unresolved",
                idx,
                "adbflow cannot tell which workspace this belongs to (its provider block does not refer to one workspace in this input); it is left out",
            );
            None
        }
    }
}

/// The account in `abfss://container@account.dfs.core.windows.net/…` or `https://account.blob…`.
fn storage_account_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split('/').next()?;
    let host = host.rsplit('@').next()?;
    let account = host.split('.').next()?;
    (host.contains(".core.") && !account.is_empty()).then(|| account.to_ascii_lowercase())
}

pub(crate) fn metastore(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let snode = n.get("storage_root");
    let account = match ctx.string(&snode) {
        Val::Known(url) => match storage_account_of(&url) {
            Some(a) => a,
            None => {
                ctx.uninterpreted(&snode, format!("'{url}' names no Azure storage account"));
                return Ok(());
            }
        },
        Val::Unknown => {
            ctx.uninterpreted(&snode, "known only after apply; the metastore's storage is not modelled");
            return Ok(());
        }
        Val::Absent => return Ok(()),
    };
    // Metastores are account-level; `databricks_metastore_assignment` says which workspaces use it.
    let mut targets = Vec::new();
    let doc = ctx.doc;
    for a in ctx.instances_of("databricks_metastore_assignment").to_vec() {
        if doc.instances[a].data {
            continue;
        }
        let mnode = ctx.node(a).get("metastore_id");
        let to_me = match ctx.string(&mnode) {
            Val::Known(id) => ctx.string(&n.get("id")).known().as_deref() == Some(id.as_str()),
            _ => ctx.refs.targets(a, &mnode).contains(&idx),
        };
        if !to_me {
            continue;
        }
        let wnode = ctx.node(a).get("workspace_id");
        let ws = match ctx.string(&wnode) {
            Val::Known(id) => ctx.instances_of("azurerm_databricks_workspace").iter().copied().find(|&w| {
                doc.instances[w]
                    .values
                    .get("workspace_id")
                    .map(|v| v.to_string().trim_matches('"').to_string())
                    == Some(id.clone())
            }),
            _ => ctx
                .refs
                .targets(a, &wnode)
                .into_iter()
                .find(|&w| doc.instances[w].rtype == "azurerm_databricks_workspace"),
        };
        if let Some(w) = ws {
            targets.push(ctx.name(w));
        }
    }
    if targets.is_empty() {
        targets.extend(workspace_of(ctx, idx));
    }
    for t in targets {
        if let Some(w) = ctx.element_mut::<Workspace>(&t) {
            w.metastore_storage_account = Some(account.clone());
        }
    }
    Ok(())
}

pub(crate) fn external_location(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx
        .string(&n.get("name"))
        .known()
        .unwrap_or_else(|| super::context::stand_in(&ctx.inst(idx).address));
    let unode = n.get("url");
    let account = match ctx.string(&unode) {
        Val::Known(url) => storage_account_of(&url),
        _ => None,
    };
    let Some(storage_account) = account else {
        ctx.uninterpreted(
            &unode,
            "names no Azure storage account adbflow can read; the external location is left out",
        );
        return Ok(());
    };
    let Some(ws) = workspace_of(ctx, idx) else { return Ok(()) };
    let origin = ctx.origin(idx);
    if let Some(w) = ctx.element_mut::<Workspace>(&ws) {
        w.external_locations.push(ExternalLocation { name, storage_account, origin });
    }
    Ok(())
}

pub(crate) fn ip_access_list(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx
        .string(&n.get("label"))
        .known()
        .unwrap_or_else(|| super::context::stand_in(&ctx.inst(idx).address));
    let tnode = n.get("list_type");
    let list_type = match ctx.string(&tnode).known().map(|s| s.to_ascii_uppercase()).as_deref() {
        Some("ALLOW") => IpAccessListType::Allow,
        Some("BLOCK") => IpAccessListType::Block,
        other => return Err(ctx.error(&tnode, format!("expected ALLOW or BLOCK, found {other:?}"))),
    };
    let anode = n.get("ip_addresses");
    let mut ip_addresses = Vec::new();
    match ctx.strings(&anode) {
        Val::Known(v) => {
            for s in v {
                if is_ipv6(&s) {
                    ctx.uninterpreted(
                        &anode,
                        format!("'{s}' is IPv6; adbflow models IPv4, so it is left out"),
                    );
                    continue;
                }
                ip_addresses.push(Prefix(parse_prefix(&s).map_err(|e| ctx.error(&anode, e))?));
            }
        }
        _ => {
            ctx.uninterpreted(&anode, "known only after apply; the list is left out");
            return Ok(());
        }
    }
    let enabled = flag(ctx, &n.get("enabled"), true);
    let Some(ws) = workspace_of(ctx, idx) else { return Ok(()) };
    let has_conf = !ctx.instances_of("databricks_workspace_conf").is_empty();
    if !has_conf {
        ctx.warn(
            "terraform-assumed-value",
            idx,
            "IP access lists apply only when the workspace setting enableIpAccessLists is true; no databricks_workspace_conf in this input sets it, so adbflow assumes it is on",
        );
    }
    let origin = ctx.origin(idx);
    if let Some(w) = ctx.element_mut::<Workspace>(&ws) {
        w.ip_access_lists.push(IpAccessList { name, list_type, ip_addresses, enabled, origin });
    }
    Ok(())
}

/// `custom_config.enableIpAccessLists = "false"` switches every list of the workspace off.
pub(crate) fn workspace_conf(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let cnode = n.get("custom_config").get("enableIpAccessLists");
    let on = match ctx.string(&cnode) {
        Val::Known(v) => v.eq_ignore_ascii_case("true"),
        Val::Unknown => {
            ctx.uninterpreted(&cnode, "known only after apply; adbflow assumes IP access lists are on");
            true
        }
        Val::Absent => return Ok(()),
    };
    if on {
        return Ok(());
    }
    let Some(ws) = workspace_of(ctx, idx) else { return Ok(()) };
    if let Some(w) = ctx.element_mut::<Workspace>(&ws) {
        for l in &mut w.ip_access_lists {
            l.enabled = false;
        }
    }
    Ok(())
}

/// Resources that shape serverless networking, which adbflow does not model yet.
pub(crate) fn not_modelled(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let t = ctx.inst(idx).rtype.clone();
    ctx.warn(
        "terraform-not-modelled",
        idx,
        format!("{t}: serverless network connectivity is not modelled yet; classic compute is unaffected"),
    );
    Ok(())
}

/// `databricks_metastore_assignment` is read by `metastore`; nothing of its own to map.
pub(crate) fn consumed(_ctx: &mut Ctx, _idx: usize) -> Result<(), TerraformError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::storage_account_of;

    #[test]
    fn storage_urls_name_their_account() {
        assert_eq!(
            storage_account_of("abfss://uc@adbucmetastore.dfs.core.windows.net/root").as_deref(),
            Some("adbucmetastore")
        );
        assert_eq!(storage_account_of("https://Lake.blob.core.windows.net/c").as_deref(), Some("lake"));
        assert_eq!(storage_account_of("s3://bucket/path"), None);
    }
}
