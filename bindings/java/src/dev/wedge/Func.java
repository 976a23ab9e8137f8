package dev.wedge;

/** A function in a store: a wasm export or a Java host function. */
public final class Func {
    final long ptr;
    final Store store;
    private final FuncType type;
    private final int[] params;
    private final int[] results;

    Func(long ptr, Store store) {
        this.ptr = ptr;
        this.store = store;
        this.params = Native.funcType(ptr, false);
        this.results = Native.funcType(ptr, true);
        ValType[] p = new ValType[params.length];
        ValType[] r = new ValType[results.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = ValType.of(params[i]);
        }
        for (int i = 0; i < r.length; i++) {
            r[i] = ValType.of(results[i]);
        }
        this.type = new FuncType(p, r);
    }

    /** A Java host function in {@code store}. */
    public Func(Store store, FuncType type, HostFunction fn) {
        this(Native.funcNewHost(store.live(), ValType.codes(type.params()), ValType.codes(type.results()), fn, store),
                store);
        long p = ptr;
        store.own(() -> Native.externDelete(Native.funcAsExtern(p)));
    }

    /** The function's signature. */
    public FuncType type() {
        return type;
    }

    /**
     * Calls the function with boxed arguments (Integer, Long, Float, Double; other numbers
     * are converted when they fit); returns one boxed value per result. Wrong arguments
     * throw a WasmException, a trap a {@link Trap}.
     */
    public Object[] call(Object... args) {
        store.live();
        if (args.length != params.length) {
            throw new WasmException("the function takes " + params.length + " arguments, got " + args.length);
        }
        return Native.funcCall(ptr, params, results, args);
    }

    /** Calls a function with one result and returns it. */
    public Object call1(Object... args) {
        Object[] r = call(args);
        if (r.length != 1) {
            throw new WasmException("the function has " + r.length + " results");
        }
        return r[0];
    }
}
