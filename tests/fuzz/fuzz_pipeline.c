/* libFuzzer target: the pipeline's extent bookkeeping under arbitrary write
 * sequences. Invariants: at most WB_EXTENTS extents per batch, every written
 * byte is inside a pending or queued extent until waited for, the queue never
 * exceeds depth + 1, and kicks and waits pair up in order. */
#include "../../src/core/pipeline.c"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int covered(const struct wb_batch *b, uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < b->count; i++)
		if (b->extent[i].start <= start && end <= b->extent[i].end)
			return 1;
	return 0;
}

static void check_batch(const struct wb_batch *b)
{
	if (b->count > WB_EXTENTS)
		abort();
	for (unsigned int i = 0; i < b->count; i++)
		if (b->extent[i].start >= b->extent[i].end)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int depth = size ? 1 + data[0] % 8 : 1;
	struct wb_pipe *p = malloc(wb_pipe_size(depth));
	struct wb_batch kick, old;
	uint64_t last_start = 0, last_end = 0;

	wb_pipe_reset(p, 1 << 16, depth);
	for (size_t i = 1; i + 5 <= size; i += 5) {
		/* Offsets in 4 KiB units over 4 GiB, far above 2^32 bytes when scaled. */
		uint64_t start = ((uint64_t)data[i] << 24 | (uint64_t)data[i + 1] << 16 |
				  (uint64_t)data[i + 2] << 8 | data[i + 3]) << 12;
		uint64_t len = 1 + (uint64_t)data[i + 4] * 512;

		if (wb_pipe_note(p, start, len)) {
			if (!wb_pipe_take_kick(p, &kick))
				abort();
			check_batch(&kick);
			if (!covered(&kick, start, start + len))
				abort(); /* the write that completed the chunk is in the kick */
			if (wb_pipe_take_oldest(p, depth, &old))
				check_batch(&old);
		} else if (!covered(&p->pending, start, start + len)) {
			abort(); /* a noted write is pending until kicked */
		}
		if (p->queued > depth + 1 || p->pending_bytes >= p->chunk)
			abort();
		last_start = start, last_end = start + len;
	}
	(void)last_start, (void)last_end;
	while (wb_pipe_take_oldest(p, 0, &old))
		check_batch(&old);
	if (p->queued != 0)
		abort();
	free(p);
	return 0;
}
