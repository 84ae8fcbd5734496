//! The hub firewall's policy: a baseline deny group, the Databricks platform group every spoke
//! shares (sources by IP group, as landing zones write it), and per-spoke groups of about ten
//! network and application rules each — about ten thousand rules for a thousand workspaces.

use crate::elements::{fw_rule, net, ports, strings};
use crate::faults::Fault;
use crate::hub::{Context, POLICY};
use crate::rng::Dice;
use crate::spoke::Spoke;
use adbflow_model::{
    Estate, FirewallAction, FirewallPolicy, FirewallRule, IpGroup, PortSet, Prefix, RuleCollection,
    RuleCollectionGroup, RuleCollectionKind, ThreatIntelMode,
};
use std::net::Ipv4Addr;

/// Spokes per IP group (Azure allows 5,000 addresses or prefixes in one group).
const SPOKES_PER_IP_GROUP: usize = 1000;
/// Spokes per rule collection group.
const SPOKES_PER_GROUP: usize = 100;
const ONPREM_DATABASES: &str = "ipg-onprem-databases";

pub(crate) fn spokes_ip_group(i: usize) -> String {
    format!("ipg-spokes-{:02}", i / SPOKES_PER_IP_GROUP)
}

fn collection(
    name: String,
    priority: u32,
    kind: RuleCollectionKind,
    action: FirewallAction,
    rules: Vec<FirewallRule>,
) -> RuleCollection {
    RuleCollection { name, priority, kind, action, rules, origin: None }
}

fn group(name: &str, priority: u32, rule_collections: Vec<RuleCollection>) -> RuleCollectionGroup {
    RuleCollectionGroup { name: name.into(), priority, rule_collections, origin: None }
}

fn network(name: &str, protocols: &[&str], ports: PortSet) -> FirewallRule {
    let mut r = fw_rule(name);
    r.protocols = protocols.iter().map(|p| p.to_string()).collect();
    r.destination_ports = Some(ports);
    r
}

fn application(name: &str, protocols: &[&str], fqdns: Vec<String>) -> FirewallRule {
    let mut r = fw_rule(name);
    r.protocols = protocols.iter().map(|p| p.to_string()).collect();
    r.target_fqdns = fqdns;
    r
}

pub(crate) fn build(ctx: &Context<'_>, spokes: &[Spoke], estate: &mut Estate, dice: &mut Dice) {
    let mut groups: Vec<IpGroup> = Vec::new();
    for s in spokes {
        let name = spokes_ip_group(s.index);
        if groups.last().is_none_or(|g| g.name != name) {
            groups.push(IpGroup { name, prefixes: Vec::new(), origin: None });
        }
        if s.fault != Some(Fault::FirewallSourceMissing) {
            groups.last_mut().expect("pushed above").prefixes.push(Prefix(s.range));
        }
    }
    let spoke_groups: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    let mut db_segments: Vec<u8> = (0..=255).collect();
    dice.shuffle(&mut db_segments);
    let mut db: Vec<u8> = db_segments[..50].to_vec();
    db.sort_unstable();
    groups.push(IpGroup {
        name: ONPREM_DATABASES.into(),
        prefixes: db.iter().map(|&s| Prefix(net(Ipv4Addr::new(192, 168, s, 0), 24))).collect(),
        origin: None,
    });
    estate.ip_groups.extend(groups);

    let mut rcgs = vec![baseline(), platform(ctx, &spoke_groups)];
    for (k, chunk) in spokes.chunks(SPOKES_PER_GROUP).enumerate() {
        let mut cols = Vec::new();
        for (j, s) in chunk.iter().enumerate() {
            cols.extend(spoke_collections(s, 100 + 3 * j as u32, dice));
        }
        rcgs.push(group(&format!("spokes-{k:03}"), 1000 + k as u32, cols));
    }
    estate.firewall_policies.push(FirewallPolicy {
        name: POLICY.into(),
        parent: None,
        dns_proxy: true,
        threat_intel_mode: ThreatIntelMode::Deny,
        snat_private_ranges: Vec::new(),
        rule_collection_groups: rcgs,
        origin: None,
    });
}

fn baseline() -> RuleCollectionGroup {
    let any_source = |mut r: FirewallRule| {
        r.source_addresses = strings(["*"]);
        r
    };
    let mut smtp = any_source(network("deny-smtp", &["TCP"], ports(&[(25, 25), (465, 465), (587, 587)])));
    smtp.destination_addresses = strings(["*"]);
    let mut telnet = any_source(network("deny-telnet", &["TCP"], ports(&[(23, 23)])));
    telnet.destination_addresses = strings(["*"]);
    let mut blocklist = any_source(network("deny-blocklisted", &["Any"], PortSet::Any));
    blocklist.destination_addresses = strings(["198.51.100.0/24"]);
    group(
        "baseline",
        100,
        vec![collection(
            "baseline-deny".into(),
            100,
            RuleCollectionKind::Network,
            FirewallAction::Deny,
            vec![smtp, telnet, blocklist],
        )],
    )
}

