//! `ShmRegion`: one mapping of a shared file, its word atomics, and the Uint8Array over it.
//!
//! `bytes` is an external ArrayBuffer over the mapping, made once. close() detaches it
//! (napi_detach_arraybuffer) before dropping the region's hold on the mapping, so JS can never
//! reach unmapped memory. The ArrayBuffer's finalizer hint holds a clone of the mapping until then:
//! a region collected without close() leaves the mapping to live as long as the ArrayBuffer.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use xenmem_napi::{generic_failure, invalid_arg};

use crate::args;
use crate::futex;
use crate::mapping::{os_error, Mapping};

/// What the ArrayBuffer over a mapping holds: the mapping, until close() detaches the buffer.
type BufferHold = Mutex<Option<Arc<Mapping>>>;

unsafe extern "C" fn finalize_bytes(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the Box made in `ShmRegion::bytes`, handed to napi once.
    drop(unsafe { Box::from_raw(hint.cast::<Arc<BufferHold>>()) });
}

fn napi_check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(generic_failure(format!("{what} failed (napi status {status})")))
    }
}

/// A file shared between processes, mapped MAP_SHARED.
#[napi(custom_finalize)]
pub struct ShmRegion {
    mapping: Option<Arc<Mapping>>,
    path: String,
    size: usize,
    /// A strong reference to the Uint8Array `bytes` returns (made on first use).
    bytes: Option<sys::napi_ref>,
    /// The ArrayBuffer's hold on the mapping; emptied when close() has detached it.
    bytes_hold: Option<Arc<BufferHold>>,
}

impl ShmRegion {
    fn new(mapping: Mapping, path: String) -> Self {
        let size = mapping.len();
        ShmRegion { mapping: Some(Arc::new(mapping)), path, size, bytes: None, bytes_hold: None }
    }

    /// The mapping, or the error of use after close().
    pub(crate) fn mapping(&self) -> Result<&Arc<Mapping>> {
        self.mapping
            .as_ref()
            .ok_or_else(|| generic_failure(format!("ShmRegion '{}' is closed (os error {})", self.path, libc::EBADF)))
    }

    fn word(&self, offset: f64) -> Result<&std::sync::atomic::AtomicU32> {
        let mapping = self.mapping()?;
        let offset = args::word_offset(offset, mapping.len()).map_err(invalid_arg)?;
        Ok(mapping.word(offset))
    }
}

#[napi]
impl ShmRegion {
    /// Creates `path` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) of `size` zero bytes and maps it.
    #[napi(factory)]
    pub fn create(path: String, size: f64) -> Result<Self> {
        let cpath = args::path(&path).map_err(invalid_arg)?;
        let size = args::create_size(size).map_err(invalid_arg)?;
        let mapping = Mapping::create(&path, &cpath, size).map_err(generic_failure)?;
        Ok(ShmRegion::new(mapping, path))
    }

    /// Maps an existing regular file (O_NOFOLLOW) of a positive multiple of 4096 bytes.
    #[napi(factory)]
    pub fn open(path: String) -> Result<Self> {
        let cpath = args::path(&path).map_err(invalid_arg)?;
        let mapping = Mapping::open(&path, &cpath).map_err(generic_failure)?;
        Ok(ShmRegion::new(mapping, path))
    }

    #[napi(getter)]
    pub fn path(&self) -> String {
        self.path.clone()
    }

    #[napi(getter)]
    pub fn size(&self) -> f64 {
        self.size as f64
    }

