//! `Privcmd`: one open /dev/xen/privcmd and its calls. dm_op buffers go through IOCTL_PRIVCMD_DM_OP as
//! given (the driver locks the caller's pages itself: drivers/xen/privcmd.c privcmd_ioctl_dm_op() @ v6.1);
//! other hypercalls through IOCTL_PRIVCMD_HYPERCALL with their argument in a hypercall-safe buffer.
//! Each call returns Xen's return code: the ioctl's result, or −errno when it failed.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use xenmem_napi::{generic_failure, int_in, invalid_arg};

use crate::hypercall_buffer::HypercallBuffer;
use xenmem_abi::{
    privcmd_dm_op, privcmd_dm_op_buf, privcmd_hypercall, privcmd_mmap_resource, privcmd_mmapbatch_v2, XENVER_version, __HYPERVISOR_hvm_op, __HYPERVISOR_xen_version,
    IOCTL_PRIVCMD_DM_OP, IOCTL_PRIVCMD_HYPERCALL, IOCTL_PRIVCMD_MMAPBATCH_V2, IOCTL_PRIVCMD_MMAP_RESOURCE, IOCTL_PRIVCMD_RESTRICT,
};
use crate::pages::ForeignPages;
use crate::sys::{os_error, Fd, Mapping, PAGE_SIZE};

pub const PRIVCMD_DEVICE: &str = "/dev/xen/privcmd";

/// A hypercall's outcome with the buffer(s) as Xen left them.
#[napi(object)]
pub struct CallResult {
    pub rc: i32,
    pub bufs: Vec<Buffer>,
}

/// A mapping's outcome: rc, and the pages when rc is 0.
#[napi(object, object_from_js = false)]
pub struct MapResult {
    pub rc: i32,
    pub pages: Option<ForeignPages>,
}

/// /dev/xen/privcmd, opened once.
#[napi]
pub struct Privcmd {
    fd: Option<Fd>,
    /// Where HVMOP and xen_version arguments are placed.
    buffer: HypercallBuffer,
}

fn rc_of(ret: std::result::Result<libc::c_int, i32>) -> i32 {
    match ret {
        Ok(v) => v,
        Err(errno) => -errno,
    }
}

impl Privcmd {
    fn fd(&self) -> Result<&Fd> {
        self.fd.as_ref().ok_or_else(|| generic_failure(format!("'{PRIVCMD_DEVICE}' is closed (os error {})", libc::EBADF)))
    }

    /// `IOCTL_PRIVCMD_HYPERCALL` with `args`; the return code.
    fn hypercall(&self, op: u32, args: [u64; 5]) -> Result<i32> {
        let mut call = privcmd_hypercall { op: op as u64, arg: args };
        // SAFETY: `call` is a privcmd_hypercall; its pointer arguments point into `self.buffer`.
        Ok(rc_of(unsafe { self.fd()?.ioctl(IOCTL_PRIVCMD_HYPERCALL, &mut call) }))
    }

    /// A reservation of `count` pages of the privcmd file that MMAP_RESOURCE or MMAPBATCH_V2 fills
    /// (the driver accepts only its own VMAs: privcmd_mmap() @ v6.1).
    fn reserve(&self, count: usize) -> Result<Mapping> {
        Mapping::map(count * PAGE_SIZE, libc::MAP_SHARED, self.fd()?.raw()).map_err(|e| generic_failure(os_error("mmap", PRIVCMD_DEVICE, e)))
    }
}

#[napi]
impl Privcmd {
    /// Opens /dev/xen/privcmd and a hypercall buffer. ENOENT: no Xen here (or no privcmd driver).
    #[napi(factory)]
    pub fn open() -> Result<Self> {
        let fd = Fd::open(PRIVCMD_DEVICE).map_err(|e| generic_failure(os_error("open", PRIVCMD_DEVICE, e.raw_os_error().unwrap_or(libc::EIO))))?;
        let buffer = HypercallBuffer::page().map_err(generic_failure)?;
        Ok(Privcmd { fd: Some(fd), buffer })
    }

    /// Whether the hypercall buffer is a page of /dev/xen/hypercall (else locked anonymous memory).
    #[napi(getter)]
    pub fn hypercall_device(&self) -> bool {
        self.buffer.device.is_some()
    }

    /// `xen_version(XENVER_version, NULL)`: (major << 16) | minor, or −errno.
    #[napi]
    pub fn xen_version(&self) -> Result<i32> {
        self.hypercall(__HYPERVISOR_xen_version, [XENVER_version as u64, 0, 0, 0, 0])
    }

