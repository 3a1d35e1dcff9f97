//! The promise state: one atomic word, as in Scala's `DefaultPromise`.
//!
//! The word holds one of
//! - `EMPTY`: not completed, nobody waiting;
//! - a pointer to the newest [`Hook`] of a stack of callbacks (intrusive:
//!   the `next` link lives in the callback itself, so registering allocates
//!   nothing beyond the callback);
//! - `CLAIMED`: one completer won and is writing the result;
//! - `DONE`: the result is in the cell, never to change;
//! - a pointer to a boxed [`Link`] tagged `LINK`: this promise has been
//!   joined to another one (flat_map's adoption, Scala's `Link`); the other
//!   one holds the callbacks and the result.
//!
//! A link is always made to the current root of the other promise, and an
//! adopted inner future is linked to the outer one (not the other way), so
//! the recursive `flat_map` loop keeps every link one hop long and holds
//! only the outermost promise alive. A root that is linked later makes the
//! chains that end at it one hop longer (nested `flat_map`s grow them
//! backwards), so every walk to the root compresses its path, as Scala's
//! `compressedRoot` does (scala/scala `concurrent/impl/Promise.scala`, PR
//! 6610): the walk's first promise is relinked straight to the root, and
//! the next walk from it takes one hop.
//!
//! Links are never freed before their owner: a reader holding the owner may
//! follow the chain without any reclamation scheme, and a reference found
//! through a link lives as long as the owner. A compression therefore keeps
//! the link it replaced inside the new one, freed with the owner. Unlike
//! Scala's, whose collector frees the promises a compression skips, it saves
//! hops, not memory: the skipped promises stay alive as long as the owner
//! (as they did before); memory stays flat in the `flat_map` loop because
//! its links are one hop long from the start.
//!
//! Callbacks are pushed newest first and run oldest first: the completer owns
//! the stack once it has swapped it out, and reverses it in place.

use std::cell::{RefCell, UnsafeCell};
use std::mem::MaybeUninit;
use std::ptr;

use super::{Failure, Future};
use crate::loom::{yield_now, AtomicUsize, Ordering};

const EMPTY: usize = 0;
const DONE: usize = 1;
const LINK: usize = 2;
const CLAIMED: usize = 3;
const TAGS: usize = 3;

/// Anything that owns a promise state: a plain promise, or a combinator's
/// job, which is at once the callback, the task and the result's promise.
pub(crate) trait Node<T>: Send + Sync {
    fn core(&self) -> &Core<T>;
}

pub(crate) struct Core<T> {
    state: AtomicUsize,
    result: UnsafeCell<MaybeUninit<Result<T, Failure>>>,
}

// SAFETY: the result is written once, by the one completer that claimed the
// state, before `DONE` is published (release); afterwards it is only read,
// shared, by threads that saw `DONE` (acquire). Hooks are owned by whoever
// holds them: the registering thread until its CAS, then the state, then the
// completer that swapped them out.
unsafe impl<T: Send + Sync> Sync for Core<T> {}
// SAFETY: see above; moving a core moves its result.
unsafe impl<T: Send> Send for Core<T> {}

impl<T: Send + Sync + 'static> Node<T> for Core<T> {
    fn core(&self) -> &Core<T> {
        self
    }
}

/// A callback as the state word sees it: the first field of a `#[repr(C)]`
/// callback, which the two functions cast back to.
#[repr(C)]
pub(crate) struct Hook<T> {
    next: UnsafeCell<*const Hook<T>>,
    /// Called once with the completed future holding the result.
    fire: unsafe fn(*const Hook<T>, &Future<T>),
    /// Called instead of `fire` when the promise is dropped uncompleted.
    release: unsafe fn(*const Hook<T>),
}

impl<T> Hook<T> {
    pub(crate) fn new(
        fire: unsafe fn(*const Hook<T>, &Future<T>),
        release: unsafe fn(*const Hook<T>),
    ) -> Self {
        Hook {
            next: UnsafeCell::new(ptr::null()),
            fire,
            release,
        }
    }
}

