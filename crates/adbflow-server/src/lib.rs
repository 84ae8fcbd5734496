//! `adbflow serve`: a Databricks Clusters API emulator. Clusters launched through it follow the
//! simulation (`adbflow_databricks::simulate`) on the modelled network, with virtual time running
//! `time_scale` times faster than the wall clock: they reach RUNNING, or terminate with the code
//! the network causes.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod catalog;
pub mod clock;
pub mod emulator;
pub mod error;
pub mod persist;
pub mod validate;

use adbflow_databricks::check::CheckOptions;
use adbflow_databricks::limits::LimitTable;
use adbflow_databricks::simulate::{world, Engine, TimingTable};
use adbflow_model::{Estate, Workspace};
use adbflow_net::ServiceTags;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clock::Clock;
use emulator::Emulator;
use error::ApiError;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use clock::wall_ms;

/// Largest request body accepted (the real API's limits are larger, but no Clusters call needs more).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Path of the unauthenticated health check.
pub const HEALTH_PATH: &str = "/health";

#[derive(Clone)]
pub struct AppState {
    pub emulator: Arc<Mutex<Emulator>>,
    tokens: Arc<Vec<String>>,
    pub body_limit: usize,
    /// The workspace whose IP access lists decide which client addresses may call the API.
    gate: Option<Arc<Workspace>>,
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub tokens: Vec<String>,
    pub time_scale: f64,
    pub body_limit: usize,
    /// How often the background tick advances the simulation, wall time.
    pub tick: Duration,
    pub workspace: Option<String>,
    /// Where state survives restarts (SQLite); in memory only when `None`.
    pub data_dir: Option<std::path::PathBuf>,
    /// The emulated workspace as modelled: its IP access lists apply to clients' addresses.
    pub gate: Option<Workspace>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            tokens: Vec::new(),
            time_scale: 1.0,
            body_limit: DEFAULT_BODY_LIMIT,
            tick: Duration::from_millis(100),
            workspace: None,
            data_dir: None,
            gate: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("check: {0}")]
    Check(#[from] adbflow_databricks::error::CheckError),
    #[error("{0}")]
    Options(String),
    #[error("listening on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("data directory: {0}")]
    Store(#[from] persist::StoreError),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// The engine for `estate`: check it (the same answers as `adbflow check`) and build the network view.
pub fn engine_for(
    estate: &Estate,
    tags: &ServiceTags,
    check_options: &CheckOptions<'_>,
    limits: &LimitTable,
    timing: &TimingTable,
    connections_per_node: u32,
    seed: u64,
) -> Result<Engine, ServeError> {
    let prepared = adbflow_databricks::prepare(estate, check_options.regions, check_options.workspace)?;
    let check = adbflow_databricks::check::check_prepared(&prepared, tags);
    let w = world(&check, &prepared.estate, limits, connections_per_node);
    Ok(Engine::new(w, timing.clone(), seed))
}

/// The workspace clusters launch in (`name`, or the first): its IP access lists guard the API.
pub fn gate_for(estate: &Estate, name: Option<&str>) -> Option<Workspace> {
    match name {
        Some(n) => estate.workspaces.iter().find(|w| w.name == n).cloned(),
        None => estate.workspaces.first().cloned(),
    }
}

/// The application: routes, auth, body limit, request logging.
pub fn app(
    engine: Engine,
    timing: &TimingTable,
    options: &ServeOptions,
) -> Result<(Router, AppState), ServeError> {
    if !(options.time_scale.is_finite() && options.time_scale > 0.0) {
        return Err(ServeError::Options(format!("time scale must be positive, got {}", options.time_scale)));
    }
    if options.tokens.is_empty() {
        return Err(ServeError::Options("no token: give at least one --token".into()));
    }
    let emulator = match &options.data_dir {
        None => {
            let clock = Clock { start_ms: wall_ms(), scale: options.time_scale };
            Emulator::new(engine, timing, clock, options.workspace.clone())
        }
        Some(dir) => {
            let store = persist::Store::open(dir)?;
            Emulator::restore(
                engine,
                timing,
                store,
                options.time_scale,
                wall_ms(),
                options.workspace.clone(),
            )?
        }
    };
    let state = AppState {
        emulator: Arc::new(Mutex::new(emulator)),
        tokens: Arc::new(options.tokens.clone()),
        body_limit: options.body_limit,
        gate: options.gate.clone().map(Arc::new),
    };
    let router = api::router()
        .route(HEALTH_PATH, get(health))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(middleware::from_fn(log))
        .with_state(state.clone());
    Ok((router, state))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found(req: Request) -> ApiError {
    ApiError::endpoint_not_found(req.uri().path())
}

/// The workspace's IP access lists, then bearer tokens; only the health check is open.
async fn auth(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() == HEALTH_PATH {
        return next.run(req).await;
    }
    if let Some(ws) = &s.gate {
        let client = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let v4 = client.and_then(|ip| match ip {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(v6) => v6.to_ipv4_mapped(),
        });
        // Databricks checks IP access lists before credentials (domain notes §5: public requests).
        let refused = match (client, v4) {
            (Some(_), Some(v4)) => adbflow_databricks::acceptance::ip_access(ws, Some(v4)).is_err(),
            // The model's lists hold IPv4 ranges: an IPv6 client is in no allow list (so any
            // enabled one refuses it) and in no block list.
            (Some(_), None) => ws
                .ip_access_lists
                .iter()
                .any(|l| l.enabled && l.list_type == adbflow_model::IpAccessListType::Allow),
            (None, _) => false,
        };
        if let (true, Some(ip)) = (refused, client) {
            return ApiError::ip_blocked(ip, &ws.name).into_response();
        }
    }
    let given = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(t) if s.tokens.iter().any(|k| k == t) => next.run(req).await,
        Some(_) => ApiError::unauthenticated("Invalid access token.").into_response(),
        None => {
            ApiError::unauthenticated("Credential was not sent or was of an unsupported type for this API.")
                .into_response()
        }
    }
}

async fn log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, %path, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    res
}

/// Advance the simulation with the wall clock even when nobody asks, so lifecycles progress.
fn spawn_tick(state: &AppState, every: Duration) {
    let emulator = state.emulator.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            interval.tick().await;
            if let Ok(mut e) = emulator.lock() {
                e.sync();
            }
        }
    });
}

/// Bind `addr` and serve until `shutdown` resolves; `on_bound` gets the actual address (port 0 picks one).
pub async fn serve(
    engine: Engine,
    timing: &TimingTable,
    options: &ServeOptions,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (router, state) = app(engine, timing, options)?;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    on_bound(listener.local_addr()?);
    spawn_tick(&state, options.tick);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, for a graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Structured request logging to stderr (`RUST_LOG`-style filtering is not needed: info and up).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

/// [`serve`] on its own runtime until Ctrl-C or SIGTERM (for the CLI, which has no runtime).
pub fn serve_blocking(
    engine: Engine,
    timing: &TimingTable,
    options: &ServeOptions,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(engine, timing, options, addr, on_bound, shutdown_signal()))
}
