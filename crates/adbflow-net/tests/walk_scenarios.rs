//! Scenario tests of the walk: each builds a small estate in the native format and asserts the
//! verdict, the egress, the reason code and the element that decided. Each cites the section of
//! the domain notes (../shared/domain/azure-net-semantics.md) whose documented rule it encodes.

#[path = "walk_support.rs"]
mod walk_support;

use adbflow_import::{load_str, Format};
use adbflow_net::{Egress, HopKind, Network, ReasonCode, ServiceTags, Verdict};
use walk_support::*;

// §4.1: NAT gateway > instance public IP > load-balancer outbound > default outbound.
#[test]
fn nat_gateway_takes_precedence_over_instance_ip_and_load_balancer() {
    let n = net(&spoke(
        "nat_gateway = \"nat\"\ninstance_public_ip = \"vm-ip\"\nload_balancer = \"lb\"",
        &format!(
            "{NAT}{PYPI}\n[[public_ips]]\nname = \"vm-ip\"\nip = \"20.1.1.1\"\n[[load_balancers]]\nname = \"lb\"\noutbound_public_ips = [\"vm-ip\"]\n"
        ),
    ));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::NatGateway);
    assert_eq!(t.snat_ip, Some("20.10.10.10".parse().unwrap()));
    assert_eq!(t.hop(HopKind::Egress).unwrap().decided_by.id, "nat-gateway:nat");
    assert!(t.meters.contains(&"nat-gateway-data-processed"));
}

// §4.1: without NAT, the instance public IP wins over the load balancer.
#[test]
fn instance_public_ip_beats_load_balancer_outbound() {
    let n = net(&spoke(
        "instance_public_ip = \"vm-ip\"\nload_balancer = \"lb\"",
        &format!(
            "{PYPI}\n[[public_ips]]\nname = \"vm-ip\"\nip = \"20.1.1.1\"\n[[public_ips]]\nname = \"lb-ip\"\nip = \"20.2.2.2\"\n[[load_balancers]]\nname = \"lb\"\noutbound_public_ips = [\"lb-ip\"]\n"
        ),
    ));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.egress, Egress::PublicIp);
    assert_eq!(t.snat_ip, Some("20.1.1.1".parse().unwrap()));
}

// §4.4: a private subnet (defaultOutboundAccess = false) without explicit outbound has no way out.
#[test]
fn private_subnet_without_nat_has_no_outbound_connectivity() {
    let n = net(&spoke("default_outbound_access = false", PYPI));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::NoOutboundConnectivity, "subnet:spoke/work");
}

// §4.4: a subnet that is not private still gets default outbound access (marked inferred).
#[test]
fn default_outbound_access_is_used_when_nothing_else_exists() {
    let n = net(&spoke("", PYPI));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.verdict, Verdict::Delivered);
    assert_eq!(t.egress, Egress::DefaultOutbound);
    assert!(t.hop(HopKind::Egress).unwrap().inferred);
}

// §7.4: `*.pypi.org` does not match `pypi.org`; the firewall's default deny decides.
#[test]
fn firewall_wildcard_does_not_match_the_apex_name() {
    let extra = format!("{HUB_FIREWALL}{PYPI}{}", firewall_policy("\"*.pypi.org\"", ""));
    let n = net(&spoke("route_table = \"spoke-rt\"", &extra));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::FirewallDenied, "firewall-policy:fw-policy");
    assert_eq!(t.egress, Egress::Firewall);
}

// §7.2–7.4: an application rule naming the FQDN allows it and always SNATs to the firewall's public IP.
#[test]
fn firewall_application_rule_allows_and_snats() {
    let extra = format!("{HUB_FIREWALL}{PYPI}{}", firewall_policy("\"pypi.org\", \"*.pypi.org\"", ""));
    let n = net(&spoke("route_table = \"spoke-rt\"", &extra));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::Firewall);
    assert_eq!(t.snat_ip, Some("20.9.9.9".parse().unwrap()));
    assert_eq!(
        t.hop(HopKind::Firewall).unwrap().decided_by.id,
        "firewall-rule:fw-policy/spokes/allow-web/python-packages"
    );
    assert!(t.meters.contains(&"firewall-data-processed"));
}

