/* The writeback budget per device (see budget.h). */
#include "budget.h"

uint64_t wb_written;
bool wb_writer;

void wb_inflight_sub(struct wb_device *device, uint64_t bytes)
{
	uint64_t seen = __atomic_load_n(&device->inflight, __ATOMIC_RELAXED), take;

	do
		take = seen > bytes ? bytes : seen;
	while (!__atomic_compare_exchange_n(&device->inflight, &seen, seen - take, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	/* What left the queue: the rate counts it (rate.h). */
	__atomic_add_fetch(&device->retired, take, __ATOMIC_RELAXED);
}
