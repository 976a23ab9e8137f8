package dev.wedge;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Resolves imports by module and name: Java host functions (made in each store that
 *  instantiates), objects of a store, and WASI. */
public final class Linker {
    private record HostDef(FuncType type, HostFunction fn) {}

    private final Map<String, Object> defs = new HashMap<>();
    private boolean wasi;

    public Linker(Engine engine) {}

    private static String key(String module, String name) {
        return module + "\u0000" + name;
    }

    private void put(String module, String name, Object def) {
        if (defs.putIfAbsent(key(module, name), def) != null) {
            throw new WasmException(module + "::" + name + " is already defined");
        }
    }

    /** Defines {@code module.name} as a Java host function. */
    public Linker defineFunc(String module, String name, FuncType type, HostFunction fn) {
        put(module, name, new HostDef(type, fn));
        return this;
    }

    /** Defines {@code module.name} as a Func, Memory or Global of a store. */
    public Linker define(String module, String name, Object item) {
        if (!(item instanceof Func || item instanceof Memory || item instanceof Global)) {
            throw new WasmException("cannot define a " + item);
        }
        put(module, name, item);
        return this;
    }

    /** Resolves wasi_snapshot_preview1 imports with the store's WASI ({@link Store#setWasi}). */
    public Linker defineWasi() {
        wasi = true;
        return this;
    }

    static long extern(Store store, Object item) {
        if (item instanceof Func f && f.store == store) {
            return Native.funcAsExtern(f.ptr);
        } else if (item instanceof Memory m && m.store == store) {
            return Native.memoryAsExtern(m.ptr);
        } else if (item instanceof Global g && g.store == store) {
            return Native.globalAsExtern(g.ptr);
        }
        throw new WasmException("cannot import " + item + " (not a Func, Memory or Global of this store)");
    }

    static long[] externs(Store store, Object[] items) {
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = extern(store, items[i]);
        }
        return out;
    }

    /** Instantiates {@code module} in {@code store}, running its start function. */
    public Instance instantiate(Store store, Module module) {
        List<Module.Import> imports = module.imports();
        long[] externs = new long[imports.size()];
        for (int i = 0; i < externs.length; i++) {
            Module.Import imp = imports.get(i);
            Object def = defs.get(key(imp.module(), imp.name()));
            if (def instanceof HostDef h) {
                externs[i] = Native.funcAsExtern(new Func(store, h.type(), h.fn()).ptr);
            } else if (def != null) {
                externs[i] = extern(store, def);
            } else {
                long ext = wasi ? Native.wasiBindImport(store.live(), module.ptr, i) : 0;
                if (ext == 0) {
                    throw new WasmException("unknown import " + imp.module() + "::" + imp.name());
                }
                store.own(() -> Native.externDelete(ext));
                externs[i] = ext;
            }
        }
        return new Instance(Instance.make(store, module, externs), store);
    }
}
