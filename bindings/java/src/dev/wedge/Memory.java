package dev.wedge;

import java.nio.ByteBuffer;

/** A linear memory. */
public final class Memory {
    final long ptr;
    final Store store;

    Memory(long ptr, Store store) {
        this.ptr = ptr;
        this.store = store;
    }

    /** A direct ByteBuffer onto the memory's bytes (no copy), valid while the store is
     *  open; take it again after growth to see the new pages. */
    public ByteBuffer buffer() {
        store.live();
        return Native.memoryBuffer(ptr);
    }

    /** Size in pages. */
    public int size() {
        store.live();
        return Native.memorySize(ptr);
    }

    /** Grows by {@code delta} pages; throws if the maximum or a limit forbids it. */
    public void grow(int delta) {
        store.live();
        if (!Native.memoryGrow(ptr, delta)) {
            throw new WasmException("the memory cannot grow by " + delta + " pages");
        }
    }
}
