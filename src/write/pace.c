/* Pacing by time, per device (see pace.h; the arithmetic is in rate.c). */
#define _GNU_SOURCE
#include "pace.h"

#include <errno.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "budget.h"
#include "init.h"
#include "keeperrno.h"
#include "log.h"
#include "rate.h"
#include "real.h"
#include "spin.h"

/* Sleeps shorter than this are owed and paid with a later write's. */
#define WB_PACE_MIN_NS (1000000ULL)
/* Time since the last paced write counts as paid, up to this much: a writer
 * that computes between writes is not slowed further, as the kernel credits a
 * task's think time (balance_dirty_pages: pause -= now - dirty_paused_when). */
#define WB_PACE_CREDIT_NS WB_RATE_MAX_PAUSE_NS
/* A disk that completes a slice faster than this is left to the hard line: its
 * waits are short already, and the deeper queue the hard line keeps is what a
 * fast disk needs to reach its full rate (scripts/bench, S2). */
#define WB_PACE_FAST_NS (4ULL * 1000000ULL)
/* Completions are looked for at most once per this many paced bytes. */
#define WB_PACE_REAP_BYTES (256ULL << 10)

static int wb_can_poll = -1; /* cachestat(2): -1 not asked yet, 0 no, 1 yes */

uint64_t wb_pace_soft(void)
{
	return wb_budget_bytes() / 4;
}

/* The estimate without the lock; a device claimed a moment ago starts at the guess. */
static uint64_t wb_rate_of(const struct wb_device *device)
{
	uint64_t rate = __atomic_load_n(&device->rate_now, __ATOMIC_RELAXED);

	return rate ? rate : WB_RATE_GUESS;
}

uint64_t wb_pace_rate(const struct wb_device *device)
{
	return wb_rate_of(device);
}

bool wb_pace_timed(struct wb_device *device, uint64_t slice)
{
	if (!wb_cfg.pace)
		return false;
	/* Not before the device's rate has been measured once (the hard line's looks
	 * measure it): a writer paced at the starting guess would be held to 100 MB/s
	 * on a disk that is faster, and a short job would end later for nothing. */
	if (!wb_device_measured(device))
		return false;
	return (unsigned __int128)slice * 1000000000ULL >
	       (unsigned __int128)wb_rate_of(device) * WB_PACE_FAST_NS;
}

static bool wb_pace_lock(struct wb_device *device)
{
	if (!wb_spin_try(&device->lock))
		return false; /* another thread (or a handler inside us) is counting: no harm */
	if (!device->est.rate)
		wb_rate_init(&device->est);
	return true;
}

static void wb_pace_unlock(struct wb_device *device)
{
	wb_spin_release(&device->lock);
}

static void wb_pace_log(const struct wb_device *device, uint64_t sample, uint64_t rate)
{
	dev_t dev = 0;

	(void)wb_device_id(device, &dev);
	wb_log(WB_LOG_DEBUG, "pace: device %u:%u completed %.1f MB/s while busy, estimate %.1f MB/s",
	       major(dev), minor(dev), (double)sample / 1048576.0, (double)rate / 1048576.0);
}

void wb_pace_observed(struct wb_device *device, uint64_t floor, bool dry)
{
	uint64_t sample = 0, rate = 0;
	bool moved;

	if (!wb_pace_lock(device))
		return;
	moved = (dry ? wb_rate_note_dry : wb_rate_note)(
		&device->est, wb_now_ns(), __atomic_load_n(&device->retired, __ATOMIC_RELAXED),
		wb_inflight(device), floor, &sample);
	if (moved) {
		rate = device->est.rate;
		__atomic_store_n(&device->rate_now, rate, __ATOMIC_RELAXED);
		__atomic_store_n(&device->samples_now, device->est.samples, __ATOMIC_RELAXED);
	}
	wb_pace_unlock(device);
	if (moved)
		wb_pace_log(device, sample, rate);
}

/* Are the device's writers faster than it, and its queue growing? The answer of
 * the last writer that could take the lock stands for the others. */
