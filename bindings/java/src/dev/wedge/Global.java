package dev.wedge;

/** A global variable. */
public final class Global {
    final long ptr;
    final Store store;

    Global(long ptr, Store store) {
        this.ptr = ptr;
        this.store = store;
    }

    /** A new global of {@code type} holding {@code value}, for a module to import. */
    public Global(Store store, ValType type, boolean mutable, Object value) {
        this(Native.globalNew(store.live(), type.code, mutable, value), store);
        long p = ptr;
        store.own(() -> Native.globalDelete(p));
    }

    /** The value, boxed. */
    public Object get() {
        store.live();
        return Native.globalGet(ptr);
    }

    /** Sets the value; throws for a constant global or a value of another type. */
    public void set(Object value) {
        store.live();
        if (!Native.globalSet(ptr, value)) {
            throw new WasmException("the global is constant or of another type");
        }
    }
}
