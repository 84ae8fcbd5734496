//! Terraform plan and state JSON (`terraform show -json`), with format detection as the CLI does it.
#![no_main]
use adbflow_import::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [Format::TerraformPlan, Format::TerraformState] {
        if let Ok(loaded) = adbflow_import::load_str(text, "fuzz.json", format) {
            adbflow_fuzz::check_invariants(loaded.estate);
        }
    }
    let _ = adbflow_import::detect(text, "fuzz.json");
});
