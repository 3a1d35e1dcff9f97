//! A buffered channel paused, for the queues built on one (`peek`,
//! `contains`, `remove_item`, `to_vec`); see `buffer::pause`.

use super::buffered::Side;
use super::Chan;
use crate::buffer::Paused;

impl<T> Chan<T> {
    /// Runs `f` with the buffer paused (nobody else sends or receives
    /// meanwhile), then tells one blocked sender for each value `f`
    /// removed, as a receive does.
    ///
    /// # Panics
    /// On a rendezvous channel, which has no buffer to pause.
    pub(crate) fn paused<R>(&self, f: impl FnOnce(&mut Paused<'_, T>) -> R) -> R {
        let buffer = self.inner.buffer.as_ref().expect("a buffered channel");
        let mut paused = buffer.pause();
        let r = f(&mut paused);
        let removed = paused.removed();
        drop(paused);
        for _ in 0..removed {
            self.inner.after(Side::Recv);
        }
        r
    }
}
