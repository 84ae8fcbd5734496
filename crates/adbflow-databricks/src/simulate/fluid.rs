//! Fluid-flow bandwidth sharing: transfers are continuous flows that share the capacity of the
//! devices on their paths max-min fairly (progressive filling), each also held under its own
//! ceiling (the node's NIC, a per-connection limit). A transfer stands for `weight` identical
//! node downloads that start together, so a 100-node cluster is one transfer of weight 100.

use std::collections::BTreeMap;

/// A shared device: a NAT gateway, a firewall, a storage account's egress.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: String,
    /// Gbps available now.
    pub capacity: f64,
    /// Gbps after scale-out (a new firewall), when it differs.
    pub scaled_capacity: Option<f64>,
    /// Set once the load has crossed the scale-out trigger.
    pub scale_out_started: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub owner: u64,
    /// Gigabits left, per node.
    pub remaining: f64,
    pub weight: f64,
    /// Per-node ceiling, Gbps.
    pub ceiling: f64,
    pub resources: Vec<usize>,
    /// Per-node rate, Gbps, from the last allocation.
    pub rate: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Fluid {
    pub resources: Vec<Resource>,
    transfers: BTreeMap<u64, Transfer>,
    next_id: u64,
    /// Virtual time (ms) the `remaining` figures are valid at.
    at_ms: u64,
}

const EPS: f64 = 1e-9;

impl Fluid {
    /// The index of resource `name`, created with `capacity` Gbps when new.
    pub fn resource(&mut self, name: &str, capacity: f64, scaled: Option<f64>) -> usize {
        if let Some(i) = self.resources.iter().position(|r| r.name == name) {
            return i;
        }
        self.resources.push(Resource {
            name: name.to_string(),
            capacity,
            scaled_capacity: scaled,
            scale_out_started: false,
        });
        self.resources.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.transfers.is_empty()
    }

    /// Start a transfer of `gbit` per node at `now`; rates are reallocated.
    pub fn start(
        &mut self,
        now: u64,
        owner: u64,
        gbit: f64,
        weight: f64,
        ceiling: f64,
        res: Vec<usize>,
    ) -> u64 {
        self.progress(now);
        let id = self.next_id;
        self.next_id += 1;
        self.transfers.insert(
            id,
            Transfer { owner, remaining: gbit.max(0.0), weight, ceiling, resources: res, rate: 0.0 },
        );
        self.allocate();
        id
    }

    pub fn set_capacity(&mut self, now: u64, resource: usize, gbps: f64) {
        self.progress(now);
        self.resources[resource].capacity = gbps;
        self.allocate();
    }

    /// Move every transfer forward to `now` at its current rate.
    fn progress(&mut self, now: u64) {
        let dt = now.saturating_sub(self.at_ms) as f64 / 1000.0;
        if dt > 0.0 {
            for t in self.transfers.values_mut() {
                t.remaining = (t.remaining - t.rate * dt).max(0.0);
            }
        }
        self.at_ms = self.at_ms.max(now);
    }

    /// Max-min fair rates by progressive filling: raise every unfrozen transfer's rate together until a
    /// device saturates or a transfer reaches its ceiling, freeze those, repeat.
    fn allocate(&mut self) {
        let mut residual: Vec<f64> = self.resources.iter().map(|r| r.capacity).collect();
        let mut frozen: BTreeMap<u64, bool> = BTreeMap::new();
        for (id, t) in self.transfers.iter_mut() {
            t.rate = 0.0;
            frozen.insert(*id, t.ceiling <= EPS);
        }
        loop {
            let mut load = vec![0.0; residual.len()];
            let mut any = false;
            let mut step = f64::INFINITY;
            for (id, t) in &self.transfers {
                if frozen[id] {
                    continue;
                }
                any = true;
                step = step.min(t.ceiling - t.rate);
                for &r in &t.resources {
                    load[r] += t.weight;
                }
            }
            if !any {
                break;
            }
            for (r, l) in load.iter().enumerate() {
                if *l > 0.0 {
                    step = step.min(residual[r] / l);
                }
            }
            let step = step.max(0.0);
            for (r, l) in load.iter().enumerate() {
                residual[r] -= step * l;
            }
            for (id, t) in self.transfers.iter_mut() {
                if frozen[id] {
                    continue;
                }
                t.rate += step;
                let saturated =
                    t.resources.iter().any(|&r| residual[r] <= EPS * self.resources[r].capacity.max(1.0));
                if saturated || t.rate >= t.ceiling - EPS {
                    frozen.insert(*id, true);
                }
            }
        }
    }

    /// The load each resource carries now, Gbps.
    pub fn loads(&self) -> Vec<f64> {
        let mut load = vec![0.0; self.resources.len()];
        for t in self.transfers.values() {
            for &r in &t.resources {
                load[r] += t.rate * t.weight;
            }
        }
        load
    }

    /// When the next transfer finishes at current rates (ms, rounded up), if any moves.
    pub fn next_completion(&self) -> Option<u64> {
        self.transfers
            .values()
            .filter(|t| t.rate > EPS || t.remaining <= EPS)
            .map(|t| self.at_ms + ((t.remaining / t.rate.max(EPS)) * 1000.0).ceil() as u64)
            .min()
    }

    /// Advance to `now` and take out the transfers that have finished: `(transfer id, owner)`.
    pub fn complete(&mut self, now: u64) -> Vec<(u64, u64)> {
        self.progress(now);
        // A transfer within a millisecond of its end is done: completion times are rounded up to ms.
        let done: Vec<(u64, u64)> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.remaining <= t.rate.max(EPS) * 0.001 + EPS)
            .map(|(id, t)| (*id, t.owner))
            .collect();
        for (id, _) in &done {
            self.transfers.remove(id);
        }
        if !done.is_empty() {
            self.allocate();
        }
        done
    }

    /// Drop a transfer (its owner was terminated).
    pub fn cancel(&mut self, now: u64, id: u64) {
        self.progress(now);
        if self.transfers.remove(&id).is_some() {
            self.allocate();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_device_splits_fairly_and_ceilings_hold() {
        let mut f = Fluid::default();
        let nat = f.resource("nat", 10.0, None);
        // 2 nodes at ≤3 Gbps and 10 nodes at ≤3 Gbps through 10 Gbps: 12 nodes share 10 → 0.833 each.
        f.start(0, 1, 8.0, 2.0, 3.0, vec![nat]);
        f.start(0, 2, 8.0, 10.0, 3.0, vec![nat]);
        let loads = f.loads();
        assert!((loads[nat] - 10.0).abs() < 1e-6, "{loads:?}");
        // A lone node under its ceiling: 8 Gbit at 3 Gbps.
        let mut g = Fluid::default();
        let big = g.resource("nat", 50.0, None);
        g.start(0, 1, 8.0, 1.0, 3.0, vec![big]);
        assert_eq!(g.next_completion(), Some(2667));
        assert_eq!(g.complete(2667), vec![(0, 1)]);
        assert!(g.is_empty());
    }

    #[test]
    fn a_freed_share_goes_to_the_remaining_transfer() {
        let mut f = Fluid::default();
        let r = f.resource("fw", 4.0, None);
        f.start(0, 1, 2.0, 1.0, 10.0, vec![r]); // 2 Gbit at 2 Gbps → 1 s
        f.start(0, 2, 6.0, 1.0, 10.0, vec![r]); // 2 Gbit in the first second, then 4 at 4 Gbps
        assert_eq!(f.next_completion(), Some(1000));
        assert_eq!(f.complete(1000), vec![(0, 1)]);
        assert_eq!(f.next_completion(), Some(2000));
    }
}