// §7.2: network rules do not SNAT private (RFC 1918) destinations; spoke-to-spoke through the hub.
#[test]
fn firewall_network_rule_does_not_snat_private_destinations() {
    let rules = r#"
[[firewall_policies.rule_collection_groups.rule_collections]]
name = "spoke-to-spoke"
priority = 100
kind = "Network"
action = "Allow"

[[firewall_policies.rule_collection_groups.rule_collections.rules]]
name = "spoke-to-shared"
source_addresses = ["10.1.0.0/16"]
protocols = ["TCP"]
destination_addresses = ["10.2.0.0/16"]
destination_ports = ["443"]
"#;
    let shared = r#"
[[vnets]]
name = "shared"
address_space = ["10.2.0.0/16"]

[[vnets.subnets]]
name = "apps"
prefix = "10.2.1.0/24"

[[peerings]]
name = "shared-to-hub"
vnet = "shared"
remote_vnet = "hub"

[[peerings]]
name = "hub-to-shared"
vnet = "hub"
remote_vnet = "shared"
"#;
    let extra = format!("{HUB_FIREWALL}{shared}{}", firewall_policy("\"pypi.org\"", rules));
    let n = net(&spoke("route_table = \"spoke-rt\"", &extra));
    let t = trace(&n, "spoke/work", "10.2.1.10", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::Firewall);
    assert_eq!(t.snat_ip, None);
    assert!(t.source_seen_as.contains("10.1.1.4"), "{}", t.source_seen_as);
    assert_eq!(
        t.hop(HopKind::Firewall).unwrap().decided_by.id,
        "firewall-rule:fw-policy/spokes/spoke-to-spoke/spoke-to-shared"
    );
}

// §7.1: peering is not transitive: spoke → shared through a hub without a UDR hits the 10/8 None route.
#[test]
fn peering_is_not_transitive() {
    let extra = r#"
[[vnets]]
name = "hub"
address_space = ["10.0.0.0/16"]

[[vnets]]
name = "shared"
address_space = ["10.2.0.0/16"]

[[vnets.subnets]]
name = "apps"
prefix = "10.2.1.0/24"

[[peerings]]
name = "spoke-to-hub"
vnet = "spoke"
remote_vnet = "hub"

[[peerings]]
name = "hub-to-spoke"
vnet = "hub"
remote_vnet = "spoke"

[[peerings]]
name = "shared-to-hub"
vnet = "shared"
remote_vnet = "hub"

[[peerings]]
name = "hub-to-shared"
vnet = "hub"
remote_vnet = "shared"
"#;
    let n = net(&spoke("", extra));
    let t = trace(&n, "spoke/work", "10.2.1.10", 443);
    assert_eq!(t.verdict, Verdict::Blocked);
    assert_eq!(t.blocked_by.as_ref().unwrap().reason_code, ReasonCode::RouteNone);
    assert!(t.blocked_by.as_ref().unwrap().element.id.contains("10.0.0.0/8"), "{t:#?}");
}

const STORAGE_PE: &str = r#"
[[storage_accounts]]
name = "lake"
hns = true
public_network_access = "Disabled"

[[private_endpoints]]
name = "lake-dfs-pe"
subnet = "spoke/pe"
ip = "10.1.2.5"
target = "lake"
subresource = "dfs"
"#;

const DFS_ZONE_LINKED: &str = r#"
[[private_dns_zones]]
name = "privatelink.dfs.core.windows.net"

[[private_dns_zones.records]]
name = "lake"
ips = ["10.1.2.5"]

[[private_dns_zones.links]]
vnet = "spoke"
"#;

