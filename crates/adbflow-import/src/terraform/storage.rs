//! Storage accounts and their firewall (inline `network_rules` or
//! `azurerm_storage_account_network_rules`), and service endpoint storage policies.
//!
//! Accounts are created early (policies and private endpoints name them); their network rules are
//! read in a later pass, once the subnets their virtual-network rules name exist.

use super::attrs::{Node, Val};
use super::context::Ctx;
use super::error::TerraformError;
use super::kinds;
use super::links::Linked;
use super::values::flag;
use adbflow_model::{DefaultAction, PublicNetworkAccess, ServiceEndpointPolicy, StorageAccount};

pub(crate) fn account(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<StorageAccount>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another storage account is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let public = flag(ctx, &n.get("public_network_access_enabled"), true);
    let region = ctx.location(idx);
    let hns = flag(ctx, &n.get("is_hns_enabled"), false);
    ctx.estate.storage_accounts.push(StorageAccount {
        name,
        region,
        hns,
        public_network_access: if public {
            PublicNetworkAccess::Enabled
        } else {
            PublicNetworkAccess::Disabled
        },
        default_action: DefaultAction::Allow,
        virtual_network_rules: Vec::new(),
        ip_rules: Vec::new(),
        bypass: Vec::new(),
        origin: ctx.origin(idx),
    });
    Ok(())
}

/// The account's inline `network_rules` block.
pub(crate) fn account_rules(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    match n.get("network_rules").items() {
        Val::Known(_) => {
            if let Some(b) = n.get("network_rules").block() {
                apply_rules(ctx, idx, &b, &name);
            }
        }
        Val::Unknown if ctx.configured(idx, &n.get("network_rules")) => ctx.uninterpreted(
            &n.get("network_rules"),
            "known only after apply; adbflow assumes the firewall allows all",
        ),
        Val::Unknown => {}
        Val::Absent => {}
    }
    Ok(())
}

/// `azurerm_storage_account_network_rules`, which replaces the account's inline rules.
pub(crate) fn network_rules(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let Some(account) = ctx.link(
        idx,
        &n.get("storage_account_id"),
        &kinds::STORAGE_ACCOUNT,
        "its network rules are left out",
    ) else {
        return Ok(());
    };
    apply_rules(ctx, idx, &n, &account);
    Ok(())
}

fn apply_rules(ctx: &mut Ctx, idx: usize, r: &Node, account: &str) {
    let anode = r.get("default_action");
    let default_action = match ctx.string(&anode).known().as_deref() {
        Some(a) if a.eq_ignore_ascii_case("deny") => DefaultAction::Deny,
        Some(a) if a.eq_ignore_ascii_case("allow") => DefaultAction::Allow,
        Some(other) => {
            ctx.uninterpreted(&anode, format!("'{other}' is neither Allow nor Deny; adbflow assumes Allow"));
            DefaultAction::Allow
        }
        None => DefaultAction::Allow,
    };
    let bypass: Vec<String> = match ctx.strings(&r.get("bypass")) {
        Val::Known(v) => v.into_iter().filter(|b| b != "None").collect(),
        _ => Vec::new(),
    };
    let ip_rules = match ctx.strings(&r.get("ip_rules")) {
        Val::Known(v) => v,
        Val::Unknown => {
            ctx.uninterpreted(&r.get("ip_rules"), "known only after apply; no IP rules assumed");
            Vec::new()
        }
        Val::Absent => Vec::new(),
    };
    let snode = r.get("virtual_network_subnet_ids");
    let mut virtual_network_rules = Vec::new();
    for l in ctx.link_all(idx, &snode, &kinds::SUBNET) {
        match l {
            Linked::Local(s) => virtual_network_rules.push(s),
            Linked::Outside(s) => {
                ctx.outside(&snode, &kinds::SUBNET, &s, "the rule admits no subnet adbflow models")
            }
        }
    }
    if let Val::Known(pla) = r.get("private_link_access").items() {
        if !pla.is_empty() {
            ctx.uninterpreted(
                &r.get("private_link_access"),
                "resource instance rules are not modelled; traffic they admit is judged by the other rules",
            );
        }
    }
    if let Some(a) = ctx.element_mut::<StorageAccount>(account) {
        a.default_action = default_action;
        a.bypass = bypass;
        a.ip_rules = ip_rules;
        a.virtual_network_rules = virtual_network_rules;
    }
}

/// `azurerm_subnet_service_endpoint_storage_policy`: the storage accounts (by ID) and aliases
/// (`/services/Azure/Databricks`) its definitions allow.
pub(crate) fn service_endpoint_policy(ctx: &mut Ctx, idx: usize) -> Result<(), TerraformError> {
    let n = ctx.node(idx);
    let name = ctx.name(idx);
    if ctx.holds::<ServiceEndpointPolicy>(&name) {
        ctx.warn(
            "terraform-duplicate-name",
            idx,
            format!("another service endpoint policy is also named '{name}'; this one is left out"),
        );
        return Ok(());
    }
    let mut policy = ServiceEndpointPolicy {
        name,
        allowed_storage_accounts: Vec::new(),
        allowed_aliases: Vec::new(),
        origin: ctx.origin(idx),
    };
    if let Val::Known(defs) = n.get("definition").items() {
        for d in defs {
            if let Val::Known(service) = ctx.string(&d.get("service")) {
                if service != "Microsoft.Storage" {
                    ctx.uninterpreted(
                        &d.get("service"),
                        format!("'{service}' definitions are not modelled; only Microsoft.Storage"),
                    );
                    continue;
                }
            }
            let rnode = d.get("service_resources");
            let items = match rnode.items() {
                Val::Known(items) => items,
                _ => {
                    ctx.uninterpreted(
                        &rnode,
                        "known only after apply; the definition allows nothing in adbflow's view",
                    );
                    continue;
                }
            };
            for item in items {
                match ctx.string(&item) {
                    Val::Known(s) if s.starts_with("/services/") => policy.allowed_aliases.push(s),
                    Val::Known(s) if !s.to_ascii_lowercase().contains("/providers/") => ctx.uninterpreted(
                        &item,
                        format!("'{s}' allows a whole subscription or resource group; adbflow matches accounts by name and leaves it out"),
                    ),
                    _ => {
                        for l in ctx.link_all(idx, &item, &kinds::STORAGE_ACCOUNT) {
                            // The policy names accounts; one outside the input is still a name it allows.
                            let (Linked::Local(a) | Linked::Outside(a)) = l;
                            if !policy.allowed_storage_accounts.contains(&a) {
                                policy.allowed_storage_accounts.push(a);
                            }
                        }
                    }
                }
            }
        }
    }
    ctx.estate.service_endpoint_policies.push(policy);
    Ok(())
}
