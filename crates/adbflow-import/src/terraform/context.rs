//! The state of one import: the estate being built, the warnings, element names per resource
//! instance, and the link resolution every mapper uses (known ID → resource, unknown ID →
//! configuration references, foreign ID → a resource outside the input).

use super::armid::ArmId;
use super::attrs::{Node, Val};
use super::document::{Document, Instance};
use super::error::TerraformError;
use super::refs::Refs;
use adbflow_model::{Diagnostic, Estate, Origin};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a link attribute may point at.
pub(crate) struct Kind {
    /// For messages: "network security group".
    pub what: &'static str,
    /// Terraform resource types that create such an element.
    pub tf: &'static [&'static str],
    /// Lower-cased ARM type path of such an element's ID.
    pub arm: &'static str,
    /// Whether the estate holds an element of this name (for subnets, `VNET/SUBNET`).
    pub exists: fn(&Estate, &str) -> bool,
}

/// A link's end: a resource in this input, or one outside it known by its ID.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Linked {
    Local(String),
    Outside(String),
}

#[derive(Debug, Clone)]
enum Target {
    /// A resource whose ID is the attribute's value.
    Inst(usize),
    /// A resource the attribute's configuration expression refers to; expressions often refer
    /// to more than the link target (`cidrsubnet(azurerm_virtual_network.x.address_space[0], …)`),
    /// so candidates of the wrong type are dropped without a word.
    Ref(usize),
    InlineSubnet(String, String),
    External(ArmId),
}

pub(crate) struct Ctx<'d> {
    pub doc: &'d Document,
    pub refs: Refs<'d>,
    pub file: String,
    pub estate: Estate,
    pub warnings: Vec<Diagnostic>,
    names: BTreeMap<usize, String>,
    subnet_paths: BTreeMap<usize, (String, String)>,
    ids: BTreeMap<String, Target>,
    /// Resource types whose instances have an Azure `name` adbflow uses as the element name.
    named_types: BTreeSet<&'static str>,
    /// Instances another resource consumed (a local network gateway used by a connection, a data
    /// source that described a VNet), so they are not reported as unused or ignored.
    pub seen: BTreeSet<usize>,
    /// VNets adbflow had to assume because subnets point into a VNet this input does not hold.
    pub assumed_vnets: BTreeSet<String>,
    /// UDR next hops known only after apply that point at a firewall: (route table, route, firewall
    /// instance, the route's resource address and attribute for messages). Settled once firewalls
    /// exist, because subnets (which firewalls need) are mapped after route tables.
    pub pending_next_hops: Vec<PendingHop>,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingHop {
    pub table: String,
    pub route: String,
    pub firewall: usize,
    pub address: String,
    pub attribute: String,
}

