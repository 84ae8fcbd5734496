//! `diagnose`: from what an on-call engineer sees (a termination code, or a symptom such as "stuck in
//! PENDING" or "pip install fails") back to the configuration element that causes it. It runs `check`
//! on the deployment — it never walks a flow itself — and ranks the blocked flows (and the errors that
//! would stop the deployment) whose symptom matches, each with its deciding element and fix. When
//! nothing in the model explains it, it lists the generic causes from the knowledge table
//! (`data/diagnose.toml`), each with its source and date.
//!
//! Other models add causes through [`CauseSource`]: the lifecycle simulation can explain a slow start
//! from simulated timing, the capacity model a `SUBNET_EXHAUSTED_FAILURE`. The JSON form of
//! [`DiagnoseReport`] is a documented contract (`schema_version` 1).

pub mod knowledge;
mod rank;
pub mod sources;

use crate::check::{check, CheckOptions, CheckReport, Counts, FlowVerdict};
use crate::error::CheckError;
use crate::fix::Fix;
use crate::regions::DataTable;
use crate::symptom::Symptom;
use crate::{FlowId, Phase, Requirement};
use adbflow_model::{ElementRef, Estate};
use adbflow_net::ServiceTags;
pub use knowledge::{builtin as builtin_knowledge, Entry, Knowledge, Needs, Stage, Strength};
use serde::Serialize;

pub const DIAGNOSE_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryKind {
    Code,
    Symptom,
}

/// What the user asks about, resolved against the knowledge table.
#[derive(Debug, Clone, Copy)]
pub struct Query<'k> {
    pub kind: QueryKind,
    /// As given (codes upper-cased).
    asked: &'k str,
    pub entry: &'k Entry,
    pub knowledge: &'k Knowledge,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("unknown termination code '{code}'; the codes adbflow describes: {known}")]
    UnknownCode { code: String, known: String },
    #[error("unknown symptom '{name}'; known symptoms: {known}")]
    UnknownSymptom { name: String, known: String },
}

impl<'k> Query<'k> {
    /// A termination code (any case; a variant such as `…_DUE_TO_MISCONFIG` finds its family).
    pub fn code(knowledge: &'k Knowledge, code: &str) -> Result<Self, QueryError> {
        let entry = knowledge.code(code.trim()).ok_or_else(|| QueryError::UnknownCode {
            code: code.to_string(),
            known: knowledge.code_names().join(", "),
        })?;
        let asked = std::iter::once(entry.key())
            .chain(entry.variants.iter().map(String::as_str))
            .find(|n| n.eq_ignore_ascii_case(code.trim()))
            .unwrap_or(entry.key());
        Ok(Query { kind: QueryKind::Code, asked, entry, knowledge })
    }

    /// A symptom by name (`pending`, `pip`, `storage-403`, `dns`, `slow-start`).
    pub fn symptom(knowledge: &'k Knowledge, name: &str) -> Result<Self, QueryError> {
        let entry = knowledge.symptom(name).ok_or_else(|| QueryError::UnknownSymptom {
            name: name.to_string(),
            known: knowledge.symptom_names().join(", "),
        })?;
        Ok(Query { kind: QueryKind::Symptom, asked: entry.key(), entry, knowledge })
    }

    pub fn asked(&self) -> &'k str {
        self.asked
    }

    /// The codes this query stands for: the entry's code and its variants (none for a symptom).
    pub fn codes(&self) -> Vec<&'k str> {
        match self.kind {
            QueryKind::Symptom => Vec::new(),
            QueryKind::Code => std::iter::once(self.entry.key())
                .chain(self.entry.variants.iter().map(String::as_str))
                .collect(),
        }
    }
}

/// How far a cause's effect reaches; ranks causes that stop more first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// Azure would reject the deployment itself: nothing starts.
    Deployment,
    /// A startup flow: the cluster never reaches RUNNING.
    Startup,
    /// A workload flow: the cluster runs, work fails.
    Workload,
    /// An optional flow.
    Optional,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Deployment => "deployment",
            Impact::Startup => "startup",
            Impact::Workload => "workload",
            Impact::Optional => "optional",
        }
    }

    pub fn of(r: Requirement) -> Self {
        match r {
            Requirement::Startup => Impact::Startup,
            Requirement::Workload => Impact::Workload,
            Requirement::Optional => Impact::Optional,
        }
    }
}