    /// `IOCTL_PRIVCMD_DM_OP` on `domid` with the buffers as given; returns rc and the buffers afterwards.
    #[napi]
    pub fn dm_op(&self, domid: f64, bufs: Vec<Uint8Array>) -> Result<CallResult> {
        let dom = int_in("domid", domid, 0xffff, "").map_err(invalid_arg)? as u16;
        let mut copies: Vec<Vec<u8>> = bufs.iter().map(|b| b.to_vec()).collect();
        let mut descs: Vec<privcmd_dm_op_buf> = copies.iter_mut().map(|c| privcmd_dm_op_buf { uptr: c.as_mut_ptr() as u64, size: c.len() as u64 }).collect();
        let num = u16::try_from(descs.len()).map_err(|_| invalid_arg(format!("bufs must hold at most 65535 buffers, got {}", descs.len())))?;
        let mut op = privcmd_dm_op { dom, num, ubufs: descs.as_mut_ptr() as u64, ..Default::default() };
        // SAFETY: `op` points at `descs`, which point at `copies`, all alive for the call.
        let rc = rc_of(unsafe { self.fd()?.ioctl(IOCTL_PRIVCMD_DM_OP, &mut op) });
        Ok(CallResult { rc, bufs: copies.into_iter().map(Buffer::from).collect() })
    }

    /// `HYPERVISOR_hvm_op(op, arg)` with the argument copied into the hypercall buffer and back.
    #[napi]
    pub fn hvm_op(&mut self, op: f64, arg: Uint8Array) -> Result<CallResult> {
        let op = int_in("op", op, u32::MAX as u64, "").map_err(invalid_arg)?;
        if arg.len() > PAGE_SIZE {
            return Err(invalid_arg(format!("arg must be at most {PAGE_SIZE} bytes, got {}", arg.len())));
        }
        self.buffer.bytes_mut()[..arg.len()].copy_from_slice(&arg);
        let rc = self.hypercall(__HYPERVISOR_hvm_op, [op, self.buffer.addr(), 0, 0, 0])?;
        let out = Buffer::from(self.buffer.bytes()[..arg.len()].to_vec());
        Ok(CallResult { rc, bufs: vec![out] })
    }

    /// `IOCTL_PRIVCMD_RESTRICT`: from now on this fd may only name `domid`. 0 or −errno.
    #[napi]
    pub fn restrict(&self, domid: f64) -> Result<i32> {
        let mut dom = int_in("domid", domid, 0xffff, "").map_err(invalid_arg)? as u16;
        // SAFETY: the argument is a domid_t.
        Ok(rc_of(unsafe { self.fd()?.ioctl(IOCTL_PRIVCMD_RESTRICT, &mut dom) }))
    }

    /// `IOCTL_PRIVCMD_MMAP_RESOURCE`: maps `count` frames of resource (`resourceType`, `id`) of `domid` from `frame`.
    #[napi]
    pub fn map_resource(&self, domid: f64, resource_type: f64, id: f64, frame: f64, count: f64) -> Result<MapResult> {
        let dom = int_in("domid", domid, 0xffff, "").map_err(invalid_arg)? as u16;
        let ty = int_in("type", resource_type, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        let id = int_in("id", id, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        let idx = int_in("frame", frame, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        let count = int_in("count", count, 1024, "").map_err(invalid_arg)? as usize;
        if count == 0 {
            return Err(invalid_arg("count must be an integer in 1…1024, got 0".to_owned()));
        }
        let mapping = self.reserve(count)?;
        let mut arg = privcmd_mmap_resource { dom, r#type: ty, id, idx, num: count as u64, addr: mapping.addr(), ..Default::default() };
        // SAFETY: `arg.addr` is a privcmd mapping of `count` pages owned here.
        match unsafe { self.fd()?.ioctl(IOCTL_PRIVCMD_MMAP_RESOURCE, &mut arg) } {
            Ok(_) => Ok(MapResult { rc: 0, pages: Some(ForeignPages::new(mapping)) }),
            Err(errno) => Ok(MapResult { rc: -errno, pages: None }),
        }
    }

    /// `IOCTL_PRIVCMD_MMAPBATCH_V2` of one guest frame: rc is the frame's own error when the batch failed on it.
    #[napi]
    pub fn map_gfn(&self, domid: f64, gfn: BigInt) -> Result<MapResult> {
        let dom = int_in("domid", domid, 0xffff, "").map_err(invalid_arg)? as u16;
        let (negative, mut gfn, lossless) = gfn.get_u64();
        if negative || !lossless {
            return Err(invalid_arg("gfn must be a uint64".to_owned()));
        }
        let mapping = self.reserve(1)?;
        let mut err: libc::c_int = 0;
        let mut arg = privcmd_mmapbatch_v2 { num: 1, dom, addr: mapping.addr(), arr: &mut gfn as *mut u64 as u64, err: &mut err as *mut libc::c_int as u64, ..Default::default() };
        // SAFETY: `arr` and `err` point at one element each; `addr` is a privcmd mapping of one page.
        match unsafe { self.fd()?.ioctl(IOCTL_PRIVCMD_MMAPBATCH_V2, &mut arg) } {
            Ok(_) if err == 0 => Ok(MapResult { rc: 0, pages: Some(ForeignPages::new(mapping)) }),
            Ok(_) => Ok(MapResult { rc: err, pages: None }),
            // The driver fails the batch (ENOENT for paged-out frames) and reports each frame's errno in err[].
            Err(errno) => Ok(MapResult { rc: if err < 0 { err } else { -errno }, pages: None }),
        }
    }

    /// Closes the fd; later calls fail with EBADF. Mapped pages stay valid until closed themselves.
    #[napi]
    pub fn close(&mut self) {
        self.fd = None;
    }
}
