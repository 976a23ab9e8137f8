package dev.wedge;

import java.nio.ByteBuffer;

/** A linear memory. */
public final class Memory {
    final long ptr;
    final Store store;
    /** The host call the memory was found in ({@link Caller#getMemory}), or null. */
    private final Caller scope;

    Memory(long ptr, Store store) {
        this(ptr, store, null);
    }

    Memory(long ptr, Store store, Caller scope) {
        this.ptr = ptr;
        this.store = store;
        this.scope = scope;
    }

    private void live() {
        store.live();
        if (scope != null && !scope.live()) {
            throw new WasmException("a Memory from a Caller was used after its host function returned");
        }
    }

    /** A direct ByteBuffer onto the memory's bytes (no copy), valid while the store is
     *  open; take it again after growth to see the new pages. */
    public ByteBuffer buffer() {
        live();
        return Native.memoryBuffer(ptr);
    }

    /** Size in pages. */
    public int size() {
        live();
        return Native.memorySize(ptr);
    }

    /** Grows by {@code delta} pages; throws if the maximum or a limit forbids it. */
    public void grow(int delta) {
        live();
        if (!Native.memoryGrow(ptr, delta)) {
            throw new WasmException("the memory cannot grow by " + delta + " pages");
        }
    }
}
