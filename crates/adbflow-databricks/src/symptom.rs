//! What a user sees when a flow is blocked: the Databricks termination code for startup flows, the
//! error text for workload flows. Databricks documents the meaning of only some codes
//! (databricks-net-facts §6.6); where the mapping from a blocked path to a code is the twin's own
//! reading, the symptom says `inferred`.

use crate::block::BlockReason;
use crate::catalog::FlowId;
use adbflow_net::ReasonCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Symptom {
    /// The cluster's `termination_reason.code`, when the flow stops the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_code: Option<&'static str>,
    pub message: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

fn s(code: Option<&'static str>, message: impl Into<String>, inferred: bool) -> Symptom {
    Symptom { termination_code: code, message: message.into(), inferred }
}

/// The symptom of `flow` blocked for `reason`. `host` is the destination as the user knows it.
pub fn symptom(flow: FlowId, reason: BlockReason, host: &str, by_design: bool) -> Symptom {
    use FlowId::*;
    use ReasonCode::*;
    let dns = reason == BlockReason::Net(DnsResolutionFailed);
    let denied = reason == BlockReason::Net(DestinationDenied);
    if reason == BlockReason::SubnetNsgMissing {
        return s(
            None,
            "the workspace deployment fails: Azure requires an NSG on both subnets of a VNet-injected workspace",
            false,
        );
    }
    if by_design {
        return s(
            None,
            format!("installs from {host} fail by design: the workspace does not use this repository"),
            false,
        );
    }
    match flow {
        SccRelay => s(
            Some("NPIP_TUNNEL_SETUP_FAILURE"),
            "the cluster stays PENDING, then terminates: nodes cannot open the secure cluster connectivity tunnel",
            true,
        ),
        Webapp => s(
            Some("CONTROL_PLANE_REQUEST_FAILURE"),
            format!(
                "node bootstrap cannot call the control plane (e.g. 'Failed to get runbook … host={host} … \
                 /clusters/vmboot/get_runbook'); the cluster terminates"
            ),
            true,
        ),
        ArtifactPrimary if dns => s(
            Some("NETWORK_CONFIGURATION_FAILURE"),
            "'Could not access worker artifacts. This is usually due to misconfigured DNS settings'",
            false,
        ),
        ArtifactPrimary => s(
            Some("STORAGE_DOWNLOAD_FAILURE"),
            "nodes cannot download the Databricks Runtime image and worker artifacts; the cluster terminates",
            true,
        ),
        ArtifactSecondary => {
            s(None, "no fallback when the primary artifact account is unavailable; no effect otherwise", true)
        }
        DbfsBlob | DbfsDfs => s(
            Some("DBFS_COMPONENT_UNHEALTHY"),
            "the cluster fails to start because DBFS could not be reached (init scripts, library cache, logs)",
            false,
        ),
        Metastore => s(
            Some("METASTORE_COMPONENT_UNHEALTHY"),
            "Hive metastore unreachable: hive_metastore queries fail with 'Unable to instantiate \
             org.apache.hadoop.hive.metastore.HiveMetaStoreClient'; a cluster that needs it at start terminates",
            true,
        ),
        WorkerToWorker => s(
            Some("SPARK_STARTUP_FAILURE"),
            "workers cannot reach the driver: Spark fails to start, or shuffles hang",
            true,
        ),
        LogBlob => s(None, "cluster log and diagnostic uploads to Databricks fail", true),
        EventHub => s(None, "cluster health and log events do not reach Databricks", true),
        ExtendedInfra => s(None, "unknown: Databricks does not document what this range serves", true),
        SystemTables => s(None, "queries on system tables (system.*) fail", true),
        UcStorage | ExternalLocation if denied => s(
            None,
            "HTTP 403 'This request is not authorized to perform this operation.' \
             (AbfsRestOperationException): the storage firewall rejects the request",
            false,
        ),
        UcStorage | ExternalLocation if dns => {
            s(None, format!("reads and writes fail: {host} cannot be resolved (UnknownHostException)"), true)
        }
        UcStorage | ExternalLocation => {
            s(None, format!("reads and writes on {host} fail with a connection timeout"), false)
        }
        Pypi | PypiFiles => s(
            None,
            format!("pip install fails: {host} is unreachable (connection timeout or reset); cluster libraries fail"),
            false,
        ),
        Maven => s(None, format!("Maven library installation fails: {host} is unreachable"), true),
        Cran => s(None, format!("install.packages() fails: {host} is unreachable"), true),
        UserApi | UserUi if dns => s(None, format!("clients fail with 'lookup {host}: no such host'"), false),
        UserApi | UserUi if denied => s(
            None,
            "the workspace refuses the request (HTTP 403, or an error page instead of JSON for API clients)",
            false,
        ),
        UserApi => s(None, "the CLI, SDK and Terraform cannot create or manage clusters (connection timeout)", false),
        UserUi => s(None, "the workspace does not open in the browser (connection timeout)", false),
        BrowserAuth => s(None, format!("sign-in fails: the login redirect to {host} does not resolve or connect"), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // databricks-net-facts §6.6: NPIP_TUNNEL_* ↔ relay unreachable is an inference.
    #[test]
    fn relay_maps_to_npip_tunnel_failure_marked_inferred() {
        let x = symptom(FlowId::SccRelay, BlockReason::Net(ReasonCode::NoOutboundConnectivity), "t", false);
        assert_eq!(x.termination_code, Some("NPIP_TUNNEL_SETUP_FAILURE"));
        assert!(x.inferred);
    }

    // §6.6: NETWORK_CONFIGURATION_FAILURE is documented with the worker-artifacts DNS example.
    #[test]
    fn artifact_dns_failure_is_the_documented_network_configuration_failure() {
        let x =
            symptom(FlowId::ArtifactPrimary, BlockReason::Net(ReasonCode::DnsResolutionFailed), "a", false);
        assert_eq!(x.termination_code, Some("NETWORK_CONFIGURATION_FAILURE"));
        assert!(!x.inferred);
        let y = symptom(FlowId::ArtifactPrimary, BlockReason::Net(ReasonCode::FirewallDenied), "a", false);
        assert_eq!(y.termination_code, Some("STORAGE_DOWNLOAD_FAILURE"));
        assert!(y.inferred);
    }

    // §8: a storage firewall surfaces as 403, not a timeout.
    #[test]
    fn storage_firewall_is_a_403_other_blocks_time_out() {
        let d =
            symptom(FlowId::ExternalLocation, BlockReason::Net(ReasonCode::DestinationDenied), "x", false);
        assert!(d.message.contains("403"));
        let t = symptom(FlowId::ExternalLocation, BlockReason::Net(ReasonCode::RouteNone), "x", false);
        assert!(t.message.contains("timeout") && !t.message.contains("403"));
    }

    #[test]
    fn by_design_and_missing_nsg_have_no_termination_code() {
        let b = symptom(FlowId::Pypi, BlockReason::Net(ReasonCode::NoOutboundConnectivity), "pypi.org", true);
        assert!(b.termination_code.is_none() && b.message.contains("by design"));
        let n = symptom(FlowId::SccRelay, BlockReason::SubnetNsgMissing, "t", false);
        assert!(n.termination_code.is_none() && n.message.contains("NSG"));
        let p = symptom(FlowId::Pypi, BlockReason::Net(ReasonCode::FirewallDenied), "pypi.org", false);
        assert!(p.message.starts_with("pip install fails"));
    }
}
