// SPDX-License-Identifier: GPL-2.0
/*
 * replay_map.c - an open-addressing hash map from u64 to u64, for the identity maps.
 *
 * Linear probing with backward-shift deletion (no tombstones, so a map that sees millions of
 * insert/delete pairs over a long replay never degrades), Fibonacci hashing, keys and values
 * side by side so a lookup touches one cache line. The capacity is a power of two, the load
 * factor at most 1/2; UINT64_MAX is the empty key and cannot be stored. Expected workload:
 * the decoder's bookkeeping, and what the identity maps' flat arrays cannot hold (pfn_map,
 * below: one array load per replayed page event, per variant, at random pfns; pfn_map32, the
 * same at 4 bytes a pfn for values below UINT32_MAX, for rev: its values are trace pfns, so
 * half the memory the replay touches for it and half the pages the kernel zeroes on first use).
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Fibonacci hashing: the top bits of the product, which every key bit reaches. */
static inline size_t slot_of(const struct u64_map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift);
}

int u64_map_init(struct u64_map *m, size_t cap)
{
	size_t c = 64;
	while (c < cap * 2)
		c <<= 1;
	m->slots = malloc(c * sizeof(*m->slots));
	if (!m->slots)
		return -1;
	for (size_t i = 0; i < c; i++)
		m->slots[i].key = U64_MAP_EMPTY;
	m->cap = c;
	m->used = 0;
	m->shift = (unsigned)(64 - __builtin_ctzll(c));
	return 0;
}

void u64_map_free(struct u64_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void u64_map_prefetch(const struct u64_map *m, uint64_t key)
{
	__builtin_prefetch(&m->slots[slot_of(m, key)]);
}

int u64_map_get(const struct u64_map *m, uint64_t key, uint64_t *val)
{
	if (key == U64_MAP_EMPTY) /* the empty slots' mark: never stored */
		return 0;
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			if (val)
				*val = m->slots[i].val;
			return 1;
		}
		if (m->slots[i].key == U64_MAP_EMPTY)
			return 0;
	}
}

static int grow(struct u64_map *m)
{
	struct u64_map n;
	if (u64_map_init(&n, m->cap))
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key != U64_MAP_EMPTY)
			u64_map_put(&n, m->slots[i].key, m->slots[i].val);
	u64_map_free(m);
	*m = n;
	return 0;
}

int u64_map_put(struct u64_map *m, uint64_t key, uint64_t val)
{
	if (key == U64_MAP_EMPTY) /* a corrupt trace's: not stored, so never found */
		return 0;
	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -1;
	size_t i = slot_of(m, key);
	while (m->slots[i].key != U64_MAP_EMPTY && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key == U64_MAP_EMPTY)
		m->used++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

int u64_map_del(struct u64_map *m, uint64_t key)
{
	if (key == U64_MAP_EMPTY)
		return 0;
	size_t mask = m->cap - 1, i = slot_of(m, key);
	while (m->slots[i].key != key) {
		if (m->slots[i].key == U64_MAP_EMPTY)
			return 0;
		i = (i + 1) & mask;
	}
	/* backward shift: move later members of the probe run into the hole */
	for (size_t j = (i + 1) & mask; m->slots[j].key != U64_MAP_EMPTY; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->slots[j].key);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = U64_MAP_EMPTY;
	m->used--;
	return 1;
}

/*
 * The flat arrays are the replay's big random-access tables (8 and 4 bytes per pfn of the host,
 * 50 and 25 MB per variant on a 24 GiB host; a page-cache trace touches nearly all of them):
 * mapped afresh, 2 MiB aligned, with transparent huge pages asked for, so a lookup costs no
 * TLB miss and the first touch of 2 MiB costs one page fault, not 512. Fresh anonymous memory
 * is zero, as calloc's was.
 */
#define FLAT_ALIGN (2u << 20)

/* The length a flat array of bytes is mapped with: whole pages, so munmap can take its tail. */
static size_t flat_length(size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (bytes + page - 1) / page * page;
}

static void *flat_alloc(size_t bytes)
{
	size_t len = flat_length(bytes);
	uint8_t *p = mmap(NULL, len + FLAT_ALIGN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	size_t lead = (FLAT_ALIGN - (uintptr_t)p % FLAT_ALIGN) % FLAT_ALIGN;
	if (lead)
		munmap(p, lead);
	munmap(p + lead + len, FLAT_ALIGN - lead);
	madvise(p + lead, len, MADV_HUGEPAGE);
	return p + lead;
}

static void flat_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, flat_length(bytes));
}

