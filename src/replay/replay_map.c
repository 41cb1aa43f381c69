// SPDX-License-Identifier: GPL-2.0
/*
 * replay_map.c - an open-addressing hash map from u64 to u64, for the identity maps.
 *
 * Linear probing with backward-shift deletion (no tombstones, so a map that sees millions of
 * insert/delete pairs over a long replay never degrades). The capacity is a power of two, the
 * load factor at most 1/2; UINT64_MAX is the empty key and cannot be stored. Expected workload:
 * one lookup and one insert or delete per replayed page event, per variant.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

static inline size_t slot_of(const struct u64_map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (m->cap - 1);
}

int u64_map_init(struct u64_map *m, size_t cap)
{
	size_t c = 64;
	while (c < cap * 2)
		c <<= 1;
	m->keys = malloc(c * sizeof(*m->keys));
	m->vals = malloc(c * sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		m->keys = m->vals = NULL;
		return -1;
	}
	memset(m->keys, 0xff, c * sizeof(*m->keys));
	m->cap = c;
	m->used = 0;
	return 0;
}

void u64_map_free(struct u64_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

int u64_map_get(const struct u64_map *m, uint64_t key, uint64_t *val)
{
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			if (val)
				*val = m->vals[i];
			return 1;
		}
		if (m->keys[i] == U64_MAP_EMPTY)
			return 0;
	}
}

static int grow(struct u64_map *m)
{
	struct u64_map n;
	if (u64_map_init(&n, m->cap))
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] != U64_MAP_EMPTY)
			u64_map_put(&n, m->keys[i], m->vals[i]);
	u64_map_free(m);
	*m = n;
	return 0;
}

int u64_map_put(struct u64_map *m, uint64_t key, uint64_t val)
{
	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -1;
	size_t i = slot_of(m, key);
	while (m->keys[i] != U64_MAP_EMPTY && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == U64_MAP_EMPTY)
		m->used++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

int u64_map_del(struct u64_map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i = slot_of(m, key);
	while (m->keys[i] != key) {
		if (m->keys[i] == U64_MAP_EMPTY)
			return 0;
		i = (i + 1) & mask;
	}
	/* backward shift: move later members of the probe run into the hole */
	for (size_t j = (i + 1) & mask; m->keys[j] != U64_MAP_EMPTY; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->keys[j]);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = U64_MAP_EMPTY;
	m->used--;
	return 1;
}
