//! The greeting service in Rust, with no SDK: greeting(name: string) -> string.
use std::alloc::{alloc, dealloc, Layout};

#[repr(C)]
pub struct Slice {
    ptr: u32,
    len: u32,
}

static mut RETURN_AREA: Slice = Slice { ptr: 0, len: 0 };

#[link(wasm_import_module = "mx_host")]
extern "C" {
    fn log(level: i32, ptr: *const u8, len: usize);
}

#[no_mangle]
pub unsafe extern "C" fn mx_alloc(size: usize, align: usize) -> *mut u8 {
    alloc(Layout::from_size_align(size.max(1), align.max(1)).unwrap())
}

#[no_mangle]
pub unsafe extern "C" fn mx_free(ptr: *mut u8, size: usize, align: usize) {
    dealloc(ptr, Layout::from_size_align(size.max(1), align.max(1)).unwrap())
}

/// Takes ownership of an argument buffer allocated by the host with mx_alloc(len, 1).
unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    let bytes = std::slice::from_raw_parts(ptr, len).to_vec();
    mx_free(ptr, len, 1);
    bytes
}

/// Hands a result to the host, which frees it with mx_free(ptr, len, 1).
unsafe fn give(bytes: &[u8]) -> *const Slice {
    let ptr = mx_alloc(bytes.len(), 1);
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
    RETURN_AREA = Slice { ptr: ptr as u32, len: bytes.len() as u32 };
    std::ptr::addr_of!(RETURN_AREA)
}

#[no_mangle]
pub unsafe extern "C" fn greeting(ptr: *mut u8, len: usize) -> *const Slice {
    let name = String::from_utf8_lossy(&take(ptr, len)).into_owned();
    let message = format!("greeting {}", name);
    log(4, message.as_ptr(), message.len());
    give(format!("Hi, {}", name).as_bytes())
}
