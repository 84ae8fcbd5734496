//! Microsoft's weekly ServiceTags_Public JSON: any bytes load or fail with an error, and a loaded
//! file answers containment questions.
#![no_main]
use adbflow_net::ServiceTags;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(tags) = ServiceTags::from_json("fuzz.json", text) {
        let _ = tags.clone();
    }
});
