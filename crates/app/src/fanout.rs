//! One producer, many viewers: the live pages (a launch's counter, an AMA) compute a snapshot
//! once per tick and hand every open stream the same bytes. The snapshot is serialised and
//! framed as a server-sent event once, and each viewer's write shares that buffer, so a
//! thousand viewers cost the database what one does; the producer stops when the last viewer
//! leaves.
//!
//! Viewers are handed each snapshot in groups, one group after another, not all at once:
//! 5,000 connections woken together held both cores of a 2-core machine for tens of
//! milliseconds each second, every order in flight waited behind them (order p99 28–34 ms
//! without viewers, 57–85 ms with), and closed-loop buyers lost that time. Paced, the same
//! writes interleave with other work, and the last group hears of a snapshot about 250 ms
//! after the first.

use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Viewers of a feed are spread over this many groups as they arrive.
const GROUPS: usize = 16;
/// How long delivery pauses after a group, per viewer in it: 5,000 viewers are handed a
/// snapshot over about 250 ms, a handful at once.
const PACE_PER_VIEWER: Duration = Duration::from_micros(50);

/// One live page's viewers, in groups that are each one channel of frames, and the bell that
/// asks its producer for a snapshot now rather than at the next tick.
pub struct Feed {
    senders: Vec<watch::Sender<Option<Bytes>>>,
    next: AtomicUsize,
    wake: Notify,
    /// Set by [`Hub::wake`], cleared when the producer takes the wake-up: a delivery still
    /// under way stops there and the fresh frame follows at once.
    woken: AtomicBool,
    /// The group the next delivery starts with: where a stopped one left off, so that wake-ups
    /// coming faster than a delivery still reach every group in turn.
    start: AtomicUsize,
}

impl Feed {
    fn new() -> Feed {
        Feed {
            senders: (0..GROUPS).map(|_| watch::channel(None).0).collect(),
            next: AtomicUsize::new(0),
            wake: Notify::new(),
            woken: AtomicBool::new(false),
            start: AtomicUsize::new(0),
        }
    }

    fn subscribe(&self) -> watch::Receiver<Option<Bytes>> {
        let group = self.next.fetch_add(1, Ordering::Relaxed) % GROUPS;
        self.senders[group].subscribe()
    }

    pub fn viewers(&self) -> usize {
        self.senders.iter().map(watch::Sender::receiver_count).sum()
    }

    /// Hands `frame` to every group in turn, pausing after each in proportion to its viewers.
    /// When the producer is woken meanwhile (an answer), the rest of the groups are left for
    /// the fresher frame that follows at once: a frame is a whole snapshot, none is owed.
    /// Returns whether every group was handed the frame.
    pub async fn deliver(&self, frame: Bytes) -> bool {
        let first = self.start.load(Ordering::Relaxed);
        for i in 0..GROUPS {
            let at = (first + i) % GROUPS;
            let group = &self.senders[at];
            // Stored even in an empty group, for whoever joins it next.
            group.send_replace(Some(frame.clone()));
            if self.woken.load(Ordering::Relaxed) {
                self.start.store((at + 1) % GROUPS, Ordering::Relaxed);
                return false;
            }
            let pause = PACE_PER_VIEWER * group.receiver_count() as u32;
            if pause >= Duration::from_millis(1) {
                tokio::time::sleep(pause).await;
            }
        }
        true
    }

    /// Waits for the next tick of `every`, or for [`Hub::wake`], whichever comes first.
    pub async fn next_tick(&self, every: &mut tokio::time::Interval) {
        tokio::select! {
            _ = every.tick() => {}
            () = self.wake.notified() => every.reset(),
        }
        // Whatever woke it, the frame about to be made is the fresh one.
        self.woken.store(false, Ordering::Relaxed);
    }
}

/// The live feeds of one kind of page, by the id of what they show.
#[derive(Default)]
pub struct Hub {
    feeds: Mutex<HashMap<i64, Arc<Feed>>>,
}

impl Hub {
    /// A receiver of `key`'s frames (`None` until the first is computed). When nobody was
    /// watching `key`, `start` is handed the new feed to spawn its producer.
    pub fn subscribe(&self, key: i64, start: impl FnOnce(Arc<Feed>)) -> watch::Receiver<Option<Bytes>> {
        let mut feeds = self.feeds.lock();
        if let Some(feed) = feeds.get(&key) {
            return feed.subscribe();
        }
        let feed = Arc::new(Feed::new());
        let rx = feed.subscribe();
        feeds.insert(key, feed.clone());
        start(feed);
        rx
    }

    /// Whether `key`'s producer should go on; when nobody watches any more the feed is
    /// forgotten. Checked under the hub's lock, which `subscribe` also takes: a viewer
    /// arriving now either finds this feed still registered or starts a new one.
    pub fn keep(&self, key: i64) -> bool {
        let mut feeds = self.feeds.lock();
        match feeds.get(&key) {
            Some(feed) if feed.viewers() > 0 => true,
            _ => {
                feeds.remove(&key);
                false
            }
        }
    }

    /// Asks `key`'s producer (if anyone watches on this node) for a snapshot now: an answer
    /// should not wait for the next tick.
    pub fn wake(&self, key: i64) {
        if let Some(feed) = self.feeds.lock().get(&key) {
            feed.woken.store(true, Ordering::Relaxed);
            feed.wake.notify_one();
        }
    }

    /// Feeds with a producer running (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.feeds.lock().len()
    }
}