/// What a linked promise's word points to.
struct Link<T> {
    /// The promise this one is linked to: its root when the link was made.
    to: Future<T>,
    /// The link this one replaced when it was compressed, null if none: a
    /// thread may still be following it, so it lives as long as the owner.
    replaced: *mut Link<T>,
}

impl<T> Link<T> {
    /// A new link box to `to`, leaked for the state word.
    fn leak(to: Future<T>, replaced: *mut Link<T>) -> *mut Link<T> {
        Box::into_raw(Box::new(Link { to, replaced }))
    }
}

impl<T> Drop for Link<T> {
    fn drop(&mut self) {
        // Iterative: a promise compressed many times holds a list of links.
        let mut old = std::mem::replace(&mut self.replaced, ptr::null_mut());
        while !old.is_null() {
            // SAFETY: a replaced link is owned by the link that replaced it,
            // which is being dropped with its owner, the last to read it.
            let mut link = unsafe { Box::from_raw(old) };
            old = std::mem::replace(&mut link.replaced, ptr::null_mut());
        }
    }
}

enum Raw<T> {
    Pending(*const Hook<T>),
    Claimed,
    Done,
    Link(*mut Link<T>),
}

fn decode<T>(word: usize) -> Raw<T> {
    match word {
        DONE => Raw::Done,
        CLAIMED => Raw::Claimed,
        w if w & TAGS == LINK => Raw::Link((w & !TAGS) as *mut Link<T>),
        w => Raw::Pending(w as *const Hook<T>),
    }
}

/// The future a link leads to.
///
/// # Safety
/// `link` was read from the state word of a core that outlives `'a` (a
/// link lives as long as its owner: see the module docs).
unsafe fn follow<'a, T>(link: *mut Link<T>) -> &'a Future<T> {
    // SAFETY: the caller's contract; only `to` is borrowed, never the whole
    // link, whose `replaced` its owner's compression writes.
    unsafe { &(*link).to }
}

impl<T> Core<T> {
    pub(crate) fn new() -> Self {
        Core {
            state: AtomicUsize::new(EMPTY),
            result: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    pub(crate) fn completed(result: Result<T, Failure>) -> Self {
        Core {
            state: AtomicUsize::new(DONE),
            result: UnsafeCell::new(MaybeUninit::new(result)),
        }
    }

    fn load(&self) -> (usize, Raw<T>) {
        let word = self.state.load(Ordering::Acquire);
        (word, decode(word))
    }

    /// Neither completed (nor being completed) nor linked.
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.load().1, Raw::Pending(_))
    }

    /// Waits out the few instructions between a claim and `DONE`.
    fn wait_claimed(&self) {
        while self.state.load(Ordering::Acquire) == CLAIMED {
            yield_now();
        }
    }
}

impl<T> Drop for Core<T> {
    fn drop(&mut self) {
        match decode::<T>(self.state.load(Ordering::Acquire)) {
            // SAFETY: DONE means the result was written; we are its last owner.
            Raw::Done => unsafe { self.result.get_mut().assume_init_drop() },
            Raw::Pending(head) => release_hooks(head),
            // SAFETY: the link box was leaked into the word by `adopt` or a
            // compression and is owned by this core alone.
            Raw::Link(link) => drop(unsafe { Box::from_raw(link) }),
            // A completer holds a reference while it has the claim.
            Raw::Claimed => {}
        }
    }
}

/// Same promise state?
fn same<T: Send + Sync + 'static>(a: &Future<T>, b: &Future<T>) -> bool {
    ptr::eq(a.core(), b.core())
}

