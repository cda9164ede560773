/* The library's one spin lock: a byte, 0 free and 1 held.
 *
 * Held for a few dozen instructions, never across a system call. Signal-handler
 * safety: `held` is a thread-local count of the locks of one family (the fd
 * table's slots and the mapping records share one) this thread holds or is
 * taking. A thread whose count is already nonzero (so a handler that interrupted
 * a holder) only try-locks: it can never spin on a lock its own thread holds.
 * wb_spin_try alone, for a lock whose taker does without it when it is busy. */
#ifndef WB_SPIN_H
#define WB_SPIN_H

#include <sched.h>
#include <stdbool.h>

static inline void wb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Take the lock unless it is held. Pair with wb_spin_release. */
static inline bool wb_spin_try(unsigned char *lock)
{
	return !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE);
}

static inline void wb_spin_release(unsigned char *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* Take the lock. Returns false only when this thread already holds a lock of the
 * family (*held > 0) and this one is taken too. Pair with wb_spin_unlock. */
static inline bool wb_spin_lock(unsigned char *lock, unsigned int *held)
{
	unsigned int spins = 0;
	bool nested;

	/* Count first, then take: a handler arriving in between sees the count and
	 * only try-locks. */
	nested = (*held)++ > 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	while (!wb_spin_try(lock)) {
		if (nested) {
			(*held)--;
			return false;
		}
		/* The holder runs a few instructions; yield if it was preempted. */
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins > 100)
				sched_yield();
			else
				wb_cpu_relax();
		}
	}
	return true;
}

static inline void wb_spin_unlock(unsigned char *lock, unsigned int *held)
{
	wb_spin_release(lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	(*held)--;
}

#endif
