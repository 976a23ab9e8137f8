package dev.wedge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A compiled module; may be shared by threads. */
public final class Module implements AutoCloseable {
    /** One import: module, name and kind ("func", "memory", "global", "table", "tag"). */
    public record Import(String module, String name, String kind) {}

    /** One export: name and kind. */
    public record Export(String name, String kind) {}

    long ptr;

    /** Compiles a binary module (or text in UTF-8); bad bytes throw a WasmException. */
    public Module(Engine engine, byte[] wasm) {
        ptr = Native.moduleNew(engine.ptr, wasm);
    }

    /** Compiles a module from WebAssembly text. */
    public static Module fromWat(Engine engine, String wat) {
        return new Module(engine, wat.getBytes(StandardCharsets.UTF_8));
    }

    /** What the module imports, in order. */
    public List<Import> imports() {
        String[] flat = Native.moduleImports(ptr);
        List<Import> out = new ArrayList<>();
        for (int i = 0; i < flat.length; i += 3) {
            out.add(new Import(flat[i], flat[i + 1], flat[i + 2]));
        }
        return out;
    }

    /** What the module exports, in order. */
    public List<Export> exports() {
        String[] flat = Native.moduleExports(ptr);
        List<Export> out = new ArrayList<>();
        for (int i = 0; i < flat.length; i += 2) {
            out.add(new Export(flat[i], flat[i + 1]));
        }
        return out;
    }

    /** The module as an AOT file (binary plus native code); needs a compiling engine. */
    public byte[] serialize() {
        return Native.moduleSerialize(ptr);
    }

    @Override
    public void close() {
        if (ptr != 0) {
            Native.moduleDelete(ptr);
            ptr = 0;
        }
    }
}
