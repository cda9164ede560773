/* The read side's plain logic (see readstep.h). */
#include "readstep.h"

#include <string.h>

bool wb_ring_foreign(const struct wb_read *r, uint64_t c)
{
	if (c < r->dropped || c >= r->looked || c >= r->dropped + WB_READ_RING)
		return true;
	return (r->foreign >> (c % WB_READ_RING)) & 1;
}

void wb_ring_set(struct wb_read *r, uint64_t c, bool foreign)
{
	uint64_t bit = 1ULL << (c % WB_READ_RING);

	if (c < r->dropped || c >= r->dropped + WB_READ_RING)
		return; /* no room: wb_ring_foreign says foreign, which is safe */
	r->foreign = foreign ? r->foreign | bit : r->foreign & ~bit;
}

/* Everything below chunk `to` is done. Chunks that now enter the ring at its top
 * were looked at when there was no room for the answer: unknown, so foreign. */
void wb_ring_advance(struct wb_read *r, uint64_t to)
{
	uint64_t from = r->dropped, c;

	if (to <= from)
		return;
	r->dropped = to;
	c = from + WB_READ_RING > to ? from + WB_READ_RING : to;
	for (; c < to + WB_READ_RING && c < r->looked; c++)
		wb_ring_set(r, c, !r->ours);
}

/* The first chunk a reader that reached `end` cannot have touched through readahead. */
uint64_t wb_clean_from(uint64_t end, uint64_t chunk)
{
	uint64_t reach = WB_READ_REACH;

	if (reach > WB_READ_LOOK_MAX * chunk)
		reach = WB_READ_LOOK_MAX * chunk;
	return (end + reach + chunk - 1) / chunk;
}

/* Claim chunks [r->looked, to) for looking: foreign until a look says otherwise. */
void wb_read_claim(struct wb_read *r, uint64_t to, struct wb_read_plan *plan)
{
	if (to > r->dropped + WB_READ_RING)
		to = r->dropped + WB_READ_RING;
	plan->look_from = r->looked;
	plan->look_to = to > r->looked ? to : r->looked;
	for (uint64_t c = plan->look_from; c < plan->look_to; c++)
		wb_ring_set(r, c, true);
	r->looked = plan->look_to;
	plan->epoch = r->epoch;
}

/* A read of `got` bytes at `start` completed (`eof`: it returned 0). Updates the
 * stream and fills *plan with what to look at and what to drop. False when the
 * file turns out to be read a second time: leave it alone from now on. */
bool wb_read_step(struct wb_read *r, uint64_t chunk, uint64_t start, uint64_t got,
		  bool eof, struct wb_read_plan *plan)
{
	uint64_t end = start + got, target, c, from;

	memset(plan, 0, sizeof(*plan));
	if (start != r->next) {
		if (start == 0 && r->dropping)
			return false; /* back to the start of what we dropped: a re-read */
		/* A new stream: what lies within readahead reach of its start can no
		 * longer be told apart from pages we brought in. */
		r->streak = 0;
		r->dropped = r->looked = start / chunk;
		r->foreign = r->ours ? 0 : ~0ULL;
		r->epoch++;
	}
	r->next = end;
	r->streak += got;
	if (r->streak > WB_READ_AFTER_CHUNKS * chunk) {
		/* Keep the chunk before the reader's (readahead, a reader stepping back);
		 * at end of file, nothing. */
		target = eof ? r->looked : end / chunk - 1;
		if (target > r->looked)
			target = r->looked;
		c = r->dropped;
		while (c < target) {
			if (wb_ring_foreign(r, c)) {
				c++;
				continue;
			}
			if (plan->runs == WB_READ_DROP_RUNS)
				break;
			from = c;
			while (c < target && !wb_ring_foreign(r, c))
				c++;
			plan->drop_from[plan->runs] = from;
			plan->drop_to[plan->runs++] = c;
		}
		wb_ring_advance(r, c);
		plan->first_drop = plan->runs && !r->dropping;
		if (plan->runs)
			r->dropping = true;
	}
	if (!eof) {
		/* Chunks now within reach that were not looked at in time are unknown;
		 * look at the next one that is clean, assuming the next read is as long. */
		target = wb_clean_from(end + got, chunk);
		for (c = r->looked; c < target && c < r->dropped + WB_READ_RING; c++)
			wb_ring_set(r, c, !r->ours);
		if (r->looked < target)
			r->looked = target < r->dropped + WB_READ_RING ? target : r->dropped + WB_READ_RING;
		wb_read_claim(r, target + 1, plan);
	}
	return true;
}
