//! Structure-aware estates: fuzzer bytes choose a hub-spoke estate's shape — VNets, subnets,
//! NSG rules, UDRs, NAT, peerings, a firewall with rule collections, private endpoints and DNS
//! zones, storage accounts, a VNet-injected workspace — and it is written as native TOML, so every
//! generated estate also goes through the importer and Azure's validation as a user's would.
//! Values come from small pools so that rules, routes and names refer to each other often.

use arbitrary::{Result, Unstructured};
use std::fmt::Write;

const PREFIXES: &[&str] = &[
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.1.0/24",
    "10.2.0.0/16",
    "192.168.0.0/16",
    "151.101.0.0/16",
];
const TAGS: &[&str] = &[
    "Internet",
    "VirtualNetwork",
    "AzureCloud",
    "Storage",
    "Storage.EastUS2",
    "AzureDatabricks",
    "Sql",
    "EventHub",
    "*",
];
const PORTS: &[&str] = &["*", "443", "53", "3306", "8443-8451", "80,443", "1-65535"];
const HOPS: &[&str] = &["VirtualAppliance", "Internet", "None", "VnetLocal", "VirtualNetworkGateway"];
const FQDNS: &[&str] = &["pypi.org", "*.pypi.org", "files.pythonhosted.org", "*.blob.core.windows.net", "*"];

