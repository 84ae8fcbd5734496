//! The Libraries API on the modelled network: which flow a library's download needs, whether this
//! deployment delivers it, and the status the Libraries API reports for it over a cluster's runs.
//!
//! Installation starts when a run of the cluster begins (RUNNING after PENDING or RESTARTING), or
//! when the request arrives during a run; it takes `library-install` when the download's flow is
//! delivered and ends FAILED after `library-timeout` when it is not (pip and Maven retry before
//! they give up). Durations do not share bandwidth with other downloads: the emulator answers
//! status questions, it does not load the network.

use super::cluster::{State, StateChange};
use super::timing::TimingTable;
use super::world::WorkspaceWorld;
use crate::catalog::FlowId;

/// Where a library comes from, as the Libraries API's `Library` object names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibrarySource {
    Pypi {
        package: String,
        repo: Option<String>,
    },
    Maven {
        coordinates: String,
        repo: Option<String>,
    },
    Cran {
        package: String,
        repo: Option<String>,
    },
    /// `jar`, `whl`, `egg` or `requirements`, and its path.
    File {
        kind: &'static str,
        path: String,
    },
}

impl LibrarySource {
    /// How the API's error messages name the library (`pypi { package: "simplejson" }`).
    pub fn describe(&self) -> String {
        match self {
            LibrarySource::Pypi { package, .. } => format!("pypi {{ package: \"{package}\" }}"),
            LibrarySource::Maven { coordinates, .. } => format!("maven {{ coordinates: \"{coordinates}\" }}"),
            LibrarySource::Cran { package, .. } => format!("cran {{ package: \"{package}\" }}"),
            LibrarySource::File { kind, path } => format!("{kind} {{ path: \"{path}\" }}"),
        }
    }

    fn custom_repo(&self) -> Option<&str> {
        match self {
            LibrarySource::Pypi { repo, .. }
            | LibrarySource::Maven { repo, .. }
            | LibrarySource::Cran { repo, .. } => repo.as_deref(),
            LibrarySource::File { .. } => None,
        }
    }
}

/// The storage or control-plane flow that serves a library file, by the path's scheme; `None` for a
/// path no Databricks library location uses.
pub fn file_flow(path: &str) -> Option<FlowId> {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("dbfs:/") {
        Some(FlowId::DbfsBlob)
    } else if lower.starts_with("/volumes/") {
        Some(FlowId::UcStorage)
    } else if lower.starts_with("/workspace/") || lower.starts_with("/users/") {
        // Workspace files are served by the control plane's web application.
        Some(FlowId::Webapp)
    } else if lower.starts_with("abfss://") || lower.starts_with("wasbs://") {
        Some(FlowId::ExternalLocation)
    } else {
        None
    }
}

/// The flows a node needs to fetch `source`, in the order it uses them.
pub fn flows(source: &LibrarySource) -> Vec<FlowId> {
    match source {
        LibrarySource::Pypi { .. } => vec![FlowId::Pypi, FlowId::PypiFiles],
        LibrarySource::Maven { .. } => vec![FlowId::Maven],
        LibrarySource::Cran { .. } => vec![FlowId::Cran],
        // A requirements file is read from its location, then pip fetches what it lists.
        LibrarySource::File { kind: "requirements", path } => {
            file_flow(path).into_iter().chain([FlowId::Pypi, FlowId::PypiFiles]).collect()
        }
        LibrarySource::File { path, .. } => file_flow(path).into_iter().collect(),
    }
}

/// Whether this deployment lets a node fetch the library, and why not.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryOutcome {
    pub delivered: bool,
    /// The flow that decided: the first one not delivered, or the last one used.
    pub flow: Option<FlowId>,
    /// The check's explanation of that flow.
    pub reason: String,
    pub decided_by: Option<String>,
    /// True when the answer rests on an assumption (a custom repository the model does not trace
    /// is taken to be reached like the public one).
    pub inferred: bool,
}

pub fn outcome(ws: &WorkspaceWorld, source: &LibrarySource) -> LibraryOutcome {
    let inferred_repo = source.custom_repo().is_some();
    let mut last = None;
    for id in flows(source) {
        let Some(f) = ws.flows.get(&id) else { continue };
        if !f.delivered {
            return LibraryOutcome {
                delivered: false,
                flow: Some(id),
                reason: f.message.clone(),
                decided_by: f.decided_by.clone(),
                inferred: f.inferred || inferred_repo,
            };
        }
        last = Some((id, f.inferred));
    }
    LibraryOutcome {
        delivered: true,
        flow: last.map(|(id, _)| id),
        reason: String::new(),
        decided_by: None,
        inferred: last.is_some_and(|(_, i)| i) || inferred_repo,
    }
}

/// `LibraryInstallStatus` values the emulator reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallStatus {
    Pending,
    Installing,
    Installed,
    Failed,
    UninstallOnRestart,
}

impl InstallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstallStatus::Pending => "PENDING",
            InstallStatus::Installing => "INSTALLING",
            InstallStatus::Installed => "INSTALLED",
            InstallStatus::Failed => "FAILED",
            InstallStatus::UninstallOnRestart => "UNINSTALL_ON_RESTART",
        }
    }
}

/// Runs of a cluster: `(start, end)` in virtual ms, a run starting where RUNNING follows PENDING
/// or RESTARTING (a resize does not reinstall) and ending at the next RESTARTING or TERMINATING.
fn runs(states: &[StateChange]) -> Vec<(u64, Option<u64>)> {
    let mut out: Vec<(u64, Option<u64>)> = Vec::new();
    let mut previous: Option<State> = None;
    for s in states {
        match s.state {
            State::Running if matches!(previous, Some(State::Pending | State::Restarting)) => {
                out.push((s.at_ms, None));
            }
            State::Restarting | State::Terminating => {
                if let Some(last) = out.last_mut().filter(|r| r.1.is_none()) {
                    last.1 = Some(s.at_ms);
                }
            }
            _ => {}
        }
        previous = Some(s.state);
    }
    out
}

