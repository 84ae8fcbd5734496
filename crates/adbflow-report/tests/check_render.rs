//! The `check` and `flows` renderers, on reports built from hand-made walks so the tests are about
//! formatting only.

use adbflow_databricks::check::{evaluate, CheckReport};
use adbflow_databricks::{builtin_regions, patterns, prepare, sequence};
use adbflow_model::ElementRef;
use adbflow_net::{BlockedBy, Egress, FlowSpec, Hop, HopKind, ReasonCode, Trace, Verdict};
use adbflow_report::check::*;

mod common;

fn trace(f: &FlowSpec) -> Trace {
    let nsg = ElementRef::new(
        "nsg-rule:adb-nsg/Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-databricks-webapp",
        "Microsoft.Databricks-workspaces_UseOnly_databricks-worker-to-databricks-webapp",
        None,
    );
    let mut hops = vec![
        Hop::new(
            HopKind::Dns,
            ElementRef::new(format!("endpoint:{}", f.to_host), &f.to_host, None),
            "public",
        ),
        Hop::new(HopKind::NsgOutbound, nsg, "allowed"),
        Hop::new(HopKind::Route, ElementRef::new("route:system/0.0.0.0/0", "0.0.0.0/0", None), "Internet"),
    ];
    let blocked = f.to_host == "pypi.org" && f.from_subnet.ends_with("container");
    if !blocked {
        hops.push(Hop::new(HopKind::Egress, ElementRef::new("nat-gateway:adb-nat", "adb-nat", None), "SNAT"));
    }
    Trace {
        schema_version: 1,
        flow: f.clone(),
        verdict: if blocked { Verdict::Blocked } else { Verdict::Delivered },
        egress: if blocked { Egress::None } else { Egress::NatGateway },
        snat_ip: None,
        source_seen_as: "NAT".into(),
        resolved: vec![],
        hops,
        blocked_by: blocked.then(|| BlockedBy {
            reason_code: ReasonCode::NoOutboundConnectivity,
            element: ElementRef::new("subnet:adb-vnet/container", "container", None),
            message: "no egress | none".into(),
        }),
        meters: vec![],
    }
}

fn report() -> CheckReport {
    let text = patterns::render("non-pl", "eastus2").unwrap();
    let e =
        adbflow_import::load_str(&text, "pattern:non-pl", adbflow_import::Format::NativeToml).unwrap().estate;
    evaluate(&prepare(&e, builtin_regions(), None).unwrap(), trace)
}

#[test]
fn table_is_the_network_path_summary_then_blocked_flows_and_findings() {
    let out = render_check_table(&report());
    let summary = out.find("Network Path Summary").expect("summary");
    let blocked = out.find("Blocked flows").expect("blocked section");
    let findings = out.find("Findings").expect("findings");
    assert!(summary < blocked && blocked < findings);
    for col in ["Phase", "Flow", "From", "Destination", "Proto/Port", "Path", "NSG rule", "Egress", "Verdict"]
    {
        assert!(out.contains(col), "column {col}");
    }
    let relay = out.lines().find(|l| l.contains("scc-relay") && l.contains("host")).unwrap();
    assert!(relay.contains("Databricks: databricks-worker-to-databricks-webapp"), "{relay}");
    assert!(
        relay.contains("┆ route 0.0.0.0/0 → egress adb-nat ") && relay.contains("nat-gateway"),
        "{relay}"
    );
    assert!(relay.contains("tcp/443") && relay.contains("delivered"));
    let pypi = out.lines().find(|l| l.contains(" pypi ") && l.contains("container")).unwrap();
    assert!(pypi.contains("BLOCKED") && pypi.contains("✗ NO_OUTBOUND_CONNECTIVITY"), "{pypi}");
    assert!(out.contains("  fix:     attach a NAT gateway to subnet adb-vnet/container"));
    assert!(out.contains("  symptom: pip install fails"));
    assert!(out.contains("data: region-endpoints"));
}

