//! `check`: every flow of every workspace, walked through the twin from each of its sources, with
//! the verdict, the path, the element that decided it, the symptom a user would see and the
//! smallest fix. The JSON form of [`CheckReport`] is a documented contract (`schema_version` 1).

use crate::acceptance;
use crate::block::FlowBlock;
use crate::catalog::{FlowId, Phase, Requirement};
use crate::error::CheckError;
use crate::findings::{Finding, FindingSeverity};
use crate::fix::{suggest, Fix};
use crate::outcome::Outcome;
use crate::plan::{FlowSource, PlannedFlow, SourceRole};
use crate::prepare::{add_databricks, prepare, Prepared, PreparedWorkspace, PrivateLink};
use crate::regions::{builtin, DataTable, RegionData};
use crate::symptom::{symptom, Symptom};
use adbflow_model::{
    ElementRef, Estate, Lookup, Origin, Protocol, PublicNetworkAccess, RequiredNsgRules, SharedStr,
    WorkspaceSku,
};
use adbflow_net::{DnsAnswer, FlowSpec, Hop, HopKind, Network, ServiceTags, Trace};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::Ipv4Addr;

pub const CHECK_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowVerdict {
    Delivered,
    Blocked,
    /// Blocked, and the workspace declares it does not use this destination.
    BlockedByDesign,
}

impl FlowVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowVerdict::Delivered => "delivered",
            FlowVerdict::Blocked => "blocked",
            FlowVerdict::BlockedByDesign => "blocked-by-design",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    /// The FQDN the flow connects to (a dotted address for address-only destinations).
    pub fqdn: SharedStr,
    /// The port the reported path was walked on (the first blocked one, if any is blocked).
    pub port: u16,
    /// Every port the flow uses, e.g. `443,8443-8451`; shared by the flows to one destination.
    pub ports: SharedStr,
    pub protocol: Protocol,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_ports: Vec<u16>,
}

/// One flow from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFlow {
    /// The workspace's name, shared by its flows.
    pub workspace: SharedStr,
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub title: &'static str,
    pub phase: Phase,
    pub requirement: Requirement,
    /// `VNET/SUBNET` the flow leaves from, or `internet` for users outside every modelled network.
    pub subnet: SharedStr,
    pub source_role: SourceRole,
    pub destination: Destination,
    pub verdict: FlowVerdict,
    /// `nat-gateway`, `service-endpoint`, `private-endpoint`, `firewall`, `vnet`, …, `internet` for a user
    /// on the internet, `none` when nothing carries it.
    pub egress: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snat_ip: Option<Ipv4Addr>,
    pub source_seen_as: String,
    /// The NSG rule that let the flow out of its subnet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nsg_rule: Option<ElementRef>,
    pub resolved: Vec<DnsAnswer>,
    pub hops: Vec<Hop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<FlowBlock>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<Symptom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Names from `adbflow_net::walk::meters`.
    pub meters: Vec<&'static str>,
    /// The planned flow's notes, shared with it.
    pub notes: std::sync::Arc<[String]>,
    /// Latency and bandwidth estimate of a delivered flow: shared by the flows with the same
    /// estimate (a workspace's flows have a handful).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<std::sync::Arc<crate::performance::FlowPerformance>>,
}

impl CheckFlow {
    /// A startup or workload flow that does not get through.
    pub fn is_failure(&self) -> bool {
        self.verdict == FlowVerdict::Blocked && self.requirement.is_required()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub flows: usize,
    pub delivered: usize,
    pub blocked_required: usize,
    pub blocked_optional: usize,
    pub blocked_by_design: usize,
}

impl Counts {
    fn add(self, o: &Counts) -> Counts {
        Counts {
            flows: self.flows + o.flows,
            delivered: self.delivered + o.delivered,
            blocked_required: self.blocked_required + o.blocked_required,
            blocked_optional: self.blocked_optional + o.blocked_optional,
            blocked_by_design: self.blocked_by_design + o.blocked_by_design,
        }
    }

