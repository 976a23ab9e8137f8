//! The kinds of memory access the generic `MemLoad`/`MemStore` and `Atomic` instructions
//! perform. `MemLoad`/`MemStore` do every
//! load and store on a memory other than memory 0, on a 64-bit memory, or with an offset
//! that does not fit in 32 bits. (Accesses to a 32-bit memory 0 with a 32-bit offset use
//! the specialised fast instructions instead.)

/// One kind of load or store; encoded in the low byte of the instruction's `op` field, the
/// lane index of lane accesses in the high byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum MemOp {
    I32Load,
    I64Load,
    I32Load8S,
    I32Load8U,
    I32Load16S,
    I32Load16U,
    I64Load8S,
    I64Load8U,
    I64Load16S,
    I64Load16U,
    I64Load32S,
    I64Load32U,
    V128Load,
    /// Loads 8 bytes and widens them with the SIMD extend op in the `Extra` aux field.
    V128LoadExtend,
    /// Loads 1, 2, 4 or 8 bytes and splats them with the SIMD splat op in the aux field.
    V128LoadSplat8,
    V128LoadSplat16,
    V128LoadSplat32,
    V128LoadSplat64,
    V128Load32Zero,
    V128Load64Zero,
    /// Loads into one lane of the vector in the slot named by the aux field.
    V128Load8Lane,
    V128Load16Lane,
    V128Load32Lane,
    V128Load64Lane,
    I32Store,
    I64Store,
    Store8,
    Store16,
    Store32,
    V128Store,
    V128Store8Lane,
    V128Store16Lane,
    V128Store32Lane,
    V128Store64Lane,
}

/// Every kind, indexed by its discriminant.
const ALL: [MemOp; 34] = {
    use MemOp::*;
    [
        I32Load,
        I64Load,
        I32Load8S,
        I32Load8U,
        I32Load16S,
        I32Load16U,
        I64Load8S,
        I64Load8U,
        I64Load16S,
        I64Load16U,
        I64Load32S,
        I64Load32U,
        V128Load,
        V128LoadExtend,
        V128LoadSplat8,
        V128LoadSplat16,
        V128LoadSplat32,
        V128LoadSplat64,
        V128Load32Zero,
        V128Load64Zero,
        V128Load8Lane,
        V128Load16Lane,
        V128Load32Lane,
        V128Load64Lane,
        I32Store,
        I64Store,
        Store8,
        Store16,
        Store32,
        V128Store,
        V128Store8Lane,
        V128Store16Lane,
        V128Store32Lane,
        V128Store64Lane,
    ]
};

impl MemOp {
    /// The kind and lane packed into an instruction's `op` field.
    pub fn encode(self, lane: u8) -> u16 {
        self as u16 | (lane as u16) << 8
    }

    /// Unpacks an `op` field written by [`MemOp::encode`].
    pub fn decode(op: u16) -> (MemOp, u8) {
        let kind = ALL
            .get((op & 0xff) as usize)
            .copied()
            .unwrap_or(MemOp::I32Load);
        (kind, (op >> 8) as u8)
    }

    /// Bytes read or written.
    pub fn size(self) -> u64 {
        use MemOp::*;
        match self {
            I32Load8S | I32Load8U | I64Load8S | I64Load8U | V128LoadSplat8 | V128Load8Lane
            | Store8 | V128Store8Lane => 1,
            I32Load16S | I32Load16U | I64Load16S | I64Load16U | V128LoadSplat16
            | V128Load16Lane | Store16 | V128Store16Lane => 2,
            I32Load | I64Load32S | I64Load32U | V128LoadSplat32 | V128Load32Zero
            | V128Load32Lane | I32Store | Store32 | V128Store32Lane => 4,
            I64Load | V128LoadExtend | V128LoadSplat64 | V128Load64Zero | V128Load64Lane
            | I64Store | V128Store64Lane => 8,
            V128Load | V128Store => 16,
        }
    }
}

/// What an atomic instruction does; encoded with its access width by [`AtomicOp::encode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum AtomicOp {
    Load,
    Store,
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
    Cmpxchg,
    /// `memory.atomic.wait32` (width 4) or `wait64` (width 8).
    Wait,
    Notify,
}

const ATOMIC_ALL: [AtomicOp; 11] = {
    use AtomicOp::*;
    [
        Load, Store, Add, Sub, And, Or, Xor, Xchg, Cmpxchg, Wait, Notify,
    ]
};

impl AtomicOp {
    /// The kind and the access width in bytes (1, 2, 4 or 8) packed into an `op` field.
    pub fn encode(self, width: u8) -> u16 {
        self as u16 | (width as u16) << 8
    }

    /// Unpacks an `op` field written by [`AtomicOp::encode`].
    pub fn decode(op: u16) -> (AtomicOp, u8) {
        let kind = ATOMIC_ALL
            .get((op & 0xff) as usize)
            .copied()
            .unwrap_or(AtomicOp::Load);
        (kind, (op >> 8) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        for (i, op) in ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
            assert_eq!(MemOp::decode(op.encode(13)), (*op, 13));
        }
        for (i, op) in ATOMIC_ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
            assert_eq!(AtomicOp::decode(op.encode(8)), (*op, 8));
        }
    }
}
