//! `ForeignPages`: frames mapped from Xen (an ioreq server's pages, a guest frame). JS reads and writes
//! copies at page offsets; the bytes themselves are the hypervisor's (or the guest's) memory.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use xenmem_napi::{generic_failure, int_in, invalid_arg};

use crate::sys::{Mapping, PAGE_SIZE};

#[napi]
pub struct ForeignPages {
    mapping: Option<Mapping>,
}

impl ForeignPages {
    pub fn new(mapping: Mapping) -> Self {
        ForeignPages { mapping: Some(mapping) }
    }

    fn range(&self, page: f64, offset: f64, length: usize) -> Result<(&Mapping, usize)> {
        let mapping = self.mapping.as_ref().ok_or_else(|| generic_failure(format!("the pages are unmapped (os error {})", libc::EBADF)))?;
        let count = mapping.len() / PAGE_SIZE;
        let page = int_in("page", page, (count - 1) as u64, "").map_err(invalid_arg)? as usize;
        let offset = int_in("offset", offset, PAGE_SIZE as u64, "").map_err(invalid_arg)? as usize;
        if offset + length > PAGE_SIZE {
            return Err(invalid_arg(format!("offset {offset} + length {length} must be at most {PAGE_SIZE}")));
        }
        Ok((mapping, page * PAGE_SIZE + offset))
    }
}

#[napi]
impl ForeignPages {
    /// Number of 4 KiB pages mapped.
    #[napi(getter)]
    pub fn count(&self) -> u32 {
        self.mapping.as_ref().map_or(0, |m| (m.len() / PAGE_SIZE) as u32)
    }

    /// A copy of `length` bytes of page `page` from `offset`.
    #[napi]
    pub fn read(&self, page: f64, offset: f64, length: f64) -> Result<Buffer> {
        let length = int_in("length", length, PAGE_SIZE as u64, "").map_err(invalid_arg)? as usize;
        let (mapping, at) = self.range(page, offset, length)?;
        Ok(Buffer::from(mapping.bytes()[at..at + length].to_vec()))
    }

    /// Stores `bytes` into page `page` at `offset`.
    #[napi]
    pub fn write(&mut self, page: f64, offset: f64, bytes: Uint8Array) -> Result<()> {
        let (_, at) = self.range(page, offset, bytes.len())?;
        let mapping = self.mapping.as_mut().expect("checked by range");
        mapping.bytes_mut()[at..at + bytes.len()].copy_from_slice(&bytes);
        Ok(())
    }

    /// Unmaps the pages (munmap); later reads and writes fail with EBADF.
    #[napi]
    pub fn close(&mut self) {
        self.mapping = None;
    }
}
