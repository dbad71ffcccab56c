//! Safe wrapper over `csrc/jpeg_shim.c` (system libjpeg-turbo).
//!
//! libjpeg-turbo's SIMD Huffman/IDCT and its DCT-domain downscaling (decode at M/8 size) are
//! what make ingest fast: a 6000×4000 photo decoded at 3/8 never exists at full size in memory.
//! All libjpeg errors come back as return codes (the shim longjmps inside C only).

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::{ImageError, Pixels};

const PR_OK: c_int = 0;
const PR_ERR_NOMEM: c_int = 2;

#[repr(C)]
struct RawDecoder {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Default)]
struct RawHeader {
    width: c_uint,
    height: c_uint,
    components: c_int,
    color_space: c_int,
    progressive: c_int,
}

unsafe extern "C" {
    fn pr_dec_new() -> *mut RawDecoder;
    fn pr_dec_free(d: *mut RawDecoder);
    fn pr_dec_message(d: *const RawDecoder) -> *const c_char;
    fn pr_dec_warnings(d: *const RawDecoder) -> c_int;
    fn pr_dec_header(
        d: *mut RawDecoder,
        data: *const u8,
        len: c_ulong,
        max_memory: c_long,
        out: *mut RawHeader,
    ) -> c_int;
    fn pr_dec_start(
        d: *mut RawDecoder,
        scale_num: c_int,
        scale_denom: c_int,
        out_w: *mut c_uint,
        out_h: *mut c_uint,
    ) -> c_int;
    fn pr_dec_read(
        d: *mut RawDecoder,
        out: *mut u8,
        stride: c_ulong,
        out_len: c_ulong,
        max_memory: c_long,
    ) -> c_int;
    fn pr_encode(
        pixels: *const u8,
        width: c_uint,
        height: c_uint,
        stride: c_ulong,
        components: c_int,
        quality: c_int,
        size_hint: c_ulong,
        out: *mut *mut u8,
        out_len: *mut c_ulong,
        message: *mut c_char,
        message_len: c_int,
    ) -> c_int;
    fn pr_free(p: *mut c_void);
}

/// What the JPEG header says (stored orientation, before EXIF rotation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct JpegInfo {
    pub width: u32,
    pub height: u32,
    pub components: u32,
}

/// A libjpeg decompressor reading from `data`; the borrow keeps the bytes alive for libjpeg.
pub(crate) struct Decoder<'a> {
    raw: NonNull<RawDecoder>,
    pub info: JpegInfo,
    max_memory: u64,
    _data: PhantomData<&'a [u8]>,
}

impl Drop for Decoder<'_> {
    fn drop(&mut self) {
        // SAFETY: raw came from pr_dec_new and is freed exactly once.
        unsafe { pr_dec_free(self.raw.as_ptr()) }
    }
}

impl<'a> Decoder<'a> {
    /// Reads the header. `max_memory` caps libjpeg's internal allocations (a progressive
    /// file keeps all its coefficients: ~2 bytes per sample).
    pub fn new(data: &'a [u8], max_memory: u64) -> Result<Self, ImageError> {
        // SAFETY: plain allocation; checked for null below.
        let raw = NonNull::new(unsafe { pr_dec_new() })
            .ok_or(ImageError::TooMuchMemory { needed: 0, max: max_memory })?;
        let mut dec = Decoder {
            raw,
            info: JpegInfo { width: 0, height: 0, components: 0 },
            max_memory,
            _data: PhantomData,
        };
        let mut h = RawHeader::default();
        let cap = c_long::try_from(max_memory).unwrap_or(c_long::MAX);
        let len = c_ulong::try_from(data.len()).map_err(|_| ImageError::TooMuchMemory {
            needed: data.len() as u64,
            max: max_memory,
        })?;
        // SAFETY: data outlives the decoder ('a); h is a valid out-pointer.
        let rc = unsafe { pr_dec_header(dec.raw.as_ptr(), data.as_ptr(), len, cap, &mut h) };
        dec.check(rc, 0)?;
        dec.info = JpegInfo {
            width: h.width,
            height: h.height,
            components: u32::try_from(h.components).unwrap_or(0),
        };
        Ok(dec)
    }

    fn message(&self) -> String {
        // SAFETY: the shim always returns a NUL-terminated buffer inside the decoder.
        let msg = unsafe { CStr::from_ptr(pr_dec_message(self.raw.as_ptr())) };
        msg.to_string_lossy().into_owned()
    }

    fn check(&self, rc: c_int, needed: u64) -> Result<(), ImageError> {
        match rc {
            PR_OK => Ok(()),
            PR_ERR_NOMEM => {
                // libjpeg ran out of its budget, typically a progressive file's whole-image
                // coefficient buffer (2 bytes per sample): report that as the estimate.
                let info = &self.info;
                let coefs =
                    u64::from(info.width) * u64::from(info.height) * 2 * u64::from(info.components);
                Err(ImageError::TooMuchMemory { needed: needed + coefs, max: self.max_memory })
            }
            _ => Err(ImageError::Corrupt(short_reason("JPEG", &self.message()))),
        }
    }

