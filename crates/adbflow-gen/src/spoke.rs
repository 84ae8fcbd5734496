//! One spoke: a VNet-injected workspace with its NSG, forced-tunnel route table, storage accounts
//! (DBFS root, Unity Catalog root, a data lake behind a firewall) and — in a share of spokes —
//! private endpoints registered in the hub's zones. A planted [`Fault`] changes exactly one thing.

use crate::elements::{net, offset, ports, storage, strings, subnet, udr, Rule, Side};
use crate::faults::{Fault, Planted};
use crate::hub::{zone, Context};
use crate::layout::{self, FIREWALL_IP, MANAGEMENT, MIRROR_IP, SHARED_SERVICES};
use crate::rng::Dice;
use adbflow_model::{
    ids, Access, DefaultAction, Direction, DnsRecord, Estate, ExternalLocation, Libraries, LibrarySource,
    NextHopType, Nsg, PrivateEndpoint, Protocol, PublicNetworkAccess, RouteDestination, RouteTable, VNet,
    Workspace,
};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// What the hub and the firewall policy need to know about a built spoke.
#[derive(Debug, Clone)]
pub(crate) struct Spoke {
    pub index: usize,
    pub vnet: String,
    pub range: Ipv4Net,
    pub fault: Option<Fault>,
    pub planted: Vec<Planted>,
}

const DELEGATION: &str = "Microsoft.Databricks/workspaces";

