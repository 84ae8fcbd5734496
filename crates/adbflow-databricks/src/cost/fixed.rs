//! Hourly meters: every billed resource in the estate, whether or not traffic crosses it (a
//! Standard public IP bills unattached too). Resources without a price row are reported, not dropped.

use crate::findings::{Finding, FindingSeverity};
use adbflow_model::{ids, ElementRef, Estate, FirewallSku, Sku};

pub const NAT_HOUR: &str = "nat-gateway-hour";
pub const PUBLIC_IP_HOUR: &str = "public-ip-hour";
pub const PREFIX_ADDRESS_HOUR: &str = "public-ip-prefix-address-hour";
pub const FIREWALL_HOUR: &str = "firewall-hour";
pub const PE_HOUR: &str = "private-endpoint-hour";
pub const SERVICE_ENDPOINT_VNET_HOUR: &str = "service-endpoint-vnet-hour";

/// One resource billed by the hour.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedItem {
    pub meter: &'static str,
    pub element: ElementRef,
    /// Billed units per hour (addresses of a prefix; 1 otherwise).
    pub units: f64,
    pub sku: Option<String>,
    /// The Azure region the resource is in.
    pub region: String,
    pub detail: String,
}

fn vnet_region(estate: &Estate, vnet: &str) -> String {
    estate
        .vnet(vnet)
        .map(|v| estate.vnet_region(v).to_string())
        .unwrap_or_else(|| estate.region().to_string())
}

pub(crate) fn firewall_sku(s: FirewallSku) -> &'static str {
    match s {
        FirewallSku::Basic => "Basic",
        FirewallSku::Standard => "Standard",
        FirewallSku::Premium => "Premium",
    }
}

