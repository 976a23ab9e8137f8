// A static native hello for the start-up benchmark (the runc side).
#include <unistd.h>
int main(void) {
    static const char msg[] = "hello from wedge\n";
    write(1, msg, sizeof msg - 1);
    return 0;
}
