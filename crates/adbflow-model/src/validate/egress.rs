//! NAT gateways, public IPs and prefixes, load balancers: references, limits and the Basic-SKU
//! exclusions Azure enforces.

use super::dangling;
use crate::diagnostic::Diagnostic;
use crate::egress::{NatGateway, Sku};
use crate::estate::Estate;
use crate::origin::ids;

/// 16 public IPs (or a /28 prefix) per NAT gateway.
const NAT_MAX_ADDRESSES: u64 = 16;
const NAT_IDLE_MIN: u32 = 4;
const NAT_IDLE_MAX: u32 = 120;

pub(super) fn check(e: &Estate, out: &mut Vec<Diagnostic>) {
    for nat in &e.nat_gateways {
        nat_resources(e, nat, out);
        nat_subnets(e, nat, out);
    }
    for lb in &e.load_balancers {
        for p in &lb.outbound_public_ips {
            if e.public_ip(p).is_none() {
                let id = ids::load_balancer(&lb.name);
                dangling(out, id, lb.origin.as_ref(), "outbound_public_ips", "public IP address", p);
            }
        }
    }
    for p in &e.public_ip_prefixes {
        let id = ids::public_ip_prefix(&p.name);
        let message = match (p.prefix, p.prefix_length) {
            (_, Some(len)) if len > 32 => {
                Some(format!("prefix_length {len} is not an IPv4 prefix length (0-32)"))
            }
            (Some(prefix), Some(len)) if prefix.0.prefix_len() != len => {
                Some(format!("prefix {prefix} does not have the declared prefix_length {len}"))
            }
            _ => None,
        };
        if let Some(m) = message {
            out.push(Diagnostic::error("public-ip-prefix-length", id, m, p.origin.as_ref()));
        }
    }
}

fn prefix_addresses(e: &Estate, name: &str) -> Option<u64> {
    let p = e.public_ip_prefix(name)?;
    let len = p.prefix.map(|x| x.0.prefix_len()).or(p.prefix_length)?;
    (len <= 32).then(|| 1u64 << (32 - u32::from(len)))
}

fn nat_resources(e: &Estate, nat: &NatGateway, out: &mut Vec<Diagnostic>) {
    let id = || ids::nat_gateway(&nat.name);
    let origin = nat.origin.as_ref();
    if nat.sku == Sku::Basic {
        out.push(Diagnostic::error(
            "nat-gateway-sku",
            id(),
            format!(
                "NAT gateway '{}' has SKU Basic; NAT gateways exist only as Standard or StandardV2",
                nat.name
            ),
            origin,
        ));
    }
    for p in &nat.public_ips {
        match e.public_ip(p) {
            None => dangling(out, id(), origin, "public_ips", "public IP address", p),
            Some(pip) if pip.sku == Sku::Basic => out.push(Diagnostic::error(
                "nat-basic-sku",
                id(),
                format!(
                    "public IP address '{p}' has SKU Basic; a NAT gateway can use only Standard SKU public \
                     IP addresses"
                ),
                origin,
            )),
            Some(_) => {}
        }
    }
    for p in &nat.public_ip_prefixes {
        if e.public_ip_prefix(p).is_none() {
            dangling(out, id(), origin, "public_ip_prefixes", "public IP prefix", p);
        }
    }
    let total: u64 = nat.public_ips.len() as u64
        + nat.public_ip_prefixes.iter().filter_map(|p| prefix_addresses(e, p)).sum::<u64>();
    if total > NAT_MAX_ADDRESSES {
        out.push(Diagnostic::error(
            "nat-too-many-ips",
            id(),
            format!(
                "NAT gateway '{}' has {total} public IP addresses (public IPs plus addresses of public IP \
                 prefixes); a NAT gateway supports at most {NAT_MAX_ADDRESSES}",
                nat.name
            ),
            origin,
        ));
    }
    if !(NAT_IDLE_MIN..=NAT_IDLE_MAX).contains(&nat.idle_timeout_minutes) {
        out.push(Diagnostic::error(
            "nat-idle-timeout",
            id(),
            format!(
                "NAT gateway '{}' has idle_timeout_minutes {}; the TCP idle timeout must be between \
                 {NAT_IDLE_MIN} and {NAT_IDLE_MAX} minutes",
                nat.name, nat.idle_timeout_minutes
            ),
            origin,
        ));
    }
}