/// Every hourly-billed resource of `estate`, and findings for the billed ones adbflow cannot price.
pub fn fixed_items(estate: &Estate) -> (Vec<FixedItem>, Vec<Finding>) {
    let region = estate.region().to_string();
    let mut items = Vec::new();
    let mut notes = Vec::new();
    for n in &estate.nat_gateways {
        let vnet = estate.subnets().find(|s| s.subnet.nat_gateway.as_deref() == Some(n.name.as_str()));
        items.push(FixedItem {
            meter: NAT_HOUR,
            element: ElementRef::new(ids::nat_gateway(&n.name), &n.name, n.origin.clone()),
            units: 1.0,
            sku: (n.sku == Sku::StandardV2).then(|| "StandardV2".to_string()),
            region: vnet.map(|s| estate.vnet_region(s.vnet).to_string()).unwrap_or_else(|| region.clone()),
            detail: format!("NAT gateway {}", n.name),
        });
    }
    for p in &estate.public_ips {
        items.push(FixedItem {
            meter: PUBLIC_IP_HOUR,
            element: ElementRef::new(ids::public_ip(&p.name), &p.name, p.origin.clone()),
            units: 1.0,
            sku: None,
            region: region.clone(),
            detail: format!("public IP {}", p.name),
        });
    }
    for p in &estate.public_ip_prefixes {
        let len = p.prefix.map(|x| x.0.prefix_len()).or(p.prefix_length);
        let element = ElementRef::new(ids::public_ip_prefix(&p.name), &p.name, p.origin.clone());
        let units = match len {
            Some(l) if l <= 32 => 2f64.powi(32 - i32::from(l)),
            _ => {
                notes.push(
                    Finding::new(
                        FindingSeverity::Info,
                        "element-size-assumed",
                        format!("public IP prefix {} gives neither prefix nor prefix_length: priced as one address", p.name),
                    )
                    .element(element.clone()),
                );
                1.0
            }
        };
        items.push(FixedItem {
            meter: PREFIX_ADDRESS_HOUR,
            element,
            units,
            sku: None,
            region: region.clone(),
            detail: format!("public IP prefix {} ({} addresses)", p.name, units),
        });
    }
    for f in &estate.firewalls {
        items.push(FixedItem {
            meter: FIREWALL_HOUR,
            element: ElementRef::new(ids::firewall(&f.name), &f.name, f.origin.clone()),
            units: 1.0,
            sku: Some(firewall_sku(f.sku).to_string()),
            region: vnet_region(estate, &f.vnet),
            detail: format!("Azure Firewall {} ({})", f.name, firewall_sku(f.sku)),
        });
    }
    for pe in &estate.private_endpoints {
        items.push(FixedItem {
            meter: PE_HOUR,
            element: ElementRef::new(ids::private_endpoint(&pe.name), &pe.name, pe.origin.clone()),
            units: 1.0,
            sku: None,
            region: vnet_region(estate, pe.subnet.split('/').next().unwrap_or("")),
            detail: format!("private endpoint {} ({} → {})", pe.name, pe.subresource, pe.target),
        });
    }
    for v in &estate.vnets {
        if v.subnets.iter().any(|s| !s.service_endpoints.is_empty()) {
            items.push(FixedItem {
                meter: SERVICE_ENDPOINT_VNET_HOUR,
                element: ElementRef::new(ids::vnet(&v.name), &v.name, v.origin.clone()),
                units: 1.0,
                sku: None,
                region: estate.vnet_region(v).to_string(),
                detail: format!("service endpoints in VNet {}", v.name),
            });
        }
    }
    for lb in &estate.load_balancers {
        notes.push(
            Finding::new(
                FindingSeverity::Info,
                "element-not-priced",
                format!("load balancer {} is billed by Azure but the price table has no load-balancer rows: not in the total", lb.name),
            )
            .element(ElementRef::new(ids::load_balancer(&lb.name), &lb.name, lb.origin.clone())),
        );
    }
    for g in &estate.gateways {
        notes.push(
            Finding::new(
                FindingSeverity::Info,
                "element-not-priced",
                format!(
                    "gateway {} is billed by Azure but the price table has no gateway rows: not in the total",
                    g.name
                ),
            )
            .element(ElementRef::new(ids::gateway(&g.name), &g.name, g.origin.clone())),
        );
    }
    (items, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_billed_resource_is_an_item_or_a_note() {
        let e: Estate = toml::from_str(
            r#"
region = "westeurope"

[[vnets]]
name = "hub"
address_space = ["10.0.0.0/16"]
subnets = [{ name = "a", prefix = "10.0.0.0/24", nat_gateway = "nat", service_endpoints = ["Microsoft.Storage"] }]

[[vnets]]
name = "far"
region = "northeurope"
address_space = ["10.1.0.0/16"]
subnets = [{ name = "pe", prefix = "10.1.0.0/24" }]

[[nat_gateways]]
name = "nat"
sku = "StandardV2"
public_ip_prefixes = ["pfx"]

[[public_ip_prefixes]]
name = "pfx"
prefix_length = 28

[[public_ip_prefixes]]
name = "unsized"

[[public_ips]]
name = "spare"

[[firewalls]]
name = "fw"
vnet = "far"
sku = "Premium"
private_ip = "10.1.0.4"

[[private_endpoints]]
name = "pe1"
subnet = "far/pe"
target = "acct"
subresource = "blob"

[[load_balancers]]
name = "lb"
"#,
        )
        .unwrap();
        let (items, notes) = fixed_items(&e);
        let got: Vec<(&str, &str, f64, Option<&str>, &str)> = items
            .iter()
            .map(|i| (i.meter, i.element.name.as_str(), i.units, i.sku.as_deref(), i.region.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (NAT_HOUR, "nat", 1.0, Some("StandardV2"), "westeurope"),
                (PUBLIC_IP_HOUR, "spare", 1.0, None, "westeurope"),
                (PREFIX_ADDRESS_HOUR, "pfx", 16.0, None, "westeurope"),
                (PREFIX_ADDRESS_HOUR, "unsized", 1.0, None, "westeurope"),
                (FIREWALL_HOUR, "fw", 1.0, Some("Premium"), "northeurope"),
                (PE_HOUR, "pe1", 1.0, None, "northeurope"),
                (SERVICE_ENDPOINT_VNET_HOUR, "hub", 1.0, None, "westeurope"),
            ]
        );
        let codes: Vec<&str> = notes.iter().map(|n| n.code).collect();
        assert_eq!(codes, ["element-size-assumed", "element-not-priced"]);
    }
}
