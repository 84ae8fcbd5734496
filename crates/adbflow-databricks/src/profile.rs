//! Workload profiles: how much each flow moves in a month. A named profile (`data/profiles.toml`:
//! `seed`, `notebook`, `etl`, `ml-training`) is the base; the native file's `[workload]` section or
//! a `--profile FILE` adjusts it field by field. Every resolved setting says where it came from.

use crate::catalog::{FlowId, CATALOG};
use crate::datafile::{self, error_at};
use crate::regions::DataError;
use adbflow_model::{Libraries, LibrarySource, MonthlyVolume, Workload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use toml::Spanned;

const BUILTIN: &str = include_str!("../data/profiles.toml");
pub const DEFAULT_PROFILE: &str = "seed";
const GB: f64 = 1e9;

/// How a profile turns into monthly bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VolumeMode {
    /// Each flow's monthly figure from the seed document's cost table (the flow catalog).
    SeedMonthly,
    /// Starts × nodes × hours × per-node figures.
    Activity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDef {
    pub name: String,
    pub summary: String,
    pub volumes: VolumeMode,
    pub settings: Workload,
    #[serde(default)]
    pub basis: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileData {
    pub schema_version: u32,
    pub name: String,
    pub as_of: String,
    pub profiles: Vec<ProfileDef>,
}

// Built-in data shipped in the binary and parsed by a unit test: failing here is a build
// defect, never the user's input.
#[allow(clippy::expect_used)]
pub fn builtin() -> &'static ProfileData {
    static DATA: OnceLock<ProfileData> = OnceLock::new();
    DATA.get_or_init(|| {
        datafile::parse("profiles.toml (built-in)", BUILTIN)
            .expect("the built-in profiles are checked by tests")
    })
}

pub fn names() -> impl Iterator<Item = &'static str> {
    builtin().profiles.iter().map(|p| p.name.as_str())
}

/// The concrete numbers a profile resolves to (absent settings are 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub clusters_per_day: f64,
    pub days_per_month: f64,
    pub nodes_per_cluster: u32,
    pub hours_per_cluster: f64,
    pub concurrent_clusters: u32,
    pub node_type: String,
    pub dbr_image_gb: f64,
    pub libraries_gb: f64,
    pub maven_gb: f64,
    pub cran_gb: f64,
    pub control_plane_gb_per_cluster_hour: f64,
    pub data_read_gb_per_node_hour: f64,
    pub data_written_gb_per_node_hour: f64,
    pub shuffle_gb_per_node_hour: f64,
    pub logs_gb_per_node_hour: f64,
    pub connections_per_node: u32,
    pub connections_per_destination: u32,
}

impl Settings {
    fn of(w: &Workload) -> Self {
        Settings {
            clusters_per_day: w.clusters_per_day.unwrap_or(0.0),
            days_per_month: w.days_per_month.unwrap_or(0.0),
            nodes_per_cluster: w.nodes_per_cluster.unwrap_or(0),
            hours_per_cluster: w.hours_per_cluster.unwrap_or(0.0),
            concurrent_clusters: w.concurrent_clusters.unwrap_or(1),
            node_type: w.node_type.clone().unwrap_or_default(),
            dbr_image_gb: w.dbr_image_gb.unwrap_or(0.0),
            libraries_gb: w.libraries_gb.unwrap_or(0.0),
            maven_gb: w.maven_gb.unwrap_or(0.0),
            cran_gb: w.cran_gb.unwrap_or(0.0),
            control_plane_gb_per_cluster_hour: w.control_plane_gb_per_cluster_hour.unwrap_or(0.0),
            data_read_gb_per_node_hour: w.data_read_gb_per_node_hour.unwrap_or(0.0),
            data_written_gb_per_node_hour: w.data_written_gb_per_node_hour.unwrap_or(0.0),
            shuffle_gb_per_node_hour: w.shuffle_gb_per_node_hour.unwrap_or(0.0),
            logs_gb_per_node_hour: w.logs_gb_per_node_hour.unwrap_or(0.0),
            connections_per_node: w.connections_per_node.unwrap_or(0),
            connections_per_destination: w.connections_per_destination.unwrap_or(0),
        }
    }

