//! Which calls can leave an exception pending, so code checks for one only after those.
//!
//! An exception starts at a `throw`, `throw_ref` or `rethrow`, or in a function from
//! outside the module (an import, or a reference that came in from outside). A function
//! may throw if it starts one or calls (directly, by tail call or through a table or
//! reference) something that may. Calls through tables and references are resolved
//! coarsely: in a closed module (see [`ModuleEnv::closed`]) their targets are the module's
//! own functions and imports, so they may throw only if one of those may; otherwise they
//! always may.

use crate::{Error, FuncBody, ModuleEnv};
use wasmparser::Operator;

/// What may throw, for one module.
#[derive(Clone, Debug)]
pub struct Throws {
    /// Whether each function (imported first) may return with an exception pending.
    pub funcs: Vec<bool>,
    /// Whether a call through a table or a reference may.
    pub indirect: bool,
}

/// What a function body does that matters here.
#[derive(Default)]
struct BodyFacts {
    /// Functions it calls directly (including by tail call).
    callees: Vec<u32>,
    /// Whether it throws or rethrows itself.
    throws: bool,
    /// Whether it calls through a table or a reference.
    indirect: bool,
}

fn body_facts(body: &FuncBody<'_>) -> Result<BodyFacts, Error> {
    let reader = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        body.bytes,
        body.offset as u64,
    ));
    let mut facts = BodyFacts::default();
    let mut ops = reader.get_operators_reader()?;
    while !ops.eof() {
        match ops.read()? {
            Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                facts.callees.push(function_index)
            }
            Operator::CallIndirect { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCallRef { .. } => facts.indirect = true,
            Operator::Throw { .. } | Operator::ThrowRef | Operator::Rethrow { .. } => {
                facts.throws = true
            }
            _ => {}
        }
    }
    Ok(facts)
}

/// Works out what may throw in the module of `env`, whose defined functions are `bodies`.
pub fn analyze(env: &ModuleEnv, bodies: &[FuncBody<'_>]) -> Result<Throws, Error> {
    let imported = env.num_imported_funcs as usize;
    let facts = bodies
        .iter()
        .map(body_facts)
        .collect::<Result<Vec<_>, _>>()?;
    let mut funcs: Vec<bool> = (0..imported)
        .map(|_| true)
        .chain(facts.iter().map(|f| f.throws))
        .collect();
    let mut indirect = !env.closed || funcs.iter().any(|t| *t);
    loop {
        let mut changed = false;
        for (i, f) in facts.iter().enumerate() {
            let index = imported + i;
            if funcs[index] {
                continue;
            }
            let calls_thrower = f
                .callees
                .iter()
                .any(|c| funcs.get(*c as usize).copied().unwrap_or(true));
            if calls_thrower || (f.indirect && indirect) {
                funcs[index] = true;
                indirect = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(Throws { funcs, indirect })
}