impl<'d> Ctx<'d> {
    pub(crate) fn new(doc: &'d Document, file: &str, named_types: &[&'static str]) -> Self {
        let mut ctx = Ctx {
            doc,
            refs: Refs::new(doc),
            file: file.to_string(),
            estate: Estate::default(),
            warnings: Vec::new(),
            names: BTreeMap::new(),
            subnet_paths: BTreeMap::new(),
            ids: BTreeMap::new(),
            named_types: named_types.iter().copied().collect(),
            seen: BTreeSet::new(),
            assumed_vnets: BTreeSet::new(),
            pending_next_hops: Vec::new(),
        };
        ctx.index_names();
        ctx
    }

    pub(crate) fn inst(&self, idx: usize) -> &'d Instance {
        &self.doc.instances[idx]
    }

    pub(crate) fn node(&self, idx: usize) -> Node<'d> {
        let i = &self.doc.instances[idx];
        Node::root(&i.address, &i.values, &i.unknown)
    }

    pub(crate) fn origin(&self, idx: usize) -> Option<Origin> {
        Some(Origin::Address { file: self.file.clone(), address: self.inst(idx).address.clone() })
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
        let origin = Origin::Address { file: self.file.clone(), address: address.to_string() };
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
            file: self.file.clone(),
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

    // ----- links -----

    /// Every element `node` points at that is of `kind`, warning about the rest.
    pub(crate) fn link_all(&mut self, idx: usize, node: &Node, kind: &Kind) -> Vec<Linked> {
        let mut out = Vec::new();
        let mut others = Vec::new();
        for t in self.targets(idx, node) {
            let linked = match t {
                Target::Ref(i) if !kind.tf.contains(&self.inst(i).rtype.as_str()) || self.inst(i).data => {
                    others.push(self.inst(i).address.clone());
                    continue;
                }
                Target::Inst(i) | Target::Ref(i) => {
                    let target = self.inst(i);
                    if !kind.tf.contains(&target.rtype.as_str()) || target.data {
                        self.warn_attr(
                            "terraform-link-unexpected",
                            node,
                            format!(
                                "refers to {}, which is not a {}; the reference is ignored",
                                target.address, kind.what
                            ),
                        );
                        continue;
                    }
                    let name = if kind.arm == SUBNET_ARM {
                        match self.subnet_path(i) {
                            Some((v, s)) => format!("{v}/{s}"),
                            None => continue,
                        }
                    } else {
                        self.name(i)
                    };
                    if !(kind.exists)(&self.estate, &name) {
                        self.warn_attr(
                            "terraform-link-unresolved",
                            node,
                            format!("refers to {}, which could not be imported (see its warning); the reference is left out", target.address),
                        );
                        continue;
                    }
                    Linked::Local(name)
                }
                Target::InlineSubnet(v, s) if kind.arm == SUBNET_ARM => Linked::Local(format!("{v}/{s}")),
                Target::InlineSubnet(v, s) => {
                    self.warn_attr(
                        "terraform-link-unexpected",
                        node,
                        format!(
                            "refers to subnet {v}/{s}, which is not a {}; the reference is ignored",
                            kind.what
                        ),
                    );
                    continue;
                }
                Target::External(id) => {
                    if id.rtype != kind.arm {
                        self.warn_attr(
                            "terraform-link-unexpected",
                            node,
                            format!(
                                "'{}' is not the ID of a {}; the reference is ignored",
                                id.text, kind.what
                            ),
                        );
                        continue;
                    }
                    let name =
                        if kind.arm == SUBNET_ARM { id.names.join("/") } else { id.name().to_string() };
                    if (kind.exists)(&self.estate, &name) {
                        Linked::Local(name)
                    } else {
                        Linked::Outside(name)
                    }
                }
            };
            if !out.contains(&linked) {
                out.push(linked);
            }
        }
        if out.is_empty() && !others.is_empty() {
            self.not_a(node, &others, kind.what);
        }
        out
    }

    fn not_a(&mut self, node: &Node, others: &[String], what: &str) {
        self.warn_attr(
            "terraform-link-unresolved",
            node,
            format!(
                "known only after apply, and its configuration refers only to {}, none of them a {what}; the link is left out",
                others.join(", ")
            ),
        );
    }

    /// The one element `node` points at. Ambiguity and an element outside the input are warned
    /// about (`consequence` says what adbflow does then) and give `None`.
    pub(crate) fn link(&mut self, idx: usize, node: &Node, kind: &Kind, consequence: &str) -> Option<String> {
        match self.link_one(idx, node, kind)? {
            Linked::Local(n) => Some(n),
            Linked::Outside(n) => {
                self.outside(node, kind, &n, consequence);
                None
            }
        }
    }

    /// Like `link`, but hands back an element outside the input for the caller to decide.
    pub(crate) fn link_one(&mut self, idx: usize, node: &Node, kind: &Kind) -> Option<Linked> {
        let mut all = self.link_all(idx, node, kind);
        if all.len() > 1 {
            let names: Vec<String> = all
                .iter()
                .map(|l| match l {
                    Linked::Local(n) | Linked::Outside(n) => n.clone(),
                })
                .collect();
            self.warn_attr(
                "terraform-link-ambiguous",
                node,
                format!(
                    "could be any of the {}s {}; adbflow cannot tell which, so the link is left out",
                    kind.what,
                    names.join(", ")
                ),
            );
            return None;
        }
        all.pop()
    }

    pub(crate) fn outside(&mut self, node: &Node, kind: &Kind, name: &str, consequence: &str) {
        self.warn_attr(
            "terraform-link-outside-input",
            node,
            format!("refers to {} '{name}', which is not in this input; {consequence}", kind.what),
        );
    }

    /// The resource instances of the given types (any type when `tf` is empty) `node` points at,
    /// by ID or reference, for mappers that read the target's own attributes. Foreign IDs are
    /// returned as they are.
    pub(crate) fn linked_instances(
        &mut self,
        idx: usize,
        node: &Node,
        tf: &[&str],
    ) -> (Vec<usize>, Vec<ArmId>) {
        let (mut local, mut outside, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for t in self.targets(idx, node) {
            match t {
                Target::Inst(i) | Target::Ref(i)
                    if (tf.is_empty() || tf.contains(&self.inst(i).rtype.as_str())) && !self.inst(i).data =>
                {
                    if !local.contains(&i) {
                        local.push(i)
                    }
                }
                Target::Ref(i) => others.push(self.inst(i).address.clone()),
                Target::External(a) => outside.push(a),
                Target::Inst(i) => {
                    let a = self.inst(i).address.clone();
                    self.warn_attr(
                        "terraform-link-unexpected",
                        node,
                        format!(
                            "refers to {a}, which is not a {}; the reference is ignored",
                            tf.join(" or ")
                        ),
                    );
                }
                Target::InlineSubnet(v, s) => self.warn_attr(
                    "terraform-link-unexpected",
                    node,
                    format!(
                        "refers to subnet {v}/{s}, which is not a {}; the reference is ignored",
                        tf.join(" or ")
                    ),
                ),
            }
        }
        if local.is_empty() && outside.is_empty() && !others.is_empty() {
            self.not_a(node, &others, &tf.join(" or "));
        }
        (local, outside)
    }

    /// The name written in a `*_name` attribute (`virtual_network_name`, `zone_name`, …), or,
    /// when it is known only after apply, the name of the resource its reference leads to.
    pub(crate) fn name_ref(&mut self, idx: usize, node: &Node, tf: &[&str]) -> Option<String> {
        match self.string(node) {
            Val::Known(s) => Some(s),
            Val::Absent => None,
            Val::Unknown => {
                let found: Vec<usize> = self
                    .refs
                    .targets(idx, node)
                    .into_iter()
                    .filter(|&t| tf.contains(&self.inst(t).rtype.as_str()))
                    .collect();
                match found.as_slice() {
                    [one] => Some(self.name(*one)),
                    [] => {
                        self.warn_attr(
                            "terraform-link-unresolved",
                            node,
                            "known only after apply, and the plan's configuration has no reference to a resource in this input",
                        );
                        None
                    }
                    many => {
                        let names: Vec<String> = many.iter().map(|&i| self.inst(i).address.clone()).collect();
                        self.warn_attr(
                            "terraform-link-ambiguous",
                            node,
                            format!("could be any of {}; adbflow cannot tell which", names.join(", ")),
                        );
                        None
                    }
                }
            }
        }
    }

    fn targets(&mut self, idx: usize, node: &Node) -> Vec<Target> {
        let mut out = Vec::new();
        let mut follow_refs = false;
        match node.raw() {
            Val::Known(Value::String(s)) => out.extend(self.target_of_id(node, s)),
            Val::Known(Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    match v {
                        Value::String(s) => out.extend(self.target_of_id(&node.at(i), s)),
                        _ => follow_refs |= node.at(i).raw().is_unknown() || v.is_null(),
                    }
                }
            }
            Val::Known(other) => {
                self.uninterpreted(node, format!("expected an Azure resource ID, found {other}; ignored"));
            }
            Val::Unknown => follow_refs = true,
            Val::Absent => {}
        }
        if follow_refs {
            let found = self.refs.targets(idx, node);
            if found.is_empty() {
                self.warn_attr(
                    "terraform-link-unresolved",
                    node,
                    "known only after apply, and the plan's configuration has no reference to a resource in this input; the link is left out",
                );
            }
            for i in found {
                out.push(Target::Ref(i));
            }
        }
        out
    }

    fn target_of_id(&mut self, node: &Node, id: &str) -> Option<Target> {
        if id.is_empty() {
            return None;
        }
        if let Some(t) = self.ids.get(&id.to_ascii_lowercase()) {
            return Some(t.clone());
        }
        match ArmId::parse(id) {
            Some(a) => Some(Target::External(a)),
            None => {
                self.uninterpreted(node, format!("'{id}' is not an Azure resource ID; ignored"));
                None
            }
        }
    }

    // ----- names -----

    fn index_names(&mut self) {
        let doc = self.doc;
        for (i, inst) in doc.instances.iter().enumerate() {
            if inst.data || !self.named_types.contains(inst.rtype.as_str()) {
                continue;
            }
            let n = self.node(i).get("name");
            let name = match self.string(&n) {
                Val::Known(s) => s,
                Val::Unknown => {
                    let s = stand_in(&inst.address);
                    self.warn(
                        "terraform-name-known-after-apply",
                        i,
                        format!("the Azure name is known only after apply; adbflow calls it '{s}' meanwhile"),
                    );
                    s
                }
                Val::Absent => {
                    let s = stand_in(&inst.address);
                    self.warn(
                        "terraform-name-missing",
                        i,
                        format!("the resource has no name; adbflow calls it '{s}'"),
                    );
                    s
                }
            };
            self.names.insert(i, name);
        }
        // Resources that create an element own their ID. Associations (and storage network
        // rules) reuse the ID of the subnet or account they configure, so they are left out; other
        // resources (a NIC an ASG association names) come first so elements win any clash.
        let reuses_id = |t: &str| t.ends_with("_association") || t == "azurerm_storage_account_network_rules";
        for named in [false, true] {
            for (i, inst) in doc.instances.iter().enumerate() {
                if inst.data
                    || reuses_id(&inst.rtype)
                    || self.named_types.contains(inst.rtype.as_str()) != named
                {
                    continue;
                }
                if let Val::Known(id) = self.string(&self.node(i).get("id")) {
                    self.ids.insert(id.to_ascii_lowercase(), Target::Inst(i));
                }
            }
        }
        for (i, inst) in doc.instances.iter().enumerate() {
            if inst.data || inst.rtype != "azurerm_virtual_network" {
                continue;
            }
            let vnet = self.name(i);
            if let Val::Known(blocks) = self.node(i).get("subnet").items() {
                for b in blocks {
                    let (id, name) = (self.string(&b.get("id")), self.string(&b.get("name")));
                    if let (Val::Known(id), Val::Known(name)) = (id, name) {
                        // State echoes subnets of `azurerm_subnet` resources here too; the
                        // resource itself is the better target.
                        self.ids
                            .entry(id.to_ascii_lowercase())
                            .or_insert(Target::InlineSubnet(vnet.clone(), name));
                    }
                }
            }
        }
        for (i, inst) in doc.instances.iter().enumerate() {
            if inst.data || inst.rtype != "azurerm_subnet" {
                continue;
            }
            let node = self.node(i).get("virtual_network_name");
            let vnet = match self.string(&node) {
                Val::Known(v) => Some(v),
                Val::Unknown => {
                    let vnets: Vec<usize> = self
                        .refs
                        .targets(i, &node)
                        .into_iter()
                        .filter(|&t| doc.instances[t].rtype == "azurerm_virtual_network")
                        .collect();
                    match vnets.as_slice() {
                        [one] => Some(self.name(*one)),
                        _ => None,
                    }
                }
                Val::Absent => None,
            };
            if let Some(v) = vnet {
                self.subnet_paths.insert(i, (v, self.name(i)));
            }
        }
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
