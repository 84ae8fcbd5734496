//! The estate as Databricks leaves it: the input plus what the platform adds on the user's behalf
//! (`additions`). Then each workspace's flows are planned.

mod additions;

use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::plan::{plan_workspace, PlannedFlow};
use crate::regions::{Cloud, DataTable, Region, RegionData};
use crate::validate::{validate_workspaces, BROWSER_AUTH, UI_API};
use adbflow_model::{ElementRef, Estate, Lookup, Severity, Workspace};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;

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
    /// Shared with every workspace of the region: a region's data is ~60 strings, and a copy per
    /// workspace was most of preparing an enterprise estate's workspaces.
    pub region: Arc<Region>,
    pub cloud: Arc<Cloud>,
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
    estate: Estate,
    regions: &RegionData,
    only: Option<&str>,
) -> Result<Prepared, CheckError> {
    let (estate, unplanned) = add_databricks(estate, regions, only)?;
    let mut prepared = unplanned.plan(&estate);
    prepared.estate = estate;
    Ok(prepared)
}

/// The first part of [`prepare_owned`]: `estate` validated and with Databricks' additions, and
/// its workspaces still to be planned, so that a caller can build something else from the
/// finished estate while they are planned.
pub(crate) fn add_databricks<'a>(
    mut estate: Estate,
    regions: &RegionData,
    only: Option<&'a str>,
) -> Result<(Estate, Unplanned<'a>), CheckError> {
    if estate.workspaces.is_empty() {
        return Err(CheckError::NoWorkspace);
    }
    if let Some(o) = only {
        if estate.workspace(o).is_none() {
            let names: Vec<&str> = estate.workspaces.iter().map(|w| w.name.as_str()).collect();
            return Err(CheckError::UnknownWorkspace { name: o.to_string(), known: names.join(", ") });
        }
    }
    // Validating and working out Databricks' additions read the estate as given independently:
    // side by side, through one index of it.
    let original = Lookup::new(&estate);
    let (diags, additions) = rayon::join(
        || validate_workspaces(&original, regions),
        || {
            let mut found = Vec::new();
            additions::additions(&original, regions, &mut found).map(|a| (a, found))
        },
    );
    drop(original);
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
    Ok((estate, Unplanned { workspaces, findings, only, tables: regions.tables.clone() }))
}

/// Workspaces of an estate that has Databricks' additions, with the findings so far: what
/// [`add_databricks`] leaves to plan.
pub(crate) struct Unplanned<'a> {
    workspaces: Vec<additions::WorkspaceAdditions>,
    findings: Vec<Finding>,
    only: Option<&'a str>,
    tables: Vec<DataTable>,
}

impl Unplanned<'_> {
    /// Plans every workspace's flows in `estate` (the estate [`add_databricks`] returned).
    /// The [`Prepared`] it returns has an empty `estate`, for the caller to fill or not.
    pub(crate) fn plan(self, estate: &Estate) -> Prepared {
        let Unplanned { workspaces, mut findings, only, tables } = self;
        let lookup = Lookup::new(estate);
        // Each workspace is planned on its own (130 ms of one core at 5,000 workspaces); collecting
        // keeps the estate's order, and each workspace's findings follow the previous one's.
        let planned: Vec<(PreparedWorkspace, Vec<Finding>)> = workspaces
            .into_par_iter()
            .map(|(ws, region, cloud, managed)| {
                let mut found = Vec::new();
                let flows = plan_workspace(&lookup, &ws, &region, &cloud, &mut found);
                for f in &region.flags {
                    found.push(
                        Finding::new(
                            FindingSeverity::Info,
                            "region-data-flag",
                            format!("{}: {f}", region.name),
                        )
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
        Prepared { estate: Estate::default(), workspaces: prepared_ws, findings, tables }
    }
}
