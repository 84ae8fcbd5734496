//! What Databricks adds to an estate on the user's behalf: the managed NSG rules on the workspace
//! subnets, the DBFS root account when the input omits it, and the public names every flow reaches.
//!
//! Worked out in two passes. What each workspace needs on its own (its region's data, its DBFS
//! root's name, its managed rules and how each fares against its NSGs' own rules, its control-plane
//! name) is found for every workspace side by side; at 5,000 workspaces doing it one workspace
//! after another was 0.1 s of one core while the other waited. What depends on the workspaces
//! before it (an account or a name added once, a rule a shared NSG already got) is then settled
//! in input order, so the additions and findings do not depend on scheduling.

use crate::catalog::FlowId;
use crate::endpoints::{self, ControlPlaneOwner};
use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::nsg_rules::{managed_rules, MANAGED_BY};
use crate::prepare::PrivateLink;
use crate::regions::{Cloud, Region, RegionData};
use adbflow_model::{
    ids, ElementRef, Endpoint, Estate, Lookup, Nsg, NsgRule, Origin, StorageAccount, Workspace,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What Databricks adds to an estate, worked out from the estate as given: added to it by
/// [`Additions::apply_to`] once nothing borrows it.
#[derive(Default)]
pub(super) struct Additions {
    /// DBFS root accounts the input left out.
    storage_accounts: Vec<StorageAccount>,
    /// Managed rules by the position of their NSG in `estate.nsgs`, in the order added.
    rules: HashMap<usize, Vec<NsgRule>>,
    /// Databricks' and the package repositories' public names.
    endpoints: Vec<Endpoint>,
}

impl Additions {
    pub(super) fn apply_to(self, estate: &mut Estate) {
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
pub(super) type WorkspaceAdditions = (Workspace, Arc<Region>, Arc<Cloud>, Vec<ElementRef>);

/// Databricks' additions to `estate` (indexed by `original`), and each workspace as prepared, in
/// input order.
pub(super) fn additions(
    original: &Lookup<'_>,
    regions: &RegionData,
    findings: &mut Vec<Finding>,
) -> Result<(Additions, Vec<WorkspaceAdditions>), CheckError> {
    let estate = original.estate();
    // The first unknown region in input order is the error, whichever core met it first.
    let own: Vec<Result<OwnNeeds<'_, '_>, CheckError>> =
        estate.workspaces.par_iter().map(|ws| OwnNeeds::of(original, regions, ws)).collect();
    let mut additions = Additions::default();
    let user_fqdns: BTreeSet<String> = estate.endpoints.iter().map(|e| e.fqdn.to_ascii_lowercase()).collect();
    let mut added: BTreeSet<String> = BTreeSet::new();
    // Sized once: each entry holds a workspace with its region and cloud data, and growing the
    // list copied thousands of them.
    let mut workspaces = Vec::with_capacity(estate.workspaces.len());
    let mut dbfs_added: BTreeSet<String> = BTreeSet::new();
    // Each region's data once, shared by its workspaces; a region's Databricks names are added
    // with its first workspace.
    let mut shared: BTreeMap<&str, (Arc<Region>, Arc<Cloud>)> = BTreeMap::new();
    for needs in own {
        let OwnNeeds { data, ws, dbfs, nsgs, endpoint } = needs?;
        if let Some(dbfs) = dbfs {
            if dbfs.missing && dbfs_added.insert(dbfs.account.name.clone()) {
                additions.storage_accounts.push(dbfs.account);
            }
            findings.push(dbfs.finding);
        }
        let managed = inject_managed_rules(&mut additions, &ws, nsgs, findings);
        let mut eps = vec![endpoint];
        let (region, cloud) = match shared.get(data.name.as_str()) {
            Some(known) => known.clone(),
            None => {
                let cloud = regions.cloud(data);
                // A region's names are the same for all its workspaces, and only the first of
                // each name is kept. Their private-link owner (found by scanning every
                // workspace's private endpoints) is needed only here.
                let owner = control_plane_owner(original, &data.name, regions);
                eps.extend(endpoints::region_endpoints(&ws, data, cloud, &owner));
                let pair = (Arc::new(data.clone()), Arc::new(cloud.clone()));
                shared.insert(data.name.as_str(), pair.clone());
                pair
            }
        };
        add_endpoints(&mut additions, eps, &user_fqdns, &mut added, findings);
        workspaces.push((ws, region, cloud, managed));
    }
    add_endpoints(&mut additions, endpoints::library_endpoints(), &user_fqdns, &mut added, findings);
    Ok((additions, workspaces))
}

/// What one workspace needs regardless of the others: `'e` borrows the estate, `'r` the region data.
struct OwnNeeds<'e, 'r> {
    data: &'r Region,
    /// The workspace, its DBFS root named.
    ws: Workspace,
    dbfs: Option<AssumedDbfs>,
    nsgs: Vec<ManagedFor<'e>>,
    /// Its control-plane name.
    endpoint: Endpoint,
}

/// A DBFS root the input left out, assumed.
struct AssumedDbfs {
    /// The account as Databricks creates it.
    account: StorageAccount,
    /// No account of its name is in the estate as given.
    missing: bool,
    finding: Finding,
}

/// The managed rules for one of a workspace's NSGs (its position in `estate.nsgs`), each with
/// how it fares against the NSG's own rules.
struct ManagedFor<'e> {
    nsg: &'e Nsg,
    at: usize,
    rules: Vec<(NsgRule, Against<'e>)>,
}

/// A managed rule against the rules an NSG was given.
struct Against<'e> {
    /// One of them has its name.
    named: bool,
    /// The first of them holding its priority and direction.
    conflict: Option<&'e NsgRule>,
}

impl<'e, 'r> OwnNeeds<'e, 'r> {
    fn of(original: &Lookup<'e>, regions: &'r RegionData, ws: &Workspace) -> Result<Self, CheckError> {
        let estate = original.estate();
        let region_name = ws.region.as_deref().unwrap_or(estate.region());
        let data = regions.region(region_name).ok_or_else(|| CheckError::UnknownRegion {
            workspace: ws.name.clone(),
            region: region_name.to_string(),
        })?;
        let mut ws = ws.clone();
        let dbfs = assume_dbfs(original, &mut ws, data);
        let mut nsg_names: Vec<&'e str> = [ws.host_path(), ws.container_path()]
            .iter()
            .filter_map(|p| original.subnet(p).and_then(|s| s.subnet.nsg.as_deref()))
            .collect();
        nsg_names.dedup();
        let nsgs = nsg_names
            .into_iter()
            .filter_map(|name| {
                let (at, nsg) = original.nsg_at(name)?;
                let rules = managed_rules(&ws)
                    .into_iter()
                    .map(|rule| {
                        let named = nsg.rules.iter().any(|r| r.name == rule.name);
                        let conflict = nsg
                            .rules
                            .iter()
                            .find(|r| r.direction == rule.direction && r.priority == rule.priority);
                        (rule, Against { named, conflict })
                    })
                    .collect();
                Some(ManagedFor { nsg, at, rules })
            })
            .collect();
        let endpoint = endpoints::workspace_endpoint(&ws, data, regions.cloud(data));
        Ok(OwnNeeds { data, ws, dbfs, nsgs, endpoint })
    }
}

/// The DBFS root lives in the managed resource group, so inputs often leave it out; a workspace
/// always has one, so the twin assumes a default-configured account in the workspace's region and
/// names it on `ws`. `original` indexes the estate as given.
fn assume_dbfs(original: &Lookup<'_>, ws: &mut Workspace, region: &Region) -> Option<AssumedDbfs> {
    if ws.dbfs_storage_account.is_some() {
        return None;
    }
    let name = adbflow_model::workspace::default_dbfs_account(&ws.name);
    let finding = Finding::new(
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
    .inferred();
    let account = StorageAccount::assumed_dbfs_root(
        name.clone(),
        Some(region.name.clone()),
        Some(Origin::platform(MANAGED_BY)),
    );
    let missing = original.storage_account(&name).is_none();
    ws.dbfs_storage_account = Some(name);
    Some(AssumedDbfs { account, missing, finding })
}

/// Add the Databricks-managed rules to the NSG of both subnets (once per NSG). A rule holding the
/// same priority and direction makes Azure reject the deployment; the managed rule is then left
/// out. An NSG's rules are its own and those added before, for this or an earlier workspace.
fn inject_managed_rules(
    additions: &mut Additions,
    ws: &Workspace,
    nsgs: Vec<ManagedFor<'_>>,
    findings: &mut Vec<Finding>,
) -> Vec<ElementRef> {
    let mut injected = Vec::new();
    for ManagedFor { nsg, at, rules } in nsgs {
        let added = additions.rules.entry(at).or_default();
        for (rule, own) in rules {
            if own.named || added.iter().any(|r| r.name == rule.name) {
                continue;
            }
            let conflict = own.conflict.or_else(|| {
                added.iter().find(|r| r.direction == rule.direction && r.priority == rule.priority)
            });
            if let Some(c) = conflict {
                findings.push(
                    Finding::new(
                        FindingSeverity::Error,
                        "managed-rule-conflict",
                        format!(
                            "rule '{}' in NSG '{}' holds priority {} {:?}, which Databricks needs for \
                             '{}'; Azure rejects the workspace deployment ('Security rule {} conflicts with rule {}')",
                            c.name, nsg.name, c.priority, c.direction, rule.name, c.name, rule.name
                        ),
                    )
                    .workspace(&ws.name)
                    .element(ElementRef::new(ids::nsg_rule(&nsg.name, &c.name), &c.name, c.origin.clone())),
                );
                continue;
            }
            injected.push(ElementRef::new(
                ids::nsg_rule(&nsg.name, &rule.name),
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
    // The first workspace of the region with a private endpoint of the given role.
    let first_with = |role: fn(&PrivateLink) -> &Vec<String>| {
        estate
            .workspaces
            .iter()
            .filter(|w| {
                let r = w.region.as_deref().unwrap_or(estate.region());
                regions.region(r).is_some_and(|x| x.name == region)
            })
            .find(|w| !role(&PrivateLink::of(lookup, w)).is_empty())
            .map(|w| w.name.as_str())
    };
    ControlPlaneOwner {
        back_end: first_with(|pl| &pl.back_end),
        browser_auth: first_with(|pl| &pl.browser_auth),
    }
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
