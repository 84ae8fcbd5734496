//! VNets, subnets and gateways: address layout, the references a subnet makes, and the special
//! subnets Azure requires.

use super::{dangling, defined_at, overlaps};
use crate::diagnostic::Diagnostic;
use crate::estate::Estate;
use crate::lookup::Lookup;
use crate::network::{Subnet, VNet};
use crate::origin::ids;
use std::collections::BTreeMap;

/// Azure's smallest IPv4 subnet: it reserves five addresses in every subnet.
const MAX_SUBNET_PREFIX_LEN: u8 = 29;

pub(super) fn check(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    for vnet in &e.vnets {
        address_space(vnet, out);
        for (i, subnet) in vnet.subnets.iter().enumerate() {
            layout(vnet, &vnet.subnets[..i], subnet, out);
            references(lx, vnet, subnet, out);
            service_endpoints(vnet, subnet, out);
        }
    }
    asgs_in_one_vnet(e, out);
    gateways(lx, out);
}

fn address_space(vnet: &VNet, out: &mut Vec<Diagnostic>) {
    let id = ids::vnet(&vnet.name);
    let origin = vnet.origin.as_ref();
    if vnet.address_space.is_empty() {
        out.push(Diagnostic::error(
            "vnet-address-space-empty",
            id.clone(),
            format!(
                "virtual network '{}' has no address space; Azure requires at least one address prefix",
                vnet.name
            ),
            origin,
        ));
    }
    for (i, a) in vnet.address_space.iter().enumerate() {
        for b in &vnet.address_space[..i] {
            if overlaps(&a.0, &b.0) {
                out.push(Diagnostic::error(
                    "vnet-address-overlap",
                    id.clone(),
                    format!(
                        "Cannot create or update virtual network '{}': address space {a} overlaps with \
                         address space {b} of the same virtual network",
                        vnet.name
                    ),
                    origin,
                ));
            }
        }
    }
}

fn layout(vnet: &VNet, earlier: &[Subnet], subnet: &Subnet, out: &mut Vec<Diagnostic>) {
    let id = ids::subnet(&vnet.name, &subnet.name);
    let origin = subnet.origin.as_ref();
    let prefix = subnet.prefix.0;
    if !vnet.address_space.is_empty() && !vnet.address_space.iter().any(|a| a.0.contains(&prefix)) {
        let ranges: Vec<String> = vnet.address_space.iter().map(|a| a.to_string()).collect();
        out.push(Diagnostic::error(
            "subnet-outside-vnet",
            id.clone(),
            format!(
                "Subnet '{}' is not valid because its IP address range {prefix} is outside the IP address \
                 ranges of virtual network '{}' ({})",
                subnet.name,
                vnet.name,
                ranges.join(", ")
            ),
            origin,
        ));
    }
    if prefix.prefix_len() > MAX_SUBNET_PREFIX_LEN {
        out.push(Diagnostic::error(
            "subnet-too-small",
            id.clone(),
            format!(
                "Subnet '{}' has prefix {prefix}; the smallest subnet Azure supports is a /{MAX_SUBNET_PREFIX_LEN} \
                 (Azure reserves five addresses in every subnet)",
                subnet.name
            ),
            origin,
        ));
    }
    for other in earlier {
        if overlaps(&prefix, &other.prefix.0) {
            out.push(Diagnostic::error(
                "subnet-overlap",
                id.clone(),
                format!(
                    "Subnet '{}' is not valid because its IP address range {prefix} overlaps with that of \
                     an existing subnet '{}' ({}){} in virtual network '{}'",
                    subnet.name,
                    other.name,
                    other.prefix,
                    defined_at(other.origin.as_ref()),
                    vnet.name
                ),
                origin,
            ));
        }
    }
}

fn references(lx: &Lookup<'_>, vnet: &VNet, s: &Subnet, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    let id = || ids::subnet(&vnet.name, &s.name);
    let origin = s.origin.as_ref();
    if let Some(n) = &s.nsg {
        if lx.nsg(n).is_none() {
            dangling(out, id(), origin, "nsg", "network security group", n);
        }
    }
    if let Some(n) = &s.route_table {
        if lx.route_table(n).is_none() {
            dangling(out, id(), origin, "route_table", "route table", n);
        }
    }
    if let Some(n) = &s.nat_gateway {
        if e.nat_gateway(n).is_none() {
            dangling(out, id(), origin, "nat_gateway", "NAT gateway", n);
        }
    }
    if let Some(n) = &s.load_balancer {
        if e.load_balancer(n).is_none() {
            dangling(out, id(), origin, "load_balancer", "load balancer", n);
        }
    }
    if let Some(n) = &s.instance_public_ip {
        // "dynamic" stands for instance IPs that are not modelled as resources.
        if n != "dynamic" && e.public_ip(n).is_none() {
            dangling(out, id(), origin, "instance_public_ip", "public IP address", n);
        }
    }
    for n in &s.service_endpoint_policies {
        if e.service_endpoint_policy(n).is_none() {
            dangling(out, id(), origin, "service_endpoint_policies", "service endpoint policy", n);
        }
    }
    for n in &s.application_security_groups {
        if e.asg(n).is_none() {
            dangling(out, id(), origin, "application_security_groups", "application security group", n);
        }
    }
}

