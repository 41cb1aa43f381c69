// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c.c - CRC-32C (reflected polynomial 0x82F63B78): the SSE4.2 crc32 instruction where the
 * CPU has it, else tables, slicing by 8.
 *
 * Used on compressed chunk bytes and on every section descriptor, so a flipped bit is found
 * before zstd is asked to decode anything. The choice is made once, on first use
 * (crc32c_setup); both ways give the same value for every input (test_crc32c() in tests/test_trace_codec.c checks
 * them against each other and a known vector). The workload is about a byte per event: the
 * table way costs ~3.4 instructions a byte, the instruction way ~0.4.
 */
#include "crc32c.h"

#include <pthread.h>

static uint32_t crc32c_table[8][256];
static int crc32c_hw_ok;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_tables_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & -(c & 1));
		crc32c_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc32c_table[t][i] = (crc32c_table[t - 1][i] >> 8) ^
					     crc32c_table[0][crc32c_table[t - 1][i] & 0xff];
}

static void crc32c_setup(void)
{
	crc32c_tables_init();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	crc32c_hw_ok = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t crc32c_table_way(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&crc32c_once, crc32c_setup);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;
		crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
		      crc32c_table[3][hi & 0xff] ^ crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^ crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The crc32 instruction computes exactly this CRC (Castagnoli, reflected), 8 bytes at a time. */
static __attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p,
							       size_t len)
{
	uint64_t c = ~crc;
	while (len >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, p, 8); /* unaligned, little-endian */
		c = __builtin_ia32_crc32di(c, w);
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return ~c32;
}

int crc32c_has_instruction(void)
{
	pthread_once(&crc32c_once, crc32c_setup);
	return crc32c_hw_ok;
}

uint32_t crc32c_instruction_way(uint32_t crc, const void *data, size_t len)
{
	if (!crc32c_has_instruction())
		return crc32c_table_way(crc, data, len);
	return crc32c_sse42(crc, data, len);
}
#else
int crc32c_has_instruction(void)
{
	return 0;
}

uint32_t crc32c_instruction_way(uint32_t crc, const void *data, size_t len)
{
	return crc32c_table_way(crc, data, len);
}
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	return crc32c_instruction_way(crc, data, len);
}
