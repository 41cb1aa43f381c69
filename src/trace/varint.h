/* SPDX-License-Identifier: GPL-2.0 */
/*
 * varint.h - LEB128 varints and zigzag signed mapping, the trace format's integer encoding.
 *
 * Writers reserve room before putting (a varint takes at most 10 bytes). Readers go through
 * struct varint_cursor, which never reads past its end: a varint that runs off the end, or is
 * longer than 10 bytes, sets the cursor's sticky `bad` flag and yields 0, so a decoder checks
 * once per batch rather than once per field.
 */
#ifndef FRAGTRACE_VARINT_H
#define FRAGTRACE_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX 10

static inline uint64_t zigzag_encode(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t zigzag_decode(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint8_t *varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)v | 0x80;
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

struct varint_cursor {
	const uint8_t *p, *end;
	int bad;
};

static inline uint64_t varint_get_slow(struct varint_cursor *c)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

/*
 * varint_get() for a caller that has made sure the cursor holds at least VARINT_MAX bytes
 * (trace_codec.c checks a group of events' worth of room at once): the same value, the same
 * `bad` for a varint longer than VARINT_MAX bytes, without the per-varint bounds check.
 */
static inline uint64_t varint_get_roomy(struct varint_cursor *c)
{
	const uint8_t *p = c->p;
	uint64_t b = *p++;
	if (__builtin_expect(b < 0x80, 1)) { /* most varints: a zero or a small delta */
		c->p = p;
		return b;
	}
	uint64_t v = b & 0x7f;
	for (int shift = 7; shift < 70; shift += 7) {
		b = *p++;
		v |= (b & 0x7f) << shift;
		if (b < 0x80) {
			c->p = p;
			return v;
		}
	}
	c->bad = 1;
	return 0;
}

/* A varint, or 0 with `bad` set when it runs off the end or is longer than VARINT_MAX bytes. */
static inline uint64_t varint_get(struct varint_cursor *c)
{
	if (__builtin_expect(c->end - c->p >= VARINT_MAX, 1))
		return varint_get_roomy(c);
	return varint_get_slow(c);
}

#endif /* FRAGTRACE_VARINT_H */
