//! `cost` on the three built-in patterns and on small edits of them: monthly totals and per-meter
//! breakdowns worked out by hand in the comments, the seed document's corrections, tiers applied to
//! monthly totals, and price overrides.

mod common;

use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::cost::{cost, CostKind, CostOptions, CostReport, FlowStatus};
use adbflow_databricks::plan::SourceRole;
use adbflow_databricks::prices::{self, PriceTable};
use adbflow_databricks::profile::Profile;
use adbflow_databricks::FlowId;
use adbflow_model::{Estate, MonthlyVolume, Workload};
use adbflow_net::ServiceTags;
use common::pattern;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!(close(got, want), "{what}: got {got}, want {want}");
}

fn price_with(e: &Estate, profile: &Profile, prices: &PriceTable) -> CostReport {
    let options = CostOptions { check: CheckOptions::default(), profile, prices };
    cost(e, &ServiceTags::symbolic(), &options).expect("cost runs")
}

fn price(e: &Estate, profile: &str) -> CostReport {
    price_with(e, &Profile::named(profile).unwrap(), prices::builtin())
}

/// The seed profile adjusted with monthly volumes for some flows.
fn seed_with(monthly: &[(&str, f64, f64)]) -> Profile {
    let mut w = Workload::default();
    for (id, up, down) in monthly {
        w.monthly.insert(id.to_string(), MonthlyVolume { up_gb: *up, down_gb: *down });
    }
    Profile::resolve(None, &[("test".into(), &w)]).unwrap()
}

fn meter(r: &CostReport, name: &str) -> (f64, f64) {
    let ms: Vec<_> = r.meters.iter().filter(|m| m.meter == name).collect();
    (ms.iter().map(|m| m.quantity).sum(), ms.iter().map(|m| m.cost).sum())
}

fn note<'a>(r: &'a CostReport, code: &str) -> Option<&'a str> {
    r.notes.iter().find(|n| n.code == code).map(|n| n.message.as_str())
}

// Non-PL with the seed's monthly volumes (DESIGN.md "Where the seed is wrong" 1 and 2).
// Through the NAT gateway: scc-relay 3 up + 2 down, event-hub 10 up, pypi-files 10 down, metastore
// 0.1 up + 1 down = 26.1 GB, processed both ways at $0.045 = $1.1745. Runtime images, DBFS, UC
// and the external location use the storage service endpoint (free); worker-to-worker stays in
// the VNet. Hourly: NAT gateway 730 h × $0.045 = $32.85, its public IP 730 h × $0.005 = $3.65,
// service endpoints $0. Total $37.6745.
#[test]
fn non_pl_seed_month_by_meter() {
    let r = price(&pattern("non-pl", "eastus2"), "seed");
    assert_close("nat processed GB", meter(&r, "nat-gateway-data-processed").0, 26.1);
    assert_close("nat processed $", meter(&r, "nat-gateway-data-processed").1, 1.1745);
    assert_close("nat hours $", meter(&r, "nat-gateway-hour").1, 32.85);
    assert_close("public ip $", meter(&r, "public-ip-hour").1, 3.65);
    assert_close("service endpoints $", meter(&r, "service-endpoint-vnet-hour").1, 0.0);
    assert_close("internet egress $", meter(&r, "internet-egress").1, 0.0);
    assert_close("fixed", r.totals.fixed, 36.5);
    assert_close("variable", r.totals.variable, 1.1745);
    assert_close("total", r.totals.total, 37.6745);
    assert_close(
        "storage is free",
        r.flow_total(FlowId::ExternalLocation) + r.flow_total(FlowId::ArtifactPrimary),
        0.0,
    );
    let sum: f64 = r.flows.iter().map(|f| f.cost).sum();
    assert_close("flows add up to the variable total", sum, r.totals.variable);
}

