// SPDX-License-Identifier: GPL-2.0
/*
 * slab.c - the slab model's caches, slabs and objects (mm/slub.c at the level that matters for
 * fragmentation: allocate_slab, get_partial_node, __slab_free, discard_slab, kmalloc_slab).
 *
 * A cache has, per node, a partial list of slabs with free objects: allocation fills the slab at
 * its head (SLUB's per-CPU slabs are folded into it), a slab that fills leaves the list, a full
 * slab that gets a free object goes back at the tail (DEACTIVATE_TO_TAIL), and a slab that
 * empties stays on the list while the list holds fewer than the cache's min_partial slabs and
 * goes back to the page model otherwise (__slab_free). Objects are named by the caller's key
 * (the trace's object address) through an open-addressing map. A slab allocated before the
 * trace is adopted at the first free of one of its objects, full, its objects from before the
 * trace counted but not named (slab_obj_free_start). Shrinkers live in slab_shrink.c.
 *
 * Invariants (slab_model_check): a slab's inuse equals the objects pointing at it plus its
 * unnamed ones (an adopted start slab's); a slab is on
 * its cache's partial list exactly when inuse < capacity (an empty slab only while kept for
 * min_partial); every live object is in the map
 * and, for a shrinkable cache, on its LRU exactly when unused (slab_obj_unused); the slabs'
 * pages are slab_pages, the own slabs' pages taken less given back plus the adopted start
 * slabs' pages less those discarded. Expected workload: millions of objects, every slab
 * event of a trace, per variant.
 */
#include "slab_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void slab_params_default(struct slab_params *p)
{
	p->freeable_min_age_ns = 10ull * 1000000000ull;
	p->freeable_ppm = 1000000;
	p->seeks = 2;
	p->batch = 128;
	p->vfs_cache_pressure = 100;
}

/*
 * ---- the key -> object map: linear probing, deletion by backward shift ----
 *
 * The capacity need not be a power of two (key_map_presize sizes a big table to what it will
 * hold, not to the next power of two): a key's home slot is the product of its Fibonacci hash
 * and the capacity, the top 64 bits of 128 (Lemire's "fastrange"). Probing does not wrap: the
 * table has a tail of slots past the last home slot (KEY_MAP_TAIL at first) for the probe runs
 * that go beyond it, and its very last slot is never filled (an insertion that would take it
 * doubles the tail, rehashing at the same capacity: the home slots stay, so keys whose hashes
 * crowd the top cannot make the table double without end; the tail never needs more slots than
 * keys plus one), so every probe ends at an empty slot before the end and moves by s + 1 alone,
 * and a run's members all lie after their home slots (key_del_shift's test is one comparison).
 */
#define KEY_MAP_TAIL 64

/* slab_prefetch_slot() (slab.h) reads the live-object map's table through struct slab_slots_view */
_Static_assert(offsetof(struct slab_model, live.slots) == offsetof(struct slab_slots_view, slots) &&
		       offsetof(struct slab_model, live.cap) ==
			       offsetof(struct slab_slots_view, cap) &&
		       sizeof(struct key_slot) == SLAB_SLOT_BYTES,
	       "a slab model begins with its live-object map's slots and capacity (slab.h)");

static inline size_t key_slot(const struct key_map *km, uint64_t key)
{
	return slab_key_home(key, km->cap);
}

/* The map's tail: the slots past its last home slot. */
static inline size_t key_tail(const struct key_map *km)
{
	return km->tail ? km->tail : KEY_MAP_TAIL;
}

/* The slots of a table of cap home slots and a tail of tail slots. */
static inline size_t key_slots_total(size_t cap, size_t tail)
{
	return cap + tail;
}

/*
 * The last slot, never filled: the end of every probe run. Kept in the map (key_resize sets it
 * with the slots), so the insertion's test of it is one load.
 */