#[test]
fn markdown_escapes_cells_and_keeps_the_sections() {
    let md = render_check_markdown(&report());
    assert!(md.starts_with("# adbflow check — non-pl\n"));
    assert!(md.contains("### Network Path Summary"));
    assert!(md.contains("| Phase | Flow | Req | From |"));
    assert!(md.contains("no egress \\| none"), "pipes inside cells are escaped");
    assert!(md.contains("## Findings"));
}

#[test]
fn json_round_trips_to_the_contract() {
    let r = report();
    let v: serde_json::Value = serde_json::from_str(&render_check_json(&r)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["flows"].as_array().unwrap().len(), r.flows.len());
}

/// The built-in patterns, the broken variant, and a generated estate of `workspaces` (last), read
/// back from its native JSON as a user's file would be.
fn patterns_broken_and_generated(workspaces: usize, seed: u64) -> Vec<adbflow_model::Estate> {
    let generated = adbflow_gen::generate(&adbflow_gen::GenOptions::new(workspaces, seed)).unwrap();
    let text = adbflow_gen::to_native_json(&generated.estate);
    let large =
        adbflow_import::load_str(&text, "gen.json", adbflow_import::Format::NativeJson).unwrap().estate;
    let mut estates: Vec<_> = common::PATTERNS.iter().map(|p| common::pattern(p)).collect();
    estates.push(common::broken());
    estates.push(large);
    estates
}

/// The streamed, parallel JSON writer is byte-identical to serde_json's pretty printing of the
/// whole report: on the built-in patterns, on blocked flows with findings, and on a generated
/// estate of more flows than one rendering batch.
#[test]
fn streamed_json_is_serde_json_pretty_printing_of_the_report() {
    let estates = patterns_broken_and_generated(30, 7);
    for e in &estates {
        let r = common::assessed(e).check;
        let expected = serde_json::to_string_pretty(&r).unwrap() + "\n";
        assert_eq!(render_check_json(&r), expected);
    }
    let flows = common::assessed(estates.last().unwrap()).check.flows.len();
    assert!(flows > 1024, "the generated estate spans rendering batches: {flows} flows");
    let mut empty = report();
    empty.flows.clear();
    empty.name = None;
    assert_eq!(render_check_json(&empty), serde_json::to_string_pretty(&empty).unwrap() + "\n");
}

