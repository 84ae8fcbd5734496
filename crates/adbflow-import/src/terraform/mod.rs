//! Terraform plan and state JSON (`terraform show -json`) for azurerm deployments, mapped into the
//! estate model.
//!
//! A plan describes what will exist: many attributes (IDs, a public IP's address, a firewall's
//! private IP, a private endpoint's IP) are known only after apply, so links between resources are
//! followed through the plan's configuration `references` instead. A state describes what exists:
//! every value is known and resources link by Azure resource ID. Both become the same estate.
//!
//! Every element's origin is its full resource address (`module.net.azurerm_subnet.host[0]`).
//! Nothing is dropped silently: resource types adbflow does not model are listed once per type,
//! attributes it models but cannot use are warned about by address and attribute, and values it
//! must assume (a firewall's private IP) say so.

mod address;
mod armid;
mod attrs;
mod context;
mod document;
mod egress;
mod error;
mod firewall;
mod gateways;
mod kinds;
mod links;
mod locate;
pub(crate) use locate::locate;
mod network;
mod nsg;
mod placed;
mod privatelink;
mod refs;
mod routing;
mod storage;
mod top_level;
mod values;
mod workspace;

pub use error::TerraformError;

use adbflow_model::{Diagnostic, Estate, Origin};
use context::Ctx;
use serde_json::Value;
use std::collections::BTreeMap;

/// Which `terraform show -json` output the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerraformKind {
    /// `terraform show -json plan.out`: what the plan will create.
    Plan,
    /// `terraform show -json` without a plan file: what the state holds.
    State,
}

#[derive(Debug, Clone)]
pub struct TerraformImport {
    pub estate: Estate,
    /// Everything adbflow ignored, assumed or could not interpret, in the order found.
    pub warnings: Vec<Diagnostic>,
    pub kind: TerraformKind,
}

/// True when `value` is Terraform's JSON output: a `format_version` plus the plan
/// (`planned_values`/`resource_changes`) or state (`values`) sections.
pub fn looks_like_terraform(value: &Value) -> bool {
    document::kind_of(value).is_some()
}

/// `looks_like_terraform` on unparsed text; false for anything that is not JSON.
pub fn looks_like_terraform_text(text: &str) -> bool {
    terraform_kind_of_text(text).is_some()
}

/// Plan or state, of unparsed text; `None` when it is not `terraform show -json` output.
pub fn terraform_kind_of_text(text: &str) -> Option<TerraformKind> {
    document::kind_of_text(text)
}

/// Read a plan or state JSON document; `file` names it in origins, warnings and errors.
pub fn from_json(text: &str, file: &str) -> Result<TerraformImport, TerraformError> {
    let doc = document::parse(text, file)?;
    let mut ctx = Ctx::new(&doc, file, NAMED_TYPES);
    for note in &doc.notes {
        ctx.warnings.push(Diagnostic::warning("terraform-incomplete-plan", file, note.clone(), None));
    }
    for &(rtype, map) in MAPPERS {
        for idx in 0..doc.instances.len() {
            let inst = &doc.instances[idx];
            if !inst.data && inst.rtype == rtype {
                map(&mut ctx, idx)?;
            }
        }
    }
    routing::settle_next_hops(&mut ctx);
    report_ignored(&mut ctx);
    let mut estate = std::mem::take(&mut ctx.estate);
    settle_regions(&mut ctx, &mut estate);
    estate.origin = Some(Origin::File { file: file.to_string().into(), line: 1, column: 1 });
    Ok(TerraformImport { estate, warnings: ctx.warnings, kind: doc.kind })
}

/// A plan-shaped document built in memory (the `.tf` evaluator's output), mapped as a plan.
pub(crate) fn from_document(doc: &Value, file: &str) -> Result<TerraformImport, TerraformError> {
    from_json(&doc.to_string(), file)
}

type Mapper = fn(&mut Ctx, usize) -> Result<(), TerraformError>;

