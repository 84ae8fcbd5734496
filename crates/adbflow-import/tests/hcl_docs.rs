//! docs/terraform.md lists exactly the functions the `.tf` evaluator supports, and every warning
//! code it emits.

use std::path::Path;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/terraform.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_function_list_matches_the_evaluator() {
    let text = doc();
    let line = text.lines().find(|l| l.starts_with("- Functions: ")).expect("a `- Functions:` line");
    let listed: Vec<&str> = line
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.trim_end_matches("()"))
        .filter(|s| !s.is_empty())
        .collect();
    let mut documented: Vec<&str> =
        listed.into_iter().filter(|s| !["timestamp", "uuid"].contains(s)).collect();
    documented.sort();
    documented.dedup();
    let mut supported: Vec<&str> = adbflow_import::hcl::supported_functions()
        .iter()
        .copied()
        .filter(|s| !["timestamp", "uuid"].contains(s))
        .collect();
    supported.sort();
    assert_eq!(documented, supported);
}

#[test]
fn every_warning_code_is_documented() {
    let text = doc();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/hcl");
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let code = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in code.split('"').skip(1).step_by(2) {
            if part.starts_with("terraform-hcl-") && !codes.contains(&part.to_string()) {
                codes.push(part.to_string());
            }
        }
    }
    assert!(codes.len() >= 6, "{codes:?}");
    for c in codes {
        assert!(text.contains(&format!("`{c}`")), "{c} is not in docs/terraform.md");
    }
}
