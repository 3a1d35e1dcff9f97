//! Suite C (channels) for the [harness](crate::harness): the configurations
//! of [`workloads`](crate::workloads) on polyconc's `Chan` ("core"),
//! crossbeam-channel, flume and `std::sync::mpsc`, with their params, units
//! and kind.

use serde_json::{json, Value};

use crate::harness::{Case, Params, Suite};
use crate::workloads::{configs_with, prepare, Capacity, Config, ImplKind, Workload};

/// Suite C of WORKLOADS.md.
pub struct SuiteC;

/// The kind WORKLOADS.md gives an implementation: `channel`, or `queue` for
/// polyconc's blocking queues (Java's).
fn kind(imp: ImplKind) -> &'static str {
    match imp {
        ImplKind::Core | ImplKind::Crossbeam | ImplKind::Flume | ImplKind::Std => "channel",
        _ => "queue",
    }
}

const IDS: [&str; 6] = ["C1", "C2", "C3", "C4", "C5", "C6"];

impl Suite for SuiteC {
    fn id(&self) -> &'static str {
        "C"
    }

    fn workloads(&self) -> &'static [&'static str] {
        &IDS
    }

    fn impls(&self) -> Vec<&'static str> {
        ImplKind::ALL.iter().map(|i| i.name()).collect()
    }

    fn check(&self, params: &Params) -> Result<(), String> {
        if handoff_messages(params) < 10 {
            return Err(format!(
                "--handoff-messages {}: need at least 10 (C6 does M0/10 round trips)",
                handoff_messages(params)
            ));
        }
        if params.messages == 0 {
            return Err("--messages 0: need at least 1".to_string());
        }
        Ok(())
    }

    fn cases(&self, workload: &str, params: &Params) -> Vec<Case> {
        let Some(workload) = Workload::ALL.into_iter().find(|w| w.id() == workload) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let m0 = handoff_messages(params);
        for shape in configs_with(workload, params.messages, m0) {
            if !chosen(params, &shape) {
                continue;
            }
            for imp in ImplKind::ALL {
                if !params.impls.is_empty() && !params.impls.iter().any(|i| i == imp.name()) {
                    continue;
                }
                let config = fair_hand_off(imp, &shape, m0);
                // A configuration the implementation cannot express is left out.
                if prepare(imp, &config).is_none() {
                    continue;
                }
                let unit = unit(&config);
                let (label, params) = (
                    format!("{} [{}]", config.label(), imp.name()),
                    params_of(&config),
                );
                let (ops, want) = (config.messages, config.want_sum());
                out.push(Case {
                    workload: workload.id(),
                    impl_name: imp.name(),
                    kind: kind(imp),
                    label,
                    unit,
                    params,
                    ops,
                    want,
                    prepare: Box::new(move || {
                        prepare(imp, &config).expect("prepared for this configuration before")
                    }),
                    counts: None,
                });
            }
        }
        out
    }
}

/// Whether `--capacities` lets `config` run: it chooses among the
/// capacities of C2–C4 only.
fn chosen(params: &Params, config: &Config) -> bool {
    match &params.capacities {
        Some(capacities) if flow(config.workload) => capacities.contains(&config.capacity),
        _ => true,
    }
}

/// A fair queue hands every message to the longest waiter, so in C2–C4 it
/// runs M0 messages, as the hand-off capacities do (WORKLOADS.md).
fn fair_hand_off(imp: ImplKind, shape: &Config, m0: u64) -> Config {
    let mut config = shape.clone();
    if imp == ImplKind::ArrayQueueFair && flow(shape.workload) {
        config.messages = m0;
    }
    config
}

/// C2–C4: the workloads that run at every capacity.
fn flow(workload: Workload) -> bool {
    matches!(workload, Workload::C2 | Workload::C3 | Workload::C4)
}

/// M0, or M where the flag was not given.
fn handoff_messages(params: &Params) -> u64 {
    match params.handoff_messages {
        0 => params.messages,
        m0 => m0,
    }
}

fn unit(config: &Config) -> &'static str {
    if config.workload == Workload::C6 {
        "ns/roundtrip"
    } else {
        "ns/msg"
    }
}

/// The line's `params`: C6 counts round trips, C5 adds its channels.
fn params_of(config: &Config) -> Value {
    let capacity = match config.capacity {
        Capacity::Bounded(n) => json!(n),
        Capacity::Unbounded => json!("unbounded"),
    };
    match config.workload {
        Workload::C6 => json!({"capacity": capacity, "round_trips": config.messages}),
        Workload::C5 => json!({
            "capacity": capacity, "producers": config.producers,
            "consumers": config.consumers, "messages": config.messages,
            "channels": config.channels,
        }),
        _ => json!({
            "capacity": capacity, "producers": config.producers,
            "consumers": config.consumers, "messages": config.messages,
        }),
    }
}
