//! The hub: Azure Firewall (DNS proxy on, so spokes resolve through it), an ExpressRoute gateway to
//! on-premises, shared services (a package mirror) and management subnets, and the central
//! privatelink DNS zones that spokes' private endpoints register in.

use crate::elements::{net, ports, subnet, Rule, Side};
use crate::faults::Fault;
use crate::layout::{self, FIREWALL_IP, HUB, MANAGEMENT, MIRROR_IP, SHARED_SERVICES};
use crate::rng::Dice;
use crate::spoke::Spoke;
use adbflow_databricks::regions::{Cloud, Region};
use adbflow_model::{
    Access, Direction, Estate, Firewall, FirewallSku, Gateway, GatewayKind, Nsg, Peering, Prefix,
    PrivateDnsZone, Protocol, PublicIp, Sku, VNet,
};
use std::net::Ipv4Addr;

pub(crate) struct Context<'a> {
    pub region: &'a Region,
    pub cloud: &'a Cloud,
}

pub(crate) const FIREWALL: &str = "hub-fw";
pub(crate) const POLICY: &str = "hub-fw-policy";
pub(crate) const SHARED_NSG: &str = "nsg-hub-shared-services";

pub(crate) fn zone(cloud: &Cloud, sub: &str) -> String {
    format!("privatelink.{sub}.{}", cloud.storage_suffix)
}

/// On-premises ranges the ExpressRoute circuit advertises; spokes route them through the firewall.
pub(crate) const ONPREM: [(Ipv4Addr, u8); 2] =
    [(Ipv4Addr::new(192, 168, 0, 0), 16), (Ipv4Addr::new(172, 16, 0, 0), 12)];

pub(crate) fn build(ctx: &Context<'_>, estate: &mut Estate, dice: &mut Dice) {
    let mut mirror = subnet("shared-services", net(SHARED_SERVICES, 24));
    mirror.nsg = Some(SHARED_NSG.into());
    let mut mgmt = subnet("management", net(MANAGEMENT, 24));
    // Jump hosts reach the internet through the firewall only.
    mgmt.default_outbound_access = false;
    estate.vnets.push(VNet {
        name: HUB.into(),
        region: None,
        address_space: vec![Prefix(layout::hub_range())],
        dns_servers: Vec::new(),
        subnets: vec![
            subnet("AzureFirewallSubnet", net(layout::HUB_RANGE, 26)),
            subnet("GatewaySubnet", net(Ipv4Addr::new(10, 0, 1, 0), 27)),
            mirror,
            mgmt,
        ],
        origin: None,
    });
    // The mirror answers every VNet-internal client on its HTTP port; the rest is Azure's default.
    estate.nsgs.push(Nsg {
        name: SHARED_NSG.into(),
        rules: vec![
            Rule {
                name: "allow-mirror-from-spokes".into(),
                priority: 200,
                direction: Direction::Inbound,
                access: Access::Allow,
                protocol: Protocol::Tcp,
                source: Side::Tag("VirtualNetwork"),
                destination: Side::Nets(vec![net(MIRROR_IP, 32)]),
                ports: ports(&[(8081, 8081)]),
                description: "package mirror (Artifactory) for spoke clusters",
            }
            .into(),
            Rule {
                name: "deny-ssh-from-spokes".into(),
                priority: 300,
                direction: Direction::Inbound,
                access: Access::Deny,
                protocol: Protocol::Tcp,
                source: Side::Nets(vec![net(Ipv4Addr::new(10, 0, 0, 0), 8)]),
                destination: Side::Any,
                ports: ports(&[(22, 22)]),
                description: "only the management subnet administers shared services",
            }
            .into(),
        ],
        origin: None,
    });
    let pip_octet = dice.between(10, 200) as u8;
    for k in 0..2u8 {
        estate.public_ips.push(PublicIp {
            name: format!("hub-fw-pip-{k}"),
            ip: Some(Ipv4Addr::new(20, 96, pip_octet, 10 + k)),
            sku: Sku::Standard,
            origin: None,
        });
    }
    estate.firewalls.push(Firewall {
        name: FIREWALL.into(),
        vnet: HUB.into(),
        sku: FirewallSku::Premium,
        private_ip: FIREWALL_IP,
        public_ips: vec!["hub-fw-pip-0".into(), "hub-fw-pip-1".into()],
        policy: Some(POLICY.into()),
        origin: None,
    });
    estate.gateways.push(Gateway {
        name: "hub-ergw".into(),
        vnet: HUB.into(),
        kind: GatewayKind::ExpressRoute,
        public_ip: None,
        onprem_prefixes: ONPREM.iter().map(|&(a, l)| Prefix(net(a, l))).collect(),
        origin: None,
    });
    // Spokes use the firewall's DNS proxy, which resolves with the hub's links: one link per zone.
    for sub in ["blob", "dfs"] {
        estate.private_dns_zones.push(PrivateDnsZone {
            name: zone(ctx.cloud, sub),
            records: Vec::new(),
            links: vec![adbflow_model::DnsZoneLink {
                vnet: HUB.into(),
                registration_enabled: false,
                resolution_policy: Default::default(),
                origin: None,
            }],
            origin: None,
        });
    }
}

/// Both directions of every hub–spoke peering, except where a spoke is planted with a one-sided one.
pub(crate) fn connect(spokes: &[Spoke], estate: &mut Estate) {
    for s in spokes {
        if s.fault != Some(Fault::PeeringOneSided) {
            estate.peerings.push(Peering {
                name: format!("hub-to-{}", s.vnet),
                vnet: HUB.into(),
                remote_vnet: s.vnet.clone(),
                allow_virtual_network_access: true,
                allow_forwarded_traffic: true,
                allow_gateway_transit: true,
                use_remote_gateways: false,
                origin: None,
            });
        }
        estate.peerings.push(Peering {
            name: format!("{}-to-hub", s.vnet),
            vnet: s.vnet.clone(),
            remote_vnet: HUB.into(),
            allow_virtual_network_access: true,
            allow_forwarded_traffic: true,
            allow_gateway_transit: false,
            use_remote_gateways: true,
            origin: None,
        });
    }
}
