//! The generated estate as Terraform plan JSON: what `terraform show -json plan.out` prints for
//! the landing zone, in the shape adbflow's Terraform importer reads (azurerm 4.x spellings).
//!
//! The plan tells one realistic story: the hub (root module) is already deployed, and this plan
//! onboards every workspace. So
//!
//! - root resources (hub VNet and subnets, the shared-services NSG with separate rule resources,
//!   firewall, policy and rule collection groups, IP groups, ExpressRoute gateway, public IPs,
//!   central private DNS zones and their links, and any NAT gateways) are `no-op` changes with
//!   every value known — IDs, the firewall's private IP, the public IP addresses — and also
//!   appear in `prior_state`;
//! - each spoke is one instance of `module.spoke["<workspace>"]` being created: its VNet,
//!   subnets, NSG (inline rules), route table (inline routes), subnet associations, storage
//!   accounts with their firewalls, private endpoints with A records in the hub's zones, both
//!   peerings and the `azurerm_databricks_workspace`. IDs, the workspace URL and other values
//!   Azure assigns are unknown (`after_unknown`), so links inside a spoke are followed through the
//!   plan's `configuration` references, as in any real plan;
//! - Unity Catalog objects (one `databricks_metastore` and the `databricks_external_location`s
//!   of each workspace) are root resources configured by one `databricks` provider alias per
//!   workspace whose `host` is that spoke's workspace URL.
//!
//! What Terraform cannot say is not written: the DBFS root account (Databricks creates it; the
//! importer assumes it), the library policy and Hive metastore use (no Terraform resource), the
//! prefixes an ExpressRoute gateway learns.
//!
//! The writer streams: root resources are described by references into the estate and built when
//! written; a spoke's resources are built per section and dropped. Output is compact, as
//! Terraform's is, and the same estate always gives the same bytes.

mod hub;
mod spoke;
mod values;

use adbflow_model::{DnsRecord, Estate, Peering, PrivateEndpoint, StorageAccount, VNet, Workspace};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter, Write};

const TERRAFORM_VERSION: &str = "1.9.8";
/// Fixed, so one estate gives one file.
const TIMESTAMP: &str = "2025-06-02T09:00:00Z";
pub(crate) const AZURERM: &str = "registry.terraform.io/hashicorp/azurerm";
pub(crate) const DATABRICKS: &str = "registry.terraform.io/databricks/databricks";
pub(crate) const SUBSCRIPTION: &str = "5b0d3c1e-7f2a-4e8b-9c61-2d4f8a7e3b90";
/// The resource group of everything in the root module.
pub(crate) const HUB_RG: &str = "rg-hub";

/// Write `estate` as Terraform plan JSON. Meant for estates from [`crate::generate`]: it writes
/// the element kinds the generator produces (and NAT gateways), with a spoke module per workspace.
pub fn write_plan_json<W: Write>(estate: &Estate, out: W) -> io::Result<()> {
    Plan::new(estate).write(BufWriter::with_capacity(1 << 16, out))
}

