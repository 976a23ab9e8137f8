package dev.wedge;

/** The JNI functions of libwedge_jni (native/wedge_jni.c); handles are C pointers. */
final class Native {
    private Native() {}

    static {
        String path = System.getProperty("wedge.jni.path");
        if (path != null) {
            System.load(path);
        } else {
            System.loadLibrary("wedge_jni");
        }
    }

    static native long configNew();
    static native void configDelete(long config);
    static native void configStrategy(long config, int strategy);
    static native void configMetering(long config, boolean on);
    static native void configInterruptible(long config, boolean on);
    static native boolean configFeature(long config, String name, boolean on);
    static native String configCostTable(long config, String text);

    static native long engineNew(long config);
    static native void engineDelete(long engine);
    static native boolean engineCompiles(long engine);

    static native long storeNew(long engine);
    static native void storeDelete(long store);
    static native void storeSetGasLimit(long store, long limit);
    static native long storeGasUsed(long store);
    static native void storeSetTimeLimit(long store, long millis);
    static native void storeSetLimits(long store, long pages, long bytes, long elements);
    static native long storeInterruptHandle(long store);
    static native void interruptHandleInterrupt(long handle);
    static native void interruptHandleDelete(long handle);
    static native String storeSetWasi(long store, long wasiConfig);
    static native byte[] storeCaptured(long store, boolean stderr);

    static native long moduleNew(long engine, byte[] bytes);
    static native void moduleDelete(long module);
    static native String[] moduleImports(long module);
    static native String[] moduleExports(long module);
    static native byte[] moduleSerialize(long module);

    static native long funcNewHost(long store, int[] params, int[] results, HostFunction fn, Store owner);
    static native int[] funcType(long func, boolean results);
    static native Object[] funcCall(long func, int[] params, int[] results, Object[] args);
    static native long funcAsExtern(long func);

    static native long instanceNew(long store, long module, long[] externs);
    static native void instanceDelete(long instance);
    static native long instanceExport(long instance, String name);
    static native long callerExport(long caller, String name);
    static native int externKind(long ext);
    static native long externAs(long ext, int kind);
    static native void externDelete(long ext);
    static native long wasiBindImport(long store, long module, int index);

    static native java.nio.ByteBuffer memoryBuffer(long memory);
    static native int memorySize(long memory);
    static native boolean memoryGrow(long memory, int delta);
    static native long memoryAsExtern(long memory);

    static native long globalNew(long store, int kind, boolean mutable, Object value);
    static native Object globalGet(long global);
    static native boolean globalSet(long global, Object value);
    static native long globalAsExtern(long global);
    static native void globalDelete(long global);

    static native long wasiConfigNew();
    static native void wasiConfigDelete(long config);
    static native void wasiConfigArgv(long config, String[] argv);
    static native void wasiConfigEnv(long config, String[] names, String[] values);
    static native void wasiConfigStdinBytes(long config, byte[] bytes);
    static native void wasiConfigInheritStdio(long config);
    static native void wasiConfigCapture(long config);
    static native boolean wasiConfigPreopen(long config, String host, String guest, boolean readOnly);
}
