// The container test guest (wasm32-wasi). Its first argument picks what it does:
//   (none)      print a greeting, the other arguments, $GREETING and whether /app.wasm is
//               visible in the container's filesystem; exit 0
//   exit N      print "exiting N" and exit with code N
//   spin        print "spinning" and loop forever (for SIGTERM / SIGKILL)
//   sleep       print "sleeping" and sleep in the host for an hour (a blocked host call)
//   trap        execute `unreachable`
//   write PATH  write "written by wedge" to PATH and read it back
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long counter;

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "exit") == 0 && argc > 2) {
        printf("exiting %s\n", argv[2]);
        fflush(stdout);
        return atoi(argv[2]);
    }
    if (strcmp(what, "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        for (;;) counter++;
    }
    if (strcmp(what, "sleep") == 0) {
        printf("sleeping\n");
        fflush(stdout);
        sleep(3600);
        return 0;
    }
    if (strcmp(what, "trap") == 0) {
        __builtin_trap();
    }
    if (strcmp(what, "write") == 0 && argc > 2) {
        FILE *f = fopen(argv[2], "w");
        if (!f) { perror(argv[2]); return 3; }
        fputs("written by wedge\n", f);
        fclose(f);
        char line[64] = {0};
        f = fopen(argv[2], "r");
        if (!f || !fgets(line, sizeof line, f)) { perror(argv[2]); return 4; }
        printf("read back: %s", line);
        return 0;
    }
    printf("hello from wedge\n");
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    printf("/app.wasm %s\n", access("/app.wasm", R_OK) == 0 ? "is visible" : "is missing");
    return 0;
}
