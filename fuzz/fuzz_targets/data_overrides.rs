//! The data tables a user may override: prices (`--prices`), limits, regions (`--regions`), timing,
//! and workload profiles (`--profile`). The first byte picks the table.
#![no_main]
use adbflow_databricks::{
    limits::LimitTable, prices::PriceTable, profile, regions::RegionData, simulate::TimingTable,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match which % 5 {
        0 => drop(PriceTable::parse("prices.toml", text)),
        1 => drop(LimitTable::parse("limits.toml", text)),
        2 => drop(RegionData::parse("regions.toml", text)),
        3 => drop(TimingTable::parse("timing.toml", text)),
        _ => drop(profile::parse_workload_file("profile.toml", text)),
    }
});
