/* What the doors saw of an fd (see fdnote.h). */
#define _GNU_SOURCE
#include "fdnote.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fdtable.h"
#include "spin.h"
#include "syscall.h"

/* One fd's note. Its lock is only ever tried, never waited for: two threads use
 * one fd's note at once only when the program closes and reopens that number
 * concurrently (or a handler interrupts us); the loser marks the note spoiled,
 * and a spoiled note is not believed until it is written whole again. */
struct wb_fd_note {
	unsigned char lock;     /* atomic: 0 free, 1 held */
	bool spoiled;           /* atomic: written while held; read as unknown */
	bool stat_valid;        /* stat holds the program's fstat */
	bool dir;               /* a directory's name: unlinks leave it believed */
	unsigned int unlinks;   /* wb_unlinks when the name was taken */
	struct stat stat;
	char name[WB_NAME_MAX]; /* "" if unknown */
};

static void *wb_note_pages[WB_MAX_PAGES]; /* each a page of struct wb_fd_note */

/* Bumped by every chdir or fchdir door: a thread's kept directory is good while
 * it was read under the current generation. */
static unsigned int wb_cwd_generation = 1;
static __thread unsigned int wb_cwd_read_in __attribute__((tls_model("initial-exec")));
static __thread char wb_cwd[WB_NAME_MAX] __attribute__((tls_model("initial-exec")));

/* Bumped by every unlink and rename door: a name taken before one may now name
 * nothing, or another file. */
static unsigned int wb_unlinks;

/* fd's note; allocated (its page) only if `make`. */
static struct wb_fd_note *wb_note(int fd, bool make)
{
	unsigned int index = (unsigned int)fd / WB_SLOTS_PER_PAGE;
	struct wb_fd_note *page;

	if (fd < 0 || (unsigned int)fd >= WB_MAX_FDS)
		return NULL;
	page = __atomic_load_n(&wb_note_pages[index], __ATOMIC_ACQUIRE);
	if (!page && make)
		page = wb_table_page(wb_note_pages, index,
				     WB_SLOTS_PER_PAGE * sizeof(struct wb_fd_note));
	return page ? &page[(unsigned int)fd % WB_SLOTS_PER_PAGE] : NULL;
}

