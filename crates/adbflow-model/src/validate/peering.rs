//! VNet peerings: both ends exist, address spaces do not overlap, gateway transit is consistent.

use super::{dangling, defined_at, overlaps};
use crate::diagnostic::Diagnostic;
use crate::lookup::Lookup;
use crate::network::{Peering, VNet};
use crate::origin::ids;
use std::collections::BTreeMap;

pub(super) fn check(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    let mut seen_pairs: BTreeMap<(&str, &str), &Peering> = BTreeMap::new();
    let mut remote_gateway_users: BTreeMap<&str, Vec<&Peering>> = BTreeMap::new();
    for p in &e.peerings {
        let id = ids::peering(&p.vnet, &p.name);
        let origin = p.origin.as_ref();
        let local = lx.vnet(&p.vnet);
        let remote = lx.vnet(&p.remote_vnet);
        if local.is_none() {
            dangling(out, id.clone(), origin, "vnet", "virtual network", &p.vnet);
        }
        if remote.is_none() {
            dangling(out, id.clone(), origin, "remote_vnet", "virtual network", &p.remote_vnet);
        }
        if p.vnet == p.remote_vnet {
            out.push(Diagnostic::error(
                "peering-self",
                id.clone(),
                format!(
                    "peering '{}' connects virtual network '{}' to itself; Azure rejects it",
                    p.name, p.vnet
                ),
                origin,
            ));
            continue;
        }
        if let Some(first) = seen_pairs.insert((&p.vnet, &p.remote_vnet), p) {
            out.push(Diagnostic::error(
                "duplicate-peering",
                id.clone(),
                format!(
                    "virtual network '{}' is already peered with '{}' by peering '{}'{}; Azure allows one \
                     peering per pair of virtual networks",
                    p.vnet,
                    p.remote_vnet,
                    first.name,
                    defined_at(first.origin.as_ref())
                ),
                origin,
            ));
        }
        if let (Some(l), Some(r)) = (local, remote) {
            address_overlap(p, l, r, &id, out);
            if lx.reverse_peering(p).is_none() {
                out.push(Diagnostic::warning(
                    "peering-not-connected",
                    id.clone(),
                    format!(
                        "no peering from '{}' back to '{}' is defined; Azure shows this peering as Initiated \
                         and no traffic flows until both directions exist",
                        p.remote_vnet, p.vnet
                    ),
                    origin,
                ));
            }
        }
        if p.use_remote_gateways {
            remote_gateway_users.entry(&p.vnet).or_default().push(p);
            remote_gateways(lx, p, &id, out);
        }
    }
    for (vnet, users) in remote_gateway_users {
        for p in users.iter().skip(1) {
            out.push(Diagnostic::error(
                "peering-remote-gateways",
                ids::peering(&p.vnet, &p.name),
                format!(
                    "virtual network '{vnet}' already uses remote gateways through peering '{}'; Azure allows \
                     use_remote_gateways on only one peering of a virtual network",
                    users[0].name
                ),
                p.origin.as_ref(),
            ));
        }
    }
}

fn address_overlap(p: &Peering, local: &VNet, remote: &VNet, id: &str, out: &mut Vec<Diagnostic>) {
    for a in &local.address_space {
        for b in &remote.address_space {
            if overlaps(&a.0, &b.0) {
                out.push(Diagnostic::error(
                    "peering-address-overlap",
                    id.to_string(),
                    format!(
                        "Cannot peer virtual network '{}' with '{}': address space {a} overlaps with address \
                         space {b} of the remote virtual network; Azure does not allow peering virtual \
                         networks with overlapping address spaces",
                        local.name, remote.name
                    ),
                    p.origin.as_ref(),
                ));
            }
        }
    }
}

