//! Shared table style: plain ASCII-free UTF-8 borders, no colour, no terminal-width dependence so
//! output is byte-identical everywhere.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    t
}

pub fn render(t: &Table) -> String {
    let mut s = t.to_string();
    s.push('\n');
    s
}
