package dev.wedge;

/** A Java function called by wasm; it returns one boxed value per result. Throwing traps
 *  the wasm call, and the caller of {@link Func#call} gets a {@link Trap} caused by it. */
@FunctionalInterface
public interface HostFunction {
    Object[] call(Caller caller, Object[] args) throws Exception;
}