fn remote_gateways(lx: &Lookup<'_>, p: &Peering, id: &str, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    let origin = p.origin.as_ref();
    if e.gateways.iter().any(|g| g.vnet == p.vnet) {
        out.push(Diagnostic::error(
            "peering-remote-gateways",
            id.to_string(),
            format!(
                "peering '{}' sets use_remote_gateways but virtual network '{}' has its own gateway; Azure \
                 rejects use_remote_gateways on a virtual network that has a gateway",
                p.name, p.vnet
            ),
            origin,
        ));
    }
    if let Some(back) = lx.reverse_peering(p) {
        if !back.allow_gateway_transit {
            out.push(Diagnostic::warning(
                "peering-gateway-transit",
                id.to_string(),
                format!(
                    "peering '{}' sets use_remote_gateways but the remote peering '{}' does not set \
                     allow_gateway_transit; Azure requires gateway transit on the remote side, so no gateway \
                     routes arrive",
                    p.name, back.name
                ),
                origin,
            ));
        }
    }
    if lx.vnet(&p.remote_vnet).is_some() && !e.gateways.iter().any(|g| g.vnet == p.remote_vnet) {
        out.push(Diagnostic::warning(
            "peering-gateway-transit",
            id.to_string(),
            format!(
                "peering '{}' sets use_remote_gateways but virtual network '{}' has no gateway in this estate",
                p.name, p.remote_vnet
            ),
            origin,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::{json, Value};

    fn two_vnets(hub_space: &str) -> Value {
        json!({"vnets": [
            {"name": "spoke", "address_space": ["10.0.0.0/16"]},
            {"name": "hub", "address_space": [hub_space], "subnets": [
                {"name": "GatewaySubnet", "prefix": format!("{}", hub_space)}]}
        ]})
    }

    fn peer(v: &mut Value, name: &str, from: &str, to: &str, extra: Value) {
        let mut p = json!({"name": name, "vnet": from, "remote_vnet": to});
        if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
            p.extend(extra.clone());
        }
        let list = v.as_object_mut().map(|o| o.entry("peerings").or_insert(json!([])));
        if let Some(Value::Array(a)) = list {
            a.push(p);
        }
    }

    #[test]
    fn peered_vnets_must_not_overlap() {
        let mut v = two_vnets("10.0.128.0/24");
        peer(&mut v, "s2h", "spoke", "hub", json!({}));
        peer(&mut v, "h2s", "hub", "spoke", json!({}));
        let found = with_code(&estate(v), "peering-address-overlap");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].message.contains("overlapping address spaces"));
        let mut ok = two_vnets("10.1.0.0/16");
        peer(&mut ok, "s2h", "spoke", "hub", json!({}));
        expect_none(&estate(ok), "peering-address-overlap");
    }

    #[test]
    fn peering_ends_must_exist_and_differ() {
        let mut v = two_vnets("10.1.0.0/16");
        peer(&mut v, "p1", "spoke", "nowhere", json!({}));
        peer(&mut v, "p2", "spoke", "spoke", json!({}));
        let e = estate(v);
        expect_one(&e, "dangling-reference", Severity::Error, "peering:spoke/p1", &["'nowhere'"]);
        expect_one(&e, "peering-self", Severity::Error, "peering:spoke/p2", &["itself"]);
    }

    #[test]
    fn one_sided_peering_is_a_warning() {
        let mut v = two_vnets("10.1.0.0/16");
        peer(&mut v, "s2h", "spoke", "hub", json!({}));
        expect_one(
            &estate(v.clone()),
            "peering-not-connected",
            Severity::Warning,
            "peering:spoke/s2h",
            &["Initiated"],
        );
        peer(&mut v, "h2s", "hub", "spoke", json!({}));
        expect_none(&estate(v), "peering-not-connected");
    }

    #[test]
    fn second_peering_to_the_same_remote_is_rejected() {
        let mut v = two_vnets("10.1.0.0/16");
        peer(&mut v, "a", "spoke", "hub", json!({}));
        peer(&mut v, "b", "spoke", "hub", json!({}));
        expect_one(&estate(v), "duplicate-peering", Severity::Error, "peering:spoke/b", &["already peered"]);
    }

    #[test]
    fn use_remote_gateways_without_remote_transit_warns() {
        let mut v = two_vnets("10.1.0.0/16");
        v["gateways"] = json!([{"name": "gw", "vnet": "hub", "kind": "Vpn"}]);
        peer(&mut v, "s2h", "spoke", "hub", json!({"use_remote_gateways": true}));
        peer(&mut v, "h2s", "hub", "spoke", json!({}));
        expect_one(
            &estate(v.clone()),
            "peering-gateway-transit",
            Severity::Warning,
            "peering:spoke/s2h",
            &["allow_gateway_transit"],
        );
        v["peerings"][1]["allow_gateway_transit"] = json!(true);
        expect_none(&estate(v), "peering-gateway-transit");
    }

    #[test]
    fn use_remote_gateways_with_own_gateway_is_rejected() {
        let mut v = two_vnets("10.1.0.0/16");
        v["vnets"][0]["subnets"] = json!([{"name": "GatewaySubnet", "prefix": "10.0.255.0/27"}]);
        v["gateways"] = json!([
            {"name": "hubgw", "vnet": "hub", "kind": "Vpn"}, {"name": "own", "vnet": "spoke", "kind": "Vpn"}]);
        peer(&mut v, "s2h", "spoke", "hub", json!({"use_remote_gateways": true}));
        peer(&mut v, "h2s", "hub", "spoke", json!({"allow_gateway_transit": true}));
        expect_one(
            &estate(v),
            "peering-remote-gateways",
            Severity::Error,
            "peering:spoke/s2h",
            &["has its own gateway"],
        );
    }

    #[test]
    fn use_remote_gateways_on_two_peerings_or_towards_no_gateway() {
        let mut v = two_vnets("10.1.0.0/16");
        if let Some(a) = v["vnets"].as_array_mut() {
            a.push(json!({"name": "third", "address_space": ["10.2.0.0/16"]}));
        }
        v["gateways"] = json!([{"name": "gw", "vnet": "hub", "kind": "Vpn"}]);
        peer(&mut v, "s2h", "spoke", "hub", json!({"use_remote_gateways": true}));
        peer(&mut v, "h2s", "hub", "spoke", json!({"allow_gateway_transit": true}));
        peer(&mut v, "s2t", "spoke", "third", json!({"use_remote_gateways": true}));
        peer(&mut v, "t2s", "third", "spoke", json!({"allow_gateway_transit": true}));
        let e = estate(v);
        expect_one(
            &e,
            "peering-remote-gateways",
            Severity::Error,
            "peering:spoke/s2t",
            &["only one peering"],
        );
        expect_one(
            &e,
            "peering-gateway-transit",
            Severity::Warning,
            "peering:spoke/s2t",
            &["'third' has no gateway"],
        );
    }
}
