//! Structured control flow: blocks, loops, `if`/`else`, branches and `end`.

use super::{clif_type, trap_code, wasm_type, Translator};
use crate::{Error, TrapKind};
use cranelift_codegen::ir::{self, BlockArg, InstBuilder, Type, Value};
use wasmparser::{BlockType, Operator};

/// What kind of construct a control frame is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FrameKind {
    /// The function body; its end returns.
    Func,
    Block,
    Loop,
    /// An `if` before its `else`: the else block and the parameters to give it.
    If {
        else_block: ir::Block,
        params: Vec<Value>,
    },
    Else,
    /// A `try_table`: the block its exceptions go to, its catch clauses, and whether
    /// anything throws to it.
    TryTable {
        dispatch: ir::Block,
        catches: Vec<wasmparser::Catch>,
        used: bool,
    },
    /// A legacy `try`: the block its exceptions go to, whether anything throws to it, its
    /// handlers so far (tag or catch-all, and the block that runs each), the variable
    /// holding the caught exception (for `rethrow`), and whether a handler is being
    /// translated (exceptions there go further out).
    Try {
        dispatch: ir::Block,
        used: bool,
        handlers: Vec<(Option<u32>, ir::Block)>,
        exn: cranelift_frontend::Variable,
        in_catch: bool,
    },
}

/// One entry of the control stack.
pub(crate) struct Frame {
    pub(crate) kind: FrameKind,
    /// Where the construct continues after its end (takes the results as block params).
    pub(crate) dest: ir::Block,
    /// A loop's header (takes the parameters as block params).
    pub(crate) header: Option<ir::Block>,
    /// Operand-stack height below the frame's parameters.
    pub(crate) height: usize,
    pub(crate) num_params: usize,
    pub(crate) num_results: usize,
    /// Whether anything branches (or falls) to `dest`.
    pub(crate) dest_reached: bool,
}

impl Translator<'_, '_> {
    /// Opens a construct whose `num_params` parameters are on top of the operand stack.
    pub(crate) fn push_frame(
        &mut self,
        kind: FrameKind,
        dest: ir::Block,
        header: Option<ir::Block>,
        num_params: usize,
        num_results: usize,
    ) {
        self.frames.push(Frame {
            kind,
            dest,
            header,
            height: self.stack.len() - num_params,
            num_params,
            num_results,
            dest_reached: false,
        });
    }

