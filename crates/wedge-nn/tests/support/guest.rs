#![allow(dead_code)]

//! A wat guest that exports a wrapper of every `wasi_ephemeral_nn` import, so tests drive the ABI
//! directly: they place structures in the guest's memory and call the functions.

use wedge::{Engine, Instance, Linker, Module, Store, Val};
use wedge_plugin::{Plugin, PluginSet};

const FUNCS: &[(&str, usize)] = &[
    ("load", 5),
    ("load_by_name", 3),
    ("load_by_name_with_config", 5),
    ("init_execution_context", 2),
    ("set_input", 3),
    ("compute", 1),
    ("get_output", 5),
    ("compute_single", 1),
    ("get_output_single", 5),
    ("fini_single", 1),
    ("unload", 1),
    ("finalize_execution_context", 1),
];

/// The guest's text: imports wrapped (called from wasm, as a real guest calls them), plus a
/// memory (or none).
fn wat(with_memory: bool) -> String {
    let mut imports = String::new();
    let mut wrappers = String::new();
    for (name, n) in FUNCS {
        let params = vec!["i32"; *n].join(" ");
        let gets: String = (0..*n).map(|i| format!("(local.get {i})")).collect();
        imports += &format!(
            "  (import \"wasi_ephemeral_nn\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        );
        wrappers += &format!(
            "  (func (export \"{name}\") (param {params}) (result i32) (call ${name} {gets}))\n"
        );
    }
    let memory = if with_memory {
        "  (memory (export \"memory\") 256)\n"
    } else {
        ""
    };
    format!("(module\n{imports}{wrappers}{memory})")
}

/// A guest instance with the WASI-NN plugin (registered statically).
pub struct Nn {
    /// The store.
    pub store: Store<()>,
    instance: Instance,
    top: u32,
}

impl Nn {
    /// A new guest (with or without an exported memory).
    pub fn new(with_memory: bool) -> Nn {
        let engine = Engine::default();
        let module = Module::new(&engine, wat(with_memory)).unwrap();
        let mut set = PluginSet::new();
        // SAFETY: the descriptor is built by the SDK and lives for the process.
        set.add(unsafe { Plugin::from_static(wedge_nn::descriptor()) }.unwrap())
            .unwrap();
        let mut linker = Linker::new(&engine);
        set.add_to_linker(&mut linker).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Nn {
            store,
            instance,
            top: 1024,
        }
    }

    /// Calls a function; its errno.
    pub fn call(&mut self, name: &str, args: &[u32]) -> Result<i32, wedge::Error> {
        let f = self.instance.get_func(&self.store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|a| Val::I32(*a as i32)).collect();
        let mut out = [Val::I32(-1)];
        f.call(&mut self.store, &args, &mut out)?;
        Ok(out[0].i32().unwrap())
    }

    /// Calls a function that must not trap; its errno.
    pub fn errno(&mut self, name: &str, args: &[u32]) -> i32 {
        self.call(name, args).unwrap()
    }

    /// Copies bytes into guest memory; their address (8-aligned).
    pub fn put(&mut self, bytes: &[u8]) -> u32 {
        let at = self.top;
        let mem = self.instance.get_memory(&self.store, "memory").unwrap();
        mem.data_mut(&mut self.store)[at as usize..at as usize + bytes.len()]
            .copy_from_slice(bytes);
        self.top = (at + bytes.len() as u32 + 7) & !7;
        at
    }

    /// Reserves `n` zeroed bytes; their address.
    pub fn alloc(&mut self, n: usize) -> u32 {
        self.put(&vec![0; n])
    }

    /// Reads bytes from guest memory.
    pub fn read(&self, at: u32, n: usize) -> Vec<u8> {
        let mem = self.instance.get_memory(&self.store, "memory").unwrap();
        mem.data(&self.store)[at as usize..at as usize + n].to_vec()
    }

    /// Reads a u32.
    pub fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.read(at, 4).try_into().unwrap())
    }

    /// The memory size in bytes.
    pub fn memory_len(&self) -> u32 {
        let mem = self.instance.get_memory(&self.store, "memory").unwrap();
        mem.data(&self.store).len() as u32
    }

    /// `load` of one builder: (errno, graph id).
    pub fn load(&mut self, model: &[u8], encoding: u32, target: u32) -> (i32, u32) {
        let m = self.put(model);
        let pair = [m.to_le_bytes(), (model.len() as u32).to_le_bytes()].concat();
        let builders = self.put(&pair);
        let out = self.alloc(4);
        let e = self.errno("load", &[builders, 1, encoding, target, out]);
        (e, self.u32_at(out))
    }

    /// `init_execution_context`: (errno, context id).
    pub fn init(&mut self, graph: u32) -> (i32, u32) {
        let out = self.alloc(4);
        let e = self.errno("init_execution_context", &[graph, out]);
        (e, self.u32_at(out))
    }

    /// Places a tensor struct; its address.
    pub fn tensor(&mut self, dims: &[u32], ty: u32, data: &[u8]) -> u32 {
        let d: Vec<u8> = dims.iter().flat_map(|x| x.to_le_bytes()).collect();
        let dims_ptr = self.put(&d);
        let data_ptr = self.put(data);
        let t = [dims_ptr, dims.len() as u32, ty, data_ptr, data.len() as u32];
        let bytes: Vec<u8> = t.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.put(&bytes)
    }

    /// `set_input` of an f32 tensor.
    pub fn set_f32(&mut self, ctx: u32, index: u32, dims: &[usize], data: &[f32]) -> i32 {
        let dims: Vec<u32> = dims.iter().map(|d| *d as u32).collect();
        let t = self.tensor(&dims, 1, &crate::support::f32_bytes(data));
        self.errno("set_input", &[ctx, index, t])
    }

    /// `get_output` into a buffer of `cap` bytes: (errno, bytes).
    pub fn output(&mut self, ctx: u32, index: u32, cap: usize) -> (i32, Vec<u8>) {
        let buf = self.alloc(cap.max(1));
        let written = self.alloc(4);
        let e = self.errno("get_output", &[ctx, index, buf, cap as u32, written]);
        let n = self.u32_at(written) as usize;
        (e, self.read(buf, n))
    }
}
