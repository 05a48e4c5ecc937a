//! Which lane (worker) the current thread is. Each backend marks the threads it starts
//! (thread index, rayon index, a runtime's thread number); a task's span and the emulated
//! GIL's holds read it, so both land on the same timeline lane.

use std::cell::Cell;

thread_local! {
    static LANE: Cell<u32> = const { Cell::new(0) };
}

/// Marks the current thread as lane `lane`.
pub fn set(lane: u32) {
    LANE.with(|l| l.set(lane));
}

/// The lane of the current thread (0 unless a backend set it).
pub fn current() -> u32 {
    LANE.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_has_its_own_lane() {
        set(3);
        let other = std::thread::spawn(|| {
            let before = current();
            set(7);
            (before, current())
        })
        .join()
        .ok();
        assert_eq!(other, Some((0, 7)));
        assert_eq!(current(), 3);
    }
}
