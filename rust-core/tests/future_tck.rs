//! The JSR-166 TCK's `CompletableFutureTest` matrix (src/test/tck/
//! CompletableFutureTest.java), where a Scala combinator means the same as
//! a `CompletionStage` method: every combinator × {normal completion,
//! exceptional completion, source cancelled, action failed} × source
//! completed {before, after} the combinator is attached × execution mode.
//!
//! | TCK | here |
//! |---|---|
//! | `thenApply` | `map` |
//! | `thenAccept` | `foreach` |
//! | `thenCompose` | `flat_map` |
//! | `thenCombine` | `zip_with` |
//! | `applyToEither` | `first_completed_of` + `map` |
//! | `exceptionally` | `recover` |
//! | `handle` | `transform` |
//! | `whenComplete` | `and_then` (an action failure is reported and the source's result passes through, Scala's meaning; the TCK's `whenComplete_actionFailed` differs and is left out) |
//!
//! The modes: the TCK's SYNC is `parasitic()`, ASYNC the global pool,
//! EXECUTOR a `ThreadPool`, plus a user context (`Arc<dyn
//! ExecutionContext>`). As `checkExecutionMode` does, each action checks it
//! runs where its mode says and counts its invocations: at most once, and
//! only when the outcome calls for it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use polyconc::exec::{global, parasitic, ExecutionContext, Rejected, ThreadPool};
use polyconc::future::{first_completed_of, Failure, Future, Panicked, Promise};

const WAIT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Sync,
    Async,
    Executor,
    Custom,
}

const MODES: [Mode; 4] = [Mode::Sync, Mode::Async, Mode::Executor, Mode::Custom];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Normal,
    Exceptional,
    Cancelled,
    ActionFailed,
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::Normal,
    Outcome::Exceptional,
    Outcome::Cancelled,
    Outcome::ActionFailed,
];

/// A user context: hands tasks to the global pool, counting them.
struct Counted(AtomicUsize);

impl ExecutionContext for Counted {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        self.0.fetch_add(1, Ordering::SeqCst);
        global().execute(task)
    }
}

fn pool() -> &'static ThreadPool {
    static POOL: OnceLock<ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| ThreadPool::builder().size(2).name("tck-pool").build())
}

fn context(mode: Mode) -> Arc<dyn ExecutionContext> {
    match mode {
        Mode::Sync => Arc::new(parasitic()),
        Mode::Async => Arc::new(global()),
        Mode::Executor => Arc::new(pool().clone()),
        Mode::Custom => Arc::new(Counted(AtomicUsize::new(0))),
    }
}

/// The TCK's `CheckedAction`: counts invocations and checks the thread.
#[derive(Clone)]
struct Action {
    mode: Mode,
    count: Arc<AtomicUsize>,
    wrong_thread: Arc<AtomicBool>,
}

impl Action {
    fn new(mode: Mode) -> Self {
        Action {
            mode,
            count: Arc::default(),
            wrong_thread: Arc::default(),
        }
    }

    fn invoked(&self) {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        let right = match self.mode {
            Mode::Sync => true,
            Mode::Async | Mode::Custom => name.starts_with("polyconc-global"),
            Mode::Executor => name.starts_with("tck-pool"),
        };
        if !right {
            self.wrong_thread.store(true, Ordering::SeqCst);
        }
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// The action of a combinator that computes a value: counted, failing
    /// where the outcome says so, else the value plus one.
    fn step(&self, outcome: Outcome, v: i32) -> i32 {
        self.invoked();
        if outcome == Outcome::ActionFailed {
            panic!("action failed");
        }
        v + 1
    }

    fn assert_invoked(&self, expected: bool) {
        assert_eq!(
            self.count.load(Ordering::SeqCst),
            usize::from(expected),
            "invocations in {:?}",
            self.mode
        );
        assert!(
            !self.wrong_thread.load(Ordering::SeqCst),
            "ran on the wrong thread for {:?}",
            self.mode
        );
    }
}

struct Source {
    promise: Promise<i32>,
    failure: Failure,
}

impl Source {
    fn new() -> Self {
        Source {
            promise: Promise::new(),
            failure: Failure::msg("CFException"),
        }
    }

    fn future(&self) -> Future<i32> {
        self.promise.future()
    }

    fn settle(&self, outcome: Outcome) {
        match outcome {
            Outcome::Normal | Outcome::ActionFailed => self.promise.success(1).unwrap(),
            Outcome::Exceptional => self.promise.failure(self.failure.clone()).unwrap(),
            Outcome::Cancelled => assert!(self.future().cancel()),
        }
    }

