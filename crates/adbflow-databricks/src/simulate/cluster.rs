//! The Clusters API shapes the simulation reports: states, event types, termination reasons, and
//! one cluster's record (its state history, phase timeline, libraries and events).

use crate::catalog::FlowId;
use serde::Serialize;
use std::collections::BTreeMap;

/// Cluster states as the Clusters API names them (databricks-net-facts §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Pending,
    Running,
    Restarting,
    Resizing,
    Terminating,
    Terminated,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "PENDING",
            State::Running => "RUNNING",
            State::Restarting => "RESTARTING",
            State::Resizing => "RESIZING",
            State::Terminating => "TERMINATING",
            State::Terminated => "TERMINATED",
        }
    }

    /// The transitions the Clusters API allows (§6.4), plus TERMINATED → PENDING, which
    /// `clusters/start` makes (the list in §6.4 has no restart of a terminated cluster, but the
    /// API's `start` documents exactly that); the engine asserts nothing else happens.
    pub fn may_become(self, next: State) -> bool {
        use State::*;
        matches!(
            (self, next),
            (Pending, Running)
                | (Pending, Terminating)
                | (Running, Resizing)
                | (Running, Restarting)
                | (Running, Terminating)
                | (Restarting, Running)
                | (Restarting, Terminating)
                | (Resizing, Running)
                | (Resizing, Terminating)
                | (Terminating, Terminated)
                | (Terminated, Pending)
        )
    }
}

/// Event types from the Clusters API's list (§6.5) that the simulation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    Creating,
    Starting,
    Edited,
    Pinned,
    Unpinned,
    InitScriptsStarted,
    InitScriptsFinished,
    MetastoreDown,
    Running,
    Resizing,
    UpsizeCompleted,
    AddNodesFailed,
    Restarting,
    DriverNotResponding,
    DriverHealthy,
    Terminating,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Creating => "CREATING",
            EventType::Starting => "STARTING",
            EventType::Edited => "EDITED",
            EventType::Pinned => "PINNED",
            EventType::Unpinned => "UNPINNED",
            EventType::InitScriptsStarted => "INIT_SCRIPTS_STARTED",
            EventType::InitScriptsFinished => "INIT_SCRIPTS_FINISHED",
            EventType::MetastoreDown => "METASTORE_DOWN",
            EventType::Running => "RUNNING",
            EventType::Resizing => "RESIZING",
            EventType::UpsizeCompleted => "UPSIZE_COMPLETED",
            EventType::AddNodesFailed => "ADD_NODES_FAILED",
            EventType::Restarting => "RESTARTING",
            EventType::DriverNotResponding => "DRIVER_NOT_RESPONDING",
            EventType::DriverHealthy => "DRIVER_HEALTHY",
            EventType::Terminating => "TERMINATING",
        }
    }
}

/// `TerminationReason` (§6.6): `code`, `type` (SUCCESS, CLIENT_ERROR, SERVICE_FAULT, CLOUD_FAILURE), parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminationReason {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub parameters: BTreeMap<String, String>,
}

/// `EventDetails` fields the simulation fills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_num_workers: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_num_workers: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<TerminationReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// One event in the shape of `POST /api/2.1/clusters/events` (`timestamp` in epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterEvent {
    pub cluster_id: String,
    pub timestamp: u64,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub details: EventDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// Milliseconds after T+0 (the first cluster's create request).
    pub at_ms: u64,
    pub state: State,
}

/// One step of the launch, with its T+ window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseSpan {
    pub phase: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowId>,
    pub start_ms: u64,
    pub end_ms: u64,
    /// `ok`, `blocked` (the flow never got through) or `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A library's status as the Libraries API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryStatus {
    pub library: String,
    /// `INSTALLED` or `FAILED`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

/// What a user asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSpec {
    pub cluster_name: String,
    /// The workspace (the first one when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    pub num_workers: u32,
    pub node_type_id: String,
    /// Runtime image each node downloads, GB.
    pub image_gb: f64,
    /// Cluster libraries (PyPI wheels) each node downloads, GB; 0 for none.
    pub libraries_gb: f64,
    /// 0 disables autotermination.
    pub autotermination_minutes: u32,
}

/// What `clusters/edit` may change; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterEdit {
    pub cluster_name: Option<String>,
    pub num_workers: Option<u32>,
    pub node_type_id: Option<String>,
    pub autotermination_minutes: Option<u32>,
}

impl ClusterEdit {
    pub fn apply(&self, spec: &mut ClusterSpec) {
        if let Some(n) = &self.cluster_name {
            spec.cluster_name = n.clone();
        }
        if let Some(n) = self.num_workers {
            spec.num_workers = n;
        }
        if let Some(t) = &self.node_type_id {
            spec.node_type_id = t.clone();
        }
        if let Some(m) = self.autotermination_minutes {
            spec.autotermination_minutes = m;
        }
    }
}

/// One simulated cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub cluster_id: String,
    pub workspace: String,
    pub spec: ClusterSpec,
    pub state: State,
    pub state_message: String,
    pub created_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_ms: Option<u64>,
    /// RUNNING with every library settled (installed or failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminated_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_reason: Option<TerminationReason>,
    /// The code's meaning for this cause is the twin's reading, not Databricks' documentation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub termination_inferred: bool,
    /// The element that decided the blocking flow, if a flow ended the launch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    pub current_num_workers: u32,
    /// Nodes holding an address in each subnet.
    pub nodes: u32,
    pub heartbeats: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unhealthy: bool,
    pub states: Vec<StateChange>,
    pub phases: Vec<PhaseSpan>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryStatus>,
    #[serde(skip)]
    pub events: Vec<ClusterEvent>,
}

impl Cluster {
    /// Seconds from create to RUNNING.
    pub fn startup_seconds(&self) -> Option<f64> {
        self.running_ms.map(|r| (r - self.created_ms) as f64 / 1000.0)
    }
}
