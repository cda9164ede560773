/* The arithmetic of pacing by time (see rate.h). */
#include "rate.h"

void wb_rate_init(struct wb_rate *r)
{
	*r = (struct wb_rate){ .rate = WB_RATE_GUESS };
}

static uint64_t wb_per_second(uint64_t bytes, uint64_t ns)
{
	return ns ? (uint64_t)((unsigned __int128)bytes * 1000000000ULL / ns) : 0;
}

static bool wb_rate_observe(struct wb_rate *r, uint64_t now, uint64_t retired, uint64_t queued,
			    uint64_t floor, bool dry, uint64_t *sample)
{
	uint64_t seen;

	if (r->at && now > r->at && retired >= r->retired && r->queued >= floor && r->queued) {
		uint64_t done = retired - r->retired, span = now - r->at;
		/* Busy throughout: queued work at the start, and not all of it done (nor
		 * the rest off the device). Or all done, but at least as fast as the
		 * estimate: whatever idle time the span hides, the device was not slower
		 * than that (a burst). */
		bool full = done < r->queued && !dry;
		if (full ||
		    (unsigned __int128)done * 1000000000ULL >= (unsigned __int128)r->rate * span) {
			r->busy_ns += span;
			r->bytes += done;
			r->full_ns += full ? span : 0;
		}
	}
	r->at = now;
	r->retired = retired;
	r->queued = queued;
	if (r->busy_ns < WB_RATE_WINDOW_NS)
		return false;
	seen = wb_per_second(r->bytes, r->busy_ns);
	/* Half way: a sample may be a burst's luck, the estimate is what paces. */
	if (seen > r->rate)
		r->rate += (seen - r->rate) / 2;
	else
		r->rate -= (r->rate - seen) / 2;
	if (r->rate < WB_RATE_MIN)
		r->rate = WB_RATE_MIN;
	/* Lower bounds alone (queues that ran dry) say how fast the writer was. */
	if (r->full_ns * 2 >= r->busy_ns)
		r->samples++;
	r->busy_ns = 0;
	r->bytes = 0;
	r->full_ns = 0;
	*sample = seen;
	return true;
}

bool wb_rate_note(struct wb_rate *r, uint64_t now, uint64_t retired, uint64_t queued,
		  uint64_t floor, uint64_t *sample)
{
	return wb_rate_observe(r, now, retired, queued, floor, false, sample);
}

bool wb_rate_note_dry(struct wb_rate *r, uint64_t now, uint64_t retired, uint64_t queued,
		      uint64_t floor, uint64_t *sample)
{
	return wb_rate_observe(r, now, retired, queued, floor, true, sample);
}

/* Time that was the writers' own: not what they slept or waited in the shim.
 * Several threads can sleep at once: at least an eighth of the span is theirs. */
static uint64_t wb_flow_busy(uint64_t span, uint64_t ours)
{
	uint64_t most = span - span / 8;

	return span - (ours < most ? ours : most);
}

bool wb_flow_note(struct wb_flow *f, uint64_t now, uint64_t bytes, uint64_t ours_ns,
		  uint64_t x, uint64_t rate)
{
	uint64_t span, busy, low;

	if (!f->start || now < f->start) {
		/* What was written before the first look has no time to go with it. */
		*f = (struct wb_flow){ .start = now, .low = x, .rate = f->rate };
		return false;
	}
	f->bytes += bytes;
	f->ours_ns += ours_ns;
	if (x < f->low)
		f->low = x;
	span = now - f->start;
	busy = wb_flow_busy(span, f->ours_ns);
	if (span >= WB_FLOW_WINDOW_NS) {
		f->prev_bytes = f->bytes;
		f->prev_busy_ns = busy;
		f->prev_low = f->low;
		f->start = now;
		f->bytes = f->ours_ns = 0;
		f->low = x;
		busy = 0;
	}
	low = f->prev_busy_ns && f->prev_low < f->low ? f->prev_low : f->low;
	if (f->prev_busy_ns + busy < WB_FLOW_MIN_NS)
		return x > low; /* not yet known: growing is all there is (and the credit) */
	f->rate = wb_per_second(f->prev_bytes + f->bytes, f->prev_busy_ns + busy);
	return f->rate > rate && x > low;
}

uint64_t wb_rate_cost(uint64_t len, uint64_t x, uint64_t soft, uint64_t budget, uint64_t rate)
{
	double allowed, ns;

	if (x >= budget || soft >= budget || !rate)
		return WB_RATE_MAX_PAUSE_NS;
	if (x < soft)
		x = soft;
	allowed = (double)rate * 2.0 * (double)(budget - x) / (double)(budget - soft);
	ns = (double)len * 1e9 / allowed;
	return ns < (double)WB_RATE_MAX_PAUSE_NS ? (uint64_t)ns : WB_RATE_MAX_PAUSE_NS;
}