// Control plane through NAT: scc-relay's 5 GB pay NAT processing, 5 × $0.045 = $0.225, split over
// the host and container rows; the seed says it is free and bypasses the NAT gateway.
#[test]
fn non_pl_control_plane_pays_nat_processing() {
    let r = price(&pattern("non-pl", "eastus2"), "seed");
    let relay: Vec<_> = r.flows.iter().filter(|f| f.id == FlowId::SccRelay).collect();
    assert_eq!(relay.len(), 2);
    for f in &relay {
        assert_eq!(f.charges.len(), 1, "{:?}", f.charges);
        let c = &f.charges[0];
        assert_eq!((c.meter.as_str(), c.bytes.as_str()), ("nat-gateway-data-processed", "up+down"));
        assert_close("share", c.gb, 2.5);
        assert_eq!(c.element.as_ref().map(|e| e.id.as_str()), Some("nat-gateway:adb-nat"));
    }
    assert_close("scc-relay", r.flow_total(FlowId::SccRelay), 0.225);
    let msg = note(&r, "seed-control-plane-not-free").expect("the seed correction is explained");
    assert!(msg.contains("adb-nat") && msg.contains("$0.22"), "{msg}");
}

// Full private with the seed's volumes (pricing notes A4: PE inbound and outbound each $0.01/GB).
// Through private endpoints: scc-relay 3 up / 2 down, DBFS 50 / 50, UC 5 / 5, external location
// 400 / 600 → outbound 458 GB = $4.58, inbound 657 GB = $6.57. Event Hub, metastore and the
// Databricks storage use service endpoints (free); libraries are unused by design. Hourly: 7
// private endpoints × 730 h × $0.01 = $51.10. Total $62.25.
#[test]
fn full_private_seed_month_by_meter() {
    let r = price(&pattern("full-private", "eastus2"), "seed");
    let (gb, usd) = meter(&r, "private-endpoint-outbound-data-processed");
    assert_close("outbound GB", gb, 458.0);
    assert_close("outbound $", usd, 4.58);
    let (gb, usd) = meter(&r, "private-endpoint-inbound-data-processed");
    assert_close("inbound GB", gb, 657.0);
    assert_close("inbound $", usd, 6.57);
    assert_close("pe hours", meter(&r, "private-endpoint-hour").1, 51.1);
    assert_eq!(r.fixed.iter().filter(|f| f.meter == "private-endpoint-hour").count(), 7);
    assert_close("nat", meter(&r, "nat-gateway-data-processed").1 + meter(&r, "nat-gateway-hour").1, 0.0);
    assert_close("total", r.totals.total, 62.25);
    let dl = r
        .flows
        .iter()
        .find(|f| f.id == FlowId::ExternalLocation && f.source_role == SourceRole::Host)
        .unwrap();
    assert_eq!(dl.charges.len(), 2);
    assert_eq!(dl.charges[1].element.as_ref().map(|e| e.name.as_str()), Some("lake-dfs-pe"));
    let pypi = r.flows.iter().find(|f| f.id == FlowId::PypiFiles).unwrap();
    assert_eq!(pypi.status, FlowStatus::BlockedByDesign);
    assert_eq!(pypi.cost, 0.0);
}

// Hub-spoke with the seed's volumes (pricing notes A3/A4). Through the hub firewall: scc-relay 5,
// event-hub 10, pypi-files 10, metastore 1.1 = 26.1 GB; firewall processing 26.1 × $0.016 =
// $0.4176; regional peering egress and ingress 26.1 × $0.01 each = $0.522. Hourly: Standard
// firewall 730 × $1.25 = $912.50 (the eastus price, noted as a fallback for eastus2), its public IP
// $3.65. Total $917.0896.
#[test]
fn hub_spoke_seed_month_by_meter() {
    let r = price(&pattern("hub-spoke", "eastus2"), "seed");
    assert_close("fw GB", meter(&r, "firewall-data-processed").0, 26.1);
    assert_close("fw $", meter(&r, "firewall-data-processed").1, 0.4176);
    assert_close("peering egress", meter(&r, "vnet-peering-regional-egress").1, 0.261);
    assert_close("peering ingress", meter(&r, "vnet-peering-regional-ingress").1, 0.261);
    assert_close("fw hours", meter(&r, "firewall-hour").1, 912.5);
    assert_close("total", r.totals.total, 917.0896);
    let fw = r.meters.iter().find(|m| m.meter == "firewall-hour").unwrap();
    assert_eq!(
        (fw.kind, fw.sku.as_deref(), fw.region.as_str()),
        (CostKind::Fixed, Some("Standard"), "eastus")
    );
    assert!(note(&r, "price-fallback").is_some_and(|m| m.contains("eastus2")));
}

