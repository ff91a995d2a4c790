#define _GNU_SOURCE
#include "procshim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static inline int blank(uint8_t byte) { return byte == ' ' || byte == '\t'; }

/// The blank-separated decimal numbers of `value` (each all digits, at most 20, no overflow),
/// each handed to `keep` with `context`; 0 for anything else or when `keep` says no.
typedef int (*number_sink)(void *context, uint64_t number);

static int numbers(const uint8_t *value, size_t count, number_sink keep, void *context) {
    size_t index = 0;
    while (index < count) {
        if (blank(value[index])) { index++; continue; }
        size_t start = index;
        uint64_t number = 0;
        while (index < count && !blank(value[index])) {
            uint8_t digit = (uint8_t)(value[index] - '0');
            if (digit > 9) return 0;
            if (__builtin_mul_overflow(number, 10, &number) || __builtin_add_overflow(number, digit, &number)) return 0;
            index++;
        }
        if (index - start > 20 || !keep(context, number)) return 0;
    }
    return 1;
}

struct id_list { uint32_t *ids; int32_t count, capacity; };

static int keep_id(void *context, uint64_t number) {
    struct id_list *list = context;
    if (number > UINT32_MAX || list->count >= list->capacity) return 0;
    list->ids[list->count++] = (uint32_t)number;
    return 1;
}

struct pid_list { int32_t *pids; int32_t count, capacity; };

static int keep_pid(void *context, uint64_t number) {
    struct pid_list *list = context;
    if (list->count >= list->capacity) return 0;
    list->pids[list->count++] = (int32_t)(uint32_t)number;  // as Int32(truncatingIfNeeded:)
    return 1;
}

struct single { uint64_t value; int seen; };

static int keep_single(void *context, uint64_t number) {
    struct single *one = context;
    one->value = number;
    one->seen++;
    return 1;
}

static int single(const uint8_t *value, size_t count, uint64_t *out) {
    struct single one = {0, 0};
    if (!numbers(value, count, keep_single, &one) || one.seen != 1) return 0;
    *out = one.value;
    return 1;
}

/// One hexadecimal mask of 1 to 16 digits, with blanks around it only.
static int hex(const uint8_t *value, size_t count, uint64_t *out) {
    size_t start = 0, end = count;
    while (start < end && blank(value[start])) start++;
    while (end > start && blank(value[end - 1])) end--;
    if (end == start || end - start > 16) return 0;
    uint64_t mask = 0;
    for (size_t i = start; i < end; i++) {
        uint8_t byte = value[i], digit;
        if (byte >= '0' && byte <= '9') digit = (uint8_t)(byte - '0');
        else if (byte >= 'a' && byte <= 'f') digit = (uint8_t)(byte - 'a' + 10);
        else if (byte >= 'A' && byte <= 'F') digit = (uint8_t)(byte - 'A' + 10);
        else return 0;
        mask = mask << 4 | digit;
    }
    *out = mask;
    return 1;
}

static inline int named(const uint8_t *key, size_t length, const char *name, size_t name_length) {
    return length == name_length && memcmp(key, name, length) == 0;
}
#define NAMED(key, length, literal) named(key, length, literal, sizeof(literal) - 1)

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Sets, for each of the `words` 64-byte pieces of `text`, the bits of its newlines and colons.
static void mark(const uint8_t *text, size_t count, size_t words, uint64_t *newlines, uint64_t *colons) {
    for (size_t word = 0; word < words; word++) {
        const uint8_t *piece = text + word * 64;
        size_t length = count - word * 64 < 64 ? count - word * 64 : 64;
        uint64_t newline = 0, colon = 0;
#if defined(__SSE2__)
        if (length == 64) {
            const __m128i nl = _mm_set1_epi8('\n'), co = _mm_set1_epi8(':');
            for (int block = 0; block < 4; block++) {
                __m128i bytes = _mm_loadu_si128((const __m128i *)(piece + 16 * block));
                newline |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, nl)) << (16 * block);
                colon |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, co)) << (16 * block);
            }
            newlines[word] = newline;
            colons[word] = colon;
            continue;
        }
#endif
        for (size_t i = 0; i < length; i++) {
            newline |= (uint64_t)(piece[i] == '\n') << i;
            colon |= (uint64_t)(piece[i] == ':') << i;
        }
        newlines[word] = newline;
        colons[word] = colon;
    }
}

/// The first marked position at or after `from`, or `none` when there is none.
static inline size_t next_marked(const uint64_t *marks, size_t words, size_t from, size_t none) {
    size_t word = from / 64;
    uint64_t bits = marks[word] & (~0ull << (from % 64));
    while (bits == 0) {
        if (++word >= words) return none;
        bits = marks[word];
    }
    return word * 64 + (size_t)__builtin_ctzll(bits);
}