    pub(crate) fn block_type(&self, bt: BlockType) -> Result<(Vec<Type>, Vec<Type>), Error> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![clif_type(wasm_type(t)?)]),
            BlockType::FuncType(i) => {
                let sig = &self.env.types[i as usize];
                (
                    sig.params.iter().map(|t| clif_type(*t)).collect(),
                    sig.results.iter().map(|t| clif_type(*t)).collect(),
                )
            }
        })
    }

    pub(crate) fn new_block_with(&mut self, tys: &[Type]) -> ir::Block {
        let block = self.b.create_block();
        for t in tys {
            self.b.append_block_param(block, *t);
        }
        block
    }

    /// The block a branch to relative depth `depth` goes to, and how many values it takes.
    pub(crate) fn branch_target(&mut self, depth: u32) -> (ir::Block, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &mut self.frames[i];
        match f.header {
            Some(h) => (h, f.num_params),
            None => {
                f.dest_reached = true;
                (f.dest, f.num_results)
            }
        }
    }

    /// Handles operators inside unreachable code: only nesting matters there.
    pub(crate) fn skip(&mut self, op: &Operator) -> Result<bool, Error> {
        if self.reachable {
            return Ok(false);
        }
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.skip_depth += 1;
                Ok(true)
            }
            Operator::Else | Operator::Catch { .. } | Operator::CatchAll
                if self.skip_depth == 0 =>
            {
                Ok(false)
            }
            Operator::End | Operator::Delegate { .. } if self.skip_depth == 0 => Ok(false),
            Operator::End | Operator::Delegate { .. } => {
                self.skip_depth -= 1;
                Ok(true)
            }
            _ => Ok(true),
        }
    }

    pub(crate) fn control(&mut self, op: &Operator) -> Result<bool, Error> {
        match *op {
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let dest = self.new_block_with(&results);
                self.mark_block_refs(dest, blockty, false);
                self.push_frame(FrameKind::Block, dest, None, params.len(), results.len());
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let dest = self.new_block_with(&results);
                let header = match self.osr_header(params.len())? {
                    Some(header) => header,
                    None => self.new_block_with(&params),
                };
                self.mark_block_refs(dest, blockty, false);
                self.mark_block_refs(header, blockty, true);
                let args = self.branch_args(params.len());
                self.b.ins().jump(header, &args);
                self.popn(params.len());
                self.b.switch_to_block(header);
                let vals = self.b.block_params(header).to_vec();
                self.stack.extend(vals);
                self.push_frame(
                    FrameKind::Loop,
                    dest,
                    Some(header),
                    params.len(),
                    results.len(),
                );
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop();
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                let dest = self.new_block_with(&results);
                self.mark_block_refs(dest, blockty, false);
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let saved = self.stack[self.stack.len() - params.len()..].to_vec();
                let kind = FrameKind::If {
                    else_block,
                    params: saved,
                };
                self.push_frame(kind, dest, None, params.len(), results.len());
            }
            Operator::Else => {
                let f = self.frames.last_mut().expect("else inside if");
                let FrameKind::If { else_block, params } =
                    std::mem::replace(&mut f.kind, FrameKind::Else)
                else {
                    return Err(Error::Unsupported("else without if".into()));
                };
                let (dest, n, height) = (f.dest, f.num_results, f.height);
                if self.reachable {
                    self.frames.last_mut().unwrap().dest_reached = true;
                    let args = self.branch_args(n);
                    self.b.ins().jump(dest, &args);
                }
                self.stack.truncate(height);
                self.stack.extend(params);
                self.b.switch_to_block(else_block);
                self.reachable = true;
            }
            Operator::End => self.end()?,
            Operator::Br { relative_depth } => {
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                let next = self.b.create_block();
                self.b.ins().brif(cond, block, &args, next, &[]);
                self.b.seal_block(next);
                self.b.switch_to_block(next);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                self.br_table(targets, index)?;
                self.reachable = false;
            }
            Operator::Return => {
                let (block, n) = self.branch_target(self.frames.len() as u32 - 1);
                let args = self.branch_args(n);
                self.b.ins().jump(block, &args);
                self.reachable = false;
            }
            Operator::Unreachable => {
                if self.env.metering.is_none() {
                    // Keeps a branch to this block a branch: Cranelift would otherwise turn
                    // it into a conditional trap at the branch's wasm offset, and the trap
                    // would show the branch's source line instead of this one's.
                    self.b.ins().sequence_point();
                }
                self.b.ins().trap(trap_code(TrapKind::Unreachable));
                self.reachable = false;
            }
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (a, b, c) = self.pop3();
                let (a, b) = (self.canon(a), self.canon(b));
                let v = self.b.ins().select(c, a, b);
                if let Operator::TypedSelect { ty } = *op {
                    let t = self.ref_kind(ty);
                    self.mark_if_ref(v, t);
                }
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize].0);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize].0, v);
                self.stored = Some(v);
            }
            Operator::LocalTee { local_index } => {
                let v = self.pop();
                let v = self.canon(v);
                self.b.def_var(self.locals[local_index as usize].0, v);
                self.stored = Some(v);
                self.push(v);
            }
            Operator::Call { function_index } => self.call(function_index, false)?,
            Operator::ReturnCall { function_index } => self.call(function_index, true)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false)?,
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true)?,
            Operator::CallRef { type_index } => self.call_ref(type_index, false)?,
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            Operator::RefAsNonNull => {
                let v = self.pop();
                self.b.ins().trapz(v, trap_code(TrapKind::NullReference));
                self.push(v);
            }
            Operator::BrOnNull { relative_depth } => {
                let v = self.pop();
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                let next = self.b.create_block();
                self.b.ins().brif(v, next, &[], block, &args);
                self.b.seal_block(next);
                self.b.switch_to_block(next);
                self.push(v);
            }
            Operator::BrOnNonNull { relative_depth } => {
                let v = self.pop();
                self.push(v);
                let (block, n) = self.branch_target(relative_depth);
                let args = self.branch_args(n);
                self.pop();
                let next = self.b.create_block();
                self.b.ins().brif(v, block, &args, next, &[]);
                self.b.seal_block(next);
                self.b.switch_to_block(next);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(crate) fn end(&mut self) -> Result<(), Error> {
        self.end_with(None)
    }

    /// `end`, or with `delegate`: a legacy `try` ending with `delegate` to that label.
    pub(crate) fn end_with(&mut self, delegate: Option<u32>) -> Result<(), Error> {
        let mut f = self.frames.pop().expect("end matches a frame");
        if self.reachable {
            f.dest_reached = true;
            let args = self.branch_args(f.num_results);
            self.b.ins().jump(f.dest, &args);
        }
        if let FrameKind::TryTable {
            dispatch,
            catches,
            used: true,
        } = &f.kind
        {
            self.finish_dispatch(*dispatch, catches);
        }
        if let FrameKind::Try {
            dispatch,
            used,
            handlers,
            exn,
            ..
        } = &f.kind
        {
            self.finish_try(*dispatch, *used, handlers, *exn, delegate);
        }
        if let FrameKind::If { else_block, params } = &f.kind {
            // An `if` without `else` passes its parameters through to the end.
            self.b.switch_to_block(*else_block);
            let args: Vec<BlockArg> = params
                .clone()
                .into_iter()
                .map(|v| BlockArg::Value(self.canon(v)))
                .collect();
            self.b.ins().jump(f.dest, &args);
            f.dest_reached = true;
        }
        if let Some(h) = f.header {
            self.b.seal_block(h);
        }
        self.stack.truncate(f.height);
        self.b.switch_to_block(f.dest);
        self.b.seal_block(f.dest);
        if f.kind == FrameKind::Func {
            if f.dest_reached {
                let vals = self.b.block_params(f.dest).to_vec();
                let vals = self.accumulated(vals);
                self.b.ins().return_(&vals);
            } else {
                self.b.ins().trap(trap_code(TrapKind::Unreachable));
            }
            self.reachable = false;
            return Ok(());
        }
        if f.dest_reached {
            let vals = self.b.block_params(f.dest).to_vec();
            self.stack.extend(vals);
            self.reachable = true;
        } else {
            // Nothing reaches the end: keep a well-formed (dead) block and skip what follows.
            self.b.ins().trap(trap_code(TrapKind::Unreachable));
            self.reachable = false;
        }
        Ok(())
    }
}