static bool wb_note_lock(struct wb_fd_note *note)
{
	if (!wb_spin_try(&note->lock)) {
		__atomic_store_n(&note->spoiled, true, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void wb_note_unlock(struct wb_fd_note *note)
{
	wb_spin_release(&note->lock);
}

/* This thread's working directory, absolute, and its length; 0 if unknown. */
static size_t wb_cwd_now(void)
{
	unsigned int now = __atomic_load_n(&wb_cwd_generation, __ATOMIC_ACQUIRE);
	long got;

	if (wb_cwd_read_in != now) {
		got = wb_syscall(SYS_getcwd, wb_cwd, sizeof(wb_cwd));
		if (got <= 0 || wb_cwd[0] != '/')
			wb_cwd[0] = '\0'; /* too long, or "(unreachable)": none until a chdir */
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

void wb_names_unlinked(void)
{
	__atomic_add_fetch(&wb_unlinks, 1, __ATOMIC_ACQ_REL);
}

/* Copy fd's name into out (size bytes), if it is known and believed (a file's
 * name only if no unlink or rename came since it was taken); its length, or 0. */
static size_t wb_note_name(int fd, char *out, size_t size)
{
	struct wb_fd_note *note = wb_note(fd, false);
	size_t len = 0;

	if (!note || !wb_note_lock(note))
		return 0;
	if (note->name[0] && !__atomic_load_n(&note->spoiled, __ATOMIC_RELAXED) &&
	    (note->dir || note->unlinks == __atomic_load_n(&wb_unlinks, __ATOMIC_ACQUIRE))) {
		len = strnlen(note->name, WB_NAME_MAX - 1);
		if (len < size) {
			memcpy(out, note->name, len);
			out[len] = '\0';
		} else {
			len = 0;
		}
	}
	wb_note_unlock(note);
	return len;
}

/* The name of directory fd `dirfd` that no door saw opened (opened before the
 * process wrote anything, when notes cost nothing yet: cp's destination), read
 * from /proc once and kept in its note for the names opened relative to it. Its
 * length, or 0. */
static size_t wb_dir_name_learn(int dirfd, char *out, size_t size)
{
	struct wb_fd_note *note = wb_note(dirfd, true);
	char link[32];
	long len;

	if (!note)
		return 0;
	if (size > WB_NAME_MAX)
		size = WB_NAME_MAX;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	len = wb_syscall(SYS_readlinkat, AT_FDCWD, link, out, size - 1);
	if (len <= 0 || out[0] != '/' || (size_t)len >= size - 1)
		return 0; /* no /proc, a pipe's "pipe:[..]", or too long to be sure */
	out[len] = '\0';
	if (!wb_note_lock(note))
		return 0;
	if (!note->name[0]) {
		note->unlinks = __atomic_load_n(&wb_unlinks, __ATOMIC_ACQUIRE);
		note->dir = true;
		memcpy(note->name, out, (size_t)len + 1);
		note->stat_valid = false;
	}
	wb_note_unlock(note);
	return (size_t)len;
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
	if (dirfd == AT_FDCWD) {
		if (!(base = wb_cwd_now()) || base >= size)
			return false;
		memcpy(out, wb_cwd, base + 1);
	} else if (!(base = wb_note_name(dirfd, out, size)) &&
		   !(base = wb_dir_name_learn(dirfd, out, size))) {
		return false;
	}
	if (base + 1 + len >= size)
		return false;
	out[base] = '/';
	memcpy(out + base + 1, path, len + 1);
	return true;
}

void wb_fd_name_opened(int fd, int dirfd, const char *path, bool dir)
{
	struct wb_fd_note *note = wb_note(fd, true);
	char name[WB_NAME_MAX];
	bool named;

	if (!note)
		return;
	/* Made before the lock: dirfd's own note may be taken. */
	named = path && wb_name_absolute(dirfd, path, name, sizeof(name));
	if (!wb_note_lock(note))
		return;
	note->unlinks = __atomic_load_n(&wb_unlinks, __ATOMIC_ACQUIRE);
	note->dir = dir;
	if (named)
		memcpy(note->name, name, strlen(name) + 1);
	else
		note->name[0] = '\0';
	note->stat_valid = false;
	__atomic_store_n(&note->spoiled, false, __ATOMIC_RELAXED);
	wb_note_unlock(note);
}

void wb_fd_note_forget(int fd)
{
	struct wb_fd_note *note = wb_note(fd, false);

	if (!note || !wb_note_lock(note))
		return;
	note->name[0] = '\0';
	note->stat_valid = false;
	__atomic_store_n(&note->spoiled, false, __ATOMIC_RELAXED);
	wb_note_unlock(note);
}

bool wb_fd_name(int fd, char *name)
{
	return wb_note_name(fd, name, WB_NAME_MAX) > 0;
}

void wb_fd_stat_seen(int fd, const struct stat *st)
{
	struct wb_fd_note *note = wb_note(fd, true);

	if (!note || !wb_note_lock(note))
		return;
	note->stat = *st;
	note->stat_valid = !__atomic_load_n(&note->spoiled, __ATOMIC_RELAXED);
	wb_note_unlock(note);
}

bool wb_fd_stat_take(int fd, struct stat *st)
{
	struct wb_fd_note *note = wb_note(fd, false);
	bool valid;

	if (!note || !wb_note_lock(note))
		return false;
	valid = note->stat_valid && !__atomic_load_n(&note->spoiled, __ATOMIC_RELAXED);
	if (valid)
		*st = note->stat;
	note->stat_valid = false;
	wb_note_unlock(note);
	return valid;
}
