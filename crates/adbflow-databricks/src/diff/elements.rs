//! Which configuration elements a change adds, removes, renames or modifies. Elements are matched
//! by stable identity — the Terraform resource address when both sides have one, else the element
//! ID — and an unmatched removal and addition of a nested element (rule, route, subnet, record) of
//! the same kind, under the same parent, with the same content apart from the name is a rename (an NSG rule with a new name but the same priority,
//! direction and match is the same rule to Azure's evaluation).

use adbflow_model::{Estate, Origin};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementChangeKind {
    Added,
    Removed,
    Renamed,
    Modified,
}

impl ElementChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ElementChangeKind::Added => "added",
            ElementChangeKind::Removed => "removed",
            ElementChangeKind::Renamed => "renamed",
            ElementChangeKind::Modified => "modified",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementChange {
    pub change: ElementChangeKind,
    /// `nsg-rule`, `subnet`, `nat-gateway`, …
    pub kind: &'static str,
    /// The element's ID on the new side (the old side for a removal).
    pub id: String,
    /// The ID on the old side, when a rename changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Top-level fields whose value changed (modifications only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Where the element is defined (the new side's, else the old side's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone)]
struct Item {
    kind: &'static str,
    parent: String,
    id: String,
    address: Option<String>,
    content: Map<String, Value>,
    origin: Option<Origin>,
}

/// A nested collection: (field, ID prefix).
type Children = &'static [(&'static str, &'static str)];

/// Top-level collections: (estate field, ID prefix, children).
const KINDS: &[(&str, &str, Children)] = &[
    ("vnets", "vnet", &[("subnets", "subnet")]),
    ("nsgs", "nsg", &[("rules", "nsg-rule")]),
    ("application_security_groups", "asg", &[]),
    ("route_tables", "route-table", &[("routes", "route")]),
    ("nat_gateways", "nat-gateway", &[]),
    ("public_ips", "public-ip", &[]),
    ("public_ip_prefixes", "public-ip-prefix", &[]),
    ("load_balancers", "load-balancer", &[]),
    ("peerings", "peering", &[]),
    ("gateways", "gateway", &[]),
    ("private_endpoints", "private-endpoint", &[]),
    ("private_dns_zones", "private-dns-zone", &[("records", "dns-record"), ("links", "dns-link")]),
    ("endpoints", "endpoint", &[]),
    ("service_endpoint_policies", "service-endpoint-policy", &[]),
    ("firewalls", "firewall", &[]),
    ("firewall_policies", "firewall-policy", &[]),
    ("ip_groups", "ip-group", &[]),
    ("storage_accounts", "storage-account", &[]),
    ("workspaces", "workspace", &[]),
];

/// The name part of an element's ID, as `adbflow_model::ids` spells it.
fn name_of(kind: &str, obj: &Map<String, Value>) -> String {
    let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    match kind {
        "peering" => format!("{}/{}", s("vnet").unwrap_or_default(), s("name").unwrap_or_default()),
        "endpoint" => s("fqdn").unwrap_or_default(),
        "dns-link" => s("vnet").unwrap_or_default(),
        _ => s("name").unwrap_or_default(),
    }
}

fn address_of(origin: &Option<Origin>) -> Option<String> {
    match origin {
        Some(Origin::Address { address, .. }) => Some(address.to_string()),
        _ => None,
    }
}

fn item(kind: &'static str, parent: &str, mut obj: Map<String, Value>, strip: &[&str]) -> Item {
    let name = name_of(kind, &obj);
    let id = if parent.is_empty() { format!("{kind}:{name}") } else { format!("{kind}:{parent}/{name}") };
    let origin =
        obj.remove("origin").and_then(|o| serde_json::from_value::<OriginIn>(o).ok()).map(Origin::from);
    for k in strip {
        obj.remove(*k);
    }
    // Nested values (inline tables) carry their own positions, which move with any edit above them.
    for v in obj.values_mut() {
        strip_origins(v);
    }
    // A rename keeps everything but the name; the link's identity is its VNet, which is kept.
    if kind != "dns-link" && kind != "endpoint" {
        obj.remove("name");
    }
    Item { kind, parent: parent.to_string(), id, address: address_of(&origin), content: obj, origin }
}

fn strip_origins(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("origin");
            m.values_mut().for_each(strip_origins);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_origins),
        _ => {}
    }
}

/// `Origin` only serializes; this reads back the same shape.
#[derive(serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum OriginIn {
    File { file: String, line: u32, column: u32 },
    Path { file: String, path: String },
    Address { file: String, address: String },
    Platform { by: String },
}

impl From<OriginIn> for Origin {
    fn from(o: OriginIn) -> Self {
        match o {
            OriginIn::File { file, line, column } => Origin::File { file: file.into(), line, column },
            OriginIn::Path { file, path } => Origin::Path { file: file.into(), path: path.into() },
            OriginIn::Address { file, address } => {
                Origin::Address { file: file.into(), address: address.into() }
            }
            OriginIn::Platform { by } => Origin::Platform { by: by.into() },
        }
    }
}

