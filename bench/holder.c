// holder: what every benchmark process execs into. It names itself after argv[0] (so `comm`
// varies like on a real node), tells nodeshape it is ready by writing one byte to fd 3, and
// waits until it is killed. Linked statically so 10,000 of them cost little memory.
#define _GNU_SOURCE
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argc;
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    prctl(PR_SET_NAME, name, 0, 0, 0);
    char ready = 'r';
    if (write(3, &ready, 1) != 1) return 1;
    close(3);
    for (;;) pause();
}
