/* The name each fd was opened by (see fdname.h). */
#define _GNU_SOURCE
#include "fdname.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "fdtable.h"
#include "syscall.h"

typedef char wb_name_t[WB_NAME_MAX];

static wb_name_t *wb_name_pages[WB_MAX_PAGES];

/* Bumped by every chdir or fchdir door: a thread's kept directory is good while
 * it was read under the current generation. */
static unsigned int wb_cwd_generation = 1;
static __thread unsigned int wb_cwd_read_in __attribute__((tls_model("initial-exec")));
static __thread char wb_cwd[WB_NAME_MAX] __attribute__((tls_model("initial-exec")));

/* fd's name slot; allocated (its page) only if `make`. */
static char *wb_name_slot(int fd, bool make)
{
	unsigned int index = (unsigned int)fd / WB_SLOTS_PER_PAGE;
	const uint64_t bytes = WB_SLOTS_PER_PAGE * sizeof(wb_name_t);
	wb_name_t *page, *expected = NULL;

	if (fd < 0 || (unsigned int)fd >= WB_MAX_FDS)
		return NULL;
	page = __atomic_load_n(&wb_name_pages[index], __ATOMIC_ACQUIRE);
	if (!page && make) {
		page = wb_alloc(bytes);
		if (page && !__atomic_compare_exchange_n(&wb_name_pages[index], &expected, page, 0,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			(void)wb_syscall(SYS_munmap, page, bytes); /* another thread won */
			page = expected;
		}
	}
	return page ? page[(unsigned int)fd % WB_SLOTS_PER_PAGE] : NULL;
}

/* This thread's working directory, absolute, and its length; 0 if unknown. */
static size_t wb_cwd_now(void)
{
	unsigned int now = __atomic_load_n(&wb_cwd_generation, __ATOMIC_ACQUIRE);
	long got;

	if (wb_cwd_read_in != now) {
		wb_cwd_read_in = 0;
		got = wb_syscall(SYS_getcwd, wb_cwd, sizeof(wb_cwd));
		if (got <= 0 || wb_cwd[0] != '/')
			return 0; /* "(unreachable)": outside our root */
		wb_cwd_read_in = now;
	}
	return strlen(wb_cwd);
}

void wb_cwd_changed(void)
{
	unsigned int next = __atomic_add_fetch(&wb_cwd_generation, 1, __ATOMIC_ACQ_REL);

	if (next == 0) /* 0 means "never read" */
		__atomic_add_fetch(&wb_cwd_generation, 1, __ATOMIC_ACQ_REL);
}

bool wb_name_absolute(int dirfd, const char *path, char *out, size_t size)
{
	size_t len = strlen(path), base;

	if (path[0] == '/') {
		if (len >= size)
			return false;
		memcpy(out, path, len + 1);
		return true;
	}
	if (dirfd != AT_FDCWD || !(base = wb_cwd_now()) || base + 1 + len >= size)
		return false;
	memcpy(out, wb_cwd, base);
	out[base] = '/';
	memcpy(out + base + 1, path, len + 1);
	return true;
}

void wb_fd_name_opened(int fd, int dirfd, const char *path)
{
	char *slot = wb_name_slot(fd, true);

	if (slot && (!path || !wb_name_absolute(dirfd, path, slot, WB_NAME_MAX)))
		slot[0] = '\0';
}

void wb_fd_name_forget(int fd)
{
	char *slot = wb_name_slot(fd, false);

	if (slot && slot[0])
		slot[0] = '\0';
}

bool wb_fd_name(int fd, char *name)
{
	const char *slot = wb_name_slot(fd, false);
	size_t len;

	if (!slot || !slot[0])
		return false;
	len = strnlen(slot, WB_NAME_MAX - 1);
	memcpy(name, slot, len);
	name[len] = '\0';
	return true;
}