// §1.7 and §6.1: the PE /32 beats a 0/0 UDR to a firewall, and the linked zone answers with the PE IP.
#[test]
fn private_endpoint_bypasses_default_udr_to_firewall() {
    let extra = format!("{HUB_FIREWALL}{STORAGE_PE}{DFS_ZONE_LINKED}{}", firewall_policy("\"pypi.org\"", ""));
    let n = net(&spoke("route_table = \"spoke-rt\"", &extra));
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::PrivateEndpoint);
    assert_eq!(t.resolved.len(), 2, "CNAME to privatelink, then the A record: {:#?}", t.resolved);
    assert_eq!(t.resolved[0].record_type, "CNAME");
    assert_eq!(t.resolved[1].data, vec!["10.1.2.5".to_string()]);
    assert_eq!(t.hop(HopKind::Route).unwrap().decided_by.id, "private-endpoint:lake-dfs-pe");
}

// §6.1: a zone that is not linked leaves the public answer; with public access disabled the
// storage account refuses the public path.
#[test]
fn unlinked_private_zone_gives_the_public_answer() {
    let zone = DFS_ZONE_LINKED.replace("[[private_dns_zones.links]]\nvnet = \"spoke\"\n", "");
    let extra = format!("{NAT}{STORAGE_PE}{zone}");
    let n = net(&spoke("nat_gateway = \"nat\"", &extra));
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DestinationDenied, "storage-account:lake");
    assert_eq!(t.egress, Egress::NatGateway);
    assert!(t.resolved.last().unwrap().source.starts_with("public DNS"), "{:#?}", t.resolved);
}

// §6.1: a linked privatelink zone without the record of a PE-enabled account fails resolution.
#[test]
fn linked_zone_without_record_fails_resolution() {
    let zone =
        DFS_ZONE_LINKED.replace("[[private_dns_zones.records]]\nname = \"lake\"\nips = [\"10.1.2.5\"]\n", "");
    let extra = format!("{NAT}{STORAGE_PE}{zone}");
    let n = net(&spoke("nat_gateway = \"nat\"", &extra));
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DnsResolutionFailed, "private-dns-zone:privatelink.dfs.core.windows.net");
}

// §6: only Approved private endpoint connections pass traffic.
#[test]
fn pending_private_endpoint_passes_nothing() {
    let pe =
        STORAGE_PE.replace("subresource = \"dfs\"", "subresource = \"dfs\"\nconnection_state = \"Pending\"");
    let n = net(&spoke("", &format!("{pe}{DFS_ZONE_LINKED}")));
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::PrivateEndpointNotApproved, "private-endpoint:lake-dfs-pe");
}

// §1.7 and §5: the service endpoint route beats a 0/0 UDR to the firewall; the storage account sees
// the subnet identity, so its virtual-network rule decides.
#[test]
fn service_endpoint_bypasses_firewall_and_uses_vnet_rule() {
    let sa = format!("{STORAGE_FIREWALLED}virtual_network_rules = [\"spoke/work\"]\n");
    let extra = format!("{HUB_FIREWALL}{sa}{}", firewall_policy("\"pypi.org\"", ""));
    let n = net(&spoke("route_table = \"spoke-rt\"\nservice_endpoints = [\"Microsoft.Storage\"]", &extra));
    let t = trace(&n, "spoke/work", "data.blob.core.windows.net", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::ServiceEndpoint);
    assert_eq!(t.hop(HopKind::Destination).unwrap().decided_by.id, "storage-account:data");
    assert!(!t.meters.iter().any(|m| m.starts_with("firewall")));
}

