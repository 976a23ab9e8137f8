//! Memory images: the initial contents of a module's memories, computed from its active data
//! segments by `wedge compile` and stored page-aligned in the AOT file, so that instantiation
//! maps them copy-on-write instead of copying every segment (pages nobody touches are never
//! read).
//!
//! A memory gets an image only when the result cannot depend on the instance: it is defined
//! by the module (not imported), every active segment writing to it has a constant offset
//! (no `global.get`) and fits in its initial size. Other memories are initialized from their
//! segments as usual.

use crate::module::{ConstOp, DataMode, ModuleInner};
use std::collections::BTreeMap;

/// Bytes per image page (the host page size of the targets Wedge maps images on).
pub(crate) const IMAGE_PAGE: u64 = 4096;

/// Images larger than this are not stored (the segments are copied instead).
const MAX_IMAGE_BYTES: u64 = 1 << 30;

/// A run of whole pages of one memory's initial contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImageChunk {
    /// Module index of the memory.
    pub memory: u32,
    /// Byte offset in the memory (a multiple of [`IMAGE_PAGE`]).
    pub offset: u64,
    /// The bytes (a multiple of [`IMAGE_PAGE`] long).
    pub bytes: Vec<u8>,
}

/// A chunk stored in the module's file, ready to be mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredChunk {
    /// Module index of the memory.
    pub memory: u32,
    /// Byte offset in the memory (page aligned).
    pub offset: u64,
    /// Length in bytes (whole pages).
    pub len: u64,
    /// Where the bytes start in the module binary (page aligned in its file).
    pub at: usize,
}

/// The value of a constant offset expression, if it uses no globals.
fn const_offset(ops: &[ConstOp]) -> Option<u64> {
    let mut stack: Vec<u64> = Vec::with_capacity(4);
    for op in ops {
        let v = match *op {
            ConstOp::I32(v) => v as u32 as u64,
            ConstOp::I64(v) => v as u64,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (b, a) = (stack.pop()? as u32, stack.pop()? as u32);
                let r = match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                r as u64
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }
            }
            _ => return None,
        };
        stack.push(v);
    }
    stack.pop()
}

/// The images of the module's memories, as chunks of nonzero pages in memory order.
pub(crate) fn memory_images(m: &ModuleInner) -> Vec<ImageChunk> {
    let mut chunks = Vec::new();
    for mem in m.num_imported_memories..m.memories.len() as u32 {
        if let Some(pages) = image_pages(m, mem) {
            chunks.extend(runs(mem, pages));
        }
    }
    chunks
}

/// The nonzero pages of one memory's initial contents, or None if it gets no image.
fn image_pages(m: &ModuleInner, mem: u32) -> Option<BTreeMap<u64, Vec<u8>>> {
    let ty = &m.memories[mem as usize];
    let size = ty.minimum.checked_mul(ty.page_size())?;
    let mut pages: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut total = 0u64;
    let mut any = false;
    for seg in &m.datas {
        let DataMode::Active { memory, offset } = &seg.mode else {
            continue;
        };
        if *memory != mem {
            continue;
        }
        let start = const_offset(offset.ops())?;
        let start = if ty.memory64 {
            start
        } else {
            start as u32 as u64
        };
        let bytes = &m.bytes[seg.range.clone()];
        let end = start.checked_add(bytes.len() as u64)?;
        if end > size {
            return None;
        }
        any = true;
        let mut at = start;
        for piece in split_at_pages(start, bytes) {
            let page = at / IMAGE_PAGE;
            let within = (at % IMAGE_PAGE) as usize;
            let buf = pages.entry(page).or_insert_with(|| {
                total += IMAGE_PAGE;
                vec![0; IMAGE_PAGE as usize]
            });
            buf[within..within + piece.len()].copy_from_slice(piece);
            at += piece.len() as u64;
        }
        if total > MAX_IMAGE_BYTES {
            return None;
        }
    }
    any.then_some(pages)
}

/// `bytes` (starting at memory offset `start`) cut where pages end.
fn split_at_pages(start: u64, mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut at = start;
    while !bytes.is_empty() {
        let room = (IMAGE_PAGE - at % IMAGE_PAGE) as usize;
        let (piece, rest) = bytes.split_at(room.min(bytes.len()));
        pieces.push(piece);
        bytes = rest;
        at += piece.len() as u64;
    }
    pieces
}

/// Consecutive nonzero pages joined into chunks.
fn runs(memory: u32, pages: BTreeMap<u64, Vec<u8>>) -> Vec<ImageChunk> {
    let mut out: Vec<ImageChunk> = Vec::new();
    for (page, bytes) in pages {
        if bytes.iter().all(|b| *b == 0) {
            continue;
        }
        let offset = page * IMAGE_PAGE;
        match out.last_mut() {
            Some(c) if c.offset + c.bytes.len() as u64 == offset => c.bytes.extend(bytes),
            _ => out.push(ImageChunk {
                memory,
                offset,
                bytes,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_offsets_and_page_splits() {
        assert_eq!(
            const_offset(&[ConstOp::I32(-1), ConstOp::I32(2), ConstOp::I32Add]),
            Some(1)
        );
        assert_eq!(const_offset(&[ConstOp::GlobalGet(0)]), None);
        let bytes = [1u8; 10];
        let pieces = split_at_pages(IMAGE_PAGE - 3, &bytes);
        assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), [3, 7]);
    }

    #[test]
    fn images_follow_segment_order_and_skip_zero_pages() {
        let engine = crate::Engine::default();
        let module = crate::Module::new(
            &engine,
            r#"(module (memory 3)
                (data (i32.const 4094) "abcd")
                (data (i32.const 4095) "X")
                (data (i32.const 70000) "\00\00")
                (data (i32.const 131072) "z"))"#,
        )
        .unwrap();
        let chunks = memory_images(&module.inner);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].offset, 0);
        assert_eq!(chunks[0].bytes.len() as u64, 2 * IMAGE_PAGE);
        assert_eq!(&chunks[0].bytes[4094..4098], b"aXcd");
        assert_eq!(chunks[1].offset, 131072);
        assert_eq!(chunks[1].bytes[0], b'z');
        let imported = crate::Module::new(
            &engine,
            r#"(module (import "m" "g" (global i32)) (memory 1)
                (data (global.get 0) "a"))"#,
        )
        .unwrap();
        assert!(memory_images(&imported.inner).is_empty());
    }
}
