//! The discrete-event engine: cluster lifecycles (create → IP allocation → VM provisioning →
//! bootstrap steps gated by each flow's `check` answer → RUNNING → libraries; resize, restart,
//! terminate, autotermination, heartbeats) on a virtual clock, with downloads as fluid flows
//! sharing the devices on their paths. Built to be driven step by step (`advance_to`) by an
//! emulator as well as run to completion.

use super::cluster::*;
use super::fluid::Fluid;
use super::timing::TimingTable;
use super::world::{FlowFact, World};
use crate::catalog::{FlowId, Requirement};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use std::collections::BTreeMap;

use super::queue::Queue;

/// 2026-01-01T00:00:00Z: the default epoch of T+0, so event timestamps are fixed run to run.
pub const DEFAULT_EPOCH_MS: u64 = 1_767_225_600_000;

/// Databricks keeps a launch when it gets at least this share of the requested nodes (§6.2).
const MIN_ACQUIRED_SHARE: f64 = 0.85;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Allocate,
    Provisioned,
    Booted,
    Tunnel,
    ControlPlane,
    ImageReady,
    Storage,
    InitScripts,
    SparkStarted,
    LibraryInstalled,
    ResizeProvisioned,
    ResizeReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Image,
    Libraries,
    ResizeImage,
}

#[derive(Debug, Clone)]
enum Action {
    Arrive,
    Step(Step),
    Fail(Failure),
    Terminated,
    Heartbeat,
    Autoterminate(u64),
    LibraryFailed(String),
    UserTerminate,
    Resize(u32),
    Restart,
    RestartDone,
    Start,
    Edit(ClusterEdit),
    Fluid(u64),
    ScaleOut(usize),
}

#[derive(Debug, Clone)]
struct Failure {
    code: String,
    kind: &'static str,
    parameters: BTreeMap<String, String>,
    inferred: bool,
    decided_by: Option<String>,
}

#[derive(Debug, Clone)]
struct Pending {
    /// Index of the cluster (usize::MAX for engine-wide actions).
    cluster: usize,
    /// The cluster's generation when scheduled: a stale step of a terminated launch is dropped.
    generation: u64,
    action: Action,
}

#[derive(Debug, Clone)]
struct Runtime {
    workspace: usize,
    generation: u64,
    arrived: bool,
    rng: ChaCha8Rng,
    transfer: Option<(u64, Purpose)>,
    user_actions: u32,
    /// A resize or restart is under way.
    busy: bool,
    missed: u32,
    resize_delta: u32,
    idle_token: u64,
    /// An edit changed the size of a running cluster: resize once its restart is done.
    resize_after_restart: bool,
}

/// Errors of the driving API (an emulator passes them on as API errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("no cluster {0}")]
    NoCluster(String),
    #[error("no workspace {0} in the model")]
    NoWorkspace(String),
    #[error("the model has no workspace to launch clusters in")]
    NoWorkspaces,
}

/// Everything the engine needs besides the clusters.
#[derive(Debug, Clone)]
pub struct Engine {
    world: World,
    timing: TimingTable,
    seed: u64,
    epoch_ms: u64,
    queue: Queue<Pending>,
    fluid: Fluid,
    fluid_epoch: u64,
    scale_minutes: BTreeMap<usize, f64>,
    clusters: Vec<Cluster>,
    runtime: Vec<Runtime>,
    used_nodes: Vec<u64>,
    peak_nodes: u64,
    peak_snat_ports: u64,
    log: Vec<ClusterEvent>,
    ids: ChaCha8Rng,
    settled_flags: Vec<bool>,
    unsettled: usize,
}

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Days since 1970-01-01 to (month, day) (Howard Hinnant's civil-from-days).
fn month_day(days: i64) -> (u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (m, d)
}

/// A cluster ID in Databricks' `MMDD-HHMMSS-xxxxxxxx` shape, from the creation time and the seed.
fn cluster_id(epoch_ms: u64, rng: &mut ChaCha8Rng) -> String {
    let secs = epoch_ms / 1000;
    let (m, d) = month_day((secs / 86_400) as i64);
    let t = secs % 86_400;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let suffix: String = (0..8).map(|_| ALPHABET[(rng.next_u64() % 36) as usize] as char).collect();
    format!("{m:02}{d:02}-{:02}{:02}{:02}-{suffix}", t / 3600, t / 60 % 60, t % 60)
}

/// `CLIENT_ERROR` for a launch the customer's network stopped (the twin's reading: the fix is in the
/// customer's configuration); `SUCCESS` for a user's or the idle timer's termination (§6.6).
fn reason_type(code: &str) -> &'static str {
    match code {
        "USER_REQUEST" | "INACTIVITY" => "SUCCESS",
        _ => "CLIENT_ERROR",
    }
}

fn blocks_launch(f: &FlowFact) -> bool {
    !f.delivered && !f.by_design && f.requirement == Requirement::Startup && f.termination_code.is_some()
}

/// A startup flow blocked for a reason no launch can meet (no termination code: the workspace
/// itself cannot be deployed, e.g. an injected subnet without an NSG).
fn blocks_deployment(f: &FlowFact) -> bool {
    !f.delivered && !f.by_design && f.requirement == Requirement::Startup && f.termination_code.is_none()
}

