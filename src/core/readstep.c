/* The read side's plain logic (see readstep.h). */
#include "readstep.h"

#include <string.h>

uint64_t wb_read_piece(uint64_t chunk)
{
	uint64_t piece = (chunk + WB_READ_PIECES - 1) / WB_READ_PIECES;

	piece = (piece + (64ULL << 10) - 1) & ~((64ULL << 10) - 1);
	return piece > WB_READ_PIECE_MIN ? piece : WB_READ_PIECE_MIN;
}

unsigned int wb_read_pieces(uint64_t chunk)
{
	uint64_t piece = wb_read_piece(chunk);

	return chunk ? (unsigned int)((chunk + piece - 1) / piece) : 1;
}

uint16_t wb_ring_ours(const struct wb_read *r, uint64_t c)
{
	if (c < r->dropped || c >= r->looked || c >= r->dropped + WB_READ_RING)
		return 0;
	return r->pieces[c % WB_READ_RING];
}

void wb_ring_set(struct wb_read *r, uint64_t c, uint16_t ours)
{
	if (c < r->dropped || c >= r->dropped + WB_READ_RING)
		return; /* no room: wb_ring_ours says none, which is safe */
	r->pieces[c % WB_READ_RING] = ours;
}

/* Everything below chunk `to` is done. Chunks that now enter the ring at its top
 * were looked at when there was no room for the answer: unknown, so not ours. */
void wb_ring_advance(struct wb_read *r, uint64_t to)
{
	uint64_t from = r->dropped, c;

	if (to <= from)
		return;
	r->dropped = to;
	c = from + WB_READ_RING > to ? from + WB_READ_RING : to;
	for (; c < to + WB_READ_RING && c < r->looked; c++)
		wb_ring_set(r, c, r->ours ? WB_READ_ALL_PIECES : 0);
}

/* The first chunk a reader that reached `end` cannot have touched through readahead. */
uint64_t wb_clean_from(uint64_t end, uint64_t chunk)
{
	uint64_t reach = WB_READ_REACH;

	if (reach > WB_READ_LOOK_MAX * chunk)
		reach = WB_READ_LOOK_MAX * chunk;
	return (end + reach + chunk - 1) / chunk;
}

void wb_read_claim(struct wb_read *r, uint64_t to, struct wb_read_plan *plan)
{
	if (to > r->dropped + WB_READ_RING)
		to = r->dropped + WB_READ_RING;
	plan->look_from = r->looked;
	plan->look_to = to > r->looked ? to : r->looked;
	for (uint64_t c = plan->look_from; c < plan->look_to; c++)
		wb_ring_set(r, c, 0);
	r->looked = plan->look_to;
	plan->epoch = r->epoch;
}

bool wb_read_step(struct wb_read *r, uint64_t chunk, uint64_t start, uint64_t got,
		  bool eof, struct wb_read_plan *plan)
{
	uint64_t end = start + got, target, c;

	memset(plan, 0, sizeof(*plan));
	if (start != r->next) {
		if (start == 0 && r->dropping)
			return false; /* back to the start of what we dropped: a re-read */
		/* A new stream: what lies within readahead reach of its start can no
		 * longer be told apart from pages we brought in. */
		r->streak = 0;
		r->dropped = r->looked = start / chunk;
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
		plan->drop_first = r->dropped;
		plan->drop_limit = r->ours ? UINT64_MAX : r->size;
		for (c = r->dropped; c < target; c++) {
			plan->drop[plan->drop_chunks++] = wb_ring_ours(r, c);
			plan->first_drop = plan->first_drop || plan->drop[c - r->dropped];
		}
		wb_ring_advance(r, target > r->dropped ? target : r->dropped);
		plan->first_drop = plan->first_drop && !r->dropping;
		r->dropping = r->dropping || plan->first_drop;
	}
	if (!eof) {
		/* Chunks now within reach that were not looked at in time are unknown;
		 * look at the clean ones the next read may reach, assuming it is as
		 * long as this one (all of them: a read longer than a chunk needs more
		 * than one new look per read), and one more. */
		target = wb_clean_from(end, chunk);
		for (c = r->looked; c < target && c < r->dropped + WB_READ_RING; c++)
			wb_ring_set(r, c, r->ours ? WB_READ_ALL_PIECES : 0);
		if (r->looked < target)
			r->looked = target < r->dropped + WB_READ_RING ? target : r->dropped + WB_READ_RING;
		wb_read_claim(r, wb_clean_from(end + got, chunk) + 1, plan);
	}
	return true;
}

bool wb_read_plan_run(const struct wb_read_plan *plan, uint64_t chunk, unsigned int *at,
		      uint64_t *from, uint64_t *to)
{
	uint64_t piece = wb_read_piece(chunk);
	unsigned int pieces = wb_read_pieces(chunk);
	bool found = false;

	for (; *at < plan->drop_chunks * WB_READ_PIECES; (*at)++) {
		unsigned int i = *at / WB_READ_PIECES, p = *at % WB_READ_PIECES;
		uint64_t c = plan->drop_first + i, lo = c * chunk + p * piece, hi = lo + piece;

		if (p >= pieces)
			continue; /* past the chunk's last piece: the next chunk follows on */
		if (hi > (c + 1) * chunk)
			hi = (c + 1) * chunk;
		/* Beyond the size at the first look: another writer's pages. */
		if (hi > plan->drop_limit)
			hi = plan->drop_limit;
		if (!((plan->drop[i] >> p) & 1) || lo >= hi || (found && lo != *to)) {
			if (found)
				break;
			continue;
		}
		if (!found)
			*from = lo;
		*to = hi;
		found = true;
	}
	return found;
}
