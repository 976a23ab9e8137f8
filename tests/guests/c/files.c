/* A C program using WASI through wasi-libc the way ordinary POSIX code does: stdio files,
 * directories, stat, links, renames, environment, clocks and sleeping. Run with the
 * directory to work in preopened as /data; prints a transcript the host test compares. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fail(const char *what) {
    fprintf(stderr, "FAIL %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    printf("argc=%d argv[1]=%s\n", argc, argc > 1 ? argv[1] : "(none)");
    const char *name = getenv("NAME");
    printf("NAME=%s\n", name ? name : "(unset)");
    printf("isatty(1)=%d\n", isatty(1));

    if (mkdir("/data/dir", 0755) != 0) fail("mkdir");
    FILE *f = fopen("/data/dir/a.txt", "w");
    if (!f) fail("fopen w");
    for (int i = 0; i < 3; i++) fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen("/data/dir/a.txt", "a");
    fputs("appended\n", f);
    fclose(f);

    char buf[128] = {0};
    f = fopen("/data/dir/a.txt", "r");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    printf("read %zu bytes:\n%s", n, buf);

    struct stat st;
    if (stat("/data/dir/a.txt", &st) != 0) fail("stat");
    printf("size=%lld regular=%d recent=%d\n", (long long)st.st_size, S_ISREG(st.st_mode),
           st.st_mtim.tv_sec > 1700000000);

    if (symlink("a.txt", "/data/dir/link") != 0) fail("symlink");
    char target[64] = {0};
    ssize_t len = readlink("/data/dir/link", target, sizeof target - 1);
    printf("readlink=%.*s\n", (int)len, target);
    if (rename("/data/dir/a.txt", "/data/dir/b.txt") != 0) fail("rename");
    printf("link dangling after rename: %d\n", access("/data/dir/link", F_OK) != 0);
    if (link("/data/dir/b.txt", "/data/dir/c.txt") != 0) fail("link");
    if (stat("/data/dir/c.txt", &st) != 0) fail("stat c");
    printf("nlink=%lu\n", (unsigned long)st.st_nlink);

    DIR *d = opendir("/data/dir");
    if (!d) fail("opendir");
    char *names[16];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 16) names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, count, sizeof names[0], cmp);
    printf("entries:");
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");

    errno = 0;
    printf("open ../escape: %s\n", open("/data/../etc/passwd", O_RDONLY) < 0 ? strerror(errno) : "opened");
    printf("open missing: %s\n", fopen("/data/missing", "r") ? "opened" : strerror(errno));

    struct timespec t0, t1, cpu;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("slept >= 20ms: %d\n", ms >= 20);
    printf("cpu clock: %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0);

    unlink("/data/dir/link");
    unlink("/data/dir/b.txt");
    unlink("/data/dir/c.txt");
    if (rmdir("/data/dir") != 0) fail("rmdir");
    printf("cleaned up: %d\n", access("/data/dir", F_OK) != 0);
    if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
    return argc > 1 ? atoi(argv[1]) : 0;
}