/// The subnets a NAT gateway serves: one VNet only, and no Basic-SKU resources in them.
fn nat_subnets(e: &Estate, nat: &NatGateway, out: &mut Vec<Diagnostic>) {
    let mut vnets: Vec<&str> = Vec::new();
    for s in e.subnets().filter(|s| s.subnet.nat_gateway.as_deref() == Some(nat.name.as_str())) {
        if !vnets.contains(&s.vnet.name.as_str()) {
            vnets.push(&s.vnet.name);
        }
        let basic_lb = s
            .subnet
            .load_balancer
            .as_deref()
            .and_then(|n| e.load_balancer(n))
            .filter(|lb| lb.sku == Sku::Basic);
        let basic_ip = s
            .subnet
            .instance_public_ip
            .as_deref()
            .and_then(|n| e.public_ip(n))
            .filter(|p| p.sku == Sku::Basic);
        let culprits = [
            basic_lb.map(|lb| format!("Basic SKU load balancer '{}'", lb.name)),
            basic_ip.map(|p| format!("Basic SKU public IP address '{}'", p.name)),
        ];
        for c in culprits.into_iter().flatten() {
            out.push(Diagnostic::error(
                "nat-basic-sku",
                ids::subnet(&s.vnet.name, &s.subnet.name),
                format!(
                    "Subnet '{}' cannot use NAT gateway '{}' because it holds a {c}; NAT gateway is not \
                     compatible with Basic SKU public IP addresses or load balancers",
                    s.subnet.name, nat.name
                ),
                s.subnet.origin.as_ref(),
            ));
        }
    }
    if vnets.len() > 1 {
        out.push(Diagnostic::error(
            "nat-multiple-vnets",
            ids::nat_gateway(&nat.name),
            format!(
                "NAT gateway '{}' is attached to subnets in virtual networks {}; a NAT gateway can serve \
                 subnets of only one virtual network",
                nat.name,
                vnets.join(", ")
            ),
            nat.origin.as_ref(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::diagnostic::Severity;
    use serde_json::json;

    fn pips(n: usize) -> Vec<serde_json::Value> {
        (0..n).map(|i| json!({"name": format!("pip{i}")})).collect()
    }

    #[test]
    fn nat_references_must_resolve() {
        let e = estate(json!({"nat_gateways": [
            {"name": "nat", "public_ips": ["nope"], "public_ip_prefixes": ["nada"]}]}));
        let found = with_code(&e, "dangling-reference");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found.iter().all(|d| d.element == "nat-gateway:nat"));
    }

    #[test]
    fn more_than_16_addresses_counting_prefixes() {
        let names: Vec<String> = (0..16).map(|i| format!("pip{i}")).collect();
        let ok =
            estate(json!({"public_ips": pips(16), "nat_gateways": [{"name": "nat", "public_ips": names}]}));
        expect_none(&ok, "nat-too-many-ips");
        let e = estate(json!({
            "public_ips": pips(1),
            "public_ip_prefixes": [{"name": "p28", "prefix_length": 28}],
            "nat_gateways": [{"name": "nat", "public_ips": ["pip0"], "public_ip_prefixes": ["p28"]}]}));
        expect_one(&e, "nat-too-many-ips", Severity::Error, "nat-gateway:nat", &["17", "at most 16"]);
    }

    #[test]
    fn idle_timeout_between_4_and_120() {
        let e = estate(json!({"nat_gateways": [
            {"name": "short", "idle_timeout_minutes": 3}, {"name": "long", "idle_timeout_minutes": 121},
            {"name": "ok", "idle_timeout_minutes": 120}, {"name": "default"}]}));
        let found = with_code(&e, "nat-idle-timeout");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["nat-gateway:long", "nat-gateway:short"]);
    }

    #[test]
    fn nat_on_subnet_with_basic_lb_or_basic_instance_ip() {
        let mut v = one_vnet();
        v["nat_gateways"] = json!([{"name": "nat"}]);
        v["load_balancers"] = json!([{"name": "lb", "sku": "Basic"}]);
        v["public_ips"] = json!([{"name": "vm-ip", "sku": "Basic"}]);
        v["vnets"][0]["subnets"][0]["nat_gateway"] = json!("nat");
        v["vnets"][0]["subnets"][0]["load_balancer"] = json!("lb");
        v["vnets"][0]["subnets"][1]["nat_gateway"] = json!("nat");
        v["vnets"][0]["subnets"][1]["instance_public_ip"] = json!("vm-ip");
        let found = with_code(&estate(v.clone()), "nat-basic-sku");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found
            .iter()
            .any(|d| d.element == "subnet:spoke/host" && d.message.contains("load balancer 'lb'")));
        assert!(found.iter().any(|d| d.element == "subnet:spoke/container" && d.message.contains("'vm-ip'")));
        v["load_balancers"][0]["sku"] = json!("Standard");
        v["public_ips"][0]["sku"] = json!("Standard");
        expect_none(&estate(v), "nat-basic-sku");
    }

    #[test]
    fn nat_with_basic_public_ip_or_basic_sku() {
        let e = estate(json!({"public_ips": [{"name": "b", "sku": "Basic"}],
            "nat_gateways": [{"name": "nat", "public_ips": ["b"]}, {"name": "old", "sku": "Basic"}]}));
        expect_one(&e, "nat-basic-sku", Severity::Error, "nat-gateway:nat", &["Standard SKU"]);
        expect_one(&e, "nat-gateway-sku", Severity::Error, "nat-gateway:old", &["Basic"]);
    }

    #[test]
    fn nat_serves_one_vnet_only() {
        let e = estate(json!({"nat_gateways": [{"name": "nat"}], "vnets": [
            {"name": "a", "address_space": ["10.0.0.0/16"], "subnets": [{"name": "s", "prefix": "10.0.0.0/24", "nat_gateway": "nat"}]},
            {"name": "b", "address_space": ["10.1.0.0/16"], "subnets": [{"name": "s", "prefix": "10.1.0.0/24", "nat_gateway": "nat"}]}]}));
        expect_one(&e, "nat-multiple-vnets", Severity::Error, "nat-gateway:nat", &["a, b"]);
    }

    #[test]
    fn load_balancer_public_ips_must_resolve() {
        let e = estate(json!({"load_balancers": [{"name": "lb", "outbound_public_ips": ["gone"]}]}));
        expect_one(&e, "dangling-reference", Severity::Error, "load-balancer:lb", &["'gone'"]);
    }

    #[test]
    fn public_ip_prefix_length_must_agree() {
        let e = estate(json!({"public_ip_prefixes": [
            {"name": "bad", "prefix": "20.1.2.0/28", "prefix_length": 29},
            {"name": "huge", "prefix_length": 40},
            {"name": "good", "prefix": "20.1.3.0/28", "prefix_length": 28}]}));
        let found = with_code(&e, "public-ip-prefix-length");
        let elements: Vec<&str> = found.iter().map(|d| d.element.as_str()).collect();
        assert_eq!(elements, vec!["public-ip-prefix:bad", "public-ip-prefix:huge"]);
    }
}
