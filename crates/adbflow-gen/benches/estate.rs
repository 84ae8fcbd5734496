//! Criterion benchmarks on generated enterprise estates (10, 100, 1,000 workspaces): import of the
//! native JSON and TOML file and of the same estate as Terraform plan JSON, check of every flow,
//! one trace, one subnet's routes — without and with exact service tags (the real file when
//! present, else a stand-in of the same size).
//! `scripts/bench` adds 5,000 workspaces, whole-command wall time and peak memory.

mod scenarios;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 3] = [10, 100, 1000];

// The allocator the `adbflow` binary uses, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    let (exact, source) = scenarios::exact_tags(true);
    eprintln!("exact service tags: {source}");
    let symbolic = adbflow_net::ServiceTags::symbolic();
    for n in SIZES {
        let e = scenarios::estate(n);
        let loaded = scenarios::import_json(&e.json);
        let mut g = c.benchmark_group("import");
        g.sample_size(10).measurement_time(Duration::from_secs(if n >= 1000 { 20 } else { 5 }));
        g.bench_with_input(BenchmarkId::new("native-json", n), &e.json, |b, t| {
            b.iter(|| scenarios::import_json(black_box(t)))
        });
        g.bench_with_input(BenchmarkId::new("native-toml", n), &e.toml, |b, t| {
            b.iter(|| scenarios::import_toml(black_box(t)))
        });
        g.bench_with_input(BenchmarkId::new("plan-json", n), &e.plan, |b, t| {
            b.iter(|| scenarios::import_plan(black_box(t)))
        });
        g.finish();
        let mut g = c.benchmark_group("check");
        g.sample_size(10).measurement_time(Duration::from_secs(if n >= 1000 { 30 } else { 5 }));
        for (label, tags) in [("symbolic", &symbolic), ("exact", &exact)] {
            g.bench_with_input(BenchmarkId::new(label, n), &loaded.estate, |b, est| {
                b.iter(|| scenarios::check_all(black_box(est), tags))
            });
        }
        g.finish();
        if n == 1000 {
            let mut g = c.benchmark_group("one-question");
            g.sample_size(10).measurement_time(Duration::from_secs(10));
            for (label, tags) in [("symbolic", &symbolic), ("exact", &exact)] {
                let net = scenarios::network(&loaded.estate, tags);
                g.bench_function(BenchmarkId::new(format!("trace-{label}"), n), |b| {
                    b.iter(|| scenarios::trace_one(black_box(&net)))
                });
                g.bench_function(BenchmarkId::new(format!("routes-{label}"), n), |b| {
                    b.iter(|| scenarios::routes_one(black_box(&loaded.estate), tags))
                });
            }
            g.finish();
        }
    }
}

criterion_group!(estate_benches, benches);
criterion_main!(estate_benches);
