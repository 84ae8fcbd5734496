//! How a deployment is used, for cost and capacity estimates: how often clusters start, how large
//! they are, how long they run and how many bytes they move. Every field is optional: what is not
//! given comes from the named base profile (`profile`, default the seed document's own figures).
//! The same shape is the native file's `[workload]` section and a `--profile FILE`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// The named profile the other fields adjust (`seed`, `notebook`, `etl`, `ml-training`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Cluster starts per day, across the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters_per_day: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_per_month: Option<f64>,
    /// Nodes per cluster, the driver included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_per_cluster: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_cluster: Option<f64>,
    /// Clusters running at the same time (for capacity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_clusters: Option<u32>,
    /// Azure VM size of the nodes, e.g. `Standard_DS3_v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_type: Option<String>,
    /// Databricks Runtime image downloaded by each node at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbr_image_gb: Option<f64>,
    /// PyPI packages downloaded by each node at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libraries_gb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maven_gb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cran_gb: Option<f64>,
    /// Tunnel traffic between a running cluster and the control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane_gb_per_cluster_hour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_read_gb_per_node_hour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_written_gb_per_node_hour: Option<f64>,
    /// Bytes each node sends to other nodes (shuffle, broadcast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_gb_per_node_hour: Option<f64>,
    /// Logs and metrics each node sends to Databricks' Event Hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_gb_per_node_hour: Option<f64>,
    /// Concurrent outbound connections one node holds through the egress device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_per_node: Option<u32>,
    /// Of those, connections to the single busiest destination (one IP and port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_per_destination: Option<u32>,
    /// Fixed monthly volume per flow ID, replacing the figure derived from the activity above.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub monthly: BTreeMap<String, MonthlyVolume>,
}

/// Gigabytes a flow moves per month: `up` from the node (or user), `down` towards it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyVolume {
    #[serde(default)]
    pub up_gb: f64,
    #[serde(default)]
    pub down_gb: f64,
}
