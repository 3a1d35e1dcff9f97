//! Constructors over many futures: [`sequence`], [`traverse`],
//! [`first_completed_of`], [`find`], [`fold_left`], [`reduce_left`].

use std::sync::Arc;

use super::gather::Gather;
use super::{Failure, Future, Promise};
use crate::exec::ExecutionContext;
use crate::loom::Mutex;

/// A future of all the values, in order, built on `ec` once the last one
/// succeeds. Fails fast: the first failure (in time) completes it at once;
/// among inputs already failed when it is called, the first in order wins.
/// An input's arrival is counted on the thread that completes it, or here
/// if it is completed already: no task per input, and a failure completes
/// the result on that thread. The call allocates a constant number of
/// times, nothing per input.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{future, sequence};
/// let ec = global();
/// let all = sequence(&ec, (1..=3).map(|i| future(&ec, move || i * 10)));
/// assert_eq!(all.result(Duration::from_secs(10)), Ok(vec![10, 20, 30]));
/// ```
pub fn sequence<T, E, I>(ec: &E, futures: I) -> Future<Vec<T>>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    I: IntoIterator<Item = Future<T>>,
{
    let futures = futures.into_iter();
    // An iterator that knows its length is read as the inputs are
    // registered; any other is collected first, to know how many slots.
    match futures.size_hint() {
        (0, Some(0)) => Future::successful(Vec::new()),
        (n, Some(m)) if n == m => Gather::start(ec, n, futures),
        _ => {
            let futures: Vec<Future<T>> = futures.collect();
            if futures.is_empty() {
                return Future::successful(Vec::new());
            }
            Gather::start(ec, futures.len(), futures.into_iter())
        }
    }
}

/// [`sequence`] of `f` applied to each item (`f` runs here, on the calling
/// thread, as in Scala).
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{future, traverse};
/// let ec = global();
/// let all = traverse(&ec, 1..=3, |i| future(&ec, move || i * 2 - 1));
/// assert_eq!(all.result(Duration::from_secs(10)).unwrap().iter().sum::<i32>(), 9);
/// ```
pub fn traverse<A, T, E, I, F>(ec: &E, items: I, f: F) -> Future<Vec<T>>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    I: IntoIterator<Item = A>,
    F: FnMut(A) -> Future<T>,
{
    sequence(ec, items.into_iter().map(f))
}

/// The result of whichever future completes first (Scala's
/// `firstCompletedOf`); never completes for no futures. Once it is
/// completed the others hold nothing of it (scala/bug#10513).
///
/// ```
/// use polyconc::future::{first_completed_of, Future, Promise};
/// let pending = Promise::<i32>::new();
/// let first = first_completed_of([pending.future(), Future::successful(5)]);
/// assert_eq!(first.value().unwrap().as_ref().ok(), Some(&5));
/// ```
pub fn first_completed_of<T, I>(futures: I) -> Future<T>
where
    T: Send + Sync + 'static,
    I: IntoIterator<Item = Future<T>>,
{
    let out = Promise::new();
    let result = out.future();
    let winner = Arc::new(Mutex::new(Some(out)));
    for f in futures {
        let winner = Arc::clone(&winner);
        f.when_done(move |up| {
            let out = winner.lock().take();
            if let Some(out) = out {
                out.future().adopt(up.clone());
            }
        });
    }
    result
}

/// The first value, in the order given, for which `p` holds; `None` if
/// there is none. Failed futures are skipped. Searches one future after the
/// other, as Scala 2.13's `find`; `p` runs on `ec`.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{find, future};
/// let ec = global();
/// let fs: Vec<_> = (1..=10).map(|i| future(&ec, move || i)).collect();
/// let three = find(&ec, fs.clone(), |v| *v == 3);
/// assert_eq!(three.result(Duration::from_secs(10)), Ok(Some(3)));
/// assert_eq!(find(&ec, fs, |v| *v == 11).result(Duration::from_secs(10)), Ok(None));
/// ```
pub fn find<T, E, I, P>(ec: &E, futures: I, p: P) -> Future<Option<T>>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    I: IntoIterator<Item = Future<T>>,
    P: FnMut(&T) -> bool + Send + 'static,
{
    let rest: Vec<Future<T>> = futures.into_iter().collect();
    search_next(ec.clone(), rest.into_iter(), p)
}

fn search_next<T, E, P>(
    ec: E,
    mut rest: std::vec::IntoIter<Future<T>>,
    mut p: P,
) -> Future<Option<T>>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    P: FnMut(&T) -> bool + Send + 'static,
{
    let Some(next) = rest.next() else {
        return Future::successful(None);
    };
    let context = ec.clone();
    next.transform_with(&context, move |r| match r {
        Ok(v) if p(v) => Future::successful(Some(v.clone())),
        _ => search_next(ec, rest, p),
    })
}

/// `op` folded over the values, in order, from `zero` (Scala's
/// `foldLeft`); fails with the first failure in that order. `op` runs on
/// `ec`.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{fold_left, future};
/// let ec = global();
/// let fs = (0..10).map(|i| future(&ec, move || i));
/// let sum = fold_left(&ec, fs, 0, |acc, v| acc + v);
/// assert_eq!(sum.result(Duration::from_secs(10)), Ok(45));
/// ```
pub fn fold_left<T, R, E, I, F>(ec: &E, futures: I, zero: R, op: F) -> Future<R>
where
    T: Send + Sync + 'static,
    R: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    I: IntoIterator<Item = Future<T>>,
    F: FnMut(R, &T) -> R + Send + 'static,
{
    let rest: Vec<Future<T>> = futures.into_iter().collect();
    fold_next(ec.clone(), rest.into_iter(), zero, op)
}

fn fold_next<T, R, E, F>(
    ec: E,
    mut rest: std::vec::IntoIter<Future<T>>,
    acc: R,
    mut op: F,
) -> Future<R>
where
    T: Send + Sync + 'static,
    R: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnMut(R, &T) -> R + Send + 'static,
{
    let Some(next) = rest.next() else {
        return Future::successful(acc);
    };
    let context = ec.clone();
    next.flat_map(&context, move |v| {
        let acc = op(acc, v);
        fold_next(ec, rest, acc, op)
    })
}

/// `op` folded over the values, in order, from the first one (Scala's
/// `reduceLeft`); fails with [`NoSuchElement`](super::NoSuchElement) for no
/// futures. `op` runs on `ec`.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{future, reduce_left, Future};
/// let ec = global();
/// let product = reduce_left(&ec, (1..=5).map(|i| future(&ec, move || i)), |a, b| a * b);
/// assert_eq!(product.result(Duration::from_secs(10)), Ok(120));
/// assert!(reduce_left(&ec, Vec::<Future<i32>>::new(), |a, b| a + b).value().unwrap().is_err());
/// ```
pub fn reduce_left<T, E, I, F>(ec: &E, futures: I, op: F) -> Future<T>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    I: IntoIterator<Item = Future<T>>,
    F: FnMut(T, &T) -> T + Send + 'static,
{
    let mut rest = futures.into_iter().collect::<Vec<_>>().into_iter();
    let Some(first) = rest.next() else {
        return Future::failed(Failure::no_such_element(
            "reduceLeft attempted on empty collection",
        ));
    };
    let context = ec.clone();
    first.flat_map(ec, move |v| fold_next(context, rest, v.clone(), op))
}