/// Resource types and their mappers, in dependency order: an element is created before the
/// resources that link to it. A type may appear twice when part of it must wait (storage network
/// rules need subnets; a policy's parent may be written after it).
const MAPPERS: &[(&str, Mapper)] = &[
    ("azurerm_application_security_group", nsg::application_security_group),
    ("azurerm_storage_account", storage::account),
    ("azurerm_subnet_service_endpoint_storage_policy", storage::service_endpoint_policy),
    ("azurerm_network_security_group", nsg::security_group),
    ("azurerm_route_table", routing::route_table),
    ("azurerm_virtual_network", network::virtual_network),
    ("azurerm_subnet", network::subnet),
    ("azurerm_network_security_rule", nsg::security_rule),
    ("azurerm_route", routing::route),
    ("azurerm_public_ip", egress::public_ip),
    ("azurerm_public_ip_prefix", egress::public_ip_prefix),
    ("azurerm_nat_gateway", egress::nat_gateway),
    ("azurerm_nat_gateway_public_ip_association", egress::nat_public_ip),
    ("azurerm_nat_gateway_public_ip_prefix_association", egress::nat_public_ip_prefix),
    ("azurerm_subnet_network_security_group_association", nsg::subnet_association),
    ("azurerm_subnet_route_table_association", routing::subnet_association),
    ("azurerm_subnet_nat_gateway_association", egress::subnet_nat),
    ("azurerm_virtual_network_dns_servers", network::dns_servers),
    ("azurerm_virtual_network_peering", network::peering),
    ("azurerm_virtual_network_gateway", gateways::virtual_network_gateway),
    ("azurerm_virtual_network_gateway_connection", gateways::connection),
    ("azurerm_local_network_gateway", gateways::local_network_gateway),
    ("azurerm_ip_group", firewall::ip_group),
    ("azurerm_firewall_policy", firewall::policy),
    ("azurerm_firewall_policy", firewall::policy_parent),
    ("azurerm_firewall_policy_rule_collection_group", firewall::rule_collection_group),
    ("azurerm_firewall", firewall::firewall),
    ("azurerm_firewall_network_rule_collection", firewall::classic_collection),
    ("azurerm_firewall_application_rule_collection", firewall::classic_collection),
    ("azurerm_firewall_nat_rule_collection", firewall::classic_collection),
    ("azurerm_storage_account", storage::account_rules),
    ("azurerm_storage_account_network_rules", storage::network_rules),
    ("azurerm_private_dns_zone", privatelink::zone),
    ("azurerm_private_dns_zone_virtual_network_link", privatelink::zone_link),
    ("azurerm_private_dns_a_record", privatelink::a_record),
    ("azurerm_private_dns_cname_record", privatelink::cname_record),
    // Before the private endpoints: it adds the DBFS root account some of them connect to.
    ("azurerm_databricks_workspace", workspace::workspace),
    ("azurerm_private_endpoint", privatelink::private_endpoint),
    ("azurerm_network_interface_application_security_group_association", nsg::nic_asg_association),
    ("databricks_metastore", workspace::metastore),
    ("databricks_metastore_assignment", workspace::consumed),
    ("databricks_external_location", workspace::external_location),
    ("databricks_ip_access_list", workspace::ip_access_list),
    ("databricks_workspace_conf", workspace::workspace_conf),
    ("databricks_mws_network_connectivity_config", workspace::not_modelled),
    ("databricks_mws_ncc_private_endpoint_rule", workspace::not_modelled),
];

/// Types whose Azure `name` attribute becomes the element name.
const NAMED_TYPES: &[&str] = &[
    "azurerm_application_security_group",
    "azurerm_storage_account",
    "azurerm_subnet_service_endpoint_storage_policy",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
    "azurerm_route_table",
    "azurerm_route",
    "azurerm_virtual_network",
    "azurerm_subnet",
    "azurerm_public_ip",
    "azurerm_public_ip_prefix",
    "azurerm_nat_gateway",
    "azurerm_virtual_network_peering",
    "azurerm_virtual_network_gateway",
    "azurerm_local_network_gateway",
    "azurerm_ip_group",
    "azurerm_firewall_policy",
    "azurerm_firewall_policy_rule_collection_group",
    "azurerm_firewall",
    "azurerm_private_dns_zone",
    "azurerm_private_dns_a_record",
    "azurerm_private_dns_cname_record",
    "azurerm_private_endpoint",
    "azurerm_databricks_workspace",
];

/// Types that carry no network configuration, so listing them as ignored would only be noise.
const NO_NETWORK_EFFECT: &[&str] = &["azurerm_resource_group", "azurerm_databricks_access_connector"];

fn report_ignored(ctx: &mut Ctx) {
    let mut ignored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, inst) in ctx.doc.instances.iter().enumerate() {
        let mapped = MAPPERS.iter().any(|(t, _)| *t == inst.rtype);
        let skip = if inst.data {
            ctx.seen.contains(&i)
        } else {
            mapped || NO_NETWORK_EFFECT.contains(&inst.rtype.as_str())
        };
        if skip {
            continue;
        }
        let key = if inst.data { format!("data.{}", inst.rtype) } else { inst.rtype.clone() };
        ignored.entry(key).or_default().push(inst.address.clone());
    }
    for (rtype, addresses) in ignored {
        let mut shown: Vec<&str> = addresses.iter().take(5).map(String::as_str).collect();
        if addresses.len() > shown.len() {
            shown.push("…");
        }
        let message = format!(
            "ignored: {} × {rtype} (adbflow does not model this resource type): {}",
            addresses.len(),
            shown.join(", ")
        );
        let origin = Origin::Address { file: ctx.file.clone(), address: addresses[0].clone().into() };
        ctx.warnings.push(Diagnostic::warning("terraform-ignored-type", rtype, message, Some(&origin)));
    }
}

/// The estate's region is the one most VNets (else most located resources) are in; elements in
/// it then inherit it instead of repeating it.
fn settle_regions(ctx: &mut Ctx, estate: &mut Estate) {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for v in &estate.vnets {
        if let Some(r) = &v.region {
            *count.entry(r.clone()).or_default() += 1;
        }
    }
    if count.is_empty() {
        for idx in 0..ctx.doc.instances.len() {
            if let Some(r) = ctx.location(idx) {
                *count.entry(r).or_default() += 1;
            }
        }
    }
    // Most frequent; ties go to the alphabetically first so the choice is deterministic.
    let region = count.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(r, _)| r.clone());
    let Some(region) = region else { return };
    for v in &mut estate.vnets {
        if v.region.as_deref() == Some(region.as_str()) {
            v.region = None;
        }
    }
    for s in &mut estate.storage_accounts {
        if s.region.as_deref() == Some(region.as_str()) {
            s.region = None;
        }
    }
    for w in &mut estate.workspaces {
        if w.region.as_deref() == Some(region.as_str()) {
            w.region = None;
        }
    }
    estate.region = Some(region);
}