/// The status at virtual time `now` of a library requested at `requested_at` (and uninstalled at
/// `removed_at`) on a cluster with state history `states`; `None` once an uninstall has taken
/// effect (a run began after it), when the API no longer lists the library.
pub fn status(
    states: &[StateChange],
    requested_at: u64,
    removed_at: Option<u64>,
    now: u64,
    delivered: bool,
    timing: &TimingTable,
) -> Option<InstallStatus> {
    let runs = runs(states);
    if let Some(u) = removed_at.filter(|u| *u <= now) {
        if runs.iter().any(|(start, _)| *start > u && *start <= now) {
            return None;
        }
        return Some(InstallStatus::UninstallOnRestart);
    }
    let duration = timing.ms(if delivered { "library-install" } else { "library-timeout" });
    // The latest run, up to now, during which an installation of this library began.
    let attempt = runs.iter().rev().find_map(|&(start, end)| {
        let begin = start.max(requested_at);
        let ended_before = end.is_some_and(|e| e <= begin);
        (begin <= now && !ended_before).then_some((begin, end))
    });
    let Some((begin, end)) = attempt else { return Some(InstallStatus::Pending) };
    let until = end.map_or(now, |e| e.min(now));
    if until - begin >= duration {
        Some(if delivered { InstallStatus::Installed } else { InstallStatus::Failed })
    } else if end.is_some_and(|e| e <= now) {
        // The run ended mid-install: the next start installs again.
        Some(InstallStatus::Pending)
    } else {
        Some(InstallStatus::Installing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::timing;

    fn history(changes: &[(u64, State)]) -> Vec<StateChange> {
        changes.iter().map(|&(at_ms, state)| StateChange { at_ms, state }).collect()
    }

    #[test]
    fn a_library_installs_once_the_cluster_runs_and_fails_after_the_timeout_when_blocked() {
        let t = timing::builtin();
        let (install, timeout) = (t.ms("library-install"), t.ms("library-timeout"));
        let h = history(&[(0, State::Pending), (1_000, State::Running)]);
        // Requested while PENDING: nothing happens before RUNNING.
        assert_eq!(status(&h, 500, None, 900, true, t), Some(InstallStatus::Pending));
        assert_eq!(status(&h, 500, None, 1_000, true, t), Some(InstallStatus::Installing));
        assert_eq!(status(&h, 500, None, 1_000 + install, true, t), Some(InstallStatus::Installed));
        assert_eq!(status(&h, 500, None, 1_000 + timeout - 1, false, t), Some(InstallStatus::Installing));
        assert_eq!(status(&h, 500, None, 1_000 + timeout, false, t), Some(InstallStatus::Failed));
        // Requested during the run: the install starts at the request.
        assert_eq!(status(&h, 5_000, None, 5_000 + install - 1, true, t), Some(InstallStatus::Installing));
    }

    #[test]
    fn a_resize_does_not_reinstall_but_a_restart_does_and_takes_an_uninstall_into_effect() {
        let t = timing::builtin();
        let install = t.ms("library-install");
        let h = history(&[
            (0, State::Pending),
            (1_000, State::Running),
            (2_000_000, State::Resizing),
            (2_100_000, State::Running),
            (3_000_000, State::Restarting),
            (3_100_000, State::Running),
        ]);
        assert!(install < 1_000_000, "the test assumes an install shorter than the first run");
        assert_eq!(status(&h, 0, None, 2_100_001, true, t), Some(InstallStatus::Installed));
        assert_eq!(status(&h, 0, None, 3_100_000, true, t), Some(InstallStatus::Installing));
        assert_eq!(
            status(&h, 0, Some(2_500_000), 2_600_000, true, t),
            Some(InstallStatus::UninstallOnRestart)
        );
        assert_eq!(status(&h, 0, Some(2_500_000), 3_100_000, true, t), None);
    }

    #[test]
    fn a_cluster_terminated_mid_install_reports_pending_and_a_finished_one_keeps_its_status() {
        let t = timing::builtin();
        let install = t.ms("library-install");
        let h = history(&[
            (0, State::Pending),
            (1_000, State::Running),
            (1_001, State::Terminating),
            (2_000, State::Terminated),
        ]);
        assert_eq!(status(&h, 0, None, 10_000_000, true, t), Some(InstallStatus::Pending));
        let end = 1_000 + install + 5;
        let h = history(&[(0, State::Pending), (1_000, State::Running), (end, State::Terminating)]);
        assert_eq!(status(&h, 0, None, end + 100_000, true, t), Some(InstallStatus::Installed));
    }

    #[test]
    fn files_are_fetched_over_the_flow_their_location_needs() {
        assert_eq!(file_flow("dbfs:/FileStore/jars/a.jar"), Some(FlowId::DbfsBlob));
        assert_eq!(file_flow("/Volumes/main/default/libs/a.whl"), Some(FlowId::UcStorage));
        assert_eq!(file_flow("/Workspace/Shared/a.whl"), Some(FlowId::Webapp));
        assert_eq!(file_flow("abfss://c@acct.dfs.core.windows.net/a.jar"), Some(FlowId::ExternalLocation));
        assert_eq!(file_flow("s3://bucket/a.jar"), None);
        let req =
            LibrarySource::File { kind: "requirements", path: "/Volumes/m/d/l/requirements.txt".into() };
        assert_eq!(flows(&req), vec![FlowId::UcStorage, FlowId::Pypi, FlowId::PypiFiles]);
    }
}
