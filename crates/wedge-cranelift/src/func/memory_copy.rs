//! The bytes of `memory.copy`: short copies inline (two loads that may overlap, then two
//! stores, which is exact however the ranges overlap), longer ones through the runtime's
//! `memmove`.

use super::memory::Region;
use super::Translator;
use crate::layout::LibCall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, Endianness, InstBuilder, MemFlagsData, Type, Value};

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
        let is_short = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, len, INLINE_MAX);
        self.b.ins().brif(is_short, short, &[], long, &[]);

        self.b.switch_to_block(long);
        self.b.seal_block(long);
        self.libcall(LibCall::Memmove, &[dst, src, len]);
        self.b.ins().jump(done, &[]);

        // 8-16 bytes with two 8-byte words, 4-7 with two 4-byte words, and so on down to 1.
        self.b.switch_to_block(short);
        self.b.seal_block(short);
        for ty in [types::I64, types::I32, types::I16, types::I8] {
            let size = i64::from(ty.bytes());
            let pair = self.b.create_block();
            let smaller = self.b.create_block();
            let fits = self
                .b
                .ins()
                .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, len, size);
            self.b.ins().brif(fits, pair, &[], smaller, &[]);
            self.b.switch_to_block(pair);
            self.b.seal_block(pair);
            self.copy_pair(ty, dst, src, len, flags, done);
            self.b.switch_to_block(smaller);
            self.b.seal_block(smaller);
        }
        // Nothing to copy.
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
    }

    /// Copies `len` bytes (from one to two words of `ty`) with the word at the start and the
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
