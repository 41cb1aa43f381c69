-- fragtrace results schema: the one source of truth. Compiled into the binary; `fragtrace replay`
-- creates or checks it in every database it writes. Every replay is one row in `runs`; every
-- policy variant of a run is one row in `variants`; everything else hangs off those two.
--
-- Conventions: times on the trace clock are in seconds since the first event of the trace (model
-- time; with --loop, pass k starts where pass k-1 ended). "Tainted" is the common yardstick of
-- docs/replay.md: a 1 GiB-aligned region holding at least one pageblock with non-movable
-- (unmovable, reclaimable or highatomic) allocations, so mainline and SPB variants compare on one
-- scale. A run whose `complete` is 0 was interrupted: it has no variants or samples.
--
-- Versioned with PRAGMA user_version; a database with a newer version is refused.
PRAGMA user_version = 1;

-- One row per trace file replayed (a trace replayed twice has two rows, one per run).
CREATE TABLE IF NOT EXISTS traces (
  id            INTEGER PRIMARY KEY,
  path          TEXT NOT NULL,     -- the path as given on the command line
  file_bytes    INTEGER NOT NULL,  -- size of the file
  kernel        TEXT,              -- uname -r of the traced host
  arch          TEXT,              -- machine architecture
  cpus          INTEGER,           -- CPUs of the traced host
  events        INTEGER NOT NULL,  -- events in the file (all types)
  duration_s    REAL NOT NULL,     -- trace time from first to last event
  first_ts_ns   INTEGER,           -- trace clock of the first event
  lost_events   INTEGER NOT NULL,  -- events the kernel lost: per CPU the larger of the lost
                                   -- markers' count and the kernel's ring-buffer counters
                                   -- (end - start of overrun, commit overrun, dropped events),
                                   -- summed; never lower than the kernel's count
  lost_markers  INTEGER NOT NULL,  -- lost markers, including those of unknown count
  complete_file INTEGER NOT NULL,  -- 0 when the file was truncated (read to its last good chunk)
  addresses     TEXT,              -- slab addresses: physical, hashed, raw or unknown
  host_pages    INTEGER,           -- present pages of the traced host (zoneinfo)
  malformed_events INTEGER NOT NULL DEFAULT 0, -- page events with an impossible order, skipped
  lost_at_least INTEGER NOT NULL DEFAULT 0, -- 1: lost_events is a lower bound (markers of
                                   -- unknown size that the kernel's counters do not size)
  lost_unknown_markers INTEGER NOT NULL DEFAULT 0, -- of lost_markers, those of unknown count
  lost_marker_events INTEGER,      -- the markers' known counts summed
  lost_kernel_events INTEGER,      -- the kernel's counters, end - start, summed over CPUs;
                                   -- NULL when the trace has none (older recordings, imports)
  lost_note     TEXT,              -- why the kernel's counters were not (all) used, or NULL
  slab_events_dropped INTEGER NOT NULL DEFAULT 0, -- slab events replay could not use: the
                                   -- addresses are not physical (hashed, raw or unknown)
  layout        TEXT NOT NULL DEFAULT 'captured' -- the memory layout replayed on: 'captured'
                                   -- (the trace's start/zoneinfo), or 'supplied: --mem SIZE,NODES'
                                   -- / 'supplied: --layout FILE' (docs/replay.md); host_pages is
                                   -- then the supplied layout's
);

-- Lost events per CPU of a trace (every CPU with a lost marker or kernel counters).
CREATE TABLE IF NOT EXISTS trace_lost_cpu (
  trace_id      INTEGER NOT NULL REFERENCES traces(id),
  cpu           INTEGER NOT NULL,
  lost          INTEGER NOT NULL,  -- max(markers' count, kernel's count)
  at_least      INTEGER NOT NULL,  -- 1: a lower bound
  source        TEXT NOT NULL,     -- 'markers', 'kernel counters', 'markers = kernel counters'
                                   -- or 'none'
  markers       INTEGER NOT NULL,
  unknown_markers INTEGER NOT NULL,
  marker_events INTEGER NOT NULL,  -- known counts summed
  kernel_events INTEGER,           -- NULL: no usable counters for this CPU
  PRIMARY KEY (trace_id, cpu)
);

-- One row per `fragtrace replay` of one trace.
CREATE TABLE IF NOT EXISTS runs (
  id            INTEGER PRIMARY KEY,
  trace_id      INTEGER NOT NULL REFERENCES traces(id),
  started_at    TEXT NOT NULL,     -- wall clock, ISO 8601 UTC
  finished_at   TEXT,              -- NULL while running or when interrupted
  complete      INTEGER NOT NULL,  -- 1 when every variant ran to the end
  status        TEXT NOT NULL,     -- 'complete', 'interrupted' or 'failed: <reason>'
  tool_version  TEXT NOT NULL,     -- fragtrace version
  start_mode    TEXT NOT NULL,     -- --start: 'auto', 'warm', 'placed' or 'cold' (each variant's
                                   -- resolved mode is variant_start.mode); --start-rewind is
                                   -- in command and gives the start_rewind_* validation rows
  loops         INTEGER NOT NULL,  -- --loop: passes over the trace
  sample_ms     INTEGER NOT NULL,  -- --sample-ms: sampling period in trace time
  threads       INTEGER NOT NULL,  -- worker threads used (results do not depend on it)
  command       TEXT,              -- the command line
  wall_seconds  REAL               -- elapsed time of the replay
);

-- One row per policy variant of a run.
CREATE TABLE IF NOT EXISTS variants (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  position      INTEGER NOT NULL,  -- order on the command line (0 = the baseline of comparisons)
  name          TEXT NOT NULL,     -- the variant as given: preset plus ':key=value,...'
  preset        TEXT NOT NULL,     -- mainline, spb, spb+demand, ..., observe
  policy        TEXT NOT NULL,     -- 'mainline', 'spb' or 'observe'
  events        INTEGER NOT NULL,  -- trace events fed to this variant (all passes)
  seconds       REAL NOT NULL,     -- CPU time spent in this variant's model (a model shared
                                   -- by several variants: its CPU time dealt equally to them)
  events_per_second REAL,          -- events per second of CPU of the model that replayed it
                                   -- (shared: its events over the whole model's CPU time)
  spbs          INTEGER NOT NULL,  -- 1 GiB regions modelled (tainted + clean + empty)
  final_tainted INTEGER NOT NULL,  -- tainted regions at the end
  max_tainted   INTEGER NOT NULL,  -- highest tainted count of any sample
  min_tainted   INTEGER NOT NULL,  -- lowest tainted count of any sample
  final_clean   INTEGER NOT NULL,  -- regions with only movable pageblocks in use
  final_empty   INTEGER NOT NULL,  -- regions with every pageblock free
  final_contig_1g INTEGER NOT NULL,-- regions a 1 GiB allocation could take at the end
  final_contig_2m INTEGER NOT NULL,-- pageblocks a 2 MiB allocation could take at the end
  final_free_pages INTEGER NOT NULL,
  final_slab_pages INTEGER NOT NULL,
  shrink_queued INTEGER NOT NULL,  -- SPB slab-shrink work items queued (all triggers)
  shrink_ran    INTEGER NOT NULL,  -- of which ran
  shrink_freed  INTEGER NOT NULL,  -- slab objects freed by SPB-triggered shrinks
  model_bytes   INTEGER NOT NULL,  -- model memory (page and pageblock tables, SPBs)
  agreement     REAL               -- observe only: share of pages whose free/allocated state
                                   -- matches the end snapshot's page map; NULL otherwise
);

-- Every parameter of every variant (model_params, slab_params, replay switches), as text.
CREATE TABLE IF NOT EXISTS variant_params (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  is_default    INTEGER NOT NULL,  -- 1 when the preset's value was not overridden
  PRIMARY KEY (variant_id, key)
);

-- The time series: one row per variant per --sample-ms of trace time, plus one at the end.
CREATE TABLE IF NOT EXISTS samples (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  seq           INTEGER NOT NULL,  -- 0, 1, 2, ... in time order
  t_s           REAL NOT NULL,     -- model time, seconds since the start of pass 0
  pass          INTEGER NOT NULL,  -- which pass over the trace (--loop)
  tainted       INTEGER NOT NULL,  -- 1 GiB regions with a non-movable pageblock in use
  clean         INTEGER NOT NULL,  -- regions in use with movable pageblocks only
  empty         INTEGER NOT NULL,  -- regions wholly free
  spb_tainted_full INTEGER, spb_tainted_75 INTEGER, spb_tainted_50 INTEGER,
  spb_tainted_25 INTEGER, spb_tainted_almost_empty INTEGER,
                                   -- SPB policy: tainted SPBs by fullness list (NULL for mainline)
  spb_clean_full INTEGER, spb_clean_75 INTEGER, spb_clean_50 INTEGER,
  spb_clean_25 INTEGER, spb_clean_almost_empty INTEGER,
                                   -- SPB policy: clean SPBs by fullness list
  spb_empty     INTEGER,           -- SPB policy: SPBs on the empty list
  free_pages    INTEGER NOT NULL,
  free_pageblocks_in_tainted INTEGER NOT NULL, -- wholly free pageblocks inside tainted regions
  contig_1g     INTEGER NOT NULL,  -- 1 GiB blocks allocatable now (regions wholly free or movable)
  contig_2m     INTEGER NOT NULL,  -- 2 MiB blocks allocatable now (free or movable-only pageblocks)
  contig_2m_free INTEGER NOT NULL, -- pageblocks wholly free now
  pb_unmovable  INTEGER NOT NULL,  -- pageblocks per migratetype tag
  pb_movable    INTEGER NOT NULL,
  pb_reclaimable INTEGER NOT NULL,
  pb_highatomic INTEGER NOT NULL,
  slab_pages    INTEGER NOT NULL,  -- pages held by the variant's slab model
  slab_objects  INTEGER NOT NULL,  -- live slab objects in the slab model
  PRIMARY KEY (variant_id, seq)
);

-- Fragmentation indices per sample and order (/sys/kernel/debug/extfrag/{unusable,extfrag}_index).
CREATE TABLE IF NOT EXISTS sample_frag (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  seq           INTEGER NOT NULL,
  page_order    INTEGER NOT NULL,
  unusable_index REAL NOT NULL,    -- 0..1
  extfrag_index REAL NOT NULL,     -- 0..1, or -1 when an allocation of this order would succeed
  PRIMARY KEY (variant_id, seq, page_order)
);

-- vm event counters per sample (cumulative, kernel names where the kernel has one; only
-- non-zero values are stored).
CREATE TABLE IF NOT EXISTS sample_counters (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  seq           INTEGER NOT NULL,
  name          TEXT NOT NULL,
  value         INTEGER NOT NULL,
  PRIMARY KEY (variant_id, seq, name)
);

-- Final counters of every variant: the model's vm events, the slab model's statistics
-- (slab_pages_allocated / _freed: the model's own slabs' pages taken from and given back to the
-- page source; slabs from before the trace adopted at a free, one page each, are
-- slab_start_slabs and, once the model discards them, slab_start_slab_pages_discarded; so
-- slab_pages = allocated - freed + slab_start_slabs - slab_start_slab_pages_discarded), and
-- replay's host_served_policy_failed (page allocations the host served that the variant failed;
-- under caller_fallback=1 only those its caller's fallback to smaller orders could not serve
-- either), caller_fallback_served / _pages / _thp_retry (what that fallback served: docs/replay.md)
-- and page_frees_after_reclaim (trace frees of pages the variant's direct reclaim had dropped),
-- and compaction_* (the host's compaction migrations replayed: docs/replay.md, "Compaction in the
-- policy variants"; 0 for observe and under compaction=0),
-- and pcp_pages_unmovable, _reclaimable, _movable (pages on its per-CPU lists at the end),
-- and kswapd's ZONE_RECLAIM_ACTIVE windows (docs/replay.md, "The reclaim-active window"):
-- kswapd_windows_traced 1 when they came from its mm_vmscan_kswapd_wake events (kswapd_wakes
-- runs, kswapd_reclaim_active_us their summed length), 0 from the GFP_KERNEL shrink_slab
-- heuristic (kswapd_events); pcp_reclaim_active_frees the per-CPU frees they capped.
CREATE TABLE IF NOT EXISTS counters (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  name          TEXT NOT NULL,
  value         INTEGER NOT NULL,
  PRIMARY KEY (variant_id, name)
);

-- Where each variant's tainted count settled (docs/replay.md, "Equilibrium").
CREATE TABLE IF NOT EXISTS equilibrium (
  variant_id    INTEGER PRIMARY KEY REFERENCES variants(id),
  reached       INTEGER NOT NULL,  -- 1 when the tail window is flat
  value         REAL,              -- mean tainted count over the tail window (NULL if not reached)
  spread        INTEGER,           -- max - min over the tail window
  slope_per_s   REAL,              -- least-squares slope of the tail window, regions per second
  settle_s      REAL,              -- model time from which every sample stays within tolerance
  window_s      REAL NOT NULL,     -- length of the tail window
  tolerance     REAL NOT NULL,     -- the band, in regions
  samples       INTEGER NOT NULL,  -- samples in the series
  reason        TEXT NOT NULL      -- 'settled', 'too short', 'still moving', 'spread too wide'
);

-- What the replay could not apply faithfully, per variant (identity and data-loss accounting).
CREATE TABLE IF NOT EXISTS data_loss (
  variant_id    INTEGER PRIMARY KEY REFERENCES variants(id),
  lost_events   INTEGER NOT NULL,  -- events the kernel dropped (traces.lost_events)
  lost_markers  INTEGER NOT NULL,
  page_allocs   INTEGER NOT NULL,  -- page allocations replayed
  page_alloc_failed INTEGER NOT NULL, -- allocations the variant could not serve
  page_frees    INTEGER NOT NULL,  -- page frees replayed
  unknown_page_frees INTEGER NOT NULL, -- frees of pages the variant never saw allocated
                                   -- (allocated before the trace on a cold start, or lost)
  warm_page_frees INTEGER NOT NULL,-- frees of pages that were allocated in the start snapshot
  orphaned_allocations INTEGER NOT NULL, -- allocations whose trace pfn was reused before a free
  slab_page_events INTEGER NOT NULL, -- trace page events recognised as slab pages (not replayed)
  slab_allocs   INTEGER NOT NULL,
  slab_frees    INTEGER NOT NULL,
  unknown_slab_frees INTEGER NOT NULL, -- frees of objects allocated before the trace (or lost)
  frees_after_reclaim INTEGER NOT NULL, -- trace frees of objects the variant's shrinker had freed
  slab_alloc_failed INTEGER NOT NULL,
  pcp_drain_misses INTEGER NOT NULL, -- pcpu_drain events with nothing on the variant's list
  affected_share REAL NOT NULL     -- (unknown frees + failures + misses) / events fed
);

-- The SPB map at the end: one row per 1 GiB region per variant.
CREATE TABLE IF NOT EXISTS spb_final (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  region        INTEGER NOT NULL,  -- index in pfn order
  start_pfn     INTEGER NOT NULL,
  class         TEXT NOT NULL,     -- 'empty', 'clean', 'tainted' or 'isolated'
  fullness      INTEGER NOT NULL,  -- pageblocks in use, in quarters: 0 (under 25%) .. 4 (all)
  nr_free       INTEGER,           -- SPB policy: wholly free pageblocks
  nr_unmovable  INTEGER,           -- pageblocks holding unmovable allocations
  nr_reclaimable INTEGER,          -- pageblocks holding reclaimable allocations
  nr_movable    INTEGER,           -- pageblocks holding movable allocations
  free_pages    INTEGER,
  PRIMARY KEY (variant_id, region)
);

-- How each variant's model was started (docs/replay.md, "Start states"): the run's --start
-- or the variant's start= key, resolved ('auto' is warm for mainline, placed for SPB variants).
CREATE TABLE IF NOT EXISTS variant_start (
  variant_id    INTEGER PRIMARY KEY REFERENCES variants(id),
  mode          TEXT NOT NULL,     -- 'warm' (the host's placement), 'placed' (the variant's
                                   -- policy placed the start page map's memory) or 'cold'
  tainted       INTEGER NOT NULL,  -- tainted regions at the start state (the first sample)
  placed_pages  INTEGER NOT NULL,  -- placed: start pages the policy placed
  copied_pages  INTEGER NOT NULL,  -- placed: start pages taken at the host's pfn instead (the
                                   -- policy could not serve them)
  unplaced_pages INTEGER NOT NULL  -- placed: start pages neither could take (their frees count
                                   -- as unknown)
);

-- The host's own shrinker runs in the trace (vmscan:mm_shrink_slab_start/end), per shrinker, and
-- the freeable share replay derived from them for the model's dentry and inode caches
-- (docs/replay.md, "Shrinker calibration"). One row per shrinker per run.
CREATE TABLE IF NOT EXISTS shrink_calibration (
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  shrinker      TEXT NOT NULL,     -- its scan function: 'super_cache_scan', 'ext4_es_scan', ...
  runs          INTEGER NOT NULL,  -- do_shrink_slab calls in the trace
  rounds        INTEGER NOT NULL,  -- shrink_slab rounds they formed
  scanned       INTEGER NOT NULL,  -- objects scanned (total_scan at start - at end)
  freed         INTEGER NOT NULL,  -- objects freed (the end event's return value)
  mean_unused   REAL NOT NULL,     -- mean per round of the summed cache items (count_objects)
                                   -- with vfs_cache_pressure taken out
  host_objects  REAL,              -- slabinfo objects of the model caches it covers (NULL: none)
  freeable_ppm  INTEGER,           -- mean per round of unused / objects, in ppm (NULL: none)
  applied       INTEGER NOT NULL,  -- 1: variants without freeable_ppm= or shrink_calibration=0
                                   -- use it for the caches it covers
  PRIMARY KEY (run_id, shrinker)
);

CREATE INDEX IF NOT EXISTS runs_by_trace ON runs(trace_id);
CREATE INDEX IF NOT EXISTS variants_by_run ON variants(run_id);

-- Views: the questions people ask most (docs/queries.md).

-- Validation of the mainline variant against the host that recorded the trace (written when
-- a run has a 'mainline' and an 'observe' variant, e.g. by `fragtrace check`): one row per
-- figure. host: the host's own value (the trace's mm_page_alloc_extfrag and pfn -1 counts,
-- end/pagetypeinfo, end/buddyinfo, observe's tainted count, vmstat deltas end - start);
-- model: the mainline variant's (or observe's, for the observe_* rows; for the vmstat_pgalloc
-- and vmstat_pgfree rows the pages the trace's own events show). lower/upper: the bound the
-- model must meet (docs/replay.md, "Validation"), NULL for rows that explain and do not judge.
-- verdict: 'pass', 'fail' or 'info'. NULL host or model: no such figure.
CREATE TABLE IF NOT EXISTS validation (
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  seq           INTEGER NOT NULL,  -- row order as printed
  name          TEXT NOT NULL,     -- agreement, page_alloc_failures, fallbacks, pageblocks_*, ...
  host          REAL,
  model         REAL,
  lower         REAL,
  upper         REAL,
  verdict       TEXT NOT NULL,
  what          TEXT NOT NULL,     -- one line: what the figure is
  PRIMARY KEY (run_id, seq)
);

-- The drift over time (traces recorded with zone samples, capture/zone_samples.<part>): per
-- variant, one row per host zone sample and zone: the host's buddy free pages (NR_FREE_PAGES,
-- zoneinfo's "pages free") and pages on its per-CPU lists (the zone's pagesets' count summed
-- over CPUs), read by the recorder every --sample-interval, and the variant's at the same
-- instant: its state before the first event at or after the middle of the read (docs/replay.md,
-- "The drift over time"). The host's NR_FREE_PAGES lags by up to each CPU's vmstat threshold
-- (zoneinfo's "vm stats threshold") times the CPUs. Zones the model lacks have no rows.
CREATE TABLE IF NOT EXISTS zone_timeline (
  variant_id    INTEGER NOT NULL REFERENCES variants(id),
  seq           INTEGER NOT NULL,  -- 0, 1, 2, ... in sample order, zones in zoneinfo order
  t_s           REAL NOT NULL,     -- seconds since the first event (the middle of the read)
  node          INTEGER NOT NULL,
  zone          TEXT NOT NULL,     -- DMA, DMA32, Normal, Movable
  host_free     INTEGER NOT NULL,
  model_free    INTEGER NOT NULL,
  host_pcp      INTEGER NOT NULL,
  model_pcp     INTEGER,           -- NULL: the variant keeps no per-CPU lists (observe)
  host_pcp_high INTEGER NOT NULL,  -- the zone's pagesets' high summed over CPUs (pages)
  model_pcp_high INTEGER,          -- the same of the variant's lists (NULL: none, or pcp_trace)
  PRIMARY KEY (variant_id, seq)
);

-- Per trace and variant of every complete run: the comparison table `fragtrace replay` prints.
CREATE VIEW IF NOT EXISTS variant_comparison AS
SELECT r.id AS run_id, t.path AS trace, v.position, v.name AS variant,
       e.value AS equilibrium_tainted, v.final_tainted, v.max_tainted, v.spbs,
       v.final_tainted - (SELECT b.final_tainted FROM variants b
                          WHERE b.run_id = v.run_id AND b.position = 0) AS diff_from_first,
       v.final_contig_1g, v.shrink_queued, v.shrink_ran, v.events_per_second
FROM variants v JOIN runs r ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id
LEFT JOIN equilibrium e ON e.variant_id = v.id
WHERE r.complete = 1;

-- Where each variant settled, per trace: the equilibrium with its spread and when it was
-- reached, next to the final and peak counts.
CREATE VIEW IF NOT EXISTS equilibrium_by_variant AS
SELECT r.id AS run_id, t.path AS trace, v.name AS variant, e.reached, e.value AS equilibrium,
       e.spread, e.settle_s, e.window_s, e.reason, v.final_tainted, v.max_tainted, v.spbs,
       r.start_mode, r.loops
FROM variants v JOIN runs r ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id
JOIN equilibrium e ON e.variant_id = v.id
WHERE r.complete = 1;

-- The slab-shrink patch's triggers against the series without them (the run's 'spb' variant):
-- shrink work queued and run, objects freed, tainted regions avoided at the end and at
-- equilibrium, and objects freed per region avoided (NULL when none was avoided).
CREATE VIEW IF NOT EXISTS trigger_effectiveness AS
SELECT r.id AS run_id, t.path AS trace, v.name AS variant, b.name AS baseline,
       v.shrink_queued, v.shrink_ran, v.shrink_freed,
       b.final_tainted - v.final_tainted AS taint_avoided_final,
       be.value - ve.value AS taint_avoided_equilibrium,
       CASE WHEN b.final_tainted - v.final_tainted > 0
            THEN 1.0 * v.shrink_freed / (b.final_tainted - v.final_tainted) END
         AS objects_freed_per_taint_avoided,
       CASE WHEN b.final_tainted - v.final_tainted > 0
            THEN 1.0 * v.shrink_ran / (b.final_tainted - v.final_tainted) END
         AS shrink_runs_per_taint_avoided
FROM variants v JOIN runs r ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id
JOIN variants b ON b.run_id = v.run_id AND b.preset = 'spb'
LEFT JOIN equilibrium ve ON ve.variant_id = v.id AND ve.reached = 1
LEFT JOIN equilibrium be ON be.variant_id = b.id AND be.reached = 1
WHERE r.complete = 1 AND v.policy = 'spb' AND v.id <> b.id;

-- How much of each replay could not be applied faithfully, with the trace's own losses:
-- lost_events (a lower bound when lost_at_least), the kernel's own count beside it, and the
-- slab events the addresses mode made unusable.
CREATE VIEW IF NOT EXISTS data_loss_summary AS
SELECT r.id AS run_id, t.path AS trace, v.name AS variant, t.lost_events, t.lost_at_least,
       t.lost_kernel_events, t.lost_markers, t.complete_file, t.addresses,
       t.slab_events_dropped, d.unknown_page_frees, d.warm_page_frees, d.orphaned_allocations,
       d.unknown_slab_frees, d.frees_after_reclaim, d.page_alloc_failed + d.slab_alloc_failed
         AS failed_allocations, d.pcp_drain_misses, d.affected_share, v.agreement
FROM data_loss d JOIN variants v ON v.id = d.variant_id JOIN runs r ON r.id = v.run_id
JOIN traces t ON t.id = r.trace_id
WHERE r.complete = 1;

-- The tainted count over time, one row per variant and sample: the series to plot or export.
CREATE VIEW IF NOT EXISTS tainted_series AS
SELECT v.run_id, v.name AS variant, s.seq, s.t_s, s.pass, s.tainted, s.clean, s.empty,
       s.free_pages, s.slab_pages
FROM samples s JOIN variants v ON v.id = s.variant_id;

-- Fleet views (docs/fleet.md): many hosts' traces, usually merged from fleet jobs by
-- `fragtrace merge`. A host is a trace path; for each host and variant name the newest complete
-- replay counts (a rerun replaces an earlier one). equilibrium is NULL where it was not reached.
CREATE VIEW IF NOT EXISTS fleet_units AS
SELECT t.path AS host, v.name AS variant, v.position, v.id AS variant_id, r.id AS run_id,
       e.value AS equilibrium, v.final_tainted, v.max_tainted, v.spbs
FROM variants v JOIN runs r ON r.id = v.run_id JOIN traces t ON t.id = r.trace_id
LEFT JOIN equilibrium e ON e.variant_id = v.id AND e.reached = 1
WHERE r.complete = 1
  AND v.id = (SELECT max(v2.id) FROM variants v2 JOIN runs r2 ON r2.id = v2.run_id
              JOIN traces t2 ON t2.id = r2.trace_id
              WHERE t2.path = t.path AND v2.name = v.name AND r2.complete = 1);

-- Per variant, the distribution of its equilibrium across hosts: hosts replayed, hosts where it
-- settled, and over those the median, 90th percentile (nearest rank) and maximum tainted count,
-- with the mean and the worst final count for context.
CREATE VIEW IF NOT EXISTS fleet_equilibrium AS
WITH ranked AS (
  SELECT variant, equilibrium,
         row_number() OVER (PARTITION BY variant ORDER BY equilibrium) AS rk,
         count(*) OVER (PARTITION BY variant) AS n
  FROM fleet_units WHERE equilibrium IS NOT NULL)
SELECT u.variant, min(u.position) AS position, count(*) AS hosts,
       count(u.equilibrium) AS settled_hosts,
       (SELECT equilibrium FROM ranked k WHERE k.variant = u.variant AND k.rk = (k.n + 1) / 2)
         AS median_equilibrium,
       (SELECT equilibrium FROM ranked k WHERE k.variant = u.variant
          AND k.rk = (9 * k.n + 9) / 10) AS p90_equilibrium,
       max(u.equilibrium) AS max_equilibrium, avg(u.equilibrium) AS mean_equilibrium,
       max(u.final_tainted) AS max_final_tainted
FROM fleet_units u GROUP BY u.variant ORDER BY min(u.position), u.variant;

-- Per host, how far its variants' equilibria are apart (settled variants only), widest first:
-- the hosts where the choice of policy matters most, with the best and the worst variant.
CREATE VIEW IF NOT EXISTS fleet_disagreement AS
SELECT a.host, count(*) AS variants, min(a.equilibrium) AS lowest,
       max(a.equilibrium) AS highest, max(a.equilibrium) - min(a.equilibrium) AS spread,
       (SELECT b.variant FROM fleet_units b WHERE b.host = a.host AND b.equilibrium IS NOT NULL
        ORDER BY b.equilibrium, b.position LIMIT 1) AS best_variant,
       (SELECT b.variant FROM fleet_units b WHERE b.host = a.host AND b.equilibrium IS NOT NULL
        ORDER BY b.equilibrium DESC, b.position LIMIT 1) AS worst_variant
FROM fleet_units a WHERE a.equilibrium IS NOT NULL
GROUP BY a.host ORDER BY spread DESC, a.host;
