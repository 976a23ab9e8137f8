package dev.wedge;

/** Compiles and runs modules; may be shared by threads. Close it after its stores and modules. */
public final class Engine implements AutoCloseable {
    long ptr;

    /** An engine with the default configuration. */
    public Engine() {
        this(new Config());
    }

    /** An engine with {@code config} (consumed). */
    public Engine(Config config) {
        if (config.ptr == 0) {
            throw new WasmException("the config was already used by an engine");
        }
        ptr = Native.engineNew(config.ptr);
        config.ptr = 0;
    }

    /** Whether modules of this engine run as native code. */
    public boolean compiles() {
        return Native.engineCompiles(ptr);
    }

    @Override
    public void close() {
        if (ptr != 0) {
            Native.engineDelete(ptr);
            ptr = 0;
        }
    }
}
