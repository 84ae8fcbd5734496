//! Azure Databricks workspaces as the network sees them: where the cluster NICs sit (VNet
//! injection), how the control plane is reached (SCC, Private Link, public access), which storage
//! and library repositories clusters use, and where users come from.

use crate::origin::{ElementRef, Origin};
use crate::spec::Prefix;
use crate::storage::PublicNetworkAccess;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WorkspaceSku {
    Standard,
    #[default]
    Premium,
    Trial,
}

/// ARM `requiredNsgRules`: which outbound rules Databricks adds to the workspace subnets' NSG.
/// `NoAzureDatabricksRules` is the back-end Private Link setting: the cluster reaches the control
/// plane through a private endpoint, so the `AzureDatabricks` rule is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RequiredNsgRules {
    #[default]
    AllRules,
    NoAzureDatabricksRules,
}

/// A library repository a workspace installs from: the public one, a private mirror, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LibrarySource {
    /// The public repository (pypi.org, Maven Central, CRAN).
    Public,
    /// The workspace does not install from this repository; a blocked path to the public one is
    /// by design, not a failure.
    None,
    /// A private mirror (Artifactory, Nexus, …) at this URL.
    Mirror(String),
}

impl LibrarySource {
    /// The mirror's host and port (default 443 for https, 80 for http).
    pub fn mirror_host_port(&self) -> Option<(String, u16)> {
        let LibrarySource::Mirror(url) = self else { return None };
        parse_url(url).ok()
    }
}

fn parse_url(url: &str) -> Result<(String, u16), String> {
    let (default_port, rest) = if let Some(r) = url.strip_prefix("https://") {
        (443, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (80, r)
    } else {
        return Err(format!(
            "'{url}' is not a library source: write \"public\", \"none\" or an http(s):// mirror URL"
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => {
            let port = p.parse::<u16>().map_err(|_| format!("'{url}' has an invalid port '{p}'"))?;
            (h, port)
        }
        None => (authority, default_port),
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if host.is_empty() || !host.chars().all(valid) {
        return Err(format!("'{url}' has no valid host name"));
    }
    Ok((host.to_ascii_lowercase(), port))
}

impl TryFrom<String> for LibrarySource {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.trim() {
            "public" => Ok(LibrarySource::Public),
            "none" => Ok(LibrarySource::None),
            url => parse_url(url).map(|_| LibrarySource::Mirror(url.to_string())),
        }
    }
}

impl From<LibrarySource> for String {
    fn from(s: LibrarySource) -> Self {
        s.to_string()
    }
}

impl fmt::Display for LibrarySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibrarySource::Public => f.write_str("public"),
            LibrarySource::None => f.write_str("none"),
            LibrarySource::Mirror(u) => f.write_str(u),
        }
    }
}

/// Where cluster libraries come from. CRAN defaults to `none` because R packages are the exception;
/// PyPI and Maven default to the public repositories, which is what a fresh workspace uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Libraries {
    #[serde(default = "public")]
    pub pypi: LibrarySource,
    #[serde(default = "public")]
    pub maven: LibrarySource,
    #[serde(default = "none")]
    pub cran: LibrarySource,
}

fn public() -> LibrarySource {
    LibrarySource::Public
}
fn none() -> LibrarySource {
    LibrarySource::None
}

impl Default for Libraries {
    fn default() -> Self {
        Libraries { pypi: public(), maven: public(), cran: none() }
    }
}

/// A Unity Catalog external location backed by a storage account of the estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLocation {
    pub name: String,
    pub storage_account: String,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpAccessListType {
    Allow,
    Block,
}

/// A workspace IP access list. Lists apply to requests over the public internet only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpAccessList {
    pub name: String,
    pub list_type: IpAccessListType,
    pub ip_addresses: Vec<Prefix>,
    #[serde(default = "crate::network::default_true")]
    pub enabled: bool,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// A VNet-injected Azure Databricks workspace. Private endpoints to it are ordinary
