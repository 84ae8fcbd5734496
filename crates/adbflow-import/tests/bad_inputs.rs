//! The malformed-input corpus in `tests/bad-inputs/`: every file must fail to load with an error
//! that names the file, the right line and column, and says what is wrong.

use adbflow_import::{load_path, ImportError, Location};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// File, expected `(line, column)` (None: the error has no position), words the message must
/// contain.
type Case = (&'static str, Option<(u32, u32)>, &'static [&'static str]);

/// Locations were checked by hand against each file.
const CASES: &[Case] = &[
    ("bad-direction.toml", Some((7, 13)), &["unknown variant `Outward`", "Inbound"]),
    ("cidr-33.toml", Some((3, 17)), &["'10.0.0.0/33' is not a valid IPv4"]),
    ("dangling-dns-link.json", Some((6, 9)), &["error[dangling-reference]", "virtual network 'nowhere'"]),
    ("dangling-route-table.toml", Some((5, 1)), &["error[dangling-reference]", "route table 'nowhere-rt'"]),
    ("dangling-nsg.toml", Some((5, 1)), &["error[dangling-reference]", "subnet:spoke/host", "'missing-nsg'"]),
    ("datetime-as-name.toml", Some((2, 8)), &["invalid type: datetime", "expected a string"]),
    // Ports are a string or a list of strings, so the second level is already the wrong type.
    ("deep-nesting.json", Some((2, 63)), &["invalid type: sequence, expected a string"]),
    ("deep-nesting.toml", Some((10, 101)), &["recursion depth"]),
    (
        "dnat-action-mismatch.json",
        Some((10, 13)),
        &["error[firewall-collection-action]", "only the Dnat action"],
    ),
    ("duplicate-field.json", Some((3, 23)), &["duplicate field `name`"]),
    ("duplicate-key.toml", Some((3, 1)), &["duplicate key"]),
    (
        "duplicate-priority.toml",
        Some((18, 1)),
        &[
            "error[nsg-rule-priority-conflict]",
            "nsg-rule:nsg/second",
            "conflicts with rule first",
            "duplicate-priority.toml:4:1",
        ],
    ),
    (
        "duplicate-subnet.json",
        Some((8, 9)),
        &["error[duplicate-name]", "subnet:spoke/host", "duplicate-subnet.json:7:9"],
    ),
    (
        "duplicate-vnet.toml",
        Some((5, 1)),
        &["error[duplicate-name]", "vnet:spoke", "duplicate-vnet.toml:1:1"],
    ),
    ("empty.toml", None, &["the file is empty"]),
    (
        "firewall-policy-cycle.toml",
        Some((1, 1)),
        &[
            "error[firewall-policy-cycle]",
            "a -> b -> a",
            "firewall-policy-cycle.toml:5:1: error[firewall-policy-cycle]",
        ],
    ),
    (
        "firewall-policy-parent-missing.toml",
        Some((1, 1)),
        &["error[dangling-reference]", "firewall policy 'missing-parent'", "resource not found"],
    ),
    // Found by the `hcl` fuzz target: a 3 KB file that kept hcl-edit busy for minutes.
    (
        "hcl-fuzz-nesting-hang",
        Some((1, 1216)),
        &["hcl-fuzz-nesting-hang/main.tf:1:1216:", "nested more than 12 levels"],
    ),
    // A directory of Terraform code: the error names the .tf file inside it.
    ("hcl-syntax-error", Some((3, 21)), &["hcl-syntax-error/main.tf:3:21: HCL syntax error", "expected `]`"]),
    ("host-bits.toml", Some((7, 10)), &["'10.0.1.5/24' has host bits set", "10.0.1.0/24"]),
    ("huge-number.toml", Some((3, 24)), &["99999999999999999999999", "u32"]),
    ("invalid-utf8.toml", Some((2, 11)), &["not valid UTF-8", "0xFF"]),
    ("missing-comma.json", Some((3, 3)), &["expected `,` or `}`"]),
    ("missing-field.toml", Some((5, 1)), &["missing field `prefix`"]),
    ("nat-17-ips.toml", Some((8, 1)), &["error[nat-too-many-ips]", "17 public IP addresses", "at most 16"]),
    ("nat-with-basic-lb.toml", Some((5, 1)), &["error[nat-basic-sku]", "Basic SKU load balancer 'old-lb'"]),
    ("negative-priority.json", Some((2, 29)), &["invalid value: integer `-1`"]),
    ("not-an-estate.txt", Some((1, 9)), &["read as TOML"]),
    ("nsg-rule-name-81.toml", Some((4, 1)), &["error[invalid-name]", "up to 80 characters"]),
    (
        "overlapping-subnets.toml",
        Some((6, 3)),
        &["error[subnet-overlap]", "existing subnet 'big'", "overlapping-subnets.toml:5:3"],
    ),
    (
        "pe-subnet-missing.toml",
        Some((8, 1)),
        &["error[dangling-reference]", "private-endpoint:pe-blob", "'spoke/pe'"],
    ),
    (
        "pe-ip-outside-subnet.toml",
        Some((9, 1)),
        &["error[private-endpoint-ip]", "10.9.9.9, which is not in subnet 'spoke/pe'"],
    ),
    ("peering-to-itself.toml", Some((5, 1)), &["error[peering-self]", "to itself; Azure rejects it"]),
    (
        "peered-overlap.toml",
        Some((9, 1)),
        &["error[peering-address-overlap]", "overlapping address spaces", "peered-overlap.toml:14:1"],
    ),
    ("port-out-of-range.toml", Some((4, 112)), &["'70000' is not a port number"]),
    ("ports-as-integer.toml", Some((10, 21)), &["expected a string or a list of strings"]),
    (
        "priority-50.toml",
        Some((4, 1)),
        &["error[nsg-rule-priority]", "Value provided: 50 Allowed range 100-4096"],
    ),
    (
        "priority-5000.json",
        Some((7, 9)),
        &["error[nsg-rule-priority]", "nsg-rule:nsg/late", "Value provided: 5000"],
    ),
    ("reversed-ports.toml", Some((10, 21)), &["'9000-8000' is reversed"]),
    ("star-with-prefix.toml", Some((10, 10)), &["'*' cannot be combined"]),
    (
        "storage-both-endpoints.toml",
        Some((5, 1)),
        &["error[service-endpoint-conflict]", "only one of the two"],
    ),
    (
        "subnet-outside-vnet.toml",
        Some((9, 1)),
        &["error[subnet-outside-vnet]", "subnet:spoke/outside", "outside the IP address ranges"],
    ),
    (
        "tf-plan-bad-cidr.json",
        Some((14, 30)),
        &["azurerm_virtual_network.v: address_space:", "'10.0.0.0/33' is not a valid IPv4"],
    ),
    ("tf-plan-format-version-2.json", Some((2, 21)), &["format_version 2.0 is not supported"]),
    (
        "tf-plan-port-range-reversed.json",
        Some((28, 39)),
        &["azurerm_network_security_rule.r: destination_port_range:", "'9000-8000' is reversed"],
    ),
    (
        "tf-plan-resources-not-array.json",
        Some((5, 7)),
        &["planned_values.root_module.resources:", "expected an array, found a string"],
    ),
    ("tf-plan-truncated.json", Some((8, 45)), &["invalid JSON", "EOF while parsing"]),
    // Azure's validation of a Terraform state: the resource address is the location.
    (
        "tf-state-nsg-priority-5000.json",
        None,
        &["azurerm_network_security_group.nsg: error[nsg-rule-priority]", "Value provided: 5000"],
    ),
    ("route-as-array.json", Some((7, 9)), &["route_tables[0].routes[1] is written as an array"]),
    ("route-as-array.toml", Some((5, 3)), &["route_tables[0].routes[1] is written as an array"]),
    ("tiny-subnet.toml", Some((5, 1)), &["error[subnet-too-small]", "/29"]),
    ("top-level-array.json", Some((1, 1)), &["must be an object", "found an array"]),
    ("top-level-string.json", Some((1, 1)), &["must be an object", "found a string"]),
    ("trailing-characters.json", Some((2, 1)), &["trailing characters"]),
    ("truncated.json", Some((4, 1)), &["EOF while parsing"]),
    ("truncated.toml", Some((3, 31)), &["unclosed array"]),
    ("two-service-tags.json", Some((3, 19)), &["only one service tag", "Storage, Sql"]),
    (
        "udr-next-hop-peering.toml",
        Some((4, 1)),
        &["error[udr-next-hop-type]", "VNetPeering", "does not allow in a user-defined route"],
    ),
    ("unknown-key-nested.json", Some((7, 10)), &["unknown field `destination_port`", "`destination_ports`"]),
    ("unknown-key.toml", Some((5, 1)), &["unknown field `adress_space`", "`address_space`"]),
    ("utf16.json", Some((1, 1)), &["not valid UTF-8", "UTF-16"]),
    ("va-without-ip.toml", Some((4, 1)), &["error[udr-next-hop-ip-missing]", "next_hop_ip"]),
    ("vnet-address-overlap.toml", Some((1, 1)), &["error[vnet-address-overlap]", "10.0.64.0/18"]),
    ("vnet-as-array.json", Some((3, 5)), &["vnets[0] is written as an array"]),
    ("whitespace-only.json", None, &["the file is empty"]),
    ("wrong-type-address-space.json", Some((5, 24)), &["invalid type: string", "expected a sequence"]),
    ("wrong-type-priority.toml", Some((6, 12)), &["invalid type: string \"100\"", "u32"]),
];

/// (corpus directory, warning code, (line, column), words the warning shows)
type WarningCase = (&'static str, &'static str, (u32, u32), &'static [&'static str]);

/// Inputs Terraform would refuse but adbflow, evaluating code without Terraform, reads on: each loads
/// with a warning at the line and column of the expression it could not evaluate (the value is
/// unknown, and what needs it is left out or named by its address), never silently.
const WARNING_CASES: &[WarningCase] = &[
    (
        "hcl-bad-cidrsubnet",
        "terraform-hcl-not-evaluated",
        (5, 26),
        &["cidrsubnet(): 20 more bits would make /36"],
    ),
    ("hcl-local-cycle", "terraform-hcl-not-evaluated", (3, 7), &["reference cycle"]),
    (
        "hcl-undeclared-variable",
        "terraform-hcl-not-evaluated",
        (2, 25),
        &["no variable \"name\" is declared"],
    ),
];

#[test]
fn inputs_terraform_would_refuse_load_with_a_located_warning() {
    for (name, code, (line, column), words) in WARNING_CASES {
        let path = corpus_dir().join(name);
        let loaded = load_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let w = loaded
            .warnings
            .iter()
            .find(|d| d.code == *code)
            .unwrap_or_else(|| panic!("{name}: no {code} warning in {:?}", loaded.warnings));
        let shown = w.to_string();
        let at = format!("{}:{line}:{column}: warning[{code}]", path.join("main.tf").display());
        assert!(shown.starts_with(&at), "{name}: {shown} does not start with {at}");
        for word in *words {
            assert!(shown.contains(word), "{name}: {shown} lacks {word:?}");
        }
    }
}

/// Canonical, as the `.tf` directory reader names its files by their canonical path.
fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs");
    dir.canonicalize().unwrap_or(dir)
}

