//! Storage accounts and their network rules (the storage firewall).

use crate::origin::Origin;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PublicNetworkAccess {
    #[default]
    Enabled,
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DefaultAction {
    #[default]
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageAccount {
    pub name: String,
    /// Defaults to the estate's region.
    #[serde(default)]
    pub region: Option<String>,
    /// Hierarchical namespace (ADLS Gen2): the account also serves the `dfs` endpoint.
    #[serde(default)]
    pub hns: bool,
    #[serde(default)]
    pub public_network_access: PublicNetworkAccess,
    #[serde(default)]
    pub default_action: DefaultAction,
    /// `VNET/SUBNET` references; each requires the subnet's Microsoft.Storage service endpoint.
    #[serde(default)]
    pub virtual_network_rules: Vec<String>,
    /// Public IPv4 addresses or prefixes allowed through the firewall.
    #[serde(default)]
    pub ip_rules: Vec<String>,
    /// `AzureServices`, `Logging`, `Metrics`.
    #[serde(default)]
    pub bypass: Vec<String>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl StorageAccount {
    /// A workspace's DBFS root as Databricks creates it in the managed resource group when no
    /// input describes it: hierarchical namespace, public network access, no firewall rules.
    /// Shared by the Terraform importer and the check, so both assume the same account.
    pub fn assumed_dbfs_root(name: String, region: Option<String>, origin: Option<Origin>) -> Self {
        StorageAccount {
            name,
            region,
            hns: true,
            public_network_access: PublicNetworkAccess::Enabled,
            default_action: DefaultAction::Allow,
            virtual_network_rules: Vec::new(),
            ip_rules: Vec::new(),
            bypass: Vec::new(),
            origin,
        }
    }

    /// The sub-resources (`blob`, `dfs`, …) whose public DNS names this account has.
    pub fn subresources(&self) -> &'static [&'static str] {
        if self.hns {
            &["blob", "dfs", "file", "queue", "table", "web"]
        } else {
            &["blob", "file", "queue", "table", "web"]
        }
    }
    pub fn fqdn(&self, subresource: &str) -> String {
        // Built directly: planning asks for one or two a workspace, and `format!` cost five
        // times as much.
        [self.name.as_str(), ".", subresource, ".core.windows.net"].concat()
    }
}