    /// Decodes at `scale_num`/8 to packed RGB. The output buffer and libjpeg's own memory are
    /// each capped by `max_memory`. Any corrupt-data warning (truncation, bad Huffman data)
    /// makes the decode fail instead of returning a half-grey picture.
    pub fn decode(self, scale_num: u32) -> Result<Pixels, ImageError> {
        let (mut w, mut h) = (0, 0);
        let num = scale_num.clamp(1, 16) as c_int;
        // SAFETY: valid decoder, out-pointers to locals.
        let rc = unsafe { pr_dec_start(self.raw.as_ptr(), num, 8, &mut w, &mut h) };
        self.check(rc, 0)?;
        let needed = u64::from(w) * u64::from(h) * 3;
        if needed > self.max_memory {
            return Err(ImageError::TooMuchMemory { needed, max: self.max_memory });
        }
        if w == 0 || h == 0 {
            return Err(ImageError::Corrupt("JPEG: empty image".into()));
        }
        let len = usize::try_from(needed)
            .map_err(|_| ImageError::TooMuchMemory { needed, max: self.max_memory })?;
        let mut data = Vec::new();
        data.try_reserve_exact(len)
            .map_err(|_| ImageError::TooMuchMemory { needed, max: self.max_memory })?;
        data.resize(len, 0);
        let stride = w as c_ulong * 3;
        // libjpeg gets what the output buffer leaves of the budget (at least 1 MiB to work).
        let rest = c_long::try_from((self.max_memory - needed).max(1 << 20)).unwrap_or(c_long::MAX);
        // SAFETY: data holds stride*h bytes; the shim checks both bounds again.
        let rc = unsafe {
            pr_dec_read(self.raw.as_ptr(), data.as_mut_ptr(), stride, data.len() as c_ulong, rest)
        };
        self.check(rc, needed)?;
        // SAFETY: valid decoder.
        if unsafe { pr_dec_warnings(self.raw.as_ptr()) } > 0 {
            return Err(ImageError::Corrupt(short_reason("JPEG", &self.message())));
        }
        Ok(Pixels { width: w, height: h, channels: 3, data })
    }
}

/// Output size of a decode at `num`/8, as libjpeg computes it (rounded up).
pub(crate) fn scaled_len(len: u32, num: u32) -> u32 {
    ((u64::from(len) * u64::from(num)).div_ceil(8)) as u32
}

/// Encodes packed RGB as a baseline JFIF JPEG: no EXIF/ICC/XMP is ever written.
pub(crate) fn encode_rgb(px: &Pixels, quality: u8) -> Result<Vec<u8>, ImageError> {
    if px.channels != 3 {
        return Err(ImageError::Corrupt("internal: encode needs an RGB buffer".into()));
    }
    encode_raw(&px.data, px.width, px.height, 3, quality)
}

/// Encodes packed grey (1), RGB (3) or Adobe-inverted CMYK (4) samples.
pub(crate) fn encode_raw(
    data: &[u8],
    width: u32,
    height: u32,
    components: u8,
    quality: u8,
) -> Result<Vec<u8>, ImageError> {
    let stride = width as usize * usize::from(components);
    if !matches!(components, 1 | 3 | 4) || width == 0 || data.len() < stride * height as usize {
        return Err(ImageError::Corrupt("internal: bad buffer for JPEG encode".into()));
    }
    let mut out: *mut u8 = std::ptr::null_mut();
    let mut out_len: c_ulong = 0;
    let mut msg = [0 as c_char; 200];
    let hint = u64::from(width) * u64::from(height) / 4 + 4096;
    // SAFETY: data holds stride*height bytes (checked above); out-pointers are locals.
    let rc = unsafe {
        pr_encode(
            data.as_ptr(),
            width,
            height,
            stride as c_ulong,
            c_int::from(components),
            c_int::from(quality.clamp(1, 100)),
            hint as c_ulong,
            &mut out,
            &mut out_len,
            msg.as_mut_ptr(),
            msg.len() as c_int,
        )
    };
    if rc != PR_OK || out.is_null() {
        if rc == PR_ERR_NOMEM {
            // malloc failed inside the encoder: the process is out of memory.
            return Err(ImageError::TooMuchMemory { needed: hint, max: 0 });
        }
        // SAFETY: the shim NUL-terminates msg.
        let text = unsafe { CStr::from_ptr(msg.as_ptr()) }.to_string_lossy().into_owned();
        return Err(ImageError::Corrupt(short_reason("JPEG encode", &text)));
    }
    // SAFETY: on success out points to out_len bytes malloc'd by the shim; copied, then freed.
    let bytes = unsafe { std::slice::from_raw_parts(out, out_len as usize) }.to_vec();
    // SAFETY: allocated by the shim with malloc.
    unsafe { pr_free(out.cast()) };
    Ok(bytes)
}

/// "JPEG: Premature end of JPEG file" — short, for humans; never empty.
pub(crate) fn short_reason(what: &str, detail: &str) -> String {
    let detail = detail.trim();
    let mut s = if detail.is_empty() {
        format!("{what}: corrupt data")
    } else {
        format!("{what}: {detail}")
    };
    if s.len() > 160 {
        let mut cut = 157;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}
