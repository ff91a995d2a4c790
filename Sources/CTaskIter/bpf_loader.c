#define _GNU_SOURCE
#include "bpf_loader.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
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

// ---- The kernel types an object relocates, in a BTF of their own ----

static int compare_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/// The names of the object's structs, unions, typedefs and enums without their "___flavour"
/// suffix, sorted (the types its CO-RE relocations can start from are among them). NULL when
/// the object has no BTF. The strings are the object BTF's; the array is the caller's to free.
static const char **local_type_names(const struct btf *local, size_t *count, char **storage) {
    size_t n = btf__type_cnt(local), used = 0, bytes = 0;
    const char **names = calloc(n, sizeof *names);
    if (!names) return NULL;
    for (size_t id = 1; id < n; id++) {
        const struct btf_type *t = btf__type_by_id(local, (__u32)id);
        if (!btf_is_composite(t) && !btf_is_typedef(t) && !btf_is_any_enum(t) && !btf_is_fwd(t)) continue;
        const char *name = btf__name_by_offset(local, t->name_off);
        if (!name || !name[0]) continue;
        names[used++] = name;
        bytes += strlen(name) + 1;
    }
    // Flavours ("cred___pre63") match the kernel type without the suffix: keep a stripped copy.
    char *copy = malloc(bytes ? bytes : 1), *next = copy;
    if (!copy) { free(names); return NULL; }
    for (size_t i = 0; i < used; i++) {
        size_t length = strlen(names[i]);
        const char *flavour = strstr(names[i], "___");
        if (flavour && flavour != names[i]) length = (size_t)(flavour - names[i]);
        memcpy(next, names[i], length);
        next[length] = 0;
        names[i] = next;
        next += length + 1;
    }
    qsort(names, used, sizeof *names, compare_names);
    *count = used;
    *storage = copy;
    return names;
}

/// vmlinux's BTF as the kernel exports it, mapped (kernels from 6.16 let /sys/kernel/btf/vmlinux
/// be mapped: no copy) or read, with the offset of every type. Only what copying types needs:
/// libbpf's own parse (btf__load_vmlinux_btf) copies the 5 MB twice more and indexes more.
struct kernel_btf {
    unsigned char *data;
    size_t size;
    int mapped;
    const unsigned char *types;  // the type section
    const char *strings;
    __u32 strings_size;
    __u32 *offsets;  // offsets[id] into `types`; id 0 is void
    __u32 count;
};

/// The bytes of type `t` including what follows its struct btf_type; 0 for an unknown kind.
static size_t type_bytes(const struct btf_type *t) {
    size_t base = sizeof(struct btf_type);
    switch (btf_kind(t)) {
    case BTF_KIND_INT: return base + sizeof(__u32);
    case BTF_KIND_ARRAY: return base + sizeof(struct btf_array);
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: return base + btf_vlen(t) * sizeof(struct btf_member);
    case BTF_KIND_ENUM: return base + btf_vlen(t) * sizeof(struct btf_enum);
    case BTF_KIND_ENUM64: return base + btf_vlen(t) * sizeof(struct btf_enum64);
    case BTF_KIND_FUNC_PROTO: return base + btf_vlen(t) * sizeof(struct btf_param);
    case BTF_KIND_VAR: return base + sizeof(struct btf_var);
    case BTF_KIND_DATASEC: return base + btf_vlen(t) * sizeof(struct btf_var_secinfo);
    case BTF_KIND_DECL_TAG: return base + sizeof(struct btf_decl_tag);
    case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
        return base;
    default: return 0;
    }
}

static void kernel_btf_close(struct kernel_btf *b) {
    if (b->data) {
        if (b->mapped) munmap(b->data, b->size);
        else free(b->data);
    }
    free(b->offsets);
    memset(b, 0, sizeof *b);
}

