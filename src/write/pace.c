/* Pacing by time (see pace.h; the arithmetic is in rate.c). */
#define _GNU_SOURCE
#include "pace.h"

#include <errno.h>
#include <time.h>

#include "budget.h"
#include "init.h"
#include "log.h"
#include "rate.h"
#include "real.h"

/* Sleeps shorter than this are owed and paid with a later write's. */
#define WB_PACE_MIN_NS (1000000ULL)
/* Time since the last paced write counts as paid, up to this much: a writer
 * slower than the disk (one that computes, or is paced itself, between writes)
 * never sleeps, as the kernel credits a task's think time (balance_dirty_pages:
 * pause -= now - dirty_paused_when). */
#define WB_PACE_CREDIT_NS WB_RATE_MAX_PAUSE_NS
/* A disk that completes a slice faster than this is left to the hard line: its
 * waits are short already, and the deeper queue the hard line keeps is what a
 * fast disk needs to reach its full rate (scripts/bench, S2). */
#define WB_PACE_FAST_NS (4ULL * 1000000ULL)
/* Completions are looked for at most once per this many paced bytes. */
#define WB_PACE_REAP_BYTES (256ULL << 10)

static struct wb_rate wb_est = { .rate = WB_RATE_GUESS };
static unsigned char wb_est_lock;
static uint64_t wb_rate_now = WB_RATE_GUESS; /* wb_est.rate, read without the lock */
static uint64_t wb_paid_till; /* CLOCK_MONOTONIC ns up to which paced writes are paid */
static uint64_t wb_unreaped;  /* paced bytes since the last look for completions */
static int wb_can_poll = -1;  /* cachestat(2): -1 not asked yet, 0 no, 1 yes */

uint64_t wb_pace_soft(void)
{
	return wb_budget_bytes() / 4;
}

bool wb_pace_timed(uint64_t slice)
{
	uint64_t rate = __atomic_load_n(&wb_rate_now, __ATOMIC_RELAXED);

	if (!wb_cfg.pace)
		return false;
	return (unsigned __int128)slice * 1000000000ULL > (unsigned __int128)rate * WB_PACE_FAST_NS;
}

void wb_pace_completed(uint64_t bytes)
{
	uint64_t sample, rate;
	bool moved;

	if (__atomic_exchange_n(&wb_est_lock, 1, __ATOMIC_ACQUIRE))
		return; /* another thread (or a handler inside us) is counting: no harm */
	moved = wb_rate_note(&wb_est, wb_now_ns(), bytes, &sample);
	rate = wb_est.rate;
	if (moved)
		__atomic_store_n(&wb_rate_now, rate, __ATOMIC_RELAXED);
	__atomic_store_n(&wb_est_lock, 0, __ATOMIC_RELEASE);
	if (moved)
		wb_log(WB_LOG_DEBUG, "pace: completed %.1f MB/s, estimate %.1f MB/s",
		       (double)sample / 1048576.0, (double)rate / 1048576.0);
}

bool wb_pace_sleep(uint64_t len, uint64_t x)
{
	uint64_t budget = wb_budget_bytes(), soft = wb_pace_soft();
	uint64_t rate = __atomic_load_n(&wb_rate_now, __ATOMIC_RELAXED);
	uint64_t now, credit, seen, till, owed;
	struct timespec nap;
	int saved;

	if (x <= soft || x >= budget)
		return false; /* free, or the hard line's turn */
	now = wb_now_ns();
	credit = now > WB_PACE_CREDIT_NS ? now - WB_PACE_CREDIT_NS : 0;
	seen = __atomic_load_n(&wb_paid_till, __ATOMIC_RELAXED);
	do {
		till = (seen > credit ? seen : credit) + wb_rate_cost(len, x, soft, budget, rate);
		if (till > now + 2 * WB_RATE_MAX_PAUSE_NS) /* many threads: never run away */
			till = now + 2 * WB_RATE_MAX_PAUSE_NS;
	} while (!__atomic_compare_exchange_n(&wb_paid_till, &seen, till, 1, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	if (till < now + WB_PACE_MIN_NS)
		return false; /* paid by the time since the last write, or owed */
	owed = till - now;
	if (owed > WB_RATE_MAX_PAUSE_NS)
		owed = WB_RATE_MAX_PAUSE_NS;
	nap.tv_sec = (time_t)(owed / 1000000000ULL);
	nap.tv_nsec = (long)(owed % 1000000000ULL);
	saved = errno;
	(void)nanosleep(&nap, NULL); /* a signal cuts it short: the program's business */
	errno = saved;
	return true;
}

void wb_pace_waited(void)
{
	uint64_t now = wb_now_ns(), seen = __atomic_load_n(&wb_paid_till, __ATOMIC_RELAXED);

	while (seen < now && !__atomic_compare_exchange_n(&wb_paid_till, &seen, now, 1,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

bool wb_pace_reap_due(uint64_t len)
{
	if (__atomic_add_fetch(&wb_unreaped, len, __ATOMIC_RELAXED) < WB_PACE_REAP_BYTES)
		return false;
	__atomic_store_n(&wb_unreaped, 0, __ATOMIC_RELAXED);
	return true;
}

uint64_t wb_pace_rate(void)
{
	return __atomic_load_n(&wb_rate_now, __ATOMIC_RELAXED);
}

bool wb_pace_can_poll(int fd)
{
	struct wb_cachestat cs;
	int known = __atomic_load_n(&wb_can_poll, __ATOMIC_RELAXED);

	if (known < 0) {
		int saved = errno;
		known = wb_sys_cachestat(fd, 0, 0, &cs) == 0 || errno != ENOSYS;
		errno = saved;
		__atomic_store_n(&wb_can_poll, known, __ATOMIC_RELAXED);
		if (!known)
			wb_log(WB_LOG_DEBUG, "no cachestat(2): waits use SYNC_FILE_RANGE_WAIT_AFTER, "
					     "closed files are waited for at close");
	}
	return known;
}

void wb_pace_after_fork(void)
{
	wb_est_lock = 0;
	wb_est.start = 0; /* the rate is the disk's: it stays */
	wb_paid_till = 0;
	wb_unreaped = 0;
}
