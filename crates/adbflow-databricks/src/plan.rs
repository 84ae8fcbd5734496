//! The flows one workspace needs: the catalog instantiated with the workspace's region data,
//! settings and storage — each from every source it is opened from (both NICs of every node for
//! cluster flows; the users' subnet or the internet for user flows).

use crate::block::{BlockReason, FlowBlock};
use crate::catalog::{ports_text, FlowId, Requirement, Side};
use crate::endpoints::{self, workspace_url};
use crate::findings::{Finding, FindingSeverity};
use crate::regions::{Cloud, DataEndpoint, Region};
use adbflow_model::{ids, ElementRef, LibrarySource, Lookup, Protocol, SharedStr, Workspace};
use serde::Serialize;
use std::borrow::Cow;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// Which NIC (or which side) a flow leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceRole {
    User,
    Host,
    Container,
}

impl SourceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceRole::User => "user",
            SourceRole::Host => "host",
            SourceRole::Container => "container",
        }
    }
}

/// What [`FlowSource::label`] says of a user on the internet.
const INTERNET_LABEL: &str = "internet";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowSource {
    /// `VNET/SUBNET`, walked through the twin; shared by the subnet's flows.
    Subnet(SharedStr),
    /// A user on the public internet, outside every modelled network.
    Internet,
}

impl FlowSource {
    pub fn label(&self) -> &str {
        match self {
            FlowSource::Subnet(p) => p,
            FlowSource::Internet => INTERNET_LABEL,
        }
    }

    /// [`FlowSource::label`], shared.
    pub fn shared_label(&self) -> SharedStr {
        match self {
            FlowSource::Subnet(p) => p.clone(),
            FlowSource::Internet => INTERNET_LABEL.into(),
        }
    }
}

/// One flow of one workspace from one source, ready to walk.
///
/// What a workspace's flows to one destination have in common (the destination, its ports,
/// notes, account) is shared between them, not copied: a workspace's ~37 planned flows were
/// most of the fresh memory preparing took, each 248 bytes with four allocations of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFlow {
    /// The workspace's name, shared by its flows.
    pub workspace: SharedStr,
    pub id: FlowId,
    /// Distinguishes several flows with one ID (the external location's name).
    pub instance: Option<SharedStr>,
    pub requirement: Requirement,
    /// Optional because the workspace says it does not use this destination (a library source `none`).
    pub by_design: bool,
    pub role: SourceRole,
    pub source: FlowSource,
    /// An FQDN or a dotted IPv4 address.
    pub host: SharedStr,
    /// Sorted and distinct.
    pub ports: Arc<[u16]>,
    /// `ports` as ranges, e.g. `443,8443-8451`.
    pub ports_text: SharedStr,
    pub protocol: Protocol,
    /// The storage account behind a storage flow, for acceptance and fixes.
    pub storage_account: Option<SharedStr>,
    /// Choices made for this flow, with inferred ones saying so; shared by its checked flows.
    pub notes: Arc<[String]>,
    /// Blocked before any packet moves (e.g. the workspace could not be deployed in this
    /// subnet); shared by the subnet's flows.
    pub pre_blocked: Option<Arc<FlowBlock>>,
}

/// `ports` (sorted and distinct, as a flow's are) as ranges, e.g. `443,8443-8451`.
fn text_of_ports(ports: &[u16]) -> String {
    // Most flows have one port: its digits, without collapsing a list into ranges first.
    if let [port] = ports[..] {
        return ports_text(&[(port, port)]);
    }
    ports_text(&ranges_of(ports))
}

/// Collapse ports into ranges: [443, 8443..=8451] → [(443,443), (8443,8451)].
pub fn ranges_of(ports: &[u16]) -> Vec<(u16, u16)> {
    // A flow's ports come sorted and distinct from the catalog; only other lists need a copy.
    let ports: Cow<'_, [u16]> = if ports.windows(2).all(|w| w[0] < w[1]) {
        Cow::Borrowed(ports)
    } else {
        let mut v = ports.to_vec();
        v.sort_unstable();
        v.dedup();
        Cow::Owned(v)
    };
    let mut out: Vec<(u16, u16)> = Vec::new();
    for &p in ports.iter() {
        match out.last_mut() {
            Some((_, to)) if to.checked_add(1) == Some(p) => *to = p,
            _ => out.push((p, p)),
        }
    }
    out
}

struct Target {
    host: SharedStr,
    ports: Vec<u16>,
    requirement: Requirement,
    by_design: bool,
    instance: Option<String>,
    storage_account: Option<String>,
    notes: Vec<String>,
}

