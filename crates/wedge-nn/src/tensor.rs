//! Reading the guest's structures: builder arrays, tensors and strings.

use crate::errno::{Errno, NnResult};
use crate::types::TensorType;
use wedge_plugin_sdk::Caller;

/// An input tensor copied out of guest memory.
#[derive(Clone, Debug)]
pub struct InputTensor {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Element type.
    pub ty: TensorType,
    /// Little-endian element bytes.
    pub data: Vec<u8>,
}

/// The byte blobs of a builder array: `len` pairs `{u32 ptr, u32 len}` at `ptr`.
pub fn read_builders(caller: &mut Caller<'_>, ptr: u32, len: u32) -> NnResult<Vec<Vec<u8>>> {
    let pairs = caller
        .bytes(ptr, len.checked_mul(8).ok_or(Errno::InvalidArgument)?)?
        .to_vec();
    pairs
        .chunks_exact(8)
        .map(|p| {
            let at = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
            let n = u32::from_le_bytes([p[4], p[5], p[6], p[7]]);
            Ok(caller.bytes(at, n)?.to_vec())
        })
        .collect()
}

/// The 20-byte tensor struct at `ptr`: `{dims_ptr, dims_len, type, data_ptr, data_len}`.
/// The data length must equal the product of the dimensions times the element size.
pub fn read_tensor(caller: &mut Caller<'_>, ptr: u32) -> NnResult<InputTensor> {
    let field = |caller: &mut Caller<'_>, i: u32| caller.read_u32(ptr.wrapping_add(4 * i));
    let (dims_ptr, dims_len) = (field(caller, 0)?, field(caller, 1)?);
    let ty = TensorType::for_input(field(caller, 2)?)?;
    let (data_ptr, data_len) = (field(caller, 3)?, field(caller, 4)?);
    let raw_dims = caller
        .bytes(
            dims_ptr,
            dims_len.checked_mul(4).ok_or(Errno::InvalidArgument)?,
        )?
        .to_vec();
    let dims: Vec<usize> = raw_dims
        .chunks_exact(4)
        .map(|d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize)
        .collect();
    let elements = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .ok_or(Errno::InvalidArgument)?;
    if elements.checked_mul(ty.size()) != Some(data_len as usize) {
        return Err(Errno::InvalidArgument);
    }
    let data = caller.bytes(data_ptr, data_len)?.to_vec();
    Ok(InputTensor { dims, ty, data })
}

/// Only the data bytes of the tensor struct at `ptr` (dims and type are not checked): what
/// the GGML backend takes, since LlamaEdge sends text as a U8 tensor of dims `[1]`.
pub fn read_tensor_data(caller: &mut Caller<'_>, ptr: u32) -> NnResult<Vec<u8>> {
    let data_ptr = caller.read_u32(ptr.wrapping_add(12))?;
    let data_len = caller.read_u32(ptr.wrapping_add(16))?;
    caller.read_u32(ptr)?;
    Ok(caller.bytes(data_ptr, data_len)?.to_vec())
}

/// A UTF-8 string at `ptr`.
pub fn read_string(caller: &mut Caller<'_>, ptr: u32, len: u32) -> NnResult<String> {
    let bytes = caller.bytes(ptr, len)?.to_vec();
    String::from_utf8(bytes).map_err(|_| Errno::InvalidArgument)
}
