//! The state of one import: the estate being built, the warnings (each naming a resource address
//! and attribute), and typed attribute reads that report what they cannot use. Link resolution
//! between resources lives in `links`.

use super::attrs::{Node, Val};
use super::document::{Document, Instance};
use super::error::TerraformError;
use super::links::Target;
use super::placed::{Listed, Placed};
use super::refs::Refs;
use adbflow_model::{Diagnostic, Estate, Origin, SharedStr};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) struct Ctx<'d> {
    pub doc: &'d Document,
    pub refs: Refs<'d>,
    pub file: SharedStr,
    pub estate: Estate,
    pub warnings: Vec<Diagnostic>,
    pub(super) names: BTreeMap<usize, String>,
    pub(super) subnet_paths: BTreeMap<usize, (String, String)>,
    pub(super) ids: BTreeMap<String, Target>,
    /// Resource types whose instances have an Azure `name` adbflow uses as the element name.
    pub(super) named_types: BTreeSet<&'static str>,
    /// Instances another resource consumed (a local network gateway used by a connection, a data
    /// source that described a VNet), so they are not reported as unused or ignored.
    pub seen: BTreeSet<usize>,
    /// VNets adbflow had to assume because subnets point into a VNet this input does not hold.
    pub assumed_vnets: BTreeSet<String>,
    /// UDR next hops known only after apply that point at a firewall: (route table, route, firewall
    /// instance, the route's resource address and attribute for messages). Settled once firewalls
    /// exist, because subnets (which firewalls need) are mapped after route tables.
    pub pending_next_hops: Vec<PendingHop>,
    /// VNets whose `dns_servers` is a firewall's private IP known only after apply.
    pub pending_dns: Vec<PendingDns>,
    /// Resource type → its instances' positions (data sources included), for mappers that look
    /// for related resources: scanning every instance per resource grew with the square of a plan.
    of_type: HashMap<&'d str, Vec<usize>>,
    /// The estate's elements by name, so that mappers do not scan the estate per resource.
    pub(super) placed: Placed,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingHop {
    pub table: String,
    pub route: String,
    pub firewall: usize,
    pub address: String,
    pub attribute: String,
}

/// A VNet's DNS servers that are the private IP of firewall `firewall` (its DNS proxy).
pub(crate) struct PendingDns {
    pub vnet: String,
    pub firewall: usize,
    pub address: String,
    pub attribute: String,
}

