/* fd classification: what to drive, what to leave alone. */
#define _GNU_SOURCE
#include "classify.h"
#include "fdnote.h"
#include "real.h"
#include "syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
#ifndef CIFS_SUPER_MAGIC
#define CIFS_SUPER_MAGIC 0xFF534D42
#endif
#ifndef SMB2_SUPER_MAGIC
#define SMB2_SUPER_MAGIC 0xFE534D42
#endif
#ifndef CEPH_SUPER_MAGIC
#define CEPH_SUPER_MAGIC 0x00c36400
#endif
#ifndef V9FS_MAGIC
#define V9FS_MAGIC 0x01021997
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8 */
#endif

/* Filesystems whose pages are memory, not a cache of a disk: DONTNEED on tmpfs can
 * push pages to swap, and there is no writeback to pace. Pseudo filesystems take
 * small control writes that never make a chunk. */
static bool wb_fs_is_memory(unsigned long type)
{
	switch (type) {
	case TMPFS_MAGIC:
	case RAMFS_MAGIC:
	case HUGETLBFS_MAGIC:
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case SECURITYFS_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case BPF_FS_MAGIC:
		return true;
	default:
		return false;
	}
}

/* Filesystems where a wait is a round trip to a server that may be slow or gone. */
static bool wb_fs_is_remote(unsigned long type)
{
	switch (type) {
	case NFS_SUPER_MAGIC:
	case CIFS_SUPER_MAGIC:
	case SMB2_SUPER_MAGIC:
	case FUSE_SUPER_MAGIC:
	case CEPH_SUPER_MAGIC:
	case V9FS_MAGIC:
	case CODA_SUPER_MAGIC:
	case AFS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/* What a filesystem is to us. */
enum wb_fs_kind {
	WB_FS_DISK = 1, /* pages cache a disk: drive them */
	WB_FS_MEMORY,   /* pages are the memory itself: leave alone */
	WB_FS_REMOTE,   /* a server behind it: kick, never wait */
};

/* The kind of filesystem behind each mount seen, so that a tree of files costs one
 * fstatfs per mount, not one per file.
 *
 * Keyed by the mount's unique ID (statx STATX_MNT_ID_UNIQUE, Linux 6.8), not by
 * st_dev: the kernel hands out the st_dev of every filesystem without a block
 * device of its own (tmpfs, NFS, FUSE, overlay, btrfs) from one pool, lowest free
 * number first (get_anon_bdev), so after an unmount the next mount of any type
 * may get the same st_dev at once; and even a block device's st_dev can come back
 * as another type (unmounted as ext4, mounted with a FUSE driver). A unique mount
 * ID is a 64-bit counter the kernel never reuses (mnt_id_ctr, not the recycled
 * mnt_id), and a mount's superblock, so its type, is fixed for the mount's life:
 * an unmount and remount between two calls gives a new ID, a bind mount or
 * another mount namespace has its own IDs. A stale entry can only be a miss.
 * Older kernels give no unique ID: every file asks fstatfs, as before.
 *
 * Lock-free: each entry is one 64-bit word, ID << 2 | kind (0: empty), read and
 * written whole, so a signal handler or another thread sees a complete entry or
 * none; a full table overwrites entries round robin. A fork child inherits correct
 * entries; a vfork child that adds one adds a true fact to its parent's table. */
#define WB_KINDS 16
struct wb_kinds {
	uint64_t entry[WB_KINDS]; /* key << 2 | kind, 0 empty */
	unsigned int next;        /* the next entry to overwrite */
};

/* Keys are unique mount IDs. */
static struct wb_kinds wb_mounts;

/* The kind of filesystem on each block device seen (an st_dev with a major
 * number of its own), for the classifications that know st_dev only: those
 * made from the program's own fstat (fdnote.h). Unlike the anonymous numbers of
 * tmpfs, FUSE or NFS (major 0), a block device's number names that disk for as
 * long as it is there; only remaking the filesystem on it as another type while
 * the process runs could make an entry stale. Same layout and rules as above. */
static struct wb_kinds wb_devs;

static enum wb_fs_kind wb_kind_find(const struct wb_kinds *t, uint64_t key)
{
	for (unsigned int i = 0; key && i < WB_KINDS; i++) {
		uint64_t entry = __atomic_load_n(&t->entry[i], __ATOMIC_RELAXED);
		if (entry && entry >> 2 == key)
			return (enum wb_fs_kind)(entry & 3);
	}
	return 0;
}

/* Key 0 (unknown) and keys too wide for an entry are not kept. */
static void wb_kind_learned(struct wb_kinds *t, uint64_t key, enum wb_fs_kind kind)
{
	unsigned int i;

	if (!key || key >= (1ULL << 62) || wb_kind_find(t, key) == kind)
		return;
	i = __atomic_fetch_add(&t->next, 1, __ATOMIC_RELAXED) % WB_KINDS;
	__atomic_store_n(&t->entry[i], key << 2 | (uint64_t)kind, __ATOMIC_RELAXED);
}

/* A block device's number, or 0 for an anonymous one (reused across mounts). */
static uint64_t wb_dev_key(dev_t dev)
{
	return major(dev) != 0 ? (uint64_t)dev : 0;
}

/* The kind behind fd: by its unique mount ID where the kernel gave one, else by
 * its block device where one was learned, else one fstatfs. */
static enum wb_fs_kind wb_fs_kind_of(int fd, uint64_t mount, dev_t dev)
{
	enum wb_fs_kind kind = mount ? wb_kind_find(&wb_mounts, mount)
				     : wb_kind_find(&wb_devs, wb_dev_key(dev));
	struct statfs fs;

	if (kind) {
		if (mount)
			wb_kind_learned(&wb_devs, wb_dev_key(dev), kind);
		return kind;
	}
	if (fstatfs(fd, &fs) != 0)
		return 0;
	if (wb_fs_is_memory((unsigned long)fs.f_type))
		kind = WB_FS_MEMORY;
	else if (wb_fs_is_remote((unsigned long)fs.f_type))
		kind = WB_FS_REMOTE;
	else
		kind = WB_FS_DISK;
	wb_kind_learned(&wb_mounts, mount, kind);
	wb_kind_learned(&wb_devs, wb_dev_key(dev), kind);
	return kind;
}

/* The file's type, device, inode and, when the kernel has it, unique mount ID (else
 * 0): one statx, or one fstat where statx is missing or filtered. */
struct wb_file_facts {
	mode_t mode;
	dev_t dev;
	dev_t rdev; /* a block device node's device */
	ino_t ino;
	uint64_t size;
	uint64_t mount;
};

/* The kernel's struct statx, to the unique mount ID (older C libraries' copy
 * stops before stx_mnt_id); the kernel fills at most its 256 bytes. */
struct wb_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct { int64_t sec; uint32_t nsec; int32_t pad; } stx_time[4];
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint64_t spare[13];
};
_Static_assert(sizeof(struct wb_statx) == 256, "struct statx is 256 bytes");

/* Set once statx is found missing (before Linux 4.11) or filtered (a seccomp
 * profile): from then on every classification costs one fstat, not two calls. */
static bool wb_no_statx;

static bool wb_facts(int fd, struct wb_file_facts *f)
{
	struct wb_statx sx;
	struct stat st;
	long ret = -ENOSYS;

	/* The program asked already (fdnote.h): its answer, with no mount ID. */
	if (wb_fd_stat_take(fd, &st))
		goto from_stat;
	if (!__atomic_load_n(&wb_no_statx, __ATOMIC_RELAXED)) {
		ret = wb_syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
				 STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MNT_ID_UNIQUE, &sx);
		if (ret == -ENOSYS || ret == -EPERM)
			__atomic_store_n(&wb_no_statx, true, __ATOMIC_RELAXED);
	}
	if (ret == 0 && (sx.stx_mask & (STATX_TYPE | STATX_INO | STATX_SIZE)) ==
				(STATX_TYPE | STATX_INO | STATX_SIZE)) {
		f->mode = sx.stx_mode;
		f->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		f->rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
		f->ino = sx.stx_ino;
		f->size = sx.stx_size;
		f->mount = (sx.stx_mask & STATX_MNT_ID_UNIQUE) ? sx.stx_mnt_id : 0;
		return true;
	}
	if (wb_sys_fstat(fd, &st) != 0)
		return false;
from_stat:
	f->mode = st.st_mode;
	f->dev = st.st_dev;
	f->rdev = st.st_rdev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->mount = 0;
	return true;
}