    fn of<'a>(flows: impl Iterator<Item = &'a CheckFlow>) -> Self {
        let mut c = Counts::default();
        for f in flows {
            c.flows += 1;
            match f.verdict {
                FlowVerdict::Delivered => c.delivered += 1,
                FlowVerdict::BlockedByDesign => c.blocked_by_design += 1,
                FlowVerdict::Blocked if f.requirement.is_required() => c.blocked_required += 1,
                FlowVerdict::Blocked => c.blocked_optional += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceSummary {
    pub name: String,
    pub region: String,
    pub cloud: String,
    pub sku: WorkspaceSku,
    pub vnet: String,
    pub host_subnet: String,
    pub container_subnet: String,
    pub no_public_ip: bool,
    pub public_network_access: PublicNetworkAccess,
    pub required_nsg_rules: RequiredNsgRules,
    pub workspace_url: String,
    /// `internet` or the `VNET/SUBNET` users come from.
    pub users_from: String,
    pub private_link: PrivateLink,
    /// The `Microsoft.Databricks-workspaces_UseOnly_*` rules added to the subnets' NSG.
    pub managed_nsg_rules: Vec<ElementRef>,
    pub counts: Counts,
    /// `ok` when no startup or workload flow is blocked.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First, so that a report can be written while it is computed (see [`CheckRun`]): the
    /// workspace summaries and findings depend on every flow, the flows on nothing after them.
    pub flows: Vec<CheckFlow>,
    pub workspaces: Vec<WorkspaceSummary>,
    pub findings: Vec<Finding>,
    pub summary: Counts,
    /// The data tables the answers rest on, with source and date.
    pub data: Vec<DataTable>,
}

impl CheckReport {
    /// 1 when a startup or workload flow is blocked or the deployment would be rejected, else 0.
    /// Read from the summary, which counts every flow also when they were streamed and not kept.
    pub fn exit_code(&self) -> i32 {
        let failing = self.summary.blocked_required > 0
            || self.findings.iter().any(|f| f.severity == FindingSeverity::Error);
        i32::from(failing)
    }

    pub fn failures(&self) -> impl Iterator<Item = &CheckFlow> {
        self.flows.iter().filter(|f| f.is_failure())
    }

    /// Finds the fix each finding points at, for reports that print findings with their fixes.
    pub fn fixes(&self) -> FindingFixes<'_> {
        let mut flows: HashMap<(&str, FlowId), Vec<&CheckFlow>> = HashMap::new();
        for f in &self.flows {
            flows.entry((f.workspace.as_str(), f.id)).or_default().push(f);
        }
        FindingFixes { flows }
    }
}

/// Of one workspace's flows (in report order), those [`FindingFixes`] can answer with: every
/// blocked flow, and of each flow ID the first one not blocked when it has a fix (a finding
/// without an element finds that flow first, and its fix or none). A report of only these gives
/// every finding the fix the whole report gives it, so findings with fixes can be written without
/// keeping every flow.
pub fn fix_candidates(flows: Vec<CheckFlow>) -> Vec<CheckFlow> {
    let mut unblocked_seen: HashSet<FlowId> = HashSet::new();
    flows
        .into_iter()
        .filter(|f| f.blocked_by.is_some() || (unblocked_seen.insert(f.id) && f.fix.is_some()))
        .collect()
}

/// A report's flows by (workspace, flow id) in report order: scanning every flow for every
/// finding grew with the square of the estate.
pub struct FindingFixes<'r> {
    flows: HashMap<(&'r str, FlowId), Vec<&'r CheckFlow>>,
}

impl<'r> FindingFixes<'r> {
    /// The fix of the first flow the finding is about (its workspace and flow) that was blocked
    /// by the finding's element. `dbfs-assumed` is about the DBFS root, not a blocked flow.
    pub fn of(&self, finding: &Finding) -> Option<&'r Fix> {
        if finding.code == "dbfs-assumed" {
            return None;
        }
        let (Some(ws), Some(id)) = (&finding.workspace, finding.flow) else { return None };
        self.flows
            .get(&(ws.as_str(), id))?
            .iter()
            .find(|x| x.blocked_by.as_ref().map(|b| &b.element) == finding.element.as_ref())
            .and_then(|x| x.fix.as_ref())
    }
}

/// What `check` reads besides the estate.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    pub regions: &'a RegionData,
    /// Only this workspace (by name); all when `None`.
    pub workspace: Option<&'a str>,
}

impl Default for CheckOptions<'static> {
    fn default() -> Self {
        CheckOptions { regions: builtin(), workspace: None }
    }
}

/// Check every flow of every workspace in `estate`.
pub fn check(
    estate: &Estate,
    tags: &ServiceTags,
    options: &CheckOptions<'_>,
) -> Result<CheckReport, CheckError> {
    Ok(every_flow(CheckRun::start(estate, tags, options)?))
}