/// `private_endpoints` entries whose `target` is the workspace name and whose sub-resource is
/// `databricks_ui_api` (front-end or back-end, depending on the VNet) or `browser_authentication`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub name: String,
    /// Defaults to the estate's region.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub sku: WorkspaceSku,
    /// The injected VNet; it must be in the workspace's region.
    pub vnet: String,
    /// The subnet Azure calls "public" (`customPublicSubnetName`): every cluster VM's host NIC.
    pub host_subnet: String,
    /// The subnet Azure calls "private" (`customPrivateSubnetName`): every VM's container NIC.
    pub container_subnet: String,
    /// Secure cluster connectivity (`enableNoPublicIp`); the default for new workspaces.
    #[serde(default = "crate::network::default_true")]
    pub no_public_ip: bool,
    #[serde(default)]
    pub public_network_access: PublicNetworkAccess,
    #[serde(default)]
    pub required_nsg_rules: RequiredNsgRules,
    /// `adb-<workspace-id>.<n>.azuredatabricks.net`; known after deployment.
    #[serde(default)]
    pub workspace_url: Option<String>,
    /// The DBFS root account in the managed resource group; assumed when absent.
    #[serde(default)]
    pub dbfs_storage_account: Option<String>,
    /// The Unity Catalog metastore's root storage account.
    #[serde(default)]
    pub metastore_storage_account: Option<String>,
    #[serde(default)]
    pub external_locations: Vec<ExternalLocation>,
    /// Clusters use the workspace's legacy Hive metastore (MySQL on port 3306).
    #[serde(default = "crate::network::default_true")]
    pub hive_metastore: bool,
    #[serde(default)]
    pub libraries: Libraries,
    #[serde(default)]
    pub ip_access_lists: Vec<IpAccessList>,
    /// `VNET/SUBNET` users and automation reach the workspace from (e.g. a transit VNet with the
    /// front-end private endpoint); absent means the public internet.
    #[serde(default)]
    pub user_subnet: Option<String>,
    /// The public address users come from, to evaluate IP access lists.
    #[serde(default)]
    pub user_public_ip: Option<Ipv4Addr>,
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// The DBFS root account adbflow assumes for a workspace named `name` when the input does not name
/// one: `dbstorage` and the first 15 lowercase alphanumerics of the name (the account lives in the
/// managed resource group, so inputs often leave it out). Shared by the Terraform importer and the
/// check, so both assume the same account.
pub fn default_dbfs_account(name: &str) -> String {
    let label: String =
        name.to_ascii_lowercase().chars().filter(char::is_ascii_alphanumeric).take(15).collect();
    format!("dbstorage{}", if label.is_empty() { "workspace" } else { label.as_str() })
}

/// The first label of the URL adbflow calls a workspace by while its real URL is unknown:
/// `adb-<name>.0`, the name lower-cased with every character but letters and digits made `-`.
/// Shared by the check (which adds the cloud's suffix) and the Terraform importer (which names the
/// front-end private endpoint's DNS record after it), so both agree.
pub fn stand_in_url_label(name: &str) -> String {
    let label: String =
        name.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("adb-{label}.0")
}

impl Workspace {
    /// Stable identity of a workspace, in the style of `adbflow_model::ids`.
    pub fn id(name: &str) -> String {
        format!("workspace:{name}")
    }

    pub fn element(&self) -> ElementRef {
        ElementRef::new(Self::id(&self.name), &self.name, self.origin.clone())
    }

    pub fn host_path(&self) -> String {
        [self.vnet.as_str(), "/", &self.host_subnet].concat()
    }

    pub fn container_path(&self) -> String {
        [self.vnet.as_str(), "/", &self.container_subnet].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_sources_parse_public_none_and_mirrors() {
        assert_eq!(LibrarySource::try_from("public".to_string()).unwrap(), LibrarySource::Public);
        assert_eq!(LibrarySource::try_from("none".to_string()).unwrap(), LibrarySource::None);
        let m =
            LibrarySource::try_from("https://nexus.corp.example/repository/pypi/simple".to_string()).unwrap();
        assert_eq!(m.mirror_host_port(), Some(("nexus.corp.example".into(), 443)));
        let m = LibrarySource::try_from("http://user@10.2.0.4:8081/maven2".to_string()).unwrap();
        assert_eq!(m.mirror_host_port(), Some(("10.2.0.4".into(), 8081)));
        assert!(LibrarySource::try_from("ftp://x".to_string()).unwrap_err().contains("public"));
        assert!(LibrarySource::try_from("https://".to_string()).unwrap_err().contains("host"));
        assert!(LibrarySource::try_from("https://a:99999/".to_string()).unwrap_err().contains("port"));
    }

    #[test]
    fn workspace_defaults_are_a_fresh_scc_workspace() {
        let w: Workspace = serde_json::from_str(
            r#"{"name": "ws", "vnet": "v", "host_subnet": "h", "container_subnet": "c"}"#,
        )
        .unwrap();
        assert!(w.no_public_ip && w.hive_metastore);
        assert_eq!(w.required_nsg_rules, RequiredNsgRules::AllRules);
        assert_eq!(w.public_network_access, PublicNetworkAccess::Enabled);
        assert_eq!(w.libraries.pypi, LibrarySource::Public);
        assert_eq!(w.libraries.cran, LibrarySource::None);
        assert_eq!(w.host_path(), "v/h");
        assert_eq!(w.element().id, "workspace:ws");
    }

    #[test]
    fn unknown_workspace_fields_are_rejected() {
        let e = serde_json::from_str::<Workspace>(
            r#"{"name": "ws", "vnet": "v", "host_subnet": "h", "container_subnet": "c", "nat": true}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown field `nat`"), "{e}");
    }
}