/// A [`Target`] as its flows share it.
struct Shared {
    host: SharedStr,
    ports: Arc<[u16]>,
    ports_text: SharedStr,
    requirement: Requirement,
    by_design: bool,
    instance: Option<SharedStr>,
    storage_account: Option<SharedStr>,
    notes: Arc<[String]>,
}

impl From<Target> for Shared {
    fn from(t: Target) -> Self {
        Shared {
            ports_text: text_of_ports(&t.ports).into(),
            ports: t.ports.into(),
            host: t.host,
            requirement: t.requirement,
            by_design: t.by_design,
            instance: t.instance.map(SharedStr::from),
            storage_account: t.storage_account.map(SharedStr::from),
            notes: t.notes.into(),
        }
    }
}

impl Target {
    fn new(id: FlowId, host: impl Into<SharedStr>) -> Self {
        let def = id.def();
        Target {
            host: host.into(),
            ports: def.port_list(),
            requirement: def.requirement,
            by_design: false,
            instance: None,
            storage_account: None,
            notes: Vec::new(),
        }
    }
    fn note(mut self, n: impl Into<String>) -> Self {
        self.notes.push(n.into());
        self
    }
}

fn shard_note(chosen: &DataEndpoint, list: &[DataEndpoint], what: &str) -> Option<String> {
    (list.len() > 1).then(|| {
        adbflow_net::text!(
            chosen.fqdn,
            " is one of ",
            list.len(),
            " ",
            what,
            " listed for the region; which one serves a given workspace is not published (choice inferred)"
        )
    })
}

fn pick(region: &Region, id: FlowId, list: &[DataEndpoint], what: &str) -> Option<Target> {
    let e = region.pick(list)?;
    let mut t = Target::new(id, &e.fqdn);
    t.notes.extend(shard_note(e, list, what));
    if e.inferred {
        t.notes.push(adbflow_net::text!(
            e.fqdn,
            " is inferred: ",
            e.note.as_deref().unwrap_or("not published")
        ));
    }
    Some(t)
}

fn library(id: FlowId, source: &LibrarySource, public_host: &str, key: &str) -> Option<Target> {
    match source {
        LibrarySource::Public => Some(Target::new(id, public_host)),
        LibrarySource::None => {
            let mut t = Target::new(id, public_host).note(format!(
                "libraries.{key} = \"none\": the workspace does not install from the public repository"
            ));
            t.requirement = Requirement::Optional;
            t.by_design = true;
            Some(t)
        }
        LibrarySource::Mirror(url) => {
            if id == FlowId::PypiFiles {
                return None;
            }
            let (host, port) = source.mirror_host_port()?;
            let mut t = Target::new(id, host).note(format!("private mirror {url}"));
            t.ports = vec![port];
            Some(t)
        }
    }
}

/// The address of another node in the same subnet (the first VM address is .4; .5 stands for a peer).
fn peer_address(prefix: ipnet::Ipv4Net) -> Ipv4Addr {
    let base = u32::from(prefix.network());
    let host_bits = 32 - u32::from(prefix.prefix_len());
    let offset = if host_bits >= 3 { 5 } else { 0 };
    Ipv4Addr::from(base + offset)
}

fn storage_target(lookup: &Lookup<'_>, id: FlowId, account: &str, want_dfs: bool) -> Option<Target> {
    let sa = lookup.storage_account(account)?;
    let sub = if want_dfs && sa.hns { "dfs" } else { "blob" };
    let mut t = Target::new(id, sa.fqdn(sub));
    t.storage_account = Some(account.to_string());
    if want_dfs && !sa.hns {
        t.notes.push(format!("{account} has no hierarchical namespace: its blob endpoint is used"));
    }
    Some(t)
}

