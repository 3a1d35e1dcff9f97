//! Every workload on every channel delivers each message exactly once.
use polyconc_compare::workloads::{
    configs, drop_last_run, prepare, Capacity, Config, ImplKind, Workload,
};

#[test]
fn every_configuration_sums_to_the_messages_sent() {
    for workload in Workload::ALL {
        // 1003 does not divide by 4: the producers' shares differ.
        for config in configs(workload, 1003) {
            for imp in ImplKind::ALL {
                let cannot = !expressible(imp, &config);
                match prepare(imp, &config) {
                    None => assert!(cannot, "{} [{}] left out", config.label(), imp.name()),
                    Some(body) => {
                        assert!(!cannot, "{} [{}] exists", config.label(), imp.name());
                        assert_eq!(
                            body(),
                            config.want_sum(),
                            "{} [{}]",
                            config.label(),
                            imp.name()
                        );
                    }
                }
            }
        }
    }
}

/// What each implementation can express: std has one consumer and no
/// select; the queues have no select, and each its own capacities.
fn expressible(imp: ImplKind, config: &Config) -> bool {
    let rendezvous = config.capacity == Capacity::Bounded(0);
    match imp {
        ImplKind::Core | ImplKind::Crossbeam | ImplKind::Flume => true,
        ImplKind::Std => !matches!(config.workload, Workload::C4 | Workload::C5),
        _ if config.workload == Workload::C5 => false,
        ImplKind::ArrayQueue | ImplKind::ArrayQueueFair => {
            !rendezvous && config.capacity != Capacity::Unbounded
        }
        ImplKind::LinkedQueue => !rendezvous,
        ImplKind::SynchronousQueue | ImplKind::TransferQueue => rendezvous,
    }
}

#[test]
fn configurations_follow_the_spec() {
    let c1 = configs(Workload::C1, 500);
    assert_eq!(c1.len(), 1);
    assert_eq!(c1[0].capacity, Capacity::Bounded(500));
    let caps: Vec<_> = configs(Workload::C4, 500)
        .iter()
        .map(|c| c.capacity)
        .collect();
    assert_eq!(
        caps,
        [
            Capacity::Bounded(0),
            Capacity::Bounded(1),
            Capacity::Bounded(1024),
            Capacity::Unbounded
        ]
    );
    let c4 = &configs(Workload::C4, 500)[2];
    assert_eq!((c4.producers, c4.consumers), (4, 4));
    assert_eq!(c4.label(), "C4 mpmc 4p4c cap=1024");
    let c5 = &configs(Workload::C5, 500)[0];
    assert_eq!((c5.channels, c5.capacity), (4, Capacity::Bounded(1024)));
    let c6 = &configs(Workload::C6, 500)[0];
    assert_eq!((c6.messages, c6.capacity), (50, Capacity::Bounded(0)));
    assert_eq!(c6.want_sum(), 50 * 51 / 2);
}

#[test]
fn a_runs_channels_are_freed_when_the_next_run_is_prepared() {
    for workload in Workload::ALL {
        for config in configs(workload, 100) {
            for imp in ImplKind::ALL {
                let Some(body) = prepare(imp, &config) else {
                    continue;
                };
                let label = format!("{} [{}]", config.label(), imp.name());
                // Preparing dropped what the last run kept.
                assert!(!drop_last_run(), "{label}");
                assert_eq!(body(), config.want_sum(), "{label}");
                // The body's end kept its channels, for its harness to drop
                // after the clock stops.
                assert!(drop_last_run(), "{label}");
            }
        }
    }
}