fn inventory(estate: &Estate) -> Vec<Item> {
    let Ok(Value::Object(mut root)) = serde_json::to_value(estate) else { return Vec::new() };
    let mut out = Vec::new();
    // Taken apart rather than copied: the estate as JSON values is several times its size.
    for (field, kind, children) in KINDS {
        let Some(Value::Array(list)) = root.get_mut(*field).map(Value::take) else { continue };
        for v in list {
            let Value::Object(mut obj) = v else { continue };
            let parent_name = name_of(kind, &obj);
            for (cfield, ckind) in *children {
                // Left as null, which `item` strips with the field.
                if let Some(Value::Array(cl)) = obj.get_mut(*cfield).map(Value::take) {
                    for c in cl {
                        if let Value::Object(cobj) = c {
                            out.push(item(ckind, &parent_name, cobj, &[]));
                        }
                    }
                }
            }
            let strip: Vec<&str> = children.iter().map(|(f, _)| *f).collect();
            out.push(item(kind, "", obj, &strip));
        }
    }
    out
}

/// How many elements of each kind carry each resource address.
fn address_counts(items: &[Item]) -> HashMap<(&'static str, &str), usize> {
    let mut counts = HashMap::new();
    for i in items {
        if let Some(a) = &i.address {
            *counts.entry((i.kind, a.as_str())).or_insert(0) += 1;
        }
    }
    counts
}

/// Positions of elements by a key in estate order, answering the first that is still unmatched.
struct FirstPresent<'a> {
    /// Key → (how many of its positions are known to be matched already, its positions).
    positions: HashMap<&'a str, (usize, Vec<usize>)>,
}

impl<'a> FirstPresent<'a> {
    fn new(keys: impl Iterator<Item = &'a str>) -> Self {
        let mut positions: HashMap<&str, (usize, Vec<usize>)> = HashMap::new();
        for (i, k) in keys.enumerate() {
            positions.entry(k).or_default().1.push(i);
        }
        FirstPresent { positions }
    }

    fn first(&mut self, key: &str, left: &[Option<&Item>]) -> Option<usize> {
        let (skipped, list) = self.positions.get_mut(key)?;
        while list.get(*skipped).is_some_and(|&i| left[i].is_none()) {
            *skipped += 1;
        }
        list.get(*skipped).copied()
    }
}