/// [`check`] of an estate already prepared, for callers that ask more of the prepared estate
/// (cost, capacity, security, the diagrams): walked on every core like the check itself.
pub fn check_prepared(prepared: &Prepared, tags: &ServiceTags) -> CheckReport {
    every_flow(CheckRun::of_prepared(prepared.clone(), tags))
}

/// The whole report of `run`, every flow kept.
fn every_flow(run: CheckRun) -> CheckReport {
    // One batch of every workspace, each workspace's flows kept as they are.
    let (mut report, per_workspace) = run.per_workspace(usize::MAX, |_, _, flows| flows);
    report.flows = concat(per_workspace);
    report
}

/// A check prepared and ready to walk, for answers written while they are computed: the flows
/// come a run of workspaces at a time, in report order, and need not be kept. At 1,000
/// workspaces the flows are most of the memory of a check (~4.4 kB each, 38,000 of them).
pub struct CheckRun {
    prepared: Prepared,
    net: Network,
}

impl CheckRun {
    /// Workspaces handed over at once by answers written or worked out while they are walked
    /// (the walk runs two a core further ahead, see `walk_in_order`): few enough that the
    /// answers held (a workspace's ~37 flows, ~170 kB of JSON) stay small, enough that the
    /// thread taking them is seldom woken. Every answer held is memory the kernel zeroes on first
    /// use: 64 (and 128 ahead) held twice the rendered text at 100 workspaces of 16 (and 32); 8
    /// (and 12) walked 100 workspaces 4–8 % faster than 16, and as fast at 1,000.
    pub const BATCH: usize = 8;

    /// Validates and prepares `estate` (every error a check can have is found here) and builds the
    /// network.
    pub fn start(
        estate: &Estate,
        tags: &ServiceTags,
        options: &CheckOptions<'_>,
    ) -> Result<Self, CheckError> {
        Ok(Self::of_prepared(prepare(estate, options.regions, options.workspace)?, tags))
    }

    /// The run of an estate already prepared ([`prepare`]), for a caller that asked other
    /// questions of the prepared estate first.
    pub fn of_prepared(mut prepared: Prepared, tags: &ServiceTags) -> Self {
        // The network owns the prepared estate; a copy of an enterprise estate costs more than the walk.
        let net = Network::new(std::mem::take(&mut prepared.estate), tags.clone());
        CheckRun { prepared, net }
    }

    /// [`CheckRun::start`] for a caller that has no further use for `estate`: Databricks'
    /// additions go into it rather than into a copy ([`prepare_owned`](crate::prepare_owned)).
    pub fn start_owned(
        estate: Estate,
        tags: &ServiceTags,
        options: &CheckOptions<'_>,
    ) -> Result<Self, CheckError> {
        let (estate, unplanned) = add_databricks(estate, options.regions, options.workspace)?;
        // Planning the workspaces and building the network both only read the finished
        // estate: side by side, each filling the cores the other leaves idle.
        let estate = std::sync::Arc::new(estate);
        let (prepared, net) = rayon::join(
            || unplanned.plan(&estate),
            || Network::new(std::sync::Arc::clone(&estate), tags.clone()),
        );
        Ok(CheckRun { prepared, net })
    }

    /// The prepared estate the check walks (Databricks' additions included), to keep beside it.
    pub fn shared_estate(&self) -> std::sync::Arc<Estate> {
        self.net.shared_estate()
    }

    /// The report's `name`.
    pub fn name(&self) -> Option<&String> {
        self.net.estate().name.as_ref()
    }

