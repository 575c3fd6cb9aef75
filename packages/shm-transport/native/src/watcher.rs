//! `Watcher`: a native thread that sleeps in FUTEX_WAIT on one word of a region and reports each
//! change to JS through a threadsafe function. Reports coalesce: while one is queued, later changes
//! only update `latest`, which the JS-thread callback reads when it runs.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use xenmem_napi::{generic_failure, invalid_arg};

use crate::args;
use crate::futex;
use crate::mapping::Mapping;
use crate::region::ShmRegion;

/// How long one FUTEX_WAIT of the thread lasts before it re-checks `stop` (a missed wake-up costs
/// at most this).
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// The state the thread and the JS-thread callback share.
struct Shared {
    mapping: Arc<Mapping>,
    offset: usize,
    stop: AtomicBool,
    /// The last value the thread saw change to.
    latest: AtomicU32,
    /// A report is queued on the threadsafe function and has not run yet.
    scheduled: AtomicBool,
}

/// The value reports carry to JS: `latest`.
type Report = ThreadsafeFunction<(), (), u32, Status, false>;

/// A thread waiting on one word of a region, calling `onChange` on the JS thread when it changes.
#[napi]
pub struct Watcher {
    shared: Arc<Shared>,
    initial: u32,
    thread: Option<JoinHandle<()>>,
    report: Option<Arc<Report>>,
}

fn watch(shared: &Shared, report: &Report, mut seen: u32, spin: Duration) {
    let word = shared.mapping.word(shared.offset);
    while !shared.stop.load(Ordering::SeqCst) {
        let value = word.load(Ordering::SeqCst);
        if value != seen {
            seen = value;
            shared.latest.store(value, Ordering::SeqCst);
            if !shared.scheduled.swap(true, Ordering::SeqCst) {
                // NonBlocking on an unbounded queue: only fails when the env is closing.
                if report.call((), ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
                    return;
                }
            }
            continue;
        }
        if !spin.is_zero() {
            let end = Instant::now() + spin;
            while word.load(Ordering::SeqCst) == seen && Instant::now() < end && !shared.stop.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
            if word.load(Ordering::SeqCst) != seen {
                continue;
            }
        }
        if futex::wait(word, seen, Some(WAIT_SLICE)).is_err() {
            // FUTEX_WAIT failing for any reason other than EAGAIN/EINTR/ETIMEDOUT: sleep instead.
            std::thread::sleep(WAIT_SLICE);
        }
    }
}

#[napi]
impl Watcher {
    #[napi(constructor)]
    pub fn new(region: &ShmRegion, offset: f64, on_change: Function<'_, u32, ()>, spin_us: Option<f64>) -> Result<Self> {
        let mapping = Arc::clone(region.mapping()?);
        let offset = args::word_offset(offset, mapping.len()).map_err(invalid_arg)?;
        let spin = args::spin_us(spin_us.unwrap_or(0.0)).map_err(invalid_arg)?;
        let seen = mapping.word(offset).load(Ordering::SeqCst);
        let shared = Arc::new(Shared {
            mapping,
            offset,
            stop: AtomicBool::new(false),
            latest: AtomicU32::new(seen),
            scheduled: AtomicBool::new(false),
        });
        let for_js = Arc::clone(&shared);
        let report: Arc<Report> = Arc::new(on_change.build_threadsafe_function::<()>().callee_handled::<false>().build_callback(move |_ctx| {
            // Clear first, then read: a change stored after the read schedules another report.
            for_js.scheduled.store(false, Ordering::SeqCst);
            Ok(for_js.latest.load(Ordering::SeqCst))
        })?);
        let for_thread = Arc::clone(&shared);
        let report_for_thread = Arc::clone(&report);
        let thread = std::thread::Builder::new()
            .name("xenmem-shm-watcher".to_owned())
            .spawn(move || watch(&for_thread, &report_for_thread, seen, spin))
            .map_err(|e| generic_failure(format!("cannot start the watcher thread: {e}")))?;
        Ok(Watcher { shared, initial: seen, thread: Some(thread), report: Some(report) })
    }

    /// The word's value at construction: the first value counted as seen.
    #[napi(getter)]
    pub fn initial(&self) -> u32 {
        self.initial
    }

    /// Stops the thread and waits for it to end; idempotent. Reports already queued still run:
    /// the TS wrapper drops those.
    #[napi]
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // Wake the thread out of FUTEX_WAIT (other waiters of the word re-check and sleep again).
            let _ = futex::wake(self.shared.mapping.word(self.shared.offset), i32::MAX);
            let _ = thread.join();
        }
        // Releases the threadsafe function: it no longer keeps the event loop alive.
        self.report = None;
    }

    /// Lets the process exit while the watcher runs.
    #[napi]
    pub fn unref(&self, env: Env) -> Result<()> {
        if let Some(report) = &self.report {
            let status = unsafe { sys::napi_unref_threadsafe_function(env.raw(), report.raw()) };
            if status != sys::Status::napi_ok {
                return Err(generic_failure(format!("napi_unref_threadsafe_function failed (napi status {status})")));
            }
        }
        Ok(())
    }

    /// Keeps the process alive while the watcher runs (the default).
    #[napi(js_name = "ref")]
    pub fn refer(&self, env: Env) -> Result<()> {
        if let Some(report) = &self.report {
            let status = unsafe { sys::napi_ref_threadsafe_function(env.raw(), report.raw()) };
            if status != sys::Status::napi_ok {
                return Err(generic_failure(format!("napi_ref_threadsafe_function failed (napi status {status})")));
            }
        }
        Ok(())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}
