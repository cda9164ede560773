/* vfork(2) and clone(2): marked before they run, so that a door later running in
 * a child that shares our memory can tell it is one (init.h, wb_vforked), while a
 * process that never made such a child asks the kernel nothing at its closes.
 *
 * These doors cannot be C functions: a vfork child returns through the door's
 * frame and the parent would then return through a frame the child has used. So
 * each is a jump: it saves the argument registers, calls wb_spawn_mark() (which
 * marks the process and returns the next definition), restores them and jumps
 * there, so the real function returns straight to the program. posix_spawn(),
 * system() and popen() need no door: glibc's child runs only glibc's own
 * internal functions, never a door of ours. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include "export.h"
#include "init.h"
#include "real.h"

#if defined(__x86_64__) || defined(__aarch64__)

/* Declared for the exports check; defined by the jumps below. */
WB_EXPORT pid_t vfork(void);
WB_EXPORT pid_t __vfork(void);
WB_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);

enum wb_spawn_door { WB_DOOR_VFORK, WB_DOOR___VFORK, WB_DOOR_CLONE };

/* vfork() may always behave as fork(): the answer if the next vfork is missing. */
static pid_t wb_vfork_as_fork(void)
{
	return fork();
}

static int wb_clone_missing(void)
{
	errno = ENOSYS;
	return -1;
}

/* Called from the jumps only (hence not static: the assembly names it). */
void *wb_spawn_mark(int door);
void *wb_spawn_mark(int door)
{
	void *next = NULL;

	__atomic_store_n(&wb_spawned, true, __ATOMIC_RELAXED);
	switch (door) {
	case WB_DOOR_VFORK:
		next = (void *)WB_NEXT(vfork);
		return next ? next : (void *)wb_vfork_as_fork;
	case WB_DOOR___VFORK:
		next = (void *)WB_NEXT(__vfork);
		return next ? next : (void *)wb_vfork_as_fork;
	default:
		next = (void *)WB_NEXT(clone);
		return next ? next : (void *)wb_clone_missing;
	}
}

#if defined(__x86_64__)
/* Entry: rsp is 8 past a 16-byte boundary. Seven pushes keep rax (the vector
 * count of a variadic call) and the six argument registers, and align the call;
 * clone's seventh argument stays on the stack where the caller put it. */
#define WB_SPAWN_DOOR(name, door)                                                  \
	__asm__(".text\n.globl " #name "\n.type " #name ", @function\n" #name ":\n"   \
		"\tpush %rax\n\tpush %rdi\n\tpush %rsi\n\tpush %rdx\n"              \
		"\tpush %rcx\n\tpush %r8\n\tpush %r9\n"                             \
		"\tmov $" #door ", %edi\n\tcall wb_spawn_mark\n\tmov %rax, %r11\n"   \
		"\tpop %r9\n\tpop %r8\n\tpop %rcx\n\tpop %rdx\n"                    \
		"\tpop %rsi\n\tpop %rdi\n\tpop %rax\n"                              \
		"\tjmp *%r11\n.size " #name ", .-" #name "\n")
#else
/* x0-x7 and the frame record are kept; the real function returns to our caller
 * through the unchanged link register. */
#define WB_SPAWN_DOOR(name, door)                                                  \
	__asm__(".text\n.globl " #name "\n.type " #name ", %function\n" #name ":\n"   \
		"\tstp x29, x30, [sp, #-80]!\n\tmov x29, sp\n"                       \
		"\tstp x0, x1, [sp, #16]\n\tstp x2, x3, [sp, #32]\n"                \
		"\tstp x4, x5, [sp, #48]\n\tstp x6, x7, [sp, #64]\n"                \
		"\tmov w0, #" #door "\n\tbl wb_spawn_mark\n\tmov x16, x0\n"          \
		"\tldp x0, x1, [sp, #16]\n\tldp x2, x3, [sp, #32]\n"                \
		"\tldp x4, x5, [sp, #48]\n\tldp x6, x7, [sp, #64]\n"                \
		"\tldp x29, x30, [sp], #80\n\tbr x16\n.size " #name ", .-" #name "\n")
#endif

/* The door numbers must match enum wb_spawn_door. */
_Static_assert(WB_DOOR_VFORK == 0 && WB_DOOR___VFORK == 1 && WB_DOOR_CLONE == 2,
	       "door numbers");
WB_SPAWN_DOOR(vfork, 0);
WB_SPAWN_DOOR(__vfork, 1);
WB_SPAWN_DOOR(clone, 2);

#endif
