//! `cost`: the monthly network bill of a deployment, computed from its own paths. Each flow's
//! monthly bytes (from the workload profile) cross the meters its walked path names; each meter
//! charges the directions it bills (`meters.rs`) at the price table's rows; tiered meters are
//! priced on their monthly total and shared back to the flows pro rata. Hourly resources come
//! from the estate (`fixed.rs`). The JSON form of [`CostReport`] is a documented contract
//! (`schema_version` 1).

pub mod fixed;
pub mod meters;
mod notes;

use crate::by_workspace::{by_workspace, rows_of};
use crate::catalog::FlowId;
use crate::check::{CheckFlow, CheckOptions, CheckReport, CheckRun, FlowVerdict, WorkspaceSummary};
use crate::devices::devices;
use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::plan::SourceRole;
use crate::prices::{tiered, BandUse, PriceRow, PriceSource, PriceTable, Unit};
use crate::profile::{FlowVolume, Profile, VolumeContext};
use adbflow_model::{ids, ElementRef, Estate, Lookup};
use adbflow_net::ServiceTags;
use meters::{Bytes, PriceRegion};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

pub const COST_SCHEMA_VERSION: u32 = 1;

/// Money and gigabytes to a millionth: enough for any bill, and no float noise in the output.
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn ser6<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*x))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    /// Billed by the hour whatever the traffic.
    Fixed,
    /// Billed per GB.
    Variable,
}

/// Why a flow row carries no cost, when it carries none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowStatus {
    Priced,
    /// The flow does not get through from this source: its bytes never move.
    Blocked,
    BlockedByDesign,
}

/// One priced consequence of a flow's bytes crossing one meter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowCharge {
    /// The meter on the path (the trace's name).
    pub path_meter: String,
    /// The price table's meter.
    pub meter: String,
    /// Which bytes it counts: `up`, `down` or `up+down`.
    pub bytes: Bytes,
    #[serde(serialize_with = "ser6")]
    pub gb: f64,
    /// Effective price per GB after tiers.
    #[serde(serialize_with = "ser6")]
    pub rate: f64,
    #[serde(serialize_with = "ser6")]
    pub cost: f64,
    /// The resource whose meter it is (NAT gateway, firewall, private endpoint), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementRef>,
}

/// One flow from one source, with its share of the flow's monthly bytes and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowCost {
    pub workspace: String,
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub source_role: SourceRole,
    pub subnet: String,
    pub egress: String,
    pub status: FlowStatus,
    #[serde(serialize_with = "ser6")]
    pub up_gb: f64,
    #[serde(serialize_with = "ser6")]
    pub down_gb: f64,
    /// How the flow's monthly volume was derived.
    pub volume_basis: String,
    /// This row's share of the flow's volume: split evenly over the flow's instances (external
    /// locations) and the sources it is delivered from (which NIC carries which bytes is not
    /// documented, so an even split is assumed).
    #[serde(serialize_with = "ser6")]
    pub volume_share: f64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub volume_inferred: bool,
    /// The meters the path crosses, in path order.
    pub path_meters: Vec<String>,
    pub charges: Vec<FlowCharge>,
    #[serde(serialize_with = "ser6")]
    pub cost: f64,
}

/// The bill of one price meter in one region (and SKU).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterCost {
    pub meter: String,
    pub kind: CostKind,
    /// The price table's region key that priced it.
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// GB per month, or billed hours (unit-hours for multi-unit resources).
    #[serde(serialize_with = "ser6")]
    pub quantity: f64,
    pub unit: Unit,
    #[serde(serialize_with = "ser6")]
    pub cost: f64,
    /// How the quantity fell into tier bands.
    pub bands: Vec<BandUse>,
    /// The price rows used, each with source and date.
    pub prices: Vec<PriceRow>,
    /// Set when no row matched the region and another region's price stands in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// One hourly-billed resource of the estate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedCost {
    pub meter: String,
    pub element: ElementRef,
    pub detail: String,
    #[serde(serialize_with = "ser6")]
    pub hours: f64,
    /// Billed units per hour (a prefix's addresses; 1 otherwise).
    #[serde(serialize_with = "ser6")]
    pub units: f64,
    #[serde(serialize_with = "ser6")]
    pub price: f64,
    #[serde(serialize_with = "ser6")]
    pub cost: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    #[serde(serialize_with = "ser6")]
    pub fixed: f64,
    #[serde(serialize_with = "ser6")]
    pub variable: f64,
    #[serde(serialize_with = "ser6")]
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceInfo {
    pub currency: String,
    pub hours_per_month: f64,
    /// The tables the prices come from, built-in first, then `--prices` files.
    pub tables: Vec<PriceSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub prices: PriceInfo,
    pub profile: Profile,
    pub flows: Vec<FlowCost>,
    /// Per meter, variable first, then fixed.
    pub meters: Vec<MeterCost>,
    pub fixed: Vec<FixedCost>,
    pub totals: Totals,
    /// Corrections of the seed document, assumptions, and what is not priced.
    pub notes: Vec<Finding>,
}