const STORAGE: &str = "Microsoft.Storage";
const STORAGE_GLOBAL: &str = "Microsoft.Storage.Global";

fn service_endpoints(vnet: &VNet, s: &Subnet, out: &mut Vec<Diagnostic>) {
    let has = |name: &str| s.service_endpoints.iter().any(|x| x.eq_ignore_ascii_case(name));
    let id = || ids::subnet(&vnet.name, &s.name);
    if has(STORAGE) && has(STORAGE_GLOBAL) {
        out.push(Diagnostic::error(
            "service-endpoint-conflict",
            id(),
            format!(
                "Subnet '{}' has both {STORAGE} and {STORAGE_GLOBAL} service endpoints; Azure allows only \
                 one of the two on a subnet",
                s.name
            ),
            s.origin.as_ref(),
        ));
    }
    if !s.service_endpoint_policies.is_empty() && !has(STORAGE) && !has(STORAGE_GLOBAL) {
        out.push(Diagnostic::error(
            "service-endpoint-policy-without-endpoint",
            id(),
            format!(
                "Subnet '{}' has service endpoint policies but no {STORAGE} service endpoint; Azure applies \
                 service endpoint policies only to subnets with that endpoint and rejects the association",
                s.name
            ),
            s.origin.as_ref(),
        ));
    }
}

/// Azure requires every NIC of an application security group to be in one VNet.
fn asgs_in_one_vnet(e: &Estate, out: &mut Vec<Diagnostic>) {
    let mut vnets_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in e.subnets() {
        for a in &s.subnet.application_security_groups {
            let v = vnets_of.entry(a).or_default();
            if !v.contains(&s.vnet.name.as_str()) {
                v.push(&s.vnet.name);
            }
        }
    }
    for (asg, vnets) in vnets_of {
        if vnets.len() > 1 {
            let origin = e.asg(asg).and_then(|a| a.origin.as_ref());
            out.push(Diagnostic::error(
                "asg-multiple-vnets",
                ids::asg(asg),
                format!(
                    "application security group '{asg}' is used by subnets in virtual networks {}; all \
                     network interfaces of an application security group must be in the same virtual network",
                    vnets.join(", ")
                ),
                origin,
            ));
        }
    }
}

