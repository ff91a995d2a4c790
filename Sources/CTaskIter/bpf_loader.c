#include "bpf_loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

static __thread char last_message[256];

static int capture(enum libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_WARN) vsnprintf(last_message, sizeof last_message, format, args);
    return 0;
}

void isotrace_libbpf_begin(void) {
    last_message[0] = 0;
    libbpf_set_print(capture);
}

void isotrace_libbpf_fail(char *error, size_t size, const char *what, int code) {
    size_t n = strlen(last_message);
    while (n > 0 && last_message[n - 1] == '\n') last_message[--n] = 0;
    snprintf(error, size, "%s: %s%s%s", what, strerror(code < 0 ? -code : code), n ? "; libbpf: " : "", last_message);
}

struct bpf_object *isotrace_bpf_open(const unsigned char *object, size_t length) {
    LIBBPF_OPTS(bpf_object_open_opts, options, .btf_custom_path = "/sys/kernel/btf/vmlinux");
    return bpf_object__open_mem(object, length, &options);
}
