//! Data flow security: per flow, how it travels (inside the VNet, Private Link, a service endpoint,
//! an Azure public endpoint, the public internet) — computed from the walked paths — and how it is
//! encrypted, authenticated and authorised, which is what the platform does on every path. The
//! latter comes from the seed's "Data Flow Security" table where it has a row, and is marked
//! `inferred` where adbflow fills a gap.

use crate::catalog::FlowId;
use crate::check::{CheckFlow, CheckReport, FlowVerdict};
use crate::plan::SourceRole;
use crate::prepare::Prepared;
use adbflow_model::Lookup;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a flow's bytes travel, from most to least private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// Inside the VNet or a peered VNet.
    InsideVnet,
    /// Through a private endpoint.
    PrivateLink,
    /// Through a service endpoint, on the Azure backbone, to the service's public address.
    ServiceEndpoint,
    /// To an Azure service's public address, SNATed by a NAT gateway or firewall; stays on the
    /// Microsoft backbone but the service sees a public source.
    AzurePublicEndpoint,
    /// Across the public internet.
    Internet,
    /// The flow does not get through.
    NotDelivered,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::InsideVnet => "inside-vnet",
            Transport::PrivateLink => "private-link",
            Transport::ServiceEndpoint => "service-endpoint",
            Transport::AzurePublicEndpoint => "azure-public-endpoint",
            Transport::Internet => "internet",
            Transport::NotDelivered => "not-delivered",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowProtection {
    pub workspace: String,
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub title: &'static str,
    /// `cluster nodes` or `users (internet)` / `users (VNET/SUBNET)`.
    pub from: String,
    pub destination: String,
    /// Every way the flow travels from its sources, computed from the walked paths.
    pub transport: Vec<Transport>,
    /// Who the destination sees, per distinct answer.
    pub source_seen_as: Vec<String>,
    pub encryption: &'static str,
    pub authentication: &'static str,
    pub authorization: &'static str,
    /// True when encryption/authentication are adbflow's reading rather than the seed's table.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// (encryption, authentication, authorisation, inferred)
type Claims = (&'static str, &'static str, &'static str, bool);

fn claims(id: FlowId) -> Claims {
    use FlowId::*;
    match id {
        UserApi | UserUi => {
            ("TLS 1.2+", "Microsoft Entra ID or personal access token", "workspace permissions", false)
        }
        BrowserAuth => ("TLS 1.2+", "Microsoft Entra ID sign-in redirect", "n/a", true),
        SccRelay => ("TLS 1.2+, mutual TLS", "certificate-based", "n/a", false),
        Webapp | ExtendedInfra => ("TLS 1.2+", "Databricks-managed cluster credentials", "n/a", true),
        EventHub => ("TLS (Kafka protocol over TLS)", "Databricks-managed credentials", "n/a", true),
        LogBlob | ArtifactPrimary | ArtifactSecondary | SystemTables => {
            ("TLS 1.2+", "Databricks-managed credentials", "Databricks-managed", true)
        }
        Metastore => (
            "MySQL protocol; encryption is Databricks-managed",
            "Databricks-managed credentials",
            "n/a",
            true,
        ),
        DbfsBlob | DbfsDfs | UcStorage | ExternalLocation => (
            "TLS 1.2+",
            "managed identity (access connector), OAuth 2.0 token",
            "Azure RBAC (Storage Blob Data Contributor)",
            false,
        ),
        Pypi | PypiFiles | Maven | Cran => {
            ("TLS 1.2+", "none for public repositories; a mirror's own", "n/a", false)
        }
        WorkerToWorker => {
            ("none unless Spark encryption in transit is enabled", "none (trusted VNet)", "n/a", false)
        }
    }
}

/// Does `host` belong to Azure (a storage account of the estate, or an endpoint with a region or tags)?
/// Asked per flow, so by name through `lookup`, not by scanning the endpoints.
fn is_azure(lookup: &Lookup<'_>, host: &str) -> bool {
    if let Some(e) = lookup.endpoint(host) {
        return e.region.is_some() || !e.service_tags.is_empty();
    }
    let h = host.to_ascii_lowercase();
    h.ends_with(".core.windows.net") || h.ends_with(".azuredatabricks.net")
}

fn transport(lookup: &Lookup<'_>, f: &CheckFlow) -> Transport {
    if f.verdict != FlowVerdict::Delivered {
        return Transport::NotDelivered;
    }
    match f.egress.as_str() {
        "vnet" | "peering" => Transport::InsideVnet,
        "private-endpoint" => Transport::PrivateLink,
        "service-endpoint" => Transport::ServiceEndpoint,
        "internet" => Transport::Internet,
        _ if is_azure(lookup, &f.destination.fqdn) => Transport::AzurePublicEndpoint,
        _ => Transport::Internet,
    }
}

pub(crate) fn data_flows(prepared: &Prepared, check: &CheckReport) -> Vec<FlowProtection> {
    let lookup = Lookup::new(&prepared.estate);
    let mut by_name: BTreeMap<&str, Vec<&CheckFlow>> = BTreeMap::new();
    for f in &check.flows {
        by_name.entry(f.workspace.as_str()).or_default().push(f);
    }
    by_name.into_values().flat_map(|flows| workspace_data_flows(&lookup, &flows)).collect()
}

/// One workspace's data flows, from its flows in report order: a row per flow and instance.
/// Workspaces' rows follow each other in the order of their names.
pub(crate) fn workspace_data_flows(lookup: &Lookup<'_>, flows: &[&CheckFlow]) -> Vec<FlowProtection> {
    let mut groups: BTreeMap<(FlowId, Option<String>), Vec<&CheckFlow>> = BTreeMap::new();
    for &f in flows {
        groups.entry((f.id, f.instance.clone())).or_default().push(f);
    }
    groups
        .into_values()
        .map(|fs| {
            let f = fs[0];
            let mut transport: Vec<Transport> = fs.iter().map(|x| transport(lookup, x)).collect();
            transport.sort();
            transport.dedup();
            let mut seen: Vec<String> = fs
                .iter()
                .filter(|x| !x.source_seen_as.is_empty())
                .map(|x| x.source_seen_as.clone())
                .collect();
            seen.sort();
            seen.dedup();
            let (encryption, authentication, authorization, inferred) = claims(f.id);
            FlowProtection {
                workspace: f.workspace.as_str().to_owned(),
                id: f.id,
                instance: f.instance.clone(),
                title: f.title,
                from: match f.source_role {
                    SourceRole::User => format!("users ({})", f.subnet),
                    _ => "cluster nodes".into(),
                },
                destination: f.destination.fqdn.as_str().to_owned(),
                transport,
                source_seen_as: seen,
                encryption,
                authentication,
                authorization,
                inferred,
            }
        })
        .collect()
}
