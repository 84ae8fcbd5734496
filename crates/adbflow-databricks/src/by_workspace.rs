//! Rows of a report grouped by the workspace they belong to (or workspaces by their name), for
//! the passes that answer per workspace, flow or finding (cost, capacity, simulation, diff,
//! SARIF): filtering every row for every workspace grew with the square of the estate (`adbflow
//! cost` of 5,000 workspaces took half a minute).

use std::collections::HashMap;

/// Each workspace's rows in their order in `rows`.
pub fn by_workspace<T>(rows: &[T], workspace: impl Fn(&T) -> &str) -> HashMap<&str, Vec<&T>> {
    let mut groups: HashMap<&str, Vec<&T>> = HashMap::new();
    for r in rows {
        groups.entry(workspace(r)).or_default().push(r);
    }
    groups
}

/// The rows of `workspace` in `groups`, none when it has no row.
pub fn rows_of<'g, 'a, T>(groups: &'g HashMap<&'a str, Vec<&'a T>>, workspace: &str) -> &'g [&'a T] {
    groups.get(workspace).map(Vec::as_slice).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_each_workspaces_rows_in_their_order() {
        let rows = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("a", 5)];
        let g = by_workspace(&rows, |r| r.0);
        let nums = |w: &str| rows_of(&g, w).iter().map(|r| r.1).collect::<Vec<_>>();
        assert_eq!(nums("a"), [1, 3, 5]);
        assert_eq!(nums("b"), [2]);
        assert!(nums("d").is_empty());
    }
}