    /// Checks `g` failed as the source did (the same error object, or a
    /// cancellation).
    fn assert_same_failure<T: Clone + Send + Sync + 'static>(
        &self,
        g: &Future<T>,
        outcome: Outcome,
    ) {
        let e = g.result(WAIT).err().expect("failed");
        match outcome {
            Outcome::Exceptional => assert!(e.same_as(&self.failure)),
            Outcome::Cancelled => assert!(e.is_cancelled()),
            _ => unreachable!(),
        }
    }

    /// Checks `g` of a value-computing combinator: `value` on a normal
    /// completion, the action's panic, or the source's failure.
    fn assert_outcome(&self, g: &Future<i32>, outcome: Outcome, value: i32) {
        match outcome {
            Outcome::Normal => assert_eq!(g.result(WAIT), Ok(value)),
            Outcome::ActionFailed => assert_action_failed(g),
            _ => self.assert_same_failure(g, outcome),
        }
    }
}

fn assert_action_failed<T: Clone + Send + Sync + 'static>(g: &Future<T>) {
    let e = g.result(WAIT).err().expect("failed");
    assert_eq!(
        e.downcast_ref::<Panicked>().map(Panicked::message),
        Some("action failed")
    );
}

/// Every (mode, outcome, completed-before-attaching) combination.
fn matrix(mut case: impl FnMut(Mode, Outcome, bool)) {
    for mode in MODES {
        for outcome in OUTCOMES {
            for incomplete in [false, true] {
                case(mode, outcome, incomplete);
            }
        }
    }
}

/// Attaches with `attach` on a source settled before or after, per `incomplete`.
fn run<T>(
    outcome: Outcome,
    incomplete: bool,
    attach: impl FnOnce(&Future<i32>) -> T,
) -> (Source, T) {
    let src = Source::new();
    if !incomplete {
        src.settle(outcome);
    }
    let g = attach(&src.future());
    if incomplete {
        src.settle(outcome);
    }
    (src, g)
}

/// The matrix of a combinator that computes a value with its action:
/// `attach(source, ec, action, outcome)` attaches it, its action calling
/// [`Action::step`]; the result is the source's value plus one.
fn value_matrix(
    attach: impl Fn(&Future<i32>, &Arc<dyn ExecutionContext>, Action, Outcome) -> Future<i32>,
) {
    matrix(|mode, outcome, incomplete| {
        let ec = context(mode);
        let a = Action::new(mode);
        let (src, g) = run(outcome, incomplete, |f| attach(f, &ec, a.clone(), outcome));
        src.assert_outcome(&g, outcome, 2);
        a.assert_invoked(matches!(outcome, Outcome::Normal | Outcome::ActionFailed));
    });
}

#[test]
fn then_apply_is_map() {
    value_matrix(|f, ec, act, outcome| f.map(ec, move |v| act.step(outcome, *v)));
}

#[test]
fn then_accept_is_foreach() {
    matrix(|mode, outcome, incomplete| {
        let ec = context(mode);
        let a = Action::new(mode);
        let act = a.clone();
        let seen = Promise::<i32>::new();
        let s = seen.clone();
        let (src, ()) = run(outcome, incomplete, |f| {
            f.foreach(&ec, move |v| {
                act.invoked();
                s.success(*v).unwrap();
                if outcome == Outcome::ActionFailed {
                    panic!("action failed"); // reported, nothing to fail
                }
            })
        });
        match outcome {
            Outcome::Normal | Outcome::ActionFailed => {
                assert_eq!(seen.future().result(WAIT), Ok(1));
                a.assert_invoked(true);
            }
            _ => {
                src.future().ready(WAIT).unwrap();
                // A callback that is not called is never submitted.
                assert!(seen.future().ready(Duration::from_millis(5)).is_err());
                a.assert_invoked(false);
            }
        }
    });
}

#[test]
fn then_compose_is_flat_map() {
    value_matrix(|f, ec, act, outcome| {
        let inner_ec = Arc::clone(ec);
        f.flat_map(ec, move |v| {
            let v = act.step(outcome, *v);
            Future::unit().map(&inner_ec, move |_| v)
        })
    });
}

#[test]
fn then_combine_is_zip_with() {
    matrix(|mode, outcome, incomplete| {
        for source_on_left in [true, false] {
            let ec = context(mode);
            let a = Action::new(mode);
            let act = a.clone();
            let other = Promise::<i32>::new();
            if !incomplete {
                other.success(10).unwrap();
            }
            let (src, g) = run(outcome, incomplete, |f| {
                let f2 = other.future();
                let combine = move |x: &i32, y: &i32| {
                    act.invoked();
                    if outcome == Outcome::ActionFailed {
                        panic!("action failed");
                    }
                    x - y // not commutative, as the TCK's subtract
                };
                if source_on_left {
                    f.zip_with(&ec, &f2, combine)
                } else {
                    f2.zip_with(&ec, f, combine)
                }
            });
            if incomplete {
                let _ = other.try_success(10);
            }
            src.assert_outcome(&g, outcome, if source_on_left { 1 - 10 } else { 10 - 1 });
            a.assert_invoked(matches!(outcome, Outcome::Normal | Outcome::ActionFailed));
        }
    });
}

