//! The emulated workspace: the simulation engine on the virtual clock, plus what the Clusters and
//! Libraries APIs keep about a cluster that the engine does not model (the request as sent, desired
//! size, pinning, permanent deletion, requested libraries).
//!
//! Every state-changing request is one [`Command`]: applied now when it arrives (and stored before
//! the client hears of it), or applied again at its virtual time when a data directory is replayed.
//! Both paths run the same `Emulator::apply`, so a replay rebuilds exactly what clients saw.

use crate::clock::Clock;
use crate::error::ApiError;
use crate::persist::{Command, Store, StoreError};
use crate::validate;
use adbflow_databricks::simulate::libraries::{self, LibraryOutcome, LibrarySource};
use adbflow_databricks::simulate::{
    Cluster, ClusterEvent, ClusterSpec, Engine, EventType, SimError, State, TimingTable,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Who the emulator says created clusters (the real API reports the token's user).
pub const CREATOR: &str = "adbflow-emulator@localhost";

/// A library requested on a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedLibrary {
    /// The `Library` object as the client sent it; status answers echo it.
    pub library: Value,
    pub source: LibrarySource,
    pub requested_at: u64,
    pub removed_at: Option<u64>,
    /// Whether this network delivers the library's download, decided when it was requested.
    pub outcome: LibraryOutcome,
}

/// What the API remembers beside the engine's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The create (or last edit) request body as the client sent it; `get` echoes its fields.
    pub request: Map<String, Value>,
    /// Desired workers (`num_workers` reflects the request, not the nodes up).
    pub num_workers: u32,
    pub pinned: bool,
    /// `permanent-delete`d: gone from every answer.
    pub deleted: bool,
    pub libraries: Vec<RequestedLibrary>,
}

pub struct Emulator {
    engine: Engine,
    timing: TimingTable,
    clock: Clock,
    image_gb: f64,
    workspace: Option<String>,
    meta: BTreeMap<String, Meta>,
    store: Option<Store>,
}

fn sim_error(e: SimError) -> ApiError {
    match e {
        SimError::NoCluster(id) => ApiError::not_found(format!("Cluster {id} does not exist")),
        other => ApiError::invalid(other.to_string()),
    }
}

/// The state-changing requests, by the name they are stored under.
pub const COMMANDS: &[&str] = &[
    "create",
    "edit",
    "start",
    "restart",
    "resize",
    "delete",
    "permanent-delete",
    "pin",
    "unpin",
    "libraries-install",
    "libraries-uninstall",
];

impl Emulator {
    /// `engine` must be fresh; its epoch becomes the clock's start so event timestamps are wall times.
    pub fn new(engine: Engine, timing: &TimingTable, clock: Clock, workspace: Option<String>) -> Emulator {
        let engine = engine.with_epoch(clock.start_ms);
        Emulator {
            engine,
            timing: timing.clone(),
            clock,
            image_gb: timing.value("default-image"),
            workspace,
            meta: BTreeMap::new(),
            store: None,
        }
    }

