//! Error reporting outside the corpus: missing files, directories, oversized input, the exact
//! display format of validation errors, warnings on success, and format detection.

use adbflow_import::{detect, load_path, load_str, Format, ImportError, MAX_INPUT_BYTES};
use adbflow_model::Severity;

/// A directory of the test's own, removed with it.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

#[test]
fn missing_file_names_the_file() {
    let tmp = scratch();
    let path = tmp.path().join("does-not-exist.toml");
    let err = load_path(&path).err();
    assert!(matches!(&err, Some(ImportError::Io { .. })), "{err:?}");
    let shown = err.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(shown, format!("{}: cannot read the file: no such file", path.display()));
}

#[test]
fn a_directory_is_not_an_estate() {
    let tmp = scratch();
    let dir = tmp.path().join("a-directory.toml");
    let _ = std::fs::create_dir_all(&dir);
    let shown = load_path(&dir).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(shown.starts_with(&dir.display().to_string()) && shown.contains("directory"), "{shown}");
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let tmp = scratch();
    let path = tmp.path().join("huge.json");
    // A sparse file: the size check must happen without reading 256 MiB.
    let made = std::fs::File::create(&path).and_then(|f| f.set_len(MAX_INPUT_BYTES + 1));
    assert!(made.is_ok(), "{made:?}");
    let err = load_path(&path).err();
    let _ = std::fs::remove_file(&path);
    match err {
        Some(ImportError::TooLarge { size, limit, ref file }) => {
            assert_eq!((size, limit), (MAX_INPUT_BYTES + 1, MAX_INPUT_BYTES));
            assert_eq!(file, &path.display().to_string());
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn invalid_display_is_file_line_col_code_element_message() {
    let text = "[[vnets]]\nname = \"v\"\naddress_space = []\n";
    let err = load_str(text, "f.toml", Format::NativeToml).err();
    let shown = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        shown.starts_with(
            "f.toml:1:1: error[vnet-address-space-empty]: vnet:v: virtual network 'v' has no address space"
        ),
        "{shown}"
    );
}

#[test]
fn invalid_lists_errors_before_warnings_one_per_line() {
    let text = r#"
[[vnets]]
name = "a"
address_space = ["10.0.0.0/16"]

[[vnets]]
name = "b"
address_space = ["10.1.0.0/16"]
subnets = [{ name = "s", prefix = "10.2.0.0/24" }]

[[peerings]]
name = "a-to-b"
vnet = "a"
remote_vnet = "b"
"#;
    let shown = load_str(text, "f.toml", Format::NativeToml).err().map(|e| e.to_string()).unwrap_or_default();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert!(lines[0].starts_with("f.toml:9:12: error[subnet-outside-vnet]: subnet:b/s: "), "{shown}");
    assert!(
        lines[1].starts_with("f.toml:11:1: warning[peering-not-connected]: peering:a/a-to-b: "),
        "{shown}"
    );
}

#[test]
fn warnings_do_not_stop_loading() {
    let text = r#"
[[vnets]]
name = "a"
address_space = ["10.0.0.0/16"]

[[vnets]]
name = "b"
address_space = ["10.1.0.0/16"]

[[peerings]]
name = "a-to-b"
vnet = "a"
remote_vnet = "b"
"#;
    let l = load_str(text, "w.toml", Format::NativeToml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.warnings.len(), 1);
    let w = &l.warnings[0];
    assert_eq!((w.severity, w.code), (Severity::Warning, "peering-not-connected"));
    assert_eq!(w.to_string().split(": ").next(), Some("w.toml:10:1"));
}

#[test]
fn content_detection_for_other_extensions() {
    let tmp = scratch();
    let toml = tmp.path().join("estate.conf");
    let json = tmp.path().join("estate.txt");
    let written = std::fs::write(&toml, "region = \"eastus2\"\n")
        .and_then(|_| std::fs::write(&json, "{\"region\": \"eastus2\"}"));
    assert!(written.is_ok());
    assert_eq!(load_path(&toml).map(|l| l.format).ok(), Some(Format::NativeToml));
    assert_eq!(load_path(&json).map(|l| l.format).ok(), Some(Format::NativeJson));
    assert_eq!(detect("[[vnets]]\nname = \"a\"\n", "x").ok(), Some(Format::NativeToml));
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let l = load_str("\u{feff}{\"region\": \"westeurope\"}", "bom.json", Format::NativeJson);
    assert_eq!(l.map(|l| l.estate.region().to_string()).ok().as_deref(), Some("westeurope"));
}

#[test]
fn extension_wins_over_content() {
    let tmp = scratch();
    // JSON content in a .toml file is read as TOML and fails as TOML would.
    let path = tmp.path().join("really-json.toml");
    assert!(std::fs::write(&path, "{\"region\": \"eastus2\"}\n").is_ok());
    let err = load_path(&path).err();
    assert!(matches!(err, Some(ImportError::Parse { location: Some(_), .. })), "{err:?}");
}
