//! The price table (`data/prices.toml`, overridable row by row with `--prices FILE`): one row per
//! meter, unit, region (or geography, or `FROM->TO` geography pair, or `global`), optional SKU and
//! tier band, each with its source and date. Lookups say which row answered and whether a
//! fallback was needed, so every priced figure can name its source.

use crate::datafile::{self, error_at};
use crate::regions::DataError;
use adbflow_model::Origin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use toml::Spanned;

const BUILTIN: &str = include_str!("../data/prices.toml");
pub const BUILTIN_FILE: &str = "prices.toml (built-in)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Unit {
    #[serde(rename = "GB")]
    Gb,
    #[serde(rename = "hour")]
    Hour,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Gb => "GB",
            Unit::Hour => "hour",
        }
    }
}

fn global() -> String {
    "global".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRow {
    pub meter: String,
    pub unit: Unit,
    pub price: f64,
    #[serde(default = "global")]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Start of the tier band this row prices (GB per month).
    #[serde(default)]
    pub from_gb: f64,
    /// End of the band; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_gb: Option<f64>,
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    pub as_of: String,
    /// Derived by adbflow rather than published.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// Only one weak source was found.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The table the row comes from: the built-in table's name or the `--prices` file.
    #[serde(default, skip_deserializing)]
    pub table: String,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl PriceRow {
    fn key(&self) -> (String, String, String, u64) {
        (
            self.meter.clone(),
            self.region.to_ascii_lowercase(),
            self.sku.clone().unwrap_or_default().to_ascii_lowercase(),
            self.from_gb.to_bits(),
        )
    }

    fn sku_is(&self, sku: Option<&str>) -> bool {
        match (&self.sku, sku) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    schema_version: u32,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    hours_per_month: Option<Spanned<f64>>,
    #[serde(default)]
    geographies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    prices: Vec<Spanned<PriceRow>>,
}

/// One table the prices were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceSource {
    pub name: String,
    pub file: String,
    pub as_of: String,
    pub rows: usize,
    /// Built-in rows this table replaced.
    pub replaced: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceTable {
    pub currency: String,
    pub hours_per_month: f64,
    pub sources: Vec<PriceSource>,
    pub geographies: BTreeMap<String, Vec<String>>,
    pub rows: Vec<PriceRow>,
}

/// The rows that price one meter for one lookup, and how they were found.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote<'a> {
    /// Tier bands in ascending order (one row for flat meters).
    pub bands: Vec<&'a PriceRow>,
    /// The region key that matched.
    pub key: String,
    /// Set when no row matched the asked keys and another region's rows stand in.
    pub fallback: Option<String>,
}

/// How much of a quantity fell in one band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandUse {
    pub from_gb: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_gb: Option<f64>,
    pub quantity: f64,
    pub price: f64,
    pub cost: f64,
}

/// The built-in price table.
// Built-in data shipped in the binary and parsed by a unit test: failing here is a build
// defect, never the user's input.
#[allow(clippy::expect_used)]
pub fn builtin() -> &'static PriceTable {
    static DATA: OnceLock<PriceTable> = OnceLock::new();
    DATA.get_or_init(|| {
        PriceTable::parse(BUILTIN_FILE, BUILTIN).expect("the built-in prices are checked by tests")
    })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn check_row(file: &str, text: &str, row: &Spanned<PriceRow>) -> Result<(), DataError> {
    let r = row.get_ref();
    let bad =
        |msg: String| Err(error_at(file, text, row.span(), format!("price row for {}: {msg}", r.meter)));
    if r.meter.trim().is_empty() {
        return bad("meter is empty".into());
    }
    if !r.price.is_finite() || r.price < 0.0 {
        return bad(format!("price {} must be a non-negative number", r.price));
    }
    if !r.from_gb.is_finite() || r.from_gb < 0.0 {
        return bad(format!("from_gb {} must be a non-negative number", r.from_gb));
    }
    if let Some(to) = r.to_gb {
        if !to.is_finite() || to <= r.from_gb {
            return bad(format!("to_gb {to} must be above from_gb {}", r.from_gb));
        }
    }
    if r.unit == Unit::Hour && (r.from_gb != 0.0 || r.to_gb.is_some()) {
        return bad("hourly rows have no tier band (from_gb/to_gb)".into());
    }
    if r.source.trim().is_empty() {
        return bad("source is empty: every price names where it comes from".into());
    }
    if !is_date(&r.as_of) {
        return bad(format!("as_of '{}' is not a date (YYYY-MM-DD)", r.as_of));
    }
    Ok(())
}

impl PriceTable {
    /// Parse a complete price table (the built-in file's shape).
    pub fn parse(file: &str, text: &str) -> Result<PriceTable, DataError> {
        let (pf, rows) = read(file, text)?;
        let missing = |what: &str| DataError {
            file: file.into(),
            line: 1,
            column: 1,
            message: format!("a complete price table needs `{what}`"),
        };
        let name = pf.name.ok_or_else(|| missing("name"))?;
        let as_of = pf.as_of.ok_or_else(|| missing("as_of"))?;
        let table = PriceTable {
            currency: pf.currency.ok_or_else(|| missing("currency"))?,
            hours_per_month: pf
                .hours_per_month
                .map(|h| *h.get_ref())
                .ok_or_else(|| missing("hours_per_month"))?,
            sources: vec![PriceSource {
                name: name.clone(),
                file: file.into(),
                as_of,
                rows: rows.len(),
                replaced: 0,
            }],
            geographies: pf.geographies,
            rows: rows.into_iter().map(|mut r| (r.table = name.clone(), r).1).collect(),
        };
        table.check_bands(file)?;
        Ok(table)
    }

    /// This table with `file`'s rows: each replaces the row with the same meter, region, sku and
    /// from_gb, or is added. Geographies in the file replace those of the same name.
    pub fn with_overrides(&self, file: &str, text: &str) -> Result<PriceTable, DataError> {
        let (pf, rows) = read(file, text)?;
        if let Some(c) = &pf.currency {
            if !c.eq_ignore_ascii_case(&self.currency) {
                return Err(DataError {
                    file: file.into(),
                    line: 1,
                    column: 1,
                    message: format!("currency {c} differs from the built-in table's {}", self.currency),
                });
            }
        }
        let mut out = self.clone();
        if let Some(h) = &pf.hours_per_month {
            if !(*h.get_ref() > 0.0 && *h.get_ref() <= 744.0) {
                return Err(error_at(file, text, h.span(), "hours_per_month must be in (0, 744]".into()));
            }
            out.hours_per_month = *h.get_ref();
        }
        let name = pf.name.unwrap_or_else(|| file.to_string());
        let mut replaced = 0;
        for mut r in rows.iter().cloned() {
            r.table = name.clone();
            let before = out.rows.len();
            out.rows.retain(|x| x.key() != r.key());
            replaced += before - out.rows.len();
            out.rows.push(r);
        }
        out.geographies.extend(pf.geographies);
        out.sources.push(PriceSource {
            name,
            file: file.into(),
            as_of: pf.as_of.unwrap_or_else(|| "not stated".into()),
            rows: rows.len(),
            replaced,
        });
        out.check_bands(file)?;
        Ok(out)
    }

    /// Bands of one meter, region and sku start at 0 and follow each other without gap or overlap.
    fn check_bands(&self, file: &str) -> Result<(), DataError> {
        let mut groups: BTreeMap<(String, String, String), Vec<&PriceRow>> = BTreeMap::new();
        for r in &self.rows {
            let (m, reg, sku, _) = r.key();
            groups.entry((m, reg, sku)).or_default().push(r);
        }
        for ((meter, region, _), mut rows) in groups {
            rows.sort_by(|a, b| a.from_gb.total_cmp(&b.from_gb));
            let mut expect = Some(0.0);
            for r in &rows {
                if expect != Some(r.from_gb) {
                    let (at, line, column) = match &r.origin {
                        Some(Origin::File { file, line, column }) => {
                            (file.to_string(), *line as usize, *column as usize)
                        }
                        _ => (file.to_string(), 1, 1),
                    };
                    let want = expect
                        .map(|e| format!("{e} GB"))
                        .unwrap_or_else(|| "nothing (the band before is open-ended)".into());
                    return Err(DataError {
                        file: at,
                        line,
                        column,
                        message: format!(
                            "{meter} for {region}: a band starts at {} GB where {want} was expected (bands must start at 0 and follow each other)",
                            r.from_gb
                        ),
                    });
                }
                expect = r.to_gb;
            }
        }
        Ok(())
    }

    /// The geography (continent group) a region is billed in.
    pub fn geography(&self, region: &str) -> Option<&str> {
        self.geographies
            .iter()
            .find(|(_, regions)| regions.iter().any(|r| r.eq_ignore_ascii_case(region)))
            .map(|(g, _)| g.as_str())
    }

    /// The rows pricing `meter` for the first of `keys` that has any (a SKU-specific row before a
    /// generic one). Without a match, another region's rows stand in and `fallback` says so.
    pub fn quote(&self, meter: &str, keys: &[String], sku: Option<&str>) -> Option<Quote<'_>> {
        for key in keys {
            let rows: Vec<&PriceRow> =
                self.rows.iter().filter(|r| r.meter == meter && r.region.eq_ignore_ascii_case(key)).collect();
            let bands = pick(rows, sku);
            if !bands.is_empty() {
                return Some(Quote { bands, key: key.clone(), fallback: None });
            }
        }
        let mut regions: Vec<&str> =
            self.rows.iter().filter(|r| r.meter == meter).map(|r| r.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        for region in regions {
            let rows: Vec<&PriceRow> =
                self.rows.iter().filter(|r| r.meter == meter && r.region == region).collect();
            let bands = pick(rows, sku);
            if !bands.is_empty() {
                let asked = keys.first().map(String::as_str).unwrap_or("?");
                return Some(Quote {
                    bands,
                    key: region.to_string(),
                    fallback: Some(format!(
                        "the price table has no {meter}{} row for {asked}: the {region} price is used",
                        sku.map(|s| format!(" ({s})")).unwrap_or_default()
                    )),
                });
            }
        }
        None
    }
}

/// SKU-specific rows when there are any, else the generic ones; in band order.
fn pick<'a>(rows: Vec<&'a PriceRow>, sku: Option<&str>) -> Vec<&'a PriceRow> {
    let exact: Vec<&PriceRow> = rows.iter().copied().filter(|r| r.sku_is(sku)).collect();
    let mut v = if exact.is_empty() { rows.into_iter().filter(|r| r.sku.is_none()).collect() } else { exact };
    v.sort_by(|a, b| a.from_gb.total_cmp(&b.from_gb));
    v
}

