// The pod sandbox's process for the CRI test (what Kubernetes' pause image does): wait
// for a signal, and end on SIGTERM or SIGINT.
#include <signal.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
int main(void) {
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    for (;;) pause();
}