impl Engine {
    pub fn new(world: World, timing: TimingTable, seed: u64) -> Engine {
        let used_nodes = vec![0; world.workspaces.len()];
        Engine {
            world,
            timing,
            seed,
            epoch_ms: DEFAULT_EPOCH_MS,
            queue: Queue::default(),
            fluid: Fluid::default(),
            fluid_epoch: 0,
            scale_minutes: BTreeMap::new(),
            clusters: Vec::new(),
            runtime: Vec::new(),
            used_nodes,
            peak_nodes: 0,
            peak_snat_ports: 0,
            log: Vec::new(),
            ids: ChaCha8Rng::seed_from_u64(seed),
            settled_flags: Vec::new(),
            unsettled: 0,
        }
    }

    pub fn with_epoch(mut self, epoch_ms: u64) -> Engine {
        self.epoch_ms = epoch_ms;
        self
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn timing(&self) -> &TimingTable {
        &self.timing
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn epoch_ms(&self) -> u64 {
        self.epoch_ms
    }

    /// Virtual time, ms after T+0.
    pub fn now(&self) -> u64 {
        self.queue.now()
    }

    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.cluster_id == id)
    }

    /// Every event so far, in time order.
    pub fn events(&self) -> &[ClusterEvent] {
        &self.log
    }

    /// The events of one cluster, in time order.
    pub fn cluster_events(&self, id: &str) -> Result<&[ClusterEvent], SimError> {
        self.cluster(id).map(|c| c.events.as_slice()).ok_or_else(|| SimError::NoCluster(id.into()))
    }

    /// The most nodes that held addresses at once, across workspaces.
    pub fn peak_nodes(&self) -> u64 {
        self.peak_nodes
    }

    /// The most SNAT ports node connections held at once (`connections_per_node` per node behind NAT).
    pub fn peak_snat_ports(&self) -> u64 {
        self.peak_snat_ports
    }

    /// Mark a flow of a workspace delivered or blocked from now on (a what-if, or an emulator's fault
    /// injection). A blocked scc-relay makes running clusters miss heartbeats.
    pub fn set_flow_delivered(
        &mut self,
        workspace: &str,
        flow: FlowId,
        delivered: bool,
    ) -> Result<(), SimError> {
        let ws = self
            .world
            .workspaces
            .iter_mut()
            .find(|w| w.name == workspace)
            .ok_or_else(|| SimError::NoWorkspace(workspace.into()))?;
        if let Some(f) = ws.flows.get_mut(&flow) {
            f.delivered = delivered;
        }
        Ok(())
    }

    /// Ask for a cluster to be created at `at` ms; returns its ID.
    pub fn submit(&mut self, spec: ClusterSpec, at: u64) -> Result<String, SimError> {
        let workspace = match spec.workspace.as_deref() {
            Some(n) => self
                .world
                .workspaces
                .iter()
                .position(|w| w.name == n)
                .ok_or_else(|| SimError::NoWorkspace(n.into()))?,
            None if self.world.workspaces.is_empty() => return Err(SimError::NoWorkspaces),
            None => 0,
        };
        let index = self.clusters.len();
        let id = cluster_id(self.epoch_ms + at, &mut self.ids);
        // Each cluster draws from its own stream, so its durations do not depend on what else runs.
        let rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        self.clusters.push(Cluster {
            cluster_id: id.clone(),
            workspace: self.world.workspaces[workspace].name.clone(),
            spec,
            state: State::Pending,
            state_message: String::new(),
            created_ms: at,
            running_ms: None,
            ready_ms: None,
            terminated_ms: None,
            termination_reason: None,
            termination_inferred: false,
            decided_by: None,
            current_num_workers: 0,
            nodes: 0,
            heartbeats: 0,
            unhealthy: false,
            states: Vec::new(),
            phases: Vec::new(),
            libraries: Vec::new(),
            events: Vec::new(),
        });
        self.runtime.push(Runtime {
            workspace,
            generation: 0,
            arrived: false,
            rng,
            transfer: None,
            user_actions: 0,
            busy: false,
            missed: 0,
            resize_delta: 0,
            idle_token: 0,
            resize_after_restart: false,
        });
        self.settled_flags.push(false);
        self.unsettled += 1;
        self.push(index, at, Action::Arrive);
        Ok(id)
    }

    fn index(&self, id: &str) -> Result<usize, SimError> {
        self.clusters.iter().position(|c| c.cluster_id == id).ok_or_else(|| SimError::NoCluster(id.into()))
    }

    fn user_action(&mut self, id: &str, at: u64, a: Action) -> Result<(), SimError> {
        let c = self.index(id)?;
        self.runtime[c].user_actions += 1;
        self.refresh_settled(c);
        // User actions outlive launch generations: they are checked against the state when they run.
        self.queue.push(at, Pending { cluster: c, generation: u64::MAX, action: a });
        Ok(())
    }

    /// `clusters/delete` at `at` ms.
    pub fn terminate(&mut self, id: &str, at: u64) -> Result<(), SimError> {
        self.user_action(id, at, Action::UserTerminate)
    }

    /// `clusters/resize` to `workers` at `at` ms.
    pub fn resize(&mut self, id: &str, workers: u32, at: u64) -> Result<(), SimError> {
        self.user_action(id, at, Action::Resize(workers))
    }