/*
 * What pfn_map and pfn_map32 share: the flat array of n + 1 values of elem bytes, and the spill
 * map with its count of keys of the range it holds (spilled).
 */
static void flat_map_free(void *flat, size_t elem, uint64_t n, struct u64_map *spill)
{
	flat_free(flat, ((size_t)n + 1) * elem);
	if (spill->slots)
		u64_map_free(spill);
}

/*
 * A put past the fast path: true when the value belongs in the flat array (key in the range,
 * the value fits), the spill's copy of key then dropped; false when it went to the spill map
 * (the caller clears the flat slot of a key in the range).
 */
static bool spill_put(uint64_t n, uint64_t *spilled, struct u64_map *spill, uint64_t key,
		      uint64_t val, bool fits)
{
	if (key < n && fits) {
		if (*spilled && u64_map_del(spill, key))
			(*spilled)--;
		return true;
	}
	if (key < n && !u64_map_get(spill, key, NULL))
		(*spilled)++;
	u64_map_put(spill, key, val);
	return false;
}

static bool spill_del(uint64_t n, uint64_t *spilled, struct u64_map *spill, uint64_t key)
{
	if (key < n && !*spilled)
		return false;
	if (!spill->used || !u64_map_del(spill, key))
		return false;
	if (key < n)
		(*spilled)--;
	return true;
}

int pfn_map_init(struct pfn_map *m, uint64_t n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->flat = flat_alloc(((size_t)n + 1) * sizeof(*m->flat));
	if (!m->flat || u64_map_init(&m->spill, 64)) {
		pfn_map_free(m);
		return -1;
	}
	return 0;
}

void pfn_map_free(struct pfn_map *m)
{
	flat_map_free(m->flat, sizeof(*m->flat), m->n, &m->spill);
	memset(m, 0, sizeof(*m));
}

/* What the flat array cannot hold, and any put while keys of the range are spilled. */
void pfn_map_spill_put(struct pfn_map *m, uint64_t key, uint64_t val)
{
	if (spill_put(m->n, &m->spilled, &m->spill, key, val, val != UINT64_MAX))
		m->flat[key] = val + 1;
	else if (key < m->n)
		m->flat[key] = 0;
}

bool pfn_map_spill_del(struct pfn_map *m, uint64_t key)
{
	return spill_del(m->n, &m->spilled, &m->spill, key);
}

int pfn_map32_init(struct pfn_map32 *m, uint64_t n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->flat = flat_alloc(((size_t)n + 1) * sizeof(*m->flat));
	if (!m->flat || u64_map_init(&m->spill, 64)) {
		pfn_map32_free(m);
		return -1;
	}
	return 0;
}

void pfn_map32_free(struct pfn_map32 *m)
{
	flat_map_free(m->flat, sizeof(*m->flat), m->n, &m->spill);
	memset(m, 0, sizeof(*m));
}

/* As pfn_map_spill_put, with a value of 32 bits or more spilled too. */
void pfn_map32_spill_put(struct pfn_map32 *m, uint64_t key, uint64_t val)
{
	if (spill_put(m->n, &m->spilled, &m->spill, key, val, val < UINT32_MAX))
		m->flat[key] = (uint32_t)(val + 1);
	else if (key < m->n)
		m->flat[key] = 0;
}

bool pfn_map32_spill_del(struct pfn_map32 *m, uint64_t key)
{
	return spill_del(m->n, &m->spilled, &m->spill, key);
}