    /// Whether close() has run.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.mapping.is_none()
    }

    /// A Uint8Array over the whole mapping (the same one on every call); after close() a detached
    /// one (or an empty one if none was made before).
    #[napi(getter, ts_return_type = "Uint8Array")]
    pub fn bytes(&mut self, env: Env) -> Result<Unknown<'_>> {
        let raw_env = env.raw();
        let mut value = ptr::null_mut();
        if let Some(reference) = self.bytes {
            // SAFETY: `reference` is a live strong reference made below in this env.
            napi_check(unsafe { sys::napi_get_reference_value(raw_env, reference, &mut value) }, "napi_get_reference_value")?;
            return Ok(unsafe { Unknown::from_raw_unchecked(raw_env, value) });
        }
        let mut buffer = ptr::null_mut();
        let Some(mapping) = self.mapping.clone() else {
            // Closed before `bytes` was ever read: an empty array, never the unmapped memory.
            let mut data = ptr::null_mut();
            napi_check(unsafe { sys::napi_create_arraybuffer(raw_env, 0, &mut data, &mut buffer) }, "napi_create_arraybuffer")?;
            napi_check(
                unsafe { sys::napi_create_typedarray(raw_env, sys::TypedarrayType::uint8_array, 0, buffer, 0, &mut value) },
                "napi_create_typedarray",
            )?;
            return Ok(unsafe { Unknown::from_raw_unchecked(raw_env, value) });
        };
        let hold: Arc<BufferHold> = Arc::new(Mutex::new(Some(Arc::clone(&mapping))));
        let hint = Box::into_raw(Box::new(Arc::clone(&hold)));
        // SAFETY: the memory stays mapped while the hint holds the mapping: until the finalizer
        // runs or close() has detached the buffer.
        let status = unsafe {
            sys::napi_create_external_arraybuffer(raw_env, mapping.as_ptr().cast(), mapping.len(), Some(finalize_bytes), hint.cast(), &mut buffer)
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(hint) });
            // A runtime without external buffers would copy: a copy is no shared memory.
            return Err(generic_failure(format!(
                "cannot make an ArrayBuffer over the mapping of '{}' (napi status {status}; this runtime may not allow external buffers)",
                self.path
            )));
        }
        napi_check(
            unsafe { sys::napi_create_typedarray(raw_env, sys::TypedarrayType::uint8_array, mapping.len(), buffer, 0, &mut value) },
            "napi_create_typedarray",
        )?;
        let mut reference = ptr::null_mut();
        napi_check(unsafe { sys::napi_create_reference(raw_env, value, 1, &mut reference) }, "napi_create_reference")?;
        self.bytes = Some(reference);
        self.bytes_hold = Some(hold);
        Ok(unsafe { Unknown::from_raw_unchecked(raw_env, value) })
    }

    /// Sequentially consistent load of the word at `offset`.
    #[napi]
    pub fn load(&self, offset: f64) -> Result<u32> {
        Ok(self.word(offset)?.load(Ordering::SeqCst))
    }

    #[napi]
    pub fn store(&self, offset: f64, value: f64) -> Result<()> {
        let word = self.word(offset)?;
        word.store(args::word_value("value", value).map_err(invalid_arg)?, Ordering::SeqCst);
        Ok(())
    }

    /// Adds (wrapping at 2^32); returns the previous value.
    #[napi]
    pub fn add(&self, offset: f64, value: f64) -> Result<u32> {
        let word = self.word(offset)?;
        Ok(word.fetch_add(args::word_value("value", value).map_err(invalid_arg)?, Ordering::SeqCst))
    }

    /// ORs `bits` in; returns the previous value.
    #[napi]
    pub fn or(&self, offset: f64, bits: f64) -> Result<u32> {
        let word = self.word(offset)?;
        Ok(word.fetch_or(args::word_value("bits", bits).map_err(invalid_arg)?, Ordering::SeqCst))
    }

    /// Stores `value`; returns the previous value.
    #[napi]
    pub fn exchange(&self, offset: f64, value: f64) -> Result<u32> {
        let word = self.word(offset)?;
        Ok(word.swap(args::word_value("value", value).map_err(invalid_arg)?, Ordering::SeqCst))
    }

    /// FUTEX_WAKE (shared) on the word; returns how many waiters it woke.
    #[napi]
    pub fn wake(&self, offset: f64, count: Option<f64>) -> Result<u32> {
        let word = self.word(offset)?;
        let count = count.map_or(Ok(i32::MAX), args::wake_count).map_err(invalid_arg)?;
        futex::wake(word, count).map_err(|e| generic_failure(os_error("futex wake", &self.path, &e)))
    }

    /// add(offset, 1), then wakes every waiter; returns the new value.
    #[napi]
    pub fn signal(&self, offset: f64) -> Result<u32> {
        let word = self.word(offset)?;
        let value = word.fetch_add(1, Ordering::SeqCst).wrapping_add(1);
        futex::wake(word, i32::MAX).map_err(|e| generic_failure(os_error("futex wake", &self.path, &e)))?;
        Ok(value)
    }

    /// Blocks until the word differs from `expected` or `timeoutMs` passes (spinning `spinUs` first);
    /// returns the word's value then.
    #[napi]
    pub fn wait(&self, offset: f64, expected: f64, timeout_ms: f64, spin_us: Option<f64>) -> Result<u32> {
        let word = self.word(offset)?;
        let expected = args::word_value("expected", expected).map_err(invalid_arg)?;
        let timeout = args::timeout_ms(timeout_ms).map_err(invalid_arg)?;
        let spin = args::spin_us(spin_us.unwrap_or(0.0)).map_err(invalid_arg)?;
        futex::wait_until_changed(word, expected, timeout, spin).map_err(|e| generic_failure(os_error("futex wait", &self.path, &e)))
    }

    /// Detaches `bytes`, then drops this region's hold on the mapping (watchers keep theirs);
    /// idempotent.
    #[napi]
    pub fn close(&mut self, env: Env) -> Result<()> {
        if self.mapping.is_none() {
            return Ok(());
        }
        if let Some(reference) = self.bytes {
            let raw_env = env.raw();
            let mut array = ptr::null_mut();
            let mut buffer = ptr::null_mut();
            // SAFETY: `reference` is a live strong reference to the Uint8Array made in `bytes`.
            napi_check(unsafe { sys::napi_get_reference_value(raw_env, reference, &mut array) }, "napi_get_reference_value")?;
            napi_check(
                unsafe {
                    sys::napi_get_typedarray_info(raw_env, array, ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), &mut buffer, ptr::null_mut())
                },
                "napi_get_typedarray_info",
            )?;
            // If this fails the mapping stays (the buffer's hold keeps it) and close() reports it.
            napi_check(unsafe { sys::napi_detach_arraybuffer(raw_env, buffer) }, "napi_detach_arraybuffer")?;
            if let Some(hold) = self.bytes_hold.take() {
                hold.lock().map(|mut h| h.take()).ok();
            }
        }
        self.mapping = None;
        Ok(())
    }

    /// Removes the file; the mapping stays valid until close().
    #[napi]
    pub fn unlink(&self) -> Result<()> {
        let cpath = args::path(&self.path).map_err(invalid_arg)?;
        // SAFETY: `cpath` is a NUL-terminated string.
        if unsafe { libc::unlink(cpath.as_ptr()) } < 0 {
            return Err(generic_failure(os_error("unlink", &self.path, &std::io::Error::last_os_error())));
        }
        Ok(())
    }
}

impl ObjectFinalize for ShmRegion {
    fn finalize(self, env: Env) -> Result<()> {
        if let Some(reference) = self.bytes {
            // The Uint8Array may outlive the region; its ArrayBuffer's hold keeps the mapping.
            // SAFETY: `reference` is live and was made in this env.
            unsafe { sys::napi_delete_reference(env.raw(), reference) };
        }
        Ok(())
    }
}