    pub fn cluster_starts(&self) -> f64 {
        self.clusters_per_day * self.days_per_month
    }
    pub fn node_starts(&self) -> f64 {
        self.cluster_starts() * f64::from(self.nodes_per_cluster)
    }
    pub fn node_hours(&self) -> f64 {
        self.node_starts() * self.hours_per_cluster
    }
    pub fn cluster_hours(&self) -> f64 {
        self.cluster_starts() * self.hours_per_cluster
    }
    /// Nodes running at once: every concurrent cluster at full size.
    pub fn concurrent_nodes(&self) -> u64 {
        u64::from(self.nodes_per_cluster) * u64::from(self.concurrent_clusters.max(1))
    }
}

/// One resolved setting and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub value: Value,
    /// `profile NAME` or the file / section that set it.
    pub from: String,
    pub basis: String,
    /// Rests on an assumption rather than the seed document or a source.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyEntry {
    pub flow: FlowId,
    pub up_gb: f64,
    pub down_gb: f64,
    pub from: String,
}

/// A resolved workload profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The named base profile.
    pub name: String,
    pub summary: String,
    /// Where adjustments came from (`[workload] in FILE`, a `--profile` file), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjusted_by: Vec<String>,
    pub volumes: VolumeMode,
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monthly: Vec<MonthlyEntry>,
    /// Settings that have no effect in this profile, and similar advice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub settings: Settings,
}

/// Monthly gigabytes of one flow (all its sources and instances together) and how they were derived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowVolume {
    pub up_gb: f64,
    pub down_gb: f64,
    pub basis: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// What a workspace's own settings change about its volumes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VolumeContext {
    pub external_locations: usize,
    pub libraries: Libraries,
}

impl FlowVolume {
    fn zero(basis: impl Into<String>) -> Self {
        FlowVolume { up_gb: 0.0, down_gb: 0.0, basis: basis.into(), inferred: false }
    }
    pub fn total_gb(&self) -> f64 {
        self.up_gb + self.down_gb
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("unknown workload profile '{name}'; profiles: {known} (or a file)")]
    Unknown { name: String, known: String },
    #[error("{from}: {message}")]
    Invalid { from: String, message: String },
    #[error("{0}")]
    Data(String),
}

impl From<DataError> for ProfileError {
    fn from(e: DataError) -> Self {
        ProfileError::Data(e.to_string())
    }
}

/// Activity settings that `seed-monthly` profiles do not use.
const ACTIVITY_ONLY: &[&str] = &[
    "clusters_per_day",
    "days_per_month",
    "hours_per_cluster",
    "dbr_image_gb",
    "libraries_gb",
    "maven_gb",
    "cran_gb",
    "control_plane_gb_per_cluster_hour",
    "data_read_gb_per_node_hour",
    "data_written_gb_per_node_hour",
    "shuffle_gb_per_node_hour",
    "logs_gb_per_node_hour",
];

