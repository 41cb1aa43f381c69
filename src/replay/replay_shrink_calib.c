// SPDX-License-Identifier: GPL-2.0
/*
 * replay_shrink_calib.c - the host's own shrinker runs, and the freeable share of the model's
 * shrinkable caches derived from them.
 *
 * The kernel's list_lru holds only a cache's unused objects; count_objects returns their
 * number (super_cache_count: unused dentries and inodes of one superblock, scaled by
 * vfs_cache_pressure), and mm_shrink_slab_start records it as cache_items. The model's LRU
 * holds the share of the cache's objects it takes as unused, which is the host's unused
 * objects over its objects: per shrinker_round, the sum of cache_items over the
 * shrinker's instances (one per superblock and memory cgroup), with vfs_cache_pressure taken
 * out, over the active objects of the caches it covers in slabinfo (interpolated in time
 * between the start and end snapshots); the share is the mean over rounds.
 *
 * A round is one shrink_slab() pass of one task over a node, at one priority, across the
 * memory cgroups shrink_node() visits: it ends when the task's node or priority changes (the
 * reclaim loop lowers the priority between passes) or after ROUND_GAP_NS without a shrink
 * event of the task. The trace names a shrinker only by its scan function, so the instances
 * of one (every superblock's) cannot be told apart and are summed. Scanned objects are do_shrink_slab's total_scan at
 * the start less what was left at the end; freed is the end event's return value (both
 * reported, not used: the model's shrinker does its own scan).
 *
 * Coverage: super_cache_scan (the superblock shrinker) covers the dentry and inode caches,
 * which are the model's shrinkable caches (slab_shrinkable_by_default). The other shrinkers
 * (ext4_es_scan, deferred_split_scan, kfree_rcu, shadow nodes, ...) are reported only.
 *
 * Workload: the pre-pass feeds every event; a shrink event costs a lookup among at most
 * REPLAY_MAX_SHRINKERS names and a slot of ROUND_SLOTS open rounds; no allocation after create.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

#define ROUND_SLOTS  64		 /* open rounds, one per task (hashed by pid) */
#define ROUND_GAP_NS 10000000ull /* a task's shrink events this far apart: another round */

struct round {
	bool open;
	int32_t pid, nid, priority;
	uint64_t ts, last_ts; /* its first and latest event */
	double items[REPLAY_MAX_SHRINKERS];
	bool seen[REPLAY_MAX_SHRINKERS];
	int pending;	      /* the shrinker whose end event is due, or -1 */
	int64_t pending_scan; /* its total_scan at the start */
};

struct shrink_calib {
	const struct host_desc *h;
	uint64_t first_ts, span_ns;
	struct replay_shrink_calibration out;
	double items_sum[REPLAY_MAX_SHRINKERS], share_sum[REPLAY_MAX_SHRINKERS];
	uint64_t share_rounds[REPLAY_MAX_SHRINKERS];
	uint32_t id_of[REPLAY_MAX_SHRINKERS]; /* a string id seen for each name */
	struct round rounds[ROUND_SLOTS];
};

/* The caches a shrinker frees from, as the model names them. */
static bool covers_model_caches(const char *shrinker)
{
	return !strcmp(shrinker, "super_cache_scan");
}

struct shrink_calib *shrink_calib_create(const struct host_desc *h, uint64_t first_ts,
					 uint64_t span_ns)
{
	struct shrink_calib *c = calloc(1, sizeof(*c));
	if (c) {
		c->h = h;
		c->first_ts = first_ts;
		c->span_ns = span_ns;
	}
	return c;
}

void shrink_calib_destroy(struct shrink_calib *c)
{
	free(c);
}

/* The shrinker's index by its scan function's name ("super_cache_scan+0x0/0x1b0"), or -1. */
static int shrinker_index(struct shrink_calib *c, struct trace_reader *r, uint32_t id)
{
	struct replay_shrink_calibration *o = &c->out;
	for (size_t i = 0; i < o->n; i++)
		if (c->id_of[i] == id)
			return (int)i;
	const char *s = trace_reader_string(r, id);
	char name[64];
	size_t len = s ? strcspn(s, "+") : 0;
	if (!len || len >= sizeof(name))
		return -1;
	memcpy(name, s, len);
	name[len] = 0;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->s[i].shrinker, name))
			return (int)i;
	if (o->n == REPLAY_MAX_SHRINKERS)
		return -1;
	memset(&o->s[o->n], 0, sizeof(o->s[0]));
	memcpy(o->s[o->n].shrinker, name, len + 1);
	c->id_of[o->n] = id;
	return (int)o->n++;
}