pub(crate) fn build(
    ctx: &Context<'_>,
    i: usize,
    private_endpoints: bool,
    fault: Option<Fault>,
    estate: &mut Estate,
    dice: &mut Dice,
) -> Spoke {
    let l = layout::spoke(i);
    let vnet = layout::spoke_vnet(i);
    let ws = layout::workspace(i);
    let nsg = format!("nsg-{vnet}");
    let rt = format!("rt-{vnet}");
    let mut planted = Vec::new();
    let mut plant = |fault: Fault, element: String| {
        planted.push(Planted { workspace: ws.clone(), fault, element });
    };

    let cluster_subnet = |name: &str, prefix| {
        let mut s = subnet(name, prefix);
        s.nsg = Some(nsg.clone());
        s.route_table = Some(rt.clone());
        s.service_endpoints = strings(["Microsoft.Storage"]);
        s.delegation = Some(DELEGATION.into());
        s.default_outbound_access = false;
        s
    };
    let host = cluster_subnet("host", l.host);
    let mut container = cluster_subnet("container", l.container);
    if fault == Some(Fault::SubnetNsgMissing) {
        container.nsg = None;
        plant(Fault::SubnetNsgMissing, ids::subnet(&vnet, "container"));
    }
    let mut pe_subnet = subnet("private-endpoints", l.private_endpoints);
    pe_subnet.default_outbound_access = false;
    estate.vnets.push(VNet {
        name: vnet.clone(),
        region: None,
        address_space: vec![adbflow_model::Prefix(l.range)],
        dns_servers: vec![FIREWALL_IP],
        subnets: vec![host, container, pe_subnet],
        origin: None,
    });

    let mut rules = nsg_rules(dice);
    if fault == Some(Fault::NsgPriorityConflict) {
        let r = Rule {
            name: "allow-monitoring-agent".into(),
            priority: 101,
            direction: Direction::Outbound,
            access: Access::Allow,
            protocol: Protocol::Tcp,
            source: Side::Tag("VirtualNetwork"),
            destination: Side::Tag("AzureMonitor"),
            ports: ports(&[(443, 443)]),
            description: "monitoring agent (priority taken from a template)",
        };
        plant(Fault::NsgPriorityConflict, ids::nsg_rule(&nsg, &r.name));
        rules.push(r.into());
    }
    estate.nsgs.push(Nsg { name: nsg.clone(), rules, origin: None });

    let mut routes = udrs(dice);
    if fault == Some(Fault::UdrBlackhole) {
        if let Some(ip) = ctx.region.webapp_ip() {
            let name = format!("block-suspicious-{}", ip.to_string().replace('.', "-"));
            plant(Fault::UdrBlackhole, ids::route(&rt, &name));
            routes.push(udr(&name, RouteDestination::Prefix(net(ip, 32)), NextHopType::None, None));
        }
    }
    estate.route_tables.push(RouteTable {
        name: rt.clone(),
        disable_bgp_route_propagation: true,
        routes,
        origin: None,
    });

    let region = &ctx.region.name;
    let dbfs = format!("stdbfs{i:05}");
    let meta = format!("stmeta{i:05}");
    let lake = format!("stlake{i:05}");
    estate.storage_accounts.push(storage(&dbfs, region));
    let cluster_paths = vec![format!("{vnet}/host"), format!("{vnet}/container")];
    for (name, is_lake) in [(&meta, false), (&lake, true)] {
        let mut sa = storage(name, region);
        sa.default_action = DefaultAction::Deny;
        sa.bypass = strings(["AzureServices"]);
        if private_endpoints {
            sa.public_network_access = PublicNetworkAccess::Disabled;
        } else {
            sa.virtual_network_rules = cluster_paths.clone();
            if is_lake {
                let o = dice.between(1, 250) as u8;
                sa.ip_rules = vec![format!("52.160.{o}.0/28"), format!("52.161.{o}.16/28")];
                if fault == Some(Fault::StorageVnetRuleMissing) {
                    sa.virtual_network_rules.truncate(1);
                    plant(Fault::StorageVnetRuleMissing, ids::storage_account(name));
                }
            }
        }
        estate.storage_accounts.push(sa);
    }
    if private_endpoints {
        let endpoints = [(&meta, "dfs", 4u32), (&lake, "dfs", 5), (&lake, "blob", 6)];
        for (account, sub, host) in endpoints {
            let ip = offset(l.private_endpoints.network(), host);
            estate.private_endpoints.push(PrivateEndpoint {
                name: format!("pe-{account}-{sub}"),
                subnet: format!("{vnet}/private-endpoints"),
                ip: Some(ip),
                target: account.clone(),
                subresource: sub.into(),
                connection_state: Default::default(),
                origin: None,
            });
            let zone_name = zone(ctx.cloud, sub);
            if fault == Some(Fault::DnsRecordMissing) && account == &lake && sub == "dfs" {
                plant(Fault::DnsRecordMissing, ids::dns_zone(&zone_name));
                continue;
            }
            let z = estate
                .private_dns_zones
                .iter_mut()
                .find(|z| z.name == zone_name)
                .expect("the hub creates the blob and dfs zones first");
            z.records.push(DnsRecord { name: account.clone(), ips: vec![ip], origin: None });
        }
    }

    let locations = ["raw", "curated", "gold"];
    let n_locations = dice.between(1, 3) as usize;
    let libraries = match dice.below(20) {
        0..=14 => Libraries::default(),
        15..=17 => Libraries {
            pypi: mirror("api/pypi/pypi-remote/simple"),
            maven: mirror("maven-remote"),
            cran: LibrarySource::None,
        },
        _ => Libraries { cran: LibrarySource::Public, ..Libraries::default() },
    };
    let id = 1_000_000_000_000_000u64 + i as u64 * 7919 + dice.below(7919);
    estate.workspaces.push(Workspace {
        name: ws.clone(),
        region: None,
        sku: adbflow_model::WorkspaceSku::Premium,
        vnet: vnet.clone(),
        host_subnet: "host".into(),
        container_subnet: "container".into(),
        no_public_ip: true,
        public_network_access: PublicNetworkAccess::Enabled,
        required_nsg_rules: Default::default(),
        workspace_url: Some(format!("adb-{id}.{}.{}", 1 + dice.below(19), ctx.cloud.databricks_suffix)),
        dbfs_storage_account: Some(dbfs),
        metastore_storage_account: Some(meta),
        external_locations: locations[..n_locations]
            .iter()
            .map(|n| ExternalLocation { name: n.to_string(), storage_account: lake.clone(), origin: None })
            .collect(),
        hive_metastore: dice.percent(70),
        libraries,
        ip_access_lists: Vec::new(),
        user_subnet: None,
        user_public_ip: None,
        origin: None,
    });
    if fault == Some(Fault::PeeringOneSided) {
        planted.push(Planted {
            workspace: ws.clone(),
            fault: Fault::PeeringOneSided,
            element: ids::peering(&vnet, &format!("{vnet}-to-hub")),
        });
    }
    if fault == Some(Fault::FirewallSourceMissing) {
        planted.push(Planted {
            workspace: ws.clone(),
            fault: Fault::FirewallSourceMissing,
            element: ids::ip_group(&crate::policy::spokes_ip_group(i)),
        });
    }
    Spoke { index: i, vnet, range: l.range, fault, planted }
}