impl CostReport {
    pub fn flow_total(&self, id: FlowId) -> f64 {
        self.flows.iter().filter(|f| f.id == id).map(|f| f.cost).sum()
    }
    pub fn meter_total(&self, meter: &str) -> f64 {
        self.meters.iter().filter(|m| m.meter == meter).map(|m| m.cost).sum()
    }
}

/// What `cost` reads besides the estate.
#[derive(Debug, Clone, Copy)]
pub struct CostOptions<'a> {
    pub check: CheckOptions<'a>,
    pub profile: &'a Profile,
    pub prices: &'a PriceTable,
}

/// Check `estate` and price the result.
pub fn cost(
    estate: &Estate,
    tags: &ServiceTags,
    options: &CostOptions<'_>,
) -> Result<CostReport, CheckError> {
    let run = CheckRun::start(estate, tags, &options.check)?;
    let prepared = run.shared_estate();
    let mut pricer = Pricer::new(&prepared, options.profile, options.prices);
    // Priced as the workspaces are handed over, in report order (tiers need every charge before
    // settling, but not the flows): at 5,000 workspaces keeping every flow's path took 2 GiB.
    let check = run.run(
        CheckRun::BATCH,
        |_, ws, flows| (ws.clone(), flows),
        |batch| {
            for (ws, flows) in batch {
                pricer.workspace(&flows.iter().collect::<Vec<_>>(), &ws);
            }
            Ok::<(), std::convert::Infallible>(())
        },
    );
    let Ok(check) = check;
    Ok(pricer.finish(check.name, &check.workspaces))
}

/// A price meter in one region (key) and SKU: tiers apply to its monthly total.
type MeterKey = (String, String, Option<String>);

/// A charge waiting for its meter's monthly total (tiers are priced on the total).
struct Pending {
    flow: usize,
    path_meter: String,
    meter: &'static str,
    bytes: Bytes,
    gb: f64,
    element: Option<ElementRef>,
    key: MeterKey,
}

/// The rows that price a meter key, and the fallback note if another region's rows stand in.
struct Quoted {
    rows: Vec<PriceRow>,
    fallback: Option<String>,
}

/// Flows whose destination the customer owns: a cross-region answer from it is the customer's
/// outbound transfer. Databricks-managed and public destinations bill their own side.
fn customer_destination(id: FlowId) -> bool {
    matches!(id, FlowId::DbfsBlob | FlowId::DbfsDfs | FlowId::UcStorage | FlowId::ExternalLocation)
}

fn local_keys(prices: &PriceTable, region: &str) -> Vec<String> {
    let mut k = vec![region.to_string()];
    k.extend(prices.geography(region).map(str::to_string));
    k.push("global".into());
    k
}

struct Pricer<'a> {
    estate: &'a Estate,
    profile: &'a Profile,
    /// Indexes asked per workspace and per charge, which scanning made grow with the square of
    /// the estate.
    lookup: Lookup<'a>,
    names: adbflow_net::resources::Names,
    prices: &'a PriceTable,
    notes: Vec<Finding>,
    flows: Vec<FlowCost>,
    pending: Vec<Pending>,
    quotes: BTreeMap<MeterKey, Quoted>,
    unknown_meters: BTreeMap<String, Vec<FlowId>>,
}

impl<'a> Pricer<'a> {
    fn new(estate: &'a Estate, profile: &'a Profile, prices: &'a PriceTable) -> Self {
        Pricer {
            estate,
            profile,
            lookup: Lookup::new(estate),
            names: adbflow_net::resources::Names::new(estate),
            prices,
            notes: profile
                .warnings
                .iter()
                .map(|w| Finding::new(FindingSeverity::Warning, "profile-setting-ignored", w.clone()))
                .collect(),
            flows: Vec::new(),
            pending: Vec::new(),
            quotes: BTreeMap::new(),
            unknown_meters: BTreeMap::new(),
        }
    }

