package dev.wedge;

/** An error from Wedge: an invalid module, a failed link, wrong arguments, a closed store. */
public class WasmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WasmException(String message) {
        super(message);
    }

    public WasmException(String message, Throwable cause) {
        super(message, cause);
    }
}
