/* fd classification: what to drive, what to leave alone. */
#define _GNU_SOURCE
#include "classify.h"
#include "syscall.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
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

bool wb_classify_fd(int fd, struct wb_identity *id)
{
	struct statfs fs;
	struct stat st;
	int flags;

	if (fstat(fd, &st) != 0)
		return wb_decided(false, "fstat failed");
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return wb_decided(false, wb_kind(st.st_mode));
	/* Raw syscall: the library may interpose fcntl itself. */
	flags = (int)wb_syscall_errno(SYS_fcntl, fd, F_GETFL);
	if (flags < 0 || (flags & O_DIRECT)) /* O_DIRECT bypasses the page cache */
		return wb_decided(false, "O_DIRECT");
	if (flags & O_DSYNC) /* O_SYNC and O_DSYNC writes are already written back on return */
		return wb_decided(false, "O_SYNC/O_DSYNC");
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->append = (flags & O_APPEND) != 0;
	id->remote = false;
	id->blockdev = S_ISBLK(st.st_mode);
	id->backing = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	if (S_ISBLK(st.st_mode)) /* the node's own filesystem (devtmpfs) says nothing about the disk */
		return wb_decided(true, "block device");
	if (fstatfs(fd, &fs) != 0)
		return wb_decided(false, "fstatfs failed");
	if (wb_fs_is_memory((unsigned long)fs.f_type))
		return wb_decided(false, "memory filesystem (tmpfs, proc, ...)");
	id->remote = wb_fs_is_remote((unsigned long)fs.f_type);
	return wb_decided(true, id->remote ? "file on a network/FUSE filesystem: kick, never wait"
					   : "regular file");
}

bool wb_identity_matches(int fd, const struct wb_identity *id)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino;
}