// Downloads are ingress (DESIGN.md "Where the seed is wrong" 2): PyPI files through the hub
// firewall pay firewall processing and both sides of the peering on the downloaded bytes, and no
// internet egress: 10 GB × ($0.016 + $0.01 + $0.01) = $0.36.
#[test]
fn hub_spoke_pypi_downloads_pay_firewall_both_ways_and_no_internet_egress() {
    let r = price(&pattern("hub-spoke", "eastus2"), "seed");
    let rows: Vec<_> = r.flows.iter().filter(|f| f.id == FlowId::PypiFiles).collect();
    assert_eq!(rows.len(), 2);
    for f in &rows {
        assert!(f.path_meters.contains(&"internet-egress".to_string()), "the path leaves for the internet");
        let by = |m: &str| f.charges.iter().find(|c| c.meter == m).unwrap();
        assert_close("egress GB", by("internet-egress").gb, 0.0);
        assert_close("egress $", by("internet-egress").cost, 0.0);
        assert_close("fw GB", by("firewall-data-processed").gb, 5.0);
        assert_eq!(by("firewall-data-processed").element.as_ref().unwrap().name, "hub-fw");
        assert_close("peering out", by("vnet-peering-regional-egress").gb, 5.0);
        assert_close("peering in", by("vnet-peering-regional-ingress").gb, 5.0);
    }
    assert_close("pypi-files", r.flow_total(FlowId::PypiFiles), 0.36);
    let msg = note(&r, "seed-downloads-are-ingress").unwrap();
    assert!(msg.contains("firewall hub-fw") && msg.contains("$0.36"), "{msg}");
}

// The etl profile on Non-PL: 6 clusters/day × 30 days × 8 nodes = 1440 node starts, 2160
// node-hours, 270 cluster-hours. Through the NAT gateway: scc-relay 0.45 × 270 = 121.5 GB,
// webapp (50 KB + 1 MB) × 1440 = 1.512 GB, event-hub 0.05 × 2160 = 108 GB, PyPI index
// (20 KB + 5 MB) × 1440 = 7.2288 GB, PyPI files 0.5 × 1440 = 720 GB, Maven 0.1 × 1440 = 144 GB
// (CRAN unused: libraries.cran = none) = 1102.2408 GB × $0.045 = $49.600836. Internet egress:
// the index requests, 20 KB × 1440 = 0.0288 GB, inside the free 100 GB. Total $86.100836.
#[test]
fn non_pl_etl_month() {
    let r = price(&pattern("non-pl", "eastus2"), "etl");
    let (gb, usd) = meter(&r, "nat-gateway-data-processed");
    assert_close("nat GB", gb, 1102.2408);
    assert_close("nat $", usd, 49.600836);
    let (gb, usd) = meter(&r, "internet-egress");
    assert_close("egress GB", gb, 0.0288);
    assert_eq!(usd, 0.0);
    assert_close("total", r.totals.total, 86.100836);
    assert_eq!(r.flow_total(FlowId::Cran), 0.0);
    assert!(r.flows.iter().find(|f| f.id == FlowId::Cran).unwrap().volume_basis.contains("libraries.cran"));
}

// Tiers apply to the month's total, not to each flow: 300 GB of uploads to PyPI (150 from each
// NIC) are 100 GB free + 200 GB × $0.087 = $17.40. Pricing each 150 GB row alone would give $8.70.
#[test]
fn internet_egress_tiers_apply_to_the_monthly_total() {
    let r = price_with(&pattern("non-pl", "eastus2"), &seed_with(&[("pypi", 300.0, 0.0)]), prices::builtin());
    let m = r.meters.iter().find(|m| m.meter == "internet-egress").unwrap();
    assert_close("GB", m.quantity, 300.0);
    assert_close("$", m.cost, 17.4);
    assert_eq!(m.bands.len(), 2);
    assert_close("free band", m.bands[0].quantity, 100.0);
    let pypi: Vec<_> = r.flows.iter().filter(|f| f.id == FlowId::Pypi).collect();
    for f in &pypi {
        let c = f.charges.iter().find(|c| c.meter == "internet-egress").unwrap();
        assert_close("share", c.cost, 8.7);
        assert_close("effective rate", c.rate, 17.4 / 300.0);
    }
}