/// [`write_plan_json`] into a string.
pub fn to_plan_json(estate: &Estate) -> String {
    let mut buf = Vec::new();
    write_plan_json(estate, &mut buf).expect("writing to memory does not fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// How instances of a resource block are made: the block's `count`/`for_each` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Each {
    One,
    /// `for_each` over the variable or local named.
    Keys(&'static str),
    /// `count` from the variable named.
    Count(&'static str),
}

/// One resource instance as the plan writes it.
pub(crate) struct Res {
    pub rtype: &'static str,
    pub name: String,
    pub key: Option<Value>,
    pub each: Each,
    pub provider: &'static str,
    /// Known values; unknown attributes are left out (list elements are `null`), as Terraform does.
    pub values: Map<String, Value>,
    /// `after_unknown`; empty for a resource that exists (every value known).
    pub unknown: Map<String, Value>,
    /// Created by this plan (else an existing resource, `no-op`).
    pub create: bool,
}

impl Res {
    pub(crate) fn new(rtype: &'static str, name: impl Into<String>, key: Option<Value>, each: Each) -> Self {
        Res {
            rtype,
            name: name.into(),
            key,
            each,
            provider: AZURERM,
            values: Map::new(),
            unknown: Map::new(),
            create: false,
        }
    }

    pub(crate) fn set(&mut self, k: &str, v: impl Into<Value>) -> &mut Self {
        self.values.insert(k.to_string(), v.into());
        self
    }

    /// Attributes Azure assigns at apply time.
    pub(crate) fn unknown(&mut self, keys: &[&str]) -> &mut Self {
        for k in keys {
            self.unknown.insert(k.to_string(), Value::Bool(true));
        }
        self
    }

    fn address(&self, module: &str) -> String {
        address(module, self.rtype, &self.name, self.key.as_ref())
    }
}

pub(crate) fn address(module: &str, rtype: &str, name: &str, key: Option<&Value>) -> String {
    let mut a = String::with_capacity(module.len() + rtype.len() + name.len() + 24);
    if !module.is_empty() {
        a.push_str(module);
        a.push('.');
    }
    a.push_str(rtype);
    a.push('.');
    a.push_str(name);
    if let Some(k) = key {
        a.push('[');
        a.push_str(&k.to_string());
        a.push(']');
    }
    a
}

/// An Azure resource ID in subscription [`SUBSCRIPTION`].
pub(crate) fn arm_id(rg: &str, rtype: &str, name: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/{rtype}/{name}")
}

/// One workspace's spoke and everything in it that its module creates.
pub(crate) struct Spoke<'a> {
    pub ws: &'a Workspace,
    pub vnet: &'a VNet,
    pub rg: String,
    pub nsg: Option<&'a adbflow_model::Nsg>,
    pub route_table: Option<&'a adbflow_model::RouteTable>,
    /// (block name, account): `metastore` and `lake`.
    pub accounts: Vec<(&'static str, &'a StorageAccount)>,
    pub endpoints: Vec<&'a PrivateEndpoint>,
    /// (zone, record) for records of this spoke's accounts in the hub's zones.
    pub records: Vec<(&'a str, &'a DnsRecord)>,
    /// The spoke's side of the hub peering, and the hub's side.
    pub to_hub: Option<&'a Peering>,
    pub from_hub: Option<&'a Peering>,
}

impl Spoke<'_> {
    pub(crate) fn module(&self) -> String {
        format!("module.spoke[{}]", Value::String(self.ws.name.clone()))
    }

    /// The `databricks` provider alias that manages this workspace.
    pub(crate) fn alias(&self) -> String {
        self.ws.name.replace(['-', '.'], "_")
    }
}

pub(crate) struct Plan<'a> {
    pub e: &'a Estate,
    pub region: &'a str,
    pub storage_suffix: &'a str,
    pub spokes: Vec<Spoke<'a>>,
    /// VNet name → resource group, for IDs.
    vnet_rg: BTreeMap<&'a str, String>,
    root: Vec<hub::Item<'a>>,
}

impl<'a> Plan<'a> {
    fn new(e: &'a Estate) -> Self {
        let region = e.region.as_deref().unwrap_or(adbflow_model::DEFAULT_REGION);
        let data = adbflow_databricks::regions::builtin();
        let storage_suffix =
            data.region(region).map(|r| data.cloud(r).storage_suffix.as_str()).unwrap_or("core.windows.net");
        let spokes = spoke::discover(e);
        let mut vnet_rg = BTreeMap::new();
        for v in &e.vnets {
            vnet_rg.insert(v.name.as_str(), HUB_RG.to_string());
        }
        for s in &spokes {
            vnet_rg.insert(s.vnet.name.as_str(), s.rg.clone());
        }
        let mut plan = Plan { e, region, storage_suffix, spokes, vnet_rg, root: Vec::new() };
        plan.root = hub::items(&plan);
        plan
    }

    pub(crate) fn vnet_id(&self, vnet: &str) -> String {
        let rg = self.vnet_rg.get(vnet).map(String::as_str).unwrap_or(HUB_RG);
        arm_id(rg, "Microsoft.Network/virtualNetworks", vnet)
    }

    /// `VNET/SUBNET` → the subnet's ID.
    pub(crate) fn subnet_id(&self, path: &str) -> String {
        let (v, s) = path.split_once('/').unwrap_or((path, ""));
        format!("{}/subnets/{s}", self.vnet_id(v))
    }

