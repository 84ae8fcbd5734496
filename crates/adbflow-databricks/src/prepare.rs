//! The estate as Databricks leaves it: the input plus what the platform adds on the user's behalf —
//! the managed NSG rules on the workspace subnets, the DBFS root account when the input omits it —
//! and the public names every flow reaches. Then each workspace's flows are planned.

use crate::catalog::FlowId;
use crate::endpoints::{self, ControlPlaneOwner};
use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::nsg_rules::{managed_rules, MANAGED_BY};
use crate::plan::{plan_workspace, PlannedFlow};
use crate::regions::{Cloud, DataTable, Region, RegionData};
use crate::validate::{validate_workspaces, BROWSER_AUTH, UI_API};
use adbflow_model::{
    ids, DefaultAction, ElementRef, Endpoint, Estate, Lookup, NsgRule, Origin, PublicNetworkAccess, Severity,
    StorageAccount, Workspace,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Private endpoints to a workspace, by role. A `databricks_ui_api` endpoint in the workspace's own
/// VNet is the back-end (cluster → control plane); elsewhere it is a front-end (users → workspace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrivateLink {
    pub front_end: Vec<String>,
    pub back_end: Vec<String>,
    pub browser_auth: Vec<String>,
}

impl PrivateLink {
    pub fn of(lookup: &Lookup<'_>, ws: &Workspace) -> Self {
        let mut pl = PrivateLink::default();
        for pe in lookup.private_endpoints_to(&ws.name) {
            let vnet = pe.subnet.split('/').next().unwrap_or("");
            match pe.subresource.as_str() {
                UI_API if vnet == ws.vnet => pl.back_end.push(pe.name.clone()),
                UI_API => pl.front_end.push(pe.name.clone()),
                BROWSER_AUTH => pl.browser_auth.push(pe.name.clone()),
                _ => {}
            }
        }
        pl
    }
    pub fn any(&self) -> bool {
        !(self.front_end.is_empty() && self.back_end.is_empty() && self.browser_auth.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct PreparedWorkspace {
    /// The workspace, with the DBFS root account filled in when the input omitted it.
    pub workspace: Workspace,
    pub region: Region,
    pub cloud: Cloud,
    pub flows: Vec<PlannedFlow>,
    /// The Databricks-managed NSG rules added for this workspace.
    pub managed_rules: Vec<ElementRef>,
    pub private_link: PrivateLink,
}

#[derive(Debug, Clone)]
pub struct Prepared {
    pub estate: Estate,
    pub workspaces: Vec<PreparedWorkspace>,
    pub findings: Vec<Finding>,
    /// The data tables the answers rest on.
    pub tables: Vec<DataTable>,
}

/// The estate as Databricks leaves it — managed NSG rules, the assumed DBFS root, every Databricks
/// and repository name as an endpoint — for any network question (`trace`, `rules`, `routes`).
/// An estate without workspaces comes back unchanged.
pub fn with_databricks(estate: &Estate, regions: &RegionData) -> Result<Estate, CheckError> {
    if estate.workspaces.is_empty() {
        return Ok(estate.clone());
    }
    prepare(estate, regions, None).map(|p| p.estate)
}

/// Prepare `estate` for checking. `only` restricts the answer to one workspace.
pub fn prepare(estate: &Estate, regions: &RegionData, only: Option<&str>) -> Result<Prepared, CheckError> {
    prepare_owned(estate.clone(), regions, only)
}

/// [`prepare`] for a caller that has no further use for `estate`: Databricks' additions are
/// worked out from it as given, then added to it, instead of to a copy (copying took fresh
/// pages from the kernel, whose zeroing was most of preparing's time, and the original then had
/// to be freed; at 1,000 workspaces preparing took half as long without it).
pub fn prepare_owned(
    mut estate: Estate,
    regions: &RegionData,
    only: Option<&str>,
) -> Result<Prepared, CheckError> {
    if estate.workspaces.is_empty() {
        return Err(CheckError::NoWorkspace);
    }
    if let Some(o) = only {
        if estate.workspace(o).is_none() {
            let names: Vec<&str> = estate.workspaces.iter().map(|w| w.name.as_str()).collect();
            return Err(CheckError::UnknownWorkspace { name: o.to_string(), known: names.join(", ") });
        }
    }
    // Validating and working out Databricks' additions read the estate independently: side by
    // side, on two cores (each was 15–40 ms at 5,000 workspaces).
    let (diags, additions) = rayon::join(
        || validate_workspaces(&estate, regions),
        || {
            let mut found = Vec::new();
            additions(&estate, regions, &mut found).map(|a| (a, found))
        },
    );
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(CheckError::Invalid(
            diags.into_iter().filter(|d| d.severity == Severity::Error).collect(),
        ));
    }
    let mut findings: Vec<Finding> = diags
        .into_iter()
        .map(|d| {
            let mut f = Finding::new(FindingSeverity::Warning, d.code, d.message);
            f.element = Some(ElementRef::new(d.element.clone(), d.element, d.origin));
            f
        })
        .collect();

    let ((additions, mut workspaces), found) = additions?;
    findings.extend(found);
    additions.apply_to(&mut estate);
    workspaces.retain(|(ws, ..)| only.is_none_or(|o| o == ws.name));
    let lookup = Lookup::new(&estate);
    // Each workspace is planned on its own (130 ms of one core at 5,000 workspaces); collecting
    // keeps the estate's order, and each workspace's findings follow the previous one's.
    let planned: Vec<(PreparedWorkspace, Vec<Finding>)> = workspaces
        .into_par_iter()
        .map(|(ws, region, cloud, managed)| {
            let mut found = Vec::new();
            let flows = plan_workspace(&lookup, &ws, &region, &cloud, &mut found);
            for f in &region.flags {
                found.push(
                    Finding::new(FindingSeverity::Info, "region-data-flag", format!("{}: {f}", region.name))
                        .workspace(&ws.name),
                );
            }
            let private_link = PrivateLink::of(&lookup, &ws);
            let pw = PreparedWorkspace {
                workspace: ws,
                region,
                cloud,
                flows,
                managed_rules: managed,
                private_link,
            };
            (pw, found)
        })
        .collect();
    drop(lookup);
    let mut prepared_ws = Vec::with_capacity(planned.len());
    for (pw, found) in planned {
        findings.extend(found);
        prepared_ws.push(pw);
    }
    findings.retain(|f| match (&f.workspace, only) {
        (Some(w), Some(o)) => w == o,
        _ => true,
    });
    Ok(Prepared { estate, workspaces: prepared_ws, findings, tables: regions.tables.clone() })
}

/// What Databricks adds to an estate, worked out from the estate as given: added to it by
/// [`Additions::apply_to`] once nothing borrows it.
#[derive(Default)]
struct Additions {
    /// DBFS root accounts the input left out.
    storage_accounts: Vec<StorageAccount>,
    /// Managed rules by the position of their NSG in `estate.nsgs`, in the order added.
    rules: HashMap<usize, Vec<NsgRule>>,
    /// Databricks' and the package repositories' public names.
    endpoints: Vec<Endpoint>,
}

impl Additions {
    fn apply_to(self, estate: &mut Estate) {
        estate.storage_accounts.extend(self.storage_accounts);
        for (i, rules) in self.rules {
            if let Some(nsg) = estate.nsgs.get_mut(i) {
                nsg.rules.extend(rules);
            }
        }
        estate.endpoints.extend(self.endpoints);
    }
}

/// A workspace as prepared (its DBFS root filled in), its region and cloud data, and the managed
/// rules added for it.
type WorkspaceAdditions = (Workspace, Region, Cloud, Vec<ElementRef>);

/// Databricks' additions to `estate`, and each workspace as prepared, in input order.
fn additions(
    estate: &Estate,
    regions: &RegionData,
    findings: &mut Vec<Finding>,
) -> Result<(Additions, Vec<WorkspaceAdditions>), CheckError> {
    let mut additions = Additions::default();
    let user_fqdns: BTreeSet<String> = estate.endpoints.iter().map(|e| e.fqdn.to_ascii_lowercase()).collect();
    let mut added: BTreeSet<String> = BTreeSet::new();
    // Sized once: each entry holds a workspace with its region and cloud data, and growing the
    // list copied thousands of them.
    let mut workspaces = Vec::with_capacity(estate.workspaces.len());
    let original = Lookup::new(estate);
    // Managed rules go into NSGs found by name once: scanning for each workspace's NSG (and each
    // workspace's subnets) made preparing a 5,000-workspace estate quadratic.
    let mut nsg_at: HashMap<String, usize> = HashMap::new();
    for (i, n) in estate.nsgs.iter().enumerate() {
        nsg_at.entry(n.name.clone()).or_insert(i);
    }
    let mut dbfs_added: BTreeSet<String> = BTreeSet::new();
    // Regions whose Databricks names have been added (by their first workspace).
    let mut regions_with_endpoints: BTreeSet<String> = BTreeSet::new();
    for ws in &estate.workspaces {
        let region_name = ws.region.as_deref().unwrap_or(estate.region());
        let region = regions
            .region(region_name)
            .ok_or_else(|| CheckError::UnknownRegion {
                workspace: ws.name.clone(),
                region: region_name.to_string(),
            })?
            .clone();
        let cloud = regions.cloud(&region).clone();
        let mut ws = ws.clone();
        ensure_dbfs(&mut additions, &original, &mut dbfs_added, &mut ws, &region, findings);
        let managed = inject_managed_rules(&mut additions, estate, &original, &nsg_at, &ws, findings);
        let mut eps = vec![endpoints::workspace_endpoint(&ws, &region, &cloud)];
        // A region's names are the same for all its workspaces, and only the first of each name
        // is kept: building them again for every workspace of an enterprise estate was most of
        // adding endpoints. Their private-link owner (found by scanning every workspace's private
        // endpoints) is needed only then.
        if regions_with_endpoints.insert(region.name.clone()) {
            let owner = control_plane_owner(&original, &region.name, regions);
            eps.extend(endpoints::region_endpoints(&ws, &region, &cloud, &owner));
        }
        add_endpoints(&mut additions, eps, &user_fqdns, &mut added, findings);
        workspaces.push((ws, region, cloud, managed));
    }
    add_endpoints(&mut additions, endpoints::library_endpoints(), &user_fqdns, &mut added, findings);
    Ok((additions, workspaces))
}

/// The DBFS root lives in the managed resource group, so inputs often leave it out; a workspace
/// always has one, so the twin assumes a default-configured account in the workspace's region.
/// `original` indexes the estate as given; `added` names the accounts this has added so far
/// (together, the accounts the prepared estate holds).
fn ensure_dbfs(
    additions: &mut Additions,
    original: &Lookup<'_>,
    added: &mut BTreeSet<String>,
    ws: &mut Workspace,
    region: &Region,
    findings: &mut Vec<Finding>,
) {
    if ws.dbfs_storage_account.is_some() {
        return;
    }
    let name = adbflow_model::workspace::default_dbfs_account(&ws.name);
    if original.storage_account(&name).is_none() && added.insert(name.clone()) {
        additions.storage_accounts.push(StorageAccount {
            name: name.clone(),
            region: Some(region.name.clone()),
            hns: true,
            public_network_access: PublicNetworkAccess::Enabled,
            default_action: DefaultAction::Allow,
            virtual_network_rules: Vec::new(),
            ip_rules: Vec::new(),
            bypass: Vec::new(),
            origin: Some(Origin::platform(MANAGED_BY)),
        });
    }
    findings.push(
        Finding::new(
            FindingSeverity::Info,
            "dbfs-assumed",
            format!(
                "dbfs_storage_account not given: the DBFS root is assumed to be '{name}' in {} with hierarchical \
                 namespace, public access and no firewall rules (Databricks' defaults)",
                region.name
            ),
        )
        .workspace(&ws.name)
        .flow(FlowId::DbfsBlob)
        .inferred(),
    );
    ws.dbfs_storage_account = Some(name);
}

/// Add the Databricks-managed rules to the NSG of both subnets (once per NSG). A user rule holding
/// the same priority and direction makes Azure reject the deployment; the rule is then left out.
/// `original` indexes `estate`, the estate as given; `nsg_at` is the position of the first NSG of
/// each name in `estate.nsgs`. An NSG's rules are its own and those added before.
fn inject_managed_rules(
    additions: &mut Additions,
    estate: &Estate,
    original: &Lookup<'_>,
    nsg_at: &HashMap<String, usize>,
    ws: &Workspace,
    findings: &mut Vec<Finding>,
) -> Vec<ElementRef> {
    let mut nsgs: Vec<String> = [ws.host_path(), ws.container_path()]
        .iter()
        .filter_map(|p| original.subnet(p).and_then(|s| s.subnet.nsg.clone()))
        .collect();
    nsgs.dedup();
    let mut injected = Vec::new();
    for nsg_name in nsgs {
        let Some(&i) = nsg_at.get(&nsg_name) else { continue };
        let Some(nsg) = estate.nsgs.get(i) else { continue };
        let added = additions.rules.entry(i).or_default();
        for rule in managed_rules(ws) {
            if nsg.rules.iter().chain(added.iter()).any(|r| r.name == rule.name) {
                continue;
            }
            if let Some(c) = nsg
                .rules
                .iter()
                .chain(added.iter())
                .find(|r| r.direction == rule.direction && r.priority == rule.priority)
            {
                findings.push(
                    Finding::new(
                        FindingSeverity::Error,
                        "managed-rule-conflict",
                        format!(
                            "rule '{}' in NSG '{nsg_name}' holds priority {} {:?}, which Databricks needs for \
                             '{}'; Azure rejects the workspace deployment ('Security rule {} conflicts with rule {}')",
                            c.name, c.priority, c.direction, rule.name, c.name, rule.name
                        ),
                    )
                    .workspace(&ws.name)
                    .element(ElementRef::new(ids::nsg_rule(&nsg_name, &c.name), &c.name, c.origin.clone())),
                );
                continue;
            }
            injected.push(ElementRef::new(
                ids::nsg_rule(&nsg_name, &rule.name),
                &rule.name,
                rule.origin.clone(),
            ));
            added.push(rule);
        }
    }
    injected
}

fn control_plane_owner<'a>(lookup: &Lookup<'a>, region: &str, regions: &RegionData) -> ControlPlaneOwner<'a> {
    let estate = lookup.estate();
    let in_region = |w: &&Workspace| {
        let r = w.region.as_deref().unwrap_or(estate.region());
        regions.region(r).is_some_and(|x| x.name == region)
    };
    let back_end = estate
        .workspaces
        .iter()
        .filter(in_region)
        .find(|w| !PrivateLink::of(lookup, w).back_end.is_empty())
        .map(|w| w.name.as_str());
    let browser_auth = estate
        .workspaces
        .iter()
        .filter(in_region)
        .find(|w| !PrivateLink::of(lookup, w).browser_auth.is_empty())
        .map(|w| w.name.as_str());
    ControlPlaneOwner { back_end, browser_auth }
}

fn add_endpoints(
    additions: &mut Additions,
    eps: Vec<Endpoint>,
    user_fqdns: &BTreeSet<String>,
    added: &mut BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    for e in eps {
        if user_fqdns.contains(&e.fqdn) {
            if added.insert(e.fqdn.clone()) {
                findings.push(Finding::new(
                    FindingSeverity::Info,
                    "endpoint-from-input",
                    format!(
                        "the input defines endpoint {}; it is used instead of the region data's entry",
                        e.fqdn
                    ),
                ));
            }
            continue;
        }
        if added.insert(e.fqdn.clone()) {
            additions.endpoints.push(e);
        }
    }
}
