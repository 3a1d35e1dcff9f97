//! The combinators of [`Future`]: each is one [`Job`] registered on this
//! future, run on the context it is given (see the module docs of
//! [`future`](super) for where each callback runs).
//!
//! Like Scala 2.13, a combinator that cannot change a result already known
//! does not touch the context: `map` of a failed future is failed at once,
//! `recover` of a successful one is that same future.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::job::{Job, Step};
use super::{Failure, Future, Promise};
use crate::exec::{parasitic, ExecutionContext, Parasitic};
use crate::loom::Mutex;

impl<T: Send + Sync + 'static> Future<T> {
    /// Whether the future is known to have failed, and with what.
    fn known_failure(&self) -> Option<&Failure> {
        self.peek().and_then(|r| r.as_ref().err())
    }

    /// Whether the future is known to have succeeded.
    fn known_success(&self) -> bool {
        matches!(self.peek(), Some(Ok(_)))
    }

    /// A future of `f` applied to the value; a failure passes through. `f`
    /// runs on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// let f = Future::successful(2).map(&parasitic(), |v| v * 10);
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&20));
    /// ```
    pub fn map<S, E, F>(&self, ec: &E, f: F) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&T) -> S + Send + 'static,
    {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            Step::Value(match up.done() {
                Ok(v) => Ok(f(v)),
                Err(e) => Err(e.clone()),
            })
        })
    }

    /// A future of the future `f` returns for the value; a failure passes
    /// through. `f` runs on `ec`; the returned future is linked to the
    /// result, not copied (Scala's promise linking), so recursive
    /// `flat_map` loops run in constant memory.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// let f = Future::successful(2).flat_map(&parasitic(), |v| Future::successful(v + 1));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&3));
    /// ```
    pub fn flat_map<S, E, F>(&self, ec: &E, f: F) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&T) -> Future<S> + Send + 'static,
    {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            match up.done() {
                Ok(v) => Step::Adopt(f(v)),
                Err(e) => Step::Value(Err(e.clone())),
            }
        })
    }

    /// This future if `p` holds for the value, else a failure with
    /// [`NoSuchElement`](super::NoSuchElement) ("Future.filter predicate is
    /// not satisfied"). `p` runs on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Future, NoSuchElement};
    /// let f = Future::successful(3).filter(&parasitic(), |v| v % 2 == 0);
    /// let e = f.value().unwrap().as_ref().unwrap_err();
    /// assert!(e.downcast_ref::<NoSuchElement>().is_some());
    /// ```
    pub fn filter<E, P>(&self, ec: &E, p: P) -> Future<T>
    where
        E: ExecutionContext + Clone + 'static,
        P: FnOnce(&T) -> bool + Send + 'static,
    {
        if self.known_failure().is_some() {
            return self.clone();
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            match up.done() {
                Ok(v) if !p(v) => Step::Value(Err(Failure::no_such_element(
                    "Future.filter predicate is not satisfied",
                ))),
                _ => Step::Adopt(up.clone()),
            }
        })
    }

    /// Scala's `collect`: `f` is the partial function, `None` where it is
    /// not defined, which fails the result with
    /// [`NoSuchElement`](super::NoSuchElement). `f` runs on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// let f = Future::successful(4).collect(&parasitic(), |v| (*v > 3).then(|| v * 2));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&8));
    /// ```
    pub fn collect<S, E, F>(&self, ec: &E, f: F) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&T) -> Option<S> + Send + 'static,
    {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            Step::Value(match up.done() {
                Ok(v) => f(v).ok_or_else(|| {
                    Failure::no_such_element(
                        "Future.collect partial function is not defined at the value",
                    )
                }),
                Err(e) => Err(e.clone()),
            })
        })
    }

    /// Scala's `recover`: on a failure for which `f` gives `Some(value)`,
    /// that value; otherwise this future's result. `f` runs on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Failure, Future};
    /// let f = Future::failed(Failure::msg("x")).recover(&parasitic(), |_| Some(0));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&0));
    /// ```
    pub fn recover<E, F>(&self, ec: &E, f: F) -> Future<T>
    where
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Failure) -> Option<T> + Send + 'static,
    {
        if self.known_success() {
            return self.clone();
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            match up.done() {
                Err(e) => match f(e) {
                    Some(v) => Step::Value(Ok(v)),
                    None => Step::Adopt(up.clone()),
                },
                Ok(_) => Step::Adopt(up.clone()),
            }
        })
    }

    /// Scala's `recoverWith`: on a failure for which `f` gives
    /// `Some(future)`, that future; otherwise this future's result. `f` runs
    /// on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Failure, Future};
    /// let f = Future::<i32>::failed(Failure::msg("x"))
    ///     .recover_with(&parasitic(), |_| Some(Future::successful(7)));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&7));
    /// ```
    pub fn recover_with<E, F>(&self, ec: &E, f: F) -> Future<T>
    where
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Failure) -> Option<Future<T>> + Send + 'static,
    {
        if self.known_success() {
            return self.clone();
        }
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            match up.done() {
                Err(e) => Step::Adopt(f(e).unwrap_or_else(|| up.clone())),
                Ok(_) => Step::Adopt(up.clone()),
            }
        })
    }

    /// A future of `f` applied to the result, success or failure. `f` runs
    /// on `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// let f = Future::successful(1).transform(&parasitic(), |r| r.as_ref().map(|v| v + 1).map_err(|e| e.clone()));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&2));
    /// ```
    pub fn transform<S, E, F>(&self, ec: &E, f: F) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Result<T, Failure>) -> Result<S, Failure> + Send + 'static,
    {
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            Step::Value(f(up.done()))
        })
    }

    /// The future `f` returns for the result, success or failure. `f` runs
    /// on `ec`; the returned future is linked, as in [`Future::flat_map`].
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Failure, Future};
    /// let f = Future::<i32>::failed(Failure::msg("x"))
    ///     .transform_with(&parasitic(), |r| Future::successful(r.is_err()));
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&true));
    /// ```
    pub fn transform_with<S, E, F>(&self, ec: &E, f: F) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Result<T, Failure>) -> Future<S> + Send + 'static,
    {
        Job::start(self, ec, false, move |up: &Future<T>, _: &E| {
            Step::Adopt(f(up.done()))
        })
    }

    /// Scala's two-function `transform(s, f)` (named apart from the
    /// `Result`-based [`transform`](Self::transform)): a future of `s`
    /// applied to the value, or failed with `f` applied to the failure.
    /// Both run on `ec`, whichever applies; a panic in either fails the
    /// future with it.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Failure, Future};
    /// let ok = Future::successful(2).transform_both(&parasitic(), |v| v * 10, |e| e.clone());
    /// assert_eq!(ok.value().unwrap().as_ref().ok(), Some(&20));
    /// let failed = Future::<i32>::failed(Failure::msg("low"))
    ///     .transform_both(&parasitic(), |v| v * 10, |e| Failure::msg(format!("{e}, wrapped")));
    /// assert_eq!(failed.value().unwrap().as_ref().unwrap_err().to_string(), "low, wrapped");
    /// ```
    pub fn transform_both<S, E, FS, FF>(&self, ec: &E, s: FS, f: FF) -> Future<S>
    where
        S: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        FS: FnOnce(&T) -> S + Send + 'static,
        FF: FnOnce(&Failure) -> Failure + Send + 'static,
    {
        self.transform(ec, move |r| match r {
            Ok(v) => Ok(s(v)),
            Err(e) => Err(f(e)),
        })
    }

    /// Scala's `mapTo[U]`, which casts the value and fails with a
    /// `ClassCastException` where it is not a `U`. Rust has no cast between
    /// arbitrary types; its checked conversion is [`TryFrom`], so this
    /// converts a clone of the value with `U::try_from` and fails the
    /// future with the conversion's error (`downcast_ref` gives it back:
    /// a [`TryFromIntError`](std::num::TryFromIntError) for a number out of
    /// range). As in Scala it takes no context: the conversion runs on
    /// [`parasitic()`](crate::exec::parasitic), the thread that completes
    /// the future; a failed future's is failed at once with its failure.
    ///
    /// ```
    /// use std::num::TryFromIntError;
    /// use polyconc::future::Future;
    /// let fits = Future::successful(200u32).map_to::<u8>();
    /// assert_eq!(fits.value().unwrap().as_ref().ok(), Some(&200));
    /// let too_big = Future::successful(300u32).map_to::<u8>();
    /// let e = too_big.value().unwrap().as_ref().unwrap_err();
    /// assert!(e.downcast_ref::<TryFromIntError>().is_some());
    /// ```
    pub fn map_to<U>(&self) -> Future<U>
    where
        T: Clone,
        U: TryFrom<T> + Send + Sync + 'static,
        U::Error: std::error::Error + Send + Sync + 'static,
    {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        self.transform(&parasitic(), |r| match r {
            Ok(v) => U::try_from(v.clone()).map_err(Failure::new),
            Err(e) => Err(e.clone()),
        })
    }

    /// Runs `f` on the result, on `ec`, then completes the returned future
    /// with this future's result (whatever `f` did; its panic is reported
    /// to `ec`). Chained `and_then`s run in order.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let s = seen.clone();
    /// let f = Future::successful(5).and_then(&parasitic(), move |r| {
    ///     s.store(*r.as_ref().unwrap(), Ordering::SeqCst);
    /// });
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&5));
    /// assert_eq!(seen.load(Ordering::SeqCst), 5);
    /// ```
    pub fn and_then<E, F>(&self, ec: &E, f: F) -> Future<T>
    where
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Result<T, Failure>) + Send + 'static,
    {
        Job::start(self, ec, false, move |up: &Future<T>, ec: &E| {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| f(up.done()))) {
                ec.report(&Failure::from_panic(panic));
            }
            Step::Adopt(up.clone())
        })
    }

    /// Runs `f` on the result once the future completes, on `ec`. A panic
    /// in `f` is reported to `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// p.future().on_complete(&parasitic(), |r| assert_eq!(r.as_ref().ok(), Some(&1)));
    /// p.success(1).unwrap(); // runs the callback here
    /// ```
    pub fn on_complete<E, F>(&self, ec: &E, f: F)
    where
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&Result<T, Failure>) + Send + 'static,
    {
        Job::<T, (), _, E>::start(self, ec, true, move |up: &Future<T>, _: &E| {
            f(up.done());
            Step::Effect
        });
    }

    /// Runs `f` on the value if the future succeeds, on `ec`; nothing on a
    /// failure. A panic in `f` is reported to `ec`.
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::Future;
    /// Future::successful("hi").foreach(&parasitic(), |v| assert_eq!(*v, "hi"));
    /// ```
    pub fn foreach<E, F>(&self, ec: &E, f: F)
    where
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&T) + Send + 'static,
    {
        if self.known_failure().is_some() {
            return;
        }
        self.on_complete(ec, move |r| {
            if let Ok(v) = r {
                f(v);
            }
        });
    }

    /// A future of `f` applied to both values, on `ec`. Fails fast: a
    /// failure of either side completes it at once, without waiting for the
    /// other; when both fail, the one that failed first wins (when both
    /// have failed already, this one's).
    ///
    /// ```
    /// use polyconc::exec::parasitic;
    /// use polyconc::future::{Failure, Future, Promise};
    /// let never = Promise::<i32>::new().future();
    /// let failed = Future::<i32>::failed(Failure::msg("early"));
    /// let z = never.zip_with(&parasitic(), &failed, |a, b| a + b);
    /// assert_eq!(z.value().unwrap().as_ref().unwrap_err().to_string(), "early");
    /// ```
    pub fn zip_with<U, R, E, F>(&self, ec: &E, other: &Future<U>, f: F) -> Future<R>
    where
        U: Send + Sync + 'static,
        R: Send + Sync + 'static,
        E: ExecutionContext + Clone + 'static,
        F: FnOnce(&T, &U) -> R + Send + 'static,
    {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        let zip = Arc::new(Zip {
            out: Promise::new(),
            ec: ec.clone(),
            slots: Mutex::new(Slots {
                left: None,
                right: None,
                f: Some(f),
            }),
        });
        let result = zip.out.future();
        let left = Arc::clone(&zip);
        self.when_done(move |up| left.side_done(up, |s| s.left = Some(up.clone())));
        other.when_done(move |up| zip.side_done(up, |s| s.right = Some(up.clone())));
        result
    }

    /// Both values as a pair, failing fast as [`Future::zip_with`]; the
    /// pair is made on the thread that completes the second side.
    ///
    /// ```
    /// use polyconc::future::Future;
    /// let z = Future::successful(1).zip(&Future::successful("a"));
    /// assert_eq!(z.value().unwrap().as_ref().ok(), Some(&(1, "a")));
    /// ```
    pub fn zip<U>(&self, other: &Future<U>) -> Future<(T, U)>
    where
        T: Clone,
        U: Clone + Send + Sync + 'static,
    {
        self.zip_with(&parasitic(), other, |a, b| (a.clone(), b.clone()))
    }

    /// This future's result if it succeeds, else `that`'s if `that`
    /// succeeds, else this future's failure (the first failure wins).
    /// Nothing runs on a context: the choice is made on the completing
    /// thread.
    ///
    /// ```
    /// use polyconc::future::{Failure, Future};
    /// let first = Future::<i32>::failed(Failure::msg("first"));
    /// let second = Future::failed(Failure::msg("second"));
    /// let f = first.fallback_to(&second);
    /// assert_eq!(f.value().unwrap().as_ref().unwrap_err().to_string(), "first");
    /// assert_eq!(first.fallback_to(&Future::successful(2)).value().unwrap().as_ref().ok(), Some(&2));
    /// ```
    pub fn fallback_to(&self, that: &Future<T>) -> Future<T> {
        if std::ptr::eq(self.core(), that.core()) || self.known_success() {
            return self.clone();
        }
        let that = that.clone();
        Job::start(
            self,
            &parasitic(),
            false,
            move |up: &Future<T>, _: &Parasitic| {
                if up.done().is_ok() {
                    return Step::Adopt(up.clone());
                }
                let first = up.clone();
                Step::Adopt(Job::start(
                    &that,
                    &parasitic(),
                    false,
                    move |other: &Future<T>, _: &Parasitic| {
                        Step::Adopt(if other.done().is_ok() {
                            other.clone()
                        } else {
                            first
                        })
                    },
                ))
            },
        )
    }

    /// A future of this one's failure (Scala's `failed` projection; the
    /// name `failed` is the constructor here); fails with
    /// [`NoSuchElement`](super::NoSuchElement) if this one succeeds. Made on
    /// the completing thread.
    ///
    /// ```
    /// use polyconc::future::{Failure, Future};
    /// let f = Future::<()>::failed(Failure::msg("why")).failure();
    /// assert_eq!(f.value().unwrap().as_ref().unwrap().to_string(), "why");
    /// assert!(Future::successful(1).failure().value().unwrap().is_err());
    /// ```
    pub fn failure(&self) -> Future<Failure> {
        Job::start(
            self,
            &parasitic(),
            false,
            |up: &Future<T>, _: &Parasitic| {
                Step::Value(match up.done() {
                    Ok(_) => Err(Failure::no_such_element(
                        "Future.failed not completed with a throwable.",
                    )),
                    Err(e) => Ok(e.clone()),
                })
            },
        )
    }

    /// Runs `f` with the completed future (its root, which holds the
    /// result) on the completing thread, trampolined.
    pub(crate) fn when_done(&self, f: impl FnOnce(&Future<T>) + Send + 'static) {
        Job::<T, (), _, Parasitic>::start(
            self,
            &parasitic(),
            true,
            move |up: &Future<T>, _: &Parasitic| {
                f(up);
                Step::Effect
            },
        );
    }
}