/// Every flow of `ws`, from every source. `lookup` indexes the prepared estate (DBFS account
/// present).
pub fn plan_workspace(
    lookup: &Lookup<'_>,
    ws: &Workspace,
    region: &Region,
    cloud: &Cloud,
    findings: &mut Vec<Finding>,
) -> Vec<PlannedFlow> {
    let missing = |what: &str| {
        Finding::new(
            FindingSeverity::Info,
            "region-data-missing",
            format!("the region data has no {what} for {}; that flow is not evaluated", region.name),
        )
        .workspace(&ws.name)
    };
    let has_pe = lookup.private_endpoints_to(&ws.name).next().is_some();
    let name = SharedStr::from(ws.name.as_str());
    let mut targets: Vec<(FlowId, Target)> = Vec::new();
    let (url, url_inferred) = workspace_url(ws, cloud);
    for id in [FlowId::UserApi, FlowId::UserUi] {
        let mut t = Target::new(id, &url);
        if url_inferred {
            t.notes.push(format!("workspace_url not given: {url} stands for it (inferred)"));
        }
        targets.push((id, t));
    }
    if has_pe {
        if let Some(b) = &region.browser_auth {
            targets.push((
                FlowId::BrowserAuth,
                Target::new(FlowId::BrowserAuth, &b.fqdn)
                    .note("the browser-authentication host name is inferred (the shard suffix varies)"),
            ));
        }
    }
    if ws.no_public_ip {
        match pick(region, FlowId::SccRelay, &region.scc_relays, "SCC relays") {
            Some(t) => targets.push((FlowId::SccRelay, t)),
            None => findings.push(missing("SCC relay").flow(FlowId::SccRelay)),
        }
    } else {
        findings.push(
            Finding::new(
                FindingSeverity::Warning,
                "no-secure-cluster-connectivity",
                "the workspace does not use secure cluster connectivity: the control plane connects inbound to \
                 every node on TCP 22 and 5557 from its NAT addresses; those inbound flows are not evaluated",
            )
            .workspace(&ws.name)
            .element(ws.element()),
        );
    }
    match &region.webapp {
        Some(w) => targets.push((
            FlowId::Webapp,
            Target::new(FlowId::Webapp, &w.fqdn).note(format!(
                "{} is the regional web-application host (inferred from observed bootstrap calls)",
                w.fqdn
            )),
        )),
        None => findings.push(missing("web application").flow(FlowId::Webapp)),
    }
    match region.extended_infra_ip() {
        Some(ip) => targets.push((
            FlowId::ExtendedInfra,
            Target::new(FlowId::ExtendedInfra, ip.to_string())
                .note(format!("first address of {}", region.extended_infra_ips[0])),
        )),
        None => findings.push(missing("extended infrastructure range").flow(FlowId::ExtendedInfra)),
    }
    let managed: [(FlowId, &[DataEndpoint], &str); 5] = [
        (FlowId::EventHub, &region.event_hubs, "Event Hub namespaces"),
        (FlowId::LogBlob, &region.log_blob, "log storage accounts"),
        (FlowId::ArtifactPrimary, &region.artifact_primary, "primary artifact accounts"),
        (FlowId::ArtifactSecondary, &region.artifact_secondary, "secondary artifact accounts"),
        (FlowId::Metastore, &region.metastores, "metastores"),
    ];
    for (id, list, what) in managed {
        match pick(region, id, list, what) {
            Some(mut t) => {
                if id == FlowId::Metastore && !ws.hive_metastore {
                    t.requirement = Requirement::Optional;
                    t.notes
                        .push("hive_metastore = false: clusters do not use the legacy Hive metastore".into());
                }
                targets.push((id, t));
            }
            None => findings.push(missing(what).flow(id)),
        }
    }
    let libs = &ws.libraries;
    for (id, src, host, key) in [
        (FlowId::Pypi, &libs.pypi, endpoints::PYPI, "pypi"),
        (FlowId::PypiFiles, &libs.pypi, endpoints::PYPI_FILES, "pypi"),
        (FlowId::Maven, &libs.maven, endpoints::MAVEN, "maven"),
        (FlowId::Cran, &libs.cran, endpoints::CRAN, "cran"),
    ] {
        targets.extend(library(id, src, host, key).map(|t| (id, t)));
    }
    if let Some(dbfs) = &ws.dbfs_storage_account {
        targets.extend(storage_target(lookup, FlowId::DbfsBlob, dbfs, false).map(|t| (FlowId::DbfsBlob, t)));
        if lookup.storage_account(dbfs).is_some_and(|s| s.hns) {
            targets.extend(storage_target(lookup, FlowId::DbfsDfs, dbfs, true).map(|t| (FlowId::DbfsDfs, t)));
        }
    }
    if let Some(uc) = &ws.metastore_storage_account {
        targets.extend(storage_target(lookup, FlowId::UcStorage, uc, true).map(|t| (FlowId::UcStorage, t)));
    }
    for loc in &ws.external_locations {
        if let Some(mut t) = storage_target(lookup, FlowId::ExternalLocation, &loc.storage_account, true) {
            t.instance = Some(loc.name.clone());
            targets.push((FlowId::ExternalLocation, t));
        }
    }
    match pick(region, FlowId::SystemTables, &region.system_tables, "system tables accounts") {
        Some(t) => targets.push((FlowId::SystemTables, t)),
        None => findings.push(missing("system tables storage account").flow(FlowId::SystemTables)),
    }

    let cluster_sources = [(SourceRole::Host, ws.host_path()), (SourceRole::Container, ws.container_path())];
    // Sized once (every target from each cluster subnet plus the peer, or from the user side):
    // growing the list a flow at a time copied ~40 flows into fresh memory four times over.
    let mut out = Vec::with_capacity((cluster_sources.len() + 1) * (targets.len() + 1));
    let (cluster_targets, user_targets): (Vec<_>, Vec<_>) = targets
        .into_iter()
        .map(|(id, t)| (id, Shared::from(t)))
        .partition(|(id, _)| id.def().side == Side::Cluster);
    for (role, path) in &cluster_sources {
        let Some(s) = lookup.subnet(path) else { continue };
        let pre_blocked = s.subnet.nsg.is_none().then(|| FlowBlock {
            reason_code: BlockReason::SubnetNsgMissing,
            element: ElementRef::new(
                ids::subnet(&s.vnet.name, &s.subnet.name),
                path,
                s.subnet.origin.clone(),
            ),
            message: format!(
                "subnet {path} has no NSG: Azure requires one on both subnets of a VNet-injected workspace \
                 (Databricks adds its rules to it), so no cluster node is deployed here"
            ),
            inferred: false,
        });
        if let Some(b) = &pre_blocked {
            findings.push(
                Finding::new(FindingSeverity::Error, "subnet-nsg-missing", b.message.clone())
                    .workspace(&ws.name)
                    .element(b.element.clone()),
            );
        }
        let peer = Target::new(FlowId::WorkerToWorker, peer_address(s.subnet.prefix.0).to_string()).note(
            "another node's NIC in the same subnet; Spark uses dynamic ports, evaluated on one representative \
             TCP port (inferred)",
        );
        let path = SharedStr::from(path.as_str());
        let pre_blocked = pre_blocked.map(Arc::new);
        let source = || (*role, FlowSource::Subnet(path.clone()), pre_blocked.clone());
        for (id, t) in &cluster_targets {
            out.push(flow(&name, *id, t, source()));
        }
        out.push(flow(&name, FlowId::WorkerToWorker, &Shared::from(peer), source()));
    }
    let user_source = match &ws.user_subnet {
        Some(p) => FlowSource::Subnet(p.as_str().into()),
        None => FlowSource::Internet,
    };
    for (id, t) in &user_targets {
        out.push(flow(&name, *id, t, (SourceRole::User, user_source.clone(), None)));
    }
    out.sort_by(|a, b| (a.id, &a.instance, a.role).cmp(&(b.id, &b.instance, b.role)));
    out
}

