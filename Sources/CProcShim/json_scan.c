#include "procshim.h"

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The one test of what a JSON string cannot hold as it is: a byte below 0x20, a quote or a
/// backslash; with `ascii_only`, also a byte above 0x7f (a strict reader checks those as UTF-8).
/// The snapshot writer copies with it (`isotrace_json_copy_clean`); the record parser and the
/// canonical check skip with it (`isotrace_json_plain_prefix`).
static inline int stops(uint8_t byte, int ascii_only) {
    return byte < 0x20 || byte == '"' || byte == '\\' || (ascii_only && byte >= 0x80);
}

#if defined(__SSE2__)
/// One bit per byte of `block` at which `stops` holds.
static inline unsigned flagged(__m128i block, int ascii_only) {
    const __m128i below = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(block, below), block);  // unsigned <= 0x1f
    __m128i marks = _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash));
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(control, marks));
    return ascii_only ? mask | (unsigned)_mm_movemask_epi8(block) : mask;
}
#endif

/// The scan of both: with `out`, each block is stored there as it is read.
static inline size_t scan(uint8_t *out, const uint8_t *in, size_t count, int ascii_only) {
    size_t index = 0;
#if defined(__SSE2__)
    if (count >= 16) {
        for (;;) {
            __m128i block = _mm_loadu_si128((const __m128i *)(in + index));
            if (out) _mm_storeu_si128((__m128i *)(out + index), block);
            unsigned mask = flagged(block, ascii_only);
            if (mask != 0) return index + (size_t)__builtin_ctz(mask);
            index += 16;
            if (index + 16 > count) break;
        }
        if (index == count) return count;
        // The last block overlaps the one before; its bytes before `index` are clean, so its
        // first flagged byte (if any) is at `index` or after.
        size_t last = count - 16;
        __m128i block = _mm_loadu_si128((const __m128i *)(in + last));
        if (out) _mm_storeu_si128((__m128i *)(out + last), block);
        unsigned mask = flagged(block, ascii_only);
        return mask != 0 ? last + (size_t)__builtin_ctz(mask) : count;
    }
    // A short string is read as one block when the block stays within the page that holds the
    // string's first byte: the bytes after its end are read (never used) but cannot fault.
    if (count > 0 && ((uintptr_t)in & 4095) <= 4096 - 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)in);
        if (out) _mm_storeu_si128((__m128i *)out, block);
        unsigned mask = flagged(block, ascii_only) & ((1u << count) - 1);
        return mask != 0 ? (size_t)__builtin_ctz(mask) : count;
    }
#endif
    for (; index < count; index++) {
        if (stops(in[index], ascii_only)) return index;
        if (out) out[index] = in[index];
    }
    return count;
}

size_t isotrace_json_copy_clean(uint8_t *out, const uint8_t *in, size_t count) { return scan(out, in, count, 0); }

size_t isotrace_json_plain_prefix(const uint8_t *in, size_t count) { return scan(NULL, in, count, 1); }

size_t isotrace_json_append_string(uint8_t *out, const uint8_t *in, size_t count) {
    static const char hex[] = "0123456789abcdef";
    uint8_t *at = out;
    *at++ = '"';
    size_t index = 0;
    for (;;) {
        size_t clean = scan(at, in + index, count - index, 0);
        at += clean;
        index += clean;
        if (index == count) break;
        uint8_t byte = in[index++];
        *at++ = '\\';
        switch (byte) {
        case '"': *at++ = '"'; break;
        case '\\': *at++ = '\\'; break;
        case 0x08: *at++ = 'b'; break;
        case 0x09: *at++ = 't'; break;
        case 0x0a: *at++ = 'n'; break;
        case 0x0c: *at++ = 'f'; break;
        case 0x0d: *at++ = 'r'; break;
        default:
            *at++ = 'u';
            *at++ = '0';
            *at++ = '0';
            *at++ = (uint8_t)hex[byte >> 4];
            *at++ = (uint8_t)hex[byte & 0xf];
        }
    }
    *at++ = '"';
    return (size_t)(at - out);
}