impl<T: Send + Sync + 'static> Future<Future<T>> {
    /// The inner future's result (Scala's `flatten`), linked as in
    /// [`Future::flat_map`], on the completing thread.
    ///
    /// ```
    /// use polyconc::future::Future;
    /// let nested = Future::successful(Future::successful(9));
    /// assert_eq!(nested.flatten().value().unwrap().as_ref().ok(), Some(&9));
    /// ```
    pub fn flatten(&self) -> Future<T> {
        if let Some(e) = self.known_failure() {
            return Future::failed(e.clone());
        }
        Job::start(
            self,
            &parasitic(),
            false,
            |up: &Future<Future<T>>, _: &Parasitic| match up.done() {
                Ok(inner) => Step::Adopt(inner.clone()),
                Err(e) => Step::Value(Err(e.clone())),
            },
        )
    }
}

/// The shared state of a `zip_with`: whichever side completes last runs
/// the combination; a failure completes it at once. The sides are kept
/// only once completed, so a side that never completes keeps nothing alive.
struct Zip<T, U, R, F, E> {
    out: Promise<R>,
    ec: E,
    slots: Mutex<Slots<T, U, F>>,
}

struct Slots<T, U, F> {
    left: Option<Future<T>>,
    right: Option<Future<U>>,
    f: Option<F>,
}

