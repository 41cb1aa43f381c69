// SPDX-License-Identifier: GPL-2.0
/*
 * replay_gfp.c - translate the traced kernel's gfp bits into the model's (MODEL_GFP_*).
 *
 * The kernel renumbers its __GFP bits between releases, so the trace's own event formats are
 * the authority: mm_page_alloc's print fmt lists every flag as __print_flags entries such as
 * {(unsigned long)((gfp_t)((1UL) << (3))), "__GFP_MOVABLE"} (6.x) or {(unsigned long)0x08u,
 * "__GFP_MOVABLE"} (older). Entries naming one __GFP bit are read; composites (GFP_KERNEL) are
 * ignored since they are unions of those bits. A trace without formats (synthetic, text
 * imports) uses the 6.x numbering, which is what those writers produce.
 */
#include "replay_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned bit_6x;
	uint32_t model;
} gfp_flags[] = {
	{ "__GFP_DMA", 0, MODEL_GFP_DMA },
	{ "__GFP_HIGHMEM", 1, MODEL_GFP_HIGHMEM },
	{ "__GFP_DMA32", 2, MODEL_GFP_DMA32 },
	{ "__GFP_MOVABLE", 3, MODEL_GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", 4, MODEL_GFP_RECLAIMABLE },
	{ "__GFP_HIGH", 5, MODEL_GFP_HIGH },
	{ "__GFP_IO", 6, MODEL_GFP_IO },
	{ "__GFP_FS", 7, MODEL_GFP_FS },
	{ "__GFP_ZERO", 8, MODEL_GFP_ZERO },
	{ "__GFP_DIRECT_RECLAIM", 10, MODEL_GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", 11, MODEL_GFP_KSWAPD_RECLAIM },
	{ "__GFP_WRITE", 12, MODEL_GFP_WRITE },
	{ "__GFP_NOWARN", 13, MODEL_GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", 14, MODEL_GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", 15, MODEL_GFP_NOFAIL },
	{ "__GFP_NORETRY", 16, MODEL_GFP_NORETRY },
	{ "__GFP_MEMALLOC", 17, MODEL_GFP_MEMALLOC },
	{ "__GFP_COMP", 18, MODEL_GFP_COMP },
	{ "__GFP_NOMEMALLOC", 19, MODEL_GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", 20, MODEL_GFP_HARDWALL },
	{ "__GFP_THISNODE", 21, MODEL_GFP_THISNODE },
	{ "__GFP_ACCOUNT", 22, MODEL_GFP_ACCOUNT },
};
#define NR_GFP_FLAGS (sizeof(gfp_flags) / sizeof(gfp_flags[0]))

/* The bit an entry's value expression names, or -1 when it is not a single bit. */
static int entry_bit(const char *expr, size_t len)
{
	char buf[256];
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, expr, len);
	buf[len] = 0;
	if (strchr(buf, '|') || strchr(buf, '&') || strchr(buf, '~'))
		return -1;
	const char *sh = strstr(buf, "<<");
	if (sh) {
		sh += 2;
		while (*sh == ' ' || *sh == '(')
			sh++;
		char *end;
		long b = strtol(sh, &end, 10);
		return end != sh && b >= 0 && b < 64 ? (int)b : -1;
	}
	const char *hex = strstr(buf, "0x");
	if (hex) {
		unsigned long long v = strtoull(hex, NULL, 16);
		if (v && !(v & (v - 1)))
			return __builtin_ctzll(v);
	}
	return -1;
}

/* Read the flag entries of the first format that has them; returns how many flags it found. */
static unsigned from_formats(struct gfp_table *t, const char *formats, size_t len)
{
	const char *fmt = NULL;
	for (const char *p = formats; p && p < formats + len;) {
		const char *hit = strstr(p, "name: mm_page_alloc\n");
		if (!hit)
			break;
		fmt = strstr(hit, "print fmt:");
		break;
	}
	if (!fmt)
		return 0;
	const char *fmt_end = strstr(fmt, "\nname: ");
	if (!fmt_end)
		fmt_end = formats + len;
	unsigned found = 0;
	for (size_t i = 0; i < NR_GFP_FLAGS; i++) {
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "\"%s\"}", gfp_flags[i].name);
		const char *q = strstr(fmt, quoted);
		if (!q || q > fmt_end)
			continue;
		const char *open = q;
		while (open > fmt && *open != '{')
			open--;
		int b = entry_bit(open + 1, (size_t)(q - open - 1));
		if (b < 0)
			continue;
		t->model_bit[b] |= gfp_flags[i].model;
		found++;
	}
	return found;
}

void gfp_table_build(struct gfp_table *t, const char *formats, size_t len)
{
	memset(t, 0, sizeof(*t));
	if (formats && len && from_formats(t, formats, len) >= 8) {
		t->from_formats = true;
		return;
	}
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < NR_GFP_FLAGS; i++)
		t->model_bit[gfp_flags[i].bit_6x] = gfp_flags[i].model;
}
