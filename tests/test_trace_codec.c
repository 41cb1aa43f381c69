// SPDX-License-Identifier: GPL-2.0
/*
 * test_trace_codec.c - the trace reader's fast paths against their plain ones: crc32c's
 * instruction way against its table way (and a known vector).
 */
#include "crc32c.h"
#include "test_util.h"

static void test_crc32c(void)
{
	static uint8_t buf[4096 + 16];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	CHECK_EQ(crc32c_table_way(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c_instruction_way(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0u);
	/* every length to 300 and some longer ones, at every alignment, continued or not */
	for (size_t len = 0; len < 4096; len = len < 300 ? len + 1 : len * 2 + 7) {
		for (size_t at = 0; at < 16; at++) {
			uint32_t seed = (uint32_t)rnd();
			uint32_t t = crc32c_table_way(seed, buf + at, len);
			CHECK_EQ(crc32c_instruction_way(seed, buf + at, len), t);
			CHECK_EQ(crc32c(seed, buf + at, len), t);
			size_t cut = len ? rnd() % len : 0;
			CHECK_EQ(crc32c(crc32c(seed, buf + at, cut), buf + at + cut, len - cut), t);
		}
	}
	printf("crc32c: the CPU's instruction is %s\n",
	       crc32c_has_instruction() ? "used" : "absent (table way only)");
}

int main(void)
{
	test_crc32c();
	return test_summary("trace_codec");
}
