/* One backing device: its budget and pacing state (see device.h). */
#include "device.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/sysmacros.h>

#include "log.h"

/* The last entry is the overflow, shared by every device past the others. */
static struct wb_device wb_devices[WB_DEVICE_MAX + 1];

struct wb_device *wb_device_of(dev_t backing)
{
	uint64_t key = (uint64_t)backing + 1, seen;

	for (unsigned int i = 0; i < WB_DEVICE_MAX; i++) {
		struct wb_device *d = &wb_devices[i];

		seen = __atomic_load_n(&d->key, __ATOMIC_ACQUIRE);
		if (seen == key)
			return d;
		if (seen)
			continue;
		/* Free: claim it, unless another thread just did (for this key or another). */
		if (__atomic_compare_exchange_n(&d->key, &seen, key, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE) ||
		    seen == key)
			return d;
	}
	return &wb_devices[WB_DEVICE_MAX];
}

bool wb_device_id(const struct wb_device *device, dev_t *backing)
{
	uint64_t key = __atomic_load_n(&device->key, __ATOMIC_RELAXED);

	if (device == &wb_devices[WB_DEVICE_MAX] || !key)
		return false;
	*backing = (dev_t)(key - 1);
	return true;
}

bool wb_device_measured(const struct wb_device *device)
{
	return __atomic_load_n(&device->samples_now, __ATOMIC_RELAXED) != 0;
}

const char *wb_device_rate_from(const struct wb_device *device)
{
	if (wb_device_measured(device))
		return "device";
	return __atomic_load_n(&device->rate_now, __ATOMIC_RELAXED) ? "at_least" : "guess";
}

void wb_device_each(void (*fn)(const struct wb_device_summary *, void *), void *arg)
{
	for (unsigned int i = 0; i <= WB_DEVICE_MAX; i++) {
		struct wb_device *d = &wb_devices[i];
		struct wb_device_summary s = { 0 };

		if (!__atomic_load_n(&d->written, __ATOMIC_RELAXED))
			continue;
		s.overflow = !wb_device_id(d, &s.dev);
		s.rate = __atomic_load_n(&d->rate_now, __ATOMIC_RELAXED);
		if (!s.rate)
			s.rate = WB_RATE_GUESS;
		s.rate_from = wb_device_rate_from(d);
		s.written = __atomic_load_n(&d->written, __ATOMIC_RELAXED);
		s.sleeps = __atomic_load_n(&d->sleeps, __ATOMIC_RELAXED);
		s.slept_ns = __atomic_load_n(&d->slept_ns, __ATOMIC_RELAXED);
		s.waits = __atomic_load_n(&d->waits, __ATOMIC_RELAXED);
		s.waited_ns = __atomic_load_n(&d->waited_ns, __ATOMIC_RELAXED);
		s.inflight = __atomic_load_n(&d->inflight, __ATOMIC_RELAXED);
		fn(&s, arg);
	}
}

static void wb_device_report(const struct wb_device_summary *s, void *arg)
{
	char name[32];

	(void)arg;
	if (s->overflow)
		snprintf(name, sizeof(name), "other devices");
	else
		snprintf(name, sizeof(name), "device %u:%u", major(s->dev), minor(s->dev));
	wb_log_emit(WB_LOG_INFO,
		    "%s: written=%llu rate_mbs=%.1f rate_from=%s pace_sleeps=%llu pace_ms=%.1f "
		    "budget_waits=%llu budget_wait_ms=%.1f",
		    name, (unsigned long long)s->written, (double)s->rate / 1048576.0,
		    s->rate_from, (unsigned long long)s->sleeps,
		    (double)s->slept_ns / 1e6, (unsigned long long)s->waits,
		    (double)s->waited_ns / 1e6);
}

void wb_device_report_all(void)
{
	if (wb_log_level >= WB_LOG_INFO)
		wb_device_each(wb_device_report, NULL);
}

void wb_device_after_fork(void)
{
	for (unsigned int i = 0; i <= WB_DEVICE_MAX; i++) {
		struct wb_device *d = &wb_devices[i];
		uint64_t rate = d->est.rate;
		unsigned samples = d->est.samples;

		d->inflight = 0;
		d->retired = 0;
		d->lock = 0;
		wb_rate_init(&d->est);
		d->est.rate = rate ? rate : WB_RATE_GUESS; /* the rate is the disk's: it stays */
		d->est.samples = samples;
		d->flow = (struct wb_flow){ 0 };
		d->pace_writers = false;
		d->paid_till = 0;
		d->unreaped = 0;
		d->keep_next_look = 0;
		d->flow_bytes = d->flow_ours_ns = 0;
		d->written = d->sleeps = d->slept_ns = d->waits = d->waited_ns = 0;
	}
}