/// 0 when /sys/kernel/btf/vmlinux was read and its types indexed.
static int kernel_btf_open(struct kernel_btf *b) {
    memset(b, 0, sizeof *b);
    int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat status;
    if (fstat(fd, &status) != 0 || status.st_size < (off_t)sizeof(struct btf_header)) { close(fd); return -1; }
    b->size = (size_t)status.st_size;
    void *mapped = mmap(NULL, b->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (mapped != MAP_FAILED) {
        b->data = mapped;
        b->mapped = 1;
    } else {
        b->data = malloc(b->size);
        size_t used = 0;
        while (b->data && used < b->size) {
            ssize_t n = read(fd, b->data + used, b->size - used);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            used += (size_t)n;
        }
        if (!b->data || used != b->size) { close(fd); kernel_btf_close(b); return -1; }
    }
    close(fd);
    const struct btf_header *header = (const void *)b->data;
    if (header->magic != BTF_MAGIC || header->hdr_len < sizeof *header || header->hdr_len > b->size
        || header->type_off > b->size - header->hdr_len || header->type_len > b->size - header->hdr_len - header->type_off
        || header->str_off > b->size - header->hdr_len || header->str_len > b->size - header->hdr_len - header->str_off
        || header->str_len == 0) {
        kernel_btf_close(b);
        return -1;
    }
    b->types = b->data + header->hdr_len + header->type_off;
    b->strings = (const char *)b->data + header->hdr_len + header->str_off;
    b->strings_size = header->str_len;
    if (b->strings[b->strings_size - 1] != 0) { kernel_btf_close(b); return -1; }
    // Every type is at least a struct btf_type: that many offsets at most (calloc's pages are
    // touched only as far as they are used).
    b->offsets = calloc(header->type_len / sizeof(struct btf_type) + 1, sizeof *b->offsets);
    if (!b->offsets) { kernel_btf_close(b); return -1; }
    __u32 id = 1;
    for (size_t at = 0; at < header->type_len; id++) {
        if (header->type_len - at < sizeof(struct btf_type)) { kernel_btf_close(b); return -1; }
        size_t bytes = type_bytes((const struct btf_type *)(const void *)(b->types + at));
        if (bytes == 0 || bytes > header->type_len - at) { kernel_btf_close(b); return -1; }
        b->offsets[id] = (__u32)at;
        at += bytes;
    }
    b->count = id;
    return 0;
}

static const struct btf_type *kernel_type(const struct kernel_btf *b, __u32 id) {
    return id > 0 && id < b->count ? (const struct btf_type *)(const void *)(b->types + b->offsets[id]) : NULL;
}

static const char *kernel_name(const struct kernel_btf *b, __u32 offset) {
    return offset < b->strings_size ? b->strings + offset : "";
}

/// Copies type `id` of `from` (vmlinux) into `to` and returns its id there (negative on error).
/// Structures, unions, arrays, typedefs, integers, enums and floats are copied as they are, with
/// every member's name, offset and bitfield size; a pointer becomes a pointer to void, and
/// const/volatile/restrict/type tags are dropped. That keeps what libbpf's CO-RE matching reads
/// (names, offsets, sizes, member kinds, array lengths, enum values) and stops the copy at the
/// first pointer, so a task_struct brings a few hundred embedded types instead of all of
/// vmlinux. `copied[id]` remembers copies (id + 1, 0 for not yet).
static int copy_type(struct btf *to, const struct kernel_btf *from, __u32 id, int *copied, int depth) {
    if (id == 0) return 0;
    if (copied[id]) return copied[id] - 1;
    if (depth > 64) return -ELOOP;
    const struct btf_type *t = kernel_type(from, id);
    if (!t) return -EINVAL;
    const char *name = kernel_name(from, t->name_off);
    int result;
    switch (btf_kind(t)) {
    case BTF_KIND_INT:
        if (btf_int_offset(t) != 0 || btf_int_bits(t) != t->size * 8) return -EINVAL;
        result = btf__add_int(to, name, t->size, btf_int_encoding(t));
        break;
    case BTF_KIND_FLOAT:
        result = btf__add_float(to, name, t->size);
        break;
    case BTF_KIND_PTR:
        result = btf__add_ptr(to, 0);
        break;
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
        result = copy_type(to, from, t->type, copied, depth + 1);
        break;
    case BTF_KIND_TYPEDEF: {
        int target = copy_type(to, from, t->type, copied, depth + 1);
        if (target < 0) return target;
        result = btf__add_typedef(to, name, target);
        break;
    }
    case BTF_KIND_ARRAY: {
        const struct btf_array *array = btf_array(t);
        int element = copy_type(to, from, array->type, copied, depth + 1);
        if (element < 0) return element;
        int index = copy_type(to, from, array->index_type, copied, depth + 1);
        if (index < 0) return index;
        result = btf__add_array(to, index, element, array->nelems);
        break;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
        // Members' types first: a type's fields must directly follow it in `to`.
        const struct btf_member *member = btf_members(t);
        __u16 members = btf_vlen(t);
        for (__u16 i = 0; i < members; i++) {
            int field = copy_type(to, from, member[i].type, copied, depth + 1);
            if (field < 0) return field;
        }
        result = btf_is_struct(t) ? btf__add_struct(to, name, t->size) : btf__add_union(to, name, t->size);
        if (result < 0) return result;
        for (__u16 i = 0; i < members; i++) {
            int code = btf__add_field(to, kernel_name(from, member[i].name_off), copied[member[i].type] - 1,
                                      btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i));
            if (code < 0) return code;
        }
        break;
    }
    case BTF_KIND_ENUM: {
        result = btf__add_enum(to, name, t->size);
        const struct btf_enum *value = btf_enum(t);
        for (__u16 i = 0; result >= 0 && i < btf_vlen(t); i++) {
            int code = btf__add_enum_value(to, kernel_name(from, value[i].name_off), value[i].val);
            if (code < 0) return code;
        }
        break;
    }
    case BTF_KIND_ENUM64: {
        result = btf__add_enum64(to, name, t->size, btf_kflag(t));
        const struct btf_enum64 *value = btf_enum64(t);
        for (__u16 i = 0; result >= 0 && i < btf_vlen(t); i++) {
            int code = btf__add_enum64_value(to, kernel_name(from, value[i].name_off), btf_enum64_value(&value[i]));
            if (code < 0) return code;
        }
        break;
    }
    case BTF_KIND_FWD:
        result = btf__add_fwd(to, name, btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
        break;
    default:
        return -EINVAL;  // functions, variables, sections: not reachable from a structure's members
    }
    if (result < 0) return result;
    copied[id] = result + 1;
    return result;
}

/// The BTF name and kind of the kernel function or tracepoint a program attaches to, from its
/// section ("iter/task": FUNC bpf_iter_task; "tp_btf/sched_process_exec": TYPEDEF
/// btf_trace_sched_process_exec), as libbpf would look it up. 0 for another section.
static int attach_target(const char *section, char *name, size_t size, int *kind) {
    if (strncmp(section, "iter/", 5) == 0) {
        *kind = BTF_KIND_FUNC;
        return snprintf(name, size, "bpf_iter_%s", section + 5) < (int)size;
    }
    if (strncmp(section, "tp_btf/", 7) == 0) {
        *kind = BTF_KIND_TYPEDEF;
        return snprintf(name, size, "btf_trace_%s", section + 7) < (int)size;
    }
    return 0;
}

/// Fills `kernel` for `probe` (the object opened once, as it is): the attach targets' BTF ids and
/// a memfd of every vmlinux type named like one of the object's (see copy_type). 0 on success;
/// -1 when vmlinux's BTF could not be read this way (then the caller asks libbpf).
static int read_kernel_parts(struct bpf_object *probe, struct isotrace_bpf_kernel *kernel) {
    int result = -1;
    struct kernel_btf vmlinux = {0};
    struct btf *small = NULL;
    int *copied = NULL;
    char *storage = NULL;
    size_t count = 0;
    char targets[ISOTRACE_BPF_TARGETS][64];
    int kinds[ISOTRACE_BPF_TARGETS];
    for (int i = 0; i < kernel->targets; i++) {
        if (!attach_target(kernel->sections[i], targets[i], sizeof targets[i], &kinds[i])) return -1;
    }
    const char **names = bpf_object__btf(probe) ? local_type_names(bpf_object__btf(probe), &count, &storage) : NULL;
    if (!names || kernel_btf_open(&vmlinux) != 0) goto done;
    small = btf__new_empty();
    if (libbpf_get_error(small)) { small = NULL; goto done; }
    copied = calloc(vmlinux.count, sizeof *copied);
    if (!copied) goto done;
    // The names' first two bytes, to rule most kernel types out before a binary search.
    unsigned long long prefixes[65536 / 64] = {0};
    for (size_t i = 0; i < count; i++) {
        unsigned prefix = (unsigned char)names[i][0] | (unsigned)(unsigned char)names[i][1] << 8;
        prefixes[prefix / 64] |= 1ull << (prefix % 64);
    }
    // One pass over vmlinux, where libbpf would make one per type the object relocates, and
    // parse all of vmlinux's BTF again for the attach targets.
    for (__u32 id = 1; id < vmlinux.count; id++) {
        const struct btf_type *t = kernel_type(&vmlinux, id);
        if (btf_is_func(t) || btf_is_typedef(t)) {
            const char *name = kernel_name(&vmlinux, t->name_off);
            for (int i = 0; i < kernel->targets; i++) {
                if (!kernel->target_ids[i] && btf_kind(t) == kinds[i] && name[0] == targets[i][0] && strcmp(name, targets[i]) == 0) {
                    kernel->target_ids[i] = id;
                }
            }
        }
        if (!btf_is_composite(t) && !btf_is_typedef(t) && !btf_is_any_enum(t)) continue;
        const char *name = kernel_name(&vmlinux, t->name_off);
        if (!name[0]) continue;
        unsigned prefix = (unsigned char)name[0] | (unsigned)(unsigned char)name[1] << 8;
        if (!(prefixes[prefix / 64] >> (prefix % 64) & 1)) continue;
        if (!bsearch(&name, names, count, sizeof *names, compare_names)) continue;
        if (copy_type(small, &vmlinux, id, copied, 0) < 0) goto done;
    }
    __u32 size = 0;
    const void *raw = btf__raw_data(small, &size);
    if (!raw) goto done;
    int fd = memfd_create("isotrace-kernel-types", MFD_CLOEXEC);
    if (fd < 0) goto done;
    for (size_t written = 0; written < size;) {
        ssize_t n = write(fd, (const char *)raw + written, size - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { close(fd); goto done; }
        written += (size_t)n;
    }
    kernel->types_fd = fd;
    result = 0;
done:
    free(copied);
    btf__free(small);
    kernel_btf_close(&vmlinux);
    free(names);
    free(storage);
    return result;
}

/// The attach targets' ids the ordinary way (libbpf parses vmlinux's BTF), when read_kernel_parts
/// could not read it.
static void find_targets_with_libbpf(struct isotrace_bpf_kernel *kernel) {
    struct btf *vmlinux = btf__load_vmlinux_btf();
    if (libbpf_get_error(vmlinux)) return;
    for (int i = 0; i < kernel->targets; i++) {
        char name[64];
        int kind;
        if (!attach_target(kernel->sections[i], name, sizeof name, &kind)) continue;
        int id = btf__find_by_name_kind(vmlinux, name, kind);
        kernel->target_ids[i] = id > 0 ? (unsigned int)id : 0;
    }
    btf__free(vmlinux);
}

/// The load in progress on this thread (bpf_object__load calls prepare_load on the caller's
/// thread): where prepare_load finds the attach targets.
static __thread const struct isotrace_bpf_kernel *loading;

/// libbpf's last step before it hands a program to the kernel: the program becomes what
/// SEC("iter/...") or SEC("tp_btf/...") would have made it, with the attach target found in
/// read_kernel_parts' pass.
static int prepare_load(struct bpf_program *program, struct bpf_prog_load_opts *options, long cookie) {
    (void)cookie;
    const char *section = bpf_program__section_name(program);
    for (int i = 0; loading && i < loading->targets; i++) {
        if (strcmp(loading->sections[i], section) != 0) continue;
        if (!loading->target_ids[i]) break;
        int code = bpf_program__set_type(program, BPF_PROG_TYPE_TRACING);
        if (code) return code;
        options->attach_btf_id = loading->target_ids[i];
        options->attach_btf_obj_fd = 0;
        return 0;
    }
    snprintf(last_message, sizeof last_message, "no attach target in the kernel's BTF for SEC(\"%s\")\n", section);
    return -ESRCH;
}

/// SEC("iter/...") and SEC("tp_btf/...") programs start as socket filters, a type for which
/// libbpf needs no kernel BTF, and become tracing programs in prepare_load. Registered once per
/// process, before any object is opened (libbpf's handler list is not thread-safe).
static void register_sections(void) {
    LIBBPF_OPTS(libbpf_prog_handler_opts, options, .prog_prepare_load_fn = prepare_load);
    libbpf_register_prog_handler("iter/", BPF_PROG_TYPE_SOCKET_FILTER, BPF_TRACE_ITER, &options);
    libbpf_register_prog_handler("tp_btf/", BPF_PROG_TYPE_SOCKET_FILTER, BPF_TRACE_RAW_TP, &options);
}

static pthread_once_t sections_registered = PTHREAD_ONCE_INIT;

struct bpf_object *isotrace_bpf_open(const unsigned char *object, size_t length, struct isotrace_bpf_kernel *kernel) {
    memset(kernel, 0, sizeof *kernel);
    kernel->types_fd = -1;
    pthread_once(&sections_registered, register_sections);
    struct bpf_object *probe = bpf_object__open_mem(object, length, NULL);
    if (libbpf_get_error(probe)) return probe;
    struct bpf_program *program;
    bpf_object__for_each_program(program, probe) {
        if (kernel->targets == ISOTRACE_BPF_TARGETS) break;
        snprintf(kernel->sections[kernel->targets++], sizeof kernel->sections[0], "%s", bpf_program__section_name(program));
    }
    if (read_kernel_parts(probe, kernel) != 0) {
        isotrace_bpf_done(kernel);
        find_targets_with_libbpf(kernel);
    }
    bpf_object__close(probe);
    if (kernel->types_fd >= 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", kernel->types_fd);
        LIBBPF_OPTS(bpf_object_open_opts, options, .btf_custom_path = path);
        struct bpf_object *opened = bpf_object__open_mem(object, length, &options);
        if (!libbpf_get_error(opened)) return opened;
        isotrace_bpf_done(kernel);
    }
    return bpf_object__open_mem(object, length, NULL);
}

int isotrace_bpf_load(struct bpf_object *object, struct isotrace_bpf_kernel *kernel) {
    loading = kernel;
    int code = bpf_object__load(object);
    loading = NULL;
    isotrace_bpf_done(kernel);
    return code;
}

void isotrace_bpf_done(struct isotrace_bpf_kernel *kernel) {
    if (kernel->types_fd >= 0) close(kernel->types_fd);
    kernel->types_fd = -1;
}