    /// `clusters/restart` at `at` ms.
    pub fn restart(&mut self, id: &str, at: u64) -> Result<(), SimError> {
        self.user_action(id, at, Action::Restart)
    }

    /// `clusters/start` at `at` ms: a TERMINATED cluster launches again under the same ID.
    pub fn start(&mut self, id: &str, at: u64) -> Result<(), SimError> {
        self.user_action(id, at, Action::Start)
    }

    /// `clusters/edit` at `at` ms: a TERMINATED cluster takes the new attributes for its next start;
    /// a RUNNING one restarts with them (a changed size is applied as a resize after the restart).
    pub fn edit(&mut self, id: &str, edit: ClusterEdit, at: u64) -> Result<(), SimError> {
        self.user_action(id, at, Action::Edit(edit))
    }

    /// Record an event that changes nothing the simulation models (`PINNED`, `UNPINNED`) now.
    pub fn note(&mut self, id: &str, kind: EventType) -> Result<(), SimError> {
        let c = self.index(id)?;
        let now = self.now();
        self.event(c, now, kind, EventDetails { user: Some("adbflow".into()), ..Default::default() });
        Ok(())
    }

    /// Run everything due up to and including `t` ms, then set the clock to `t`.
    pub fn advance_to(&mut self, t: u64) {
        while self.queue.peek_time().is_some_and(|at| at <= t) {
            self.step_once();
        }
        self.queue.set_now(t);
    }

    /// Run until every cluster has settled: terminated, or running with its libraries settled and no
    /// user action left. Heartbeats and idle timers of running clusters stay queued.
    pub fn run_until_settled(&mut self) {
        while !self.settled() {
            if !self.step_once() {
                break;
            }
        }
    }

    fn settled(&self) -> bool {
        self.unsettled == 0
    }

    fn is_settled(&self, c: usize) -> bool {
        let (cl, r) = (&self.clusters[c], &self.runtime[c]);
        r.arrived
            && r.user_actions == 0
            && !r.busy
            && (cl.state == State::Terminated || (cl.state == State::Running && cl.ready_ms.is_some()))
    }

    /// Keep the count of unsettled clusters current after cluster `c` changed (O(1) per action).
    fn refresh_settled(&mut self, c: usize) {
        let now = self.is_settled(c);
        if now != self.settled_flags[c] {
            self.settled_flags[c] = now;
            if now {
                self.unsettled -= 1;
            } else {
                self.unsettled += 1;
            }
        }
    }

    fn step_once(&mut self) -> bool {
        let Some((now, p)) = self.queue.pop() else { return false };
        let c = p.cluster;
        match p.action {
            Action::Fluid(epoch) => {
                if epoch == self.fluid_epoch {
                    for owner in self.on_fluid(now) {
                        self.refresh_settled(owner);
                    }
                }
                return true;
            }
            Action::ScaleOut(r) => {
                if let Some(full) = self.fluid.resources[r].scaled_capacity {
                    self.fluid.set_capacity(now, r, full);
                    self.after_fluid_change(now);
                }
                return true;
            }
            _ => {}
        }
        if p.generation != u64::MAX && p.generation != self.runtime[c].generation {
            return true;
        }
        self.act(c, now, p.action);
        self.refresh_settled(c);
        true
    }

    fn act(&mut self, c: usize, now: u64, action: Action) {
        match action {
            Action::Arrive => self.arrive(c, now),
            Action::Step(s) => self.step(c, s, now),
            Action::Fail(f) => self.fail(c, now, f),
            Action::Terminated => self.terminated(c, now),
            Action::Heartbeat => self.heartbeat(c, now),
            Action::Autoterminate(token) => {
                if self.clusters[c].state == State::Running && token == self.runtime[c].idle_token {
                    let minutes = self.clusters[c].spec.autotermination_minutes;
                    let mut parameters = BTreeMap::new();
                    parameters.insert("inactivity_duration_min".to_string(), minutes.to_string());
                    self.fail(c, now, Failure::plain("INACTIVITY", parameters));
                }
            }
            Action::LibraryFailed(msg) => {
                self.close_phase(c, now, "blocked", Some(msg.clone()));
                self.library_done(c, now, "FAILED", vec![msg]);
            }
            Action::UserTerminate => {
                self.runtime[c].user_actions -= 1;
                if matches!(
                    self.clusters[c].state,
                    State::Pending | State::Running | State::Resizing | State::Restarting
                ) {
                    let mut parameters = BTreeMap::new();
                    parameters.insert("username".to_string(), "adbflow".to_string());
                    self.fail(c, now, Failure::plain("USER_REQUEST", parameters));
                }
            }
            Action::Resize(n) => {
                self.runtime[c].user_actions -= 1;
                self.resize_now(c, n, now);
            }
            Action::Restart => {
                self.runtime[c].user_actions -= 1;
                if self.clusters[c].state == State::Running {
                    self.restart_now(c, now);
                }
            }
            Action::RestartDone => {
                self.runtime[c].busy = false;
                let workers = self.clusters[c].current_num_workers;
                self.event(c, now, EventType::Running, self.size(workers, workers));
                self.set_state(c, now, State::Running);
                self.arm_idle_timer(c, now);
                // An edit that changed the size while running takes effect once the restart is done.
                let target = self.clusters[c].spec.num_workers;
                if std::mem::take(&mut self.runtime[c].resize_after_restart) && target != workers {
                    self.resize_now(c, target, now);
                }
            }
            Action::Start => {
                self.runtime[c].user_actions -= 1;
                if self.clusters[c].state == State::Terminated {
                    self.relaunch(c, now);
                }
            }
            Action::Edit(edit) => {
                self.runtime[c].user_actions -= 1;
                let state = self.clusters[c].state;
                if matches!(state, State::Running | State::Terminated) {
                    edit.apply(&mut self.clusters[c].spec);
                    self.event(
                        c,
                        now,
                        EventType::Edited,
                        EventDetails { user: Some("adbflow".into()), ..Default::default() },
                    );
                    if state == State::Running {
                        self.runtime[c].resize_after_restart = true;
                        self.restart_now(c, now);
                    }
                }
            }
            Action::Fluid(_) | Action::ScaleOut(_) => {}
        }
    }

