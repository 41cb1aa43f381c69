// SPDX-License-Identifier: GPL-2.0
/*
 * model_page_reporting.c - free page reporting (mm/page_reporting.c), as a virtio-balloon
 * device with VIRTIO_BALLOON_F_REPORTING drives it, for the mainline policy.
 *
 * The hosts the bundled traces come from run it (page_reporting_order 9). It matters to the
 * pageblock types: page_reporting_cycle() takes each unreported free block of
 * page_reporting_order or more off its list with __isolate_free_page(), which makes the
 * pageblocks of a block of at least pageblock_order - 1 pages MOVABLE (the mergeable types:
 * Unmovable, Movable, Reclaimable; not HighAtomic), reports it, and gives it back to the
 * MOVABLE list's tail (__putback_isolated_page). So a Reclaimable or Unmovable pageblock that
 * became wholly free turns Movable within a few seconds, with no mm_page_alloc_extfrag event.
 *
 * Modelled: __free_one_page() ending at page_reporting_order or above requests a pass
 * (page_reporting_notify_free); the pass runs PAGE_REPORTING_DELAY (2 s) after the request
 * that found reporting idle (page_reporting_process). Per zone, page_reporting_process_zone()
 * skips the zone unless its free pages are above the low watermark plus
 * PAGE_REPORTING_CAPACITY pages of page_reporting_order; per block, __isolate_free_page()
 * refuses below the min watermark plus the block. Only the Unmovable and Reclaimable lists
 * are walked: a Movable block keeps its type, and its trip to the tail and back keeps the
 * list's order (the pass walks the list in order and puts each block at the tail), so the
 * model leaves those lists alone; the PageReported bit, which only makes later passes skip
 * a block, is not kept, and the per-list budget (nr_free / 512 reports of 32 blocks) is
 * never reached by these lists.
 *
 * The order is a param (page_reporting_order, pageblock_order by default, what
 * page_reporting_register() picks when neither the driver nor the command line gives a valid
 * one); replay takes it from the trace's start/page_reporting_order (docs/replay.md). A block
 * of pageblock_order - 1 takes its pageblock's other free blocks along to MOVABLE
 * (move_freepages_block). Blocks below pageblock_order - 1 keep their pageblock's type in __isolate_free_page() and go back
 * to the same list's tail, which, as for Movable, keeps the list's order: the walk starts at
 * the larger of the two orders. An order above MAX_PAGE_ORDER reports nothing.
 *
 * Expected workload: one pass per 2 s of model time at most, each walking a handful of
 * blocks.
 */
#include "model_internal.h"

#define PAGE_REPORTING_DELAY_NS (2ull * 1000 * 1000 * 1000)

/* __page_reporting_notify(): page_reporting_notify_free() (model_internal.h) found it enabled. */
void __page_reporting_notify(struct model *m)
{
	if (m->policy != MODEL_POLICY_MAINLINE || m->reporting_due_ns)
		return;
	m->reporting_due_ns = m->now_ns + PAGE_REPORTING_DELAY_NS; /* __page_reporting_request */
	model_due_by(m, m->reporting_due_ns);
}

/* __isolate_free_page() and __putback_isolated_page() of one reported block. */
static bool page_reporting_isolate(struct model *m, struct zone *z, uint64_t pfn, unsigned order)
{
	if (!zone_free_above_mark(z, 0, min_wmark_pages(z) + (1ull << order),
				  zone_usable_free_pages(z)))
		return false;
	if (order < PAGEBLOCK_ORDER) /* half a pageblock: move_freepages_block() takes the rest */
		move_freepages_block(m, z, pfn & ~(uint64_t)(PAGEBLOCK_NR_PAGES - 1),
				     get_pageblock_migratetype(m, pfn), MIGRATE_MOVABLE);
	del_page_from_free_list(m, z, pfn);
	change_pageblock_range(m, pfn, order, MIGRATE_MOVABLE);
	add_to_free_list(m, z, pfn, order, MIGRATE_MOVABLE, true);
	count_vm_event(m, MODEL_EV_PAGE_REPORTING_RELABEL);
	return true;
}

/* page_reporting_process_zone() */
static void page_reporting_process_zone(struct model *m, struct zone *z)
{
	static const int walked[] = { MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE };
	unsigned reporting_order = m->p.page_reporting_order;

	if (reporting_order > MAX_PAGE_ORDER)
		return;
	uint64_t mark = low_wmark_pages(z) + ((uint64_t)PAGE_REPORTING_CAPACITY << reporting_order);
	if (!zone_free_above_mark(z, 0, mark, zone_usable_free_pages(z)))
		return;
	/* a block under pageblock_order - 1 keeps its type and its list's order: skipped */
	unsigned first =
		reporting_order > PAGEBLOCK_ORDER - 1 ? reporting_order : PAGEBLOCK_ORDER - 1;
	for (unsigned order = first; order <= MAX_PAGE_ORDER; order++) {
		for (unsigned i = 0; i < sizeof(walked) / sizeof(walked[0]); i++) {
			uint64_t pfn;
			while ((pfn = mainline_free_list_first(z, order, walked[i])) !=
			       MODEL_NO_PFN)
				if (!page_reporting_isolate(m, z, pfn, order))
					return;
		}
	}
}

/* page_reporting_process(): the delayed work, when it is due. */
void page_reporting_run(struct model *m, uint64_t now_ns)
{
	if (!m->reporting_due_ns || now_ns < m->reporting_due_ns)
		return;
	m->reporting_due_ns = 0;
	count_vm_event(m, MODEL_EV_PAGE_REPORTING_PASS);
	for (unsigned i = 0; i < m->nr_zones; i++)
		page_reporting_process_zone(m, &m->zones[i]);
}
