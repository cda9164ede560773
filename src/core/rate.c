/* The arithmetic of pacing by time (see rate.h). */
#include "rate.h"

void wb_rate_init(struct wb_rate *r)
{
	*r = (struct wb_rate){ .rate = WB_RATE_GUESS };
}

bool wb_rate_note(struct wb_rate *r, uint64_t now, uint64_t bytes, uint64_t *sample)
{
	uint64_t span, seen;
	bool moved = false;

	if (!r->start || now - r->last > WB_RATE_IDLE_NS) {
		r->start = now; /* these bytes completed before the window began */
		r->bytes = 0;
	} else {
		r->bytes += bytes;
		span = now - r->start;
		if (r->measured ? span >= WB_RATE_WINDOW_NS && r->bytes
				: span >= WB_RATE_FIRST_NS && r->bytes >= WB_RATE_FIRST_BYTES) {
			seen = (uint64_t)((unsigned __int128)r->bytes * 1000000000ULL / span);
			if (!r->measured)
				r->rate = seen;
			else if (seen > r->rate)
				r->rate = (r->rate + 3 * seen) / 4;
			else
				r->rate = (3 * r->rate + seen) / 4;
			if (!r->rate)
				r->rate = 1;
			r->measured = true;
			r->start = now;
			r->bytes = 0;
			*sample = seen;
			moved = true;
		}
	}
	r->last = now;
	return moved;
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
