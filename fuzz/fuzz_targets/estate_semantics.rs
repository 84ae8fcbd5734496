//! Structure-aware: the bytes choose an estate's shape (src/estate_gen.rs); whatever loads must keep
//! the engine's invariants (src/lib.rs).
#![no_main]
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = adbflow_fuzz::estate_gen::estate_toml(&mut u) else { return };
    if let Ok(loaded) = adbflow_import::load_str(&text, "generated.toml", adbflow_import::Format::NativeToml)
    {
        adbflow_fuzz::check_invariants(loaded.estate);
    }
});