fn gateways(lx: &Lookup<'_>, out: &mut Vec<Diagnostic>) {
    let e = lx.estate();
    for g in &e.gateways {
        let id = ids::gateway(&g.name);
        let origin = g.origin.as_ref();
        match lx.vnet(&g.vnet) {
            None => dangling(out, id, origin, "vnet", "virtual network", &g.vnet),
            Some(v) if !v.subnets.iter().any(|s| s.name == "GatewaySubnet") => out.push(Diagnostic::error(
                "gateway-subnet-missing",
                id,
                format!(
                    "virtual network gateway '{}' needs a subnet named 'GatewaySubnet' in virtual network \
                     '{}'; Azure rejects a gateway without it",
                    g.name, v.name
                ),
                origin,
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::json;

    #[test]
    fn empty_address_space_is_an_error() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": []}]}));
        expect_one(&e, "vnet-address-space-empty", Severity::Error, "vnet:v", &["at least one"]);
        expect_none(&estate(one_vnet()), "vnet-address-space-empty");
    }

    #[test]
    fn overlapping_address_spaces_of_one_vnet() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16", "10.0.128.0/17"]}]}));
        expect_one(&e, "vnet-address-overlap", Severity::Error, "vnet:v", &["10.0.128.0/17", "10.0.0.0/16"]);
        let ok = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16", "10.1.0.0/16"]}]}));
        expect_none(&ok, "vnet-address-overlap");
    }

    #[test]
    fn subnet_outside_every_vnet_range() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16", "10.2.0.0/16"],
            "subnets": [{"name": "in2", "prefix": "10.2.1.0/24"}, {"name": "out", "prefix": "10.1.0.0/24"},
                        {"name": "straddle", "prefix": "10.0.0.0/15"}]}]}));
        let found = with_code(&e, "subnet-outside-vnet");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["subnet:v/out", "subnet:v/straddle"]);
        assert!(found[0].message.contains("is outside the IP address ranges"), "{}", found[0]);
    }

    #[test]
    fn overlapping_subnets_are_reported_on_the_later_one() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16"], "subnets": [
            {"name": "a", "prefix": "10.0.0.0/23"}, {"name": "b", "prefix": "10.0.1.0/24"},
            {"name": "c", "prefix": "10.0.2.0/24"}]}]}));
        expect_one(&e, "subnet-overlap", Severity::Error, "subnet:v/b", &["existing subnet 'a'", "overlaps"]);
    }

    #[test]
    fn subnets_smaller_than_slash_29_are_rejected() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16"], "subnets": [
            {"name": "tiny", "prefix": "10.0.0.0/30"}, {"name": "ok", "prefix": "10.0.1.0/29"}]}]}));
        expect_one(&e, "subnet-too-small", Severity::Error, "subnet:v/tiny", &["/29"]);
    }

    #[test]
    fn subnet_references_must_resolve() {
        let e = estate(json!({
            "nsgs": [{"name": "nsg1"}],
            "vnets": [{"name": "v", "address_space": ["10.0.0.0/16"], "subnets": [
                {"name": "s", "prefix": "10.0.1.0/24", "nsg": "nsg1", "route_table": "rt-missing",
                 "nat_gateway": "nat-missing", "load_balancer": "lb-missing",
                 "service_endpoints": ["Microsoft.Storage"],
                 "service_endpoint_policies": ["sep-missing"], "application_security_groups": ["asg-missing"],
                 "instance_public_ip": "pip-missing"},
                {"name": "d", "prefix": "10.0.2.0/24", "instance_public_ip": "dynamic"}]}]
        }));
        let found = with_code(&e, "dangling-reference");
        let msgs: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(found.len(), 6, "{msgs:#?}");
        for needle in ["rt-missing", "nat-missing", "lb-missing", "sep-missing", "asg-missing", "pip-missing"]
        {
            assert!(msgs.iter().any(|m| m.contains(needle)), "no dangling report for {needle}: {msgs:#?}");
        }
        assert!(found.iter().all(|d| d.element == "subnet:v/s"));
    }

    #[test]
    fn storage_and_storage_global_endpoints_conflict() {
        let e = estate(json!({"vnets": [{"name": "v", "address_space": ["10.0.0.0/16"], "subnets": [
            {"name": "s", "prefix": "10.0.1.0/24",
             "service_endpoints": ["Microsoft.Storage", "Microsoft.Storage.Global"]},
            {"name": "t", "prefix": "10.0.2.0/24", "service_endpoints": ["Microsoft.Storage.Global"]}]}]}));
        expect_one(&e, "service-endpoint-conflict", Severity::Error, "subnet:v/s", &["only one"]);
    }

    #[test]
    fn service_endpoint_policy_needs_the_storage_endpoint() {
        let e = estate(json!({
            "service_endpoint_policies": [{"name": "sep"}],
            "vnets": [{"name": "v", "address_space": ["10.0.0.0/16"], "subnets": [
                {"name": "bare", "prefix": "10.0.1.0/24", "service_endpoint_policies": ["sep"]},
                {"name": "good", "prefix": "10.0.2.0/24", "service_endpoint_policies": ["sep"],
                 "service_endpoints": ["Microsoft.Storage"]}]}]
        }));
        expect_one(
            &e,
            "service-endpoint-policy-without-endpoint",
            Severity::Error,
            "subnet:v/bare",
            &["Microsoft.Storage"],
        );
    }

    #[test]
    fn an_asg_cannot_span_vnets() {
        let e = estate(json!({
            "application_security_groups": [{"name": "web"}, {"name": "db"}],
            "vnets": [
                {"name": "a", "address_space": ["10.0.0.0/16"], "subnets": [
                    {"name": "s", "prefix": "10.0.1.0/24", "application_security_groups": ["web", "db"]},
                    {"name": "t", "prefix": "10.0.2.0/24", "application_security_groups": ["db"]}]},
                {"name": "b", "address_space": ["10.1.0.0/16"], "subnets": [
                    {"name": "s", "prefix": "10.1.1.0/24", "application_security_groups": ["web"]}]}]
        }));
        expect_one(&e, "asg-multiple-vnets", Severity::Error, "asg:web", &["a, b"]);
    }

    #[test]
    fn gateway_needs_its_vnet_and_gateway_subnet() {
        let e = estate(json!({
            "vnets": [
                {"name": "nogw", "address_space": ["10.0.0.0/16"]},
                {"name": "hub", "address_space": ["10.1.0.0/16"], "subnets": [
                    {"name": "GatewaySubnet", "prefix": "10.1.255.0/27"}]}],
            "gateways": [
                {"name": "g1", "vnet": "nogw", "kind": "Vpn"},
                {"name": "g2", "vnet": "hub", "kind": "ExpressRoute"},
                {"name": "g3", "vnet": "ghost", "kind": "Vpn"}]
        }));
        expect_one(&e, "gateway-subnet-missing", Severity::Error, "gateway:g1", &["GatewaySubnet"]);
        expect_one(&e, "dangling-reference", Severity::Error, "gateway:g3", &["'ghost'"]);
    }
}
