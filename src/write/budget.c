/* The process-wide writeback budget (see budget.h). */
#include "budget.h"

uint64_t wb_inflight;
uint64_t wb_written;
bool wb_writer;

void wb_inflight_sub(uint64_t bytes)
{
	uint64_t seen = __atomic_load_n(&wb_inflight, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&wb_inflight, &seen, seen > bytes ? seen - bytes : 0,
					    1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void wb_budget_after_fork(void)
{
	wb_inflight = 0;
}
