//! The flow catalog: every connection a classic Databricks cluster (and its users) needs, with a
//! stable ID, the startup phase it belongs to, how much it matters, its protocol and ports, and a
//! volume model. Scripts and CI match on the IDs; never rename one.
//!
//! | ID | phase | requirement | destination | port |
//! |---|---|---|---|---|
//! | `user-api` | 1 | startup | workspace URL (REST API) | 443 |
//! | `user-ui` | 1 | workload | workspace URL (web UI) | 443 |
//! | `browser-auth` | 1 | workload | `<region>.pl-auth.azuredatabricks.net` (Private Link workspaces) | 443 |
//! | `scc-relay` | 3 | startup | `tunnel.<region>.azuredatabricks.net` (SCC workspaces) | 443 |
//! | `webapp` | 4a | startup | `<region>.azuredatabricks.net` | 443, 8443–8451 |
//! | `extended-infra` | 4a | optional | extended-infrastructure range | 443 |
//! | `event-hub` | 4a | workload | `prod-<region>-observabilityeventhubs.servicebus.windows.net` | 9093 |
//! | `log-blob` | 4a | workload | `dblogprod<region>.blob.core.windows.net` | 443 |
//! | `artifact-primary` | 4b | startup | `dbartifactsprod<region>.blob.core.windows.net` | 443 |
//! | `artifact-secondary` | 4b | optional | the region's fallback artifact account | 443 |
//! | `pypi`, `pypi-files` | 4b | workload (`public`/mirror) or optional (`none`) | `pypi.org`, `files.pythonhosted.org` | 443 |
//! | `maven` | 4b | as above | `repo1.maven.org` | 443 |
//! | `cran` | 4b | as above | `cran.r-project.org` | 443 |
//! | `dbfs-blob`, `dbfs-dfs` | 4c | startup | the DBFS root account | 443 |
//! | `metastore` | 4c | workload (optional without Hive metastore) | `consolidated-<region>-prod-metastore.mysql.database.azure.com` | 3306 |
//! | `uc-storage` | 4c | workload | the Unity Catalog metastore account (dfs) | 443 |
//! | `external-location` | 4c | workload | one row per external location (dfs) | 443 |
//! | `system-tables` | 4c | optional | `ucstprd<region>.dfs.core.windows.net` where known | 443 |
//! | `worker-to-worker` | 5 | startup | another node in the same subnet | any TCP |

use adbflow_model::Protocol;
use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowId {
    UserApi,
    UserUi,
    BrowserAuth,
    SccRelay,
    Webapp,
    ExtendedInfra,
    EventHub,
    LogBlob,
    ArtifactPrimary,
    ArtifactSecondary,
    Pypi,
    PypiFiles,
    Maven,
    Cran,
    DbfsBlob,
    DbfsDfs,
    Metastore,
    UcStorage,
    ExternalLocation,
    SystemTables,
    WorkerToWorker,
}

