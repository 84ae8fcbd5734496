//! Microsoft's worked routing example (domain notes §1.8, the UDR overview's "Example of routing")
//! written as a Terraform plan: VNet1 10.0.0.0/16 with Subnet1 and Subnet2, VNet2 10.1.0.0/16 +
//! 10.2.0.0/16 peered both ways, a VPN gateway whose local network gateway holds 10.10.0.0/16, a
//! storage service endpoint and the six-route table on Subnet1 only, the NVA at 10.0.100.4.
//! Everything Azure assigns (IDs, the gateway's public IP) is unknown in the plan, so every link
//! goes through configuration references.

#[path = "terraform_support.rs"]
mod support;

use adbflow_import::terraform::{from_json, TerraformKind};
use adbflow_model::{Estate, Origin};
use adbflow_net::routes::{effective_routes, RouteOptions};
use adbflow_net::ServiceTags;
use support::*;

const PLAN: &str = include_str!("fixtures/terraform/worked-example.plan.json");
const FILE: &str = "worked-example.plan.json";

/// The same deployment in adbflow's native format, in the order Terraform lists the resources.
const NATIVE: &str = r#"
region = "eastus2"

[[vnets]]
name = "Virtual-network-1"
address_space = ["10.0.0.0/16"]

[[vnets.subnets]]
name = "GatewaySubnet"
prefix = "10.0.255.0/27"

[[vnets.subnets]]
name = "Nva"
prefix = "10.0.100.0/24"

[[vnets.subnets]]
name = "Subnet1"
prefix = "10.0.0.0/24"
route_table = "Subnet1-routes"
service_endpoints = ["Microsoft.Storage"]

[[vnets.subnets]]
name = "Subnet2"
prefix = "10.0.1.0/24"

[[vnets]]
name = "Virtual-network-2"
address_space = ["10.1.0.0/16", "10.2.0.0/16"]

[[vnets.subnets]]
name = "default"
prefix = "10.1.0.0/24"

[[route_tables]]
name = "Subnet1-routes"
routes = [
    { name = "Default-NVA", address_prefix = "0.0.0.0/0", next_hop_type = "VirtualAppliance", next_hop_ip = "10.0.100.4" },
    { name = "To-On-Prem", address_prefix = "10.10.0.0/16", next_hop_type = "VirtualAppliance", next_hop_ip = "10.0.100.4" },
    { name = "ToVNet2-1-Drop", address_prefix = "10.1.0.0/16", next_hop_type = "None" },
    { name = "ToVNet2-2-Drop", address_prefix = "10.2.0.0/16", next_hop_type = "None" },
    { name = "Within-Subnet1", address_prefix = "10.0.0.0/24", next_hop_type = "VnetLocal" },
    { name = "Within-VNet1", address_prefix = "10.0.0.0/16", next_hop_type = "VirtualAppliance", next_hop_ip = "10.0.100.4" },
]

[[public_ips]]
name = "vpn-gateway-ip"

[[peerings]]
name = "vnet1-to-vnet2"
vnet = "Virtual-network-1"
remote_vnet = "Virtual-network-2"

[[peerings]]
name = "vnet2-to-vnet1"
vnet = "Virtual-network-2"
remote_vnet = "Virtual-network-1"

[[gateways]]
name = "vpn-gateway"
vnet = "Virtual-network-1"
kind = "Vpn"
onprem_prefixes = ["10.10.0.0/16"]
"#;

fn imported() -> Estate {
    let t = from_json(PLAN, FILE).unwrap();
    assert_eq!(t.kind, TerraformKind::Plan);
    t.estate
}

fn native() -> Estate {
    toml::from_str(NATIVE).unwrap()
}

// §1.8: the plan describes the same estate as the native scenario, element for element.
#[test]
fn the_plan_maps_to_the_native_estate() {
    assert_eq!(without_origins(&imported()), without_origins(&native()));
}

// §1.8 effective route tables for Subnet1 (IDs 1–12) and Subnet2: computed from the imported plan,
// they equal those of the native scenario, route for route, naming the same deciding elements.
#[test]
fn effective_routes_equal_the_native_scenario() {
    let (tf, nat) = (imported(), native());
    let tags = ServiceTags::symbolic();
    // Subnet1: the doc's 12 rows plus the four reserved `None` routes kept as Invalid; Subnet2: the
    // doc's 8 rows plus 172.16.0.0/12 (see adbflow-net's routes_worked_example.rs).
    for (path, rows) in [
        ("Virtual-network-1/Subnet1", Some(16)),
        ("Virtual-network-1/Subnet2", Some(9)),
        ("Virtual-network-2/default", None),
    ] {
        let a = effective_routes(&tf, &tags, tf.subnet(path).unwrap(), RouteOptions::default());
        let b = effective_routes(&nat, &tags, nat.subnet(path).unwrap(), RouteOptions::default());
        assert_eq!(route_rows(&a), route_rows(&b), "{path}");
        assert!(!a.is_empty());
        if let Some(n) = rows {
            assert_eq!(a.len(), n, "{path}");
        }
    }
}

// §1.8 Subnet1: the UDRs are Active and the gateway route to on-premises (ID 8) loses to To-On-Prem (ID 9).
#[test]
fn subnet1_routes_point_at_their_terraform_resources() {
    let e = imported();
    let routes = effective_routes(
        &e,
        &ServiceTags::symbolic(),
        e.subnet("Virtual-network-1/Subnet1").unwrap(),
        RouteOptions::default(),
    );
    let udr = routes.iter().find(|r| r.name == "To-On-Prem").unwrap();
    assert!(udr.is_active());
    assert_eq!(
        udr.element.origin,
        Some(Origin::Address { file: FILE.into(), address: r#"azurerm_route.udr["To-On-Prem"]"#.into() })
    );
    let gw = routes
        .iter()
        .find(|r| r.next_hop_type == adbflow_model::NextHopType::VirtualNetworkGateway)
        .expect("the local network gateway's 10.10.0.0/16 reaches the gateway through the connection");
    assert!(!gw.is_active());
    assert_eq!(gw.next_hop_ip, None, "the gateway's public IP is known only after apply");
    assert_eq!(
        gw.element.origin,
        Some(Origin::Address { file: FILE.into(), address: "azurerm_virtual_network_gateway.vpn".into() })
    );
}

// The NVA's NIC and VM are not modelled; they are listed once per type, not dropped silently.
#[test]
fn the_nva_resources_are_reported_as_ignored() {
    let t = from_json(PLAN, FILE).unwrap();
    let ignored = codes(&t.warnings, "terraform-ignored-type");
    assert_eq!(ignored.len(), 2, "{ignored:#?}");
    assert!(ignored.iter().any(|m| m.contains("1 × azurerm_linux_virtual_machine")));
    assert!(ignored
        .iter()
        .any(|m| m.contains("1 × azurerm_network_interface") && m.contains("azurerm_network_interface.nva")));
    // Nothing else needed a warning: every link resolved through the configuration.
    assert_eq!(t.warnings.len(), 2, "{:#?}", t.warnings);
}
