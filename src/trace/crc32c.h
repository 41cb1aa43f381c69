/* SPDX-License-Identifier: GPL-2.0 */
/* crc32c.h - CRC-32C (Castagnoli), the checksum of the trace format's descriptors and chunks. */
#ifndef FRAGTRACE_CRC32C_H
#define FRAGTRACE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. The CPU's crc32 instruction where it has one. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* The two ways crc32c() may take, for tests: both give the same value for every input. */
uint32_t crc32c_table_way(uint32_t crc, const void *data, size_t len);
/* The instruction (SSE4.2 on x86-64); the table way where the CPU lacks it. */
uint32_t crc32c_instruction_way(uint32_t crc, const void *data, size_t len);
/* Whether this CPU has the instruction (crc32c_instruction_way() uses it). */
int crc32c_has_instruction(void);

#endif