// An external location in another region of the same continent is reached through the NAT
// gateway (the service endpoint only covers the VNet's region) and pays inter-region transfer on
// both directions, because the customer owns the account: 1000 GB × $0.02 = $20, plus NAT
// processing 1000 × $0.045 = $45.
#[test]
fn customer_storage_in_another_region_pays_transfer_both_ways() {
    let mut e = pattern("non-pl", "eastus2");
    let sa = e.storage_accounts.iter_mut().find(|s| s.name == "adbdatalake").unwrap();
    sa.region = Some("westus".into());
    sa.default_action = adbflow_model::DefaultAction::Allow;
    let r = price(&e, "seed");
    let rows: Vec<_> = r.flows.iter().filter(|f| f.id == FlowId::ExternalLocation).collect();
    assert!(
        rows.iter().all(|f| f.egress == "nat-gateway"),
        "{:?}",
        rows.iter().map(|f| &f.egress).collect::<Vec<_>>()
    );
    let inter: f64 = rows
        .iter()
        .flat_map(|f| &f.charges)
        .filter(|c| c.meter == "inter-region-transfer")
        .map(|c| c.gb)
        .sum();
    assert_close("inter-region GB", inter, 1000.0);
    assert_close("external-location", r.flow_total(FlowId::ExternalLocation), 65.0);
    let m = r.meters.iter().find(|m| m.meter == "inter-region-transfer").unwrap();
    assert_eq!(m.region, "north-america->north-america");
}

// Databricks' secondary artifact account sits in another region: the node's requests (up) are its
// outbound transfer; the downloads leave Databricks' account and are billed to Databricks.
// 1 GB up × $0.02 = $0.02 of transfer; NAT processing 101 GB × $0.045 = $4.545.
#[test]
fn databricks_storage_in_another_region_charges_only_what_the_customer_sends() {
    let r = price_with(
        &pattern("non-pl", "eastus2"),
        &seed_with(&[("artifact-secondary", 1.0, 100.0)]),
        prices::builtin(),
    );
    let transfer = r.meters.iter().find(|m| m.meter == "inter-region-transfer").unwrap();
    assert_close("transfer GB", transfer.quantity, 1.0);
    assert_close("transfer $", transfer.cost, 0.02);
    assert_close("artifact-secondary", r.flow_total(FlowId::ArtifactSecondary), 0.02 + 4.545);
}

// --prices: a row with the same meter, region and from_gb replaces the built-in one, and the
// report names both tables. NAT processing at $0.03: 26.1 × 0.03 = $0.783.
#[test]
fn price_overrides_change_the_bill_and_are_named() {
    let file = "schema_version = 1\nname = \"negotiated\"\nas_of = \"2026-10-01\"\n\n[[prices]]\nmeter = \"nat-gateway-data-processed\"\nunit = \"GB\"\nprice = 0.03\nsource = \"EA price sheet\"\nas_of = \"2026-10-01\"\n";
    let table = prices::builtin().with_overrides("ea.toml", file).unwrap();
    let r = price_with(&pattern("non-pl", "eastus2"), &Profile::named("seed").unwrap(), &table);
    assert_close("nat $", meter(&r, "nat-gateway-data-processed").1, 0.783);
    assert_close("total", r.totals.total, 36.5 + 0.783);
    let names: Vec<&str> = r.prices.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["adbflow built-in prices", "negotiated"]);
    let m = r.meters.iter().find(|m| m.meter == "nat-gateway-data-processed").unwrap();
    assert_eq!((m.prices[0].table.as_str(), m.prices[0].as_of.as_str()), ("negotiated", "2026-10-01"));
}

#[test]
fn blocked_flows_with_volume_are_reported_not_priced() {
    let mut e = pattern("non-pl", "eastus2");
    for s in &mut e.vnets[0].subnets {
        s.nat_gateway = None;
    }
    let r = price(&e, "seed");
    let pypi = r.flows.iter().find(|f| f.id == FlowId::PypiFiles).unwrap();
    assert_eq!((pypi.status, pypi.cost), (FlowStatus::Blocked, 0.0));
    let msg = note(&r, "flow-not-priced").expect("blocked volume is named");
    assert!(msg.contains("GB a month never move"), "{msg}");
    assert_close("no NAT left to pay", meter(&r, "nat-gateway-data-processed").1, 0.0);
}

