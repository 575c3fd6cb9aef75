//! Futex wait and wake on a 32-bit word of a MAP_SHARED mapping. The flags leave out
//! FUTEX_PRIVATE_FLAG: the word is shared between processes (the kernel keys a shared futex by the
//! file's inode and offset, so every process mapping the file meets on the same futex).

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Why a FUTEX_WAIT returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOutcome {
    /// A FUTEX_WAKE woke it (or a spurious wake-up: callers re-read the word).
    Woken,
    /// The word did not hold the expected value when the kernel looked (EAGAIN).
    Changed,
    /// A signal interrupted the wait (EINTR).
    Interrupted,
    /// The timeout passed (ETIMEDOUT).
    TimedOut,
}

#[cfg(target_os = "linux")]
fn futex(word: &AtomicU32, op: libc::c_int, val: u32, timeout: Option<&libc::timespec>) -> libc::c_long {
    let ts = timeout.map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a live, 4-aligned u32; the kernel reads it (FUTEX_WAIT) or only uses its
    // address as a key (FUTEX_WAKE). `ts` is null or points at a timespec that outlives the call.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), op, val, ts, std::ptr::null::<u32>(), 0u32) }
}

/// FUTEX_WAIT: sleeps while the word holds `expected`, for at most `timeout` (None: no limit).
#[cfg(target_os = "linux")]
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> io::Result<WaitOutcome> {
    let ts = timeout.map(|t| libc::timespec {
        // A timeout beyond time_t's range is as good as none.
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    if futex(word, libc::FUTEX_WAIT, expected, ts.as_ref()) == 0 {
        return Ok(WaitOutcome::Woken);
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EAGAIN) => Ok(WaitOutcome::Changed),
        Some(libc::EINTR) => Ok(WaitOutcome::Interrupted),
        Some(libc::ETIMEDOUT) => Ok(WaitOutcome::TimedOut),
        _ => Err(err),
    }
}

/// FUTEX_WAKE: wakes up to `count` waiters of the word in any process; returns how many it woke.
#[cfg(target_os = "linux")]
pub fn wake(word: &AtomicU32, count: i32) -> io::Result<u32> {
    let woken = futex(word, libc::FUTEX_WAKE, count as u32, None);
    if woken < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(woken as u32)
    }
}

#[cfg(not(target_os = "linux"))]
pub fn wait(_word: &AtomicU32, _expected: u32, _timeout: Option<Duration>) -> io::Result<WaitOutcome> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(not(target_os = "linux"))]
pub fn wake(_word: &AtomicU32, _count: i32) -> io::Result<u32> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Waits until the word differs from `expected` or `timeout` passes (None: no limit): first spins
/// for up to `spin` re-reading it, then sleeps in FUTEX_WAIT for the time left, looping over
/// spurious wake-ups, EINTR and wake-ups meant for other values. Returns the word's value when it
/// returned: `expected` means the timeout passed.
pub fn wait_until_changed(word: &AtomicU32, expected: u32, timeout: Option<Duration>, spin: Duration) -> io::Result<u32> {
    let value = word.load(Ordering::SeqCst);
    if value != expected || timeout == Some(Duration::ZERO) {
        return Ok(value);
    }
    let start = Instant::now();
    let deadline = timeout.map(|t| start + t);
    if !spin.is_zero() {
        let spin_end = deadline.map_or(start + spin, |d| d.min(start + spin));
        loop {
            let value = word.load(Ordering::SeqCst);
            if value != expected {
                return Ok(value);
            }
            if Instant::now() >= spin_end {
                break;
            }
            std::hint::spin_loop();
        }
    }
    loop {
        let left = match deadline {
            None => None,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Ok(word.load(Ordering::SeqCst)),
            },
        };
        wait(word, expected, left)?;
        let value = word.load(Ordering::SeqCst);
        if value != expected {
            return Ok(value);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_on_a_different_value_returns_changed_at_once() {
        let word = AtomicU32::new(7);
        assert_eq!(wait(&word, 8, Some(Duration::from_secs(5))).unwrap(), WaitOutcome::Changed);
    }

    #[test]
    fn wait_times_out_and_reports_the_expected_value() {
        let word = AtomicU32::new(3);
        let t0 = Instant::now();
        assert_eq!(wait(&word, 3, Some(Duration::from_millis(20))).unwrap(), WaitOutcome::TimedOut);
        assert_eq!(wait_until_changed(&word, 3, Some(Duration::from_millis(20)), Duration::from_micros(50)).unwrap(), 3);
        assert!(t0.elapsed() >= Duration::from_millis(40));
        assert_eq!(wait_until_changed(&word, 3, Some(Duration::ZERO), Duration::ZERO).unwrap(), 3);
    }

    #[test]
    fn wake_with_no_waiters_wakes_none() {
        let word = AtomicU32::new(0);
        assert_eq!(wake(&word, i32::MAX).unwrap(), 0);
    }

    #[test]
    fn a_store_and_wake_from_another_thread_ends_the_wait() {
        let word = Arc::new(AtomicU32::new(0));
        let other = Arc::clone(&word);
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            other.store(1, Ordering::SeqCst);
            wake(&other, i32::MAX).unwrap()
        });
        let value = wait_until_changed(&word, 0, Some(Duration::from_secs(10)), Duration::ZERO).unwrap();
        assert_eq!(value, 1);
        assert!(waker.join().unwrap() <= 1);
    }
}
