//! The timers a loop task's waits use (the `sleep` workload, the `mixed` wait).
//!
//! A multi-thread loop and a worker process's loop give every wait its own tokio timer.
//! A one-thread loop gives every wait that ends in the same millisecond one tokio timer
//! between them ([`MillisTimers`]): tokio's timer wheel fires in whole-millisecond ticks,
//! so each wait still ends at the tick its own timer would have fired on (or, for a deadline
//! within the few microseconds between the lab's tick boundary and tokio's, the next), never
//! before its deadline, but a hundred
//! thousand waits cost an entry in a list each instead of an entry in the wheel, a wake
//! from the time driver and a removal from the wheel when the wait is dropped. That cost
//! was most of the lab's own when 100,000 sleeps of 100 ms end together.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Where a loop task's waits get their timers.
pub trait Timers {
    type Sleep<'a>: Future<Output = ()>
    where
        Self: 'a;

    /// A wait that ends at `deadline`, or at the first tick of the runtime's clock after it.
    fn sleep_until(&self, deadline: Instant) -> Self::Sleep<'_>;
}

/// A tokio timer for every wait.
pub struct TokioTimers;

impl Timers for TokioTimers {
    type Sleep<'a> = tokio::time::Sleep;

    fn sleep_until(&self, deadline: Instant) -> tokio::time::Sleep {
        tokio::time::sleep_until(deadline.into())
    }
}

/// One tokio timer per millisecond with waits ending in it, for the one thread that runs a
/// loop: its waits and [`MillisTimers::drive`] must be polled on that thread (they share a
/// `RefCell`). Ticks are whole milliseconds from `origin`; made just before the runtime,
/// `origin` is within microseconds of the runtime's own clock start, so the ticks are the
/// runtime's (a deadline in those microseconds after a boundary waits one tick more).
pub struct MillisTimers {
    origin: Instant,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// The wakers of the waits ending at each tick still to come, by tick, earliest first.
    /// A wait most often ends in the latest tick so far, at the back.
    waiting: VecDeque<(u64, Vec<Waker>)>,
    /// Every tick up to this one has fired.
    fired: u64,
    /// The tick the driver's tokio timer is set for.
    armed: Option<u64>,
    /// The driver, when it waits: a wait for an earlier tick than `armed` wakes it.
    driver: Option<Waker>,
}

impl MillisTimers {
    pub fn new(origin: Instant) -> Self {
        MillisTimers { origin, state: RefCell::default() }
    }

    /// The first tick at or after `deadline`.
    fn tick_of(&self, deadline: Instant) -> u64 {
        let after = deadline.saturating_duration_since(self.origin);
        let part = u64::from(after.subsec_nanos() > after.subsec_millis() * 1_000_000);
        after.as_secs().saturating_mul(1000).saturating_add(u64::from(after.subsec_millis()) + part)
    }

    /// When `tick` comes: a wait's deadline rounded up by under a millisecond.
    fn instant_of(&self, tick: u64) -> Instant {
        self.origin + Duration::from_millis(tick)
    }

    /// Fires each tick with waits as it comes, waking them. Never returns: run it beside
    /// the tasks that wait.
    pub async fn drive(&self) {
        let timer = tokio::time::sleep_until(self.origin.into());
        tokio::pin!(timer);
        std::future::poll_fn(|cx| {
            loop {
                let mut state = self.state.borrow_mut();
                let Some(&(next, _)) = state.waiting.front() else {
                    state.armed = None;
                    remember(&mut state.driver, cx.waker());
                    return Poll::Pending;
                };
                if state.armed != Some(next) {
                    state.armed = Some(next);
                    timer.as_mut().reset(self.instant_of(next).into());
                }
                drop(state);
                if timer.as_mut().poll(cx).is_pending() {
                    remember(&mut self.state.borrow_mut().driver, cx.waker());
                    return Poll::Pending;
                }
                let wakers = {
                    let mut state = self.state.borrow_mut();
                    state.fired = next;
                    state.armed = None;
                    state.waiting.pop_front().map(|(_, wakers)| wakers).unwrap_or_default()
                };
                wakers.into_iter().for_each(Waker::wake);
            }
        })
        .await
    }
}

impl State {
    /// The list of the waits ending at `tick`, made if there is none.
    fn wakers_of(&mut self, tick: u64) -> &mut Vec<Waker> {
        let at = match self.waiting.back() {
            Some(&(last, _)) if last == tick => self.waiting.len() - 1,
            Some((last, wakers)) if *last < tick => {
                // As many as the last tick had, most likely: no copying as the list grows.
                let room = wakers.len();
                self.waiting.push_back((tick, Vec::with_capacity(room)));
                self.waiting.len() - 1
            }
            _ => match self.waiting.binary_search_by_key(&tick, |&(at, _)| at) {
                Ok(at) => at,
                Err(at) => {
                    self.waiting.insert(at, (tick, Vec::new()));
                    at
                }
            },
        };
        &mut self.waiting[at].1
    }
}

/// Keeps `waker` in `slot` (cloned only when it would wake another task: `clone_from`).
fn remember(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(known) => known.clone_from(waker),
        None => *slot = Some(waker.clone()),
    }
}

impl Timers for MillisTimers {
    type Sleep<'a> = MillisSleep<'a>;

    fn sleep_until(&self, deadline: Instant) -> MillisSleep<'_> {
        MillisSleep { timers: self, tick: self.tick_of(deadline), slot: NOT_WAITING }
    }
}

/// A [`MillisSleep`] that has not put its waker in a list yet.
const NOT_WAITING: u32 = u32::MAX;

/// A wait on [`MillisTimers`]. Dropped before its tick, its waker stays in the tick's list
/// until the tick fires (waking a finished task is harmless): today waits are dropped only
/// when a stopped run drops them all; a wait cancelled alone (a timeout around it) would
/// keep its task's node alive that long.
pub struct MillisSleep<'a> {
    timers: &'a MillisTimers,
    tick: u64,
    /// Where its waker is in its tick's list, once it waits ([`NOT_WAITING`] before).
    slot: u32,
}

impl Future for MillisSleep<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let tick = self.tick;
        let mut state = self.timers.state.borrow_mut();
        if tick <= state.fired {
            return Poll::Ready(());
        }
        let wakers = state.wakers_of(tick);
        if let Some(known) = wakers.get_mut(self.slot as usize).filter(|_| self.slot != NOT_WAITING) {
            known.clone_from(cx.waker());
            return Poll::Pending;
        }
        // (Past 2³² - 1 waits in one millisecond, a wait polled again adds its waker again.)
        let slot = u32::try_from(wakers.len()).unwrap_or(NOT_WAITING);
        wakers.push(cx.waker().clone());
        // An earlier tick than the driver's timer is set for: it must set it again.
        let driver = state.armed.is_none_or(|armed| tick < armed).then(|| state.driver.take()).flatten();
        drop(state);
        self.slot = slot;
        if let Some(driver) = driver {
            driver.wake();
        }
        Poll::Pending
    }
}

#[cfg(test)]
#[path = "loop_timer_tests.rs"]
mod tests;