int isotrace_parse_status(const uint8_t *text, size_t count, struct isotrace_status *out) {
    out->found = 0;
    out->group_count = 0;
    out->nspid_count = 0;
    // Where every newline and colon is, 64 bytes to a word: each line's end and first colon
    // are then found with a count of trailing zeros, not a scan.
    if (count > ISOTRACE_STATUS_MAX_BYTES) return 0;
    uint64_t newlines[ISOTRACE_STATUS_MAX_BYTES / 64 + 1], colons[ISOTRACE_STATUS_MAX_BYTES / 64 + 1];
    size_t words = (count + 63) / 64;
    mark(text, count, words, newlines, colons);
    size_t line = 0;
    while (line < count) {
        size_t end = next_marked(newlines, words, line, count);
        size_t colon = next_marked(colons, words, line, count);
        if (colon >= end) return 0;
        const uint8_t *key = text + line, *value = text + colon + 1;
        size_t length = colon - line, value_count = end - colon - 1;
        line = end + 1;
        switch (length) {
        case 3:
            if (NAMED(key, length, "Uid") || NAMED(key, length, "Gid")) {
                int uid = key[0] == 'U';
                struct id_list list = {uid ? out->uids : out->gids, 0, 4};
                if (!numbers(value, value_count, keep_id, &list) || list.count != 4) return 0;
                out->found |= uid ? ISOTRACE_STATUS_UID : ISOTRACE_STATUS_GID;
            }
            break;
        case 5:
            if (NAMED(key, length, "NSpid")) {
                struct pid_list list = {out->nspid, 0, ISOTRACE_STATUS_MAX_NSPID};
                if (!numbers(value, value_count, keep_pid, &list)) return 0;
                out->nspid_count = list.count;
                out->found |= ISOTRACE_STATUS_NSPID;
            }
            break;
        case 6:
            if (key[0] == 'G') {
                if (NAMED(key, length, "Groups")) {
                    struct id_list list = {out->groups, 0, ISOTRACE_STATUS_MAX_GROUPS};
                    if (!numbers(value, value_count, keep_id, &list)) return 0;
                    out->group_count = list.count;
                    out->found |= ISOTRACE_STATUS_GROUPS;
                }
            } else if (key[0] == 'C' && key[1] == 'a' && key[2] == 'p') {
                uint64_t *mask = NULL;
                uint32_t bit = 0;
                if (NAMED(key, length, "CapInh")) { mask = &out->cap_inheritable; bit = ISOTRACE_STATUS_CAPINH; }
                else if (NAMED(key, length, "CapPrm")) { mask = &out->cap_permitted; bit = ISOTRACE_STATUS_CAPPRM; }
                else if (NAMED(key, length, "CapEff")) { mask = &out->cap_effective; bit = ISOTRACE_STATUS_CAPEFF; }
                else if (NAMED(key, length, "CapBnd")) { mask = &out->cap_bounding; bit = ISOTRACE_STATUS_CAPBND; }
                else if (NAMED(key, length, "CapAmb")) { mask = &out->cap_ambient; bit = ISOTRACE_STATUS_CAPAMB; }
                if (mask) {
                    if (!hex(value, value_count, mask)) return 0;
                    out->found |= bit;
                }
            }
            break;
        case 7:
            if (NAMED(key, length, "Seccomp")) {
                if (!single(value, value_count, &out->seccomp)) return 0;
                out->found |= ISOTRACE_STATUS_SECCOMP;
            }
            break;
        case 9:
            if (NAMED(key, length, "TracerPid")) {
                if (!single(value, value_count, &out->tracer_pid)) return 0;
                out->found |= ISOTRACE_STATUS_TRACERPID;
            }
            break;
        case 10:
            if (NAMED(key, length, "NoNewPrivs")) {
                if (!single(value, value_count, &out->no_new_privs)) return 0;
                out->found |= ISOTRACE_STATUS_NONEWPRIVS;
            }
            break;
        case 15:
            if (NAMED(key, length, "Seccomp_filters")) {
                if (!single(value, value_count, &out->seccomp_filters)) return 0;
                out->found |= ISOTRACE_STATUS_SECCOMP_FILTERS;
            }
            break;
        default: break;
        }
    }
    return 1;
}

/// The nine links in NamespaceKind order, and what each one's text starts with.
static const char *const namespace_links[ISOTRACE_NAMESPACE_COUNT] = {
    "ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid", "ns/pid_for_children", "ns/time", "ns/user", "ns/uts"};
static const char *const namespace_prefixes[ISOTRACE_NAMESPACE_COUNT] = {
    "cgroup:[", "ipc:[", "mnt:[", "net:[", "pid:[", "pid:[", "time:[", "user:[", "uts:["};

