/* Preview1 cases where runtimes have differed from the WASI test suite, through wasi-libc:
 * open(O_CREAT|O_TRUNC|O_WRONLY|O_APPEND) must work and pwrite must not move the offset;
 * a directory opens for reading but not for writing (EISDIR). Run with the directory to
 * work in preopened as /data; prints "preview1: ok". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            printf("FAIL line %d: %s (errno %d: %s)\n", __LINE__, #cond, errno,          \
                   strerror(errno));                                                     \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char buf[8] = "abcdefg";
    int fd = open("/data/append.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, buf, 2) == 2);
    /* O_APPEND: writes go to the end wherever the offset was. */
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, buf, 2) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(pwrite(fd, buf, 3, 0) == 3);
    /* pwrite leaves the offset alone (where it writes with O_APPEND differs: POSIX says at
     * the offset, Linux at the end). */
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    off_t end = lseek(fd, 0, SEEK_END);
    CHECK(end == 4 || end == 7);
    CHECK(close(fd) == 0);
    /* Truncation happened: opening again with O_TRUNC empties the file. */
    fd = open("/data/append.txt", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK(close(fd) == 0);

    CHECK(mkdir("/data/dir", 0755) == 0);
    errno = 0;
    CHECK(open("/data/dir", O_RDWR | O_DIRECTORY) < 0 && errno == EISDIR);
    errno = 0;
    CHECK(open("/data/dir", O_WRONLY) < 0 && errno == EISDIR);
    fd = open("/data/dir", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK(close(fd) == 0);
    printf("preview1: ok\n");
    return 0;
}
