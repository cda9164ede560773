/* The library's one way into the kernel: an inline raw system call.
 *
 * Why not libc's syscall(): the library exports its own syscall door (doors_fd.c),
 * and a call to `syscall` from inside the library binds through the PLT to that
 * door, so internal work would run the door's policy and reach libc through the
 * dlsym table, which must never happen in a signal handler. Calling the kernel
 * directly also means another preload cannot turn our writeback into a no-op.
 *
 * wb_syscall() returns the kernel's answer: a value >= 0, or -errno (musl's
 * __syscall). It never touches errno. wb_syscall_errno() has syscall(2)'s
 * convention: -1 with errno set. Up to six arguments; pass at least one. */
#ifndef WB_SYSCALL_H
#define WB_SYSCALL_H

#include <errno.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
static inline long wb_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static inline long wb_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ __volatile__("svc 0"
			     : "+r"(x0)
			     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			     : "memory", "cc");
	return x0;
}
#elif defined(__riscv) && __riscv_xlen == 64
static inline long wb_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;

	__asm__ __volatile__("ecall"
			     : "+r"(a0)
			     : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			     : "memory");
	return a0;
}
#else
/* Other architectures: libc's next syscall(), never our own door (real.c). */
long wb_syscall6(long n, long a, long b, long c, long d, long e, long f);
#define WB_SYSCALL_OUT_OF_LINE 1
#endif

#define WB_SYSCALL_ARGS(a, b, c, d, e, f, ...) \
	(long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)
#define wb_syscall(n, ...) wb_syscall6((long)(n), WB_SYSCALL_ARGS(__VA_ARGS__, 0, 0, 0, 0, 0, 0))

/* A raw result in syscall(2)'s convention: -1 with errno set on failure. */
static inline long wb_syscall_result(long ret)
{
	if ((unsigned long)ret > -4096UL) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#define wb_syscall_errno(n, ...) wb_syscall_result(wb_syscall((n), __VA_ARGS__))

#endif
