//! Wall clock to virtual clock: the engine's T+0 is the emulator's first start, and virtual time runs
//! `scale` times faster than the wall, so a five-minute launch takes five seconds at scale 60.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Wall time (epoch ms) of virtual T+0.
    pub start_ms: u64,
    pub scale: f64,
}

pub fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Clock {
    /// Virtual milliseconds after T+0 at wall time `wall`.
    pub fn virtual_at(&self, wall: u64) -> u64 {
        (wall.saturating_sub(self.start_ms) as f64 * self.scale) as u64
    }

    pub fn now(&self) -> u64 {
        self.virtual_at(wall_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_sixty_turns_five_wall_seconds_into_five_virtual_minutes() {
        let c = Clock { start_ms: 1_000_000, scale: 60.0 };
        assert_eq!(c.virtual_at(1_005_000), 300_000);
        assert_eq!(c.virtual_at(999_000), 0, "before T+0 the clock stays at 0");
    }
}
