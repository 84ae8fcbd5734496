//! Durable state in SQLite (WAL, synchronous=FULL): the server's clock origin and every accepted
//! command, appended before the response goes out. The simulation is deterministic, so replaying
//! the commands at their virtual times rebuilds the same clusters, IDs and events; the virtual time
//! that passed while the server was down then runs as it would have.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

pub const DB_FILE: &str = "adbflow-serve.sqlite";

/// One accepted state-changing request.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Virtual ms when it took effect.
    pub at_ms: u64,
    /// One of [`crate::emulator::COMMANDS`].
    pub kind: String,
    pub cluster_id: String,
    /// The request body as JSON text.
    pub body: String,
}

pub struct Store {
    conn: Connection,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error("{0}")]
    Mismatch(String),
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join(DB_FILE);
        let err = |source| StoreError::Sqlite { path: path.display().to_string(), source };
        if let Err(e) = std::fs::create_dir_all(dir) {
            return Err(StoreError::Mismatch(format!("{}: {e}", dir.display())));
        }
        let conn = Connection::open(&path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS commands (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 at_ms INTEGER NOT NULL,
                 kind TEXT NOT NULL,
                 cluster_id TEXT NOT NULL,
                 body TEXT NOT NULL);",
        )
        .map_err(err)?;
        Ok(Store { conn })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        let path = self.conn.path().unwrap_or("sqlite").to_string();
        StoreError::Sqlite { path, source }
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The stored value of `key`, or `value` stored now; a different stored value is an error
    /// (replaying under another seed or time scale would rebuild other clusters).
    pub fn pin(&self, key: &str, value: &str) -> Result<String, StoreError> {
        match self.meta(key)? {
            Some(v) if v == value => Ok(v),
            Some(v) => Err(StoreError::Mismatch(format!(
                "the data directory was written with {key} {v}, not {value}; use the same {key} or another --data-dir"
            ))),
            None => {
                self.set_meta(key, value)?;
                Ok(value.to_string())
            }
        }
    }

    pub fn append(&self, c: &Command) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO commands (at_ms, kind, cluster_id, body) VALUES (?1, ?2, ?3, ?4)",
                params![c.at_ms as i64, c.kind, c.cluster_id, c.body],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn commands(&self) -> Result<Vec<Command>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at_ms, kind, cluster_id, body FROM commands ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Command {
                    at_ms: r.get::<_, i64>(0)? as u64,
                    kind: r.get(1)?,
                    cluster_id: r.get(2)?,
                    body: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_survive_reopening_and_another_seed_is_refused() {
        let dir = std::env::temp_dir().join(format!("adbflow-persist-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = Command {
            at_ms: 42,
            kind: "create".into(),
            cluster_id: "0101-000000-abcdefgh".into(),
            body: "{}".into(),
        };
        {
            let s = Store::open(&dir).unwrap();
            s.pin("seed", "1").unwrap();
            s.append(&c).unwrap();
        }
        let s = Store::open(&dir).unwrap();
        assert_eq!(s.commands().unwrap(), vec![c]);
        assert!(matches!(s.pin("seed", "2"), Err(StoreError::Mismatch(_))));
        assert_eq!(s.pin("seed", "1").unwrap(), "1");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