impl<T, U, R, F, E> Zip<T, U, R, F, E>
where
    T: Send + Sync + 'static,
    U: Send + Sync + 'static,
    R: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnOnce(&T, &U) -> R + Send + 'static,
{
    fn side_done<V: Send + Sync + 'static>(
        &self,
        up: &Future<V>,
        store: impl FnOnce(&mut Slots<T, U, F>),
    ) {
        if let Err(e) = up.done() {
            let f = self.slots.lock().f.take();
            drop(f);
            self.out.try_failure(e.clone());
            return;
        }
        let mut slots = self.slots.lock();
        store(&mut slots);
        let (Some(_), Some(_), Some(_)) = (&slots.left, &slots.right, &slots.f) else {
            return;
        };
        let (left, right, f) = (slots.left.take(), slots.right.take(), slots.f.take());
        drop(slots);
        let (Some(left), Some(right), Some(f)) = (left, right, f) else {
            return;
        };
        let combined = Job::start(&left, &self.ec, false, move |l: &Future<T>, _: &E| {
            Step::Value(match (l.done(), right.done()) {
                (Ok(a), Ok(b)) => Ok(f(a, b)),
                (Err(e), _) | (_, Err(e)) => Err(e.clone()),
            })
        });
        self.out.future().adopt(combined);
    }
}
