package dev.wedge;

/** Engine settings; consumed by {@code new Engine(config)}. */
public final class Config {
    /** How an engine runs wasm. */
    public enum Strategy { AUTO, INTERPRETER, COMPILER, TIERED }

    long ptr = Native.configNew();

    private long live() {
        if (ptr == 0) {
            throw new WasmException("the config was already used by an engine");
        }
        return ptr;
    }

    /** Chooses the tier. */
    public Config strategy(Strategy s) {
        Native.configStrategy(live(), s.ordinal());
        return this;
    }

    /** Gas metering and instruction counting ({@link Store#setGasLimit}). */
    public Config metering(boolean on) {
        Native.configMetering(live(), on);
        return this;
    }

    /** Lets time limits and interrupts stop running wasm. */
    public Config interruptible(boolean on) {
        Native.configInterruptible(live(), on);
        return this;
    }

    /** Turns a WebAssembly feature ("simd", "gc", ...) on or off. */
    public Config wasmFeature(String name, boolean on) {
        if (!Native.configFeature(live(), name, on)) {
            throw new WasmException("unknown feature " + name);
        }
        return this;
    }

    /** Gas per operator: "i32.add 3", "default 1" lines. */
    public Config costTable(String text) {
        String error = Native.configCostTable(live(), text);
        if (error != null) {
            throw new WasmException(error);
        }
        return this;
    }
}