/// The ranking key, in the order the rules apply (docs/diagnose.md):
/// 1. exact matches before related ones;
/// 2. deployment errors, then startup, workload and optional flows;
/// 3. real blocks before blocks the workspace declares on purpose;
/// 4. the earliest startup phase first (a later phase never runs when an earlier one fails);
/// 5. flows blocked from more sources (both NICs) before flows blocked from one;
///
/// Ties are broken by workspace, flow, instance and element, for a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RankKey {
    pub strength: Option<Strength>,
    pub impact: Option<Impact>,
    pub by_design: bool,
    pub phase: Option<Phase>,
    pub blocked_from: usize,
}

/// The flow behind a cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseFlow {
    pub id: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub title: &'static str,
    pub phase: Phase,
    pub requirement: Requirement,
    pub verdict: FlowVerdict,
    /// `VNET/SUBNET` (or `internet`) the flow is blocked from by this cause's element.
    pub subnets: Vec<String>,
    /// How many sources the flow is blocked from by any element, of how many it is walked from.
    pub blocked_from: usize,
    pub sources: usize,
    pub destination: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_ports: Vec<u16>,
}

/// One configuration element that explains the query in this deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// 1 is the most likely.
    pub rank: usize,
    /// `check` (a blocked flow), `deployment` (an error that stops the deployment) or a
    /// [`CauseSource`]'s name.
    pub found_by: String,
    pub strength: Strength,
    /// Why this block explains what the user sees.
    pub why: String,
    /// The ranking rules that placed it, in words.
    pub ranked_by: Vec<String>,
    pub impact: Impact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<CauseFlow>,
    pub reason_code: String,
    /// The element that decided it, with where it is defined.
    pub element: ElementRef,
    pub message: String,
    /// The block rests on an inference (the symptom carries its own flag).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<Symptom>,
    pub fixes: Vec<Fix>,
    #[serde(skip)]
    pub key: RankKey,
}

/// Where a meaning or a generic cause comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenericCause {
    pub cause: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    pub source: SourceRef,
    pub as_of: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// What the query means, from the knowledge table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryInfo {
    pub kind: QueryKind,
    /// The code or symptom as asked.
    pub asked: String,
    /// The entry that describes it (a variant's family code).
    pub entry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub meaning: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    pub source: SourceRef,
    pub as_of: String,
    pub stage: Stage,
    pub needs: Needs,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_codes: Vec<String>,
}

/// A required flow the check finds blocked that does not match the query: worth knowing, not the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherFailure {
    pub workspace: String,
    pub flow: FlowId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub subnets: Vec<String>,
    pub reason_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_code: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnoseReport {
    pub schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub query: QueryInfo,
    /// True when something in the model explains the query (`causes` is not empty).
    pub explained: bool,
    pub causes: Vec<Cause>,
    /// Listed only when nothing in the model explains the query.
    pub generic_causes: Vec<GenericCause>,
    pub other_failures: Vec<OtherFailure>,
    pub notes: Vec<String>,
    /// What was consulted: `check` and every [`CauseSource`].
    pub models: Vec<String>,
    /// The check's flow counts, so a reader sees what was evaluated.
    pub checked: Counts,
    pub data: Vec<DataTable>,
}

impl DiagnoseReport {
    /// 1 when the model explains the query (a cause was found), 0 when only generic causes apply.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.explained)
    }
}

/// A model besides the flow walk that can explain a query: the lifecycle simulation (slow starts
/// from simulated timing), the capacity model (subnet exhaustion). Its causes are ranked with the
/// check's by their [`RankKey`].
pub trait CauseSource {
    /// Shown in `models` and in each cause's `found_by`.
    fn name(&self) -> &str;
    /// What this source models; a query that needs it is then no longer reported as unexplainable.
    fn provides(&self) -> &[Needs];
    /// The causes of `query` in the deployment `check` was run on.
    fn causes(&self, query: &Query<'_>, check: &CheckReport) -> Vec<Cause>;
}

/// What `diagnose` reads besides the estate and the query.
#[derive(Clone, Copy)]
pub struct DiagnoseOptions<'a> {
    pub check: CheckOptions<'a>,
    pub sources: &'a [&'a dyn CauseSource],
}

// Not derived: `CheckOptions` has a default only for the built-in ('static) region data.
#[allow(clippy::derivable_impls)]
impl Default for DiagnoseOptions<'static> {
    fn default() -> Self {
        DiagnoseOptions { check: CheckOptions::default(), sources: &[] }
    }
}

/// Check the deployment, then explain `query` from the result.
pub fn diagnose(
    estate: &Estate,
    tags: &ServiceTags,
    options: &DiagnoseOptions<'_>,
    query: &Query<'_>,
) -> Result<DiagnoseReport, CheckError> {
    let report = check(estate, tags, &options.check)?;
    Ok(explain(&report, query, options.sources))
}