    fn push(&mut self, c: usize, at: u64, action: Action) {
        let generation = self.runtime[c].generation;
        self.queue.push(at, Pending { cluster: c, generation, action });
    }

    fn event(&mut self, c: usize, now: u64, kind: EventType, details: EventDetails) {
        let e = ClusterEvent {
            cluster_id: self.clusters[c].cluster_id.clone(),
            timestamp: self.epoch_ms + now,
            kind,
            details,
        };
        self.clusters[c].events.push(e.clone());
        self.log.push(e);
    }

    fn size(&self, current: u32, target: u32) -> EventDetails {
        EventDetails {
            current_num_workers: Some(current),
            target_num_workers: Some(target),
            ..Default::default()
        }
    }

    fn set_state(&mut self, c: usize, now: u64, s: State) {
        let cl = &mut self.clusters[c];
        debug_assert!(cl.states.is_empty() || cl.state.may_become(s), "{:?} → {s:?}", cl.state);
        cl.state = s;
        cl.states.push(StateChange { at_ms: now, state: s });
    }

    fn close_phase(&mut self, c: usize, now: u64, outcome: &'static str, note: Option<String>) {
        if let Some(p) = self.clusters[c].phases.last_mut() {
            if p.end_ms == u64::MAX {
                p.end_ms = now;
                p.outcome = outcome;
                if note.is_some() {
                    p.note = note;
                }
            }
        }
    }

    /// Record a phase from now to `end`.
    fn phase(
        &mut self,
        c: usize,
        name: &'static str,
        flow: Option<FlowId>,
        start: u64,
        end: u64,
        outcome: &'static str,
    ) {
        self.clusters[c].phases.push(PhaseSpan {
            phase: name,
            flow,
            start_ms: start,
            end_ms: end,
            outcome,
            note: None,
        });
    }

    /// A phase whose end is not known yet (a download).
    fn phase_open(&mut self, c: usize, name: &'static str, flow: Option<FlowId>, start: u64) {
        self.phase(c, name, flow, start, u64::MAX, "ok");
    }

    /// A workspace that cannot be deployed runs no cluster: the launch ends at once with
    /// WORKSPACE_CONFIGURATION_ERROR (the twin's reading: the real workspace would not exist).
    fn refuse_undeployable(&mut self, c: usize, now: u64) -> bool {
        let w = self.runtime[c].workspace;
        let Some(f) = self.world.workspaces[w].flows.values().find(|f| blocks_deployment(f)).cloned() else {
            return false;
        };
        let mut parameters = BTreeMap::new();
        parameters.insert("databricks_error_message".to_string(), f.message.clone());
        self.phase(c, "workspace-deployment", Some(f.id), now, now, "blocked");
        self.fail(
            c,
            now,
            Failure {
                code: "WORKSPACE_CONFIGURATION_ERROR".into(),
                kind: "CLIENT_ERROR",
                parameters,
                inferred: true,
                decided_by: f.decided_by.clone(),
            },
        );
        true
    }

    fn restart_now(&mut self, c: usize, now: u64) {
        self.runtime[c].busy = true;
        self.event(
            c,
            now,
            EventType::Restarting,
            EventDetails { cause: Some("USER_REQUEST"), ..Default::default() },
        );
        self.set_state(c, now, State::Restarting);
        let g = self.runtime[c].generation;
        self.queue.push(
            now + self.timing.ms("restart"),
            Pending { cluster: c, generation: g, action: Action::RestartDone },
        );
    }

    /// A terminated cluster's next launch: same ID, a new generation, the last run's outcome cleared.
    fn relaunch(&mut self, c: usize, now: u64) {
        let r = &mut self.runtime[c];
        r.generation += 1;
        r.missed = 0;
        r.busy = false;
        let cl = &mut self.clusters[c];
        cl.running_ms = None;
        cl.ready_ms = None;
        cl.terminated_ms = None;
        cl.termination_reason = None;
        cl.termination_inferred = false;
        cl.decided_by = None;
        cl.unhealthy = false;
        cl.libraries.clear();
        self.launch(c, now, EventType::Starting);
    }

    fn arrive(&mut self, c: usize, now: u64) {
        self.runtime[c].arrived = true;
        self.launch(c, now, EventType::Creating);
    }

