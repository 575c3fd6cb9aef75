//! The system calls, every one through libc (`open`, `ioctl`, `mmap`, `munmap`, `read`, `write`, `poll`),
//! never a raw syscall: a program run under an LD_PRELOAD emulation of /dev/xen/* must be seen making
//! them. Errors carry the errno in the form the TS wrapper reads: `… (os error N)`.

use std::ffi::CString;
use std::io;
use std::ptr;

/// The page size of Xen's frames and of Linux's mappings of them.
pub const PAGE_SIZE: usize = 4096;

/// An owned file descriptor of a /dev/xen node, closed on drop.
pub struct Fd(libc::c_int);

impl Fd {
    /// Opens `path` read-write, close-on-exec, as libxencall and libxenevtchn do.
    pub fn open(path: &str) -> io::Result<Fd> {
        let cpath = CString::new(path).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: `cpath` is NUL-terminated.
        let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(Fd(fd))
        }
    }

    pub fn raw(&self) -> libc::c_int {
        self.0
    }

    /// `ioctl(fd, request, arg)`: the driver's return value, or the errno it failed with.
    ///
    /// # Safety
    /// `arg` must point to the struct `request` names, valid for the call, and any user pointers in it too.
    pub unsafe fn ioctl<T>(&self, request: u32, arg: *mut T) -> Result<libc::c_int, i32> {
        // SAFETY: the caller upholds the contract above.
        let ret = unsafe { libc::ioctl(self.0, request as libc::c_ulong, arg) };
        if ret < 0 {
            Err(errno())
        } else {
            Ok(ret)
        }
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and open.
        unsafe { libc::close(self.0) };
    }
}

/// The calling thread's errno.
pub fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// `<op> '<path>': <what> (os error N)`.
pub fn os_error(op: &str, path: &str, errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    format!("{op} '{path}': {} (os error {errno})", text.split(" (os error").next().unwrap_or(&text))
}

/// A MAP_SHARED, read-write mapping, unmapped on drop: hypercall buffers, foreign pages, resource frames.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: plain memory; the JS wrapper reaches it from one thread.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// `mmap(NULL, len, PROT_READ|PROT_WRITE, flags, fd, 0)`.
    pub fn map(len: usize, flags: libc::c_int, fd: libc::c_int) -> Result<Mapping, i32> {
        // SAFETY: a fresh mapping chosen by the kernel; nothing is overwritten.
        let ptr = unsafe { libc::mmap(ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, 0) };
        if ptr == libc::MAP_FAILED {
            Err(errno())
        } else {
            Ok(Mapping { ptr: ptr.cast(), len })
        }
    }

    pub fn addr(&self) -> u64 {
        self.ptr as u64
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `len` bytes are mapped readable for the mapping's life.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes are mapped writable for the mapping's life.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range was mapped by `map` and is unmapped once.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_name_the_call_the_node_and_the_errno() {
        assert_eq!(os_error("open", "/dev/xen/privcmd", libc::ENOENT), "open '/dev/xen/privcmd': No such file or directory (os error 2)");
        assert_eq!(os_error("mmap", "/dev/xen/hypercall", libc::EACCES), "mmap '/dev/xen/hypercall': Permission denied (os error 13)");
    }

    #[test]
    fn a_missing_node_fails_to_open_with_its_errno() {
        let err = Fd::open("/dev/xen/no-such-node").err().map(|e| e.raw_os_error());
        assert_eq!(err, Some(Some(libc::ENOENT)));
        let nul = Fd::open("/dev/xen/a\0b").err().map(|e| e.raw_os_error());
        assert_eq!(nul, Some(Some(libc::EINVAL)));
    }

    #[test]
    fn a_mapping_is_readable_and_writable_until_dropped() {
        let mut m = Mapping::map(PAGE_SIZE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1).expect("anonymous mmap");
        assert_eq!(m.len(), PAGE_SIZE);
        assert!(m.bytes().iter().all(|&b| b == 0));
        m.bytes_mut()[4095] = 0xa5;
        assert_eq!(m.bytes()[4095], 0xa5);
    }
}