#[test]
fn every_bad_input_fails_with_file_location_and_message() {
    let mut failures = Vec::new();
    for (name, location, words) in CASES {
        let path = corpus_dir().join(name);
        let file = path.display().to_string();
        let started = Instant::now();
        let result = load_path(&path);
        // Generous: each file takes milliseconds; this only catches runaway parsing.
        assert!(started.elapsed() < Duration::from_secs(10), "{name} took {:?}", started.elapsed());
        let err = match result {
            Ok(loaded) => {
                failures.push(format!("{name}: loaded without error ({} warnings)", loaded.warnings.len()));
                continue;
            }
            Err(e) => e,
        };
        let shown = err.to_string();
        // A directory's errors name the .tf file in it.
        let named = if path.is_dir() { err.file().starts_with(&file) } else { err.file() == file };
        if !named || !shown.starts_with(&file) {
            failures.push(format!("{name}: error does not start with the file name: {shown}"));
        }
        let expected = location.map(|(line, column)| Location { line, column });
        if err.location() != expected {
            failures.push(format!("{name}: location {:?}, expected {expected:?}: {shown}", err.location()));
        }
        if let Some((line, column)) = location {
            if !path.is_dir() && !shown.starts_with(&format!("{file}:{line}:{column}: ")) {
                failures.push(format!("{name}: message does not start with {line}:{column}: {shown}"));
            }
        }
        for w in *words {
            if !shown.contains(w) {
                failures.push(format!("{name}: message lacks {w:?}: {shown}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn corpus_and_table_agree() {
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    on_disk.sort();
    let mut listed: Vec<String> =
        CASES.iter().map(|c| c.0).chain(WARNING_CASES.iter().map(|c| c.0)).map(String::from).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every corpus entry needs one row in CASES or WARNING_CASES, and every row a file"
    );
    assert!(listed.len() >= 60, "issue 10 asks for at least 60 malformed or hostile inputs");
}

#[test]
fn validation_errors_carry_every_diagnostic() {
    let err = load_path(&corpus_dir().join("peered-overlap.toml")).err();
    let Some(ImportError::Invalid { diagnostics, .. }) = err else { panic!("expected Invalid, got {err:?}") };
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["peering-address-overlap", "peering-address-overlap"]);
}
