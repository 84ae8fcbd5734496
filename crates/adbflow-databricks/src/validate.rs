//! Workspace checks that Azure or Databricks enforce at deployment (databricks-net-facts §1, §5):
//! errors mean the deployment would be rejected or cannot be evaluated.

use crate::regions::RegionData;
use adbflow_model::{Diagnostic, Lookup, WorkspaceSku};
use std::collections::BTreeMap;

pub const DELEGATION: &str = "Microsoft.Databricks/workspaces";
pub const UI_API: &str = "databricks_ui_api";
pub const BROWSER_AUTH: &str = "browser_authentication";

/// Every workspace finding of the estate `lookup` indexes, sorted.
pub fn validate_workspaces(lookup: &Lookup<'_>, regions: &RegionData) -> Vec<Diagnostic> {
    let estate = lookup.estate();
    let mut out = Vec::new();
    let mut names = BTreeMap::new();
    let mut subnet_owner: BTreeMap<String, &str> = BTreeMap::new();
    for ws in &estate.workspaces {
        let el = adbflow_model::Workspace::id(&ws.name);
        let o = ws.origin.as_ref();
        let err = |code, msg: String| Diagnostic::error(code, el.clone(), msg, o);
        if names.insert(ws.name.as_str(), ()).is_some() {
            out.push(err("workspace-duplicate", format!("workspace '{}' is defined twice", ws.name)));
        }
        let region = ws.region.as_deref().unwrap_or(estate.region());
        match regions.region(region) {
            None => {
                let known: Vec<&str> = regions.names().collect();
                out.push(err(
                    "workspace-region-unknown",
                    format!(
                        "region '{region}' is not in the Databricks region data; known regions: {}",
                        known.join(", ")
                    ),
                ));
            }
            Some(r) if r.no_data => out.push(err(
                "workspace-region-no-data",
                format!("the region data has no Databricks endpoints for '{region}'"),
            )),
            Some(_) => {}
        }
        match lookup.vnet(&ws.vnet) {
            None => out.push(err("workspace-vnet-missing", format!("VNet '{}' does not exist", ws.vnet))),
            Some(v) => {
                let vr = estate.vnet_region(v);
                if !vr.eq_ignore_ascii_case(region) {
                    out.push(err(
                        "workspace-vnet-region",
                        format!(
                            "VNet '{}' is in {vr} but the workspace is in {region}; an injected VNet must be in \
                             the workspace's region",
                            ws.vnet
                        ),
                    ));
                }
                for (role, sub) in [("host", &ws.host_subnet), ("container", &ws.container_subnet)] {
                    let path = format!("{}/{sub}", ws.vnet);
                    match lookup.subnet(&path) {
                        None => out.push(err(
                            "workspace-subnet-missing",
                            format!("{role} subnet '{sub}' does not exist in VNet '{}'", ws.vnet),
                        )),
                        Some(s) => {
                            if s.subnet.delegation.as_deref() != Some(DELEGATION) {
                                out.push(Diagnostic::warning(
                                    "workspace-subnet-not-delegated",
                                    el.clone(),
                                    format!("{role} subnet '{path}' is not delegated to {DELEGATION}"),
                                    s.subnet.origin.as_ref().or(o),
                                ));
                            }
                            if let Some(other) = subnet_owner.insert(path.clone(), &ws.name) {
                                if other != ws.name {
                                    out.push(err(
                                        "workspace-subnet-shared",
                                        format!("subnet '{path}' is already used by workspace '{other}'"),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
        if ws.host_subnet == ws.container_subnet {
            out.push(err(
                "workspace-subnets-same",
                "host and container subnets must be two different subnets".to_string(),
            ));
        }
        let accounts = ws
            .dbfs_storage_account
            .iter()
            .map(|a| ("DBFS root", a))
            .chain(ws.metastore_storage_account.iter().map(|a| ("metastore", a)))
            .chain(ws.external_locations.iter().map(|l| ("external location", &l.storage_account)));
        for (what, a) in accounts {
            if lookup.storage_account(a).is_none() {
                out.push(err(
                    "workspace-storage-missing",
                    format!("{what} storage account '{a}' does not exist"),
                ));
            }
        }
        let mut locs = BTreeMap::new();
        for l in &ws.external_locations {
            if locs.insert(l.name.as_str(), ()).is_some() {
                out.push(err(
                    "workspace-location-duplicate",
                    format!("external location '{}' twice", l.name),
                ));
            }
        }
        if let Some(u) = &ws.user_subnet {
            if lookup.subnet(u).is_none() {
                out.push(err("workspace-user-subnet-missing", format!("user subnet '{u}' does not exist")));
            }
        }
        let mut has_pe = false;
        for pe in lookup.private_endpoints_to(&ws.name) {
            has_pe = true;
            if pe.subresource != UI_API && pe.subresource != BROWSER_AUTH {
                out.push(Diagnostic::error(
                    "workspace-private-endpoint-subresource",
                    adbflow_model::ids::private_endpoint(&pe.name),
                    format!(
                        "a private endpoint to workspace '{}' must use sub-resource {UI_API} or {BROWSER_AUTH}, \
                         not '{}'",
                        ws.name, pe.subresource
                    ),
                    pe.origin.as_ref(),
                ));
            }
        }
        if has_pe && ws.sku != WorkspaceSku::Premium {
            out.push(err(
                "workspace-private-link-sku",
                format!("Private Link needs the Premium SKU; workspace '{}' is {:?}", ws.name, ws.sku),
            ));
        }
    }
    out.sort();
    out
}