    fn launch(&mut self, c: usize, now: u64, kind: EventType) {
        self.set_state(c, now, State::Pending);
        self.clusters[c].state_message =
            "Finding instances for new nodes, acquiring more instances if necessary".into();
        let workers = self.clusters[c].spec.num_workers;
        self.event(
            c,
            now,
            kind,
            EventDetails {
                target_num_workers: Some(workers),
                user: Some("adbflow".into()),
                ..Default::default()
            },
        );
        let at = now + self.timing.ms("create-accepted");
        self.phase(c, "create", Some(FlowId::UserApi), now, at, "ok");
        self.push(c, at, Action::Step(Step::Allocate));
    }

    /// Addresses for `want` nodes in both subnets; how many were acquired.
    fn allocate(&mut self, c: usize, want: u64) -> u64 {
        let w = self.runtime[c].workspace;
        let free = self.world.workspaces[w].node_capacity().saturating_sub(self.used_nodes[w]);
        let got = free.min(want);
        self.used_nodes[w] += got;
        self.clusters[c].nodes += got as u32;
        self.track_peaks();
        got
    }

    fn release(&mut self, c: usize, n: u32) {
        let w = self.runtime[c].workspace;
        let n = n.min(self.clusters[c].nodes);
        self.used_nodes[w] -= u64::from(n);
        self.clusters[c].nodes -= n;
    }

    fn track_peaks(&mut self) {
        let total: u64 = self.used_nodes.iter().sum();
        self.peak_nodes = self.peak_nodes.max(total);
        let snat: u64 = self
            .world
            .workspaces
            .iter()
            .zip(&self.used_nodes)
            .filter(|(w, _)| w.snat)
            .map(|(_, n)| n * u64::from(self.world.connections_per_node))
            .sum();
        self.peak_snat_ports = self.peak_snat_ports.max(snat);
    }

    /// The slowest of `n` nodes' provisioning times, ms.
    fn provision_ms(&mut self, c: usize, n: u64) -> u64 {
        let base = self.timing.value("vm-provision");
        let jitter = self.timing.jitter("vm-provision");
        let rng = &mut self.runtime[c].rng;
        let slowest = (0..n).map(|_| base + jitter * (2.0 * uniform(rng) - 1.0)).fold(0.0, f64::max);
        (slowest * 1000.0).round() as u64
    }

    fn flow(&self, c: usize, id: FlowId) -> Option<&FlowFact> {
        self.world.workspaces[self.runtime[c].workspace].flows.get(&id)
    }

    /// A bootstrap step that needs `flow`: blocked and launch-critical → the launch ends after the
    /// bootstrap timeout with the flow's termination code; otherwise `next` after `ok_ms`.
    fn gate(&mut self, c: usize, now: u64, name: &'static str, flow: FlowId, ok_ms: u64, next: Step) {
        match self.flow(c, flow).cloned() {
            Some(f) if blocks_launch(&f) => {
                let end = now + self.timing.ms("startup-flow-timeout");
                self.phase(c, name, Some(flow), now, end, "blocked");
                if let Some(p) = self.clusters[c].phases.last_mut() {
                    p.note = Some(f.message.clone());
                }
                let mut parameters = BTreeMap::new();
                parameters.insert("databricks_error_message".to_string(), f.message.clone());
                let code = f.termination_code.unwrap_or("BOOTSTRAP_TIMEOUT").to_string();
                self.push(
                    c,
                    end,
                    Action::Fail(Failure {
                        kind: reason_type(&code),
                        code,
                        parameters,
                        inferred: f.inferred,
                        decided_by: f.decided_by.clone(),
                    }),
                );
            }
            Some(_) => {
                self.phase(c, name, Some(flow), now, now + ok_ms, "ok");
                self.push(c, now + ok_ms, Action::Step(next));
            }
            // The flow does not exist in this deployment (no SCC relay without secure cluster connectivity).
            None => self.push(c, now, Action::Step(next)),
        }
    }

    /// Start `gbit` per node for `nodes` nodes over `flow`'s path.
    fn transfer(&mut self, c: usize, now: u64, flow: FlowId, gbit: f64, nodes: u64, purpose: Purpose) {
        if gbit <= 0.0 || nodes == 0 {
            // Nothing to move: no load on any device (a zero-byte transfer must not trigger a scale-out).
            self.close_phase(c, now, "ok", None);
            self.transferred(c, now, purpose);
            return;
        }
        let fact = self.flow(c, flow).cloned();
        let nic = self.world.nic(&self.clusters[c].spec.node_type_id);
        let ceiling = fact.as_ref().and_then(|f| f.connection_gbps).map_or(nic, |g| g.min(nic));
        let mut res = Vec::new();
        for d in fact.iter().flat_map(|f| f.devices.iter()) {
            let r = self.fluid.resource(&d.key, d.gbps, d.scaled_gbps);
            if d.scaled_gbps.is_some() {
                self.scale_minutes.insert(r, d.scale_out_minutes);
            }
            res.push(r);
        }
        let id = self.fluid.start(now, c as u64, gbit, nodes as f64, ceiling, res);
        self.runtime[c].transfer = Some((id, purpose));
        self.after_fluid_change(now);
    }