    /// The emulator a data directory describes: its clock origin, then every stored command replayed
    /// at its virtual time (a new directory starts the clock at `now_ms`).
    pub fn restore(
        engine: Engine,
        timing: &TimingTable,
        store: Store,
        scale: f64,
        now_ms: u64,
        workspace: Option<String>,
    ) -> Result<Emulator, StoreError> {
        store.pin("seed", &engine.seed().to_string())?;
        store.pin("time_scale", &scale.to_string())?;
        store.pin("workspace", workspace.as_deref().unwrap_or(""))?;
        let start_ms: u64 = match store.meta("start_ms")? {
            Some(v) => v.parse().map_err(|_| {
                StoreError::Mismatch(format!("the data directory's start_ms {v} is not a number"))
            })?,
            None => {
                store.set_meta("start_ms", &now_ms.to_string())?;
                now_ms
            }
        };
        let mut e = Emulator::new(engine, timing, Clock { start_ms, scale }, workspace);
        for c in store.commands()? {
            e.engine.advance_to(c.at_ms);
            let replayed =
                validate::object(c.body.as_bytes()).and_then(|body| e.apply(&c.kind, &body, c.at_ms));
            match replayed {
                Ok(id) if id == c.cluster_id => {}
                Ok(id) => {
                    return Err(StoreError::Mismatch(format!(
                        "stored {} of {} replays to {id}; was the input changed?",
                        c.kind, c.cluster_id
                    )))
                }
                Err(err) => {
                    return Err(StoreError::Mismatch(format!(
                        "stored {} of {}: {}",
                        c.kind, c.cluster_id, err.message
                    )))
                }
            }
        }
        e.store = Some(store);
        Ok(e)
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Run the simulation up to the wall clock's virtual time; returns that time.
    pub fn sync(&mut self) -> u64 {
        let t = self.clock.now().max(self.engine.now());
        self.engine.advance_to(t);
        t
    }

    /// A state-changing request `kind` with `body`, now: applied, then stored before the answer.
    /// Returns the cluster it concerns.
    pub fn command(&mut self, kind: &str, body: Map<String, Value>) -> Result<String, ApiError> {
        let now = self.sync();
        let id = self.apply(kind, &body, now)?;
        // Stored before the client hears of it: an acknowledged request survives a crash.
        if let Some(s) = &self.store {
            s.append(&Command {
                at_ms: now,
                kind: kind.into(),
                cluster_id: id.clone(),
                body: Value::Object(body).to_string(),
            })
            .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(id)
    }

    /// Apply one command at virtual time `at` (the engine is there already).
    fn apply(&mut self, kind: &str, body: &Map<String, Value>, at: u64) -> Result<String, ApiError> {
        let id = match kind {
            "create" => return self.apply_create(body, at),
            "libraries-install" | "libraries-uninstall" => {
                let (id, libs) = validate::libraries(body)?;
                self.visible(&id)?;
                if kind == "libraries-install" {
                    self.install(&id, libs, at);
                } else {
                    self.uninstall(&id, &libs, at);
                }
                return Ok(id);
            }
            _ => validate::required_string(body, "cluster_id")?.to_string(),
        };
        let state = self.visible(&id)?.state;
        match kind {
            "delete" => self.engine.terminate(&id, at).map_err(sim_error)?,
            "restart" => {
                require(&id, state, &[State::Running], "restart")?;
                self.engine.restart(&id, at).map_err(sim_error)?;
            }
            "resize" => {
                let workers = validate::resize(body)?;
                require(&id, state, &[State::Running], "resize")?;
                self.engine.resize(&id, workers, at).map_err(sim_error)?;
                self.meta_mut(&id)?.num_workers = workers;
            }
            "start" => {
                require(&id, state, &[State::Terminated], "start")?;
                self.engine.start(&id, at).map_err(sim_error)?;
            }
            "edit" => {
                let edit = validate::edit(body)?;
                require(&id, state, &[State::Running, State::Terminated], "edit")?;
                self.engine.edit(&id, edit.clone(), at).map_err(sim_error)?;
                let m = self.meta_mut(&id)?;
                m.request = body.clone();
                m.request.remove("cluster_id");
                m.num_workers = edit.num_workers.unwrap_or(m.num_workers);
            }
            "pin" | "unpin" => {
                let pin = kind == "pin";
                if self.meta_mut(&id)?.pinned != pin {
                    self.meta_mut(&id)?.pinned = pin;
                    let event = if pin { EventType::Pinned } else { EventType::Unpinned };
                    self.engine.note(&id, event).map_err(sim_error)?;
                }
            }
            "permanent-delete" => {
                self.engine.terminate(&id, at).map_err(sim_error)?;
                self.meta_mut(&id)?.deleted = true;
            }
            other => return Err(ApiError::internal(format!("unknown command {other}"))),
        }
        // The user action's first step (RESIZING, RESTARTING, TERMINATING …) happens now.
        self.engine.advance_to(at);
        Ok(id)
    }

    fn apply_create(&mut self, body: &Map<String, Value>, now: u64) -> Result<String, ApiError> {
        let req = validate::create(body)?;
        let spec = ClusterSpec {
            cluster_name: req.cluster_name.clone(),
            workspace: self.workspace.clone(),
            num_workers: req.num_workers,
            node_type_id: req.node_type_id.clone(),
            image_gb: self.image_gb,
            libraries_gb: 0.0,
            autotermination_minutes: req.autotermination_minutes,
        };
        let id = self.engine.submit(spec, now).map_err(sim_error)?;
        // The launch's first step (CREATING, PENDING) happens at submit time: run it so the
        // acknowledged cluster is visible at once.
        self.engine.advance_to(now);
        self.meta.insert(
            id.clone(),
            Meta {
                request: body.clone(),
                num_workers: req.num_workers,
                pinned: false,
                deleted: false,
                libraries: Vec::new(),
            },
        );
        Ok(id)
    }

    fn install(&mut self, id: &str, libs: Vec<(Value, LibrarySource)>, at: u64) {
        let world = self.engine.world().workspace(self.workspace.as_deref()).cloned();
        let Some(m) = self.meta.get_mut(id) else { return };
        for (library, source) in libs {
            // Installing what is already requested changes nothing, as in the real API.
            if m.libraries.iter().any(|l| l.library == library && l.removed_at.is_none()) {
                continue;
            }
            let outcome = match &world {
                Some(ws) => libraries::outcome(ws, &source),
                None => LibraryOutcome {
                    delivered: false,
                    flow: None,
                    reason: "the model has no workspace".into(),
                    decided_by: None,
                    inferred: false,
                },
            };
            m.libraries.push(RequestedLibrary {
                library,
                source,
                requested_at: at,
                removed_at: None,
                outcome,
            });
        }
    }

    fn uninstall(&mut self, id: &str, libs: &[(Value, LibrarySource)], at: u64) {
        let Some(m) = self.meta.get_mut(id) else { return };
        for l in m.libraries.iter_mut().filter(|l| l.removed_at.is_none()) {
            if libs.iter().any(|(v, _)| *v == l.library) {
                l.removed_at = Some(at);
            }
        }
    }

    fn meta_mut(&mut self, id: &str) -> Result<&mut Meta, ApiError> {
        self.meta.get_mut(id).ok_or_else(|| ApiError::internal(format!("no request recorded for {id}")))
    }

    /// A cluster the API still shows (not permanently deleted).
    fn visible(&self, id: &str) -> Result<&Cluster, ApiError> {
        let missing = || ApiError::not_found(format!("Cluster {id} does not exist"));
        if self.meta.get(id).is_some_and(|m| m.deleted) {
            return Err(missing());
        }
        self.engine.cluster(id).ok_or_else(missing)
    }

    pub fn get(&mut self, id: &str) -> Result<Value, ApiError> {
        self.sync();
        self.details(self.visible(id)?)
    }

    /// Every visible cluster with whether it is pinned, newest first.
    pub fn list(&mut self) -> Vec<(Value, bool)> {
        self.sync();
        let mut clusters: Vec<&Cluster> = self
            .engine
            .clusters()
            .iter()
            .filter(|c| self.meta.get(&c.cluster_id).is_some_and(|m| !m.deleted))
            .collect();
        // Newest first, as the workspace UI and API list them.
        clusters.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.cluster_id.cmp(&b.cluster_id)));
        clusters
            .into_iter()
            .filter_map(|c| {
                let pinned = self.meta.get(&c.cluster_id).is_some_and(|m| m.pinned);
                self.details(c).ok().map(|d| (d, pinned))
            })
            .collect()
    }

