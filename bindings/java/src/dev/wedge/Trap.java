package dev.wedge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * WebAssembly execution stopped: a trap, a WASI exit ({@link #exitCode}), or an exception
 * thrown by a Java host function (then the {@link #getCause cause}).
 */
public final class Trap extends WasmException {
    private static final long serialVersionUID = 1L;

    /** One wasm frame of the backtrace. */
    public record Frame(int funcIndex, String funcName, String moduleName) {}

    private final String trapMessage;
    private final List<Frame> frames;
    private final Integer exitCode;
    private final boolean gasExhausted;
    private final boolean interrupted;

    // Called from native code.
    Trap(String message, String description, int[] indices, String[] names, String[] modules,
            boolean exited, int exitCode, boolean gas, boolean interrupted, Throwable cause) {
        super(description, cause);
        this.trapMessage = message;
        List<Frame> list = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            list.add(new Frame(indices[i], names[i], modules[i]));
        }
        this.frames = Collections.unmodifiableList(list);
        this.exitCode = exited ? exitCode : null;
        this.gasExhausted = gas;
        this.interrupted = interrupted;
    }

    /** The trap's message without the backtrace. */
    public String trapMessage() {
        return trapMessage;
    }

    /** The wasm backtrace, innermost first. */
    public List<Frame> frames() {
        return frames;
    }

    /** The status a WASI guest exited with, or null. */
    public Integer exitCode() {
        return exitCode;
    }

    /** Whether the store ran out of gas. */
    public boolean gasExhausted() {
        return gasExhausted;
    }

    /** Whether a time limit or an interrupt stopped the call. */
    public boolean interrupted() {
        return interrupted;
    }
}
