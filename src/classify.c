/* fd classification: what to drive, what to leave alone. */
#define _GNU_SOURCE
#include "classify.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

bool wb_classify_fd(int fd, struct wb_identity *id)
{
	struct statfs fs;
	struct stat st;
	int flags;

	if (fstat(fd, &st) != 0)
		return false;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return false;
	/* Raw syscall: the library may interpose fcntl itself. */
	flags = (int)syscall(SYS_fcntl, fd, F_GETFL);
	if (flags < 0 || (flags & O_DIRECT))
		return false; /* O_DIRECT bypasses the page cache: nothing to pace */
	if (flags & O_DSYNC)
		return false; /* O_SYNC and O_DSYNC writes are already written back on return */
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->append = (flags & O_APPEND) != 0;
	id->remote = false;
	if (S_ISBLK(st.st_mode))
		return true; /* the node's own filesystem (devtmpfs) says nothing about the disk */
	if (fstatfs(fd, &fs) != 0)
		return false;
	if (wb_fs_is_memory((unsigned long)fs.f_type))
		return false;
	id->remote = wb_fs_is_remote((unsigned long)fs.f_type);
	return true;
}

bool wb_identity_matches(int fd, const struct wb_identity *id)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino;
}