    fn after_fluid_change(&mut self, now: u64) {
        let trigger = self.timing.value("firewall-scale-out-trigger");
        let loads = self.fluid.loads();
        for (r, load) in loads.iter().enumerate() {
            let res = &mut self.fluid.resources[r];
            if res.scaled_capacity.is_some()
                && !res.scale_out_started
                && *load >= trigger * res.capacity - 1e-9
            {
                res.scale_out_started = true;
                let minutes = self.scale_minutes.get(&r).copied().unwrap_or(0.0);
                let at = now + (minutes * 60_000.0).round() as u64;
                self.queue
                    .push(at, Pending { cluster: usize::MAX, generation: 0, action: Action::ScaleOut(r) });
            }
        }
        self.fluid_epoch += 1;
        if let Some(at) = self.fluid.next_completion() {
            let e = self.fluid_epoch;
            self.queue.push(at, Pending { cluster: usize::MAX, generation: 0, action: Action::Fluid(e) });
        }
    }

    /// Finish the transfers done by `now`; the clusters that moved on.
    fn on_fluid(&mut self, now: u64) -> Vec<usize> {
        let mut moved = Vec::new();
        for (tid, owner) in self.fluid.complete(now) {
            let c = owner as usize;
            let Some((t, purpose)) = self.runtime[c].transfer else { continue };
            if t != tid {
                continue;
            }
            self.runtime[c].transfer = None;
            self.close_phase(c, now, "ok", None);
            self.transferred(c, now, purpose);
            moved.push(c);
        }
        self.after_fluid_change(now);
        moved
    }

    fn transferred(&mut self, c: usize, now: u64, purpose: Purpose) {
        {
            match purpose {
                Purpose::Image => {
                    let end = now + self.timing.ms("image-setup");
                    self.phase(c, "image-setup", None, now, end, "ok");
                    self.push(c, end, Action::Step(Step::ImageReady));
                }
                Purpose::ResizeImage => {
                    let end = now + self.timing.ms("image-setup");
                    self.phase(c, "resize-image-setup", None, now, end, "ok");
                    self.push(c, end, Action::Step(Step::ResizeReady));
                }
                Purpose::Libraries => {
                    let end = now + self.timing.ms("library-install");
                    self.phase(c, "library-install", None, now, end, "ok");
                    self.push(c, end, Action::Step(Step::LibraryInstalled));
                }
            }
        }
    }