impl<T: Send + Sync + 'static> Future<T> {
    /// The future that holds the state this one is linked to (itself when
    /// not linked). Lives as long as `self`: each link box lives as long as
    /// the promise that owns it. A walk of more than one hop relinks `self`
    /// straight to the root it found (Scala's `compressedRoot`).
    #[inline]
    pub(crate) fn root(&self) -> &Future<T> {
        match self.core().load() {
            (word, Raw::Link(first)) => self.walk(word, first),
            _ => self,
        }
    }

    /// `root` of a linked promise, whose word `word` links it through
    /// `first`; out of line, as most futures are never linked.
    #[inline(never)]
    fn walk(&self, word: usize, first: *mut Link<T>) -> &Future<T> {
        // SAFETY: a link box is never freed before its owner (see the module
        // docs), and each owner is borrowed for as long as `self`.
        let mut f = unsafe { follow(first) };
        let mut hops = 1;
        while let Raw::Link(next) = f.core().load().1 {
            // SAFETY: as above.
            f = unsafe { follow(next) };
            hops += 1;
        }
        if hops > 1 {
            self.compress(word, first, f);
        }
        f
    }

    /// Relinks `self`, whose word `word` links it through `first`, straight
    /// to `root`; the old link moves into the new one. Nothing changes if
    /// the word changed meanwhile: another walk compressed it first (or the
    /// root was found later along the same chain).
    fn compress(&self, word: usize, first: *mut Link<T>, root: &Future<T>) {
        let link = Link::leak(root.clone(), first);
        if self
            .core()
            .state
            .compare_exchange(
                word,
                link as usize | LINK,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // SAFETY: never published: the box is ours. `first` is not: it
            // stays where it is.
            let mut link = unsafe { Box::from_raw(link) };
            link.replaced = ptr::null_mut();
        }
    }

    /// How many links a walk from `self` to its root follows now, without
    /// compressing (for the tests of compression).
    #[cfg(test)]
    pub(crate) fn hops(&self) -> usize {
        let mut f = self;
        let mut hops = 0;
        while let Raw::Link(next) = f.core().load().1 {
            // SAFETY: as in `root`.
            f = unsafe { follow(next) };
            hops += 1;
        }
        hops
    }

    /// The result, if completed.
    #[inline]
    pub(crate) fn peek(&self) -> Option<&Result<T, Failure>> {
        let mut core = self.core();
        let mut word = core.state.load(Ordering::Acquire);
        if word & TAGS == LINK {
            core = self.root().core();
            word = core.state.load(Ordering::Acquire);
        }
        // SAFETY: DONE was read with acquire: the result is written and
        // never changes again.
        (word == DONE).then(|| unsafe { (*core.result.get()).assume_init_ref() })
    }

    /// Completes the root promise; gives the result back if it was already
    /// completed (or being completed).
    pub(crate) fn complete_root(
        &self,
        result: Result<T, Failure>,
    ) -> Result<(), Result<T, Failure>> {
        let mut f = self;
        loop {
            let core = f.core();
            let (word, raw) = core.load();
            match raw {
                Raw::Link(_) => f = f.root(),
                Raw::Done => return Err(result),
                Raw::Claimed => {
                    // Answer only once the winner's result is visible.
                    core.wait_claimed();
                    return Err(result);
                }
                Raw::Pending(head) => {
                    if core
                        .state
                        .compare_exchange(word, CLAIMED, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                    {
                        // SAFETY: the claim makes us the only writer, and no
                        // reader looks before DONE.
                        unsafe { (*core.result.get()).write(result) };
                        core.state.store(DONE, Ordering::Release);
                        // SAFETY: the CAS handed us the stack it replaced.
                        unsafe { fire_all(head, f) };
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Registers the callbacks `head ..= tail` (a stack, newest first), or
    /// fires them at once if the future is completed.
    ///
    /// # Safety
    /// The caller owns the hooks, which are linked from `head` to `tail`.
    pub(crate) unsafe fn add_hooks(&self, head: *const Hook<T>, tail: *const Hook<T>) {
        let mut f = self;
        loop {
            let core = f.core();
            let (word, raw) = core.load();
            match raw {
                Raw::Link(_) => f = f.root(),
                Raw::Done => {
                    // SAFETY: the caller owns the hooks. A failed attempt
                    // below may have linked the tail to a stack that is not
                    // ours (a completer took it): cut it off first.
                    unsafe {
                        *(*tail).next.get() = ptr::null();
                        fire_all(head, f);
                    }
                    return;
                }
                Raw::Claimed => core.wait_claimed(),
                Raw::Pending(old) => {
                    // SAFETY: not published yet: the hooks are still ours.
                    unsafe { *(*tail).next.get() = old };
                    if core
                        .state
                        .compare_exchange(word, head as usize, Ordering::Release, Ordering::Relaxed)
                        .is_ok()
                    {
                        return;
                    }
                }
            }
        }
    }

    /// Makes `self` (a combinator's result, still pending) and `inner` (the
    /// future its closure returned) one promise, without copying a value: a
    /// pending inner future is linked to `self`'s root and hands over its
    /// callbacks (Scala's `linkRootOf`); a completed one becomes the target
    /// of `self`'s link. If `self` was completed meanwhile (cancelled, timed
    /// out), `inner` is left alone.
    pub(crate) fn adopt(&self, inner: Future<T>) {
        loop {
            let outer = self.root();
            let root = inner.root();
            if same(outer, root) {
                return;
            }
            let (outer_word, outer_raw) = outer.core().load();
            let outer_hooks = match outer_raw {
                Raw::Pending(head) => head,
                Raw::Link(_) => continue,
                Raw::Claimed | Raw::Done => return,
            };
            let (word, raw) = root.core().load();
            let (owner, expected, target, hooks) = match raw {
                Raw::Link(_) => continue,
                Raw::Claimed => {
                    root.core().wait_claimed();
                    continue;
                }
                Raw::Done => (outer, outer_word, root, outer_hooks),
                Raw::Pending(head) => (root, word, outer, head),
            };
            let link = Link::leak(target.clone(), ptr::null_mut());
            if owner
                .core()
                .state
                .compare_exchange(
                    expected,
                    link as usize | LINK,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_err()
            {
                // SAFETY: the box was never published.
                drop(unsafe { Box::from_raw(link) });
                continue;
            }
            if !hooks.is_null() {
                // SAFETY: the CAS handed us the owner's stack; the target is
                // pending or completed, and takes the hooks either way.
                unsafe { target.add_hooks(hooks, tail(hooks)) };
            }
            return;
        }
    }
}

/// The oldest hook of a stack.
///
/// # Safety
/// The caller owns the stack.
unsafe fn tail<T>(mut h: *const Hook<T>) -> *const Hook<T> {
    loop {
        // SAFETY: the caller owns the stack.
        let next = unsafe { *(*h).next.get() };
        if next.is_null() {
            return h;
        }
        h = next;
    }
}

/// Fires a stack of hooks, oldest first.
///
/// # Safety
/// The caller owns the stack, and `from` is completed.
unsafe fn fire_all<T>(mut head: *const Hook<T>, from: &Future<T>) {
    let mut oldest = ptr::null();
    while !head.is_null() {
        // SAFETY: the caller owns the stack.
        unsafe {
            let next = *(*head).next.get();
            *(*head).next.get() = oldest;
            oldest = head;
            head = next;
        }
    }
    while !oldest.is_null() {
        // SAFETY: read `next` first: firing hands the hook away.
        unsafe {
            let next = *(*oldest).next.get();
            ((*oldest).fire)(oldest, from);
            oldest = next;
        }
    }
}

type Deferred = Vec<(*const (), unsafe fn(*const ()))>;

#[cfg(not(loom))]
std::thread_local! {
    /// Stacks of hooks whose release was deferred because a release was
    /// already running on this thread.
    static RELEASING: RefCell<Option<Deferred>> = const { RefCell::new(None) };
}
// loom's macro takes no `const` initialiser.
#[cfg(loom)]
loom::thread_local! {
    static RELEASING: RefCell<Option<Deferred>> = RefCell::new(None);
}

/// Releases the hooks of a promise dropped uncompleted. Releasing a hook can
/// drop the promise it completes, which releases its hooks in turn: those
/// are queued and released by the outermost call, so dropping a long chain
/// of pending combinators does not recurse.
fn release_hooks<T>(head: *const Hook<T>) {
    /// # Safety
    /// `head` is a stack of `Hook<T>` the caller owns.
    unsafe fn release_stack<T>(head: *const ()) {
        let mut h = head as *const Hook<T>;
        while !h.is_null() {
            // SAFETY: read `next` first: releasing frees the hook.
            unsafe {
                let next = *(*h).next.get();
                ((*h).release)(h);
                h = next;
            }
        }
    }
    if head.is_null() {
        return;
    }
    let queued = RELEASING.try_with(|r| match r.borrow_mut().as_mut() {
        Some(queue) => {
            queue.push((head.cast(), release_stack::<T>));
            true
        }
        None => false,
    });
    match queued {
        Ok(true) => return,
        Ok(false) => {}
        // The thread is exiting (a future dropped by a thread-local's
        // destructor): release here, without the queue.
        Err(_) => {
            // SAFETY: the dropped core owned the stack.
            unsafe { release_stack::<T>(head.cast()) };
            return;
        }
    }
    struct Outermost;
    impl Drop for Outermost {
        fn drop(&mut self) {
            RELEASING.with(|r| *r.borrow_mut() = None);
        }
    }
    RELEASING.with(|r| *r.borrow_mut() = Some(Vec::new()));
    let _reset = Outermost;
    // SAFETY: the dropped core owned the stack.
    unsafe { release_stack::<T>(head.cast()) };
    while let Some((stack, release)) =
        RELEASING.with(|r| r.borrow_mut().as_mut().and_then(Vec::pop))
    {
        // SAFETY: queued above by the owner of the stack.
        unsafe { release(stack) };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::future::{Future, Promise};

    /// A chain of promises linked backwards, each root linked to a newer
    /// one (as nested `flat_map`s do): `N - 1` hops from the first. One
    /// walk relinks the first straight to the root; after one walk from
    /// each, every linked promise is one hop from the root.
    #[test]
    fn a_walk_compresses_a_chain_to_one_hop() {
        const N: usize = 1000;
        let promises: Vec<Promise<u32>> = (0..N).map(|_| Promise::new()).collect();
        let futures: Vec<Future<u32>> = promises.iter().map(Promise::future).collect();
        for i in 1..N {
            futures[i].adopt(futures[i - 1].clone());
        }
        assert_eq!(futures[0].hops(), N - 1);

        let root = futures[0].root();
        assert!(std::ptr::eq(root.core(), futures[N - 1].core()));
        assert_eq!(futures[0].hops(), 1);
        assert_eq!(futures[1].hops(), N - 2); // only the walk's start moves

        let after: Vec<usize> = futures
            .iter()
            .map(|f| {
                f.root();
                f.hops()
            })
            .collect();
        assert!(after[..N - 1].iter().all(|&h| h == 1));
        assert_eq!(after[N - 1], 0);

        // Completing through the first completes them all.
        promises[0].success(7).unwrap();
        assert!(futures
            .iter()
            .all(|f| f.peek().and_then(|r| r.as_ref().ok()) == Some(&7)));
        assert!(!promises[N - 1].try_success(8));
    }

    /// Completing and registering through a long chain compress it too.
    #[test]
    fn completion_and_registration_compress() {
        let promises: Vec<Promise<u32>> = (0..4).map(|_| Promise::new()).collect();
        let futures: Vec<Future<u32>> = promises.iter().map(Promise::future).collect();
        for i in 1..4 {
            futures[i].adopt(futures[i - 1].clone());
        }
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let s = std::sync::Arc::clone(&seen);
        futures[1].on_complete(&crate::exec::parasitic(), move |r| {
            s.store(*r.as_ref().unwrap(), std::sync::atomic::Ordering::SeqCst)
        });
        assert_eq!(futures[1].hops(), 1);
        promises[0].success(3).unwrap();
        assert_eq!(futures[0].hops(), 1);
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}