void isotrace_read_namespace_links(int dir_fd, uint64_t *inodes, int *errors) {
    char target[256];
    for (int kind = 0; kind < ISOTRACE_NAMESPACE_COUNT; kind++) {
        inodes[kind] = 0;
        errors[kind] = 0;
        ssize_t n;
        do { n = readlinkat(dir_fd, namespace_links[kind], target, sizeof target); } while (n < 0 && errno == EINTR);
        if (n < 0) { errors[kind] = errno; continue; }
        size_t length = strlen(namespace_prefixes[kind]);
        errors[kind] = -1;  // unless it parses below
        if ((size_t)n >= sizeof target || (size_t)n <= length + 1 || memcmp(target, namespace_prefixes[kind], length) != 0
            || target[n - 1] != ']' || (size_t)n - 1 - length > 20) continue;
        uint64_t inode = 0;
        size_t i = length;
        for (; i < (size_t)n - 1; i++) {
            uint8_t digit = (uint8_t)(target[i] - '0');
            if (digit > 9 || __builtin_mul_overflow(inode, 10, &inode) || __builtin_add_overflow(inode, digit, &inode)) break;
        }
        if (i != (size_t)n - 1 || inode == 0) continue;
        inodes[kind] = inode;
        errors[kind] = 0;
    }
}

size_t isotrace_environ_named(const uint8_t *text, size_t count, const uint64_t *pairs, const uint8_t *names,
                              const uint32_t *by_length, size_t longest, size_t *from, size_t *entries, size_t capacity) {
    size_t found = 0;
    size_t start = *from;
    while (start < count && found < capacity) {
        // The entry's end by memchr (glibc's is vectorised: the entries are some 200 bytes).
        const uint8_t *nul = memchr(text + start, 0, count - start);
        size_t end = nul ? (size_t)(nul - text) : count;
        if (end - start >= 2) {
            unsigned pair = (unsigned)text[start] << 8 | text[start + 1];
            if (pairs[pair >> 6] & (1ull << (pair & 63))) {
                size_t window = end - start < longest + 1 ? end - start : longest + 1;
                const uint8_t *sign = memchr(text + start, '=', window);
                size_t length = sign ? (size_t)(sign - text) - start : 0;
                for (size_t at = sign ? by_length[length] : 0, stop = sign ? by_length[length + 1] : 0; at < stop; at += length) {
                    if (memcmp(names + at, text + start, length) == 0) {
                        entries[3 * found] = start;
                        entries[3 * found + 1] = (size_t)(sign - text);
                        entries[3 * found + 2] = end;
                        found++;
                        break;
                    }
                }
            }
        }
        start = end + 1;
    }
    *from = start < count ? start : count;
    return found;
}

/// `ProcessStat.signed` in C: an optional '-', then 1 to 20 digits, no overflow, at most INT64_MAX.
static int signed_number(const uint8_t *token, size_t count, int64_t *out) {
    int negative = count > 0 && token[0] == '-';
    if (negative) { token++; count--; }
    if (count == 0 || count > 20) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t digit = (uint8_t)(token[i] - '0');
        if (digit > 9) return 0;
        if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, digit, &value)) return 0;
    }
    if (value > (uint64_t)INT64_MAX) return 0;
    *out = negative ? -(int64_t)value : (int64_t)value;
    return 1;
}

int isotrace_parse_stat(const uint8_t *text, size_t count, int64_t max_start_ticks, struct isotrace_stat *out) {
    const uint8_t *open_at = memchr(text, '(', count);
    if (!open_at) return 0;
    size_t open = (size_t)(open_at - text);
    const uint8_t *close_at = memrchr(text + open + 1, ')', count - open - 1);
    if (!close_at) return 0;
    size_t close = (size_t)(close_at - text);
    size_t start = 0, pid_end = open;
    while (start < pid_end && blank(text[start])) start++;
    while (pid_end > start && blank(text[pid_end - 1])) pid_end--;
    int64_t pid;
    if (!signed_number(text + start, pid_end - start, &pid) || pid < INT32_MIN || pid > INT32_MAX) return 0;
    size_t end = count;
    while (end > close + 1 && (blank(text[end - 1]) || text[end - 1] == '\n')) end--;
    int field = 2, have_state = 0;
    size_t index = close + 1;
    while (index < end && (blank(text[index]) || text[index] == '\n')) index++;
    while (index < end && field < 22) {
        while (index < end && blank(text[index])) index++;
        if (index >= end) break;
        size_t token = index;
        while (index < end && !blank(text[index])) index++;
        field++;
        const uint8_t *at = text + token;
        size_t length = index - token;
        int64_t value;
        switch (field) {
        case 3:
            if (length != 1 || at[0] >= 0x80) return 0;
            out->state = at[0];
            have_state = 1;
            break;
        case 4: case 5: case 6:
            if (!signed_number(at, length, &value) || value < INT32_MIN || value > INT32_MAX) return 0;
            if (field == 4) out->ppid = (int32_t)value;
            else if (field == 5) out->pgid = (int32_t)value;
            else out->sid = (int32_t)value;
            break;
        case 9:
            if (!signed_number(at, length, &value) || value < 0) return 0;
            out->flags = (uint64_t)value;
            break;
        case 22:
            if (!signed_number(at, length, &value) || value < 0 || value > max_start_ticks) return 0;
            out->start_ticks = (uint64_t)value;
            break;
        default: break;
        }
    }
    if (field != 22 || !have_state) return 0;
    out->pid = (int32_t)pid;
    out->comm_start = open + 1;
    out->comm_end = close;
    return 1;
}