// §5.1: a storage account that denies by default needs a virtual-network rule for the SE subnet.
#[test]
fn service_endpoint_without_vnet_rule_is_refused() {
    let n = net(&spoke("service_endpoints = [\"Microsoft.Storage\"]", STORAGE_FIREWALLED));
    let t = trace(&n, "spoke/work", "data.blob.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DestinationDenied, "storage-account:data");
}

// §5.1 (STLIM): IP rules have no effect for clients in the same region, even when they list the NAT IP.
#[test]
fn storage_ip_rule_is_ignored_for_same_region_client() {
    let n = net(&spoke("nat_gateway = \"nat\"", &format!("{NAT}{STORAGE_FIREWALLED}")));
    let t = trace(&n, "spoke/work", "data.blob.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DestinationDenied, "storage-account:data");
    assert!(t.blocked_by.unwrap().message.contains("same region"));
}

// §5.1: from another region the NAT gateway's public IP is what the account sees; the IP rule matches.
#[test]
fn storage_ip_rule_matches_cross_region_client() {
    let sa = STORAGE_FIREWALLED.replace("default_action", "region = \"westeurope\"\ndefault_action");
    let n = net(&spoke("nat_gateway = \"nat\"", &format!("{NAT}{sa}")));
    let t = trace(&n, "spoke/work", "data.blob.core.windows.net", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert!(t.meters.contains(&"inter-region-transfer"));
}

// §5.2: a service endpoint policy restricts the endpoint to the storage accounts it lists.
#[test]
fn service_endpoint_policy_refuses_unlisted_account() {
    let extra = format!(
        "{STORAGE_FIREWALLED}\n[[service_endpoint_policies]]\nname = \"only-lake\"\nallowed_storage_accounts = [\"lake\"]\n[[storage_accounts]]\nname = \"lake\"\n"
    );
    let n = net(&spoke(
        "service_endpoints = [\"Microsoft.Storage\"]\nservice_endpoint_policies = [\"only-lake\"]",
        &extra,
    ));
    let t = trace(&n, "spoke/work", "data.blob.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::ServiceEndpointPolicyDenied, "service-endpoint-policy:only-lake");
    let ok = trace(&n, "spoke/work", "lake.blob.core.windows.net", 443);
    assert_eq!(ok.verdict, Verdict::Delivered, "{ok:#?}");
}

// §2.2 and §2.1: a custom deny at a lower priority number beats the default AllowInternetOutBound.
#[test]
fn custom_nsg_deny_blocks_before_default_allow() {
    let nsg = r#"
[[nsgs]]
name = "work-nsg"

[[nsgs.rules]]
name = "deny-internet"
priority = 4000
direction = "Outbound"
access = "Deny"
protocol = "*"
destination = "Internet"
"#;
    let n = net(&spoke("nsg = \"work-nsg\"\nnat_gateway = \"nat\"", &format!("{NAT}{PYPI}{nsg}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::NsgDenied, "nsg-rule:work-nsg/deny-internet");
    // The deciding rule points back at where it was written: the `[[nsgs.rules]]` header.
    let origin = t.hop(HopKind::NsgOutbound).unwrap().decided_by.origin.clone().unwrap();
    let adbflow_model::Origin::File { file, line, .. } = origin else { panic!("{origin:?}") };
    assert_eq!(file, "scenario.toml");
    let text = spoke("nsg = \"work-nsg\"\nnat_gateway = \"nat\"", &format!("{NAT}{PYPI}{nsg}"));
    let header_line = text.lines().position(|l| l.trim() == "[[nsgs.rules]]").unwrap() + 1;
    assert_eq!(line as usize, header_line);
}

// §1.1: a UDR with next hop None drops the packet.
#[test]
fn udr_next_hop_none_drops() {
    let rt = r#"
[[route_tables]]
name = "rt"

[[route_tables.routes]]
name = "blackhole"
address_prefix = "151.101.0.0/16"
next_hop_type = "None"
"#;
    let n = net(&spoke("route_table = \"rt\"\nnat_gateway = \"nat\"", &format!("{NAT}{PYPI}{rt}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::RouteNone, "route:rt/blackhole");
}

// §1.4: a VirtualAppliance next hop must be reachable (inside the VNet or a peered one).
#[test]
fn appliance_outside_reachable_vnets_is_unreachable() {
    let rt = r#"
[[route_tables]]
name = "rt"

[[route_tables.routes]]
name = "to-nva"
address_prefix = "0.0.0.0/0"
next_hop_type = "VirtualAppliance"
next_hop_ip = "10.50.0.4"
"#;
    let n = net(&spoke("route_table = \"rt\"", &format!("{PYPI}{rt}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::NextHopUnreachable, "route:rt/to-nva");
}

// §7.4 (DNS proxy) and §6.1: a VNet whose DNS server is the firewall resolves with the zones linked
// to the firewall's VNet when DNS proxy is on, and cannot resolve at all when it is off.
#[test]
fn firewall_dns_proxy_decides_whose_zones_are_seen() {
    let zone_hub = DFS_ZONE_LINKED.replace("vnet = \"spoke\"", "vnet = \"hub\"");
    let with_proxy = format!("{HUB_FIREWALL}{STORAGE_PE}{zone_hub}{}", firewall_policy("\"pypi.org\"", ""));
    let spoke_dns = spoke("route_table = \"spoke-rt\"", &with_proxy).replace(
        "address_space = [\"10.1.0.0/16\"]",
        "address_space = [\"10.1.0.0/16\"]\ndns_servers = [\"10.0.1.4\"]",
    );
    let n = net(&spoke_dns);
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::PrivateEndpoint);

    let n = net(&spoke_dns.replace("dns_proxy = true", "dns_proxy = false"));
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DnsResolutionFailed, "firewall-policy:fw-policy");
}

const ONPREM_GATEWAY: &str = r#"
[[vnets.subnets]]
name = "GatewaySubnet"
prefix = "10.1.255.0/27"

[[gateways]]
name = "vpn"
vnet = "spoke"
kind = "Vpn"
onprem_prefixes = ["192.168.0.0/16"]
"#;

// §6.1 (PEDNS): a custom DNS server on-premises (reached over the VPN gateway) sees no private zone
// unless it forwards the privatelink zones to Azure DNS; the public answer is assumed (inferred).
#[test]
fn onprem_custom_dns_server_sees_no_private_zone() {
    let toml = spoke("nat_gateway = \"nat\"", &format!("{ONPREM_GATEWAY}{NAT}{STORAGE_PE}{DFS_ZONE_LINKED}"))
        .replace(
            "address_space = [\"10.1.0.0/16\"]",
            "address_space = [\"10.1.0.0/16\"]\ndns_servers = [\"192.168.10.53\"]",
        );
    let n = net(&toml);
    let t = trace(&n, "spoke/work", "lake.dfs.core.windows.net", 443);
    assert_blocked(&t, ReasonCode::DestinationDenied, "storage-account:lake");
    assert!(t.hop(HopKind::Dns).unwrap().inferred);
}

// §1.1 and §6.1: a custom DNS server that no route reaches (192.168/16 → None without a gateway)
// cannot answer, so every lookup fails; the VNet's DNS setting is the deciding element.
#[test]
fn unreachable_custom_dns_server_fails_every_lookup() {
    let toml = spoke("nat_gateway = \"nat\"", &format!("{NAT}{PYPI}")).replace(
        "address_space = [\"10.1.0.0/16\"]",
        "address_space = [\"10.1.0.0/16\"]\ndns_servers = [\"192.168.10.53\"]",
    );
    let n = net(&toml);
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::DnsResolutionFailed, "vnet:spoke");
    assert!(t.blocked_by.unwrap().message.contains("unreachable"));
}

// §6.1: a private zone linked to the VNet is authoritative for its whole namespace: a zone named like
// a public service domain hides every public name under it.
#[test]
fn private_zone_over_public_domain_hijacks_names() {
    let extra = r#"
[[endpoints]]
fqdn = "consolidated-eastus2-prod-metastore.mysql.database.azure.com"
region = "eastus2"
service_tags = ["Sql.EastUS2"]

[[private_dns_zones]]
name = "mysql.database.azure.com"

[[private_dns_zones.records]]
name = "my-own-server"
ips = ["10.1.2.9"]

[[private_dns_zones.links]]
vnet = "spoke"
"#;
    let n = net(&spoke("nat_gateway = \"nat\"", &format!("{NAT}{extra}")));
    let t = trace(&n, "spoke/work", "consolidated-eastus2-prod-metastore.mysql.database.azure.com", 3306);
    assert_blocked(&t, ReasonCode::DnsResolutionFailed, "private-dns-zone:mysql.database.azure.com");
}

// §7.4: FQDNs in network rules need DNS proxy; without it the rule does not match and the note says why.
#[test]
fn network_rule_fqdn_needs_dns_proxy() {
    let rules = r#"
[[firewall_policies.rule_collection_groups.rule_collections]]
name = "net-fqdn"
priority = 100
kind = "Network"
action = "Allow"

[[firewall_policies.rule_collection_groups.rule_collections.rules]]
name = "mysql-by-name"
source_addresses = ["10.1.0.0/16"]
protocols = ["TCP"]
destination_fqdns = ["db.example.com"]
destination_ports = ["3306"]
"#;
    let ep = "\n[[endpoints]]\nfqdn = \"db.example.com\"\nips = [\"52.1.1.1\"]\n";
    let policy = firewall_policy("\"pypi.org\"", rules);
    let base = format!("{HUB_FIREWALL}{ep}{policy}");
    let n = net(&spoke("route_table = \"spoke-rt\"", &base));
    assert_eq!(trace(&n, "spoke/work", "db.example.com", 3306).verdict, Verdict::Delivered);
    let n = net(&spoke("route_table = \"spoke-rt\"", &base.replace("dns_proxy = true", "dns_proxy = false")));
    let t = trace(&n, "spoke/work", "db.example.com", 3306);
    assert_blocked(&t, ReasonCode::FirewallDenied, "firewall-policy:fw-policy");
    assert!(t.hop(HopKind::Firewall).unwrap().detail.contains("DNS proxy"), "{t:#?}");
}

// Invariant 5: same input, byte-identical trace.
#[test]
fn traces_are_deterministic() {
    let extra =
        format!("{HUB_FIREWALL}{STORAGE_PE}{DFS_ZONE_LINKED}{PYPI}{}", firewall_policy("\"pypi.org\"", ""));
    let a = net(&spoke("route_table = \"spoke-rt\"", &extra));
    let b = net(&spoke("route_table = \"spoke-rt\"", &extra));
    for host in ["pypi.org", "lake.dfs.core.windows.net", "10.0.1.4"] {
        let ta = serde_json::to_string(&trace(&a, "spoke/work", host, 443)).unwrap();
        let tb = serde_json::to_string(&trace(&b, "spoke/work", host, 443)).unwrap();
        assert_eq!(ta, tb);
    }
}

// §7.3: threat intelligence runs before every rule. Without a feed of flagged addresses the twin
// cannot say it denies anything, and says so instead of ignoring the setting.
#[test]
fn threat_intel_deny_mode_is_reported_not_ignored() {
    let policy = firewall_policy("\"pypi.org\"", "")
        .replace("dns_proxy = true", "dns_proxy = true\nthreat_intel_mode = \"Deny\"");
    let n = net(&spoke("route_table = \"spoke-rt\"", &format!("{HUB_FIREWALL}{PYPI}{policy}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.verdict, Verdict::Delivered);
    assert!(t.hop(HopKind::Firewall).unwrap().detail.contains("threat intelligence"), "{t:#?}");
}

/// A network rule collection in its own group, `action` for TCP 443 to PyPI's addresses.
fn network_collection(group: &str, group_priority: u32, collection: &str, action: &str) -> String {
    format!(
        r#"
[[firewall_policies.rule_collection_groups]]
name = "{group}"
priority = {group_priority}

[[firewall_policies.rule_collection_groups.rule_collections]]
name = "{collection}"
priority = 100
kind = "Network"
action = "{action}"

[[firewall_policies.rule_collection_groups.rule_collections.rules]]
name = "pypi-addresses"
source_addresses = ["10.1.0.0/16"]
protocols = ["TCP"]
destination_addresses = ["151.101.0.0/16"]
destination_ports = ["443"]
"#
    )
}

// §7.3: every network collection is evaluated before any application collection, whatever their
// priorities: a network Deny in a group of priority 900 beats the application Allow of group 200.
#[test]
fn network_deny_beats_application_allow_whatever_the_priorities() {
    let policy = firewall_policy("\"pypi.org\"", "");
    let deny = network_collection("late", 900, "block-pypi", "Deny");
    let n = net(&spoke("route_table = \"spoke-rt\"", &format!("{HUB_FIREWALL}{PYPI}{policy}{deny}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::FirewallDenied, "firewall-rule:fw-policy/late/block-pypi/pypi-addresses");
}

// §7.3: rule collection groups are walked by priority (lower first), first match wins: a Deny in
// group 150 beats an Allow in group 500, and the other way round when the priorities swap.
#[test]
fn rule_collection_groups_are_walked_by_priority() {
    for (deny_priority, allow_priority, delivered) in [(150, 500, false), (500, 150, true)] {
        let rules = format!(
            "{}{}",
            network_collection("deny-group", deny_priority, "deny", "Deny"),
            network_collection("allow-group", allow_priority, "allow", "Allow"),
        );
        let policy = firewall_policy("\"example.org\"", &rules);
        let n = net(&spoke("route_table = \"spoke-rt\"", &format!("{HUB_FIREWALL}{PYPI}{policy}")));
        let t = trace(&n, "spoke/work", "pypi.org", 443);
        if delivered {
            assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
            assert_eq!(
                t.hop(HopKind::Firewall).unwrap().decided_by.id,
                "firewall-rule:fw-policy/allow-group/allow/pypi-addresses"
            );
        } else {
            assert_blocked(
                &t,
                ReasonCode::FirewallDenied,
                "firewall-rule:fw-policy/deny-group/deny/pypi-addresses",
            );
        }
    }
}

// §7.3 (inheritance): the parent policy's network collections come before the child's, even when the
// child's group has the better priority.
#[test]
fn parent_policy_network_rules_come_before_the_childs() {
    let child = firewall_policy("\"example.org\"", &network_collection("child-allow", 100, "allow", "Allow"))
        .replacen("dns_proxy = true", "dns_proxy = true\nparent = \"base-policy\"", 1);
    let parent = format!(
        "\n[[firewall_policies]]\nname = \"base-policy\"\n{}",
        network_collection("base-deny", 4000, "deny", "Deny")
    );
    let n = net(&spoke("route_table = \"spoke-rt\"", &format!("{HUB_FIREWALL}{PYPI}{child}{parent}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_blocked(&t, ReasonCode::FirewallDenied, "firewall-rule:base-policy/base-deny/deny/pypi-addresses");
}

const PE_SUBNET_NSG: &str = r#"
[[nsgs]]
name = "pe-nsg"

[[nsgs.rules]]
name = "deny-from-work"
priority = 200
direction = "Inbound"
access = "Deny"
protocol = "Tcp"
source = "10.1.1.0/24"
destination = "*"
destination_ports = "443"
"#;

// §2.2/§2.4: inbound traffic is evaluated by the destination subnet's NSG; a deny there blocks the
// flow at the nsg-inbound hop, even though the source's outbound rules allowed it.
#[test]
fn inbound_nsg_at_the_destination_subnet_blocks() {
    let text = spoke("", PE_SUBNET_NSG).replacen(
        "name = \"pe\"\nprefix = \"10.1.2.0/24\"",
        "name = \"pe\"\nprefix = \"10.1.2.0/24\"\nnsg = \"pe-nsg\"",
        1,
    );
    let n = net(&text);
    let t = trace(&n, "spoke/work", "10.1.2.10", 443);
    assert_blocked(&t, ReasonCode::NsgDenied, "nsg-rule:pe-nsg/deny-from-work");
    assert_eq!(t.hop(HopKind::NsgInbound).unwrap().decided_by.id, "nsg-rule:pe-nsg/deny-from-work");
    assert!(t.hop(HopKind::NsgOutbound).is_some(), "the source side allowed it first: {t:#?}");
    // Another port is not covered by the deny: the default AllowVnetInBound decides.
    let t = trace(&n, "spoke/work", "10.1.2.10", 8443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
}

// §2.3: NSGs are stateful: an inbound deny-all on the client's own subnet does not stop the replies to
// its outbound connection, so an outbound flow is decided by outbound rules only.
#[test]
fn an_inbound_deny_all_does_not_block_replies_to_outbound_flows() {
    let nsg = r#"
[[nsgs]]
name = "work-nsg"

[[nsgs.rules]]
name = "deny-all-inbound"
priority = 100
direction = "Inbound"
access = "Deny"
protocol = "*"
"#;
    let n = net(&spoke("nsg = \"work-nsg\"\nnat_gateway = \"nat\"", &format!("{NAT}{PYPI}{nsg}")));
    let t = trace(&n, "spoke/work", "pypi.org", 443);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::NatGateway);
}

// §4.1/§4.3: Azure public endpoints reached without a service endpoint or private endpoint leave
// through the subnet's NAT gateway like any internet destination, source-NATed to its address.
#[test]
fn azure_public_endpoint_without_service_endpoint_leaves_through_nat() {
    let endpoint = r#"
[[endpoints]]
fqdn = "myhub.servicebus.windows.net"
region = "eastus2"
service_tags = ["EventHub.EastUS2"]
"#;
    let n = net(&spoke("nat_gateway = \"nat\"", &format!("{NAT}{endpoint}")));
    let t = trace(&n, "spoke/work", "myhub.servicebus.windows.net", 9093);
    assert_eq!(t.verdict, Verdict::Delivered, "{t:#?}");
    assert_eq!(t.egress, Egress::NatGateway);
    assert_eq!(t.snat_ip, Some("20.10.10.10".parse().unwrap()));
    assert_eq!(t.hop(HopKind::Egress).unwrap().decided_by.id, "nat-gateway:nat");
}

// The network works out each VNet's resolver once and answers every later walk with it: the same
// answer `dns::resolver_for` gives, for each VNet, even beside a later VNet of the same name (an
// estate validation rejects, which must still not borrow its namesake's DNS settings).
#[test]
fn each_vnet_keeps_its_own_resolver_even_beside_a_namesake() {
    let loaded =
        load_str(&spoke("", ""), "scenario.toml", Format::NativeToml).unwrap_or_else(|e| panic!("{e}"));
    let mut estate = loaded.estate;
    let mut namesake = estate.vnets[0].clone();
    namesake.dns_servers = vec!["192.168.10.53".parse().unwrap()];
    estate.vnets.push(namesake);
    let n = Network::new(estate, ServiceTags::symbolic());
    let shown = |r: &adbflow_net::dns::Resolver| {
        format!(
            "{:?} {} {} {} {:?} {:?}",
            r.view, r.description, r.element.id, r.inferred, r.broken, r.custom_server
        )
    };
    for _asked_again in 0..2 {
        for v in &n.estate().vnets {
            assert_eq!(
                shown(&n.resolver(v)),
                shown(&adbflow_net::dns::resolver_for(n.estate(), v)),
                "{}",
                v.name
            );
        }
    }
    let [first, second] = [&n.estate().vnets[0], &n.estate().vnets[1]].map(|v| n.resolver(v));
    assert!(first.description.starts_with("Azure-provided DNS"), "{}", first.description);
    assert!(second.description.starts_with("custom DNS server 192.168.10.53"), "{}", second.description);
}
