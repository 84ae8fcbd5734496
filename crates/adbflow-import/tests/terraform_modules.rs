//! A plan built from child modules: `module.hub` (VNet, firewall, policy) and `module.spoke` with
//! `for_each` over two spokes, each with `count = 2` subnets and per-subnet NSG associations;
//! root resources use `for_each` and `count` too. Nearly every ID is unknown, so links go through
//! `count.index`/`each.key`, module outputs and module variables.

#[path = "terraform_support.rs"]
mod support;

use adbflow_import::terraform::from_json;
use adbflow_model::{Estate, Origin};
use std::net::Ipv4Addr;
use support::*;

const PLAN: &str = include_str!("fixtures/terraform/modules.plan.json");
const FILE: &str = "modules.plan.json";

fn imported() -> (Estate, Vec<adbflow_model::Diagnostic>) {
    let t = from_json(PLAN, FILE).unwrap_or_else(|e| panic!("{e}"));
    (t.estate, t.warnings)
}

fn at(a: &str) -> Option<Origin> {
    Some(Origin::Address { file: FILE.into(), address: a.into() })
}

#[test]
fn count_instances_keep_their_index_in_the_origin() {
    let (e, _) = imported();
    let host = e.subnet("analytics-vnet/analytics-host").unwrap().subnet;
    assert_eq!(host.origin, at(r#"module.spoke["analytics"].azurerm_subnet.this[0]"#));
    let container = e.subnet("ml-vnet/ml-container").unwrap().subnet;
    assert_eq!(container.origin, at(r#"module.spoke["ml"].azurerm_subnet.this[1]"#));
    assert!(!host.default_outbound_access, "4.x default_outbound_access_enabled = false");
    assert_eq!(host.delegation.as_deref(), Some("Microsoft.Databricks/workspaces"));
}

// `subnet_id = azurerm_subnet.this[count.index].id` in a module instance links each association to
// the subnet with its own index in its own module instance.
#[test]
fn count_index_references_link_the_matching_instance() {
    let (e, _) = imported();
    for spoke in ["analytics", "ml"] {
        for role in ["host", "container"] {
            let s = e.subnet(&format!("{spoke}-vnet/{spoke}-{role}")).unwrap().subnet;
            assert_eq!(s.nsg.as_deref(), Some(format!("{spoke}-nsg").as_str()), "{spoke}-{role}");
        }
    }
}

// `module.spoke["ml"].host_subnet_id` continues into the module's output expression.
#[test]
fn module_outputs_lead_to_the_resource_inside_the_module() {
    let (e, _) = imported();
    let rt = |p: &str| e.subnet(p).unwrap().subnet.route_table.clone();
    assert_eq!(rt("analytics-vnet/analytics-host").as_deref(), Some("spoke-rt"));
    assert_eq!(rt("ml-vnet/ml-host").as_deref(), Some("spoke-rt"));
    assert_eq!(rt("analytics-vnet/analytics-container"), None, "only the host subnets are associated");
    assert_eq!(e.subnet("ml-vnet/ml-host").unwrap().subnet.nat_gateway.as_deref(), Some("ml-nat"));
    assert_eq!(e.subnet("analytics-vnet/analytics-host").unwrap().subnet.nat_gateway, None);
}

// `remote_virtual_network_id = var.hub_vnet_id` inside the spoke module goes up to the module
// call's argument `module.hub.vnet_id`, and from there into the hub module.
#[test]
fn module_variables_lead_back_through_the_parent() {
    let (e, _) = imported();
    let p = e.peerings.iter().find(|p| p.name == "analytics-to-hub").unwrap();
    assert_eq!((p.vnet.as_str(), p.remote_vnet.as_str()), ("analytics-vnet", "hub-vnet"));
    assert!(p.allow_forwarded_traffic);
    assert_eq!(p.origin, at(r#"module.spoke["analytics"].azurerm_virtual_network_peering.to_hub"#));
}

// `module.spoke[each.key].vnet_id` is recorded only as `module.spoke` + `each.key`: the instance
// with the peering's own key, and among its outputs the one that is a VNet.
#[test]
fn each_key_picks_the_module_instance_with_the_same_key() {
    let (e, _) = imported();
    for spoke in ["analytics", "ml"] {
        let p = e.peerings.iter().find(|p| p.name == format!("hub-to-{spoke}")).unwrap();
        assert_eq!((p.vnet.as_str(), p.remote_vnet.as_str()), ("hub-vnet", format!("{spoke}-vnet").as_str()));
        assert_eq!(p.origin, at(&format!(r#"azurerm_virtual_network_peering.hub_to_spoke["{spoke}"]"#)));
    }
    assert_eq!(e.connected_peerings("hub-vnet").count(), 2);
}

#[test]
fn count_index_links_each_public_ip_to_the_nat_gateway() {
    let (e, _) = imported();
    let nat = e.nat_gateway("ml-nat").unwrap();
    assert_eq!(nat.public_ips, vec!["ml-nat-pip-0".to_string(), "ml-nat-pip-1".to_string()]);
    assert!(e.public_ips.iter().all(|p| p.ip.is_none()), "public addresses are known only after apply");
}

// The firewall's private IP is unknown in a plan: Azure gives it the first usable address (.4) of
// AzureFirewallSubnet, and the UDR that names it through `module.hub.firewall_private_ip` gets it too.
#[test]
fn the_firewall_ip_is_inferred_and_flows_into_the_spoke_route() {
    let (e, w) = imported();
    let fw = e.firewall("hub-fw").unwrap();
    assert_eq!(fw.private_ip, Ipv4Addr::new(10, 100, 0, 4));
    assert_eq!(fw.vnet, "hub-vnet");
    assert_eq!(fw.policy.as_deref(), Some("hub-policy"));
    assert_eq!(fw.public_ips, vec!["hub-fw-pip".to_string()]);
    assert!(e.firewall_policy("hub-policy").unwrap().dns_proxy);
    let route = &e.route_table("spoke-rt").unwrap().routes[0];
    assert_eq!(route.next_hop_ip, Some(Ipv4Addr::new(10, 100, 0, 4)));
    assert!(
        e.route_table("spoke-rt").unwrap().disable_bgp_route_propagation,
        "4.x bgp_route_propagation_enabled = false"
    );
    assert!(warned(&w, "terraform-inferred-value", &["10.100.0.4", "AzureFirewallSubnet"]));
    let inferred = w.iter().find(|d| d.code == "terraform-inferred-value").unwrap();
    assert_eq!(inferred.origin, at("module.hub.azurerm_firewall.this"));
    assert_eq!(w.len(), 1, "{w:#?}");
}