fn mirror(path: &str) -> LibrarySource {
    LibrarySource::Mirror(format!("http://{MIRROR_IP}:8081/artifactory/{path}"))
}

/// About forty user rules: administration and on-premises access in, a handful of Azure services
/// and on-premises databases out, and the deny rules every security baseline has. Databricks adds
/// its own rules at priorities 100–104, which Azure evaluates first.
fn nsg_rules(dice: &mut Dice) -> Vec<adbflow_model::NsgRule> {
    use Access::{Allow, Deny};
    use Direction::{Inbound, Outbound};
    let mut out: Vec<Rule> = Vec::new();
    // Rules are spaced by ten, as people leave room to insert one later.
    let prio = |_: Direction, next: &mut u32| {
        *next += 10;
        *next
    };
    let (mut inb, mut outb) = (190u32, 190u32);
    out.push(Rule {
        name: "allow-bastion-ssh".into(),
        priority: prio(Inbound, &mut inb),
        direction: Inbound,
        access: Allow,
        protocol: Protocol::Tcp,
        source: Side::Nets(vec![net(MANAGEMENT, 24)]),
        destination: Side::Tag("VirtualNetwork"),
        ports: ports(&[(22, 22)]),
        description: "jump hosts in the hub management subnet",
    });
    out.push(Rule {
        name: "allow-onprem-thrift".into(),
        priority: prio(Inbound, &mut inb),
        direction: Inbound,
        access: Allow,
        protocol: Protocol::Tcp,
        source: Side::Nets(vec![net(Ipv4Addr::new(192, 168, 0, 0), 16)]),
        destination: Side::Tag("VirtualNetwork"),
        ports: ports(&[(10000, 10001)]),
        description: "BI tools on-premises reach the Spark Thrift server",
    });
    const ADMIN_PORTS: [(u16, u16); 6] =
        [(22, 22), (3389, 3389), (445, 445), (135, 139), (1433, 1433), (5985, 5986)];
    for k in 0..14u8 {
        out.push(Rule {
            name: format!("deny-onprem-segment-{k:02}"),
            priority: prio(Inbound, &mut inb),
            direction: Inbound,
            access: Deny,
            protocol: Protocol::Tcp,
            source: Side::Nets(vec![net(Ipv4Addr::new(172, 16 + k, 0, 0), 16)]),
            destination: Side::Any,
            ports: ports(&[*dice.pick(&ADMIN_PORTS)]),
            description: "legacy segments may not administer spoke hosts",
        });
    }
    out.push(Rule {
        name: "deny-internet-inbound".into(),
        priority: 4000,
        direction: Inbound,
        access: Deny,
        protocol: Protocol::Any,
        source: Side::Tag("Internet"),
        destination: Side::Any,
        ports: ports(&[]),
        description: "baseline: nothing from the internet",
    });
    for (name, tag) in [
        ("allow-entra-id", "AzureActiveDirectory"),
        ("allow-azure-monitor", "AzureMonitor"),
        ("allow-key-vault", "AzureKeyVault"),
    ] {
        out.push(Rule {
            name: name.into(),
            priority: prio(Outbound, &mut outb),
            direction: Outbound,
            access: Allow,
            protocol: Protocol::Tcp,
            source: Side::Tag("VirtualNetwork"),
            destination: Side::Tag(tag),
            ports: ports(&[(443, 443)]),
            description: "platform services the clusters' agents use",
        });
    }
    const DB_PORTS: [u16; 7] = [1433, 1521, 5432, 3306, 27017, 9042, 6379];
    let mut segments: Vec<u8> = (0..=255).collect();
    dice.shuffle(&mut segments);
    for (k, seg) in segments.iter().take(10).enumerate() {
        let p = *dice.pick(&DB_PORTS);
        out.push(Rule {
            name: format!("allow-onprem-db-{k:02}"),
            priority: prio(Outbound, &mut outb),
            direction: Outbound,
            access: Allow,
            protocol: Protocol::Tcp,
            source: Side::Tag("VirtualNetwork"),
            destination: Side::Nets(vec![net(Ipv4Addr::new(192, 168, *seg, 0), 24)]),
            ports: ports(&[(p, p)]),
            description: "on-premises databases the jobs read",
        });
    }
    for (name, p) in [
        ("deny-smtp", (25, 25)),
        ("deny-ftp", (20, 21)),
        ("deny-telnet", (23, 23)),
        ("deny-smb", (445, 445)),
        ("deny-netbios", (137, 139)),
    ] {
        out.push(Rule {
            name: name.into(),
            priority: prio(Outbound, &mut outb),
            direction: Outbound,
            access: Deny,
            protocol: Protocol::Any,
            source: Side::Any,
            destination: Side::Any,
            ports: ports(&[p]),
            description: "baseline: protocols that never leave a spoke",
        });
    }
    for k in 0..6u8 {
        out.push(Rule {
            name: format!("deny-blocklisted-{k}"),
            priority: prio(Outbound, &mut outb),
            direction: Outbound,
            access: Deny,
            protocol: Protocol::Any,
            source: Side::Any,
            destination: Side::Nets(vec![net(Ipv4Addr::new(198, 51, 100, k * 16), 28)]),
            ports: ports(&[]),
            description: "threat-intelligence blocklist",
        });
    }
    out.push(Rule {
        name: "allow-package-mirror".into(),
        priority: prio(Outbound, &mut outb),
        direction: Outbound,
        access: Allow,
        protocol: Protocol::Tcp,
        source: Side::Tag("VirtualNetwork"),
        destination: Side::Nets(vec![net(SHARED_SERVICES, 24)]),
        ports: ports(&[(8081, 8081)]),
        description: "the hub's package mirror",
    });
    out.into_iter().map(Into::into).collect()
}