/// A batch is handed over while the next one is walked: every batch still arrives once, in
/// report order, and the first error of the writer ends the run with that error, whichever batch
/// it comes on (the last one is handed over after the loop).
#[test]
fn batches_arrive_in_order_and_a_writer_error_ends_the_run() {
    use adbflow_databricks::{CheckOptions, CheckRun};
    let estate = patterns_broken_and_generated(150, 3).pop().unwrap();
    let tags = adbflow_net::ServiceTags::symbolic();
    let options = CheckOptions::default();
    let names: Vec<String> = estate.workspaces.iter().map(|w| w.name.clone()).collect();
    let mut seen: Vec<String> = Vec::new();
    let run = CheckRun::start(&estate, &tags, &options).unwrap();
    let report = run.run(
        64,
        |_, ws, _| ws.name.clone(),
        |batch| {
            seen.extend(batch);
            Ok::<(), &str>(())
        },
    );
    assert!(report.is_ok());
    assert_eq!(seen, names, "every workspace once, in report order");
    for fail_on in [1, 2, 3] {
        let mut calls = 0;
        let run = CheckRun::start(&estate, &tags, &options).unwrap();
        let report = run.run(
            64,
            |_, _, _| (),
            |_| {
                calls += 1;
                if calls == fail_on {
                    Err("disk full")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(report.err(), Some("disk full"), "failing on batch {fail_on}");
        assert_eq!(calls, fail_on, "no batch is handed over after the error");
    }
}

/// Flows' hops and elements are written by hand, not through serde: every origin kind, strings
/// that need escaping, inferred hops, no hops, and every optional field of a flow present and
/// absent must still be serde_json's bytes.
#[test]
fn hand_written_flows_are_serde_json_for_every_origin_and_optional_field() {
    use adbflow_model::Origin;
    use std::net::Ipv4Addr;
    let mut r = common::assessed(&common::broken()).check;
    assert!(r.flows.iter().any(|f| f.blocked_by.is_some() && f.fix.is_some() && f.symptom.is_some()));
    assert!(
        r.flows.iter().any(|f| f.performance.is_some()) && r.flows.iter().any(|f| f.performance.is_none())
    );
    let origins = [
        None,
        Some(Origin::File { file: "dir \"q\"\\main.tf".into(), line: 4_294_967_295, column: 1 }),
        Some(Origin::Path { file: "plan.json".into(), path: "/resource_changes/0/\u{1}tab\t".into() }),
        Some(Origin::Address {
            file: "plan.json".into(),
            address: "module.spoke[\"a\"].azurerm_subnet.host".into(),
        }),
        Some(Origin::platform("Azure – “managed”")),
    ];
    let mut n = 0;
    for (i, f) in r.flows.iter_mut().enumerate() {
        for h in &mut f.hops {
            h.decided_by.origin = origins[n % origins.len()].clone();
            h.inferred = n % 3 == 0;
            h.detail.push_str(if n % 2 == 0 { " \"quoted\"\nline" } else { "" });
            n += 1;
        }
        if let Some(p) = f.performance.as_mut().map(std::sync::Arc::make_mut) {
            match i % 3 {
                0 => (p.connection_gbps, p.limited_by, p.bandwidth_from) = (None, None, None),
                1 => p.bandwidth_from = Some(("row \"b\"".into(), None)),
                _ => p.latency_from.clear(),
            }
        }
        match i % 5 {
            0 => f.resolved.clear(),
            1 => f.resolved.push(adbflow_net::DnsAnswer {
                name: "x\ty.example".into(),
                record_type: "CNAME",
                data: vec![],
                source: "zone \"z\"".into(),
            }),
            2 => f.destination.blocked_ports = vec![443, 8443],
            _ => (f.meters, f.notes) = (vec![], vec!["note\n2".into(), String::new()].into()),
        }
        match i % 4 {
            0 => f.hops.clear(),
            1 => {
                f.instance = Some("loc \"x\"".into());
                f.snat_ip = Some(Ipv4Addr::new(20, 1, 2, 3));
            }
            2 => f.nsg_rule = f.hops.first().map(|h| h.decided_by.clone()),
            _ => f.nsg_rule = None,
        }
    }
    assert!(n > 5 * origins.len(), "every origin kind is on several hops");
    assert!(
        r.flows.iter().filter(|f| f.performance.is_some()).count() > 6,
        "each change of an estimate is made"
    );
    let expected = serde_json::to_string_pretty(&r).unwrap() + "\n";
    assert_eq!(render_check_json(&r), expected);
}

/// A workspace's flows share a few performance estimates, and the writer copies an estimate it
/// has written rather than write it again: only when the text would be the same. `0.0 == -0.0`
/// but serde_json writes them apart, as it does estimates that differ in any one field.
#[test]
fn repeated_performance_estimates_are_each_written_as_serde_json_writes_them() {
    let mut r = common::assessed(&common::broken()).check;
    let with: Vec<usize> = (0..r.flows.len()).filter(|&i| r.flows[i].performance.is_some()).collect();
    assert!(with.len() >= 6, "enough flows with an estimate");
    let first = r.flows[with[0]].workspace.clone();
    let same: Vec<usize> = with.iter().copied().filter(|&i| r.flows[i].workspace == first).collect();
    assert!(same.len() >= 4, "several estimated flows in one workspace");
    let base = r.flows[same[0]].performance.as_deref().cloned().unwrap();
    let variants = [
        |p: &mut adbflow_databricks::performance::FlowPerformance| p.latency_ms = [0.0, 1.5],
        |p: &mut adbflow_databricks::performance::FlowPerformance| p.latency_ms = [-0.0, 1.5],
        |p: &mut adbflow_databricks::performance::FlowPerformance| p.connection_gbps = Some(-0.0),
        |p: &mut adbflow_databricks::performance::FlowPerformance| p.connection_gbps = Some(0.0),
    ];
    for (k, &i) in same.iter().enumerate() {
        let mut p = base.clone();
        variants[k % variants.len()](&mut p);
        r.flows[i].performance = Some(std::sync::Arc::new(p));
    }
    let expected = serde_json::to_string_pretty(&r).unwrap() + "\n";
    assert!(expected.contains("-0.0"), "the negative zeros are in the report");
    assert_eq!(render_check_json(&r), expected);
}

/// `check --format json` (and the table) walks and writes a run of workspaces at a time; its
/// bytes must be those of the whole report, its exit code and tallies those of the whole check: on the patterns, on
/// blocked flows, on one workspace of many, and on an estate of many runs (150 workspaces, at most
/// `CheckRun::BATCH` handed over at once).
#[test]
fn a_check_written_while_it_runs_is_the_whole_report() {
    use adbflow_databricks::{CheckOptions, CheckRun};
    let estates = patterns_broken_and_generated(150, 3);
    let tags = adbflow_net::ServiceTags::symbolic();
    let large = estates.len() - 1;
    let mut cases: Vec<(usize, Option<&str>)> = (0..estates.len()).map(|i| (i, None)).collect();
    cases.push((large, Some("adb-ws-00077")));
    for (i, only) in cases {
        let e = &estates[i];
        let options = CheckOptions { workspace: only, ..CheckOptions::default() };
        let whole = adbflow_databricks::check(e, &tags, &options).unwrap();
        let mut streamed = Vec::new();
        let run = CheckRun::start(e, &tags, &options).unwrap();
        let tally = write_check_run_json(run, &mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), render_check_json(&whole), "estate {i}, {only:?}");
        let mut table = Vec::new();
        let run = CheckRun::start(e, &tags, &options).unwrap();
        let table_tally = write_check_run_table(run, &mut table).unwrap();
        assert_eq!(String::from_utf8(table).unwrap(), render_check_table(&whole), "estate {i}, {only:?}");
        assert_eq!(table_tally.exit_code(), whole.exit_code());
        assert!(tally.flows.is_empty(), "the streamed flows are not kept");
        assert_eq!(tally.exit_code(), whole.exit_code());
        assert_eq!(
            (&tally.workspaces, &tally.findings, tally.summary),
            (&whole.workspaces, &whole.findings, whole.summary)
        );
    }
    let flows = adbflow_databricks::check(&estates[large], &tags, &CheckOptions::default()).unwrap();
    assert!(flows.workspaces.len() > 128, "the generated estate spans three batches of workspaces");
    assert_eq!(flows.exit_code(), 1, "the generated estate has planted faults");
}

/// Whatever the batch size, the flows come in report order, each workspace's flows are rendered
/// with that workspace's summary, and the tallies are the whole check's, also when a batch is one
/// workspace and the network forgets routes after each (with exact tags, where each cluster
/// subnet's routes are hundreds of tag prefixes).
#[test]
fn any_batch_size_gives_the_whole_check() {
    use adbflow_databricks::{CheckOptions, CheckRun};
    let estates = patterns_broken_and_generated(12, 5);
    let generated = estates.last().unwrap();
    let exact = adbflow_net::ServiceTags::from_json("tags.json", &adbflow_gen::service_tags_json(1)).unwrap();
    let options = CheckOptions::default();
    for tags in [adbflow_net::ServiceTags::symbolic(), exact] {
        let whole = adbflow_databricks::check(generated, &tags, &options).unwrap();
        for batch in [0, 1, 5, 12, usize::MAX] {
            let mut flows = Vec::new();
            let mut rendered_with = Vec::new();
            let mut handed_at_once = Vec::new();
            // The caller that gives its estate up gets the same check.
            let run = match batch {
                5 => CheckRun::start_owned(generated.clone(), &tags, &options),
                _ => CheckRun::start(generated, &tags, &options),
            }
            .unwrap();
            let tally = run
                .run(
                    batch,
                    |_, summary, ws_flows| (summary.clone(), ws_flows),
                    |b| {
                        handed_at_once.push(b.len());
                        for (summary, ws_flows) in b {
                            assert!(ws_flows.iter().all(|f| f.workspace == summary.name), "batch {batch}");
                            rendered_with.push(summary);
                            flows.extend(ws_flows);
                        }
                        Ok::<(), ()>(())
                    },
                )
                .unwrap();
            // Handed over in runs of at most `batch`, and of at most an eighth of the workspaces
            // (whatever run of workspaces is walked).
            let most = batch.clamp(1, 12usize.div_ceil(8));
            assert!(
                handed_at_once.iter().all(|&n| (1..=most).contains(&n)),
                "batch {batch}: {handed_at_once:?}"
            );
            assert_eq!(handed_at_once.iter().sum::<usize>(), 12, "batch {batch}");
            assert_eq!(flows, whole.flows, "batch {batch}");
            assert_eq!(rendered_with, whole.workspaces, "batch {batch}");
            assert_eq!(
                (&tally.workspaces, &tally.findings, tally.summary),
                (&whole.workspaces, &whole.findings, whole.summary)
            );
        }
    }
    // An error from the consumer stops the run and is returned.
    let run = CheckRun::start(generated, &adbflow_net::ServiceTags::symbolic(), &options).unwrap();
    let mut calls = 0;
    let stopped = run.run(
        1,
        |_, _, _| (),
        |_| {
            calls += 1;
            if calls == 2 {
                Err("reader gone")
            } else {
                Ok(())
            }
        },
    );
    assert_eq!(stopped.err(), Some("reader gone"));
    assert_eq!(calls, 2);
}

#[test]
fn flows_table_lists_every_phase_with_its_window() {
    let out = render_flows_table(&sequence(&report()));
    for p in [
        "Phase 1 — ",
        "Phase 2 — VM provisioning (T+0s to T+2min)",
        "Phase 3 — ",
        "Phase 4a",
        "Phase 4b",
        "Phase 4c",
        "Phase 5",
    ] {
        assert!(out.contains(p), "{p}");
    }
    assert!(out.contains("no traffic leaves your network"));
}

#[test]
fn mermaid_is_a_sequence_diagram_with_crossed_arrows_for_blocks() {
    let m = render_flows_mermaid(&sequence(&report()));
    assert!(m.starts_with("sequenceDiagram\n"));
    assert!(m.contains("participant H0 as adb-ws host NIC (adb-vnet/host)"));
    assert!(m.contains("    H0->>CP: scc-relay tcp/443 via nat-gateway\n"));
    assert!(m.contains("    C0--xR: pypi tcp/443 via none BLOCKED NO_OUTBOUND_CONNECTIVITY\n"));
    assert!(m.contains("    H0->>H0: worker-to-worker"));
    assert!(m.contains("Note over U,R: Phase 3 — Secure tunnel establishment (T+2min to T+3min)"));
    assert!(!m.lines().skip(1).any(|l| l.contains(';')), "no statement separators inside messages");
}

#[test]
fn every_renderer_is_deterministic() {
    let (a, b) = (report(), report());
    assert_eq!(render_check_table(&a), render_check_table(&b));
    assert_eq!(render_check_markdown(&a), render_check_markdown(&b));
    assert_eq!(render_check_json(&a), render_check_json(&b));
    assert_eq!(render_flows_mermaid(&sequence(&a)), render_flows_mermaid(&sequence(&b)));
    assert_eq!(render_flows_table(&sequence(&a)), render_flows_table(&sequence(&b)));
}