fn changed_fields(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

/// The element changes from `old` to `new`, and the renames as old ID → new ID.
pub fn element_changes(old: &Estate, new: &Estate) -> (Vec<ElementChange>, BTreeMap<String, String>) {
    let old_items = inventory(old);
    let new_items = inventory(new);
    let mut old_left: Vec<Option<&Item>> = old_items.iter().map(Some).collect();
    let mut pairs: Vec<(&Item, &Item)> = Vec::new();
    let mut added: Vec<&Item> = Vec::new();

    // The resource address is the identity Terraform keeps across a rename; then the ID.
    // Indexed by address, ID and parent: comparing every new element with every old one took
    // minutes on an enterprise estate's hundred thousand rules, routes and subnets.
    let mut unmatched_new = Vec::new();
    // Inline blocks (an NSG's security_rule) share their resource's address, so an address is
    // an identity only where exactly one element of its kind carries it on each side.
    let new_addresses = address_counts(&new_items);
    let old_unique_address: HashMap<(&str, &str), usize> = {
        let counts = address_counts(&old_items);
        old_items
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let key = (o.kind, o.address.as_deref()?);
                (counts[&key] == 1).then_some((key, i))
            })
            .collect()
    };
    let mut old_by_id = FirstPresent::new(old_items.iter().map(|o| o.id.as_str()));
    for n in &new_items {
        let by_addr = n
            .address
            .as_deref()
            .filter(|a| new_addresses[&(n.kind, *a)] == 1)
            .and_then(|a| old_unique_address.get(&(n.kind, a)).copied())
            .filter(|&i| old_left[i].is_some());
        let found = by_addr.or_else(|| old_by_id.first(n.id.as_str(), &old_left));
        match found {
            #[allow(clippy::expect_used)] // an internal invariant, not input
            Some(i) => pairs.push((old_left[i].take().expect("position found a present item"), n)),
            None => unmatched_new.push(n),
        }
    }
    // Content identifies an element only inside its parent and only when it says it once: a rule
    // is its NSG's priority, direction and match, but two public IPs with default settings are not
    // the same address (top-level elements are matched by name or resource address only).
    let mut old_in_parent: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, o) in old_items.iter().enumerate().filter(|(_, o)| !o.parent.is_empty()) {
        old_in_parent.entry((o.kind, o.parent.as_str())).or_default().push(i);
    }
    let mut new_in_parent: HashMap<(&str, &str), Vec<&Item>> = HashMap::new();
    for n in &unmatched_new {
        new_in_parent.entry((n.kind, n.parent.as_str())).or_default().push(n);
    }
    for n in unmatched_new {
        if n.parent.is_empty() || n.content.is_empty() {
            added.push(n);
            continue;
        }
        let key = (n.kind, n.parent.as_str());
        let candidates: Vec<usize> = old_in_parent
            .get(&key)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| old_left[i].is_some_and(|o| o.content == n.content))
            .collect();
        let twins = new_in_parent.get(&key).into_iter().flatten().filter(|m| m.content == n.content).count();
        match candidates[..] {
            [i] if twins == 1 => {
                #[allow(clippy::expect_used)] // an internal invariant, not input
                pairs.push((old_left[i].take().expect("candidate is present"), n))
            }
            _ => added.push(n),
        }
    }

    let mut renames = BTreeMap::new();
    let mut out = Vec::new();
    for (o, n) in pairs {
        if o.id != n.id {
            renames.insert(o.id.clone(), n.id.clone());
            out.push(ElementChange {
                change: ElementChangeKind::Renamed,
                kind: n.kind,
                id: n.id.clone(),
                old_id: Some(o.id.clone()),
                fields: changed_fields(&o.content, &n.content),
                origin: n.origin.clone(),
            });
        } else if o.content != n.content {
            out.push(ElementChange {
                change: ElementChangeKind::Modified,
                kind: n.kind,
                id: n.id.clone(),
                old_id: None,
                fields: changed_fields(&o.content, &n.content),
                origin: n.origin.clone(),
            });
        }
    }
    out.extend(added.into_iter().map(|n| ElementChange {
        change: ElementChangeKind::Added,
        kind: n.kind,
        id: n.id.clone(),
        old_id: None,
        fields: Vec::new(),
        origin: n.origin.clone(),
    }));
    out.extend(old_left.into_iter().flatten().map(|o| ElementChange {
        change: ElementChangeKind::Removed,
        kind: o.kind,
        id: o.id.clone(),
        old_id: None,
        fields: Vec::new(),
        origin: o.origin.clone(),
    }));
    out.sort_by(|a, b| a.change.cmp(&b.change).then_with(|| a.id.cmp(&b.id)));
    (out, renames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estate(toml_text: &str) -> Estate {
        toml::from_str(toml_text).expect("test estate parses")
    }

    fn rule(name: &str, priority: u32) -> String {
        format!(
            "[[nsgs.rules]]\nname = \"{name}\"\npriority = {priority}\ndirection = \"Outbound\"\n\
             access = \"Deny\"\nprotocol = \"Tcp\"\ndestination = \"Internet\"\ndestination_ports = \"443\"\n"
        )
    }

    fn changes(old: &str, new: &str) -> Vec<(ElementChangeKind, String, Option<String>)> {
        let (c, _) = element_changes(&estate(old), &estate(new));
        c.into_iter().map(|c| (c.change, c.id, c.old_id)).collect()
    }

    #[test]
    fn same_content_new_name_is_a_rename_and_maps_the_id() {
        let old = format!("[[nsgs]]\nname = \"n\"\n{}", rule("a", 100));
        let new = format!("[[nsgs]]\nname = \"n\"\n{}", rule("b", 100));
        let (c, renames) = element_changes(&estate(&old), &estate(&new));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].change, ElementChangeKind::Renamed);
        assert_eq!(renames.get("nsg-rule:n/a").map(String::as_str), Some("nsg-rule:n/b"));
    }

    #[test]
    fn a_rename_under_another_parent_is_delete_and_add() {
        let old = format!("[[nsgs]]\nname = \"n\"\n{}[[nsgs]]\nname = \"m\"\n", rule("a", 100));
        let new = format!("[[nsgs]]\nname = \"n\"\n[[nsgs]]\nname = \"m\"\n{}", rule("b", 100));
        assert_eq!(
            changes(&old, &new),
            vec![
                (ElementChangeKind::Added, "nsg-rule:m/b".into(), None),
                (ElementChangeKind::Removed, "nsg-rule:n/a".into(), None)
            ]
        );
    }

    // Two empty public IPs say nothing about which is which.
    #[test]
    fn elements_without_content_are_never_renames() {
        let old = "[[public_ips]]\nname = \"p1\"\n";
        let new = "[[public_ips]]\nname = \"p2\"\n";
        assert_eq!(
            changes(old, new),
            vec![
                (ElementChangeKind::Added, "public-ip:p2".into(), None),
                (ElementChangeKind::Removed, "public-ip:p1".into(), None)
            ]
        );
    }

    #[test]
    fn ambiguous_twins_are_not_renames() {
        let old = format!("[[nsgs]]\nname = \"n\"\n{}", rule("a", 100));
        let new = format!("[[nsgs]]\nname = \"n\"\n{}{}", rule("b", 100), rule("c", 100));
        let kinds: Vec<ElementChangeKind> = changes(&old, &new).into_iter().map(|c| c.0).collect();
        assert_eq!(
            kinds,
            vec![ElementChangeKind::Added, ElementChangeKind::Added, ElementChangeKind::Removed]
        );
    }

    #[test]
    fn a_changed_field_is_a_modification_naming_the_field() {
        let old = format!("[[nsgs]]\nname = \"n\"\n{}", rule("a", 100));
        let new = format!("[[nsgs]]\nname = \"n\"\n{}", rule("a", 200));
        let (c, _) = element_changes(&estate(&old), &estate(&new));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].change, ElementChangeKind::Modified);
        assert_eq!(c[0].fields, vec!["priority".to_string()]);
    }
}