impl FlowId {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowId::UserUi => "user-ui",
            FlowId::UserApi => "user-api",
            FlowId::BrowserAuth => "browser-auth",
            FlowId::SccRelay => "scc-relay",
            FlowId::Webapp => "webapp",
            FlowId::ExtendedInfra => "extended-infra",
            FlowId::Metastore => "metastore",
            FlowId::ArtifactPrimary => "artifact-primary",
            FlowId::ArtifactSecondary => "artifact-secondary",
            FlowId::LogBlob => "log-blob",
            FlowId::SystemTables => "system-tables",
            FlowId::EventHub => "event-hub",
            FlowId::DbfsBlob => "dbfs-blob",
            FlowId::DbfsDfs => "dbfs-dfs",
            FlowId::UcStorage => "uc-storage",
            FlowId::ExternalLocation => "external-location",
            FlowId::Pypi => "pypi",
            FlowId::PypiFiles => "pypi-files",
            FlowId::Maven => "maven",
            FlowId::Cran => "cran",
            FlowId::WorkerToWorker => "worker-to-worker",
        }
    }

    pub fn parse(s: &str) -> Option<FlowId> {
        CATALOG.iter().map(|d| d.id).find(|id| id.as_str() == s)
    }

    // CATALOG has an entry for every FlowId (a unit test walks them): a miss is a build defect.
    #[allow(clippy::expect_used)]
    pub fn def(self) -> &'static FlowDef {
        CATALOG.iter().find(|d| d.id == self).expect("every flow ID has a catalog entry")
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The seed's cluster startup phases (databricks-traffic-flows "Traffic Flow Phases").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    CreateRequest,
    VmProvisioning,
    SecureTunnel,
    ControlPlane,
    Downloads,
    Storage,
    WorkerToWorker,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::CreateRequest,
        Phase::VmProvisioning,
        Phase::SecureTunnel,
        Phase::ControlPlane,
        Phase::Downloads,
        Phase::Storage,
        Phase::WorkerToWorker,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Phase::CreateRequest => "1",
            Phase::VmProvisioning => "2",
            Phase::SecureTunnel => "3",
            Phase::ControlPlane => "4a",
            Phase::Downloads => "4b",
            Phase::Storage => "4c",
            Phase::WorkerToWorker => "5",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Phase::CreateRequest => "Cluster creation request",
            Phase::VmProvisioning => "VM provisioning",
            Phase::SecureTunnel => "Secure tunnel establishment",
            Phase::ControlPlane => "Control plane communication",
            Phase::Downloads => "Runtime and library downloads",
            Phase::Storage => "Storage access",
            Phase::WorkerToWorker => "Worker-to-worker communication",
        }
    }

    /// The seed's time window, relative to the create request.
    pub fn window(self) -> &'static str {
        match self {
            Phase::CreateRequest => "T+0s",
            Phase::VmProvisioning => "T+0s to T+2min",
            Phase::SecureTunnel => "T+2min to T+3min",
            Phase::ControlPlane => "T+2min onwards, ongoing",
            Phase::Downloads => "T+2min to T+4min",
            Phase::Storage => "T+3min to T+5min",
            Phase::WorkerToWorker => "during execution",
        }
    }

    /// Start of the window in seconds after the create request.
    pub fn start_seconds(self) -> u32 {
        match self {
            Phase::CreateRequest | Phase::VmProvisioning => 0,
            Phase::SecureTunnel | Phase::ControlPlane | Phase::Downloads => 120,
            Phase::Storage => 180,
            Phase::WorkerToWorker => 300,
        }
    }

    /// What happens in this phase that involves no traffic from the customer network.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Phase::VmProvisioning => Some(
                "The control plane calls Azure Resource Manager to create the VMs and their two NICs (host and \
                 container subnet) in the managed resource group; no traffic leaves your network yet.",
            ),
            _ => None,
        }
    }
}

impl Serialize for Phase {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// How much a flow matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// Without it the cluster never reaches RUNNING.
    Startup,
    /// The cluster starts, but workloads that need it fail.
    Workload,
    /// Useful but not needed; a blocked optional flow is not a failure.
    Optional,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Startup => "startup",
            Requirement::Workload => "workload",
            Requirement::Optional => "optional",
        }
    }
    pub fn is_required(self) -> bool {
        self != Requirement::Optional
    }
}

/// Who opens the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Every cluster node, from its host NIC and its container NIC.
    Cluster,
    /// A user's browser, the CLI, Terraform or a CI pipeline.
    User,
}

/// Bytes a flow moves: per node per cluster start, per node-hour of running, and per month for
/// the seed's typical deployment. `up` is from the initiator, `down` towards it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VolumeModel {
    pub startup_up: u64,
    pub startup_down: u64,
    pub node_hour_up: u64,
    pub node_hour_down: u64,
    pub month_up: u64,
    pub month_down: u64,
    /// Where the figures come from.
    pub basis: &'static str,
    /// True when a figure is an assumption rather than the seed's number.
    pub inferred: bool,
}

const KB: u64 = 1_000;
const MB: u64 = 1_000_000;
const GB: u64 = 1_000_000_000;

