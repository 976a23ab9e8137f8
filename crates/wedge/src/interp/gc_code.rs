//! Bytecode side tables for typed references, GC and exceptions: the operations of
//! `Instr::Gc`, their sites, the per-function stack maps and the exception handler table.

use super::code::R;

macro_rules! gc_ops {
    ($($(#[$m:meta])* $name:ident,)*) => {
        /// What an `Instr::Gc` does.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u16)]
        pub enum GcOp {
            $($(#[$m])* $name,)*
        }

        impl GcOp {
            const ALL: &'static [GcOp] = &[$(GcOp::$name,)*];

            /// The op with this code.
            pub fn from_u16(code: u16) -> Option<GcOp> {
                GcOp::ALL.get(code as usize).copied()
            }
        }
    };
}

gc_ops! {
    /// `dst = a`, trapping on null.
    RefAsNonNull,
    /// `dst = a == a+1` (operands consecutive).
    RefEq,
    /// `dst = ref.test(a, site.cast)`.
    RefTest,
    /// `dst = a`, trapping unless it matches `site.cast`.
    RefCast,
    /// `dst = i31(a)`.
    RefI31,
    /// `dst = i31.get_s(a)`.
    I31GetS,
    /// `dst = i31.get_u(a)`.
    I31GetU,
    /// New struct `site.ty` from the fields at `a..`.
    StructNew,
    /// New struct `site.ty` with default fields.
    StructNewDefault,
    /// `dst = a.field` (`site.field`).
    StructGet,
    /// Signed packed get.
    StructGetS,
    /// Unsigned packed get.
    StructGetU,
    /// `a.field = a+1`.
    StructSet,
    /// New array `site.ty`: init at `a`, length at `a+1` (or `a+2` for v128 init).
    ArrayNew,
    /// New array `site.ty` with default elements; length at `a`.
    ArrayNewDefault,
    /// New array `site.ty` from `site.field` values at `a..`.
    ArrayNewFixed,
    /// New array from data segment `site.field`: offset at `a`, length at `a+1`.
    ArrayNewData,
    /// New array from element segment `site.field`: offset at `a`, length at `a+1`.
    ArrayNewElem,
    /// `dst = array[a][a+1]`.
    ArrayGet,
    /// Signed packed get.
    ArrayGetS,
    /// Unsigned packed get.
    ArrayGetU,
    /// `array[a][a+1] = a+2`.
    ArraySet,
    /// `dst = len(a)`.
    ArrayLen,
    /// Fill: array, offset, value, length at `a..`.
    ArrayFill,
    /// Copy: dst array, dst offset, src array, src offset, length at `a..`.
    ArrayCopy,
    /// Init from data segment `site.field`: array, dst offset, src offset, length.
    ArrayInitData,
    /// Init from element segment `site.field`: array, dst offset, src offset, length.
    ArrayInitElem,
}

/// Operands of an `Instr::Gc` that do not fit in the instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcSite {
    /// Module type index (struct or array type).
    pub ty: u32,
    /// Field index, segment index, or element count.
    pub field: u32,
    /// Index into the function's cast types.
    pub cast: u32,
}

/// Which frame slots hold traced references (see `runtime::gc::heap` for the contract).
///
/// Keys are the instruction index after the safepoint (a suspended caller's `pc`, or the
/// running frame's `pc` after it fetched an allocating instruction).
#[derive(Clone, Debug, Default)]
pub struct GcMap {
    /// Slots that are references at every safepoint (reference locals, hidden slots).
    pub always: Box<[R]>,
    /// `(key, start, len)`: operand-stack reference slots are `slots[start..start + len]`.
    pub sites: Box<[(u32, u32, u32)]>,
    /// The slot lists of all sites.
    pub slots: Box<[R]>,
}

impl GcMap {
    /// Operand-stack reference slots live at the safepoint with this key.
    pub fn at(&self, key: u32) -> &[R] {
        match self.sites.binary_search_by_key(&key, |s| s.0) {
            Ok(i) => {
                let (_, start, len) = self.sites[i];
                &self.slots[start as usize..(start + len) as usize]
            }
            Err(_) => &[],
        }
    }

    /// Whether the map names no slot at all (the function never holds traced references).
    pub fn is_empty(&self) -> bool {
        self.always.is_empty() && self.slots.is_empty()
    }
}

/// What an exception handler does when its range covers the throwing instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// Catches exceptions of module tag `tag`, delivering the payload at `dst`.
    Catch {
        /// Module tag index.
        tag: u32,
    },
    /// Catches every exception.
    CatchAll,
    /// Legacy `delegate`: continues the search at handler index `resume`.
    Delegate {
        /// Handler index where the search goes on.
        resume: u32,
    },
}

/// No slot (for `Handler::exn_dst`).
pub const NO_SLOT: R = R::MAX;

/// One entry of a function's exception handler table. Inner handlers come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    /// First instruction index covered.
    pub start: u32,
    /// One past the last instruction index covered.
    pub end: u32,
    /// What the handler does.
    pub kind: HandlerKind,
    /// Where the payload goes.
    pub dst: R,
    /// Where the exception reference goes, or `NO_SLOT`.
    pub exn_dst: R,
    /// Where execution continues.
    pub target: u32,
}