    fn step(&mut self, c: usize, s: Step, now: u64) {
        let t = |e: &Engine, n: &str| e.timing.ms(n);
        match s {
            Step::Allocate => {
                if self.refuse_undeployable(c, now) {
                    return;
                }
                let want = u64::from(self.clusters[c].spec.num_workers) + 1;
                let need = (want as f64 * MIN_ACQUIRED_SHARE).ceil() as u64;
                let w = self.runtime[c].workspace;
                let free = self.world.workspaces[w].node_capacity().saturating_sub(self.used_nodes[w]);
                let got = free.min(want);
                if got < need.max(1) {
                    let w = &self.world.workspaces[self.runtime[c].workspace];
                    let msg = format!(
                        "not enough free addresses: {want} nodes need {want} in {} and {}, {got} were free \
                         (each subnet holds {} nodes; at least {need} are needed to launch)",
                        w.host_subnet,
                        w.container_subnet,
                        w.node_capacity(),
                    );
                    let decided = Some(format!("subnet:{}", w.host_subnet));
                    let end = now + t(self, "nic-allocation-failure");
                    self.phase(c, "ip-allocation", None, now, end, "failed");
                    if let Some(p) = self.clusters[c].phases.last_mut() {
                        p.note = Some(msg.clone());
                    }
                    let mut parameters = BTreeMap::new();
                    parameters.insert("databricks_error_message".to_string(), msg);
                    let code = "SUBNET_EXHAUSTED_FAILURE".to_string();
                    self.push(
                        c,
                        end,
                        Action::Fail(Failure {
                            kind: reason_type(&code),
                            code,
                            parameters,
                            inferred: true,
                            decided_by: decided,
                        }),
                    );
                    return;
                }
                let got = self.allocate(c, got);
                self.clusters[c].current_num_workers = (got - 1) as u32;
                let d = self.provision_ms(c, got);
                self.phase(c, "vm-provisioning", None, now, now + d, "ok");
                self.push(c, now + d, Action::Step(Step::Provisioned));
            }
            Step::Provisioned => {
                let end = now + t(self, "node-boot");
                self.phase(c, "node-boot", None, now, end, "ok");
                self.push(c, end, Action::Step(Step::Booted));
            }
            Step::Booted => {
                // A node resolves the artifact store before it opens the tunnel: when name resolution
                // is what fails, users see "Could not access worker artifacts … misconfigured DNS"
                // (NETWORK_CONFIGURATION_FAILURE, databricks-net-facts §6.6/§8), not the tunnel's code.
                let dns_first = self
                    .flow(c, FlowId::ArtifactPrimary)
                    .is_some_and(|f| blocks_launch(f) && f.reason_code == Some("DNS_RESOLUTION_FAILED"));
                if dns_first {
                    self.gate(c, now, "artifact-resolution", FlowId::ArtifactPrimary, 0, Step::Booted);
                    return;
                }
                let ms = t(self, "tunnel-setup");
                self.gate(c, now, "secure-tunnel", FlowId::SccRelay, ms, Step::Tunnel);
            }
            Step::Tunnel => {
                let ms = t(self, "control-plane-calls");
                self.gate(c, now, "control-plane", FlowId::Webapp, ms, Step::ControlPlane);
            }
            Step::ControlPlane => {
                if self.flow(c, FlowId::ArtifactPrimary).is_some_and(blocks_launch) {
                    self.gate(c, now, "image-download", FlowId::ArtifactPrimary, 0, Step::ImageReady);
                    return;
                }
                let gbit = self.clusters[c].spec.image_gb * 8.0;
                let nodes = u64::from(self.clusters[c].nodes);
                self.phase_open(c, "image-download", Some(FlowId::ArtifactPrimary), now);
                self.transfer(c, now, FlowId::ArtifactPrimary, gbit, nodes, Purpose::Image);
            }
            Step::ImageReady => {
                let ms = t(self, "storage-setup");
                if self.flow(c, FlowId::DbfsBlob).is_some_and(blocks_launch) {
                    self.gate(c, now, "storage", FlowId::DbfsBlob, ms, Step::Storage);
                } else {
                    self.gate(c, now, "storage", FlowId::DbfsDfs, ms, Step::Storage);
                }
            }
            Step::Storage => {
                if self.flow(c, FlowId::Metastore).is_some_and(|f| !f.delivered && !f.by_design) {
                    self.event(c, now, EventType::MetastoreDown, EventDetails::default());
                }
                self.event(c, now, EventType::InitScriptsStarted, EventDetails::default());
                let end = now + t(self, "init-scripts");
                self.phase(c, "init-scripts", None, now, end, "ok");
                self.push(c, end, Action::Step(Step::InitScripts));
            }
            Step::InitScripts => {
                self.event(c, now, EventType::InitScriptsFinished, EventDetails::default());
                let ms = t(self, "spark-start");
                if self.clusters[c].current_num_workers > 0 {
                    self.gate(c, now, "spark-start", FlowId::WorkerToWorker, ms, Step::SparkStarted);
                } else {
                    self.phase(c, "spark-start", None, now, now + ms, "ok");
                    self.push(c, now + ms, Action::Step(Step::SparkStarted));
                }
            }
            Step::SparkStarted => self.running(c, now),
            Step::LibraryInstalled => self.library_done(c, now, "INSTALLED", Vec::new()),
            Step::ResizeProvisioned => {
                let gbit = self.clusters[c].spec.image_gb * 8.0;
                let delta = u64::from(self.runtime[c].resize_delta);
                self.phase_open(c, "resize-image-download", Some(FlowId::ArtifactPrimary), now);
                self.transfer(c, now, FlowId::ArtifactPrimary, gbit, delta, Purpose::ResizeImage);
            }
            Step::ResizeReady => {
                self.runtime[c].busy = false;
                let cl = &mut self.clusters[c];
                cl.current_num_workers += self.runtime[c].resize_delta;
                let (cur, target) = (cl.current_num_workers, cl.spec.num_workers);
                self.event(c, now, EventType::UpsizeCompleted, self.size(cur, target));
                self.set_state(c, now, State::Running);
                self.arm_idle_timer(c, now);
            }
        }
    }

    fn running(&mut self, c: usize, now: u64) {
        let (cur, target) = (self.clusters[c].current_num_workers, self.clusters[c].spec.num_workers);
        self.event(c, now, EventType::Running, self.size(cur, target));
        self.set_state(c, now, State::Running);
        self.clusters[c].running_ms = Some(now);
        self.clusters[c].state_message = String::new();
        let hb = self.timing.ms("heartbeat-interval");
        self.push(c, now + hb, Action::Heartbeat);
        let gb = self.clusters[c].spec.libraries_gb;
        if gb <= 0.0 {
            self.clusters[c].ready_ms = Some(now);
            self.arm_idle_timer(c, now);
            return;
        }
        let blocked = [FlowId::Pypi, FlowId::PypiFiles]
            .into_iter()
            .filter_map(|id| self.flow(c, id))
            .find(|f| !f.delivered)
            .cloned();
        match blocked {
            Some(f) => {
                self.phase_open(c, "library-download", Some(f.id), now);
                let end = now + self.timing.ms("library-timeout");
                self.push(c, end, Action::LibraryFailed(f.message.clone()));
            }
            None => {
                self.phase_open(c, "library-download", Some(FlowId::PypiFiles), now);
                let nodes = u64::from(self.clusters[c].nodes);
                self.transfer(c, now, FlowId::PypiFiles, gb * 8.0, nodes, Purpose::Libraries);
            }
        }
    }

    fn library_done(&mut self, c: usize, now: u64, status: &'static str, messages: Vec<String>) {
        let gb = self.clusters[c].spec.libraries_gb;
        self.clusters[c].libraries.push(LibraryStatus {
            library: format!("pypi: cluster libraries ({gb} GB per node)"),
            status,
            messages,
        });
        self.clusters[c].ready_ms = Some(now);
        self.arm_idle_timer(c, now);
    }

    fn arm_idle_timer(&mut self, c: usize, now: u64) {
        let minutes = self.clusters[c].spec.autotermination_minutes;
        if minutes > 0 {
            // A new token cancels the previous idle timer (activity restarts the count).
            self.runtime[c].idle_token += 1;
            let token = self.runtime[c].idle_token;
            self.push(c, now + u64::from(minutes) * 60_000, Action::Autoterminate(token));
        }
    }