    /// The report, once every workspace (`workspaces`, in report order) has been priced.
    fn finish(mut self, name: Option<String>, workspaces: &[WorkspaceSummary]) -> CostReport {
        let mut meter_costs = self.settle();
        let (fixed_costs, fixed_meters) = self.fixed();
        meter_costs.extend(fixed_meters);
        meter_costs.sort_by(|a, b| {
            b.kind
                .cmp(&a.kind)
                .then_with(|| (&a.meter, &a.region, &a.sku).cmp(&(&b.meter, &b.region, &b.sku)))
        });
        let mut notes = self.notes;
        for m in &meter_costs {
            if let Some(fb) = &m.fallback {
                notes.push(Finding::new(FindingSeverity::Info, "price-fallback", fb.clone()).inferred());
            }
        }
        for (meter, ids) in self.unknown_meters {
            let ids: BTreeSet<String> = ids.iter().map(|i| i.to_string()).collect();
            notes.push(Finding::new(
                FindingSeverity::Warning,
                "meter-not-priced",
                format!(
                    "meter {meter} (on {}) has no price in the table: not in the total",
                    ids.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        notes.extend(notes::explanations(workspaces, &self.flows));
        notes.sort();
        notes.dedup();
        let fixed_total: f64 = meter_costs.iter().filter(|m| m.kind == CostKind::Fixed).map(|m| m.cost).sum();
        let variable_total: f64 =
            meter_costs.iter().filter(|m| m.kind == CostKind::Variable).map(|m| m.cost).sum();
        CostReport {
            schema_version: COST_SCHEMA_VERSION,
            name,
            prices: PriceInfo {
                currency: self.prices.currency.clone(),
                hours_per_month: self.prices.hours_per_month,
                tables: self.prices.sources.clone(),
            },
            profile: self.profile.clone(),
            flows: self.flows,
            meters: meter_costs,
            fixed: fixed_costs,
            totals: Totals {
                fixed: fixed_total,
                variable: variable_total,
                total: fixed_total + variable_total,
            },
            notes,
        }
    }

    fn workspace(&mut self, flows: &[&CheckFlow], ws: &WorkspaceSummary) {
        if self.prices.geography(&ws.region).is_none() {
            self.notes.push(
                Finding::new(
                    FindingSeverity::Warning,
                    "geography-unknown",
                    format!(
                        "region {} is in no geography of the price table: bandwidth meters use whatever rows exist \
                         for them (see each meter's fallback)",
                        ws.region
                    ),
                )
                .workspace(&ws.name),
            );
        }
        let vctx = self
            .lookup
            .workspace(&ws.name)
            .map(|w| VolumeContext {
                external_locations: w.external_locations.len(),
                libraries: w.libraries.clone(),
            })
            .unwrap_or_default();
        let mut groups: BTreeMap<(FlowId, Option<String>), Vec<&CheckFlow>> = BTreeMap::new();
        for &f in flows {
            groups.entry((f.id, f.instance.clone())).or_default().push(f);
        }
        let instances_of = |id: FlowId| groups.keys().filter(|(i, _)| *i == id).count().max(1);
        for ((id, _), rows) in &groups {
            let vol = self.profile.volume(*id, &vctx);
            let instances = instances_of(*id);
            let delivered = rows.iter().filter(|f| f.verdict == FlowVerdict::Delivered).count();
            if delivered == 0
                && vol.total_gb() > 0.0
                && rows.iter().any(|f| f.verdict == FlowVerdict::Blocked)
            {
                self.notes.push(
                    Finding::new(
                        FindingSeverity::Warning,
                        "flow-not-priced",
                        format!(
                            "{id} is blocked from every source: its {} GB a month never move, so they are not priced",
                            fmt_gb(vol.total_gb() / instances as f64)
                        ),
                    )
                    .workspace(&ws.name)
                    .flow(*id),
                );
            }
            for f in rows {
                let fc = flow_row(f, &vol, instances, delivered);
                let idx = self.flows.len();
                if fc.status == FlowStatus::Priced {
                    self.charge(idx, f, &fc, &ws.region);
                }
                self.flows.push(fc);
            }
        }
    }

    /// Queue every charge of one delivered flow row.
    fn charge(&mut self, idx: usize, f: &CheckFlow, fc: &FlowCost, ws_region: &str) {
        let estate = self.estate;
        let d = devices(&self.lookup, &f.hops);
        for pm in &f.meters {
            let Some(charges) = meters::charges(pm) else {
                self.unknown_meters.entry(pm.to_string()).or_default().push(f.id);
                continue;
            };
            for c in charges.iter().filter(|c| !c.customer_destination_only || customer_destination(f.id)) {
                let (element, sku, region) = match c.meter {
                    meters::NAT_DATA => (
                        d.nat.map(|n| element(ids::nat_gateway(&n.name), &n.name, &n.origin)),
                        None,
                        ws_region.to_string(),
                    ),
                    meters::FIREWALL_DATA => match d.firewall {
                        Some(fw) => (
                            Some(element(ids::firewall(&fw.name), &fw.name, &fw.origin)),
                            Some(fixed::firewall_sku(fw.sku).to_string()),
                            estate
                                .vnet(&fw.vnet)
                                .map(|v| estate.vnet_region(v))
                                .unwrap_or(ws_region)
                                .to_string(),
                        ),
                        None => (None, Some("Standard".to_string()), ws_region.to_string()),
                    },
                    meters::PE_INBOUND | meters::PE_OUTBOUND => (
                        d.private_endpoint
                            .map(|p| element(ids::private_endpoint(&p.name), &p.name, &p.origin)),
                        None,
                        ws_region.to_string(),
                    ),
                    _ => (None, None, ws_region.to_string()),
                };
                let keys = match c.region {
                    PriceRegion::Local => local_keys(self.prices, &region),
                    PriceRegion::Transfer => {
                        let dest = self
                            .names
                            .lookup(estate, &f.destination.fqdn)
                            .and_then(|e| e.region)
                            .unwrap_or_else(|| ws_region.to_string());
                        let geo =
                            |r: &str| self.prices.geography(r).map(str::to_string).unwrap_or(r.to_string());
                        let (src, dst) = (geo(ws_region), geo(&dest));
                        let (from, to) = if c.bytes == Bytes::Down { (dst, src) } else { (src, dst) };
                        vec![format!("{from}->{to}"), format!("{from}->*")]
                    }
                };
                let Some(q) = self.prices.quote(c.meter, &keys, sku.as_deref()) else {
                    self.unknown_meters.entry(c.meter.to_string()).or_default().push(f.id);
                    continue;
                };
                let key = (c.meter.to_string(), q.key.clone(), sku);
                self.quotes.entry(key.clone()).or_insert_with(|| Quoted {
                    rows: q.bands.iter().map(|r| (*r).clone()).collect(),
                    fallback: q.fallback.clone(),
                });
                self.pending.push(Pending {
                    flow: idx,
                    path_meter: pm.to_string(),
                    meter: c.meter,
                    bytes: c.bytes,
                    gb: c.bytes.of(fc.up_gb, fc.down_gb),
                    element,
                    key,
                });
            }
        }
    }

    /// Price each variable meter on its monthly total, then share the cost back to the flows by GB.
    fn settle(&mut self) -> Vec<MeterCost> {
        let mut totals: BTreeMap<MeterKey, f64> = BTreeMap::new();
        for p in &self.pending {
            *totals.entry(p.key.clone()).or_default() += p.gb;
        }
        let mut out = Vec::new();
        let mut rate: BTreeMap<MeterKey, f64> = BTreeMap::new();
        for (key, gb) in totals {
            let q = &self.quotes[&key];
            let refs: Vec<&PriceRow> = q.rows.iter().collect();
            let (cost, bands) = tiered(&refs, gb);
            rate.insert(key.clone(), if gb > 0.0 { cost / gb } else { q.rows[0].price });
            out.push(MeterCost {
                meter: key.0,
                kind: CostKind::Variable,
                region: key.1,
                sku: key.2,
                quantity: gb,
                unit: Unit::Gb,
                cost,
                bands,
                prices: q.rows.clone(),
                fallback: q.fallback.clone(),
            });
        }
        for p in std::mem::take(&mut self.pending) {
            let r = rate[&p.key];
            let f = &mut self.flows[p.flow];
            let cost = p.gb * r;
            f.cost += cost;
            f.charges.push(FlowCharge {
                path_meter: p.path_meter,
                meter: p.meter.to_string(),
                bytes: p.bytes,
                gb: p.gb,
                rate: r,
                cost,
                element: p.element,
            });
        }
        out
    }

    /// The hourly resources of the estate, one line each and one meter row per meter key.
    fn fixed(&mut self) -> (Vec<FixedCost>, Vec<MeterCost>) {
        let (items, fixed_notes) = fixed::fixed_items(self.estate);
        self.notes.extend(fixed_notes);
        let hours = self.prices.hours_per_month;
        let mut lines = Vec::new();
        let mut meters: BTreeMap<MeterKey, MeterCost> = BTreeMap::new();
        for it in items {
            let Some(q) =
                self.prices.quote(it.meter, &local_keys(self.prices, &it.region), it.sku.as_deref())
            else {
                self.notes.push(
                    Finding::new(
                        FindingSeverity::Warning,
                        "element-not-priced",
                        format!(
                            "{}: the price table has no {} row, so it is not in the total",
                            it.detail, it.meter
                        ),
                    )
                    .element(it.element.clone()),
                );
                continue;
            };
            let row = q.bands[0].clone();
            let cost = row.price * it.units * hours;
            let m =
                meters.entry((it.meter.to_string(), q.key.clone(), it.sku.clone())).or_insert_with(|| {
                    MeterCost {
                        meter: it.meter.to_string(),
                        kind: CostKind::Fixed,
                        region: q.key.clone(),
                        sku: it.sku.clone(),
                        quantity: 0.0,
                        unit: Unit::Hour,
                        cost: 0.0,
                        bands: Vec::new(),
                        prices: vec![row.clone()],
                        fallback: q.fallback.clone(),
                    }
                });
            m.quantity += it.units * hours;
            m.cost += cost;
            lines.push(FixedCost {
                meter: it.meter.to_string(),
                element: it.element,
                detail: it.detail,
                hours,
                units: it.units,
                price: row.price,
                cost,
            });
        }
        lines.sort_by(|a, b| (&a.meter, &a.element.id).cmp(&(&b.meter, &b.element.id)));
        let rows = meters
            .into_values()
            .map(|mut m| {
                m.bands = vec![BandUse {
                    from_gb: 0.0,
                    to_gb: None,
                    quantity: m.quantity,
                    price: m.prices[0].price,
                    cost: m.cost,
                }];
                m
            })
            .collect();
        (lines, rows)
    }
}

fn element(id: String, name: &str, origin: &Option<adbflow_model::Origin>) -> ElementRef {
    ElementRef::new(id, name, origin.clone())
}

/// Price a checked deployment. `estate` is the prepared estate the check walked.
pub fn price(check: &CheckReport, estate: &Estate, profile: &Profile, prices: &PriceTable) -> CostReport {
    let mut pricer = Pricer::new(estate, profile, prices);
    let flows_of = by_workspace(&check.flows, |f| &f.workspace);
    for ws in &check.workspaces {
        pricer.workspace(rows_of(&flows_of, &ws.name), ws);
    }
    pricer.finish(check.name.clone(), &check.workspaces)
}

/// A flow row with its share of the flow's volume: split evenly between the flow's instances
/// (external locations) and between the sources it is delivered from (host and container NIC —
/// which NIC carries which bytes is not documented, so the split is an inference).
fn flow_row(f: &CheckFlow, vol: &FlowVolume, instances: usize, delivered: usize) -> FlowCost {
    let status = match f.verdict {
        FlowVerdict::Delivered => FlowStatus::Priced,
        FlowVerdict::Blocked => FlowStatus::Blocked,
        FlowVerdict::BlockedByDesign => FlowStatus::BlockedByDesign,
    };
    let share = if status == FlowStatus::Priced { 1.0 / (instances * delivered.max(1)) as f64 } else { 0.0 };
    FlowCost {
        workspace: f.workspace.as_str().to_owned(),
        id: f.id,
        instance: f.instance.clone(),
        source_role: f.source_role,
        subnet: f.subnet.as_str().to_owned(),
        egress: f.egress.clone(),
        status,
        up_gb: vol.up_gb * share,
        down_gb: vol.down_gb * share,
        volume_basis: vol.basis.clone(),
        volume_share: share,
        volume_inferred: vol.inferred || (delivered > 1 && vol.total_gb() > 0.0),
        path_meters: f.meters.iter().map(|m| m.to_string()).collect(),
        charges: Vec::new(),
        cost: 0.0,
    }
}

pub(crate) fn fmt_gb(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    let s = format!("{r:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