/// What every Databricks spoke needs, as the built-in hub-spoke pattern writes it, for the region.
fn platform(ctx: &Context<'_>, spoke_groups: &[String]) -> RuleCollectionGroup {
    let r = ctx.region;
    let from = |mut rule: FirewallRule| {
        rule.source_ip_groups = spoke_groups.to_vec();
        rule
    };
    let mut net_rules = Vec::new();
    let mut webapp = from(network("webapp", &["TCP"], ports(&[(443, 443), (8443, 8451)])));
    webapp.destination_addresses = r.webapp_ips.iter().map(|p| p.to_string()).collect();
    net_rules.push(webapp);
    if !r.extended_infra_ips.is_empty() {
        let mut e = from(network("extended-infra", &["TCP"], ports(&[(443, 443)])));
        e.destination_addresses = r.extended_infra_ips.iter().map(|p| p.to_string()).collect();
        net_rules.push(e);
    }
    if !r.metastores.is_empty() {
        let mut m = from(network("metastore", &["TCP"], ports(&[(3306, 3306)])));
        m.destination_fqdns = r.metastores.iter().map(|e| e.fqdn.clone()).collect();
        net_rules.push(m);
    }
    if !r.event_hubs.is_empty() {
        let mut e = from(network("event-hub", &["TCP"], ports(&[(9093, 9093)])));
        e.destination_fqdns = r.event_hubs.iter().map(|e| e.fqdn.clone()).collect();
        net_rules.push(e);
    }
    let https = ["Https:443"];
    let app_rules = vec![
        from(application("scc-relay", &https, r.scc_relays.iter().map(|e| e.fqdn.clone()).collect())),
        from(application(
            "databricks-storage",
            &https,
            r.storage_endpoints().map(|e| e.fqdn.clone()).collect(),
        )),
        from(application("pypi", &https, strings(["pypi.org", "files.pythonhosted.org"]))),
        from(application("maven", &https, strings(["repo1.maven.org", "repo.maven.apache.org"]))),
        from(application("cran", &https, strings(["cran.r-project.org"]))),
    ];
    group(
        "databricks-platform",
        200,
        vec![
            collection(
                "databricks-network".into(),
                100,
                RuleCollectionKind::Network,
                FirewallAction::Allow,
                net_rules,
            ),
            collection(
                "databricks-application".into(),
                200,
                RuleCollectionKind::Application,
                FirewallAction::Allow,
                app_rules,
            ),
        ],
    )
}

/// Ten rules of one spoke's own: on-premises and partner destinations allowed, one range denied.
fn spoke_collections(s: &Spoke, priority: u32, dice: &mut Dice) -> Vec<RuleCollection> {
    let src = vec![s.range.to_string()];
    let from = |mut r: FirewallRule| {
        r.source_addresses = src.clone();
        r
    };
    let mut db =
        from(network("onprem-databases", &["TCP"], ports(&[(1433, 1433), (1521, 1521), (5432, 5432)])));
    db.destination_ip_groups = vec![ONPREM_DATABASES.into()];
    let mut kafka = from(network("onprem-kafka", &["TCP"], ports(&[(9092, 9094)])));
    kafka.destination_addresses = vec![format!("172.16.{}.0/24", dice.below(256))];
    let mut sftp = from(network("partner-sftp", &["TCP"], ports(&[(22, 22)])));
    sftp.destination_addresses = vec![format!("192.0.2.{}", dice.between(1, 254))];
    let mut ntp = from(network("ntp", &["UDP"], ports(&[(123, 123)])));
    ntp.destination_addresses = strings(["*"]);
    let mut dns = from(network("onprem-dns", &["TCP", "UDP"], ports(&[(53, 53)])));
    dns.destination_addresses = strings(["192.168.255.53", "192.168.254.53"]);
    let partner = dice.below(400);
    let app = vec![
        from(application("partner-api", &["Https:443"], vec![format!("api.partner{partner}.example.com")])),
        from(application(
            "source-control",
            &["Https:443"],
            strings(["github.com", "*.githubusercontent.com"]),
        )),
        from(application("corp-apps", &["Http:80", "Https:443"], strings(["*.corp.example.com"]))),
        from(application("observability", &["Https:443"], strings(["*.datadoghq.eu", "*.ingest.sentry.io"]))),
    ];
    let mut deny = from(network("block-mining-pools", &["Any"], PortSet::Any));
    deny.destination_addresses = vec![format!("198.51.100.{}", 16 * dice.below(16))];
    vec![
        collection(
            format!("{}-network", s.vnet),
            priority,
            RuleCollectionKind::Network,
            FirewallAction::Allow,
            vec![db, kafka, sftp, ntp, dns],
        ),
        collection(
            format!("{}-application", s.vnet),
            priority + 1,
            RuleCollectionKind::Application,
            FirewallAction::Allow,
            app,
        ),
        collection(
            format!("{}-deny", s.vnet),
            priority + 2,
            RuleCollectionKind::Network,
            FirewallAction::Deny,
            vec![deny],
        ),
    ]
}