    pub fn events(&mut self, id: &str) -> Result<Vec<ClusterEvent>, ApiError> {
        self.sync();
        self.visible(id)?;
        Ok(self.engine.cluster_events(id).map_err(sim_error)?.to_vec())
    }

    /// `libraries/cluster-status`: `ClusterLibraryStatuses` of one cluster.
    pub fn library_statuses(&mut self, id: &str) -> Result<Value, ApiError> {
        let now = self.sync();
        let c = self.visible(id)?;
        let m =
            self.meta.get(id).ok_or_else(|| ApiError::internal(format!("no request recorded for {id}")))?;
        let mut statuses = Vec::new();
        for l in &m.libraries {
            let Some(status) = libraries::status(
                &c.states,
                l.requested_at,
                l.removed_at,
                now,
                l.outcome.delivered,
                &self.timing,
            ) else {
                continue;
            };
            let mut s = json!({
                "library": l.library,
                "status": status.as_str(),
                "is_library_for_all_clusters": false,
            });
            if status == libraries::InstallStatus::Failed {
                s["messages"] = json!([failure_message(c, l)]);
            }
            statuses.push(s);
        }
        Ok(json!({ "cluster_id": id, "library_statuses": statuses }))
    }

    /// `libraries/all-cluster-statuses`: every visible cluster that has libraries.
    pub fn all_library_statuses(&mut self) -> Result<Value, ApiError> {
        self.sync();
        let ids: Vec<String> = self
            .meta
            .iter()
            .filter(|(_, m)| !m.deleted && !m.libraries.is_empty())
            .map(|(id, _)| id.clone())
            .collect();
        let statuses = ids.iter().map(|id| self.library_statuses(id)).collect::<Result<Vec<_>, _>>()?;
        Ok(json!({ "statuses": statuses }))
    }

