//! Ports of Scala's own future tests, scenario by scenario:
//! - scala/scala `test/files/jvm/future-spec/FutureTests.scala` (`ft_*`)
//! - scala/scala `test/files/jvm/future-spec/PromiseTests.scala` (`pt_*`)
//! - scala/scala `test/junit/scala/concurrent/FutureTest.scala` (`junit_*`)
//! - scala/scala `test/junit/scala/concurrent/impl/DefaultPromiseTest.scala`
//!   (`dpt_*`, through the public `flat_map`, which is what links promises)
//!
//! Scala throws; here a failure is a value, and a Scala `throw` in a
//! closure is a panic (which fails the future with a `Panicked` failure).
//! Scala's `mapTo` is `map_to`, a `TryFrom` conversion whose error stands
//! for the `ClassCastException`. The serialisation and
//! `NonLocalReturnControl` scenarios have no Rust meaning and are left out.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use polyconc::exec::{blocking, global, parasitic, ExecutionContext, Global, Rejected, ThreadPool};
use polyconc::future::{
    find, first_completed_of, fold_left, future, reduce_left, sequence, traverse, Failure, Future,
    NoSuchElement, Panicked, Promise,
};

const WAIT: Duration = Duration::from_secs(30);

fn ec() -> Global {
    global()
}

fn message(f: &Failure) -> String {
    match f.downcast_ref::<Panicked>() {
        Some(p) => p.message().to_owned(),
        None => f.to_string(),
    }
}

fn err_message<T: Clone + Send + Sync + 'static>(f: &Future<T>) -> String {
    match f.result(WAIT) {
        Ok(_) => panic!("expected a failure"),
        Err(e) => message(&e),
    }
}

/// Scala's `ECNotUsed`: a context that counts every task given to it.
#[derive(Clone, Default)]
struct Unused(Arc<AtomicUsize>);

impl ExecutionContext for Unused {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        self.0.fetch_add(1, Ordering::SeqCst);
        drop(task);
        Ok(())
    }
}

impl Unused {
    fn assert_unused(&self) {
        assert_eq!(self.0.load(Ordering::SeqCst), 0, "the context was used");
    }
}

/// A latch: a promise of `()`.
fn latch() -> Promise<()> {
    Promise::new()
}

fn await_latch(l: &Future<()>) {
    l.ready(WAIT).expect("latch opened in time");
}

fn test_async(s: &str) -> Future<String> {
    match s {
        "Hello" => future(&ec(), || "World".to_owned()),
        "Failure" => Future::failed(Failure::msg("Expected exception; to test fault-tolerance")),
        _ => Promise::new().future(),
    }
}