#[test]
fn apply_to_either_is_first_completed_of_then_map() {
    value_matrix(|f, ec, act, outcome| {
        let never = Promise::<i32>::new();
        first_completed_of([never.future(), f.clone()]).map(ec, move |v| {
            let _pending_until_now = &never;
            act.step(outcome, *v)
        })
    });
}

#[test]
fn exceptionally_is_recover() {
    matrix(|mode, outcome, incomplete| {
        let ec = context(mode);
        let a = Action::new(mode);
        let act = a.clone();
        let (_src, g) = run(outcome, incomplete, |f| {
            f.recover(&ec, move |_| {
                act.invoked();
                Some(-1)
            })
        });
        match outcome {
            Outcome::Normal | Outcome::ActionFailed => {
                assert_eq!(g.result(WAIT), Ok(1));
                a.assert_invoked(false);
            }
            _ => {
                assert_eq!(g.result(WAIT), Ok(-1));
                a.assert_invoked(true);
            }
        }
    });
}

#[test]
fn exceptionally_action_failed_is_recover_panicking() {
    for mode in MODES {
        for incomplete in [false, true] {
            let ec = context(mode);
            let (_src, g) = run(Outcome::Exceptional, incomplete, |f| {
                f.recover(&ec, |_| -> Option<i32> { panic!("action failed") })
            });
            assert_action_failed(&g);
        }
    }
}

#[test]
fn handle_is_transform() {
    matrix(|mode, outcome, incomplete| {
        let ec = context(mode);
        let a = Action::new(mode);
        let act = a.clone();
        let (_src, g) = run(outcome, incomplete, |f| {
            f.transform(&ec, move |r| {
                act.invoked();
                if outcome == Outcome::ActionFailed {
                    panic!("action failed");
                }
                Ok(match r {
                    Ok(v) => v + 1,
                    Err(e) if e.is_cancelled() => -2,
                    Err(_) => -1,
                })
            })
        });
        match outcome {
            Outcome::Normal => assert_eq!(g.result(WAIT), Ok(2)),
            Outcome::Exceptional => assert_eq!(g.result(WAIT), Ok(-1)),
            Outcome::Cancelled => assert_eq!(g.result(WAIT), Ok(-2)),
            Outcome::ActionFailed => assert_action_failed(&g),
        }
        a.assert_invoked(true);
    });
}

#[test]
fn when_complete_is_and_then() {
    matrix(|mode, outcome, incomplete| {
        if outcome == Outcome::ActionFailed {
            return; // meanings differ: see the module docs
        }
        let ec = context(mode);
        let a = Action::new(mode);
        let act = a.clone();
        let (src, g) = run(outcome, incomplete, |f| {
            f.and_then(&ec, move |_| act.invoked())
        });
        match outcome {
            Outcome::Normal => assert_eq!(g.result(WAIT), Ok(1)),
            _ => src.assert_same_failure(&g, outcome),
        }
        a.assert_invoked(true);
    });
}

// The TCK's testCancel / testComplete / testCompleteExceptionally: a
// promise's own completion and cancellation.
#[test]
fn complete_complete_exceptionally_cancel() {
    let f = Promise::<i32>::new();
    assert!(f.future().ready(Duration::ZERO).is_err());
    assert!(f.try_success(1));
    assert!(!f.try_success(1));
    assert_eq!(f.future().result(WAIT), Ok(1));

    let f = Promise::<i32>::new();
    let ex = Failure::msg("CFException");
    assert!(f.try_failure(ex.clone()));
    assert!(f.future().result(WAIT).unwrap_err().same_as(&ex));

    let f = Promise::<i32>::new();
    assert!(f.future().cancel());
    assert!(!f.future().cancel());
    assert!(f.future().result(WAIT).unwrap_err().is_cancelled());
}

// The TCK's testOrTimeout_timesOut / testOrTimeout_completed.
#[test]
fn or_timeout() {
    let f = Promise::<i32>::new()
        .future()
        .or_timeout(Duration::from_millis(5));
    assert!(f.result(WAIT).unwrap_err().is_timeout());
    let p = Promise::<i32>::new();
    let g = p.future().or_timeout(Duration::from_secs(60));
    p.success(1).unwrap();
    assert_eq!(g.result(WAIT), Ok(1));
    let done = Future::successful(2).or_timeout(Duration::ZERO);
    assert_eq!(done.result(WAIT), Ok(2));
}
