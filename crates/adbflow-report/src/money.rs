//! Number formatting and the markdown table shared by the cost, capacity and compare renderers.

use comfy_table::{Cell, CellAlignment, Row};

/// `$1,234.56`; amounts under a cent that are not zero show as `<$0.01`.
pub fn money(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.005 {
        return "<$0.01".into();
    }
    let cents = (x * 100.0).round() as i64;
    let (whole, frac) = (cents.abs() / 100, cents.abs() % 100);
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${}.{frac:02}", thousands(whole as u64))
}

/// A price per unit, with as many decimals as it has (up to 4).
pub fn price(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0');
    let s = if s.ends_with('.') { format!("{s}00") } else { s.to_string() };
    let decimals = s.split('.').nth(1).map(str::len).unwrap_or(0);
    if decimals < 2 {
        format!("${s}{}", "0".repeat(2 - decimals))
    } else {
        format!("${s}")
    }
}

/// A quantity with up to 3 decimals and thousands separators.
pub fn qty(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    let whole = r.trunc() as u64;
    let frac = format!("{:.3}", r.fract().abs());
    let frac = frac.trim_start_matches('0').trim_end_matches('0').trim_end_matches('.');
    format!("{}{}", thousands(whole), frac)
}

pub fn thousands(n: u64) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits.rchunks(3).rev().map(|c| c.iter().collect()).collect();
    groups.join(",")
}

/// A row whose cells at the `right` indices are right-aligned (numbers).
pub fn row(cells: Vec<String>, right: &[usize]) -> Row {
    Row::from(
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let cell = Cell::new(c);
                if right.contains(&i) {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            })
            .collect::<Vec<_>>(),
    )
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn md_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| md_cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_for_people() {
        assert_eq!(money(37.6745), "$37.67");
        assert_eq!(money(1277.5), "$1,277.50");
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(0.001), "<$0.01");
        assert_eq!(price(0.045), "$0.045");
        assert_eq!(price(1.25), "$1.25");
        assert_eq!(price(0.0), "$0.00");
        assert_eq!(price(0.0875), "$0.0875");
        assert_eq!(qty(26.1), "26.1");
        assert_eq!(qty(1234567.0), "1,234,567");
        assert_eq!(qty(0.0004), "0");
        assert_eq!(thousands(64512), "64,512");
        assert_eq!(
            md_table(&["a", "b"], [vec!["x|y".into(), "1".into()]].into_iter()),
            "| a | b |\n|---|---|\n| x\\|y | 1 |\n"
        );
    }
}