/// Twenty UDRs: everything through the firewall (default route, other spokes, on-premises
/// segments), Entra ID straight out by service tag, and a documentation range dropped.
fn udrs(dice: &mut Dice) -> Vec<adbflow_model::Route> {
    let fw = Some(FIREWALL_IP);
    let p = |a: Ipv4Addr, l: u8| RouteDestination::Prefix(net(a, l));
    let mut out = vec![
        udr("default-to-firewall", p(Ipv4Addr::UNSPECIFIED, 0), NextHopType::VirtualAppliance, fw),
        udr("spokes-via-firewall", p(Ipv4Addr::new(10, 0, 0, 0), 8), NextHopType::VirtualAppliance, fw),
    ];
    let mut segments: Vec<u8> = (0..=255).collect();
    dice.shuffle(&mut segments);
    let mut chosen: Vec<u8> = segments[..12].to_vec();
    chosen.sort_unstable();
    for seg in chosen {
        out.push(udr(
            &format!("onprem-192-168-{seg}"),
            p(Ipv4Addr::new(192, 168, seg, 0), 24),
            NextHopType::VirtualAppliance,
            fw,
        ));
    }
    for k in 0..4u8 {
        out.push(udr(
            &format!("onprem-dc-{k}"),
            p(Ipv4Addr::new(172, 16 + k * 4, 0, 0), 14),
            NextHopType::VirtualAppliance,
            fw,
        ));
    }
    out.push(udr(
        "entra-id-direct",
        RouteDestination::Tag("AzureActiveDirectory".into()),
        NextHopType::Internet,
        None,
    ));
    out.push(udr("drop-test-net-3", p(Ipv4Addr::new(203, 0, 113, 0), 24), NextHopType::None, None));
    out
}
