//! Link resolution for the mappers: a link attribute's value (a known Azure resource ID) or, when
//! it is known only after apply, its configuration references, followed to the element of the
//! wanted kind; and the per-instance names and ID index that resolution relies on.

use super::armid::ArmId;
use super::attrs::{Node, Val};
use super::context::{stand_in, Ctx, SUBNET_ARM};
use super::placed::Placed;
use adbflow_model::Estate;
use serde_json::Value;

/// What a link attribute may point at.
pub(crate) struct Kind {
    /// For messages: "network security group".
    pub what: &'static str,
    /// Terraform resource types that create such an element.
    pub tf: &'static [&'static str],
    /// Lower-cased ARM type path of such an element's ID.
    pub arm: &'static str,
    /// Whether the estate holds an element of this name (for subnets, `VNET/SUBNET`).
    pub exists: fn(&mut Placed, &Estate, &str) -> bool,
}

/// A link's end: a resource in this input, or one outside it known by its ID.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Linked {
    Local(String),
    Outside(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A resource whose ID is the attribute's value.
    Inst(usize),
    /// A resource the attribute's configuration expression refers to; expressions often refer
    /// to more than the link target (`cidrsubnet(azurerm_virtual_network.x.address_space[0], …)`),
    /// so candidates of the wrong type are dropped without a word.
    Ref(usize),
    InlineSubnet(String, String),
    External(ArmId),
}

impl Ctx<'_> {
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
                    if !(kind.exists)(&mut self.placed, &self.estate, &name) {
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
                    if (kind.exists)(&mut self.placed, &self.estate, &name) {
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

    pub(super) fn index_names(&mut self) {
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