fn to_map(w: &Workload) -> Map<String, Value> {
    match serde_json::to_value(w) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Check the values a workload sets. An error is (the top-level key, what is wrong with it).
fn validate(w: &Workload) -> Result<(), (String, String)> {
    let invalid = |key: &str, message: String| Err((key.to_string(), message));
    for (key, v) in to_map(w) {
        if let Some(x) = v.as_f64() {
            if !x.is_finite() || x < 0.0 {
                return invalid(&key, format!("{key} = {x}: must be a non-negative number"));
            }
        }
    }
    if w.nodes_per_cluster == Some(0) {
        return invalid(
            "nodes_per_cluster",
            "nodes_per_cluster = 0: a cluster has at least one node (the driver)".into(),
        );
    }
    if w.concurrent_clusters == Some(0) {
        return invalid("concurrent_clusters", "concurrent_clusters = 0: at least one cluster runs".into());
    }
    if let Some(d) = w.days_per_month.filter(|d| *d > 31.0) {
        return invalid("days_per_month", format!("days_per_month = {d}: a month has at most 31 days"));
    }
    if let (Some(c), Some(n)) = (w.connections_per_destination, w.connections_per_node) {
        if c > n {
            return invalid(
                "connections_per_destination",
                format!("connections_per_destination = {c} is more than connections_per_node = {n}"),
            );
        }
    }
    for (key, m) in &w.monthly {
        if FlowId::parse(key).is_none() {
            let known: Vec<&str> = CATALOG.iter().map(|d| d.id.as_str()).collect();
            return invalid(
                "monthly",
                format!("monthly.{key}: unknown flow ID; flow IDs: {}", known.join(", ")),
            );
        }
        if !(m.up_gb.is_finite() && m.down_gb.is_finite() && m.up_gb >= 0.0 && m.down_gb >= 0.0) {
            return invalid("monthly", format!("monthly.{key}: up_gb and down_gb must be non-negative"));
        }
    }
    Ok(())
}

fn is_assumed(basis: &str) -> bool {
    basis.starts_with("assumed") || basis.contains("(inferred)")
}

impl Profile {
    /// A built-in profile by name.
    pub fn named(name: &str) -> Result<Profile, ProfileError> {
        Profile::resolve(Some(name), &[])
    }

    /// The base profile `base` (default `seed`, or the first layer's `profile`), adjusted by each
    /// `(label, workload)` layer in order; later layers win.
    pub fn resolve(base: Option<&str>, layers: &[(String, &Workload)]) -> Result<Profile, ProfileError> {
        for (label, w) in layers {
            validate(w).map_err(|(_, message)| ProfileError::Invalid { from: label.clone(), message })?;
        }
        let wanted =
            layers.iter().rev().find_map(|(_, w)| w.profile.as_deref()).or(base).unwrap_or(DEFAULT_PROFILE);
        let data = builtin();
        let def = data.profiles.iter().find(|p| p.name == wanted).ok_or_else(|| ProfileError::Unknown {
            name: wanted.to_string(),
            known: names().collect::<Vec<_>>().join(", "),
        })?;
        let from_base = format!("profile {}", def.name);
        let mut merged = to_map(&def.settings);
        let mut origin: BTreeMap<String, (String, String)> = merged
            .keys()
            .map(|k| {
                let basis = def.basis.get(k).cloned().unwrap_or_else(|| "no basis recorded".into());
                (k.clone(), (from_base.clone(), basis))
            })
            .collect();
        let mut monthly: BTreeMap<String, (MonthlyVolume, String)> = BTreeMap::new();
        let mut warnings = Vec::new();
        for (label, w) in layers {
            for (k, v) in to_map(w) {
                if k == "profile" || k == "monthly" {
                    continue;
                }
                if def.volumes == VolumeMode::SeedMonthly && ACTIVITY_ONLY.contains(&k.as_str()) {
                    warnings.push(format!(
                        "{label}: {k} has no effect with profile {}, whose monthly volumes are the seed's own figures; \
                         start from an activity profile (profile = \"notebook\", \"etl\" or \"ml-training\") or set \
                         [workload.monthly] volumes",
                        def.name
                    ));
                }
                merged.insert(k.clone(), v);
                origin.insert(k, (label.clone(), format!("set in {label}")));
            }
            for (k, m) in &w.monthly {
                monthly.insert(k.clone(), (*m, label.clone()));
            }
        }
        let resolved: Workload = serde_json::from_value(Value::Object(merged.clone()))
            .map_err(|e| ProfileError::Data(e.to_string()))?;
        let parameters = merged
            .into_iter()
            .map(|(name, value)| {
                let (from, basis) = origin.remove(&name).unwrap_or_default();
                let inferred = from == from_base && is_assumed(&basis);
                Parameter { name, value, from, basis, inferred }
            })
            .collect();
        let monthly = monthly
            .into_iter()
            .filter_map(|(k, (m, from))| {
                FlowId::parse(&k).map(|flow| MonthlyEntry { flow, up_gb: m.up_gb, down_gb: m.down_gb, from })
            })
            .collect();
        Ok(Profile {
            name: def.name.clone(),
            summary: def.summary.clone(),
            adjusted_by: layers.iter().map(|(l, _)| l.clone()).collect(),
            volumes: def.volumes,
            parameters,
            monthly,
            warnings,
            settings: Settings::of(&resolved),
        })
    }

    /// The monthly volume of flow `id` of one workspace (all its sources and instances together).
    pub fn volume(&self, id: FlowId, ctx: &VolumeContext) -> FlowVolume {
        let repo = match id {
            FlowId::Pypi | FlowId::PypiFiles => Some(("pypi", &ctx.libraries.pypi)),
            FlowId::Maven => Some(("maven", &ctx.libraries.maven)),
            FlowId::Cran => Some(("cran", &ctx.libraries.cran)),
            _ => None,
        };
        match repo {
            Some((key, LibrarySource::None)) => FlowVolume::zero(format!(
                "libraries.{key} = \"none\": the workspace installs nothing from it"
            )),
            // A mirror serves the index and the files from one host: the pypi flow carries both.
            Some((_, LibrarySource::Mirror(url))) if id == FlowId::Pypi => {
                let index = self.own_volume(FlowId::Pypi, ctx);
                let files = self.own_volume(FlowId::PypiFiles, ctx);
                FlowVolume {
                    up_gb: index.up_gb + files.up_gb,
                    down_gb: index.down_gb + files.down_gb,
                    basis: format!(
                        "index: {}; files: {} (both from the mirror {url})",
                        index.basis, files.basis
                    ),
                    inferred: index.inferred || files.inferred,
                }
            }
            _ => self.own_volume(id, ctx),
        }
    }

    fn own_volume(&self, id: FlowId, ctx: &VolumeContext) -> FlowVolume {
        if let Some(m) = self.monthly.iter().find(|m| m.flow == id) {
            return FlowVolume {
                up_gb: m.up_gb,
                down_gb: m.down_gb,
                basis: format!("monthly volume set in {}", m.from),
                inferred: false,
            };
        }
        match self.volumes {
            VolumeMode::SeedMonthly => {
                let v = id.def().volume;
                if v.month_up == 0 && v.month_down == 0 {
                    return FlowVolume::zero("the seed's monthly estimate has no figure for this flow");
                }
                FlowVolume {
                    up_gb: v.month_up as f64 / GB,
                    down_gb: v.month_down as f64 / GB,
                    basis: v.basis.to_string(),
                    inferred: v.inferred,
                }
            }
            VolumeMode::Activity => self.activity(id, ctx.external_locations),
        }
    }

    fn activity(&self, id: FlowId, external_locations: usize) -> FlowVolume {
        let s = &self.settings;
        let cat = id.def().volume;
        let per = |up: f64, down: f64, count: f64, unit: &str, what: String, inferred: bool| FlowVolume {
            up_gb: up * count,
            down_gb: down * count,
            basis: format!("{what} × {} {unit}", fmt_num(count)),
            inferred,
        };
        let startup = |count: f64, unit: &str| {
            per(
                cat.startup_up as f64 / GB,
                cat.startup_down as f64 / GB,
                count,
                unit,
                format!(
                    "{} up / {} down ({})",
                    fmt_bytes(cat.startup_up),
                    fmt_bytes(cat.startup_down),
                    cat.basis
                ),
                cat.inferred,
            )
        };
        let down_per_start = |gb: f64, key: &str| {
            per(0.0, gb, s.node_starts(), "node starts", format!("{key} {} GB", fmt_num(gb)), false)
        };
        let data = |count: f64| {
            per(
                s.data_written_gb_per_node_hour,
                s.data_read_gb_per_node_hour,
                count,
                "node-hours",
                format!(
                    "data_written_gb_per_node_hour {} up / data_read_gb_per_node_hour {} down",
                    fmt_num(s.data_written_gb_per_node_hour),
                    fmt_num(s.data_read_gb_per_node_hour)
                ),
                false,
            )
        };
        match id {
            FlowId::UserApi => startup(s.cluster_starts(), "cluster starts"),
            FlowId::Webapp | FlowId::Pypi | FlowId::DbfsBlob => startup(s.node_starts(), "node starts"),
            FlowId::ArtifactPrimary => down_per_start(s.dbr_image_gb, "dbr_image_gb"),
            FlowId::PypiFiles => down_per_start(s.libraries_gb, "libraries_gb"),
            FlowId::Maven => down_per_start(s.maven_gb, "maven_gb"),
            FlowId::Cran => down_per_start(s.cran_gb, "cran_gb"),
            FlowId::SccRelay => {
                let cp = s.control_plane_gb_per_cluster_hour;
                FlowVolume {
                    up_gb: cp * 0.6 * s.cluster_hours(),
                    down_gb: cp * 0.4 * s.cluster_hours(),
                    basis: format!(
                        "control_plane_gb_per_cluster_hour {} × {} cluster-hours, split 3:2 up:down (inferred)",
                        fmt_num(cp),
                        fmt_num(s.cluster_hours())
                    ),
                    inferred: true,
                }
            }
            FlowId::EventHub => per(
                s.logs_gb_per_node_hour,
                0.0,
                s.node_hours(),
                "node-hours",
                format!("logs_gb_per_node_hour {}", fmt_num(s.logs_gb_per_node_hour)),
                false,
            ),
            FlowId::ExternalLocation if external_locations > 0 => data(s.node_hours()),
            FlowId::UcStorage if external_locations == 0 => {
                let mut v = data(s.node_hours());
                v.basis.push_str(" (no external location: the data is in Unity Catalog managed storage)");
                v
            }
            FlowId::UcStorage => FlowVolume::zero(
                "the workload's data is in its external locations (catalog metadata not counted)",
            ),
            FlowId::WorkerToWorker => per(
                s.shuffle_gb_per_node_hour,
                0.0,
                s.node_hours(),
                "node-hours",
                format!(
                    "shuffle_gb_per_node_hour {} (each byte counted once)",
                    fmt_num(s.shuffle_gb_per_node_hour)
                ),
                false,
            ),
            _ => FlowVolume::zero("no profile setting covers this flow and the seed gives no figure"),
        }
    }
}

/// A `--profile FILE`: a TOML file with the `[workload]` section's keys at the top level. Errors
/// name file:line:column.
pub fn parse_workload_file(file: &str, text: &str) -> Result<Workload, DataError> {
    let w: Workload = datafile::parse(file, text)?;
    validate(&w).map_err(|(key, message)| {
        let spans: BTreeMap<String, Spanned<toml::Value>> = datafile::parse(file, text).unwrap_or_default();
        let span = spans.get(&key).map(|s| s.span()).unwrap_or(0..0);
        error_at(file, text, span, message)
    })?;
    Ok(w)
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn fmt_bytes(b: u64) -> String {
    match b {
        0 => "0".into(),
        b if b >= 1_000_000_000 => format!("{} GB", fmt_num(b as f64 / 1e9)),
        b if b >= 1_000_000 => format!("{} MB", fmt_num(b as f64 / 1e6)),
        b => format!("{} KB", fmt_num(b as f64 / 1e3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn ctx(external_locations: usize) -> VolumeContext {
        VolumeContext { external_locations, libraries: Libraries::default() }
    }

    #[test]
    fn builtin_profiles_are_the_seed_and_its_three_patterns() {
        assert_eq!(names().collect::<Vec<_>>(), ["seed", "notebook", "etl", "ml-training"]);
        for p in &builtin().profiles {
            for key in to_map(&p.settings).keys() {
                assert!(p.basis.contains_key(key), "{}: {key} has no basis", p.name);
            }
            let resolved = Profile::named(&p.name).unwrap();
            assert!(resolved.settings.nodes_per_cluster >= 1, "{}", p.name);
            assert!(resolved.settings.connections_per_node >= resolved.settings.connections_per_destination);
        }
    }

    // The seed's cost table: control plane ~5 GB, runtime images ~50 GB, libraries ~10 GB,
    // Event Hub ~10 GB, storage 1000+ GB, worker-to-worker 1000+ GB per month.
    #[test]
    fn seed_profile_reproduces_the_seed_monthly_volumes() {
        let p = Profile::named("seed").unwrap();
        assert_eq!(p.volumes, VolumeMode::SeedMonthly);
        let total = |id| p.volume(id, &ctx(1)).total_gb();
        assert!(close(total(FlowId::SccRelay), 5.0));
        assert!(close(total(FlowId::ArtifactPrimary), 50.0));
        assert!(close(total(FlowId::PypiFiles), 10.0));
        assert!(close(total(FlowId::EventHub), 10.0));
        assert!(close(total(FlowId::ExternalLocation), 1000.0));
        assert!(close(total(FlowId::WorkerToWorker), 1000.0));
        assert_eq!(total(FlowId::Webapp), 0.0);
        assert_eq!(p.settings.concurrent_nodes(), 3);
    }

    #[test]
    fn activity_profiles_multiply_starts_nodes_and_hours() {
        let p = Profile::named("etl").unwrap();
        let s = &p.settings;
        // 6 clusters/day × 30 days = 180 starts; × 8 nodes = 1440 node starts; × 1.5 h = 2160 node-hours.
        assert!(close(s.node_starts(), 1440.0) && close(s.node_hours(), 2160.0));
        let libs = p.volume(FlowId::PypiFiles, &ctx(1));
        assert!(close(libs.down_gb, 0.5 * 1440.0) && libs.up_gb == 0.0);
        assert!(libs.basis.contains("libraries_gb 0.5 GB × 1440 node starts"), "{}", libs.basis);
        let ext = p.volume(FlowId::ExternalLocation, &ctx(2));
        assert!(close(ext.up_gb, 10.0 * 2160.0) && close(ext.down_gb, 25.0 * 2160.0));
        assert_eq!(p.volume(FlowId::UcStorage, &ctx(2)).total_gb(), 0.0);
        assert!(
            close(p.volume(FlowId::UcStorage, &ctx(0)).down_gb, 25.0 * 2160.0),
            "no external location: UC storage"
        );
        // 0.45 GB/cluster-hour × 270 cluster-hours, split 3:2.
        let cp = p.volume(FlowId::SccRelay, &ctx(1));
        assert!(close(cp.up_gb, 0.45 * 270.0 * 0.6) && close(cp.down_gb, 0.45 * 270.0 * 0.4));
        assert!(cp.inferred);
        // Catalog startup figures per node start: webapp 50 KB up, 1 MB down.
        let w = p.volume(FlowId::Webapp, &ctx(1));
        assert!(close(w.up_gb, 50e3 / 1e9 * 1440.0) && close(w.down_gb, 1e6 / 1e9 * 1440.0));
        assert_eq!(p.volume(FlowId::ArtifactSecondary, &ctx(1)).total_gb(), 0.0);
    }

    #[test]
    fn library_settings_of_the_workspace_decide_which_flow_carries_packages() {
        let p = Profile::named("etl").unwrap();
        let mut c = ctx(1);
        assert_eq!(p.volume(FlowId::Cran, &c).total_gb(), 0.0, "cran defaults to none");
        assert!(p.volume(FlowId::Cran, &c).basis.contains("libraries.cran"));
        c.libraries.pypi = LibrarySource::None;
        assert_eq!(p.volume(FlowId::PypiFiles, &c).total_gb(), 0.0);
        c.libraries.pypi = LibrarySource::Mirror("https://nexus.example/pypi".into());
        let mirror = p.volume(FlowId::Pypi, &c);
        let public =
            p.volume(FlowId::Pypi, &ctx(1)).total_gb() + p.volume(FlowId::PypiFiles, &ctx(1)).total_gb();
        assert!(close(mirror.total_gb(), public), "the mirror carries index and files");
        assert!(mirror.basis.contains("nexus.example"));
    }

    #[test]
    fn layers_adjust_the_base_and_say_where_each_setting_came_from() {
        let mut w =
            Workload { profile: Some("etl".into()), nodes_per_cluster: Some(20), ..Default::default() };
        w.monthly.insert("pypi-files".into(), MonthlyVolume { up_gb: 0.0, down_gb: 7.0 });
        let p = Profile::resolve(None, &[("[workload] in d.toml".into(), &w)]).unwrap();
        assert_eq!(p.name, "etl");
        assert_eq!(p.settings.nodes_per_cluster, 20);
        let n = p.parameters.iter().find(|x| x.name == "nodes_per_cluster").unwrap();
        assert_eq!((n.from.as_str(), n.value.as_u64()), ("[workload] in d.toml", Some(20)));
        let h = p.parameters.iter().find(|x| x.name == "hours_per_cluster").unwrap();
        assert_eq!(h.from, "profile etl");
        assert!(h.inferred, "the etl hours are an assumption");
        assert_eq!(p.volume(FlowId::PypiFiles, &ctx(1)).down_gb, 7.0);
        assert!(p.volume(FlowId::PypiFiles, &ctx(1)).basis.contains("d.toml"));
        // A later layer wins.
        let later = Workload { nodes_per_cluster: Some(5), ..Default::default() };
        let p = Profile::resolve(None, &[("a".into(), &w), ("b".into(), &later)]).unwrap();
        assert_eq!((p.name.as_str(), p.settings.nodes_per_cluster), ("etl", 5));
    }

    #[test]
    fn activity_settings_on_the_seed_profile_are_reported_not_dropped() {
        let w = Workload { libraries_gb: Some(3.0), nodes_per_cluster: Some(6), ..Default::default() };
        let p = Profile::resolve(None, &[("x.toml".into(), &w)]).unwrap();
        assert_eq!(p.name, "seed");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].contains("libraries_gb has no effect"));
        assert_eq!(p.settings.nodes_per_cluster, 6, "sizes still apply to capacity");
    }

    #[test]
    fn bad_profiles_are_clear_errors() {
        assert!(matches!(Profile::named("nope"), Err(ProfileError::Unknown { .. })));
        let e = Profile::named("nope").unwrap_err().to_string();
        assert!(e.contains("seed, notebook, etl, ml-training"), "{e}");
        let w = Workload { nodes_per_cluster: Some(0), ..Default::default() };
        let e = Profile::resolve(None, &[("f".into(), &w)]).unwrap_err().to_string();
        assert!(e.contains("nodes_per_cluster") && e.contains("at least one node"), "{e}");
        let mut w = Workload::default();
        w.monthly.insert("pipy".into(), MonthlyVolume::default());
        let e = Profile::resolve(None, &[("f".into(), &w)]).unwrap_err().to_string();
        assert!(e.contains("monthly.pipy") && e.contains("pypi-files"), "{e}");
    }

    #[test]
    fn profile_files_report_positions() {
        let text = "profile = \"etl\"\nnodes_per_cluster = 4\nhours_per_cluster = -2\n";
        let e = parse_workload_file("p.toml", text).unwrap_err();
        assert_eq!((e.line, e.column), (3, 21), "{e}");
        assert!(e.message.contains("hours_per_cluster"), "{e}");
        let e = parse_workload_file("p.toml", "nodes = 4\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("unknown field"), "{e}");
        let ok =
            parse_workload_file("p.toml", "profile = \"etl\"\n[monthly]\nmaven = { down_gb = 2 }\n").unwrap();
        assert_eq!(ok.monthly["maven"].down_gb, 2.0);
    }
}