static __thread const char *wb_reason __attribute__((tls_model("initial-exec")));

const char *wb_classify_reason(void)
{
	return wb_reason ? wb_reason : "unknown";
}

static const char *wb_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "pipe";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "character device (tty, /dev/null, ...)";
	case S_IFDIR:
		return "directory";
	default:
		return "not a file";
	}
}

static bool wb_decided(bool track, const char *why)
{
	wb_reason = why;
	return track;
}

/* The open's flags as WB_SEEN_* bits: from what the open door saw, else from the
 * kernel (a raw fcntl: the library may interpose fcntl itself). */
static int wb_open_flags(int fd, unsigned int seen)
{
	long flags;

	if (seen & WB_SEEN_FLAGS)
		return (int)seen;
	flags = wb_syscall(SYS_fcntl, fd, F_GETFL);
	if (flags < 0)
		return -1;
	return WB_SEEN_FLAGS | ((flags & O_APPEND) ? WB_SEEN_APPEND : 0) |
	       ((flags & O_DIRECT) ? WB_SEEN_DIRECT : 0) | ((flags & O_DSYNC) ? WB_SEEN_DSYNC : 0);
}

bool wb_classify_fd(int fd, unsigned int seen, struct wb_identity *id)
{
	struct wb_file_facts f;
	enum wb_fs_kind kind;
	int flags;

	if (!wb_facts(fd, &f))
		return wb_decided(false, "fstat failed");
	if (!S_ISREG(f.mode) && !S_ISBLK(f.mode))
		return wb_decided(false, wb_kind(f.mode));
	flags = wb_open_flags(fd, seen);
	if (flags < 0 || (flags & WB_SEEN_DIRECT)) /* O_DIRECT bypasses the page cache */
		return wb_decided(false, "O_DIRECT");
	if (flags & WB_SEEN_DSYNC) /* O_SYNC and O_DSYNC writes are already written back on return */
		return wb_decided(false, "O_SYNC/O_DSYNC");
	id->dev = f.dev;
	id->ino = f.ino;
	id->append = (flags & WB_SEEN_APPEND) != 0;
	id->remote = false;
	id->blockdev = S_ISBLK(f.mode);
	id->backing = S_ISBLK(f.mode) ? f.rdev : f.dev;
	id->size = f.size;
	if (S_ISBLK(f.mode)) /* the node's own filesystem (devtmpfs) says nothing about the disk */
		return wb_decided(true, "block device");
	kind = wb_fs_kind_of(fd, f.mount, f.dev);
	if (!kind)
		return wb_decided(false, "fstatfs failed");
	if (kind == WB_FS_MEMORY)
		return wb_decided(false, "memory filesystem (tmpfs, proc, ...)");
	id->remote = kind == WB_FS_REMOTE;
	return wb_decided(true, id->remote ? "file on a network/FUSE filesystem: kick, never wait"
					   : "regular file");
}

bool wb_identity_matches(int fd, const struct wb_identity *id)
{
	struct stat st;

	return wb_sys_fstat(fd, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino;
}
