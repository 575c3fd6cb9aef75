//! A file mapped MAP_SHARED: the memory an ioreq server shares with its device model. The mapping
//! is shared (`Arc`) by the region, its watchers and the ArrayBuffer over it; it is unmapped when the
//! last holder drops it.

use std::ffi::CString;
use std::io;
use std::sync::atomic::AtomicU32;

use crate::args::PAGE_SIZE;

/// A MAP_SHARED, PROT_READ|PROT_WRITE mapping of a whole file.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; every access through it from Rust is atomic
// (`word`), and the raw bytes are only handed to JS, which runs on one thread.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

/// An error of a system call on `path`, in the form the TS wrapper reads: `<op> '<path>': <what> (os error N)`.
pub fn os_error(op: &str, path: &str, err: &io::Error) -> String {
    let what = match err.raw_os_error() {
        Some(libc::EEXIST) => "the path exists (a file or a symlink); create() makes a new file only".to_owned(),
        Some(libc::ELOOP) => "the path is a symlink; open() follows none".to_owned(),
        _ => {
            let text = err.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_owned()
        }
    };
    match err.raw_os_error() {
        Some(errno) => format!("{op} '{path}': {what} (os error {errno})"),
        None => format!("{op} '{path}': {what}"),
    }
}

/// An owned file descriptor, closed on drop.
struct Fd(libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and open.
        unsafe { libc::close(self.0) };
    }
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl Mapping {
    /// Creates `path` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600: it refuses any existing path, symlinks
    /// included) of `size` zero bytes and maps it. The file is removed again if a later step fails.
    pub fn create(path: &str, cpath: &CString, size: usize) -> Result<Mapping, String> {
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `cpath` is a NUL-terminated string.
        let fd = check(unsafe { libc::open(cpath.as_ptr(), flags, 0o600 as libc::c_uint) })
            .map(Fd)
            .map_err(|e| os_error("create", path, &e))?;
        let mapped = (|| {
            // ftruncate extends with zero bytes (the ioreq page starts zeroed, as Xen's does).
            // SAFETY: `fd` is open for writing.
            check(unsafe { libc::ftruncate(fd.0, size as libc::off_t) }).map_err(|e| os_error("ftruncate", path, &e))?;
            Mapping::map(fd.0, size).map_err(|e| os_error("mmap", path, &e))
        })();
        if mapped.is_err() {
            // SAFETY: `cpath` is a NUL-terminated string; the file is the one we just made.
            unsafe { libc::unlink(cpath.as_ptr()) };
        }
        mapped
    }

    /// Maps an existing regular file (O_NOFOLLOW) of a positive multiple of 4096 bytes.
    pub fn open(path: &str, cpath: &CString) -> Result<Mapping, String> {
        let flags = libc::O_RDWR | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `cpath` is a NUL-terminated string.
        let fd = check(unsafe { libc::open(cpath.as_ptr(), flags) })
            .map(Fd)
            .map_err(|e| os_error("open", path, &e))?;
        // SAFETY: an all-zero `stat` is a valid value; fstat fills it.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        check(unsafe { libc::fstat(fd.0, &mut st) }).map_err(|e| os_error("fstat", path, &e))?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(format!("open '{path}': not a regular file (os error {})", libc::EINVAL));
        }
        let size = st.st_size as u64;
        if size == 0 || !size.is_multiple_of(PAGE_SIZE) || usize::try_from(size).is_err() {
            return Err(format!(
                "open '{path}': the file is {size} bytes; a region is a positive multiple of 4096 bytes (os error {})",
                libc::EINVAL
            ));
        }
        Mapping::map(fd.0, size as usize).map_err(|e| os_error("mmap", path, &e))
    }

    fn map(fd: libc::c_int, len: usize) -> io::Result<Mapping> {
        // SAFETY: a fresh mapping of `len` bytes of an open file; nothing else is at the address.
        let ptr = unsafe {
            libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0)
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping { ptr: ptr.cast(), len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The 32-bit word at `offset` (checked by `args::word_offset`: 4-aligned, inside the mapping).
    pub fn word(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.len, "word offset {offset} outside the mapping");
        // SAFETY: in bounds and 4-aligned (mmap returns a page-aligned address); the memory lives as
        // long as `self`. Other processes access it too, which is what the atomics are for.
        unsafe { &*(self.ptr.add(offset) as *const AtomicU32) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are the mapping made in `map`; nothing refers to it any more (every
        // holder shares this value through an Arc, and a JS ArrayBuffer over it holds a clone until
        // it is detached or collected).
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    fn temp_path(name: &str) -> String {
        format!("/dev/shm/xenmem-shm-test-{}-{name}", std::process::id())
    }

    #[test]
    fn two_mappings_of_one_file_share_words() {
        let path = temp_path("share");
        let cpath = CString::new(path.clone()).unwrap();
        let a = Mapping::create(&path, &cpath, 8192).unwrap();
        let b = Mapping::open(&path, &cpath).unwrap();
        assert_eq!(b.len(), 8192);
        assert_eq!(b.word(8188).load(Ordering::SeqCst), 0);
        a.word(8188).store(0xdead_beef, Ordering::SeqCst);
        assert_eq!(b.word(8188).fetch_add(2, Ordering::SeqCst), 0xdead_beef);
        assert_eq!(a.word(8188).load(Ordering::SeqCst), 0xdead_bef1);
        let again = Mapping::create(&path, &cpath, 4096).err().unwrap();
        assert_eq!(
            again,
            format!("create '{path}': the path exists (a file or a symlink); create() makes a new file only (os error 17)")
        );
        unsafe { libc::unlink(cpath.as_ptr()) };
    }

    #[test]
    fn open_refuses_a_file_of_no_whole_pages() {
        let path = temp_path("odd");
        std::fs::write(&path, [0u8; 100]).unwrap();
        let cpath = CString::new(path.clone()).unwrap();
        let err = Mapping::open(&path, &cpath).err().unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(err, format!("open '{path}': the file is 100 bytes; a region is a positive multiple of 4096 bytes (os error 22)"));
    }
}