#[test]
fn billed_resources_without_prices_are_named() {
    let mut e = pattern("non-pl", "eastus2");
    e.load_balancers.push(adbflow_model::LoadBalancer {
        name: "lb".into(),
        sku: Default::default(),
        outbound_public_ips: vec![],
        origin: None,
    });
    let r = price(&e, "seed");
    assert!(note(&r, "element-not-priced").is_some_and(|m| m.contains("load balancer lb")));
}

#[test]
fn a_seed_profile_setting_that_cannot_apply_is_a_warning_in_the_report() {
    let w = Workload { libraries_gb: Some(2.0), ..Default::default() };
    let p = Profile::resolve(None, &[("mine.toml".into(), &w)]).unwrap();
    let r = price_with(&pattern("non-pl", "eastus2"), &p, prices::builtin());
    assert!(note(&r, "profile-setting-ignored").is_some_and(|m| m.contains("libraries_gb")));
}

#[test]
fn cost_json_is_deterministic_and_rounded() {
    let a = serde_json::to_string(&price(&pattern("hub-spoke", "westeurope"), "ml-training")).unwrap();
    let b = serde_json::to_string(&price(&pattern("hub-spoke", "westeurope"), "ml-training")).unwrap();
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["schema_version"], 1);
    for m in v["meters"].as_array().unwrap() {
        let c = m["cost"].as_f64().unwrap();
        assert!(((c * 1e6).round() / 1e6 - c).abs() < 1e-12, "{c} is rounded to a millionth");
        assert!(!m["prices"][0]["source"].as_str().unwrap().is_empty());
    }
}

// Global peering (pricing notes A4): a flow whose path crosses a peering to another region pays the
// global rates on both sides: Zone 1 (North America) $0.035 egress + $0.035 ingress per GB, for
// every byte in both directions. The walk stands in here (a hand-made trace), so only the pricing
// is under test: external location 400 up + 600 down = 1000 GB × $0.07 = $70.
#[test]
fn global_peering_pays_both_sides_at_the_zone_rate() {
    use adbflow_databricks::{evaluate, prepare};
    use adbflow_net::Egress;
    let e = pattern("non-pl", "eastus2");
    let prepared = prepare(&e, adbflow_databricks::builtin_regions(), None).unwrap();
    let check = evaluate(&prepared, |f| {
        let mut t = common::delivered(f, Egress::Peering, "AllowVnetOutBound");
        if f.to_host.starts_with("adbdatalake") {
            t.meters = vec!["vnet-peering-global"];
        }
        t
    });
    let r = adbflow_databricks::cost::price(
        &check,
        &prepared.estate,
        &Profile::named("seed").unwrap(),
        prices::builtin(),
    );
    let out = r.meters.iter().find(|m| m.meter == "vnet-peering-global-egress").unwrap();
    let inn = r.meters.iter().find(|m| m.meter == "vnet-peering-global-ingress").unwrap();
    assert_eq!((out.region.as_str(), inn.region.as_str()), ("north-america", "north-america"));
    assert_close("egress GB", out.quantity, 1000.0);
    assert_close("global peering", out.cost + inn.cost, 70.0);
    assert_close("external-location", r.flow_total(FlowId::ExternalLocation), 70.0);
}

// A meter the cost model does not know is reported, never silently dropped.
#[test]
fn unknown_meters_are_named() {
    use adbflow_databricks::{evaluate, prepare};
    use adbflow_net::Egress;
    let e = pattern("non-pl", "eastus2");
    let prepared = prepare(&e, adbflow_databricks::builtin_regions(), None).unwrap();
    let check = evaluate(&prepared, |f| {
        let mut t = common::delivered(f, Egress::Vnet, "AllowVnetOutBound");
        t.meters = vec!["quantum-tunnel"];
        t
    });
    let r = adbflow_databricks::cost::price(
        &check,
        &prepared.estate,
        &Profile::named("seed").unwrap(),
        prices::builtin(),
    );
    let msg = note(&r, "meter-not-priced").expect("named");
    assert!(msg.contains("quantum-tunnel") && msg.contains("scc-relay"), "{msg}");
    assert_close("nothing priced", r.totals.variable, 0.0);
}
