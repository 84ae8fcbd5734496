//! Native TOML: any bytes either fail to load with an error or load an estate the engine answers for.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loaded) = adbflow_import::load_str(text, "fuzz.toml", adbflow_import::Format::NativeToml) {
        adbflow_fuzz::check_invariants(loaded.estate);
    }
});