static bool wb_pace_writers(struct wb_device *device, uint64_t now, uint64_t x)
{
	bool pace;

	if (!wb_pace_lock(device))
		return __atomic_load_n(&device->pace_writers, __ATOMIC_RELAXED);
	pace = wb_flow_note(&device->flow, now,
			    __atomic_exchange_n(&device->flow_bytes, 0, __ATOMIC_RELAXED),
			    __atomic_exchange_n(&device->flow_ours_ns, 0, __ATOMIC_RELAXED), x,
			    device->est.rate);
	__atomic_store_n(&device->pace_writers, pace, __ATOMIC_RELAXED);
	wb_pace_unlock(device);
	return pace;
}

uint64_t wb_pace_sleep(struct wb_device *device, uint64_t len, uint64_t x)
{
	uint64_t budget = wb_budget_bytes(), soft = wb_pace_soft(), rate = wb_rate_of(device);
	uint64_t now, credit, seen, till, owed;
	struct timespec nap;
	WB_KEEP_ERRNO; /* nanosleep's EINTR below */

	if (x <= soft || x >= budget)
		return 0; /* free, or the hard line's turn */
	now = wb_now_ns();
	if (!wb_pace_writers(device, now, x))
		return 0; /* the device keeps up with its writers: nothing to slow */
	credit = now > WB_PACE_CREDIT_NS ? now - WB_PACE_CREDIT_NS : 0;
	seen = __atomic_load_n(&device->paid_till, __ATOMIC_RELAXED);
	do {
		till = (seen > credit ? seen : credit) + wb_rate_cost(len, x, soft, budget, rate);
		if (till > now + 2 * WB_RATE_MAX_PAUSE_NS) /* many threads: never run away */
			till = now + 2 * WB_RATE_MAX_PAUSE_NS;
	} while (!__atomic_compare_exchange_n(&device->paid_till, &seen, till, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	if (till < now + WB_PACE_MIN_NS)
		return 0; /* paid by the time since the last write, or owed */
	owed = till - now;
	if (owed > WB_RATE_MAX_PAUSE_NS)
		owed = WB_RATE_MAX_PAUSE_NS;
	nap.tv_sec = (time_t)(owed / 1000000000ULL);
	nap.tv_nsec = (long)(owed % 1000000000ULL);
	(void)nanosleep(&nap, NULL); /* a signal cuts it short: the program's business */
	owed = wb_now_ns() - now;
	__atomic_add_fetch(&device->flow_ours_ns, owed, __ATOMIC_RELAXED);
	__atomic_add_fetch(&device->sleeps, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&device->slept_ns, owed, __ATOMIC_RELAXED);
	return owed ? owed : 1;
}

void wb_pace_waited(struct wb_device *device, uint64_t ns)
{
	uint64_t now = wb_now_ns(), seen = __atomic_load_n(&device->paid_till, __ATOMIC_RELAXED);

	__atomic_add_fetch(&device->flow_ours_ns, ns, __ATOMIC_RELAXED);
	__atomic_add_fetch(&device->waits, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&device->waited_ns, ns, __ATOMIC_RELAXED);
	while (seen < now && !__atomic_compare_exchange_n(&device->paid_till, &seen, now, 1,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

bool wb_pace_reap_due(struct wb_device *device, uint64_t len)
{
	if (__atomic_add_fetch(&device->unreaped, len, __ATOMIC_RELAXED) < WB_PACE_REAP_BYTES)
		return false;
	__atomic_store_n(&device->unreaped, 0, __ATOMIC_RELAXED);
	return true;
}

bool wb_pace_can_poll(int fd)
{
	struct wb_cachestat cs;
	int known = __atomic_load_n(&wb_can_poll, __ATOMIC_RELAXED);

	if (known < 0) {
		WB_KEEP_ERRNO;
		known = wb_sys_cachestat(fd, 0, 0, &cs) == 0 || errno != ENOSYS;
		__atomic_store_n(&wb_can_poll, known, __ATOMIC_RELAXED);
		if (!known)
			wb_log(WB_LOG_DEBUG, "no cachestat(2): waits use SYNC_FILE_RANGE_WAIT_AFTER, "
					     "closed files are waited for at close");
	}
	return known;
}