    /// [`CheckRun::run`] keeping what `answer` makes of each workspace, in report order: the
    /// report without its flows, and each workspace's answer.
    pub fn per_workspace<R: Send>(
        self,
        batch: usize,
        answer: impl Fn(&Lookup<'_>, &WorkspaceSummary, Vec<CheckFlow>) -> R + Sync,
    ) -> (CheckReport, Vec<R>) {
        let mut answers = Vec::new();
        let run = self.run(batch, answer, |batch| {
            answers.extend(batch);
            Ok::<(), std::convert::Infallible>(())
        });
        let Ok(report) = run;
        (report, answers)
    }

    /// Walks every workspace on every core. Each workspace's flows (in report order) go to
    /// `render` with its summary and the estate's index on the core that walked them, while they
    /// are still in its cache; the results go to `each` in report order, up to `batch` at a time
    /// (and up to an eighth of the workspaces), on the calling thread while the pool walks the
    /// workspaces after them (at most two a core past those handed over). Returns the report without its flows (`flows` empty):
    /// workspace summaries, findings, counts and data tables. Stops at the first error of `each`.
    pub fn run<R: Send, E>(
        self,
        batch: usize,
        render: impl Fn(&Lookup<'_>, &WorkspaceSummary, Vec<CheckFlow>) -> R + Sync,
        mut each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<CheckReport, E> {
        let CheckRun { prepared, net } = self;
        // The network keeps its own indexes, not a `Lookup`: one is built over its estate.
        let estate = net.shared_estate();
        let lookup = Lookup::new(&estate);
        let mut tally = Tally::new(&prepared);
        // Added up and handed to `each` on this thread while the pool walks the workspaces after
        // them: writing a 5,000-workspace check to a file took a third of a second of one core.
        let hand_over = |walked: Vec<(Walked, R)>| {
            let mut rendered = Vec::with_capacity(walked.len());
            for (w, r) in walked {
                tally.add(w);
                rendered.push(r);
            }
            each(rendered)
        };
        walk_in_order(&net, &lookup, &prepared.workspaces, batch, &render, hand_over)?;
        drop(lookup);
        let report = tally.finish(&prepared, net.estate().name.clone());
        // Freeing the network's routes and indexes (40 ms at 1,000 workspaces) and the flows'
        // plans need not delay the answer.
        rayon::spawn(move || drop((net, estate, prepared)));
        Ok(report)
    }
}

/// [`CheckRun::run`]'s walk: `workspaces` walked and rendered on every core, a core taking the
/// next workspace as soon as it is done with one, and handed to `hand_over` in order, so that
/// the report does not depend on scheduling.
fn walk_in_order<R: Send, E>(
    net: &Network,
    lookup: &Lookup<'_>,
    workspaces: &[PreparedWorkspace],
    batch: usize,
    render: &(impl Fn(&Lookup<'_>, &WorkspaceSummary, Vec<CheckFlow>) -> R + Sync),
    hand_over: impl FnMut(Vec<(Walked, R)>) -> Result<(), E>,
) -> Result<(), E> {
    let walk = |i: usize| {
        let pw = &workspaces[i];
        let mut walks = crate::twin_walks::TwinWalks::new(net, &pw.flows);
        let flows = workspace_flows(lookup, pw, &mut |f| walks.trace(f), &|p| net.port_class(p));
        let w = Walked::of(pw, &flows);
        let r = render(lookup, &w.summary, flows);
        // No other workspace leaves from these subnets (a workspace's subnets are its own), and
        // with the full tag file each holds ~375 routes: keeping them all made memory grow with
        // the estate. Each subnet once: a workspace's ~37 flows leave from two or three.
        for path in source_subnets(pw) {
            drop(net.forget_routes(path));
        }
        (w, r)
    };
    // A run is at most an eighth of the workspaces: a small estate's run of 8 held nearly all
    // of its answers at once, each in fresh pages.
    let batch = batch.min(workspaces.len().div_ceil(8)).max(1);
    // Room for each core to take two items past a run while the run's last item is walked.
    let ahead = batch.saturating_add(2 * rayon::current_num_threads());
    crate::ordered::ordered_map(workspaces.len(), ahead, batch, walk, hand_over)
}

/// The subnets `pw`'s flows leave from, each once, in the order first met.
fn source_subnets(pw: &PreparedWorkspace) -> Vec<&str> {
    let mut paths: Vec<&str> = Vec::new();
    for pf in &pw.flows {
        if let FlowSource::Subnet(path) = &pf.source {
            if !paths.contains(&path.as_str()) {
                paths.push(path);
            }
        }
    }
    paths
}

/// Evaluate prepared flows with `trace` answering each walk (the twin's `Network::trace`, or a stand-in).
pub fn evaluate(prepared: &Prepared, mut trace: impl FnMut(&FlowSpec) -> Trace) -> CheckReport {
    let lookup = Lookup::new(&prepared.estate);
    let mut tally = Tally::new(prepared);
    let mut per_workspace = Vec::with_capacity(prepared.workspaces.len());
    for pw in &prepared.workspaces {
        let ws_flows = workspace_flows(&lookup, pw, &mut trace, &usize::from);
        tally.add(Walked::of(pw, &ws_flows));
        per_workspace.push(ws_flows);
    }
    let mut report = tally.finish(prepared, prepared.estate.name.clone());
    report.flows = concat(per_workspace);
    report
}

/// One workspace's flows, in report order.
///
/// `port_class` says which destination ports walk alike (`Network::port_class`); a stand-in
/// `trace` gets every port its own class.
fn workspace_flows(
    lookup: &Lookup<'_>,
    pw: &PreparedWorkspace,
    trace: &mut impl FnMut(&FlowSpec) -> Trace,
    port_class: &dyn Fn(u16) -> usize,
) -> Vec<CheckFlow> {
    // Report order is decided by what was planned, so the planned flows are ordered and walked
    // in that order: sorting the flows once walked moved ~1 kB structures and took a scratch
    // buffer of them (fresh memory) for every workspace.
    let mut planned: Vec<_> =
        pw.flows.iter().map(|pf| ((pf.id.def().phase, pf.id, &pf.instance, pf.role), pf)).collect();
    planned.sort_by(|a, b| a.0.cmp(&b.0));
    let mut ws_flows: Vec<CheckFlow> =
        planned.into_iter().map(|(_, pf)| evaluate_flow(lookup, pw, pf, trace, port_class)).collect();
    let estate = lookup.estate();
    let mut estimates =
        crate::performance::Estimates::new(crate::limits::builtin(), crate::performance::node_type(estate));
    for f in &mut ws_flows {
        f.performance = estimates.of(lookup, f);
    }
    ws_flows
}

/// What one workspace adds to the report besides its flows, worked out where it was walked.
struct Walked {
    summary: WorkspaceSummary,
    findings: Vec<Finding>,
}

impl Walked {
    /// `flows`: all of `pw`'s flows, in report order.
    fn of(pw: &PreparedWorkspace, flows: &[CheckFlow]) -> Self {
        let mut findings = flow_findings(flows);
        findings.extend(explanations(pw, flows));
        Walked { summary: summary(pw, flows), findings }
    }
}

/// Everything of the report but its flows, added up a workspace at a time.
struct Tally {
    summaries: Vec<WorkspaceSummary>,
    findings: Vec<Finding>,
}

impl Tally {
    fn new(prepared: &Prepared) -> Self {
        Tally {
            summaries: Vec::with_capacity(prepared.workspaces.len()),
            findings: prepared.findings.clone(),
        }
    }

    fn add(&mut self, walked: Walked) {
        self.summaries.push(walked.summary);
        self.findings.extend(walked.findings);
    }

    /// The report, `flows` empty.
    fn finish(self, prepared: &Prepared, name: Option<String>) -> CheckReport {
        let Tally { summaries, mut findings } = self;
        // Sorted, the findings do not depend on the order the workspaces were added in.
        findings.sort();
        findings.dedup();
        CheckReport {
            schema_version: CHECK_SCHEMA_VERSION,
            name,
            summary: summaries.iter().fold(Counts::default(), |c, s| c.add(&s.counts)),
            flows: Vec::new(),
            workspaces: summaries,
            findings,
            data: prepared.tables.clone(),
        }
    }
}

/// The workspaces' flows as one list, in order; one workspace's list is taken as it is.
fn concat(mut per_workspace: Vec<Vec<CheckFlow>>) -> Vec<CheckFlow> {
    if per_workspace.len() == 1 {
        return per_workspace.pop().unwrap_or_default();
    }
    let mut flows = Vec::with_capacity(per_workspace.iter().map(Vec::len).sum());
    for f in per_workspace {
        flows.extend(f);
    }
    flows
}

fn evaluate_flow(
    lookup: &Lookup<'_>,
    pw: &PreparedWorkspace,
    pf: &PlannedFlow,
    trace: &mut impl FnMut(&FlowSpec) -> Trace,
    port_class: &dyn Fn(u16) -> usize,
) -> CheckFlow {
    let first_port = pf.ports.first().copied().unwrap_or(0);
    let mut o = if let Some(b) = &pf.pre_blocked {
        let mut o = Outcome::delivered(first_port, "none");
        o.hops.push(Hop::new(HopKind::NsgOutbound, b.element.clone(), b.message.clone()));
        o.source_seen_as = "no node is deployed".into();
        o.block = Some(FlowBlock::clone(b));
        o
    } else {
        match &pf.source {
            FlowSource::Internet => acceptance::internet_user(lookup, &pw.workspace, pf),
            FlowSource::Subnet(path) if pf.ports.len() == 1 => {
                // Most flows have one port: one walk, and no lists to combine it with.
                Outcome::from_trace(trace(&walk_of(pf, path, first_port)))
            }
            FlowSource::Subnet(path) => {
                // One walk per class of ports that no rule tells apart (the web application's
                // 8443-8451 are one class unless a rule splits them); the others take its verdict.
                let mut traces: Vec<Trace> = Vec::new();
                let mut walked: Vec<(usize, bool)> = Vec::new();
                let mut verdicts: Vec<(u16, bool)> = Vec::with_capacity(pf.ports.len());
                for &port in pf.ports.iter() {
                    let class = port_class(port);
                    if let Some(&(_, delivered)) = walked.iter().find(|(c, _)| *c == class) {
                        verdicts.push((port, delivered));
                        continue;
                    }
                    let t = trace(&walk_of(pf, path, port));
                    walked.push((class, t.is_delivered()));
                    verdicts.push((port, t.is_delivered()));
                    traces.push(t);
                }
                Outcome::combine(traces, &verdicts).unwrap_or_else(|| Outcome::delivered(first_port, "none"))
            }
        }
    };
    if matches!(pf.source, FlowSource::Subnet(_)) && pf.pre_blocked.is_none() {
        acceptance::apply(&pw.workspace, pf, &mut o);
    }
    let verdict = match (&o.block, pf.by_design) {
        (None, _) => FlowVerdict::Delivered,
        (Some(_), true) => FlowVerdict::BlockedByDesign,
        (Some(_), false) => FlowVerdict::Blocked,
    };
    let symptom = o.block.as_ref().map(|b| symptom(pf.id, b.reason_code, &pf.host, pf.by_design));
    let fix = o.block.as_ref().map(|b| suggest(lookup, pw, pf, b, o.port, &o.egress));
    let nsg_rule = o
        .hops
        .iter()
        .find(|h| h.kind == HopKind::NsgOutbound && h.decided_by.id.starts_with("nsg-rule:"))
        .map(|h| h.decided_by.clone());
    let def = pf.id.def();
    CheckFlow {
        workspace: pf.workspace.clone(),
        id: pf.id,
        instance: pf.instance.as_deref().map(str::to_owned),
        title: def.title,
        phase: def.phase,
        requirement: pf.requirement,
        subnet: pf.source.shared_label(),
        source_role: pf.role,
        destination: Destination {
            fqdn: pf.host.clone(),
            port: o.port,
            ports: pf.ports_text.clone(),
            protocol: pf.protocol,
            blocked_ports: o.blocked_ports.clone(),
        },
        verdict,
        egress: o.egress,
        snat_ip: o.snat_ip,
        source_seen_as: o.source_seen_as,
        nsg_rule,
        resolved: o.resolved,
        hops: o.hops,
        blocked_by: o.block,
        symptom,
        fix,
        meters: o.meters,
        notes: pf.notes.clone(),
        performance: None,
    }
}

/// The walk of `pf` from subnet `path` on `port`.
fn walk_of(pf: &PlannedFlow, path: &SharedStr, port: u16) -> FlowSpec {
    FlowSpec { from_subnet: path.clone(), to_host: pf.host.clone(), port, protocol: pf.protocol }
}

fn summary(pw: &PreparedWorkspace, flows: &[CheckFlow]) -> WorkspaceSummary {
    let ws = &pw.workspace;
    let counts = Counts::of(flows.iter());
    let (url, _) = crate::endpoints::workspace_url(ws, &pw.cloud);
    WorkspaceSummary {
        name: ws.name.clone(),
        region: pw.region.name.clone(),
        cloud: pw.region.cloud.clone(),
        sku: ws.sku,
        vnet: ws.vnet.clone(),
        host_subnet: ws.host_subnet.clone(),
        container_subnet: ws.container_subnet.clone(),
        no_public_ip: ws.no_public_ip,
        public_network_access: ws.public_network_access,
        required_nsg_rules: ws.required_nsg_rules,
        workspace_url: url,
        users_from: ws.user_subnet.clone().unwrap_or_else(|| "internet".into()),
        private_link: pw.private_link.clone(),
        managed_nsg_rules: pw.managed_rules.clone(),
        status: if counts.blocked_required == 0 { "ok" } else { "blocked" },
        counts,
        origin: ws.origin.clone(),
    }
}

/// Blocked flows that share a workspace, flow, instance, verdict and deciding element.
type GroupKey = (SharedStr, FlowId, Option<String>, FlowVerdict, SharedStr);

/// One finding per blocked flow and cause, naming every subnet it is blocked from.
fn flow_findings(flows: &[CheckFlow]) -> Vec<Finding> {
    let mut groups: BTreeMap<GroupKey, Vec<&CheckFlow>> = BTreeMap::new();
    for f in flows.iter().filter(|f| f.verdict != FlowVerdict::Delivered) {
        let el = f.blocked_by.as_ref().map(|b| b.element.id.clone()).unwrap_or_default();
        groups.entry((f.workspace.clone(), f.id, f.instance.clone(), f.verdict, el)).or_default().push(f);
    }
    groups
        .into_values()
        .map(|fs| {
            let f = fs[0];
            let subnets: Vec<&str> = fs.iter().map(|x| x.subnet.as_str()).collect();
            let b = f.blocked_by.as_ref();
            let reason = b.map(|b| b.reason_code.as_str()).unwrap_or("");
            let what = match &f.instance {
                Some(i) => format!("{} ({i})", f.id),
                None => f.id.to_string(),
            };
            let (severity, code, lead) = match f.verdict {
                FlowVerdict::BlockedByDesign => {
                    (FindingSeverity::Info, "blocked-by-design", "is blocked by design")
                }
                _ if f.requirement.is_required() => (FindingSeverity::Error, "flow-blocked", "is blocked"),
                _ => (FindingSeverity::Warning, "optional-flow-blocked", "(optional) is blocked"),
            };
            let mut msg = format!(
                "{what} [{}] {lead} from {}: {reason} — {}",
                f.requirement.as_str(),
                subnets.join(", "),
                b.map(|b| b.message.as_str()).unwrap_or("")
            );
            if let Some(s) = &f.symptom {
                if let Some(code) = s.termination_code {
                    msg.push_str(&format!("; symptom: {code}"));
                }
            }
            let mut fd = Finding::new(severity, code, msg).workspace(&f.workspace).flow(f.id);
            fd.element = b.map(|b| b.element.clone());
            fd.inferred = b.is_some_and(|b| b.inferred);
            fd
        })
        .collect()
}

/// Where the computed answer differs from the seed's explanation (DESIGN.md "Where the seed is
/// wrong"), for one workspace; `mine` are its flows.
fn explanations(pw: &PreparedWorkspace, mine: &[CheckFlow]) -> Vec<Finding> {
    let mut out = Vec::new();
    let ws = &pw.workspace.name;
    let of = |id: FlowId| mine.iter().filter(move |f| f.id == id);
    let nat: Vec<&CheckFlow> = of(FlowId::SccRelay)
        .chain(of(FlowId::Webapp))
        .filter(|f| f.verdict == FlowVerdict::Delivered && f.egress == "nat-gateway")
        .collect();
    if !nat.is_empty() {
        out.push(
            Finding::new(
                FindingSeverity::Info,
                "control-plane-via-nat",
                "control-plane traffic (scc-relay, webapp) leaves through the NAT gateway and is SNATed and \
                 billed there: NSG service tags only filter, routes decide the path (the seed document says \
                 it bypasses the NAT gateway)",
            )
            .workspace(ws),
        );
    }
    let primary_se = of(FlowId::ArtifactPrimary).any(|f| f.egress == "service-endpoint");
    for f in of(FlowId::ArtifactSecondary).filter(|f| f.verdict == FlowVerdict::Delivered) {
        if primary_se && f.egress != "service-endpoint" {
            out.push(
                Finding::new(
                    FindingSeverity::Info,
                    "cross-region-artifacts",
                    format!(
                        "the secondary artifact account {} is outside {}: the Microsoft.Storage service endpoint \
                         does not carry it, so it leaves through {} (the seed says all artifact downloads use \
                         the Storage service tag)",
                        f.destination.fqdn, pw.region.name, f.egress
                    ),
                )
                .workspace(ws)
                .flow(FlowId::ArtifactSecondary),
            );
            break;
        }
    }
    out
}