static inline size_t key_last(const struct key_map *km)
{
	return km->last;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t key_find(const struct key_map *km, uint64_t key)
{
	size_t s = key_slot(km, key);
	while (km->slots[s].value && km->slots[s].key != key)
		s++;
	return s;
}

/*
 * The live-object map is the slab model's one big random-access table: above 4 MiB it is
 * mapped afresh, 2 MiB aligned, and asks for transparent huge pages, so a lookup costs one cache
 * miss and no TLB miss (THP is often "madvise" only). Fresh anonymous memory is zero, so a big
 * table is never written before use (the kernel zeroes each page when first touched).
 */
#define KEY_SLOTS_MAPPED (4u << 20)
#define KEY_SLOTS_ALIGN	 (2u << 20)

/* A mapped table's length: whole huge pages (its capacity need not be a power of two). */
static size_t key_slots_mapped_length(size_t bytes)
{
	return (bytes + KEY_SLOTS_ALIGN - 1) / KEY_SLOTS_ALIGN * KEY_SLOTS_ALIGN;
}

static struct key_slot *key_slots_alloc(size_t total)
{
	size_t bytes = total * sizeof(struct key_slot);
	if (bytes < KEY_SLOTS_MAPPED)
		return calloc(total, sizeof(struct key_slot));
	bytes = key_slots_mapped_length(bytes);
	uint8_t *p = mmap(NULL, bytes + KEY_SLOTS_ALIGN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	size_t lead = (KEY_SLOTS_ALIGN - (uintptr_t)p % KEY_SLOTS_ALIGN) % KEY_SLOTS_ALIGN;
	if (lead)
		munmap(p, lead);
	if (KEY_SLOTS_ALIGN - lead)
		munmap(p + lead + bytes, KEY_SLOTS_ALIGN - lead);
	madvise(p + lead, bytes, MADV_HUGEPAGE);
	return (struct key_slot *)(p + lead);
}

static void key_slots_free(struct key_slot *slots, size_t total)
{
	size_t bytes = total * sizeof(struct key_slot);
	if (bytes < KEY_SLOTS_MAPPED)
		free(slots);
	else
		munmap(slots, key_slots_mapped_length(bytes));
}

/*
 * Rehash into a table of new_cap home slots (any number, more than twice the keys) and a tail
 * of new_tail slots; the tail doubled again in the unlikely case that a probe run would reach
 * the new table's last slot.
 */
static int key_resize(struct key_map *km, size_t new_cap, size_t new_tail)
{
	struct key_slot *old = km->slots;
	size_t old_cap = km->cap, old_tail = km->tail, old_last = km->last;
	size_t old_total = old ? key_slots_total(old_cap, key_tail(km)) : 0;

	for (;;) {
		km->cap = new_cap;
		km->room = new_cap / 2;
		km->tail = new_tail;
		km->last = key_slots_total(new_cap, new_tail) - 1;
		km->slots = key_slots_alloc(key_slots_total(new_cap, new_tail));
		if (!km->slots) {
			km->slots = old;
			km->cap = old_cap;
			km->room = old_cap / 2;
			km->tail = old_tail;
			km->last = old_last;
			return MODEL_ENOSPACE;
		}
		size_t i;
		for (i = 0; i < old_total; i++) {
			if (!old[i].value)
				continue;
			size_t s = key_find(km, old[i].key);
			if (s == key_last(km))
				break;
			km->slots[s] = old[i];
		}
		if (i == old_total)
			break;
		key_slots_free(km->slots, key_slots_total(new_cap, new_tail));
		new_tail *= 2;
	}
	if (old)
		key_slots_free(old, old_total);
	return MODEL_OK;
}

static int key_grow(struct key_map *km)
{
	return key_resize(km, km->cap ? km->cap * 2 : 1024, key_tail(km));
}

/* A probe run would reach the last slot: the same home slots, twice the tail. */
static int key_grow_tail(struct key_map *km)
{
	return key_resize(km, km->cap, key_tail(km) * 2);
}

/*
 * Room for n keys without growing (at most half full); a hint, so a failure is not an error.
 * The table gets the slots n needs, a mapped one rounded up to whole huge pages (its tail
 * included), not the next power of two: every page of a hash table is touched, and the first
 * touch of a huge page in the replay is its costliest page fault (the live-object map of
 * pressure-reclaim: 20 MB, not 32).
 */
static void key_map_presize(struct key_map *km, uint64_t n)
{
	const size_t huge_slots = KEY_SLOTS_ALIGN / sizeof(struct key_slot);
	uint64_t cap = (n + 1) * 2;

	if (n >= (1ull << 40) || cap <= km->cap)
		return;
	if (key_slots_total(cap, key_tail(km)) * sizeof(struct key_slot) >= KEY_SLOTS_MAPPED)
		cap = (key_slots_total(cap, key_tail(km)) + huge_slots - 1) / huge_slots *
			      huge_slots -
		      key_tail(km);
	if ((km->used + 1) * 2 <= cap)
		key_resize(km, (size_t)cap, key_tail(km));
}

void key_map_free(struct key_map *km)
{
	if (km->slots)
		key_slots_free(km->slots, key_slots_total(km->cap, key_tail(km)));
	*km = (struct key_map){ 0 };
}

uint32_t key_map_get(const struct key_map *km, uint64_t key)
{
	return km->cap ? km->slots[key_find(km, key)].value : 0;
}

/*
 * Whether one more key would fill more than half the home slots ((used + 1) * 2 > cap, which
 * is used >= cap / 2 in whole numbers: one load and one comparison).
 */
static inline bool key_map_full(const struct key_map *km)
{
	return km->used >= km->room;
}

/* Room for one more key: grow at half full, so probe runs stay short. */
static int key_reserve(struct key_map *km)
{
	if (key_map_full(km))
		return key_grow(km);
	return MODEL_OK;
}

/*
 * The slot for inserting key (holding it already, or empty), after key_reserve(): the tail
 * grows when the slot would be the last one, which stays empty.
 */
static int key_find_insert(struct key_map *km, uint64_t key, size_t *slot)
{
	size_t s = key_find(km, key);

	while (s == key_last(km)) {
		if (key_grow_tail(km))
			return MODEL_ENOSPACE;
		s = key_find(km, key);
	}
	*slot = s;
	return MODEL_OK;
}

int key_map_put(struct key_map *km, uint64_t key, uint32_t value)
{
	size_t s;

	if (key_reserve(km) || key_find_insert(km, key, &s))
		return MODEL_ENOSPACE;
	if (!km->slots[s].value)
		km->used++;
	km->slots[s] = (struct key_slot){ key, value };
	return MODEL_OK;
}

/*
 * key_del_slot()'s shift: later members of s's probe run moved back over it. The run does not
 * wrap, so the member at next (home <= next) may move back to the hole at s < next exactly
 * when its home is at s or before.
 */
static __attribute__((noinline)) void key_del_shift(struct key_map *km, size_t s)
{
	size_t next;

	for (;;) {
		km->slots[s].value = 0;
		for (next = s + 1;; next++) {
			if (!km->slots[next].value)
				return;
			if (key_slot(km, km->slots[next].key) <= s)
				break;
		}
		km->slots[s] = km->slots[next];
		s = next;
	}
}

/*
 * Empty slot s, shifting later members of its probe run back. The map is at most half full,
 * so the next slot is mostly empty already and nothing moves: that case stays inline (s is
 * filled, so it is not the last slot and s + 1 is in the table).
 */
static inline void key_del_slot(struct key_map *km, size_t s)
{
	km->used--;
	if (!km->slots[s + 1].value)
		km->slots[s].value = 0;
	else
		key_del_shift(km, s);
}

void key_map_del(struct key_map *km, uint64_t key)
{
	if (!km->used)
		return;
	size_t s = key_find(km, key);
	if (km->slots[s].value)
		key_del_slot(km, s);
}

/* ---- objects and slabs ---- */

/* Room for cap objects in the object array (realloc keeps the indexes). */
static int objs_resize(struct slab_model *sm, size_t cap)
{
	if (cap >= LIVE_NO_ENTRY) /* an entry's index + 1 stays below the mark */
		return -1;
	struct slab_obj *o = realloc(sm->objs, cap * sizeof(*o));
	if (!o)
		return -1;
	sm->objs = o;
	sm->objs_cap = cap;
	return 0;
}

/* obj_new() past the free entries: the next entry of the array, grown when full. */
static __attribute__((noinline, cold)) uint32_t obj_append(struct slab_model *sm)
{
	if (sm->nobjs == sm->objs_cap && objs_resize(sm, sm->objs_cap ? sm->objs_cap * 2 : 4096))
		return SLAB_NIL;
	return (uint32_t)sm->nobjs++;
}

static inline uint32_t obj_new(struct slab_model *sm)
{
	if (sm->obj_free != SLAB_NIL) {
		uint32_t i = sm->obj_free;
		sm->obj_free = sm->objs[i].lru_next;
		return i;
	}
	return obj_append(sm);
}

static void obj_release(struct slab_model *sm, uint32_t i)
{
	sm->objs[i].slab = SLAB_NIL;
	sm->objs[i].lru_next = sm->obj_free;
	sm->obj_free = i;
}

static uint32_t slab_new(struct slab_model *sm)
{
	if (sm->slab_free != SLAB_NIL) {
		uint32_t i = sm->slab_free;
		sm->slab_free = sm->slabs[i].next;
		return i;
	}
	if (sm->nslabs == sm->slabs_cap) {
		size_t cap = sm->slabs_cap ? sm->slabs_cap * 2 : 1024;
		struct slab *s = realloc(sm->slabs, cap * sizeof(*s));
		if (!s)
			return SLAB_NIL;
		sm->slabs = s;
		sm->slabs_cap = cap;
	}
	return (uint32_t)sm->nslabs++;
}

static void partial_del(struct slab_model *sm, struct slab_cache *c, uint32_t i)
{
	struct slab *s = &sm->slabs[i];
	struct slab_list *l = &c->partial[s->nid];

	if (s->prev != SLAB_NIL)
		sm->slabs[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != SLAB_NIL)
		sm->slabs[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = SLAB_NIL;
	s->on_partial = false;
	l->count--;
}

static void partial_add(struct slab_model *sm, struct slab_cache *c, uint32_t i, bool tail)
{
	struct slab *s = &sm->slabs[i];
	struct slab_list *l = &c->partial[s->nid];

	if (tail) {
		s->prev = l->tail;
		s->next = SLAB_NIL;
		if (l->tail != SLAB_NIL)
			sm->slabs[l->tail].next = i;
		else
			l->head = i;
		l->tail = i;
	} else {
		s->prev = SLAB_NIL;
		s->next = l->head;
		if (l->head != SLAB_NIL)
			sm->slabs[l->head].prev = i;
		else
			l->tail = i;
		l->head = i;
	}
	s->on_partial = true;
	l->count++;
}

static unsigned get_order(uint32_t size)
{
	unsigned o = 0;
	while ((4096u << o) < size)
		o++;
	return o;
}

/*
 * allocate_slab(): the cache's preferred order first, asking for it with NORETRY|NOWARN and,
 * when the caller may reclaim and a smaller order would do, without any reclaim; then the
 * minimum order with the caller's own flags.
 */
static uint32_t allocate_slab(struct slab_model *sm, struct slab_cache *c, uint32_t gfp, int nid,
			      int cpu)
{
	uint32_t flags = gfp | (c->reclaimable ? MODEL_GFP_RECLAIMABLE : 0) |
			 (c->order ? MODEL_GFP_COMP : 0);
	uint32_t alloc_gfp =
		(flags | MODEL_GFP_NOWARN | MODEL_GFP_NORETRY) & ~(uint32_t)MODEL_GFP_NOFAIL;
	struct model_alloc_req q = { .order = c->order,
				     .migratetype = c->reclaimable ? MIGRATE_RECLAIMABLE
								   : MIGRATE_UNMOVABLE,
				     .nid = nid,
				     .cpu = cpu };
	uint64_t pfn;
	unsigned capacity = c->objects_per_slab;

	if ((alloc_gfp & MODEL_GFP_DIRECT_RECLAIM) && c->order > c->min_order)
		alloc_gfp = (alloc_gfp | MODEL_GFP_NOMEMALLOC) & ~(uint32_t)MODEL_GFP_RECLAIM;
	q.gfp = alloc_gfp;
	if (sm->page_ops.alloc(sm->page_ops.ctx, &q, &pfn) != MODEL_OK) {
		/* the minimum order with the caller's own flags, also when it is the same order:
		 * the first try's __GFP_NORETRY ends the slowpath early */
		q.order = c->min_order;
		q.gfp = flags;
		if (sm->page_ops.alloc(sm->page_ops.ctx, &q, &pfn) != MODEL_OK)
			return SLAB_NIL;
		if (c->order != c->min_order) {
			capacity = c->min_objects;
			sm->st.fallback_order_slabs++;
		}
	}
	uint32_t i = slab_new(sm);
	if (i == SLAB_NIL) {
		sm->page_ops.free(sm->page_ops.ctx, pfn, q.order, q.migratetype, cpu);
		return SLAB_NIL;
	}
	sm->slabs[i] = (struct slab){ .pfn = pfn,
				      .cache = (uint16_t)(c - sm->caches),
				      .nid = (uint8_t)nid,
				      .order = (uint8_t)q.order,
				      .capacity = (uint16_t)capacity,
				      .cpu = (uint16_t)(cpu < 0 ? 0 : cpu),
				      .prev = SLAB_NIL,
				      .next = SLAB_NIL };
	c->nr_slabs++;
	sm->st.slabs++;
	sm->st.slab_pages += 1u << q.order;
	sm->st.slab_pages_allocated += 1u << q.order;
	if (c->reclaimable)
		sm->st.slab_pages_reclaimable += 1u << q.order;
	else
		sm->st.slab_pages_unmovable += 1u << q.order;
	return i;
}

/*
 * discard_slab(): the last object went, the pages go back (free_slab, __free_pages). Out of
 * line, so slab_inuse_moves() (one call in ten discards) saves no registers for it.
 */
static __attribute__((noinline)) void discard_slab(struct slab_model *sm, struct slab_cache *c,
						   uint32_t i)
{
	struct slab *s = &sm->slabs[i];
	unsigned pages = 1u << s->order;

	if (s->on_partial)
		partial_del(sm, c, i);
	/* an adopted start slab: its page is remembered until the host frees it too */
	if (key_map_get(&sm->start_slabs, s->pfn) == i + 1 &&
	    key_map_put(&sm->start_slabs, s->pfn, START_SLAB_GONE))
		key_map_del(&sm->start_slabs, s->pfn);
	sm->page_ops.free(sm->page_ops.ctx, s->pfn, s->order,
			  c->reclaimable ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE, s->cpu);
	c->nr_slabs--;
	sm->st.slabs--;
	sm->st.slab_pages -= pages;
	if (s->adopted)
		sm->st.start_slab_pages_discarded += pages;
	else
		sm->st.slab_pages_freed += pages;
	if (c->reclaimable)
		sm->st.slab_pages_reclaimable -= pages;
	else
		sm->st.slab_pages_unmovable -= pages;
	s->next = sm->slab_free;
	s->inuse = 0;
	s->unnamed = 0;
	s->capacity = 0;
	sm->slab_free = i;
}

/*
 * __slab_free(): a slab whose last object went is discarded when its node's partial list holds
 * min_partial slabs or more besides it, and otherwise kept there, empty, for the next
 * allocations, so that a cache churning objects does not give its pages back and take them
 * again with every emptied slab. "Besides it" is __put_partials()'s test (an emptied slab
 * leaving a CPU's partial list is not on the node's list yet); __slab_free()'s own test, for a
 * slab already on the node's list, counts that slab too, so there the kernel keeps one empty
 * slab fewer than this model does (docs/model.md).
 */
static bool slab_empty_discard(const struct slab_cache *c, const struct slab *s)
{
	return c->partial[s->nid].count >= c->min_partial + (s->on_partial ? 1u : 0u);
}

/* __slab_free()'s list moves for slab si, just emptied or off the partial list (it was full). */
static __attribute__((noinline, cold)) void slab_inuse_moves(struct slab_model *sm,
							     struct slab_cache *c, uint32_t si)
{
	struct slab *s = &sm->slabs[si];

	if (s->inuse == 0 && slab_empty_discard(c, s))
		discard_slab(sm, c, si);
	else if (!s->on_partial)
		partial_add(sm, c, si, true);
}

/*
 * __slab_free()'s list moves for one object fewer in slab si. A slab on its partial list that
 * keeps an object has none to make (most frees): that test stays inline, the moves do not.
 */
static inline void slab_inuse_dec(struct slab_model *sm, struct slab_cache *c, uint32_t si)
{
	struct slab *s = &sm->slabs[si];

	if (--s->inuse == 0 || !s->on_partial)
		slab_inuse_moves(sm, c, si);
}

/*
 * Take an object out of its slab; its live-map slot is known (a free) or looked up, v is the
 * slot's value (LIVE_NO_ENTRY, or its entry's index + 1: it is on its cache's LRU).
 */
static inline void release_object(struct slab_model *sm, uint32_t v, size_t slot)
{
	uint32_t si = sm->live.slots[slot].slab;
	struct slab *s = &sm->slabs[si];
	struct slab_cache *c = &sm->caches[s->cache];

	if (__builtin_expect(v != LIVE_NO_ENTRY, 0)) {
		lru_del(sm, c, v - 1);
		obj_release(sm, v - 1);
	}
	key_del_slot(&sm->live, slot);
	c->nr_objects--;
	slab_inuse_dec(sm, c, si);
}

/* Take an object out of its slab (a shrinker's reclaim). */
void slab_release_object(struct slab_model *sm, uint32_t oi)
{
	release_object(sm, oi + 1, key_find(&sm->live, sm->objs[oi].key));
}

/* ---- caches ---- */

static int page_model_alloc(void *ctx, const struct model_alloc_req *q, uint64_t *pfn)
{
	return model_alloc(ctx, q, pfn);
}

static void page_model_free(void *ctx, uint64_t pfn, unsigned order, int migratetype, int cpu)
{
	(void)migratetype;
	(void)cpu;
	model_free(ctx, pfn, order);
}

void slab_set_page_ops(struct slab_model *sm, const struct slab_page_ops *ops)
{
	if (ops)
		sm->page_ops = *ops;
	else
		sm->page_ops = (struct slab_page_ops){ page_model_alloc, page_model_free, sm->m };
}

/*
 * Room in the live-object map and the object array for n objects at once, so neither is
 * rehashed or copied as it fills (a hint: a failure leaves them to grow as before). n may be a
 * little short or long (the pre-pass counts by hash, a few percent): the map, sized to what it
 * holds, gets an eighth more (pressure-reclaim's replay peaks 0.8% above its count).
 */
void slab_model_reserve(struct slab_model *sm, uint64_t n)
{
	uint64_t objs = n + n / 16;
	key_map_presize(&sm->live, n + n / 8);
	if (objs > sm->objs_cap && objs <= SLAB_NIL)
		objs_resize(sm, (size_t)objs);
}

struct slab_model *slab_model_create(struct model *m, const struct slab_params *p)
{
	struct slab_model *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	sm->m = m;
	if (p)
		sm->p = *p;
	else
		slab_params_default(&sm->p);
	if (!sm->p.seeks)
		sm->p.seeks = 2;
	if (!sm->p.batch)
		sm->p.batch = 128;
	slab_set_page_ops(sm, NULL);
	sm->obj_free = sm->slab_free = SLAB_NIL;
	for (int i = 0; i < SLAB_KMALLOC_CLASSES * 2; i++)
		sm->kmalloc[i] = -1;
	/* the live-object map always has slots, so its lookups test for none */
	if (key_resize(&sm->live, 1024, KEY_MAP_TAIL)) {
		free(sm);
		return NULL;
	}
	model_set_shrink_callback(m, slab_shrink_callback, sm);
	return sm;
}

void slab_model_destroy(struct slab_model *sm)
{
	if (!sm)
		return;
	model_set_shrink_callback(sm->m, NULL, NULL);
	for (size_t i = 0; i < sm->ncaches; i++)
		for (int n = 0; n < MODEL_MAX_NODES; n++)
			lru_destroy(&sm->caches[i].lru[n]);
	free(sm->caches);
	free(sm->shrinkers);
	free(sm->slabs);
	free(sm->objs);
	key_map_free(&sm->live);
	key_map_free(&sm->reclaimed);
	key_map_free(&sm->start_slabs);
	free(sm);
}

/* set_min_partial(s, ilog2(s->size) / 2) of kmem_cache_open(): within MIN_PARTIAL..MAX_PARTIAL. */
static unsigned set_min_partial(uint32_t size)
{
	unsigned min = (31u - (unsigned)__builtin_clz(size ? size : 1)) / 2;

	return min < SLAB_MIN_PARTIAL	? SLAB_MIN_PARTIAL
	       : min > SLAB_MAX_PARTIAL ? SLAB_MAX_PARTIAL
					: min;
}

int slab_cache_create(struct slab_model *sm, const struct slab_cache_config *cfg)
{
	if (!cfg->name || !cfg->object_size || cfg->object_size > (4096u << MAX_PAGE_ORDER) ||
	    cfg->order > MAX_PAGE_ORDER || sm->ncaches >= SLAB_MAX_CACHES)
		return MODEL_EINVAL;
	if (sm->ncaches == sm->caches_cap) {
		size_t cap = sm->caches_cap ? sm->caches_cap * 2 : 64;
		struct slab_cache *c = realloc(sm->caches, cap * sizeof(*c));
		if (!c)
			return MODEL_ENOSPACE;
		sm->caches = c;
		sm->caches_cap = cap;
	}
	struct slab_cache *c = &sm->caches[sm->ncaches];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);
	c->object_size = cfg->object_size;
	c->order = cfg->order;
	c->objects_per_slab = cfg->objects_per_slab ? cfg->objects_per_slab
						    : (4096u << cfg->order) / cfg->object_size;
	if (!c->objects_per_slab || c->objects_per_slab > UINT16_MAX)
		return MODEL_EINVAL;
	c->min_order = get_order(cfg->object_size);
	if (c->min_order > c->order)
		c->min_order = c->order;
	c->min_objects = (4096u << c->min_order) / cfg->object_size;
	if (c->min_order == c->order)
		c->min_objects = c->objects_per_slab;
	if (cfg->shrinkable && sm->nshrinkers == sm->shrinkers_cap) {
		size_t cap = sm->shrinkers_cap ? sm->shrinkers_cap * 2 : 16;
		uint32_t *s = realloc(sm->shrinkers, cap * sizeof(*s));
		if (!s)
			return MODEL_ENOSPACE;
		sm->shrinkers = s;
		sm->shrinkers_cap = cap;
	}
	c->min_partial = set_min_partial(cfg->object_size);
	c->reclaimable = cfg->reclaimable;
	c->shrinkable = cfg->shrinkable;
	c->freeable_ppm = cfg->has_freeable_ppm ? cfg->freeable_ppm : sm->p.freeable_ppm;
	for (int n = 0; n < MODEL_MAX_NODES; n++) {
		c->partial[n] = (struct slab_list){ SLAB_NIL, SLAB_NIL, 0 };
		lru_init(&c->lru[n]);
	}
	if (c->shrinkable)
		sm->shrinkers[sm->nshrinkers++] = (uint32_t)sm->ncaches;
	sm->st.caches++;
	return (int)sm->ncaches++;
}

bool slab_shrinkable_by_default(const char *name)
{
	size_t n = strlen(name);
	if (!strcmp(name, "dentry"))
		return true;
	if (n >= 5 && !strcmp(name + n - 5, "inode"))
		return true;
	return n >= 11 && !strcmp(name + n - 11, "inode_cache");
}

int slab_cache_lookup(const struct slab_model *sm, const char *name)
{
	for (size_t i = 0; i < sm->ncaches; i++)
		if (!strcmp(sm->caches[i].name, name))
			return (int)i;
	return -1;
}

/* kmalloc size classes (kmalloc_info[]) and SLUB's usual geometry for them. */
static const uint32_t kmalloc_sizes[SLAB_KMALLOC_CLASSES] = { 8,   16,	32,   64,   96,	  128, 192,
							      256, 512, 1024, 2048, 4096, 8192 };

/*
 * The classes of the sizes up to 192 bytes by (size - 1) / 8: the 96 and 192 byte classes
 * break the powers of two there.
 */
static const uint8_t kmalloc_small_index[24] = { 0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
						 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6 };

/*
 * kmalloc_index(): the smallest class of kmalloc_sizes[] holding size (0 for 0), -1 above the
 * largest; above 192 bytes the classes are the powers of two 256..8192, fls(size - 1) - 1.
 */
static int kmalloc_index(uint64_t size)
{
	if (size <= 192)
		return size ? kmalloc_small_index[(size - 1) / 8] : 0;
	if (size > kmalloc_sizes[SLAB_KMALLOC_CLASSES - 1])
		return -1;
	return 63 - __builtin_clzll(size - 1);
}

/* kmalloc_slab(): the normal or reclaimable class cache for a size, created on first use. */
int slab_kmalloc_cache(struct slab_model *sm, uint64_t size, uint32_t gfp)
{
	int k = kmalloc_index(size), rcl = (gfp & MODEL_GFP_RECLAIMABLE) ? 1 : 0;

	if (k < 0)
		return -1;
	int *slot = &sm->kmalloc[rcl * SLAB_KMALLOC_CLASSES + k];
	if (*slot < 0) {
		uint32_t sz = kmalloc_sizes[k];
		char name[32];
		snprintf(name, sizeof(name), "kmalloc-%s%u%s", rcl ? "rcl-" : "",
			 sz >= 1024 ? sz / 1024 : sz, sz >= 1024 ? "k" : "");
		struct slab_cache_config cfg = { .name = name,
						 .object_size = sz,
						 .order = sz >= 1024  ? 3
							  : sz >= 512 ? 2
							  : sz >= 256 ? 1
								      : 0,
						 .reclaimable = rcl };
		*slot = slab_cache_create(sm, &cfg);
	}
	return *slot;
}

/* ---- the trace's operations ---- */

/*
 * ___slab_alloc()'s new_slab path: no partial slab on the node, so a new one goes at the head of
 * its partial list (out of line: one allocation in many dozens takes it).
 */
static __attribute__((noinline, cold)) uint32_t
new_slab(struct slab_model *sm, struct slab_cache *c, uint32_t gfp, int nid, int cpu)
{
	uint32_t si = allocate_slab(sm, c, gfp, nid, cpu);

	if (si == SLAB_NIL) {
		sm->st.alloc_failed++;
		return SLAB_NIL;
	}
	partial_add(sm, c, si, false);
	return si;
}

/*
 * slab_obj_alloc() in full: the allocations alloc_obj_in_place() does not take (it may be
 * called for any, as slab_obj_alloc_slow() is: it takes them too, one probe later).
 */
static __attribute__((noinline)) int slab_obj_alloc_full(struct slab_model *sm, int cache,
							 uint64_t key, uint32_t gfp, int nid,
							 int cpu, uint64_t now_ns)
{
	if (cache < 0 || (size_t)cache >= sm->ncaches)
		return MODEL_EINVAL;
	if (nid < 0 || nid >= MODEL_MAX_NODES)
		nid = 0;
	if (key_reserve(&sm->live))
		return MODEL_ENOSPACE;
	/* one probe for the check and the insert; only a new slab's direct reclaim can free
	 * objects (shrink_slab), and the slot is looked up again after it */
	size_t slot;
	if (key_find_insert(&sm->live, key, &slot))
		return MODEL_ENOSPACE;
	if (sm->live.slots[slot].value)
		return MODEL_ESTATE;
	key_map_del(&sm->reclaimed, key); /* the trace reuses an address the model reclaimed */

	struct slab_cache *c = &sm->caches[cache];
	uint32_t si = c->partial[nid].head;
	if (si == SLAB_NIL) {
		si = new_slab(sm, c, gfp, nid, cpu);
		if (si == SLAB_NIL)
			return MODEL_ENOMEM;
		if (key_find_insert(&sm->live, key, &slot))
			return MODEL_ENOSPACE; /* the new slab stays, empty, on its partial list */
	}
	/* only an object that goes on its cache's LRU has an entry */
	uint32_t oi = SLAB_NIL, v = LIVE_NO_ENTRY;
	if (__builtin_expect(c->shrinkable, 0) && slab_obj_unused(c, key)) {
		oi = obj_new(sm);
		if (oi == SLAB_NIL) {
			sm->st.alloc_failed++;
			return MODEL_ENOSPACE;
		}
		sm->objs[oi] = (struct slab_obj){ .key = key,
						  .slab = si,
						  .born_ns = now_ns,
						  .lru_prev = SLAB_NIL,
						  .lru_next = SLAB_NIL,
						  .lru_chunk = SLAB_NIL };
		v = oi + 1;
	}
	sm->live.slots[slot] = (struct key_slot){ key, v, si };
	sm->live.used++;
	struct slab *s = &sm->slabs[si];
	if (__builtin_expect(++s->inuse == s->capacity, 0))
		partial_del(sm, c, si);
	if (__builtin_expect(oi != SLAB_NIL, 0))
		lru_add_tail(sm, c, oi);
	c->nr_objects++;
	sm->st.allocs++;
	return MODEL_OK;
}

/*
 * slab_obj_alloc() when nothing moves (most allocations): the map has room, key is not a
 * reclaimed one, the node's partial list has a slab that this object does not fill, the object
 * goes on no LRU (no entry) and key is not live. Then the object goes into the slab's count
 * and the map as slab_obj_alloc_full() would put it; false, nothing changed, otherwise. Kept
 * apart so the allocation's fast path makes no call and saves no registers.
 */
static inline bool alloc_obj_in_place(struct slab_model *sm, int cache, uint64_t key, int nid)
{
	if (nid < 0 || nid >= MODEL_MAX_NODES)
		nid = 0; /* as slab_obj_alloc_full() takes it */
	if (cache < 0 || (size_t)cache >= sm->ncaches || key_map_full(&sm->live) ||
	    (sm->reclaimed.used && sm->reclaimed.slots[key_find(&sm->reclaimed, key)].value))
		return false;
	struct slab_cache *c = &sm->caches[cache];
	uint32_t si = c->partial[nid].head;
	if (si == SLAB_NIL || (c->shrinkable && slab_obj_unused(c, key)))
		return false;
	struct slab *s = &sm->slabs[si];
	if (s->inuse + 1 == s->capacity)
		return false;
	size_t slot = key_find(&sm->live, key);
	if (sm->live.slots[slot].value || slot == key_last(&sm->live))
		return false;
	sm->live.slots[slot] = (struct key_slot){ key, LIVE_NO_ENTRY, si };
	sm->live.used++;
	s->inuse++;
	c->nr_objects++;
	sm->st.allocs++;
	return true;
}

/*
 * alloc_obj_in_place() alone, for a caller that tries it before slab_obj_alloc(): a leaf
 * function of four arguments, so it saves no registers (slab_obj_alloc() keeps seven values
 * live across it for its slow path, and saved six registers on every call for them).
 */
bool slab_obj_alloc_fast(struct slab_model *sm, int cache, uint64_t key, int nid)
{
	return alloc_obj_in_place(sm, cache, key, nid);
}

int slab_obj_alloc_slow(struct slab_model *sm, int cache, uint64_t key, uint32_t gfp, int nid,
			int cpu, uint64_t now_ns)
{
	return slab_obj_alloc_full(sm, cache, key, gfp, nid, cpu, now_ns);
}

int slab_obj_alloc(struct slab_model *sm, int cache, uint64_t key, uint32_t gfp, int nid, int cpu,
		   uint64_t now_ns)
{
	if (alloc_obj_in_place(sm, cache, key, nid))
		return MODEL_OK;
	return slab_obj_alloc_full(sm, cache, key, gfp, nid, cpu, now_ns);
}

/* obj_free_known()'s answer for a key neither map holds: apart from the MODEL_* codes. */
enum { OBJ_UNKNOWN = 1 };

/*
 * The free of key if the model knows it: MODEL_OK for a live object, MODEL_ESTATE (counted) for
 * one a shrinker reclaimed, OBJ_UNKNOWN (nothing counted) otherwise. One probe of each map.
 */
static __attribute__((noinline, cold)) int obj_free_not_live(struct slab_model *sm, uint64_t key)
{
	/* nothing reclaimed (before a shrinker's first pass, or all freed since): no lookup */
	if (!sm->reclaimed.used || !key_map_get(&sm->reclaimed, key)) {
		sm->unknown_key = key;
		sm->unknown_at_allocs = sm->st.allocs;
		return OBJ_UNKNOWN;
	}
	key_map_del(&sm->reclaimed, key);
	sm->st.frees_after_reclaim++;
	return MODEL_ESTATE;
}

/* release_object() out of line: the frees that move something (release_object_in_place). */
static __attribute__((noinline)) void release_object_moving(struct slab_model *sm, uint32_t v,
							    size_t slot)
{
	release_object(sm, v, slot);
}

/*
 * release_object() of the object in live-map slot slot when its slab stays put (most frees):
 * no entry (not on an LRU) and its slab on its partial list keeping an object (no list move).
 * Then the counts change and the slot empties (key_del_slot(), whose shift of a probe run is
 * out of line), as release_object() would do them; false, nothing changed, otherwise. Kept
 * apart so the free's fast path saves few registers.
 */
static inline bool release_object_in_place(struct slab_model *sm, size_t slot)
{
	struct key_slot *ks = &sm->live.slots[slot];
	struct slab *s = &sm->slabs[ks->slab];

	if (ks->value != LIVE_NO_ENTRY || s->inuse == 1 || !s->on_partial)
		return false;
	sm->caches[s->cache].nr_objects--;
	s->inuse--;
	key_del_slot(&sm->live, slot);
	return true;
}

static inline int obj_free_known(struct slab_model *sm, uint64_t key)
{
	size_t slot = key_find(&sm->live, key);
	uint32_t v = sm->live.slots[slot].value;

	if (!v)
		return obj_free_not_live(sm, key);
	sm->st.frees++;
	if (!release_object_in_place(sm, slot))
		release_object_moving(sm, v, slot);
	return MODEL_OK;
}

int slab_obj_free(struct slab_model *sm, uint64_t key)
{
	int rc = obj_free_known(sm, key);

	if (rc != OBJ_UNKNOWN)
		return rc;
	sm->st.unknown_frees++;
	return MODEL_ESTATE;
}

bool slab_obj_free_known(struct slab_model *sm, uint64_t key)
{
	return obj_free_known(sm, key) != OBJ_UNKNOWN;
}

int slab_obj_free_not_known(struct slab_model *sm)
{
	sm->st.unknown_frees++;
	return MODEL_ESTATE;
}

/*
 * A slab allocated before the trace: the model knows none of its objects. The first trace free
 * of one of them in a page the caller holds as an order-0 slab page of the cache adopts the
 * page as a slab of that cache, full at the trace's start (start slabinfo shows the caches that
 * churn nearly full), its objects counted in unnamed but not named; that free and the later ones
 * of unnamed objects in the page take from unnamed, and __slab_free's list moves apply: the first
 * free puts the full slab on the partial list's tail, so new objects fill the freed slots as
 * the host's did, and an emptied slab goes by the min_partial rule.
 */
static uint32_t adopt_start_slab(struct slab_model *sm, int cache, uint64_t pfn, int nid, int cpu)
{
	struct slab_cache *c = &sm->caches[cache];
	uint32_t i;

	if (c->order || c->objects_per_slab < 2 || nid < 0 || nid >= MODEL_MAX_NODES)
		return SLAB_NIL;
	i = slab_new(sm);
	if (i == SLAB_NIL)
		return SLAB_NIL;
	if (key_map_put(&sm->start_slabs, pfn, i + 1)) {
		/* back on the free entries as slab_release() leaves one: no capacity, unused */
		sm->slabs[i] = (struct slab){ .prev = SLAB_NIL, .next = sm->slab_free };
		sm->slab_free = i;
		return SLAB_NIL;
	}
	sm->slabs[i] = (struct slab){ .pfn = pfn,
				      .cache = (uint16_t)cache,
				      .nid = (uint8_t)nid,
				      .cpu = (uint16_t)(cpu < 0 ? 0 : cpu),
				      .capacity = (uint16_t)c->objects_per_slab,
				      .inuse = (uint16_t)c->objects_per_slab,
				      .unnamed = (uint16_t)c->objects_per_slab,
				      .adopted = true,
				      .prev = SLAB_NIL,
				      .next = SLAB_NIL };
	c->nr_slabs++;
	sm->st.slabs++;
	sm->st.slab_pages++;
	sm->st.start_slabs++;
	if (c->reclaimable)
		sm->st.slab_pages_reclaimable++;
	else
		sm->st.slab_pages_unmovable++;
	return i;
}

/*
 * Whether key is live or reclaimed. A key becomes live only through an allocation (st.allocs
 * counts each) and reclaimed only from live, so the last key a free found unknown stays
 * unknown until the next allocation: replay's free of an object the model does not hold asks
 * slab_obj_free_known() and then slab_obj_free_start(), which asks again without a lookup.
 */
static inline bool obj_unknown_noted(const struct slab_model *sm, uint64_t key)
{
	return key == sm->unknown_key && sm->st.allocs == sm->unknown_at_allocs;
}

bool slab_obj_known(const struct slab_model *sm, uint64_t key)
{
	if (obj_unknown_noted(sm, key))
		return false;
	return sm->live.slots[key_find(&sm->live, key)].value || key_map_get(&sm->reclaimed, key);
}

/* The free of an unnamed object of start slab i (SLAB_NIL: none) of cache: false if it has none. */
static bool start_slab_take(struct slab_model *sm, uint32_t i, int cache)
{
	if (i == SLAB_NIL || !sm->slabs[i].unnamed || sm->slabs[i].cache != cache)
		return false;
	sm->slabs[i].unnamed--;
	sm->st.start_slab_frees++;
	slab_inuse_dec(sm, &sm->caches[cache], i);
	return true;
}

bool slab_obj_free_adopted(struct slab_model *sm, uint64_t key, int cache, uint64_t pfn)
{
	uint32_t i;

	/* the key noted unknown by the free just asked (replay's case): no call, no lookup */
	if ((!obj_unknown_noted(sm, key) && slab_obj_known(sm, key)) || cache < 0 ||
	    (size_t)cache >= sm->ncaches)
		return false;
	i = key_map_get(&sm->start_slabs, pfn);
	return i && i != START_SLAB_GONE && start_slab_take(sm, i - 1, cache);
}

int slab_obj_free_start(struct slab_model *sm, uint64_t key, int cache, uint64_t pfn, int nid,
			int cpu, bool may_adopt, bool *adopted)
{
	uint32_t i;

	*adopted = false;
	if (slab_obj_known(sm, key) || cache < 0 || (size_t)cache >= sm->ncaches)
		return slab_obj_free(sm, key);
	i = key_map_get(&sm->start_slabs, pfn);
	if (i == START_SLAB_GONE) {
		i = SLAB_NIL;
	} else if (i) {
		i--;
	} else if (may_adopt) {
		i = adopt_start_slab(sm, cache, pfn, nid, cpu);
		*adopted = i != SLAB_NIL;
	} else {
		i = SLAB_NIL;
	}
	if (!start_slab_take(sm, i, cache))
		return slab_obj_free(sm, key);
	return MODEL_OK;
}

/*
 * The host freed the page of an adopted start slab: SLUB gives a slab's page back only when its
 * last object is gone, so the objects still counted from before the trace were free slots at
 * the start, not objects (the slab was not full). They go (inuse less by them), with
 * __slab_free()'s list moves; the slab itself is this model's and keeps the objects the model
 * put in it.
 */
bool slab_start_page_freed(struct slab_model *sm, uint64_t pfn)
{
	uint32_t i = key_map_get(&sm->start_slabs, pfn);
	struct slab *s;

	if (!i)
		return false;
	sm->st.start_slab_pages_freed++;
	if (i == START_SLAB_GONE) {
		/* the model emptied and discarded the slab first */
		sm->st.start_slab_pages_gone++;
		key_map_del(&sm->start_slabs, pfn);
		return true;
	}
	/* the page's start is settled: the slab is an ordinary one of the model's from now on */
	key_map_del(&sm->start_slabs, pfn);
	s = &sm->slabs[i - 1];
	if (!s->unnamed)
		return true;
	sm->st.start_slab_free_slots += s->unnamed;
	s->inuse = (uint16_t)(s->inuse - s->unnamed + 1);
	s->unnamed = 0;
	slab_inuse_dec(sm, &sm->caches[s->cache], i - 1);
	return true;
}

void slab_model_stats(const struct slab_model *sm, struct slab_stats *st)
{
	*st = sm->st;
	st->objects = sm->live.used; /* every live object is in the map: not counted apart */
}

const char *slab_model_check(const struct slab_model *sm, char *buf, size_t len)
{
	uint32_t *count = calloc(sm->nslabs + 1, sizeof(*count));
	uint64_t live = 0, entries = 0;
	const char *bad = NULL;

	if (!count)
		return "out of memory";
	/* the live objects: each in a slab that holds objects, with an entry exactly when unused
	 * in a shrinkable cache (on its LRU) */
	for (size_t i = 0; i < key_slots_total(sm->live.cap, key_tail(&sm->live)); i++) {
		const struct key_slot *ks = &sm->live.slots[i];
		if (!ks->value)
			continue;
		live++;
		if (ks->slab >= sm->nslabs || !sm->slabs[ks->slab].capacity) {
			snprintf(buf, len, "object (key %#llx) in slab %u, not a slab",
				 (unsigned long long)ks->key, ks->slab);
			bad = buf;
			goto out;
		}
		count[ks->slab]++;
		const struct slab_cache *c = &sm->caches[sm->slabs[ks->slab].cache];
		bool entry = ks->value != LIVE_NO_ENTRY;
		if (entry != (c->shrinkable && slab_obj_unused(c, ks->key)) ||
		    (entry &&
		     (ks->value - 1 >= sm->nobjs || sm->objs[ks->value - 1].slab == SLAB_NIL))) {
			snprintf(buf, len, "object (key %#llx) of %s: entry %u, unused %d",
				 (unsigned long long)ks->key, c->name, ks->value,
				 slab_obj_unused(c, ks->key));
			bad = buf;
			goto out;
		}
	}
	for (size_t i = 0; i < sm->nobjs; i++) {
		const struct slab_obj *o = &sm->objs[i];
		if (o->slab == SLAB_NIL)
			continue;
		entries++;
		const struct slab_cache *c = &sm->caches[sm->slabs[o->slab].cache];
		bool on_lru = o->lru_next != SLAB_NIL;
		if (!on_lru || !c->shrinkable || !slab_obj_unused(c, o->key)) {
			snprintf(buf, len, "object %zu of %s: on the LRU %d, unused %d", i, c->name,
				 on_lru, slab_obj_unused(c, o->key));
			bad = buf;
			goto out;
		}
		if (key_map_get(&sm->live, o->key) != i + 1) {
			snprintf(buf, len, "object %zu (key %#llx) missing from the map", i,
				 (unsigned long long)o->key);
			bad = buf;
			goto out;
		}
		if (sm->live.slots[key_find(&sm->live, o->key)].slab != o->slab) {
			snprintf(buf, len, "object %zu: the map names slab %u, the object slab %u",
				 i, sm->live.slots[key_find(&sm->live, o->key)].slab, o->slab);
			bad = buf;
			goto out;
		}
	}
	if (live != sm->live.used || entries != sm->st.lru_objects) {
		snprintf(buf, len, "%llu live objects, map holds %zu; %llu entries, %llu on LRUs",
			 (unsigned long long)live, sm->live.used, (unsigned long long)entries,
			 (unsigned long long)sm->st.lru_objects);
		bad = buf;
		goto out;
	}
	uint64_t pages = 0, adopted = 0;
	for (size_t i = 0; i < sm->nslabs; i++) {
		const struct slab *s = &sm->slabs[i];
		if (!s->capacity)
			continue; /* on the free list */
		pages += 1u << s->order;
		adopted += s->adopted;
		bool partial = s->inuse < s->capacity;
		if (count[i] + s->unnamed != s->inuse || s->on_partial != partial) {
			snprintf(buf, len,
				 "slab %zu: inuse %u, objects %u, capacity %u, on partial %d", i,
				 s->inuse, count[i], s->capacity, s->on_partial);
			bad = buf;
			goto out;
		}
	}
	/* the page counters: the model's own slabs' pages taken less given back, and the start
	 * slabs adopted less discarded (one page each) */
	if (pages != sm->st.slab_pages ||
	    sm->st.slab_pages != sm->st.slab_pages_allocated - sm->st.slab_pages_freed +
					 sm->st.start_slabs - sm->st.start_slab_pages_discarded ||
	    adopted != sm->st.start_slabs - sm->st.start_slab_pages_discarded) {
		snprintf(buf, len,
			 "%llu slab pages (%llu adopted slabs), stats say %llu: allocated %llu, "
			 "freed %llu, start slabs %llu, discarded %llu",
			 (unsigned long long)pages, (unsigned long long)adopted,
			 (unsigned long long)sm->st.slab_pages,
			 (unsigned long long)sm->st.slab_pages_allocated,
			 (unsigned long long)sm->st.slab_pages_freed,
			 (unsigned long long)sm->st.start_slabs,
			 (unsigned long long)sm->st.start_slab_pages_discarded);
		bad = buf;
		goto out;
	}
	uint64_t on_lrus = 0;
	for (size_t ci = 0; ci < sm->ncaches && !bad; ci++)
		bad = slab_check_lists(sm, &sm->caches[ci], buf, len, &on_lrus);
	if (!bad && on_lrus != sm->st.lru_objects) {
		snprintf(buf, len, "%llu objects on LRUs, stats say %llu",
			 (unsigned long long)on_lrus, (unsigned long long)sm->st.lru_objects);
		bad = buf;
	}
out:
	free(count);
	return bad;
}
