//! The CPU work of a task: the articles' prime count and naive Fibonacci, each through
//! `black_box` so the optimizer cannot fold it, and each reaching a checkpoint often enough that
//! Stop lands and the GIL changes hands on time.

use crate::engine::cancel::Cancelled;

/// Divisions tried between two checkpoints: tens of microseconds of work (a division takes
/// one or two nanoseconds), so Stop lands and the GIL changes hands on time even inside one
/// large candidate (a prime near 1,000,000 alone is a million divisions).
pub const DIVISIONS_PER_CHECKPOINT: u64 = 32_768;

/// Count primes in 2..=n exactly as the articles do (ARCHITECTURE.md, "What it is for"): for
/// each candidate `i`, try every `j` in
/// 2..i and stop at the first that divides (no square-root bound). Calls `checkpoint` every
/// [`DIVISIONS_PER_CHECKPOINT`] divisions (each candidate counts as one more).
pub fn count_primes(n: u64, checkpoint: &mut impl FnMut() -> Result<(), Cancelled>) -> Result<u64, Cancelled> {
    let n = std::hint::black_box(n);
    let mut count = 0;
    let mut budget = DIVISIONS_PER_CHECKPOINT;
    for candidate in 2..=n {
        let mut divisor: u64 = 2;
        let is_prime = loop {
            let stop = candidate.min(divisor.saturating_add(budget));
            let found = first_divisor(candidate, divisor, stop);
            budget = budget.saturating_sub(found - divisor + 1);
            if budget == 0 {
                checkpoint()?;
                budget = DIVISIONS_PER_CHECKPOINT;
            }
            if found < stop {
                break false;
            }
            if stop == candidate {
                break true;
            }
            divisor = stop;
        };
        count += u64::from(is_prime);
    }
    Ok(std::hint::black_box(count))
}

/// The first `j` in `from..to` that divides `candidate`, or `to` if none does: the articles'
/// inner loop, kept free of anything else so it runs as a hand-written one does.
#[inline(always)]
#[allow(
    clippy::manual_is_multiple_of,
    reason = "the articles' `i % j == 0`, without is_multiple_of's extra branch for a zero divisor"
)]
fn first_divisor(candidate: u64, from: u64, to: u64) -> u64 {
    let mut divisor = from;
    while divisor < to && candidate % divisor != 0 {
        divisor += 1;
    }
    divisor
}

/// Below this, `fib` recurses without checkpoints (fib(22) is ~60 µs of work).
const FIB_CHECKPOINT_ABOVE: u64 = 22;

/// Naive recursive Fibonacci, calling `checkpoint` at every call above fib(22).
pub fn fib(n: u64, checkpoint: &mut impl FnMut() -> Result<(), Cancelled>) -> Result<u64, Cancelled> {
    let n = std::hint::black_box(n);
    if n <= FIB_CHECKPOINT_ABOVE {
        return Ok(std::hint::black_box(fib_plain(n)));
    }
    checkpoint()?;
    Ok(fib(n - 1, checkpoint)? + fib(n - 2, checkpoint)?)
}

fn fib_plain(n: u64) -> u64 {
    if n < 2 { n } else { fib_plain(n - 1) + fib_plain(n - 2) }
}