/*
 * The shrinkable caches' active objects at ts, between the start and end slabinfo; with one
 * snapshot missing, the other. A snapshot present with none (a synthetic host's start) is
 * interpolated from.
 */
static double host_objects_at(const struct shrink_calib *c, uint64_t ts)
{
	double a = (double)c->h->shrinkable_objects[0], b = (double)c->h->shrinkable_objects[1];
	if (!c->h->have_slabinfo[0] || !c->h->have_slabinfo[1] || !c->span_ns)
		return a != 0 ? a : b;
	double f = ts > c->first_ts ? (double)(ts - c->first_ts) / (double)c->span_ns : 0;
	return a + (b - a) * (f > 1 ? 1 : f);
}

static void round_close(struct shrink_calib *c, struct round *rd)
{
	double objects = host_objects_at(c, rd->ts);
	for (size_t i = 0; i < c->out.n; i++) {
		if (!rd->seen[i])
			continue;
		double unused = rd->items[i] * 100.0 / c->h->vfs_cache_pressure;
		c->out.s[i].rounds++;
		c->items_sum[i] += unused;
		if (covers_model_caches(c->out.s[i].shrinker) && objects > 0) {
			c->share_sum[i] += unused > objects ? 1.0 : unused / objects;
			c->share_rounds[i]++;
		}
	}
	memset(rd, 0, sizeof(*rd));
	rd->pending = -1;
}

static void feed_start(struct shrink_calib *c, struct trace_reader *r, const struct trace_event *ev)
{
	const struct trace_shrink_start *s = &ev->shrink_start;
	struct round *rd = &c->rounds[(uint32_t)ev->pid % ROUND_SLOTS];
	int i = shrinker_index(c, r, s->shrinker);

	if (i < 0) {
		c->out.dropped_runs++;
		return;
	}
	if (rd->open && (rd->pid != ev->pid || rd->nid != s->nid || rd->priority != s->priority ||
			 ev->ts > rd->last_ts + ROUND_GAP_NS))
		round_close(c, rd);
	if (!rd->open) {
		rd->open = true;
		rd->pid = ev->pid;
		rd->nid = s->nid;
		rd->priority = s->priority;
		rd->ts = ev->ts;
	}
	rd->last_ts = ev->ts;
	c->out.s[i].runs++;
	rd->items[i] += s->cache_items > 0 ? (double)s->cache_items : 0;
	rd->seen[i] = true;
	rd->pending = i;
	rd->pending_scan = s->total_scan;
}

static void feed_end(struct shrink_calib *c, const struct trace_event *ev)
{
	const struct trace_shrink_end *e = &ev->shrink_end;
	struct round *rd = &c->rounds[(uint32_t)ev->pid % ROUND_SLOTS];

	if (!rd->open || rd->pid != ev->pid || rd->pending < 0)
		return;
	struct replay_shrinker_calib *s = &c->out.s[rd->pending];
	if (rd->pending_scan > e->total_scan)
		s->scanned += (uint64_t)(rd->pending_scan - e->total_scan);
	if (e->retval > 0)
		s->freed += (uint64_t)e->retval;
	rd->pending = -1;
}

void shrink_calib_feed(struct shrink_calib *c, struct trace_reader *r, const struct trace_event *ev)
{
	if (ev->type == TRACE_SHRINK_START)
		feed_start(c, r, ev);
	else if (ev->type == TRACE_SHRINK_END)
		feed_end(c, ev);
}

void shrink_calib_finish(struct shrink_calib *c, struct replay_shrink_calibration *out)
{
	for (unsigned k = 0; k < ROUND_SLOTS; k++)
		if (c->rounds[k].open)
			round_close(c, &c->rounds[k]);
	for (size_t i = 0; i < c->out.n; i++) {
		struct replay_shrinker_calib *s = &c->out.s[i];
		if (s->rounds)
			s->mean_items = c->items_sum[i] / (double)s->rounds;
		if (covers_model_caches(s->shrinker))
			s->host_objects = host_objects_at(c, c->first_ts + c->span_ns / 2);
		if (c->share_rounds[i]) {
			s->freeable_ppm =
				(uint32_t)(c->share_sum[i] / (double)c->share_rounds[i] * 1e6 +
					   0.5);
			s->applied = true;
		}
	}
	*out = c->out;
}

bool shrink_calib_for_cache(const struct replay_shrink_calibration *cal, const char *cache,
			    uint32_t *ppm)
{
	if (!slab_shrinkable_by_default(cache))
		return false;
	for (size_t i = 0; i < cal->n; i++)
		if (cal->s[i].applied && covers_model_caches(cal->s[i].shrinker)) {
			*ppm = cal->s[i].freeable_ppm;
			return true;
		}
	return false;
}
