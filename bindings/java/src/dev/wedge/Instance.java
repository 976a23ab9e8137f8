package dev.wedge;

/** An instantiated module in a store. */
public final class Instance {
    final long ptr;
    final Store store;

    Instance(long ptr, Store store) {
        this.ptr = ptr;
        this.store = store;
    }

    /** Instantiates {@code module} with one Func, Memory or Global per import, in order. */
    public Instance(Store store, Module module, Object... imports) {
        this(make(store, module, Linker.externs(store, imports)), store);
    }

    static long make(Store store, Module module, long[] externs) {
        long p = Native.instanceNew(store.live(), module.ptr, externs);
        store.own(() -> Native.instanceDelete(p));
        return p;
    }

    private long find(String name, int kind) {
        store.live();
        long ext = Native.instanceExport(ptr, name);
        if (ext == 0) {
            return 0;
        }
        store.own(() -> Native.externDelete(ext));
        return Native.externKind(ext) == kind ? Native.externAs(ext, kind) : 0;
    }

    /** The exported function {@code name}, or null. */
    public Func getFunc(String name) {
        long f = find(name, 0);
        return f == 0 ? null : new Func(f, store);
    }

    /** The exported memory {@code name}, or null. */
    public Memory getMemory(String name) {
        long m = find(name, 3);
        return m == 0 ? null : new Memory(m, store);
    }

    /** The exported global {@code name}, or null. */
    public Global getGlobal(String name) {
        long g = find(name, 1);
        return g == 0 ? null : new Global(g, store);
    }
}