fn pick<'a>(u: &mut Unstructured<'_>, from: &[&'a str]) -> Result<&'a str> {
    Ok(from[u.choose_index(from.len())?])
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A native TOML estate, or an error when the bytes run out early.
pub fn estate_toml(u: &mut Unstructured<'_>) -> Result<String> {
    let mut t = String::from("name = \"fuzz\"\nregion = \"eastus2\"\n");
    let spokes = u.int_in_range(1..=3u8)?;
    let firewall = u.arbitrary::<bool>()?;
    // Hub 10.0.0.0/16 with the firewall subnet; spokes 10.N.0.0/16 with host, container, pe subnets.
    t.push_str("\n[[vnets]]\nname = \"hub\"\naddress_space = [\"10.0.0.0/16\"]\n");
    t.push_str("\n[[vnets.subnets]]\nname = \"AzureFirewallSubnet\"\nprefix = \"10.0.1.0/26\"\n");
    for s in 1..=spokes {
        let _ = write!(t, "\n[[vnets]]\nname = \"spoke{s}\"\naddress_space = [\"10.{s}.0.0/16\"]\n");
        if u.ratio(1, 6)? {
            t.push_str("dns_servers = [\"10.0.1.4\"]\n");
        }
        for (i, name) in ["host", "container", "pe"].iter().enumerate() {
            let _ = write!(t, "\n[[vnets.subnets]]\nname = \"{name}\"\nprefix = \"10.{s}.{i}.0/24\"\n");
            if i < 2 {
                if u.ratio(3, 4)? {
                    let _ = writeln!(t, "nsg = \"nsg{s}\"");
                }
                if u.ratio(1, 2)? {
                    let _ = writeln!(t, "route_table = \"rt{s}\"");
                }
                if u.ratio(1, 2)? {
                    t.push_str("nat_gateway = \"nat\"\n");
                }
                if u.ratio(1, 2)? {
                    t.push_str("service_endpoints = [\"Microsoft.Storage\"]\n");
                }
                if s == 1 {
                    t.push_str("delegation = \"Microsoft.Databricks/workspaces\"\n");
                }
            }
        }
        let spoke = format!("spoke{s}");
        for (a, b) in [("hub", spoke.as_str()), (spoke.as_str(), "hub")] {
            if u.ratio(5, 6)? {
                let _ = write!(
                    t,
                    "\n[[peerings]]\nname = \"{a}-{b}\"\nvnet = \"{a}\"\nremote_vnet = \"{b}\"\nallow_forwarded_traffic = {}\n",
                    u.arbitrary::<bool>()?
                );
            }
        }
        nsg(u, &mut t, s)?;
        route_table(u, &mut t, s)?;
    }
    t.push_str("\n[[public_ips]]\nname = \"nat-ip\"\nip = \"20.10.0.1\"\n\n[[public_ips]]\nname = \"fw-ip\"\nip = \"20.10.0.2\"\n");
    t.push_str("\n[[nat_gateways]]\nname = \"nat\"\npublic_ips = [\"nat-ip\"]\n");
    if firewall {
        firewall_policy(u, &mut t)?;
    }
    private_link(u, &mut t)?;
    if u.ratio(2, 3)? {
        let npip = u.arbitrary::<bool>()?;
        let _ = write!(
            t,
            "\n[[workspaces]]\nname = \"ws\"\nvnet = \"spoke1\"\nhost_subnet = \"host\"\ncontainer_subnet = \"container\"\nno_public_ip = {npip}\n"
        );
    }
    Ok(t)
}

fn nsg(u: &mut Unstructured<'_>, t: &mut String, s: u8) -> Result<()> {
    let _ = write!(t, "\n[[nsgs]]\nname = \"nsg{s}\"\n");
    let mut priorities = std::collections::BTreeSet::new();
    for r in 0..u.int_in_range(0..=6u8)? {
        let priority = u.int_in_range(100..=4096u16)?;
        let direction = if u.arbitrary::<bool>()? { "Outbound" } else { "Inbound" };
        if !priorities.insert((priority, direction)) {
            continue;
        }
        let access = if u.arbitrary::<bool>()? { "Allow" } else { "Deny" };
        let protocol = pick(u, &["*", "Tcp", "Udp", "Icmp"])?;
        let destination =
            if u.arbitrary::<bool>()? { pick(u, TAGS)?.to_string() } else { pick(u, PREFIXES)?.to_string() };
        let _ = write!(
            t,
            "\n[[nsgs.rules]]\nname = \"r{r}\"\npriority = {priority}\ndirection = \"{direction}\"\naccess = \"{access}\"\nprotocol = \"{protocol}\"\ndestination = \"{destination}\"\ndestination_ports = \"{}\"\n",
            pick(u, PORTS)?
        );
    }
    Ok(())
}

fn route_table(u: &mut Unstructured<'_>, t: &mut String, s: u8) -> Result<()> {
    let _ = write!(t, "\n[[route_tables]]\nname = \"rt{s}\"\n");
    for r in 0..u.int_in_range(0..=4u8)? {
        let hop = pick(u, HOPS)?;
        let prefix =
            if u.ratio(1, 5)? { pick(u, &["Storage", "AzureDatabricks"])? } else { pick(u, PREFIXES)? };
        let _ = write!(
            t,
            "\n[[route_tables.routes]]\nname = \"u{r}\"\naddress_prefix = \"{prefix}\"\nnext_hop_type = \"{hop}\"\n"
        );
        if hop == "VirtualAppliance" {
            let ip = pick(u, &["10.0.1.4", "10.2.0.4", "172.16.0.1"])?;
            let _ = writeln!(t, "next_hop_ip = \"{ip}\"");
        }
    }
    Ok(())
}

fn firewall_policy(u: &mut Unstructured<'_>, t: &mut String) -> Result<()> {
    let _ = write!(
        t,
        "\n[[firewalls]]\nname = \"fw\"\nvnet = \"hub\"\nprivate_ip = \"10.0.1.4\"\npublic_ips = [\"fw-ip\"]\npolicy = \"pol\"\n\n[[firewall_policies]]\nname = \"pol\"\ndns_proxy = {}\n",
        u.arbitrary::<bool>()?
    );
    for g in 0..u.int_in_range(0..=3u8)? {
        let _ = write!(
            t,
            "\n[[firewall_policies.rule_collection_groups]]\nname = \"g{g}\"\npriority = {}\n",
            u.int_in_range(100..=65000u32)?
        );
        for c in 0..u.int_in_range(1..=2u8)? {
            let network = u.arbitrary::<bool>()?;
            let action = if u.ratio(3, 4)? { "Allow" } else { "Deny" };
            let _ = write!(
                t,
                "\n[[firewall_policies.rule_collection_groups.rule_collections]]\nname = \"c{c}\"\npriority = {}\nkind = \"{}\"\naction = \"{action}\"\n",
                u.int_in_range(100..=65000u32)?,
                if network { "Network" } else { "Application" },
            );
            for r in 0..u.int_in_range(1..=3u8)? {
                let _ = write!(
                    t,
                    "\n[[firewall_policies.rule_collection_groups.rule_collections.rules]]\nname = \"r{r}\"\nsource_addresses = [\"{}\"]\n",
                    pick(u, &["*", "10.0.0.0/8", "10.1.0.0/16", "10.2.1.0/24"])?
                );
                if network {
                    let dest = if u.arbitrary::<bool>()? { pick(u, TAGS)? } else { pick(u, PREFIXES)? };
                    let _ = write!(
                        t,
                        "protocols = [\"{}\"]\ndestination_addresses = [\"{dest}\"]\ndestination_ports = \"{}\"\n",
                        pick(u, &["TCP", "UDP", "Any"])?,
                        pick(u, PORTS)?
                    );
                } else {
                    let fqdns = [pick(u, FQDNS)?, pick(u, FQDNS)?];
                    let _ =
                        writeln!(t, "protocols = [\"Https:443\"]\ntarget_fqdns = {}", quoted_list(&fqdns));
                }
            }
        }
    }
    Ok(())
}

fn private_link(u: &mut Unstructured<'_>, t: &mut String) -> Result<()> {
    t.push_str("\n[[endpoints]]\nfqdn = \"pypi.org\"\nips = [\"151.101.0.223\"]\n");
    let public = pick(u, &["Enabled", "Disabled"])?;
    let default = pick(u, &["Allow", "Deny"])?;
    let _ = write!(
        t,
        "\n[[storage_accounts]]\nname = \"fuzzdata\"\nregion = \"{}\"\nhns = true\npublic_network_access = \"{public}\"\ndefault_action = \"{default}\"\nvirtual_network_rules = {}\n",
        pick(u, &["eastus2", "westeurope"])?,
        quoted_list(&[pick(u, &["spoke1/host", "spoke1/container", "spoke2/host"])?]),
    );
    if u.arbitrary::<bool>()? {
        let state = pick(u, &["Approved", "Pending", "Rejected"])?;
        let _ = write!(
            t,
            "\n[[private_endpoints]]\nname = \"pe\"\nsubnet = \"spoke1/pe\"\nip = \"10.1.2.4\"\ntarget = \"fuzzdata\"\nsubresource = \"{}\"\nconnection_state = \"{state}\"\n",
            pick(u, &["blob", "dfs"])?
        );
        if u.arbitrary::<bool>()? {
            let zone = pick(
                u,
                &[
                    "privatelink.blob.core.windows.net",
                    "privatelink.dfs.core.windows.net",
                    "blob.core.windows.net",
                ],
            )?;
            let linked = if u.arbitrary::<bool>()? { "links = [{ vnet = \"spoke1\" }]\n" } else { "" };
            let _ = write!(
                t,
                "\n[[private_dns_zones]]\nname = \"{zone}\"\nrecords = [{{ name = \"fuzzdata\", ips = [\"10.1.2.4\"] }}]\n{linked}"
            );
        }
    }
    Ok(())
}
