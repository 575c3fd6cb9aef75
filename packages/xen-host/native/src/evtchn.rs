//! `Evtchn`: one open /dev/xen/evtchn. Its ioctls bind, unbind, notify and restrict; a thread poll()s the
//! fd and hands each pending port to JS through a threadsafe function, so the event loop never blocks.
//! Reading a port masks it in the driver (drivers/xen/evtchn.c evtchn_interrupt() @ v6.1); the thread
//! unmasks it at once by writing it back, as xenevtchn_unmask() does, so every later notify is seen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use xenmem_napi::{generic_failure, int_in, invalid_arg};

use xenmem_abi::{
    ioctl_evtchn_bind_interdomain, ioctl_evtchn_notify, ioctl_evtchn_restrict_domid, ioctl_evtchn_unbind, IOCTL_EVTCHN_BIND_INTERDOMAIN,
    IOCTL_EVTCHN_NOTIFY, IOCTL_EVTCHN_RESTRICT_DOMID, IOCTL_EVTCHN_UNBIND,
};
use crate::sys::{errno, os_error, Fd};

pub const EVTCHN_DEVICE: &str = "/dev/xen/evtchn";

/// How long one poll() of the thread lasts before it re-checks `stop`.
const POLL_SLICE_MS: libc::c_int = 100;

type Report = ThreadsafeFunction<u32, (), u32, Status, false>;

#[napi]
pub struct Evtchn {
    fd: Arc<Fd>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    report: Option<Arc<Report>>,
}

fn rc_of(ret: std::result::Result<libc::c_int, i32>) -> i32 {
    match ret {
        Ok(v) => v,
        Err(errno) => -errno,
    }
}

/// The thread: poll, read the pending ports (4 bytes each), unmask them, report them in order.
fn watch(fd: &Fd, stop: &AtomicBool, report: &Report) {
    let mut ports = [0u32; 64];
    while !stop.load(Ordering::SeqCst) {
        let mut pfd = libc::pollfd { fd: fd.raw(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, POLL_SLICE_MS) };
        if n < 0 && errno() == libc::EINTR || n == 0 {
            continue;
        }
        if n < 0 || pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 && pfd.revents & libc::POLLIN == 0 {
            return;
        }
        // SAFETY: reads into `ports`, at most its size.
        let got = unsafe { libc::read(fd.raw(), ports.as_mut_ptr().cast(), std::mem::size_of_val(&ports)) };
        if got < 0 {
            if matches!(errno(), libc::EINTR | libc::EAGAIN) {
                continue;
            }
            return;
        }
        let n = got as usize / 4;
        // SAFETY: writes back the ports just read: the unmask of each.
        unsafe { libc::write(fd.raw(), ports.as_ptr().cast(), n * 4) };
        for &port in &ports[..n] {
            if report.call(port, ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
                return;
            }
        }
    }
}

impl Evtchn {
    fn ioctl<T>(&self, request: u32, arg: &mut T) -> i32 {
        // SAFETY: each caller passes the struct its request names.
        rc_of(unsafe { self.fd.ioctl(request, arg) })
    }
}

#[napi]
impl Evtchn {
    /// Opens /dev/xen/evtchn and starts the thread that reports pending ports to `onPort`.
    #[napi(factory)]
    pub fn open(on_port: Function<'_, u32, ()>) -> Result<Self> {
        let fd = Arc::new(Fd::open(EVTCHN_DEVICE).map_err(|e| generic_failure(os_error("open", EVTCHN_DEVICE, e.raw_os_error().unwrap_or(libc::EIO))))?);
        let report: Arc<Report> = Arc::new(on_port.build_threadsafe_function::<u32>().callee_handled::<false>().build_callback(|ctx| Ok(ctx.value))?);
        let stop = Arc::new(AtomicBool::new(false));
        let (fd2, stop2, report2) = (Arc::clone(&fd), Arc::clone(&stop), Arc::clone(&report));
        let thread = std::thread::Builder::new()
            .name("xenmem-evtchn".to_owned())
            .spawn(move || watch(&fd2, &stop2, &report2))
            .map_err(|e| generic_failure(format!("cannot start the event-channel thread: {e}")))?;
        Ok(Evtchn { fd, stop, thread: Some(thread), report: Some(report) })
    }

    /// `IOCTL_EVTCHN_BIND_INTERDOMAIN`: the new local port, or −errno.
    #[napi]
    pub fn bind_interdomain(&self, remote_domid: f64, remote_port: f64) -> Result<i32> {
        let remote_domain = int_in("remoteDomid", remote_domid, 0xffff, "").map_err(invalid_arg)? as u32;
        let remote_port = int_in("remotePort", remote_port, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        Ok(self.ioctl(IOCTL_EVTCHN_BIND_INTERDOMAIN, &mut ioctl_evtchn_bind_interdomain { remote_domain, remote_port }))
    }

    /// `IOCTL_EVTCHN_UNBIND`: 0 or −errno.
    #[napi]
    pub fn unbind(&self, port: f64) -> Result<i32> {
        let port = int_in("localPort", port, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        Ok(self.ioctl(IOCTL_EVTCHN_UNBIND, &mut ioctl_evtchn_unbind { port }))
    }

    /// `IOCTL_EVTCHN_NOTIFY`: 0 or −errno.
    #[napi]
    pub fn notify(&self, port: f64) -> Result<i32> {
        let port = int_in("localPort", port, u32::MAX as u64, "").map_err(invalid_arg)? as u32;
        Ok(self.ioctl(IOCTL_EVTCHN_NOTIFY, &mut ioctl_evtchn_notify { port }))
    }

    /// `IOCTL_EVTCHN_RESTRICT_DOMID`: binds only to `domid` from now on. 0 or −errno.
    #[napi]
    pub fn restrict(&self, domid: f64) -> Result<i32> {
        let domid = int_in("domid", domid, 0xffff, "").map_err(invalid_arg)? as u16;
        Ok(self.ioctl(IOCTL_EVTCHN_RESTRICT_DOMID, &mut ioctl_evtchn_restrict_domid { domid }))
    }

    /// Keeps the process alive while ports may arrive (someone waits on pending()).
    #[napi(js_name = "ref")]
    pub fn refer(&self, env: Env) -> Result<()> {
        self.set_ref(env, true)
    }

    /// Lets the process exit while the thread runs (nobody waits).
    #[napi]
    pub fn unref(&self, env: Env) -> Result<()> {
        self.set_ref(env, false)
    }

    /// Stops the thread and closes the fd (the driver unbinds its ports); idempotent.
    #[napi]
    pub fn close(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.report = None;
    }
}

impl Evtchn {
    fn set_ref(&self, env: Env, on: bool) -> Result<()> {
        if let Some(report) = &self.report {
            // SAFETY: the threadsafe function is alive (held by `self.report`).
            let status = unsafe {
                if on {
                    sys::napi_ref_threadsafe_function(env.raw(), report.raw())
                } else {
                    sys::napi_unref_threadsafe_function(env.raw(), report.raw())
                }
            };
            if status != sys::Status::napi_ok {
                return Err(generic_failure(format!("napi (un)ref of the threadsafe function failed (napi status {status})")));
            }
        }
        Ok(())
    }
}

impl Drop for Evtchn {
    fn drop(&mut self) {
        self.close();
    }
}