// FutureTests: "A future with custom ExecutionContext" / "shouldHandleThrowables"
#[test]
fn ft_custom_context_handles_panics() {
    let reported = Arc::new(Mutex::new(BTreeSet::new()));
    let r = Arc::clone(&reported);
    let pool = ThreadPool::builder()
        .size(1)
        .reporter(move |f| {
            r.lock().unwrap().insert(message(f));
        })
        .build();

    let f1 = future(&pool, || -> i32 { panic!("test") });
    assert_eq!(err_message(&f1), "test");

    let gate = latch();
    let end = Arc::new(AtomicUsize::new(0));
    let g = gate.future();
    let f2 = future(&pool, move || {
        g.ready(Duration::from_secs(5)).unwrap();
        "success".to_owned()
    });
    let e = Arc::clone(&end);
    f2.foreach(&pool, move |_| {
        e.fetch_add(1, Ordering::SeqCst);
        panic!("dispatcher foreach");
    });
    let e = Arc::clone(&end);
    f2.on_complete(&pool, move |r| {
        e.fetch_add(1, Ordering::SeqCst);
        if r.is_ok() {
            panic!("dispatcher onComplete");
        }
    });
    gate.success(()).unwrap();
    assert_eq!(f2.result(WAIT).unwrap(), "success");
    let e = Arc::clone(&end);
    f2.foreach(&pool, move |_| {
        e.fetch_add(1, Ordering::SeqCst);
        panic!("current thread foreach");
    });
    let e = Arc::clone(&end);
    f2.on_complete(&pool, move |r| {
        e.fetch_add(1, Ordering::SeqCst);
        if r.is_ok() {
            panic!("current thread onComplete");
        }
    });
    assert_eq!(
        f2.map(&pool, |s| s.to_uppercase()).result(WAIT).unwrap(),
        "SUCCESS"
    );
    pool.shutdown();
    pool.join().unwrap();
    assert_eq!(end.load(Ordering::SeqCst), 4);
    let expected: BTreeSet<String> = [
        "dispatcher foreach",
        "dispatcher onComplete",
        "current thread foreach",
        "current thread onComplete",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(*reported.lock().unwrap(), expected);
}

// FutureTests: "have proper const representation for success"
#[test]
fn ft_const_success_uses_no_context() {
    let f = Future::successful("foo");
    let ec = Unused::default();
    assert_eq!(
        f.recover(&ec, |_| panic!("recover should not have been called"))
            .value()
            .unwrap()
            .as_ref()
            .ok(),
        Some(&"foo")
    );
    assert!(f
        .recover_with(&ec, |_| panic!("recover_with should not have been called"))
        .is_completed());
    assert_eq!(
        f.fallback_to(&f).value().unwrap().as_ref().ok(),
        Some(&"foo")
    );
    ec.assert_unused();
}

// FutureTests: "have proper const representation for failure"
#[test]
fn ft_const_failure_uses_no_context() {
    let e = Failure::msg("foo");
    let f = Future::<Future<String>>::failed(e.clone());
    let ec = Unused::default();
    let same = |g: Option<&Failure>| assert!(g.unwrap().same_as(&e));
    same(f.zip(&f).value().unwrap().as_ref().err());
    same(f.flatten().value().unwrap().as_ref().err());
    same(f.map_to::<Future<String>>().value().unwrap().as_ref().err());
    assert!(f.failure().value().unwrap().as_ref().unwrap().same_as(&e)); // scala/bug#10034
    f.foreach(&ec, |_| panic!("foreach should not have been called"));
    same(
        f.map(&ec, |_| -> i32 { panic!("map") })
            .value()
            .unwrap()
            .as_ref()
            .err(),
    );
    same(
        f.flat_map(&ec, |_| -> Future<i32> { panic!("flat_map") })
            .value()
            .unwrap()
            .as_ref()
            .err(),
    );
    same(
        f.filter(&ec, |_| panic!("filter"))
            .value()
            .unwrap()
            .as_ref()
            .err(),
    );
    same(
        f.collect(&ec, |_| -> Option<i32> { panic!("collect") })
            .value()
            .unwrap()
            .as_ref()
            .err(),
    );
    same(
        f.zip_with(&ec, &f, |_, _| -> i32 { panic!("zip_with") })
            .value()
            .unwrap()
            .as_ref()
            .err(),
    );
    ec.assert_unused();
}

// FutureTests: "The Future companion object" / "have a unit member"
#[test]
fn ft_unit() {
    let u = Future::unit();
    assert!(u.is_completed());
    assert_eq!(u.value().unwrap().as_ref().ok(), Some(&()));
}

// FutureTests: "have a never member": nothing registered on it ever runs.
#[test]
fn ft_never() {
    let never = Future::<i32>::never();
    let ec = Unused::default();
    assert!(!never.is_completed() && never.value().is_none());
    assert!(!never.failure().is_completed());
    assert!(!never.zip(&never).is_completed());
    assert!(!never.fallback_to(&never).is_completed());
    never.foreach(&ec, |_| panic!("foreach"));
    never.on_complete(&ec, |_| panic!("on_complete"));
    let derived = [
        never.map(&ec, |v| *v),
        never.flat_map(&ec, |_| -> Future<i32> { panic!() }),
        never.filter(&ec, |_| panic!()),
        never.collect(&ec, |_| -> Option<i32> { panic!() }),
        never.recover(&ec, |_| panic!()),
        never.recover_with(&ec, |_| panic!()),
        never.and_then(&ec, |_| panic!()),
        never.transform(&ec, |_| -> Result<i32, Failure> { panic!() }),
        never.transform_with(&ec, |_| -> Future<i32> { panic!() }),
        never.transform_both(&ec, |v| *v, Failure::clone),
        never.map_to::<i32>(),
        never.zip_with(&ec, &never, |_, _| -> i32 { panic!() }),
    ];
    assert!(derived.iter().all(|f| !f.is_completed()));
    assert!(never
        .ready(Duration::from_millis(10))
        .unwrap_err()
        .is_timeout());
    ec.assert_unused();
}

// FutureTests: "The parasitic ExecutionContext" (all five scenarios)
#[test]
fn ft_parasitic() {
    let here = thread::current().id();
    let ran_on = Arc::new(Mutex::new(None));
    let r = Arc::clone(&ran_on);
    parasitic()
        .execute(Box::new(move || {
            *r.lock().unwrap() = Some(thread::current().id())
        }))
        .unwrap();
    assert_eq!(*ran_on.lock().unwrap(), Some(here));

    // does not rethrow, and goes on after a panic
    parasitic()
        .execute(Box::new(|| panic!("do not rethrow")))
        .unwrap();
    let value = Arc::new(Mutex::new(""));
    let v = Arc::clone(&value);
    parasitic()
        .execute(Box::new(|| panic!("expected")))
        .unwrap();
    parasitic()
        .execute(Box::new(move || *v.lock().unwrap() = "test"))
        .unwrap();
    assert_eq!(*value.lock().unwrap(), "test");

    // does not blow the stack
    fn recur(i: u32, count: Arc<AtomicUsize>) {
        count.fetch_add(1, Ordering::Relaxed);
        if i > 0 {
            parasitic()
                .execute(Box::new(move || recur(i - 1, count)))
                .unwrap();
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    recur(100_000, Arc::clone(&count));
    assert_eq!(count.load(Ordering::Relaxed), 100_001);
}

// FutureTests: "The default ExecutionContext" / "report uncaught exceptions"
#[test]
fn ft_context_reports_uncaught_panics() {
    let p = Promise::<String>::new();
    let q = p.clone();
    let pool = ThreadPool::builder()
        .size(1)
        .reporter(move |f| {
            q.try_success(message(f));
        })
        .build();
    pool.execute(Box::new(|| panic!("uncaught"))).unwrap();
    assert_eq!(p.future().result(WAIT).unwrap(), "uncaught");
    pool.shutdown();
}

// FutureTests: "compose with for-comprehensions"
#[test]
fn ft_compose_with_for_comprehensions() {
    fn async_double(x: usize) -> Future<String> {
        future(&ec(), move || (x * 2).to_string())
    }
    let future0 = future(&ec(), || "five!".len());
    let future1 = future0.flat_map(&ec(), |a| {
        let a = *a;
        async_double(a).flat_map(&ec(), |b| {
            let b = b.clone();
            async_double(7).map(&ec(), move |c| format!("{b}-{c}"))
        })
    });
    assert_eq!(future1.result(WAIT).unwrap(), "10-14");

    // `mapTo[Int]` in the chain: a value that converts goes on; one that
    // does not fails the chain (Scala: a ClassCastException for a String;
    // here a TryFromIntError for a number out of `u8`'s range).
    let future1 = future0.map_to::<u8>().flat_map(&ec(), |a| {
        async_double(usize::from(*a)).flat_map(&ec(), |b| {
            let b = b.clone();
            async_double(7).map(&ec(), move |c| format!("{b}-{c}"))
        })
    });
    assert_eq!(future1.result(WAIT).unwrap(), "10-14");
    let future2 = future0.map_to::<u8>().flat_map(&ec(), |a| {
        let a = usize::from(*a);
        future(&ec(), move || a * 100)
            .map_to::<u8>()
            .flat_map(&ec(), |b| {
                let b = *b;
                async_double(7).map(&ec(), move |c| format!("{b}-{c}"))
            })
    });
    let e = future2.result(WAIT).unwrap_err();
    assert!(e.downcast_ref::<std::num::TryFromIntError>().is_some());
}

// FutureTests: "support pattern matching within a for-comprehension": a
// pattern that does not match fails with NoSuchElement (Scala's withFilter).
#[test]
fn ft_pattern_matching_in_for_comprehension() {
    let ok = future(&ec(), || "Hello".len())
        .filter(&ec(), |n| *n == 5)
        .map(&ec(), |n| n * 2);
    assert_eq!(ok.result(WAIT), Ok(10));
    let no_match = future(&ec(), || "Hello".len()).filter(&ec(), |n| *n == 6);
    assert!(no_match
        .result(WAIT)
        .unwrap_err()
        .downcast_ref::<NoSuchElement>()
        .is_some());
}

// FutureTests: "recover from exceptions"
#[test]
fn ft_recover_from_exceptions() {
    let zero = black_box(0);
    let future1 = future(&ec(), || 5);
    let future2 = future1.map(&ec(), move |v| v / zero);
    let future3 = future2.map(&ec(), |v| v.to_string());
    let is_div = |e: &Failure| message(e).contains("divide by zero");
    let future4 = future1
        .recover(&ec(), move |e| is_div(e).then_some(0))
        .map(&ec(), |v| v.to_string());
    let future5 = future2
        .recover(&ec(), move |e| is_div(e).then_some(0))
        .map(&ec(), |v| v.to_string());
    let future6 = future2
        .recover(&ec(), |e| message(e).contains("MatchError").then_some(0))
        .map(&ec(), |v| v.to_string());
    let future7 = future3.recover(&ec(), move |e| {
        is_div(e).then(|| "You got ERROR".to_owned())
    });
    let future8 = test_async("Failure");
    let future9 = test_async("Failure").recover(&ec(), |_| Some("FAIL!".to_owned()));
    let future10 = test_async("Hello").recover(&ec(), |_| Some("FAIL!".to_owned()));
    let future11 = test_async("Failure").recover(&ec(), |_| Some("Oops!".to_owned()));

    assert_eq!(future1.result(WAIT), Ok(5));
    assert!(err_message(&future2).contains("divide by zero"));
    assert!(err_message(&future3).contains("divide by zero"));
    assert_eq!(future4.result(WAIT).unwrap(), "5");
    assert_eq!(future5.result(WAIT).unwrap(), "0");
    assert!(err_message(&future6).contains("divide by zero"));
    assert_eq!(future7.result(WAIT).unwrap(), "You got ERROR");
    assert!(future8.result(WAIT).is_err());
    assert_eq!(future9.result(WAIT).unwrap(), "FAIL!");
    assert_eq!(future10.result(WAIT).unwrap(), "World");
    assert_eq!(future11.result(WAIT).unwrap(), "Oops!");
}

// FutureTests: "recoverWith from exceptions"
#[test]
fn ft_recover_with_from_exceptions() {
    let o = Failure::msg("original");
    let r = Failure::msg("recovered");
    let failed = Future::<String>::failed(o.clone()).recover_with(&ec(), |_| None);
    assert!(failed.result(WAIT).unwrap_err().same_as(&o));
    let recovered = Future::<String>::failed(o.clone())
        .recover_with(&ec(), |_| Some(Future::successful("yay!".to_owned())));
    assert_eq!(recovered.result(WAIT).unwrap(), "yay!");
    let r2 = r.clone();
    let refailed =
        Future::<String>::failed(o).recover_with(&ec(), move |_| Some(Future::failed(r2)));
    assert!(refailed.result(WAIT).unwrap_err().same_as(&r));
}

/// FutureTests' "transform results to results": `t` upper-cases the value
/// of a future completed before (`successful`) and of one completed by a
/// task.
fn upper_cases_both(t: impl Fn(&Future<String>) -> Future<String>) {
    let before = Future::successful("foo".to_owned());
    assert_eq!(t(&before).result(WAIT).unwrap(), "FOO");
    let by_a_task = future(&ec(), || "bar".to_owned());
    assert_eq!(t(&by_a_task).result(WAIT).unwrap(), "BAR");
}

// FutureTests: "transform results to results", "failures to failures",
// "failures to results", "results to failures"
#[test]
fn ft_transform() {
    let upper =
        |r: &Result<String, Failure>| r.as_ref().map(|s| s.to_uppercase()).map_err(Clone::clone);
    upper_cases_both(|f| f.transform(&ec(), upper));

    let initial = Failure::msg("Initial");
    let expected1 = Failure::msg("Expected1");
    let (i, e1) = (initial.clone(), expected1.clone());
    let f1 = Future::<String>::failed(initial.clone()).transform(&ec(), move |r| match r {
        Err(e) if e.same_as(&i) => Err(e1),
        x => x.clone(),
    });
    assert!(f1.result(WAIT).unwrap_err().same_as(&expected1));
    let f2 = future(&ec(), || -> String { panic!("Initial2") }).transform(&ec(), |r| match r {
        Err(e) if message(e) == "Initial2" => Ok("bar".to_owned()),
        x => x.clone(),
    });
    assert_eq!(f2.result(WAIT).unwrap(), "bar");

    let expected2 = Failure::msg("Expected2");
    let e2 = expected2.clone();
    let f3 = Future::successful("foo".to_owned()).transform(&ec(), move |r| match r {
        Ok(s) if s == "foo" => Err(e2),
        x => x.clone(),
    });
    assert!(f3.result(WAIT).unwrap_err().same_as(&expected2));
    let f4 = future(&ec(), || "bar".to_owned()).transform(&ec(), |r| -> Result<String, Failure> {
        match r {
            Ok(s) if s == "bar" => panic!("Expected3"),
            x => x.clone(),
        }
    });
    assert_eq!(err_message(&f4), "Expected3");
}

// Scala's two-function `transform(s, f)` has no scenario of its own in
// FutureTests beyond "have a never member" (see `ft_never`): these are the
// four "transform ..." scenarios above in that form, which maps a success
// to a success and a failure to a failure, and fails with a panic of
// either function.
#[test]
fn ft_transform_both() {
    let upper = |s: &String| s.to_uppercase();
    let keep = |e: &Failure| e.clone();
    upper_cases_both(|f| f.transform_both(&ec(), upper, keep));

    let initial = Failure::msg("Initial");
    let expected1 = Failure::msg("Expected1");
    let (i, e1) = (initial.clone(), expected1.clone());
    let f1 = Future::<String>::failed(initial.clone()).transform_both(&ec(), upper, move |e| {
        if e.same_as(&i) {
            e1
        } else {
            e.clone()
        }
    });
    assert!(f1.result(WAIT).unwrap_err().same_as(&expected1));
    let f2 = future(&ec(), || -> String { panic!("Initial2") }).transform_both(&ec(), upper, |e| {
        Failure::msg(format!("{}, mapped", message(e)))
    });
    assert_eq!(err_message(&f2), "Initial2, mapped");

    let f3 = future(&ec(), || "bar".to_owned()).transform_both(
        &ec(),
        |_| -> String { panic!("Expected3") },
        keep,
    );
    assert_eq!(err_message(&f3), "Expected3");
    let f4 = Future::<String>::failed(initial)
        .transform_both(&ec(), upper, |_| -> Failure { panic!("Expected4") });
    assert_eq!(err_message(&f4), "Expected4");
}

// FutureTests: "transformWith results", "transformWith failures",
// "failures to future success", "results to future failures"
#[test]
fn ft_transform_with() {
    let up = |r: &Result<String, Failure>| match r {
        Ok(s) => {
            let s = s.clone();
            future(&ec(), move || s.to_uppercase())
        }
        Err(e) => Future::failed(e.clone()),
    };
    assert_eq!(
        Future::successful("foo".to_owned())
            .transform_with(&ec(), up)
            .result(WAIT)
            .unwrap(),
        "FOO"
    );
    assert_eq!(
        future(&ec(), || "bar".to_owned())
            .transform_with(&ec(), up)
            .result(WAIT)
            .unwrap(),
        "BAR"
    );

    let expected1 = Failure::msg("Expected1");
    let e1 = expected1.clone();
    let f1 =
        future(&ec(), || -> i32 { panic!("Initial") }).transform_with(&ec(), move |r| match r {
            Err(e) if message(e) == "Initial" => Future::failed(e1),
            x => Future::from_result(x.clone()),
        });
    assert!(f1.result(WAIT).unwrap_err().same_as(&expected1));
    let f3 = Future::<i32>::failed(Failure::msg("Initial"))
        .transform_with(&ec(), |_| -> Future<i32> { panic!("Expected3") });
    assert_eq!(err_message(&f3), "Expected3");

    let to_success =
        Future::<String>::failed(Failure::msg("Initial")).transform_with(&ec(), |r| match r {
            Err(_) => future(&ec(), || "FOO".to_owned()),
            Ok(_) => Future::failed(Failure::msg("unexpected")),
        });
    assert_eq!(to_success.result(WAIT).unwrap(), "FOO");

    let expected2 = Failure::msg("Expected2");
    let e2 = expected2.clone();
    let f2 = future(&ec(), || "FOO".to_owned()).transform_with(&ec(), move |r| match r {
        Ok(s) if s == "FOO" => Future::failed(e2),
        _ => Future::successful("FOO".to_owned()),
    });
    assert!(f2.result(WAIT).unwrap_err().same_as(&expected2));
}

// FutureTests: "andThen like a boss"
#[test]
fn ft_and_then_like_a_boss() {
    for _ in 0..200 {
        let q = Arc::new(Mutex::new(Vec::new()));
        let (q1, q2, q3, q4) = (q.clone(), q.clone(), q.clone(), q.clone());
        let chained = future(&ec(), move || {
            q1.lock().unwrap().push(1);
            3
        })
        .and_then(&ec(), move |_| q2.lock().unwrap().push(2))
        .and_then(&ec(), move |r| {
            if let Ok(0) = r {
                q3.lock().unwrap().push(i32::MAX);
            }
        })
        .and_then(&ec(), move |_| q4.lock().unwrap().push(3));
        assert_eq!(chained.result(WAIT), Ok(3));
        assert_eq!(*q.lock().unwrap(), [1, 2, 3]);
    }
}

// FutureTests: "firstCompletedOf"
#[test]
fn ft_first_completed_of() {
    let futures: Vec<Future<i32>> = (0..10)
        .map(|_| Promise::new().future())
        .chain([Future::successful(5)])
        .collect();
    assert_eq!(first_completed_of(futures.clone()).result(WAIT), Ok(5));
    assert_eq!(first_completed_of(futures.into_iter()).result(WAIT), Ok(5));
}

// FutureTests: "find"
#[test]
fn ft_find() {
    let futures: Vec<_> = (1..=10).map(|i| future(&ec(), move || i)).collect();
    assert_eq!(
        find(&ec(), futures.clone(), |v| *v == 3).result(WAIT),
        Ok(Some(3))
    );
    assert_eq!(find(&ec(), futures, |v| *v == 11).result(WAIT), Ok(None));
}

// FutureTests: "zip"
#[test]
fn ft_zip() {
    let f = Failure::msg("test");
    let ok = || Future::successful("foo");
    let failed = || Future::<&str>::failed(f.clone());
    assert!(failed().zip(&ok()).result(WAIT).unwrap_err().same_as(&f));
    assert!(ok().zip(&failed()).result(WAIT).unwrap_err().same_as(&f));
    assert!(failed()
        .zip(&failed())
        .result(WAIT)
        .unwrap_err()
        .same_as(&f));
    assert_eq!(ok().zip(&ok()).result(WAIT), Ok(("foo", "foo")));
}

// FutureTests: "zipWith"
#[test]
fn ft_zip_with() {
    let f = Failure::msg("test");
    let ok = || Future::successful("foo");
    let failed = || Future::<&str>::failed(f.clone());
    fn pair(a: &&'static str, b: &&'static str) -> (&'static str, &'static str) {
        (a, b)
    }
    assert!(failed()
        .zip_with(&ec(), &ok(), pair)
        .result(WAIT)
        .unwrap_err()
        .same_as(&f));
    assert!(ok()
        .zip_with(&ec(), &failed(), pair)
        .result(WAIT)
        .unwrap_err()
        .same_as(&f));
    assert!(failed()
        .zip_with(&ec(), &failed(), pair)
        .result(WAIT)
        .unwrap_err()
        .same_as(&f));
    assert_eq!(
        ok().zip_with(&ec(), &ok(), pair).result(WAIT),
        Ok(("foo", "foo"))
    );
    let failure = ok().zip_with(&ec(), &ok(), |_, _| -> i32 { panic!("test") });
    assert_eq!(err_message(&failure), "test");
}

fn async_add(add: i32, wait_ms: u64) -> Future<i32> {
    future(&ec(), move || {
        thread::sleep(Duration::from_millis(wait_ms));
        add
    })
}

// FutureTests: "fold", "fold by composing", "fold with an exception",
// "fold mutable zeroes safely", "return zero value if folding empty list"
#[test]
fn ft_fold() {
    let futures: Vec<_> = (0..10).map(|i| async_add(i, i as u64 * 2)).collect();
    assert_eq!(
        fold_left(&ec(), futures.clone(), 0, |a, v| a + v).result(WAIT),
        Ok(45)
    );

    let composed = futures.iter().fold(future(&ec(), || 0), |fr, fa| {
        let fa = fa.clone();
        fr.flat_map(&ec(), move |r| {
            let r = *r;
            fa.map(&ec(), move |a| r + a)
        })
    });
    assert_eq!(composed.result(WAIT), Ok(45));

    let with_failure: Vec<_> = (0..10)
        .map(|i| {
            future(&ec(), move || {
                thread::sleep(Duration::from_millis(i as u64));
                if i == 6 {
                    panic!("shouldFoldResultsWithException: expected");
                }
                i
            })
        })
        .collect();
    let folded = fold_left(&ec(), with_failure, 0, |a, v| a + v);
    assert_eq!(
        err_message(&folded),
        "shouldFoldResultsWithException: expected"
    );

    for _ in 0..20 {
        let fs: Vec<_> = (0..=1000).map(|i| future(&ec(), move || i)).collect();
        let f = fold_left(&ec(), fs, Vec::new(), |mut l, i| {
            if i % 2 == 0 {
                l.push(*i);
            }
            l
        });
        assert_eq!(f.result(WAIT).unwrap().iter().sum::<i32>(), 250_500);
    }

    assert_eq!(
        fold_left(&ec(), Vec::<Future<i32>>::new(), 0, |a, v| a + v).result(WAIT),
        Ok(0)
    );
}

// FutureTests: "shouldReduceResults", "shouldReduceResultsWithException",
// "shouldReduceThrowNSEEOnEmptyInput"
#[test]
fn ft_reduce() {
    let futures: Vec<_> = (0..10).map(|i| async_add(i, i as u64 * 2)).collect();
    assert_eq!(
        reduce_left(&ec(), futures, |a, v| a + v).result(WAIT),
        Ok(45)
    );
    let with_failure: Vec<_> = (1..=10)
        .map(|i| {
            future(&ec(), move || {
                if i == 6 {
                    panic!("shouldFoldResultsWithException: expected");
                }
                i
            })
        })
        .collect();
    assert_eq!(
        err_message(&reduce_left(&ec(), with_failure, |a, v| a + v)),
        "shouldFoldResultsWithException: expected"
    );
    let empty = reduce_left(&ec(), Vec::<Future<i32>>::new(), |a, v| a + v);
    assert!(empty
        .result(WAIT)
        .unwrap_err()
        .downcast_ref::<NoSuchElement>()
        .is_some());
}

// FutureTests: "shouldTraverseFutures"
#[test]
fn ft_traverse() {
    let counter = Arc::new(Mutex::new(-1));
    let odd: Vec<_> = (0..100)
        .map(|_| {
            let c = Arc::clone(&counter);
            future(&ec(), move || {
                let mut c = c.lock().unwrap();
                *c += 2;
                *c
            })
        })
        .collect();
    assert_eq!(
        sequence(&ec(), odd)
            .result(WAIT)
            .unwrap()
            .iter()
            .sum::<i32>(),
        10_000
    );
    let traversed = traverse(&ec(), 1..=100, |x| future(&ec(), move || x * 2 - 1));
    assert_eq!(traversed.result(WAIT).unwrap().iter().sum::<i32>(), 10_000);
}

// FutureTests: "shouldBlockUntilResult"
#[test]
fn ft_block_until_result() {
    let gate = latch();
    let g = gate.future();
    let f = future(&ec(), move || {
        g.ready(Duration::from_secs(5)).unwrap();
        5
    });
    let f2 = future(&ec(), move || f.result(Duration::MAX).unwrap() + 9);
    assert!(f2
        .ready(Duration::from_millis(100))
        .unwrap_err()
        .is_timeout());
    gate.success(()).unwrap();
    assert_eq!(f2.result(WAIT), Ok(14));

    let slow = latch();
    let s = slow.future();
    let f3 = future(&ec(), move || {
        await_latch(&s);
        5
    });
    assert!(f3.ready(Duration::ZERO).unwrap_err().is_timeout());
    slow.success(()).unwrap();
    assert_eq!(f3.result(WAIT), Ok(5));
}

// FutureTests: "run callbacks async"
#[test]
fn ft_run_callbacks_async() {
    let l: Vec<Promise<()>> = (0..10).map(|_| latch()).collect();
    let open = |i: usize| l[i].success(()).unwrap();
    let lf = |i: usize| l[i].future();

    let (l0, l1) = (l[0].clone(), lf(1));
    let f1 = future(&ec(), move || {
        l0.success(()).unwrap();
        await_latch(&l1);
        "Hello".to_owned()
    });
    let (l2, l3) = (l[2].clone(), lf(3));
    let f2 = f1.map(&ec(), move |s| {
        l2.success(()).unwrap();
        await_latch(&l3);
        s.len()
    });
    let l4 = l[4].clone();
    f2.foreach(&ec(), move |_| l4.success(()).unwrap());

    await_latch(&lf(0));
    assert!(!f1.is_completed());
    assert!(!f2.is_completed());
    open(1);
    await_latch(&lf(2));
    assert!(f1.is_completed());
    assert!(!f2.is_completed());

    let (l5, l6) = (l[5].clone(), lf(6));
    let f3 = f1.map(&ec(), move |s| {
        l5.success(()).unwrap();
        await_latch(&l6);
        s.len() * 2
    });
    let l3 = l[3].clone();
    f3.foreach(&ec(), move |_| l3.success(()).unwrap());
    await_latch(&lf(5));
    assert!(!f3.is_completed());
    open(6);
    await_latch(&lf(4));
    assert!(f2.is_completed());
    assert!(f3.result(WAIT).is_ok());

    let p1 = Promise::<String>::new();
    let (l7, l8) = (l[7].clone(), lf(8));
    let f4 = p1.future().map(&ec(), move |s| {
        l7.success(()).unwrap();
        await_latch(&l8);
        s.len()
    });
    let l9 = l[9].clone();
    f4.foreach(&ec(), move |_| l9.success(()).unwrap());
    assert!(!p1.future().is_completed());
    assert!(!f4.is_completed());
    p1.success("Hello".to_owned()).unwrap();
    await_latch(&lf(7));
    assert!(p1.future().is_completed());
    assert!(!f4.is_completed());
    open(8);
    await_latch(&lf(9));
    assert!(f4.ready(WAIT).is_ok());
}

// FutureTests: "should not deadlock with nested await (ticket 1313)"
#[test]
fn ft_nested_await_does_not_deadlock() {
    let simple = future(&ec(), || ()).map(&ec(), |_| {
        let unit = future(&ec(), || ());
        let umap = unit.map(&ec(), |_| ());
        umap.result(Duration::MAX).unwrap()
    });
    assert!(simple.ready(WAIT).is_ok());

    let (l1, l2) = (latch(), latch());
    let complex = future(&ec(), || ()).map(&ec(), move |_| {
        blocking(|| {
            let nested = future(&ec(), || ());
            let a = l1.clone();
            nested.foreach(&ec(), move |_| {
                a.try_success(());
            });
            await_latch(&l1.future());
            let b = l2.clone();
            nested.foreach(&ec(), move |_| {
                b.try_success(());
            });
            await_latch(&l2.future());
        })
    });
    assert!(complex.ready(WAIT).is_ok());
}

// FutureTests: "should not throw when Await.ready"
#[test]
fn ft_ready_does_not_fail() {
    let zero = black_box(0);
    let f = future(&ec(), || 5).map(&ec(), move |v| v / zero);
    assert!(f.ready(WAIT).unwrap().value().unwrap().is_err());
}

// FutureTests: "should delegate equivalently to unit.flatMap" (Scala's
// `Future.delegate` is `unit.flatMap(_ => body)`)
#[test]
fn ft_delegate_is_unit_flat_map() {
    let fm = Future::unit().flat_map(&ec(), |_| -> Future<i32> { panic!("test") });
    assert_eq!(err_message(&fm), "test");
    let f = Future::successful("test");
    let f2 = f.clone();
    assert_eq!(
        Future::unit().flat_map(&ec(), move |_| f2).result(WAIT),
        Ok("test")
    );
}

// PromiseTests: "An empty Promise"
#[test]
fn pt_empty_promise() {
    let p = Promise::<i32>::new();
    assert!(!p.future().is_completed());
    assert!(!p.is_completed());
    assert!(p.future().value().is_none());
}

// PromiseTests: "return supplied value on timeout" (fallbackTo)
#[test]
fn pt_fallback_to() {
    let failure = Future::<&str>::failed(Failure::msg("br0ken"));
    let other_failure = Future::<&str>::failed(Failure::msg("last"));
    let empty = Promise::<&str>::new().future();
    let timed_out = Future::successful("Timedout");
    assert_eq!(failure.fallback_to(&timed_out).result(WAIT), Ok("Timedout"));
    assert_eq!(timed_out.fallback_to(&empty).result(WAIT), Ok("Timedout"));
    assert_eq!(
        other_failure
            .fallback_to(&failure)
            .fallback_to(&timed_out)
            .result(WAIT),
        Ok("Timedout")
    );
    assert_eq!(err_message(&failure.fallback_to(&other_failure)), "br0ken");
}

// PromiseTests: "be completable with a completed Promise", and "A
// successful/failed Promise ... not be completable with a completed Promise"
#[test]
fn pt_complete_with() {
    let p = Promise::new();
    p.complete_with(&Future::successful("foo"));
    assert_eq!(p.future().result(WAIT), Ok("foo"));
    let p = Promise::<&str>::new();
    p.complete_with(&Future::failed(Failure::msg("br0ken")));
    assert_eq!(err_message(&p.future()), "br0ken");

    let done = Promise::new();
    done.success("bar").unwrap();
    done.complete_with(&Future::successful("foo"));
    assert_eq!(done.future().result(WAIT), Ok("bar"));
    let failed = Promise::<&str>::new();
    failed.failure(Failure::msg("unbr0ken")).unwrap();
    failed.complete_with(&Future::successful("foo"));
    assert_eq!(err_message(&failed.future()), "unbr0ken");
}

// PromiseTests: "A successful Promise" / "A failed Promise": "be completed"
#[test]
fn pt_completed_promises() {
    let p = Promise::new();
    p.success(1).unwrap();
    assert!(p.is_completed());
    assert!(p.success(2).is_err());
    let q = Promise::<i32>::new();
    q.failure(Failure::msg("x")).unwrap();
    assert!(q.is_completed());
    assert!(!q.try_success(1));
}

/// PromiseTests' `futureWithResult`: every scenario, for a future completed
/// before (`Future::successful`) and one completed later (by a task).
#[test]
fn pt_future_with_result() {
    let results: [fn() -> Future<i32>; 2] =
        [|| Future::successful(42), || future(&global(), || 42)];
    for make in results {
        let result = 42;
        let f = make();
        assert!(f.ready(WAIT).is_ok()); // "return when ready"
        assert!(f.is_completed()); // "be completed"
        assert_eq!(f.value().unwrap().as_ref().ok(), Some(&result)); // "contain a value"
        assert_eq!(f.result(WAIT), Ok(result)); // "return result"
        assert!(f.ready(Duration::ZERO).is_ok()); // "not timeout"
                                                  // "filter result"
        assert_eq!(f.filter(&ec(), |_| true).result(WAIT), Ok(result));
        assert_eq!(
            err_message(&f.filter(&ec(), |_| false)),
            "Future.filter predicate is not satisfied"
        );
        // "transform result with map"
        assert_eq!(f.map(&ec(), |v| v.to_string().len()).result(WAIT), Ok(2));
        // "compose result with flatMap"
        let r = f.flat_map(&ec(), |r| {
            let r = *r;
            Future::successful("foo").map(&ec(), move |p| format!("{r}{p}"))
        });
        assert_eq!(r.result(WAIT).unwrap(), "42foo");
        // "perform action with foreach", "perform action on result"
        let p = Promise::new();
        let q = p.clone();
        f.foreach(&ec(), move |v| q.success(*v).unwrap());
        assert_eq!(p.future().result(WAIT), Ok(result));
        // "zip properly"
        assert_eq!(
            f.zip(&Future::successful("foo")).result(WAIT),
            Ok((result, "foo"))
        );
        assert_eq!(
            err_message(&f.zip(&Future::<&str>::failed(Failure::msg("ohnoes")))),
            "ohnoes"
        );
        // "not recover from exception"
        assert_eq!(f.recover(&ec(), |_| Some(0)).result(WAIT), Ok(result));
        // "not project a failure"
        assert_eq!(
            err_message(&f.failure()),
            "Future.failed not completed with a throwable."
        );
    }
}

/// PromiseTests' `futureWithException`.
#[test]
fn pt_future_with_exception() {
    let expected = "Expected Exception";
    let makes: [fn() -> Future<i32>; 2] = [
        || Future::failed(Failure::msg("Expected Exception")),
        || future(&global(), || -> i32 { panic!("Expected Exception") }),
    ];
    for make in makes {
        let f = make();
        assert!(f.ready(WAIT).is_ok()); // "not throw exception with 'Await.ready'"
        assert!(f.is_completed());
        assert_eq!(message(f.value().unwrap().as_ref().unwrap_err()), expected);
        assert_eq!(err_message(&f), expected); // "throw exception with 'Await.result'"
                                               // "retain exception with filter / map / flatMap"
        assert_eq!(err_message(&f.filter(&ec(), |_| true)), expected);
        assert_eq!(err_message(&f.filter(&ec(), |_| false)), expected);
        assert_eq!(err_message(&f.map(&ec(), |v| v.to_string())), expected);
        assert_eq!(
            err_message(&f.flat_map(&ec(), |_| Future::successful("foo"))),
            expected
        );
        // "zip properly"
        assert_eq!(err_message(&f.zip(&Future::successful("foo"))), expected);
        // "recover from exception"
        let m = expected.to_owned();
        let r = f.recover(&ec(), move |e| (message(e) == m).then_some(-1));
        assert_eq!(r.result(WAIT), Ok(-1));
        // "project a failure"
        assert_eq!(message(&f.failure().result(WAIT).unwrap()), expected);
        // "perform action on exception"
        let p = Promise::new();
        let q = p.clone();
        f.on_complete(&ec(), move |r| {
            if let Err(e) = r {
                q.success(message(e)).unwrap();
            }
        });
        assert_eq!(p.future().result(WAIT).unwrap(), expected);
    }
}

// FutureTest (junit): testZipWithFailFastBothWays
#[test]
fn junit_zip_with_fails_fast_both_ways() {
    let p1 = Promise::<i32>::new();
    let p2 = Promise::<i32>::new();
    p1.failure(Failure::msg("Boom Early")).unwrap();
    let (f1, f2) = (p1.future(), p2.future());
    let pair = |a: &i32, b: &i32| (*a, *b);
    let outcomes = [
        err_message(&f1.zip(&f2)),
        err_message(&f2.zip(&f1)),
        err_message(&f1.zip_with(&ec(), &f2, pair)),
        err_message(&f2.zip_with(&ec(), &f1, pair)),
        err_message(&sequence(&ec(), [f1.clone(), f2.clone()])),
        err_message(&sequence(&ec(), [f2.clone(), f1.clone()])),
        err_message(&traverse(&ec(), [0, 1], |i| {
            [f1.clone(), f2.clone()][i].clone()
        })),
        err_message(&traverse(&ec(), [1, 0], |i| {
            [f1.clone(), f2.clone()][i].clone()
        })),
    ];
    assert!(outcomes.iter().all(|m| m == "Boom Early"), "{outcomes:?}");
}

// FutureTest (junit): bug/issues#10513 firstCompletedOf must not leak references
#[test]
fn junit_first_completed_of_does_not_leak() {
    let unfulfilled = Promise::<Arc<()>>::new();
    let quick = Promise::<Arc<()>>::new();
    let result = Arc::new(());
    let first = first_completed_of([quick.future(), unfulfilled.future()]);
    quick.success(Arc::clone(&result)).unwrap();
    assert!(first.is_completed(), "first must complete");
    drop(first);
    drop(quick);
    // Only `unfulfilled` (and its callback) remain: neither reaches the value.
    assert_eq!(Arc::strong_count(&result), 1);
    drop(unfulfilled);
}

/// Runs every task at once on the submitting thread (Scala's
/// `ExecutionContext.fromExecutor(_.run())`).
#[derive(Clone)]
struct Direct;

impl ExecutionContext for Direct {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        task();
        Ok(())
    }
}

// FutureTest (junit): bug/issues#9304 blocking shouldn't prevent Future from being resolved
#[test]
fn junit_blocking_does_not_prevent_resolution() {
    let ec = Direct;
    let p = Promise::<i32>::new();
    let p0 = Promise::<i32>::new();
    let p1 = Promise::<i32>::new();
    let (pf, p0f) = (p.future(), p0.future());
    let f = p0.future().flat_map(&ec, move |_| {
        let p0f = p0f.clone();
        pf.flat_map(&Direct, move |_| {
            let f = p0f.flat_map(&Direct, |_| Future::successful(1));
            assert_eq!(blocking(|| 1), 1);
            f
        })
    });
    p.complete_with(&p1.future().map(&ec, |v| v + 1));
    p0.success(0).unwrap();
    p1.success(1).unwrap();
    assert_eq!(p.future().value().unwrap().as_ref().ok(), Some(&2));
    assert_eq!(f.value().unwrap().as_ref().ok(), Some(&1));
}

// DefaultPromiseTest: testFlatMapLinking: promises linked (here: adopted
// by flat_map) on many threads in any order, then completed; every one of
// them ends with the one value.
#[test]
fn dpt_flat_map_linking_from_many_threads() {
    for _ in 0..50 {
        let start = latch();
        let root = Promise::<i32>::new();
        let mut outers = Vec::new();
        let mut inner = root.future();
        for _ in 0..100 {
            let s = start.future();
            let i = inner.clone();
            let outer = future(&ec(), move || await_latch(&s)).flat_map(&ec(), move |_| i);
            outers.push(outer.clone());
            inner = outer;
        }
        let r = root.clone();
        let s = start.future();
        future(&ec(), move || {
            await_latch(&s);
            r.success(1).unwrap();
        });
        start.success(()).unwrap();
        for o in &outers {
            assert_eq!(o.result(WAIT), Ok(1));
        }
    }
}

// DefaultPromiseTest: simulateFlatMapLinking, the single-threaded shuffle:
// completing before, between or after the links gives the same value.
#[test]
fn dpt_completion_before_between_and_after_links() {
    for complete_at in 0..=3 {
        let root = Promise::<i32>::new();
        let mut gates = Vec::new();
        let mut f = root.future();
        for step in 0..3 {
            if step == complete_at {
                root.success(7).unwrap();
            }
            let gate = Promise::<()>::new();
            let inner = f.clone();
            f = gate.future().flat_map(&parasitic(), move |_| inner);
            gates.push(gate);
        }
        for g in gates.iter().rev() {
            g.success(()).unwrap();
        }
        if complete_at == 3 {
            assert!(!f.is_completed());
            root.success(7).unwrap();
        }
        assert_eq!(f.value().unwrap().as_ref().ok(), Some(&7));
    }
}
