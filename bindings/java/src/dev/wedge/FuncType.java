package dev.wedge;

import java.util.Arrays;

/** A function signature. */
public record FuncType(ValType[] params, ValType[] results) {
    /** A signature from parameter and result types. */
    public static FuncType of(ValType[] params, ValType... results) {
        return new FuncType(params.clone(), results.clone());
    }

    @Override
    public String toString() {
        return Arrays.toString(params) + " -> " + Arrays.toString(results);
    }
}
