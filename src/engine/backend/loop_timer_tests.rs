use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::{MillisTimers, Timers};

fn one_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime")
}

/// Runs `waits` (offsets from now, in ms) on shared timers; returns each wait's deadline
/// and when it ended, in the order they ended.
fn run_waits(waits: &[u64]) -> Vec<(Instant, Instant)> {
    let origin = Instant::now();
    let runtime = one_thread();
    let timers = MillisTimers::new(origin);
    runtime.block_on(async {
        let mut running: FuturesUnordered<_> = waits
            .iter()
            .map(|&millis| {
                let timers = &timers;
                async move {
                    let deadline = Instant::now() + Duration::from_millis(millis);
                    timers.sleep_until(deadline).await;
                    (deadline, Instant::now())
                }
            })
            .collect();
        let mut ended = Vec::new();
        tokio::select! {
            () = timers.drive() => unreachable!("the driver never returns"),
            () = async { while let Some(wait) = running.next().await { ended.push(wait) } } => {}
        }
        ended
    })
}

#[test]
fn no_wait_ends_before_its_deadline_and_every_wait_ends() {
    let waits: Vec<u64> = (0..2_000).map(|i| (i * 7919) % 40).collect();
    let ended = run_waits(&waits);
    assert_eq!(ended.len(), waits.len());
    for (deadline, at) in ended {
        assert!(at >= deadline, "a wait ended {:?} early", deadline - at);
    }
}

#[test]
fn a_shorter_wait_started_after_a_longer_one_ends_first() {
    let origin = Instant::now();
    let runtime = one_thread();
    let timers = MillisTimers::new(origin);
    runtime.block_on(async {
        let long = async {
            let deadline = Instant::now() + Duration::from_millis(300);
            timers.sleep_until(deadline).await;
            Instant::now()
        };
        // Started once the driver is set for the 300 ms tick: it must set it again.
        let short = async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let armed = timers.state.borrow().armed.expect("the driver is set for the 300 ms wait");
            let deadline = Instant::now() + Duration::from_millis(5);
            assert!(timers.tick_of(deadline) < armed, "the short wait's tick comes first");
            timers.sleep_until(deadline).await;
            Instant::now()
        };
        tokio::select! {
            () = timers.drive() => unreachable!("the driver never returns"),
            short_end = async {
                let (long_end, short_end) = tokio::join!(long, short);
                assert!(short_end < long_end);
                short_end
            } => assert!(short_end < origin + Duration::from_millis(300), "the 5 ms wait waited for the 300 ms tick"),
        }
    });
}

#[test]
fn waits_end_in_deadline_order_across_ticks() {
    let ended = run_waits(&[30, 10, 20, 10, 30, 20]);
    let deadlines: Vec<Instant> = ended.iter().map(|(deadline, _)| *deadline).collect();
    // Waits a whole tick apart end in order (ones in the same tick end together).
    for pair in deadlines.windows(2) {
        assert!(pair[1] + Duration::from_millis(1) >= pair[0], "{deadlines:?}");
    }
}

#[test]
fn a_deadline_before_the_origin_is_already_over() {
    let origin = Instant::now();
    let timers = MillisTimers::new(origin + Duration::from_secs(1));
    let runtime = one_thread();
    // No driver runs: the wait must not need one.
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), timers.sleep_until(origin)).await.expect("the past wait ended");
    });
}

#[test]
fn a_dropped_wait_leaves_the_others_to_end() {
    let origin = Instant::now();
    let runtime = one_thread();
    let timers = MillisTimers::new(origin);
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_millis(20);
        let dropped = tokio::time::timeout(Duration::from_millis(1), timers.sleep_until(deadline));
        tokio::select! {
            () = timers.drive() => unreachable!("the driver never returns"),
            _ = async {
                assert!(dropped.await.is_err(), "the 20 ms wait ended within 1 ms");
                timers.sleep_until(deadline).await;
            } => {}
        }
        assert!(Instant::now() >= deadline);
    });
}
