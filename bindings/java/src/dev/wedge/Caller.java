package dev.wedge;

/** What a host function sees of the calling instance; valid only during the call. */
public final class Caller {
    private long ptr; // cleared by native code when the host function returns
    private final Store store;

    Caller(long ptr, Store store) {
        this.ptr = ptr;
        this.store = store;
    }

    /** The store the call runs in. */
    public Store store() {
        return store;
    }

    /** The calling instance's exported memory {@code name}, or null; valid during the call. */
    public Memory getMemory(String name) {
        if (ptr == 0) {
            throw new WasmException("the Caller was used after its host function returned");
        }
        long ext = Native.callerExport(ptr, name);
        if (ext == 0 || Native.externKind(ext) != 3) {
            return null;
        }
        return new Memory(Native.externAs(ext, 3), store, this);
    }

    /** Whether the host function this caller belongs to is still running. */
    boolean live() {
        return ptr != 0;
    }
}
