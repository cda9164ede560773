/* Run-once start-up: resolve the real functions, read the configuration. */
#ifndef WB_INIT_H
#define WB_INIT_H

#include <stdbool.h>

#include "config.h"
#include "syscall.h"

enum wb_state { WB_STATE_NEW = 0, WB_STATE_STARTING, WB_STATE_ACTIVE, WB_STATE_OFF };

extern int wb_state;

bool wb_start(void);

/* The process id, taken at start-up and in the atfork child. */
extern int wb_pid;

/* Set once the program has called vfork() or clone() (doors/doors_spawn.c), or
 * from the start where those doors do not exist: a child may share our memory. */
extern bool wb_spawned;

/* Is this door running in a vfork child (our memory, another pid: Python's
 * subprocess)? Such a child must change none of the parent's state. One system
 * call, asked only where state is about to change, and only in a process that
 * has made such a child. */
static inline bool wb_vforked(void)
{
	if (!__atomic_load_n(&wb_spawned, __ATOMIC_RELAXED))
		return false;
	return wb_syscall(SYS_getpid, 0) != __atomic_load_n(&wb_pid, __ATOMIC_RELAXED);
}

/* True when the shim should act; false means pure pass-through (disabled, a
 * required symbol missing, or called re-entrantly during our own start-up). */
static inline bool wb_ready(void)
{
	int state = __atomic_load_n(&wb_state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(state == WB_STATE_ACTIVE, 1))
		return true;
	if (state == WB_STATE_OFF)
		return false;
	return wb_start();
}

#endif