const fn vol(
    startup: (u64, u64),
    node_hour: (u64, u64),
    month: (u64, u64),
    basis: &'static str,
    inferred: bool,
) -> VolumeModel {
    VolumeModel {
        startup_up: startup.0,
        startup_down: startup.1,
        node_hour_up: node_hour.0,
        node_hour_down: node_hour.1,
        month_up: month.0,
        month_down: month.1,
        basis,
        inferred,
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct FlowDef {
    pub id: FlowId,
    pub title: &'static str,
    pub phase: Phase,
    /// The requirement when the workspace's settings do not change it.
    pub requirement: Requirement,
    pub side: Side,
    pub protocol: Protocol,
    #[serde(serialize_with = "ser_ports")]
    pub ports: &'static [(u16, u16)],
    pub purpose: &'static str,
    pub volume: VolumeModel,
}

fn ser_ports<S: Serializer>(ports: &&'static [(u16, u16)], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ports_text(ports))
}

/// `443,8443-8451`. Written into one string: every flow of a check asks.
pub fn ports_text(ports: &[(u16, u16)]) -> String {
    let mut out = String::with_capacity(12 * ports.len());
    // Every checked flow writes its ports: digits by `itoa`, not through `core::fmt`.
    let mut digits = itoa::Buffer::new();
    for (i, &(a, b)) in ports.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if a == 0 && b == 65535 {
            out.push('*');
            continue;
        }
        out.push_str(digits.format(a));
        if a != b {
            out.push('-');
            out.push_str(digits.format(b));
        }
    }
    out
}

impl FlowDef {
    /// Every port the flow uses, expanded.
    pub fn port_list(&self) -> Vec<u16> {
        self.ports.iter().flat_map(|&(a, b)| a..=b).collect()
    }
}

/// Spark picks ports dynamically; worker-to-worker is evaluated on this one port as a stand-in.
pub const SPARK_REPRESENTATIVE_PORT: u16 = 7077;

const HTTPS: &[(u16, u16)] = &[(443, 443)];

pub const CATALOG: &[FlowDef] = &[
    FlowDef {
        id: FlowId::UserApi,
        title: "User / automation → REST API",
        phase: Phase::CreateRequest,
        requirement: Requirement::Startup,
        side: Side::User,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "POST /api/2.1/clusters/create and polling: nobody can start a cluster without it",
        volume: vol((10 * KB, 2 * KB), (0, 0), (0, 0), "seed phase 1: a cluster configuration JSON (size assumed)", true),
    },
    FlowDef {
        id: FlowId::UserUi,
        title: "User browser → workspace UI",
        phase: Phase::CreateRequest,
        requirement: Requirement::Workload,
        side: Side::User,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "notebooks, jobs and cluster pages in the browser",
        volume: vol((0, 0), (0, 0), (0, 0), "the seed gives no figure for user traffic", true),
    },
    FlowDef {
        id: FlowId::BrowserAuth,
        title: "User browser → browser authentication (Private Link)",
        phase: Phase::CreateRequest,
        requirement: Requirement::Workload,
        side: Side::User,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "Microsoft Entra ID single-sign-on callback for Private Link workspaces",
        volume: vol((0, 0), (0, 0), (0, 0), "the seed gives no figure for user traffic", true),
    },
    FlowDef {
        id: FlowId::SccRelay,
        title: "Node → SCC relay",
        phase: Phase::SecureTunnel,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "the secure cluster connectivity tunnel the control plane sends every command through",
        volume: vol(
            (0, 0),
            (0, 0),
            (3 * GB, 2 * GB),
            "seed cost table: control plane ~5 GB/month (phase 4a: 1–5 Mbps per cluster); up/down split assumed",
            true,
        ),
    },
    FlowDef {
        id: FlowId::Webapp,
        title: "Node → control plane web application / REST",
        phase: Phase::ControlPlane,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: &[(443, 443), (8443, 8451)],
        purpose: "node bootstrap (/clusters/vmboot/get_runbook) and control-plane calls; 8443–8451 since January 2025",
        volume: vol((50 * KB, MB), (0, 0), (0, 0), "not in the seed; bootstrap runbook size assumed", true),
    },
    FlowDef {
        id: FlowId::ExtendedInfra,
        title: "Node → extended infrastructure",
        phase: Phase::ControlPlane,
        requirement: Requirement::Optional,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "listed in Databricks' IP-based route guidance; its purpose is not documented",
        volume: vol((0, 0), (0, 0), (0, 0), "no published figure", true),
    },
    FlowDef {
        id: FlowId::EventHub,
        title: "Node → Event Hub (observability)",
        phase: Phase::ControlPlane,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: &[(9093, 9093)],
        purpose: "cluster health and log events to Databricks' Event Hub (Kafka protocol)",
        volume: vol((0, 0), (0, 0), (10 * GB, 0), "seed cost table: Event Hub (logs) ~10 GB/month", false),
    },
    FlowDef {
        id: FlowId::LogBlob,
        title: "Node → log blob storage",
        phase: Phase::ControlPlane,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "cluster and diagnostic logs to Databricks-managed storage",
        volume: vol((0, 0), (0, 0), (GB, 0), "not in the seed; assumed", true),
    },
    FlowDef {
        id: FlowId::ArtifactPrimary,
        title: "Node → artifact storage (primary)",
        phase: Phase::Downloads,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "Databricks Runtime image and worker artifacts",
        volume: vol(
            (0, 3500 * MB),
            (0, 0),
            (0, 50 * GB),
            "seed phase 4b: 2–5 GB per cluster start (midpoint; each node caches on its own disk, so per node is \
             an inference); seed cost table: ~50 GB/month",
            true,
        ),
    },
    FlowDef {
        id: FlowId::ArtifactSecondary,
        title: "Node → artifact storage (secondary)",
        phase: Phase::Downloads,
        requirement: Requirement::Optional,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "fallback artifact location, used when the primary is unavailable",
        volume: vol((0, 0), (0, 0), (0, 0), "used only on failover", true),
    },
    FlowDef {
        id: FlowId::Pypi,
        title: "Node → PyPI index",
        phase: Phase::Downloads,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "pip install: package index (pypi.org or the mirror)",
        volume: vol((20 * KB, 5 * MB), (0, 0), (0, 0), "index metadata size assumed", true),
    },
    FlowDef {
        id: FlowId::PypiFiles,
        title: "Node → PyPI files",
        phase: Phase::Downloads,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "pip install: wheels and source archives (files.pythonhosted.org)",
        volume: vol(
            (0, 1250 * MB),
            (0, 0),
            (0, 10 * GB),
            "seed phase 4b: 500 MB–2 GB of user libraries per start (midpoint); seed cost table: ~10 GB/month",
            false,
        ),
    },
    FlowDef {
        id: FlowId::Maven,
        title: "Node → Maven repository",
        phase: Phase::Downloads,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "JAR libraries (spark.jars.packages, cluster libraries)",
        volume: vol((0, 100 * MB), (0, 0), (0, 0), "seed phase 4b: 1–100 MB per JAR (upper bound)", false),
    },
    FlowDef {
        id: FlowId::Cran,
        title: "Node → CRAN",
        phase: Phase::Downloads,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "R packages",
        volume: vol((0, 50 * MB), (0, 0), (0, 0), "not in the seed; assumed", true),
    },
    FlowDef {
        id: FlowId::DbfsBlob,
        title: "Node → DBFS root (blob)",
        phase: Phase::Storage,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "init scripts, library cache, cluster logs in the workspace's root storage",
        volume: vol(
            (MB, 10 * MB),
            (0, 0),
            (50 * GB, 50 * GB),
            "seed phase 4c lists DBFS uses without a figure; split of the seed's 1000+ GB storage total assumed",
            true,
        ),
    },
    FlowDef {
        id: FlowId::DbfsDfs,
        title: "Node → DBFS root (dfs)",
        phase: Phase::Storage,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "the root account's ADLS endpoint (both blob and dfs are needed)",
        volume: vol((0, 0), (0, 0), (0, 0), "counted under dbfs-blob", true),
    },
    FlowDef {
        id: FlowId::Metastore,
        title: "Node → Hive metastore (MySQL)",
        phase: Phase::Storage,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: &[(3306, 3306)],
        purpose: "the workspace's legacy Hive metastore (hive_metastore catalog)",
        volume: vol((0, 0), (0, 0), (100 * MB, GB), "not in the seed; assumed", true),
    },
    FlowDef {
        id: FlowId::UcStorage,
        title: "Node → Unity Catalog metastore storage",
        phase: Phase::Storage,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "managed tables and volumes in the metastore's root storage",
        volume: vol((0, 0), (0, 0), (5 * GB, 5 * GB), "split of the seed's 1000+ GB storage total assumed", true),
    },
    FlowDef {
        id: FlowId::ExternalLocation,
        title: "Node → external location",
        phase: Phase::Storage,
        requirement: Requirement::Workload,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "user data: Delta tables and files",
        volume: vol((0, 0), (0, 0), (400 * GB, 600 * GB), "seed cost table: storage access 1000+ GB/month", false),
    },
    FlowDef {
        id: FlowId::SystemTables,
        title: "Node → system tables storage",
        phase: Phase::Storage,
        requirement: Requirement::Optional,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: HTTPS,
        purpose: "Databricks-managed storage behind system tables and samples",
        volume: vol((0, 0), (0, 0), (0, GB), "not in the seed; assumed", true),
    },
    FlowDef {
        id: FlowId::WorkerToWorker,
        title: "Node ↔ node",
        phase: Phase::WorkerToWorker,
        requirement: Requirement::Startup,
        side: Side::Cluster,
        protocol: Protocol::Tcp,
        ports: &[(SPARK_REPRESENTATIVE_PORT, SPARK_REPRESENTATIVE_PORT)],
        purpose: "Spark RPC, shuffle and broadcast between driver and workers (any TCP port)",
        volume: vol((0, 0), (0, 0), (GB * 500, GB * 500), "seed cost table: worker-to-worker 1000+ GB/month", false),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_stable_and_round_trip() {
        let ids: BTreeSet<&str> = CATALOG.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), CATALOG.len());
        for expected in [
            "user-ui",
            "user-api",
            "browser-auth",
            "scc-relay",
            "webapp",
            "extended-infra",
            "metastore",
            "artifact-primary",
            "artifact-secondary",
            "log-blob",
            "system-tables",
            "event-hub",
            "dbfs-blob",
            "dbfs-dfs",
            "uc-storage",
            "external-location",
            "pypi",
            "pypi-files",
            "maven",
            "cran",
            "worker-to-worker",
        ] {
            let id = FlowId::parse(expected).unwrap_or_else(|| panic!("{expected} missing"));
            assert_eq!(serde_json::to_value(id).unwrap(), expected);
            assert_eq!(id.def().id, id);
        }
        assert_eq!(FlowId::parse("nope"), None);
    }

    #[test]
    fn catalog_is_in_phase_order() {
        let phases: Vec<Phase> = CATALOG.iter().map(|d| d.phase).collect();
        let mut sorted = phases.clone();
        sorted.sort();
        assert_eq!(phases, sorted);
        let ids: Vec<FlowId> = CATALOG.iter().map(|d| d.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "FlowId order is the catalog order, so output sorts by it");
    }

    // DESIGN.md "Where the seed is wrong" 5: since January 2025 the control plane needs 8443–8451.
    #[test]
    fn ports_follow_the_documented_requirements() {
        let w = FlowId::Webapp.def();
        assert_eq!(ports_text(w.ports), "443,8443-8451");
        assert_eq!(w.port_list().len(), 10);
        assert_eq!(FlowId::Metastore.def().port_list(), vec![3306]);
        assert_eq!(FlowId::EventHub.def().port_list(), vec![9093]);
        assert_eq!(FlowId::SccRelay.def().requirement, Requirement::Startup);
        assert_eq!(FlowId::ArtifactSecondary.def().requirement, Requirement::Optional);
        assert_eq!(ports_text(&[(0, 65535)]), "*");
    }

    #[test]
    fn ports_text_writes_single_ports_ranges_and_every_port() {
        assert_eq!(ports_text(&[]), "");
        assert_eq!(ports_text(&[(443, 443)]), "443");
        assert_eq!(ports_text(&[(0, 0), (65535, 65535)]), "0,65535");
        assert_eq!(ports_text(&[(1, 65535)]), "1-65535");
        assert_eq!(ports_text(&[(22, 22), (0, 65535), (8443, 8451)]), "22,*,8443-8451");
    }

    #[test]
    fn phases_carry_the_seed_windows() {
        let ids: Vec<&str> = Phase::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids, ["1", "2", "3", "4a", "4b", "4c", "5"]);
        assert_eq!(Phase::SecureTunnel.window(), "T+2min to T+3min");
        assert!(Phase::ALL.windows(2).all(|w| w[0].start_seconds() <= w[1].start_seconds()));
        assert!(CATALOG.iter().all(|d| d.phase != Phase::VmProvisioning), "phase 2 has no customer traffic");
        assert!(Phase::VmProvisioning.note().is_some());
    }

    #[test]
    fn every_volume_names_its_basis() {
        for d in CATALOG {
            assert!(!d.volume.basis.is_empty(), "{}", d.id);
        }
        let a = FlowId::ArtifactPrimary.def().volume;
        assert!(a.startup_down >= 2 * GB && a.startup_down <= 5 * GB, "within the seed's 2–5 GB");
    }
}
