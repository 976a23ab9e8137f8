package dev.wedge;

/** What a WASI guest gets: arguments, environment, stdio and directories. Consumed by
 *  {@link Store#setWasi}. */
public final class WasiConfig {
    private long ptr = Native.wasiConfigNew();

    long take() {
        long p = live();
        ptr = 0;
        return p;
    }

    private long live() {
        if (ptr == 0) {
            throw new WasmException("the WASI config was already given to a store");
        }
        return ptr;
    }

    /** The arguments (the first is the program name). */
    public WasiConfig argv(String... argv) {
        Native.wasiConfigArgv(live(), argv);
        return this;
    }

    /** The environment, as parallel arrays of names and values. */
    public WasiConfig env(String[] names, String[] values) {
        if (names.length != values.length) {
            throw new WasmException("names and values differ in length");
        }
        Native.wasiConfigEnv(live(), names, values);
        return this;
    }

    /** The guest reads these bytes from stdin. */
    public WasiConfig stdin(byte[] bytes) {
        Native.wasiConfigStdinBytes(live(), bytes);
        return this;
    }

    /** The guest uses this process's stdin, stdout and stderr. */
    public WasiConfig inheritStdio() {
        Native.wasiConfigInheritStdio(live());
        return this;
    }

    /** Keeps what the guest writes to stdout and stderr ({@link Store#capturedStdout}). */
    public WasiConfig captureOutput() {
        Native.wasiConfigCapture(live());
        return this;
    }

    /** Gives the guest the host directory {@code host} as {@code guest}; nothing outside it
     *  is reachable, and {@code readOnly} withholds every right that changes files. */
    public WasiConfig preopenDir(String host, String guest, boolean readOnly) {
        if (!Native.wasiConfigPreopen(live(), host, guest, readOnly)) {
            throw new WasmException("cannot preopen " + host);
        }
        return this;
    }
}