fn read(file: &str, text: &str) -> Result<(PriceFile, Vec<PriceRow>), DataError> {
    let pf: PriceFile = datafile::parse(file, text)?;
    if pf.schema_version != 1 {
        return Err(DataError {
            file: file.into(),
            line: 1,
            column: 1,
            message: format!("schema_version {} is not supported (this adbflow reads 1)", pf.schema_version),
        });
    }
    let mut rows = Vec::new();
    for r in &pf.prices {
        check_row(file, text, r)?;
        let (line, column) = datafile::line_col(text, r.span().start);
        let mut row = r.get_ref().clone();
        row.origin = Some(Origin::File { file: file.into(), line: line as u32, column: column as u32 });
        rows.push(row);
    }
    Ok((pf, rows))
}

/// Cost of `quantity` spread over `bands` (each band prices only the part inside it).
pub fn tiered(bands: &[&PriceRow], quantity: f64) -> (f64, Vec<BandUse>) {
    let mut total = 0.0;
    let mut uses = Vec::new();
    for b in bands {
        let upper = b.to_gb.unwrap_or(f64::INFINITY);
        let inside = (quantity.min(upper) - b.from_gb).max(0.0);
        if inside <= 0.0 && !uses.is_empty() {
            continue;
        }
        let cost = inside * b.price;
        total += cost;
        uses.push(BandUse { from_gb: b.from_gb, to_gb: b.to_gb, quantity: inside, price: b.price, cost });
    }
    (total, uses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote_cost(t: &PriceTable, meter: &str, key: &str, sku: Option<&str>, gb: f64) -> f64 {
        let q = t.quote(meter, &[key.to_string()], sku).unwrap();
        tiered(&q.bands, gb).0
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn builtin_table_parses_with_sources_and_dates() {
        let t = builtin();
        assert_eq!(t.currency, "USD");
        assert_eq!(t.hours_per_month, 730.0);
        assert!(t.rows.iter().all(|r| !r.source.is_empty() && is_date(&r.as_of)));
        assert!(t.rows.iter().all(|r| r.table == "adbflow built-in prices"));
        assert_eq!(t.geography("eastus2"), Some("north-america"));
        assert_eq!(t.geography("WestEurope"), Some("europe"));
        assert_eq!(t.geography("atlantis"), None);
    }

    // pricing notes A1: first 100 GB free, then $0.087 to 10 TB, $0.083 to 50 TB, $0.07 to
    // 150 TB, $0.05 beyond; bands apply per band, not retroactively.
    #[test]
    fn internet_egress_tier_boundaries() {
        let t = builtin();
        let c = |gb| quote_cost(t, "internet-egress", "north-america", None, gb);
        assert!(close(c(0.0), 0.0));
        assert!(close(c(100.0), 0.0), "the free allowance ends exactly at 100 GB");
        assert!(close(c(101.0), 0.087));
        assert!(close(c(10240.0), 10140.0 * 0.087));
        assert!(close(c(10241.0), 10140.0 * 0.087 + 0.083));
        assert!(close(c(51200.0), 10140.0 * 0.087 + 40960.0 * 0.083));
        assert!(close(c(51201.0), 10140.0 * 0.087 + 40960.0 * 0.083 + 0.07));
        assert!(close(c(153600.0), 10140.0 * 0.087 + 40960.0 * 0.083 + 102400.0 * 0.07));
        assert!(close(c(153601.0), 10140.0 * 0.087 + 40960.0 * 0.083 + 102400.0 * 0.07 + 0.05));
        let asia = |gb| quote_cost(t, "internet-egress", "asia-pacific", None, gb);
        assert!(close(asia(100.0), 0.0));
        assert!(close(asia(20100.0), 20000.0 * 0.12));
        assert!(close(quote_cost(t, "internet-egress", "south-america", None, 200.0), 100.0 * 0.181));
    }

    // pricing notes A4: private endpoint data processed, per direction: $0.01 to 1 PB, $0.006 to
    // 5 PB, $0.004 beyond.
    #[test]
    fn private_endpoint_tier_boundaries() {
        let t = builtin();
        const PB: f64 = 1_048_576.0;
        for meter in ["private-endpoint-inbound-data-processed", "private-endpoint-outbound-data-processed"] {
            let c = |gb| quote_cost(t, meter, "global", None, gb);
            assert!(close(c(1000.0), 10.0));
            assert!(close(c(PB), PB * 0.01));
            assert!(close(c(PB + 1.0), PB * 0.01 + 0.006));
            assert!(close(c(5.0 * PB), PB * 0.01 + 4.0 * PB * 0.006));
            assert!(close(c(5.0 * PB + 1.0), PB * 0.01 + 4.0 * PB * 0.006 + 0.004));
        }
    }

    // pricing notes A2-A5: every flat meter at its published price.
    #[test]
    fn flat_meters_have_their_published_prices() {
        let t = builtin();
        let g = |m: &str, key: &str, sku: Option<&str>| quote_cost(t, m, key, sku, 1.0);
        assert!(close(g("nat-gateway-data-processed", "global", None), 0.045));
        assert!(close(g("nat-gateway-hour", "global", None) * 730.0, 32.85));
        assert!(close(g("public-ip-hour", "global", None) * 730.0, 3.65));
        assert!(close(g("private-endpoint-hour", "global", None) * 730.0, 7.30));
        assert!(close(g("firewall-hour", "eastus", Some("Standard")) * 730.0, 912.50));
        assert!(close(g("firewall-hour", "eastus", Some("Premium")) * 730.0, 1277.50));
        assert!(close(g("firewall-hour", "eastus", Some("Basic")), 0.395));
        assert!(close(g("firewall-data-processed", "eastus", Some("Standard")), 0.016));
        assert!(close(g("firewall-data-processed", "eastus", Some("Premium")), 0.016));
        assert!(close(g("firewall-data-processed", "eastus", Some("Basic")), 0.065));
        assert!(close(g("vnet-peering-regional-egress", "global", None), 0.01));
        assert!(close(g("vnet-peering-regional-ingress", "global", None), 0.01));
        assert!(close(g("vnet-peering-global-egress", "europe", None), 0.035));
        assert!(close(g("vnet-peering-global-ingress", "asia-pacific", None), 0.09));
        assert!(close(g("inter-region-transfer", "north-america->north-america", None), 0.02));
        assert!(close(g("inter-region-transfer", "europe->*", None), 0.05));
        assert!(close(g("inter-region-transfer", "asia-pacific->asia-pacific", None), 0.08));
        assert!(close(g("service-endpoint-vnet-hour", "global", None), 0.0));
        assert!(close(g("public-ip-prefix-address-hour", "global", None), 0.006));
        assert!(close(g("vnet-peering-global-egress", "north-america", None), 0.035));
        assert!(close(g("vnet-peering-global-egress", "asia-pacific", None), 0.09));
        assert!(close(g("vnet-peering-global-ingress", "south-america", None), 0.16));
        assert!(close(g("inter-region-transfer", "south-america->*", None), 0.16));
        assert!(close(g("inter-region-transfer", "asia-pacific->*", None), 0.08));
        // pricing-and-peers §A2/§A4: within Europe as within North America; NA/EU to another
        // continent; global peering's Zone 1 inbound; South America's own rate.
        assert!(close(g("inter-region-transfer", "europe->europe", None), 0.02));
        assert!(close(g("inter-region-transfer", "north-america->*", None), 0.05));
        assert!(close(g("inter-region-transfer", "south-america->south-america", None), 0.16));
        assert!(close(g("vnet-peering-global-ingress", "north-america", None), 0.035));
        assert!(close(g("vnet-peering-global-ingress", "europe", None), 0.035));
        assert!(close(g("vnet-peering-global-egress", "south-america", None), 0.16));
        let basic = t.quote("firewall-hour", &["eastus".into()], Some("Basic")).unwrap();
        assert!(basic.bands[0].unverified, "Basic has a single weak source");
    }

    // Every row of the built-in table is reachable: looked up by its own meter, region and SKU, it
    // is among the bands the quote returns, with its source and date (no row is shadowed or dead).
    #[test]
    fn every_built_in_row_is_quoted_by_its_own_key() {
        let t = builtin();
        assert!(t.rows.len() >= 40, "{} rows", t.rows.len());
        for row in &t.rows {
            let q = t
                .quote(&row.meter, std::slice::from_ref(&row.region), row.sku.as_deref())
                .unwrap_or_else(|| panic!("no quote for {} {} {:?}", row.meter, row.region, row.sku));
            assert_eq!(q.key, row.region, "{} {:?}", row.meter, row.sku);
            assert!(q.fallback.is_none(), "{} {}", row.meter, row.region);
            assert!(
                q.bands.iter().any(|b| std::ptr::eq(*b, row)),
                "{} {} {:?} from {} GB is not among its own quote's bands",
                row.meter,
                row.region,
                row.sku,
                row.from_gb
            );
            assert!(
                !row.source.is_empty() && !row.as_of.is_empty(),
                "{} {}: provenance",
                row.meter,
                row.region
            );
            assert!(row.price >= 0.0 && row.price.is_finite(), "{} {}", row.meter, row.region);
        }
    }

    #[test]
    fn lookup_prefers_the_first_key_and_falls_back_with_a_note() {
        let t = builtin();
        let keys = vec!["westeurope".to_string(), "europe".into(), "global".into()];
        let q = t.quote("nat-gateway-data-processed", &keys, None).unwrap();
        assert_eq!((q.key.as_str(), q.fallback.is_none()), ("global", true));
        let q = t.quote("firewall-hour", &keys, Some("Standard")).unwrap();
        assert_eq!(q.key, "eastus");
        assert!(q.fallback.as_deref().unwrap().contains("no firewall-hour (Standard) row for westeurope"));
        assert!(t.quote("no-such-meter", &keys, None).is_none());
    }

    #[test]
    fn overrides_replace_matching_rows_and_add_new_ones() {
        let file = r#"
schema_version = 1
name = "negotiated"
as_of = "2026-10-01"

[[prices]]
meter = "nat-gateway-data-processed"
unit = "GB"
price = 0.03
source = "our EA"
as_of = "2026-10-01"

[[prices]]
meter = "service-endpoint-vnet-hour"
unit = "hour"
price = 0.10
source = "Retail Prices API"
as_of = "2026-04-01"
"#;
        let t = builtin().with_overrides("ea.toml", file).unwrap();
        assert_eq!(t.rows.len(), builtin().rows.len());
        assert_eq!(t.sources.len(), 2);
        assert_eq!((t.sources[1].rows, t.sources[1].replaced), (2, 2));
        let q = t.quote("nat-gateway-data-processed", &["global".into()], None).unwrap();
        assert_eq!((q.bands[0].price, q.bands[0].table.as_str()), (0.03, "negotiated"));
        assert!(
            matches!(&q.bands[0].origin, Some(Origin::File { file, line: 6, .. }) if file == "ea.toml"),
            "{:?}",
            q.bands[0].origin
        );
    }

    #[test]
    fn bad_rows_name_file_line_and_column() {
        let bad = "schema_version = 1\n\n[[prices]]\nmeter = \"x\"\nunit = \"GB\"\nprice = -1\nsource = \"s\"\nas_of = \"2026-01-01\"\n";
        let e = builtin().with_overrides("p.toml", bad).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("p.toml", 3), "{e}");
        assert!(e.message.contains("non-negative"), "{e}");
        let e = builtin().with_overrides("p.toml", "schema_version = 1\nprices = 3\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let date = bad.replace("price = -1", "price = 1").replace("2026-01-01", "last week");
        assert!(builtin().with_overrides("p.toml", &date).unwrap_err().message.contains("YYYY-MM-DD"));
        let gap = bad.replace("price = -1", "price = 1\nfrom_gb = 5");
        let e = builtin().with_overrides("p.toml", &gap).unwrap_err();
        assert!(e.message.contains("starts at 5 GB where 0 GB was expected"), "{e}");
        let unknown = bad.replace("price = -1", "price = 1\ncolour = 1");
        assert!(builtin().with_overrides("p.toml", &unknown).unwrap_err().message.contains("colour"));
        let eur = "schema_version = 1\ncurrency = \"EUR\"\n";
        assert!(builtin().with_overrides("p.toml", eur).unwrap_err().message.contains("EUR"));
    }

    #[test]
    fn tiered_reports_each_band_used() {
        let t = builtin();
        let q = t.quote("internet-egress", &["europe".into()], None).unwrap();
        let (cost, uses) = tiered(&q.bands, 150.0);
        assert!(close(cost, 50.0 * 0.087));
        assert_eq!(uses.len(), 2);
        assert_eq!((uses[0].quantity, uses[1].quantity), (100.0, 50.0));
        let (zero, uses) = tiered(&q.bands, 0.0);
        assert_eq!((zero, uses.len()), (0.0, 1), "an empty quantity still names the band it sits in");
    }
}
