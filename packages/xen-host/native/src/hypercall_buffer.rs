//! Hypercall-safe memory for the arguments of `IOCTL_PRIVCMD_HYPERCALL`: Xen reads and writes them by
//! virtual address while the hypercall runs, so they must not be paged out or moved, nor be shared with
//! a forked child copy-on-write. As libxencall does (tools/libs/call/linux.c alloc_pages_bufdev() and
//! alloc_pages_nobufdev() @ RELEASE-4.17.0): pages of /dev/xen/hypercall when it opens, else anonymous
//! memory that is locked (MAP_LOCKED), kept from children (MADV_DONTFORK) and touched.

use crate::sys::{Fd, Mapping, PAGE_SIZE};

/// /dev/xen/hypercall (Linux 4.18+): its pages are safe by construction.
pub const HYPERCALL_DEVICE: &str = "/dev/xen/hypercall";

pub struct HypercallBuffer {
    mapping: Mapping,
    /// The device the page came from, or None for locked anonymous memory.
    pub device: Option<Fd>,
}

impl HypercallBuffer {
    /// One page. Any failure to open the device (ENOENT on an older kernel) falls back to locked memory,
    /// as libxencall does.
    pub fn page() -> Result<HypercallBuffer, String> {
        if let Ok(fd) = Fd::open(HYPERCALL_DEVICE) {
            let mapping = Mapping::map(PAGE_SIZE, libc::MAP_SHARED, fd.raw()).map_err(|e| crate::sys::os_error("mmap", HYPERCALL_DEVICE, e))?;
            return Ok(HypercallBuffer { mapping, device: Some(fd) });
        }
        let mut mapping = Mapping::map(PAGE_SIZE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_LOCKED, -1)
            .map_err(|e| crate::sys::os_error("mmap", "anonymous locked memory", e))?;
        // SAFETY: the range is the mapping just made.
        if unsafe { libc::madvise(mapping.addr() as *mut libc::c_void, mapping.len(), libc::MADV_DONTFORK) } < 0 {
            return Err(crate::sys::os_error("madvise", "anonymous locked memory", crate::sys::errno()));
        }
        // Touch it: the page is then present before Xen writes to it.
        mapping.bytes_mut().fill(0);
        Ok(HypercallBuffer { mapping, device: None })
    }

    pub fn addr(&self) -> u64 {
        self.mapping.addr()
    }

    pub fn bytes(&self) -> &[u8] {
        self.mapping.bytes()
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.mapping.bytes_mut()
    }
}
