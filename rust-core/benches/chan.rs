//! Suite C of `comparisons/WORKLOADS.md` (C1–C6): one criterion group per
//! workload and capacity, with polyconc's `Chan` ("core") beside
//! crossbeam-channel, flume and `std::sync::mpsc`, so that each group shows
//! the ratios. Throughput is in messages (round trips for C6).
//!
//! The workloads are the comparison program's own source, included by path
//! rather than through a dependency on `polyconc-compare`: that crate depends
//! on polyconc, so a dev-dependency on it would build a second polyconc.
//! With the source included, the bench and `comparisons/rust` run the same
//! code, each against exactly one polyconc.
//!
//! `cargo bench -p polyconc -- C6` runs one workload.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

#[path = "../../comparisons/rust/src/workloads.rs"]
mod workloads;

use workloads::{configs, prepare, ImplKind, Workload};

/// M inside criterion: smaller than the comparisons' 1,000,000 so that a run
/// of every group stays within minutes even where a rendezvous costs
/// microseconds per message.
const MESSAGES: u64 = 100_000;

fn chan(c: &mut Criterion) {
    for workload in Workload::ALL {
        for config in configs(workload, MESSAGES) {
            let mut group = c.benchmark_group(config.label());
            group
                .throughput(Throughput::Elements(config.messages))
                // One iteration moves all M messages (up to half a second at
                // capacity 0), so few, equal-sized samples.
                .sampling_mode(SamplingMode::Flat)
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3));
            for imp in ImplKind::ALL {
                // A configuration the implementation cannot express is left out.
                if prepare(imp, &config).is_none() {
                    continue;
                }
                group.bench_function(imp.name(), |b| {
                    b.iter_custom(|iters| {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let body = prepare(imp, &config).expect("prepared once already");
                            let start = Instant::now();
                            let sum = body();
                            total += start.elapsed();
                            assert_eq!(
                                sum,
                                config.want_sum(),
                                "{} [{}]: messages lost or duplicated",
                                config.label(),
                                imp.name()
                            );
                        }
                        total
                    })
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, chan);
criterion_main!(benches);
