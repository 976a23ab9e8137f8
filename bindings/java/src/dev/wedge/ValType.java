package dev.wedge;

/** The type of a value, numbered as in wasm.h; Java sees i32 as Integer, i64 as Long, f32 as
 *  Float, f64 as Double. */
public enum ValType {
    I32(0), I64(1), F32(2), F64(3);

    final int code;

    ValType(int code) {
        this.code = code;
    }

    static ValType of(int code) {
        for (ValType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new WasmException("values of wasm kind " + code + " are not supported in Java");
    }

    static int[] codes(ValType[] types) {
        int[] out = new int[types.length];
        for (int i = 0; i < types.length; i++) {
            out[i] = types[i].code;
        }
        return out;
    }
}
