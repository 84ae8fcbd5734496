//! A directory of Terraform code: the bytes are its `main.tf`, evaluated without Terraform.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Made and removed each run (a few syscalls against tens of milliseconds of evaluation): a
    // directory kept for the whole process outlived it, one left behind per fuzzing run.
    let dir = std::env::temp_dir().join(format!("adbflow-fuzz-hcl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    std::fs::write(dir.join("main.tf"), data).expect("write main.tf");
    let loaded = adbflow_import::load_path_with(&dir, &adbflow_import::hcl::HclOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(loaded) = loaded {
        adbflow_fuzz::check_invariants(loaded.estate);
    }
});
