//! Constant expressions (global initializers, segment offsets and elements).

use crate::Error;

/// One instruction of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConstOp {
    /// Push an i32.
    I32(i32),
    /// Push an i64.
    I64(i64),
    /// Push an f32 by its bits.
    F32(u32),
    /// Push an f64 by its bits.
    F64(u64),
    /// Push a v128.
    V128(u128),
    /// Push a null reference.
    RefNull,
    /// Push a reference to a function of the module.
    RefFunc(u32),
    /// Push the value of a global.
    GlobalGet(u32),
    /// Pop two i32s, push their sum (extended-const).
    I32Add,
    /// Pop two i32s, push their difference.
    I32Sub,
    /// Pop two i32s, push their product.
    I32Mul,
    /// Pop two i64s, push their sum.
    I64Add,
    /// Pop two i64s, push their difference.
    I64Sub,
    /// Pop two i64s, push their product.
    I64Mul,
    /// Pop an i32, push an `i31` reference.
    RefI31,
    /// Pop the fields of struct type `0` (a module type index), push a new struct.
    StructNew(u32),
    /// Push a new struct of the type with default fields.
    StructNewDefault(u32),
    /// Pop the initial value and length, push a new array of the type.
    ArrayNew(u32),
    /// Pop the length, push a new array of the type with default elements.
    ArrayNewDefault(u32),
    /// Pop `n` values, push a new array of the type holding them.
    ArrayNewFixed(u32, u32),
    /// `any.convert_extern` (the identity on raw bits).
    AnyConvertExtern,
    /// `extern.convert_any` (the identity on raw bits).
    ExternConvertAny,
}

/// A validated constant expression as a list of stack operations.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstExpr {
    ops: Ops,
}

/// The operations of a constant expression: most have one, kept without an allocation
/// (modules can have tens of thousands of segment offsets and element expressions).
#[derive(Clone, Debug, PartialEq)]
enum Ops {
    One([ConstOp; 1]),
    Many(Box<[ConstOp]>),
}

impl ConstExpr {
    /// Decodes a constant expression that the validator has accepted.
    pub(crate) fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, Error> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut first = None;
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = reader.read()?;
            let op = match op {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::RefI31 => ConstOp::RefI31,
                O::StructNew { struct_type_index } => ConstOp::StructNew(struct_type_index),
                O::StructNewDefault { struct_type_index } => {
                    ConstOp::StructNewDefault(struct_type_index)
                }
                O::ArrayNew { array_type_index } => ConstOp::ArrayNew(array_type_index),
                O::ArrayNewDefault { array_type_index } => {
                    ConstOp::ArrayNewDefault(array_type_index)
                }
                O::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::ArrayNewFixed(array_type_index, array_size),
                O::AnyConvertExtern => ConstOp::AnyConvertExtern,
                O::ExternConvertAny => ConstOp::ExternConvertAny,
                O::End => break,
                other => {
                    return Err(Error::Invalid {
                        message: format!("unsupported constant instruction {other:?}"),
                        offset: reader.original_position(),
                    })
                }
            };
            match first {
                None => first = Some(op),
                Some(f) => {
                    if ops.is_empty() {
                        ops.push(f);
                    }
                    ops.push(op);
                }
            }
        }
        Ok(match (first, ops.is_empty()) {
            (Some(op), true) => ConstExpr::one(op),
            _ => ConstExpr {
                ops: Ops::Many(ops.into()),
            },
        })
    }

    /// An expression of one operation.
    pub fn one(op: ConstOp) -> ConstExpr {
        ConstExpr {
            ops: Ops::One([op]),
        }
    }

    /// The operations in order.
    pub fn ops(&self) -> &[ConstOp] {
        match &self.ops {
            Ops::One(op) => op,
            Ops::Many(ops) => ops,
        }
    }

    /// The function index if the expression is exactly `ref.func i`.
    pub fn as_ref_func(&self) -> Option<u32> {
        match self.ops() {
            [ConstOp::RefFunc(i)] => Some(*i),
            _ => None,
        }
    }
}