fn flow(
    workspace: &SharedStr,
    id: FlowId,
    t: &Shared,
    from: (SourceRole, FlowSource, Option<Arc<FlowBlock>>),
) -> PlannedFlow {
    let (role, source, pre_blocked) = from;
    PlannedFlow {
        workspace: workspace.clone(),
        id,
        instance: t.instance.clone(),
        requirement: t.requirement,
        by_design: t.by_design,
        role,
        source,
        host: t.host.clone(),
        ports: Arc::clone(&t.ports),
        ports_text: t.ports_text.clone(),
        protocol: id.def().protocol,
        storage_account: t.storage_account.clone(),
        notes: Arc::clone(&t.notes),
        pre_blocked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_collapse() {
        assert_eq!(
            ranges_of(&[8451, 443, 8443, 8444, 8445, 8446, 8447, 8448, 8449, 8450]),
            [(443, 443), (8443, 8451)]
        );
        assert_eq!(ranges_of(&[65535, 65534]), [(65534, 65535)]);
        // Already sorted (a catalog flow's ports), with duplicates, empty.
        assert_eq!(ranges_of(&[443, 8443, 8444, 9000]), [(443, 443), (8443, 8444), (9000, 9000)]);
        assert_eq!(ranges_of(&[443, 443, 444, 22]), [(22, 22), (443, 444)]);
        assert_eq!(ranges_of(&[]), []);
        assert_eq!(ports_text(&ranges_of(&[0, 65535])), "0,65535");
        assert_eq!(ports_text(&ranges_of(&(0..=65535).collect::<Vec<u16>>())), "*");
    }

    #[test]
    fn peer_is_inside_the_subnet_after_the_reserved_addresses() {
        let p: ipnet::Ipv4Net = "10.179.64.0/18".parse().unwrap();
        assert_eq!(peer_address(p), Ipv4Addr::new(10, 179, 64, 5));
        assert!(p.contains(&peer_address(p)));
    }
}