    fn write<W: Write>(&self, mut w: W) -> io::Result<()> {
        let mut spoke_blocks: BTreeSet<(&'static str, String, Each)> = BTreeSet::new();
        write!(
            w,
            r#"{{"format_version":"1.2","terraform_version":"{TERRAFORM_VERSION}","planned_values":{{"root_module":{{"resources":["#
        )?;
        let mut sep = Sep::default();
        for item in &self.root {
            sep.next(&mut w)?;
            write_state_resource(&mut w, &hub::build(self, item), "")?;
        }
        w.write_all(br#"],"child_modules":["#)?;
        let mut msep = Sep::default();
        for s in &self.spokes {
            msep.next(&mut w)?;
            let module = s.module();
            w.write_all(br#"{"resources":["#)?;
            let mut sep = Sep::default();
            for r in spoke::resources(self, s) {
                spoke_blocks.insert((r.rtype, r.name.clone(), r.each));
                sep.next(&mut w)?;
                write_state_resource(&mut w, &r, &module)?;
            }
            w.write_all(br#"],"address":"#)?;
            serde_json::to_writer(&mut w, &module)?;
            w.write_all(b"}")?;
        }
        w.write_all(br#"]}},"resource_changes":["#)?;
        let mut sep = Sep::default();
        for item in &self.root {
            sep.next(&mut w)?;
            write_change(&mut w, hub::build(self, item), "")?;
        }
        for s in &self.spokes {
            let module = s.module();
            for r in spoke::resources(self, s) {
                sep.next(&mut w)?;
                write_change(&mut w, r, &module)?;
            }
        }
        write!(
            w,
            r#"],"prior_state":{{"format_version":"1.0","terraform_version":"{TERRAFORM_VERSION}","values":{{"root_module":{{"resources":["#
        )?;
        let mut sep = Sep::default();
        for item in &self.root {
            let r = hub::build(self, item);
            if !r.create {
                sep.next(&mut w)?;
                write_state_resource(&mut w, &r, "")?;
            }
        }
        w.write_all(br#"]}}},"configuration":"#)?;
        serde_json::to_writer(&mut w, &self.configuration(&spoke_blocks))?;
        write!(w, r#","timestamp":"{TIMESTAMP}","applyable":true,"complete":true,"errored":false}}"#)?;
        w.write_all(b"\n")?;
        w.flush()
    }

    fn configuration(&self, spoke_blocks: &BTreeSet<(&'static str, String, Each)>) -> Value {
        let mut providers = Map::new();
        providers.insert(
            "azurerm".into(),
            serde_json::json!({
                "name": "azurerm",
                "full_name": AZURERM,
                "version_constraint": "~> 4.0",
                "expressions": {"features": [{}]}
            }),
        );
        for s in self.spokes.iter().filter(|s| spoke::has_unity_catalog(s)) {
            let alias = s.alias();
            providers.insert(format!("databricks.{alias}"), spoke::provider_config(s, &alias));
        }
        let mut root_blocks: BTreeMap<String, Value> = BTreeMap::new();
        for item in &self.root {
            let key = format!("{}.{}", item.rtype, item.name);
            root_blocks.entry(key).or_insert_with(|| hub::block_config(item));
        }
        let module_resources: Vec<Value> =
            spoke_blocks.iter().map(|(t, n, each)| spoke::block_config(t, n, *each)).collect();
        serde_json::json!({
            "provider_config": providers,
            "root_module": {
                "resources": root_blocks.into_values().collect::<Vec<_>>(),
                "module_calls": {"spoke": spoke::module_call(self, module_resources)},
            }
        })
    }
}

/// Commas between array elements.
#[derive(Default)]
struct Sep(bool);

impl Sep {
    fn next<W: Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.0 {
            w.write_all(b",")?;
        }
        self.0 = true;
        Ok(())
    }
}

/// A resource as `planned_values` and `prior_state` list it.
fn write_state_resource<W: Write>(w: &mut W, r: &Res, module: &str) -> io::Result<()> {
    w.write_all(br#"{"address":"#)?;
    serde_json::to_writer(&mut *w, &r.address(module))?;
    write!(w, r#","mode":"managed","type":"{}","name":"#, r.rtype)?;
    serde_json::to_writer(&mut *w, &r.name)?;
    if let Some(k) = &r.key {
        w.write_all(br#","index":"#)?;
        serde_json::to_writer(&mut *w, k)?;
    }
    write!(w, r#","provider_name":"{}","schema_version":0,"values":"#, r.provider)?;
    serde_json::to_writer(&mut *w, &r.values)?;
    w.write_all(br#","sensitive_values":{}}"#)
}

/// A resource's entry in `resource_changes`.
fn write_change<W: Write>(w: &mut W, r: Res, module: &str) -> io::Result<()> {
    w.write_all(br#"{"address":"#)?;
    serde_json::to_writer(&mut *w, &r.address(module))?;
    if !module.is_empty() {
        w.write_all(br#","module_address":"#)?;
        serde_json::to_writer(&mut *w, module)?;
    }
    write!(w, r#","mode":"managed","type":"{}","name":"#, r.rtype)?;
    serde_json::to_writer(&mut *w, &r.name)?;
    if let Some(k) = &r.key {
        w.write_all(br#","index":"#)?;
        serde_json::to_writer(&mut *w, k)?;
    }
    write!(w, r#","provider_name":"{}","change":"#, r.provider)?;
    if r.create {
        w.write_all(br#"{"actions":["create"],"before":null,"after":"#)?;
        serde_json::to_writer(&mut *w, &r.values)?;
        w.write_all(br#","after_unknown":"#)?;
        serde_json::to_writer(&mut *w, &r.unknown)?;
        w.write_all(br#","before_sensitive":false,"after_sensitive":{}}}"#)
    } else {
        w.write_all(br#"{"actions":["no-op"],"before":"#)?;
        serde_json::to_writer(&mut *w, &r.values)?;
        w.write_all(br#","after":"#)?;
        serde_json::to_writer(&mut *w, &r.values)?;
        w.write_all(br#","after_unknown":{},"before_sensitive":{},"after_sensitive":{}}}"#)
    }
}
