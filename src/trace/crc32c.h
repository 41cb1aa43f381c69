/* SPDX-License-Identifier: GPL-2.0 */
/* crc32c.h - CRC-32C (Castagnoli), the checksum of the trace format's descriptors and chunks. */
#ifndef FRAGTRACE_CRC32C_H
#define FRAGTRACE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