fn source_ref(k: &Knowledge, id: &str) -> (SourceRef, String) {
    match k.source(id) {
        Some(s) => {
            (SourceRef { id: id.to_string(), title: s.title.clone(), url: s.url.clone() }, s.as_of.clone())
        }
        // Parsing guarantees every id exists; an empty title is never shown for built-in data.
        None => (SourceRef { id: id.to_string(), title: String::new(), url: String::new() }, String::new()),
    }
}

fn query_info(q: &Query<'_>) -> QueryInfo {
    let e = q.entry;
    let (source, source_as_of) = source_ref(q.knowledge, e.source.get_ref());
    QueryInfo {
        kind: q.kind,
        asked: q.asked().to_string(),
        entry: e.key().to_string(),
        title: e.title.clone(),
        meaning: e.meaning.clone(),
        inferred: e.inferred,
        source,
        as_of: e.as_of.clone().unwrap_or(source_as_of),
        stage: e.stage,
        needs: e.needs,
        variants: e.variants.clone(),
        related_codes: e.related_codes.clone(),
    }
}

fn generic_causes(q: &Query<'_>) -> Vec<GenericCause> {
    q.entry
        .causes
        .iter()
        .map(|c| {
            let (source, as_of) = source_ref(q.knowledge, c.source.get_ref());
            GenericCause {
                cause: c.cause.clone(),
                confirm: c.confirm.clone(),
                source,
                as_of: c.as_of.clone().unwrap_or(as_of),
                inferred: c.inferred,
            }
        })
        .collect()
}

/// The knowledge table's own provenance line for `data`.
fn knowledge_table(k: &Knowledge) -> DataTable {
    let newest = k.sources.iter().map(|s| s.as_of.as_str()).max().unwrap_or_default();
    DataTable {
        name: "diagnose-knowledge".into(),
        source: format!(
            "adbflow's reading of documented termination codes and {} public sources; every meaning and generic \
             cause names its own source and date, inferred ones are marked",
            k.sources.len()
        ),
        url: String::new(),
        revision: String::new(),
        as_of: newest.to_string(),
        inferred: false,
    }
}

fn notes(q: &Query<'_>, causes: &[Cause], sources: &[&dyn CauseSource]) -> Vec<String> {
    let e = q.entry;
    let mut out = Vec::new();
    if q.asked() != e.key() {
        out.push(format!("{} is read as a variant of {}: the same network causes apply", q.asked(), e.key()));
        if q.asked().ends_with("_DUE_TO_MISCONFIG") {
            out.push(
                "the _DUE_TO_MISCONFIG suffix presumably marks a customer misconfiguration (CLIENT_ERROR) rather \
                 than a service fault (inferred)"
                    .into(),
            );
        }
    }
    if e.stage == Stage::NotNetwork {
        out.push(format!(
            "{} is not a network failure: nothing in a network model can explain it; the causes listed are generic",
            q.asked()
        ));
    }
    let modelled = e.needs == Needs::Check || sources.iter().any(|s| s.provides().contains(&e.needs));
    if !modelled {
        out.push(format!(
            "explaining {} needs {}: nothing in this deployment's model can explain it yet, so the causes listed \
             are generic",
            q.asked(),
            e.needs.missing_model()
        ));
    }
    if !causes.is_empty() {
        if causes.iter().all(|c| c.strength == Strength::Related) {
            out.push(format!(
                "no block in the model produces {} exactly; the causes listed are related blocks",
                q.asked()
            ));
        }
        out.push(format!(
            "{} generic causes are not listed because the model explains {}",
            e.causes.len(),
            q.asked()
        ));
    }
    out
}

/// Explain `query` from a check report (the check of the deployment), with extra models' causes.
pub fn explain(check: &CheckReport, query: &Query<'_>, sources: &[&dyn CauseSource]) -> DiagnoseReport {
    let mut causes = rank::flow_causes(check, query);
    causes.extend(rank::deployment_causes(check, query));
    for s in sources {
        causes.extend(s.causes(query, check));
    }
    rank::rank(&mut causes);
    let explained = !causes.is_empty();
    let other_failures = rank::other_failures(check, &causes);
    let mut models = vec!["check".to_string()];
    models.extend(sources.iter().map(|s| s.name().to_string()));
    let mut data = check.data.clone();
    data.push(knowledge_table(query.knowledge));
    DiagnoseReport {
        schema_version: DIAGNOSE_SCHEMA_VERSION,
        name: check.name.clone(),
        query: query_info(query),
        explained,
        notes: notes(query, &causes, sources),
        generic_causes: if explained { Vec::new() } else { generic_causes(query) },
        causes,
        other_failures,
        models,
        checked: check.summary,
        data,
    }
}
