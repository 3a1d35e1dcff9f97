//! When a blocking operation gives up, decided in one place.

use std::time::{Duration, Instant};

/// The moment a blocking operation gives up, or never.
///
/// The one overflow rule: a timeout too large to be added to the clock
/// (`Duration::MAX`, a year of seconds from a binding) means *never*,
/// never a panic and never a deadline in the past.
///
/// ```
/// use std::time::Duration;
/// use polyconc::Deadline;
///
/// assert!(Deadline::after(Duration::ZERO).is_past());
/// assert_eq!(Deadline::after(Duration::MAX), Deadline::never());
/// assert!(!Deadline::never().is_past());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// The deadline that never passes.
    ///
    /// ```
    /// use polyconc::Deadline;
    /// assert_eq!(Deadline::never().instant(), None);
    /// ```
    pub const fn never() -> Deadline {
        Deadline(None)
    }

    /// `timeout` from now; [`Deadline::never`] if that is past the end of
    /// the clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::Deadline;
    /// let d = Deadline::after(Duration::from_secs(60));
    /// assert!(!d.is_past());
    /// ```
    pub fn after(timeout: Duration) -> Deadline {
        Deadline(Instant::now().checked_add(timeout))
    }

    /// `secs` seconds from now, for bindings that count in floating-point
    /// seconds: `None` for a negative or NaN value (the caller's error to
    /// report), [`Deadline::never`] for infinity or anything too large.
    ///
    /// ```
    /// use polyconc::Deadline;
    /// assert_eq!(Deadline::after_secs_f64(f64::INFINITY), Some(Deadline::never()));
    /// assert_eq!(Deadline::after_secs_f64(-1.0), None);
    /// assert!(Deadline::after_secs_f64(0.0).unwrap().is_past());
    /// ```
    pub fn after_secs_f64(secs: f64) -> Option<Deadline> {
        if secs.is_nan() || secs < 0.0 {
            return None;
        }
        Some(match Duration::try_from_secs_f64(secs) {
            Ok(timeout) => Deadline::after(timeout),
            Err(_) => Deadline::never(),
        })
    }

    /// The deadline at `instant`.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::Deadline;
    /// let now = Instant::now();
    /// assert_eq!(Deadline::at(now).instant(), Some(now));
    /// ```
    pub const fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::Deadline;
    /// assert!(Deadline::at(Instant::now()).is_past());
    /// ```
    pub fn is_past(self) -> bool {
        self.0.is_some_and(|d| Instant::now() >= d)
    }

    /// The instant, or `None` for [`Deadline::never`].
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::Deadline;
    /// assert!(Deadline::at(Instant::now()).instant().is_some());
    /// ```
    pub const fn instant(self) -> Option<Instant> {
        self.0
    }

    /// The time left (zero once past), or `None` for [`Deadline::never`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::Deadline;
    /// assert_eq!(Deadline::after(Duration::ZERO).remaining(), Some(Duration::ZERO));
    /// assert_eq!(Deadline::never().remaining(), None);
    /// ```
    pub fn remaining(self) -> Option<Duration> {
        self.0.map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// How long an operation that may block is willing to: not at all, or
/// until a deadline (which may be [`Deadline::never`]).
///
/// ```
/// use std::time::Duration;
/// use polyconc::{Deadline, Wait};
///
/// assert_eq!(Wait::Now.deadline(), None);
/// assert_eq!(Wait::FOREVER.deadline(), Some(Deadline::never()));
/// assert!(Wait::timeout(Duration::from_secs(1)).deadline().is_some());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wait {
    /// Do not block: succeed at once or fail.
    Now,
    /// Block until the deadline.
    Until(Deadline),
}

impl Wait {
    /// Block for as long as it takes.
    ///
    /// ```
    /// use polyconc::{Deadline, Wait};
    /// assert_eq!(Wait::FOREVER, Wait::Until(Deadline::never()));
    /// ```
    pub const FOREVER: Wait = Wait::Until(Deadline::never());

    /// Block for at most `timeout` from now (too large = forever).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::Wait;
    /// assert_eq!(Wait::timeout(Duration::MAX), Wait::FOREVER);
    /// ```
    pub fn timeout(timeout: Duration) -> Wait {
        Wait::Until(Deadline::after(timeout))
    }

    /// The deadline to block until, or `None` for [`Wait::Now`].
    ///
    /// ```
    /// use polyconc::{Deadline, Wait};
    /// assert_eq!(Wait::Until(Deadline::never()).deadline(), Some(Deadline::never()));
    /// ```
    pub const fn deadline(self) -> Option<Deadline> {
        match self {
            Wait::Now => None,
            Wait::Until(d) => Some(d),
        }
    }

    /// The rule of a data-less lock's `lock_with` (and so of its
    /// `lock_timeout` and `lock_deadline`), kept once: `now` first, then,
    /// unless told not to wait, `block` until the deadline. Whether either
    /// took the lock.
    #[inline]
    pub(crate) fn attempt(
        self,
        now: impl FnOnce() -> bool,
        block: impl FnOnce(Deadline) -> bool,
    ) -> bool {
        now()
            || match self {
                Wait::Now => false,
                Wait::Until(deadline) => block(deadline),
            }
    }
}
