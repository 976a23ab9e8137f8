//! The bytes of `memory.copy`: copies of 4 to 16 bytes inline (two loads of words that may
//! overlap, then two stores, which is exact however the ranges overlap), the others through
//! the runtime's `memmove`. Few blocks per copy: a module may have hundreds of copies.

use super::memory::Region;
use super::Translator;
use crate::layout::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, Endianness, InstBuilder, MemFlagsData, Type, Value};

/// Shortest copy done inline.
const INLINE_MIN: i64 = 4;
/// Longest copy done inline.
const INLINE_MAX: i64 = 16;

impl Translator<'_, '_> {
    /// Copies `len` (i64) bytes from native address `src` to `dst`, both already checked to
    /// be inside their memories, as `memmove` does.
    pub(crate) fn copy_bytes(&mut self, dst: Value, src: Value, len: Value) {
        let region = self.region(Region::Heap);
        let flags = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(region))
            .with_notrap();
        let done = self.b.create_block();
        let long = self.b.create_block();
        let short = self.b.create_block();
        let words8 = self.b.create_block();
        let words4 = self.b.create_block();
        // One unsigned compare for INLINE_MIN <= len <= INLINE_MAX.
        let above_min = self.b.ins().iadd_imm_s(len, -INLINE_MIN);
        let inline = self.b.ins().icmp_imm_u(
            IntCC::UnsignedLessThanOrEqual,
            above_min,
            INLINE_MAX - INLINE_MIN,
        );
        self.b.ins().brif(inline, short, &[], long, &[]);

        self.b.switch_to_block(long);
        self.b.seal_block(long);
        self.libcall(LibCall::Memmove, &[dst, src, len]);
        self.b.ins().jump(done, &[]);

        // 8-16 bytes with two 8-byte words, 4-7 with two 4-byte words.
        self.b.switch_to_block(short);
        self.b.seal_block(short);
        let eight = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, len, 8);
        self.b.ins().brif(eight, words8, &[], words4, &[]);
        for (block, ty) in [(words8, types::I64), (words4, types::I32)] {
            self.b.switch_to_block(block);
            self.b.seal_block(block);
            self.copy_pair(ty, dst, src, len, flags, done);
        }
        self.b.switch_to_block(done);
        self.b.seal_block(done);
    }

    /// Copies `len` bytes (one to two words of `ty`) with the word at the start and the
    /// word at the end, both loaded before either is stored; then jumps to `done`.
    fn copy_pair(
        &mut self,
        ty: Type,
        dst: Value,
        src: Value,
        len: Value,
        flags: MemFlagsData,
        done: Block,
    ) {
        let last = self.b.ins().iadd_imm_s(len, -i64::from(ty.bytes()));
        let src_end = self.b.ins().iadd(src, last);
        let dst_end = self.b.ins().iadd(dst, last);
        let first = self.b.ins().load(ty, flags, src, 0);
        let second = self.b.ins().load(ty, flags, src_end, 0);
        self.b.ins().store(flags, first, dst, 0);
        self.b.ins().store(flags, second, dst_end, 0);
        self.b.ins().jump(done, &[]);
    }
}
