//! A directory of Terraform code: the bytes are its `main.tf`, evaluated without Terraform.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("adbflow-fuzz-hcl-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("a scratch directory");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.join("main.tf"), data).expect("write main.tf");
    if let Ok(loaded) = adbflow_import::load_path_with(dir, &adbflow_import::hcl::HclOptions::default()) {
        adbflow_fuzz::check_invariants(loaded.estate);
    }
});