impl<'d> Ctx<'d> {
    pub(crate) fn new(doc: &'d Document, file: &str, named_types: &[&'static str]) -> Self {
        let mut ctx = Ctx {
            doc,
            refs: Refs::new(doc),
            file: file.into(),
            estate: Estate::default(),
            warnings: Vec::new(),
            names: BTreeMap::new(),
            subnet_paths: BTreeMap::new(),
            ids: BTreeMap::new(),
            named_types: named_types.iter().copied().collect(),
            seen: BTreeSet::new(),
            assumed_vnets: BTreeSet::new(),
            pending_next_hops: Vec::new(),
            pending_dns: Vec::new(),
            of_type: HashMap::new(),
            placed: Placed::default(),
        };
        for (i, inst) in doc.instances.iter().enumerate() {
            ctx.of_type.entry(inst.rtype.as_str()).or_default().push(i);
        }
        ctx.index_names();
        ctx
    }

    /// The positions of the instances of resource type `rtype`, data sources included, in order.
    pub(crate) fn instances_of(&self, rtype: &str) -> &[usize] {
        self.of_type.get(rtype).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether the estate holds a `T` named `name` yet.
    pub(crate) fn holds<T: Listed>(&mut self, name: &str) -> bool {
        self.placed.holds::<T>(&self.estate, name)
    }

    /// The estate's first `T` named `name`, to change it.
    pub(crate) fn element_mut<T: Listed>(&mut self, name: &str) -> Option<&mut T> {
        self.placed.get_mut::<T>(&mut self.estate, name)
    }

    /// Whether the estate holds subnet `VNET/SUBNET` yet.
    pub(crate) fn holds_subnet(&mut self, path: &str) -> bool {
        self.placed.holds_subnet(&self.estate, path)
    }

    /// Subnet `VNET/SUBNET` of the estate, to change it.
    pub(crate) fn subnet_mut(&mut self, path: &str) -> Option<&mut adbflow_model::Subnet> {
        let (v, s) = self.placed.subnet_position(&self.estate, path)?;
        self.estate.vnets.get_mut(v)?.subnets.get_mut(s)
    }

    pub(crate) fn inst(&self, idx: usize) -> &'d Instance {
        &self.doc.instances[idx]
    }

    pub(crate) fn node(&self, idx: usize) -> Node<'d> {
        let i = &self.doc.instances[idx];
        Node::root(&i.address, &i.values, &i.unknown)
    }

    pub(crate) fn origin(&self, idx: usize) -> Option<Origin> {
        Some(Origin::Address { file: self.file.clone(), address: self.inst(idx).address.as_str().into() })
    }

    /// The element name of a resource instance: its Azure `name`, or a stand-in.
    pub(crate) fn name(&self, idx: usize) -> String {
        if let Some(n) = self.names.get(&idx) {
            return n.clone();
        }
        let inst = self.inst(idx);
        match inst.values.get("name").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => stand_in(&inst.address),
        }
    }

    /// `(VNET, SUBNET)` of an `azurerm_subnet` instance, when its VNet could be told.
    pub(crate) fn subnet_path(&self, idx: usize) -> Option<(String, String)> {
        self.subnet_paths.get(&idx).cloned()
    }

    // ----- diagnostics -----

    /// A warning about resource `address`; `element` says which part of it (an attribute path, or
    /// the resource type when the whole resource is meant), since the origin already names the address.
    pub(crate) fn warn_at(
        &mut self,
        code: &'static str,
        address: &str,
        element: &str,
        message: impl Into<String>,
    ) {
        let origin = Origin::Address { file: self.file.clone(), address: address.into() };
        self.warnings.push(Diagnostic::warning(code, element, message, Some(&origin)));
    }

    pub(crate) fn warn(&mut self, code: &'static str, idx: usize, message: impl Into<String>) {
        let inst = self.inst(idx);
        let (address, rtype) = (inst.address.clone(), inst.rtype.clone());
        self.warn_at(code, &address, &rtype, message);
    }

    /// A warning about one attribute of a resource.
    pub(crate) fn warn_attr(&mut self, code: &'static str, node: &Node, message: impl AsRef<str>) {
        let address = node.address.to_string();
        self.warn_at(code, &address, &node.attribute(), message.as_ref());
    }

    /// An attribute adbflow models but whose value it cannot use.
    pub(crate) fn uninterpreted(&mut self, node: &Node, why: impl AsRef<str>) {
        self.warn_attr("terraform-attribute-not-interpreted", node, why);
    }

    pub(crate) fn error(&self, node: &Node, message: impl Into<String>) -> TerraformError {
        TerraformError::Resource {
            file: self.file.to_string(),
            address: node.address.to_string(),
            attribute: node.attribute(),
            message: message.into(),
        }
    }

    /// Whether the plan's configuration writes `node`'s attribute. Optional+computed blocks
    /// (`subnet`, `security_rule`, `route`) are unknown in every plan that does not set them;
    /// only a written one that is unknown loses information. Without a configuration, assume written.
    pub(crate) fn configured(&self, idx: usize, node: &Node) -> bool {
        self.doc.config.is_empty() || self.refs.expression(self.inst(idx), node).is_some()
    }

    // ----- typed reads -----

    /// A string attribute; `""` is how state writes an unset optional string.
    pub(crate) fn string(&mut self, node: &Node) -> Val<String> {
        match node.raw() {
            Val::Known(Value::String(s)) if s.is_empty() => Val::Absent,
            Val::Known(Value::String(s)) => Val::Known(s.clone()),
            Val::Known(Value::Number(n)) => Val::Known(n.to_string()),
            Val::Known(Value::Bool(b)) => Val::Known(b.to_string()),
            Val::Known(other) => {
                let t = if other.is_array() { "a list" } else { "an object" };
                self.uninterpreted(node, format!("expected a string, found {t}; ignored"));
                Val::Absent
            }
            Val::Unknown => Val::Unknown,
            Val::Absent => Val::Absent,
        }
    }

    pub(crate) fn boolean(&mut self, node: &Node) -> Val<bool> {
        match node.raw() {
            Val::Known(Value::Bool(b)) => Val::Known(*b),
            Val::Known(Value::String(s)) if s == "true" || s == "false" => Val::Known(s == "true"),
            Val::Known(Value::String(s)) if s.is_empty() => Val::Absent,
            Val::Known(other) => {
                self.uninterpreted(node, format!("expected true or false, found {other}; ignored"));
                Val::Absent
            }
            Val::Unknown => Val::Unknown,
            Val::Absent => Val::Absent,
        }
    }

    pub(crate) fn number(&mut self, node: &Node) -> Val<u64> {
        match node.raw() {
            Val::Known(Value::Number(n)) if n.as_u64().is_some() => {
                Val::Known(n.as_u64().unwrap_or_default())
            }
            Val::Known(Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
                Val::Known(s.trim().parse().unwrap_or_default())
            }
            Val::Known(Value::String(s)) if s.is_empty() => Val::Absent,
            Val::Known(other) => {
                self.uninterpreted(node, format!("expected a whole number, found {other}; ignored"));
                Val::Absent
            }
            Val::Unknown => Val::Unknown,
            Val::Absent => Val::Absent,
        }
    }

    /// A list (or set) of strings. Unknown when the list or any element is known only after apply.
    pub(crate) fn strings(&mut self, node: &Node) -> Val<Vec<String>> {
        match node.items() {
            Val::Known(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.string(&item) {
                        Val::Known(s) => out.push(s),
                        Val::Unknown => return Val::Unknown,
                        Val::Absent => {}
                    }
                }
                Val::Known(out)
            }
            Val::Unknown => Val::Unknown,
            Val::Absent => match node.raw() {
                // A single string where a list is expected: read it as a one-element list.
                Val::Known(Value::String(s)) if !s.is_empty() => Val::Known(vec![s.clone()]),
                _ => Val::Absent,
            },
        }
    }

    /// A string that must be known for the element to exist; unknown or absent is a warning.
    pub(crate) fn required_string(&mut self, node: &Node, consequence: &str) -> Option<String> {
        match self.string(node) {
            Val::Known(s) => Some(s),
            Val::Unknown => {
                self.warn_attr(
                    "terraform-required-value-unknown",
                    node,
                    format!("known only after apply, and adbflow needs it; {consequence}"),
                );
                None
            }
            Val::Absent => {
                self.warn_attr("terraform-required-value-missing", node, format!("not set; {consequence}"));
                None
            }
        }
    }

    /// The Azure region of a resource, normalised as ARM does (`East US 2` → `eastus2`).
    pub(crate) fn location(&mut self, idx: usize) -> Option<String> {
        let n = self.node(idx).get("location");
        self.string(&n).known().map(|l| normalise_region(&l))
    }
}

pub(crate) const SUBNET_ARM: &str = "microsoft.network/virtualnetworks/subnets";

/// A readable element name for a resource whose Azure name is unknown: its address, with the
/// characters adbflow uses as separators (`/`) and the quotes of `for_each` keys removed.
pub(crate) fn stand_in(address: &str) -> String {
    address.replace('"', "").replace('/', "_")
}

pub(crate) fn normalise_region(l: &str) -> String {
    l.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}