    /// `ClusterDetails` (§6.3): the request's fields, then what the service adds.
    fn details(&self, c: &Cluster) -> Result<Value, ApiError> {
        let meta = self
            .meta
            .get(&c.cluster_id)
            .ok_or_else(|| ApiError::internal(format!("no request recorded for {}", c.cluster_id)))?;
        let mut out = meta.request.clone();
        let epoch = self.clock.start_ms;
        let node_type = c.spec.node_type_id.clone();
        out.insert("cluster_id".into(), json!(c.cluster_id));
        out.insert("cluster_name".into(), json!(c.spec.cluster_name));
        out.insert("node_type_id".into(), json!(node_type));
        out.entry("driver_node_type_id").or_insert(json!(node_type));
        out.insert("num_workers".into(), json!(meta.num_workers));
        out.insert("autotermination_minutes".into(), json!(c.spec.autotermination_minutes));
        out.insert("state".into(), json!(c.state.as_str()));
        out.insert("state_message".into(), json!(state_message(c)));
        out.insert("start_time".into(), json!(epoch + c.created_ms));
        out.insert("cluster_source".into(), json!("API"));
        out.insert("creator_user_name".into(), json!(CREATOR));
        out.insert(
            "default_tags".into(),
            json!({
                "Vendor": "Databricks",
                "Creator": CREATOR,
                "ClusterName": c.spec.cluster_name,
                "ClusterId": c.cluster_id,
            }),
        );
        if let Some(t) = c.terminated_ms {
            out.insert("terminated_time".into(), json!(epoch + t));
        }
        if matches!(c.state, State::Terminating | State::Terminated) {
            if let Some(r) = &c.termination_reason {
                out.insert(
                    "termination_reason".into(),
                    serde_json::to_value(r).map_err(|e| ApiError::internal(e.to_string()))?,
                );
            }
        }
        Ok(Value::Object(out))
    }
}

fn require(id: &str, state: State, allowed: &[State], what: &str) -> Result<(), ApiError> {
    if allowed.contains(&state) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    Err(ApiError::invalid_state(format!(
        "Cluster {id} is in unexpected state {}; {what} needs {}.",
        state.as_str(),
        names.join(" or ")
    )))
}

/// The engine's message, with the termination code in front once the cluster is terminating: the
/// SDK's waiters put `state_message` into the error they raise, so that is where a client reads why.
fn state_message(c: &Cluster) -> String {
    match (&c.termination_reason, c.state) {
        (Some(r), State::Terminating | State::Terminated) if c.state_message.is_empty() => {
            format!("Termination reason: {} ({})", r.code, r.kind)
        }
        (Some(r), State::Terminating | State::Terminated) => {
            format!("Termination reason: {} ({}): {}", r.code, r.kind, c.state_message)
        }
        _ => c.state_message.clone(),
    }
}

/// The FAILED library's message: the API's opening, then the network twin's reason.
fn failure_message(c: &Cluster, l: &RequestedLibrary) -> String {
    let flow = l.outcome.flow.map(|f| f.as_str()).unwrap_or("library download");
    let decided = l.outcome.decided_by.as_deref().map(|d| format!(" Decided by {d}.")).unwrap_or_default();
    let inferred = if l.outcome.inferred { " (inferred)" } else { "" };
    format!(
        "Library installation failed for library due to user error for {}. Error messages:\n\
         Library installation attempted on the driver node of cluster {} and failed: the {flow} flow is \
         blocked{inferred}: {}.{decided}",
        l.source.describe(),
        c.cluster_id,
        l.outcome.reason
    )
}
