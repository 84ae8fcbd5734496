//! Origins point at the exact line and column where each element starts.

use adbflow_import::{load_str, Format};
use adbflow_model::Origin;

fn pos(o: &Option<Origin>) -> (u32, u32) {
    match o {
        Some(Origin::File { line, column, .. }) => (*line, *column),
        other => panic!("not a file origin: {other:?}"),
    }
}

const TOML: &str = r#"name = "o"

[[vnets]]
name = "a"
address_space = ["10.0.0.0/16"]
subnets = [
  { name = "s1", prefix = "10.0.1.0/24" },
    { name = "s2", prefix = "10.0.2.0/24" },
]

[[vnets]]
name = "b"
address_space = ["10.1.0.0/16"]

  [[vnets.subnets]]
  name = "t"
  prefix = "10.1.0.0/24"

[[nsgs]]
name = "n"
rules = [{ name = "r", priority = 100, direction = "Inbound", access = "Allow", protocol = "Tcp" }]
"#;

#[test]
fn toml_origins_point_at_headers_and_inline_tables() {
    let l = load_str(TOML, "fixture.toml", Format::NativeToml).unwrap_or_else(|e| panic!("{e}"));
    let e = &l.estate;
    assert_eq!(pos(&e.origin), (1, 1));
    assert_eq!(pos(&e.vnets[0].origin), (3, 1));
    assert_eq!(pos(&e.vnets[0].subnets[0].origin), (7, 3));
    assert_eq!(pos(&e.vnets[0].subnets[1].origin), (8, 5));
    assert_eq!(pos(&e.vnets[1].origin), (11, 1));
    assert_eq!(pos(&e.vnets[1].subnets[0].origin), (15, 3));
    assert_eq!(pos(&e.nsgs[0].origin), (19, 1));
    assert_eq!(pos(&e.nsgs[0].rules[0].origin), (21, 10));
    assert!(matches!(&e.vnets[1].origin, Some(Origin::File { file, .. }) if file == "fixture.toml"));
}

const JSON: &str = r#"{
  "vnets": [
    {"name": "a", "address_space": ["10.0.0.0/16"],
     "subnets": [{"name": "s1", "prefix": "10.0.1.0/24"},
                 {"name": "s\u0032", "prefix": "10.0.2.0/24"}]},
    {
      "name": "b", "address_space": ["10.1.0.0/16"]
    }
  ],
  "route_tables": [{"name": "rt", "routes": [
    {"name": "é-route", "address_prefix": "0.0.0.0/0", "next_hop_type": "Internet"}, {"name": "x", "address_prefix": "10.0.0.0/8", "next_hop_type": "None"}]}]
}"#;

#[test]
fn json_origins_point_at_object_starts() {
    let l = load_str(JSON, "fixture.json", Format::NativeJson).unwrap_or_else(|e| panic!("{e}"));
    let e = &l.estate;
    assert_eq!(pos(&e.origin), (1, 1));
    assert_eq!(pos(&e.vnets[0].origin), (3, 5));
    assert_eq!(pos(&e.vnets[0].subnets[0].origin), (4, 18));
    assert_eq!(pos(&e.vnets[0].subnets[1].origin), (5, 18));
    assert_eq!(e.vnets[0].subnets[1].name, "s2");
    assert_eq!(pos(&e.vnets[1].origin), (6, 5));
    assert_eq!(pos(&e.route_tables[0].origin), (10, 20));
    assert_eq!(pos(&e.route_tables[0].routes[0].origin), (11, 5));
    // Columns count characters: 'é' is two bytes but one column.
    assert_eq!(pos(&e.route_tables[0].routes[1].origin), (11, 86));
}

#[test]
fn estates_read_from_text_get_the_given_file_name() {
    let l =
        load_str("region = \"westeurope\"\n", "inline", Format::NativeToml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.file, "inline");
    assert_eq!(l.estate.origin, Some(Origin::File { file: "inline".into(), line: 1, column: 1 }));
}
