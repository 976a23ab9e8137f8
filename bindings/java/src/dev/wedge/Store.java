package dev.wedge;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds instances and their functions, memories and globals, and the WASI state. Use it from
 * one thread at a time; close it to free it and everything made in it.
 */
public final class Store implements AutoCloseable {
    long ptr;
    private final List<Runnable> owned = new ArrayList<>();

    public Store(Engine engine) {
        ptr = Native.storeNew(engine.ptr);
    }

    long live() {
        if (ptr == 0) {
            throw new WasmException("the store is closed");
        }
        return ptr;
    }

    void own(Runnable free) {
        owned.add(free);
    }

    /** Gives the store's guests a WASI configuration (consumed). */
    public void setWasi(WasiConfig config) {
        String error = Native.storeSetWasi(live(), config.take());
        if (error != null) {
            throw new WasmException(error);
        }
    }

    /** What guests wrote so far to a captured stdout. */
    public byte[] capturedStdout() {
        return Native.storeCaptured(live(), false);
    }

    /** What guests wrote so far to a captured stderr. */
    public byte[] capturedStderr() {
        return Native.storeCaptured(live(), true);
    }

    /** Total gas the store may use (-1: unlimited); needs {@link Config#metering}. */
    public void setGasLimit(long limit) {
        Native.storeSetGasLimit(live(), limit);
    }

    /** Gas used so far. */
    public long gasUsed() {
        return Native.storeGasUsed(live());
    }

    /** Every later call into wasm traps after {@code millis} ms (0: none); needs
     *  {@link Config#interruptible}. */
    public void setTimeLimit(long millis) {
        Native.storeSetTimeLimit(live(), millis);
    }

    /** Caps on growth (-1: none): pages per memory, bytes of all memories, table elements. */
    public void setLimits(long memoryPages, long memoryBytes, long tableElements) {
        Native.storeSetLimits(live(), memoryPages, memoryBytes, tableElements);
    }

    /** Interrupts this store's running (or next) wasm call; safe from any thread. */
    public Runnable interruptHandle() {
        long h = Native.storeInterruptHandle(live());
        own(() -> Native.interruptHandleDelete(h));
        return () -> Native.interruptHandleInterrupt(h);
    }

    @Override
    public void close() {
        if (ptr == 0) {
            return;
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).run();
        }
        owned.clear();
        Native.storeDelete(ptr);
        ptr = 0;
    }
}