    fn heartbeat(&mut self, c: usize, now: u64) {
        if !matches!(self.clusters[c].state, State::Running | State::Resizing | State::Restarting) {
            return;
        }
        let through = !matches!(self.flow(c, FlowId::SccRelay), Some(f) if !f.delivered);
        if through {
            self.clusters[c].heartbeats += 1;
            self.runtime[c].missed = 0;
            if self.clusters[c].unhealthy {
                self.clusters[c].unhealthy = false;
                self.event(c, now, EventType::DriverHealthy, EventDetails::default());
            }
        } else {
            self.runtime[c].missed += 1;
            let limit = self.timing.value("heartbeats-missed-unhealthy") as u32;
            if self.runtime[c].missed == limit {
                self.clusters[c].unhealthy = true;
                self.event(c, now, EventType::DriverNotResponding, EventDetails::default());
            }
        }
        let hb = self.timing.ms("heartbeat-interval");
        self.push(c, now + hb, Action::Heartbeat);
    }

    fn resize_now(&mut self, c: usize, workers: u32, now: u64) {
        if self.clusters[c].state != State::Running || self.runtime[c].transfer.is_some() {
            // The API refuses a resize of a cluster that is not RUNNING; one still installing
            // libraries is refused here too, so the two downloads do not overlap.
            self.clusters[c].state_message =
                format!("resize to {workers} refused: the cluster is not RUNNING and idle");
            return;
        }
        let cur = self.clusters[c].current_num_workers;
        self.clusters[c].spec.num_workers = workers;
        let mut d = self.size(cur, workers);
        d.cause = Some("USER_REQUEST");
        self.event(c, now, EventType::Resizing, d);
        self.set_state(c, now, State::Resizing);
        if workers <= cur {
            self.release(c, cur - workers);
            self.clusters[c].current_num_workers = workers;
            self.set_state(c, now, State::Running);
            return;
        }
        let got = self.allocate(c, u64::from(workers - cur));
        if got == 0 {
            let mut d = self.size(cur, workers);
            d.reason = Some(TerminationReason {
                code: "SUBNET_EXHAUSTED_FAILURE".into(),
                kind: "CLIENT_ERROR",
                parameters: BTreeMap::new(),
            });
            self.event(c, now, EventType::AddNodesFailed, d);
            self.set_state(c, now, State::Running);
            return;
        }
        self.runtime[c].busy = true;
        self.runtime[c].resize_delta = got as u32;
        let p = self.provision_ms(c, got);
        let end = now + p + self.timing.ms("node-boot");
        self.phase(c, "resize-provisioning", None, now, end, "ok");
        self.push(c, end, Action::Step(Step::ResizeProvisioned));
    }

    fn fail(&mut self, c: usize, now: u64, f: Failure) {
        if let Some((t, _)) = self.runtime[c].transfer.take() {
            self.fluid.cancel(now, t);
            self.close_phase(c, now, "failed", None);
            self.after_fluid_change(now);
        }
        // A resize or restart under way ends with the cluster.
        self.runtime[c].busy = false;
        self.runtime[c].generation += 1;
        let reason = TerminationReason { code: f.code.clone(), kind: f.kind, parameters: f.parameters };
        self.event(
            c,
            now,
            EventType::Terminating,
            EventDetails { reason: Some(reason.clone()), ..Default::default() },
        );
        self.set_state(c, now, State::Terminating);
        let cl = &mut self.clusters[c];
        cl.state_message = reason.parameters.get("databricks_error_message").cloned().unwrap_or_default();
        cl.termination_reason = Some(reason);
        cl.termination_inferred = f.inferred;
        cl.decided_by = f.decided_by;
        if cl.ready_ms.is_none() && cl.running_ms.is_some() && !cl.libraries.is_empty() {
            cl.ready_ms = Some(now);
        }
        let end = now + self.timing.ms("terminate");
        self.phase(c, "terminating", None, now, end, "ok");
        self.push(c, end, Action::Terminated);
    }

    fn terminated(&mut self, c: usize, now: u64) {
        self.set_state(c, now, State::Terminated);
        let n = self.clusters[c].nodes;
        self.release(c, n);
        self.clusters[c].current_num_workers = 0;
        self.clusters[c].terminated_ms = Some(now);
    }
}

impl Failure {
    fn plain(code: &str, parameters: BTreeMap<String, String>) -> Failure {
        Failure { code: code.into(), kind: reason_type(code), parameters, inferred: false, decided_by: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_carry_the_creation_date_and_time() {
        assert_eq!(month_day(0), (1, 1));
        // 2024-02-29 is day 19,782 after 1970-01-01.
        assert_eq!(month_day(19_782), (2, 29));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let id = cluster_id(DEFAULT_EPOCH_MS + 3_723_000, &mut rng);
        assert!(id.starts_with("0101-010203-"), "{id}");
        assert_eq!(id.len(), 20);
    }

    #[test]
    fn only_allowed_transitions_are_allowed() {
        assert!(State::Pending.may_become(State::Terminating));
        assert!(!State::Pending.may_become(State::Terminated));
        assert!(!State::Terminated.may_become(State::Running));
    }
}
