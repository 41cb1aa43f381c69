// SPDX-License-Identifier: GPL-2.0
/*
 * pressure.c - the phases of the project's memory-pressure workload (bench/pressure/run.sh runs
 * them; see its header for use).
 *
 *   pressure balloon FREE_MIB SECONDS READY_FILE
 *	Take anonymous memory, touching every page, until /proc/meminfo's MemAvailable is down
 *	to FREE_MIB (SECONDS at most), then create READY_FILE and hold the memory for SECONDS
 *	(or until SIGTERM).
 *	While holding, it gives 64 MiB back whenever MemAvailable falls more than 256 MiB below
 *	FREE_MIB, so the host never runs shorter than asked. It makes itself the OOM killer's first
 *	victim (oom_score_adj 1000) and refuses FREE_MIB below 1536.
 *   pressure files DIR NFILES
 *	Dentry and inode slab growth: NFILES 512-byte files in 256 directories, each stat'ed
 *	twice and read once; they are left in place (the caller removes DIR), so the caches only
 *	shrink when reclaim shrinks them.
 *   pressure cache FILE MIB
 *	Page-cache growth: write MIB MiB to FILE, fsync, read it back twice.
 *   pressure burn SECONDS
 *	One CPU-bound loop (no memory traffic) for SECONDS.
 *
 * Invariants: every phase is bounded (by its arguments); the balloon never takes memory once
 * MemAvailable is at or below the target, and exits on SIGTERM/SIGINT, on the time bound or
 * when its parent dies. Expected workload: tens of GiB touched once, hundreds of thousands of
 * files, a few GiB of page cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_MIB  64
#define MAX_CHUNKS 16384 /* 1 TiB */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MemAvailable in MiB, or -1. */
static long mem_available_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int balloon(long free_mib, double seconds, const char *ready)
{
	static void *chunks[MAX_CHUNKS];
	size_t len = (size_t)CHUNK_MIB << 20;
	long page = sysconf(_SC_PAGESIZE);
	int n = 0;

	if (free_mib < 1536) {
		fprintf(stderr, "pressure: balloon: FREE_MIB below 1536 is not allowed\n");
		return 2;
	}
	if (write_text("/proc/self/oom_score_adj", "1000"))
		fprintf(stderr, "pressure: balloon: cannot set oom_score_adj: %s\n",
			strerror(errno));
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	double end = now_s() + seconds;
	while (!stop && n < MAX_CHUNKS && now_s() < end) {
		long avail = mem_available_mib();
		if (avail < 0 || avail - CHUNK_MIB < free_mib)
			break;
		void *p =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		for (size_t o = 0; o < len; o += (size_t)page)
			((volatile char *)p)[o] = 1;
		chunks[n++] = p;
	}
	fprintf(stderr, "pressure: balloon holds %d MiB, MemAvailable %ld MiB\n", n * CHUNK_MIB,
		mem_available_mib());
	end = now_s() + seconds; /* the hold starts now */
	if (ready && write_text(ready, "ready\n"))
		fprintf(stderr, "pressure: balloon: cannot write %s\n", ready);
	while (!stop && now_s() < end) {
		long avail = mem_available_mib();
		if (avail >= 0 && avail < free_mib - 256 && n > 0) {
			munmap(chunks[--n], len);
			fprintf(stderr,
				"pressure: balloon gave back %d MiB (MemAvailable %ld MiB)\n",
				CHUNK_MIB, avail);
		}
		usleep(100000);
	}
	while (n > 0)
		munmap(chunks[--n], len);
	return 0;
}

static int files(const char *dir, long nfiles)
{
	char path[4096], buf[512];
	struct stat st;
	const int ndirs = 256;

	memset(buf, 'p', sizeof(buf));
	if (mkdir(dir, 0700) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	for (int d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/d%03d", dir, d);
		if (mkdir(path, 0700) && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}
	for (long i = 0; i < nfiles && !stop; i++) {
		snprintf(path, sizeof(path), "%s/d%03ld/f%07ld", dir, i % ndirs, i);
		int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror(path);
			if (fd >= 0)
				close(fd);
			return 1;
		}
		close(fd);
	}
	for (int pass = 0; pass < 3 && !stop; pass++)
		for (long i = 0; i < nfiles && !stop; i++) {
			snprintf(path, sizeof(path), "%s/d%03ld/f%07ld", dir, i % ndirs, i);
			if (pass < 2) {
				stat(path, &st);
				continue;
			}
			int fd = open(path, O_RDONLY);
			if (fd >= 0) {
				if (read(fd, buf, sizeof(buf)) < 0)
					perror(path);
				close(fd);
			}
		}
	return 0;
}

static int cache(const char *file, long mib)
{
	static char buf[1 << 20];
	int fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0600);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	memset(buf, 'c', sizeof(buf));
	for (long i = 0; i < mib && !stop; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror(file);
			close(fd);
			return 1;
		}
	fsync(fd);
	for (int pass = 0; pass < 2 && !stop; pass++) {
		lseek(fd, 0, SEEK_SET);
		while (!stop && read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
	return 0;
}

static int burn(double seconds)
{
	volatile unsigned long x = 1;
	double end = now_s() + seconds;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	while (!stop && now_s() < end)
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc == 5 && !strcmp(argv[1], "balloon"))
		return balloon(atol(argv[2]), atof(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "files"))
		return files(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "cache"))
		return cache(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "burn"))
		return burn(atof(argv[2]));
	fprintf(stderr, "usage: pressure balloon FREE_MIB SECONDS READY_FILE | files DIR NFILES | "
			"cache FILE MIB | burn SECONDS\n");
	return 2;
}
