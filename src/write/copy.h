/* Zero-copy transfers (copy_file_range, sendfile, splice) into tracked files:
 * run in chunk-sized pieces with the pipeline between them, so a 10 GB cp keeps
 * about two chunks dirty. The result is what the program would get from one real
 * call: the total transferred; after partial progress an error ends the transfer
 * and the partial count is returned (errno untouched), as the kernel does; a short
 * piece ends it too (source exhausted, pipe empty, signal). */
#ifndef WB_COPY_H
#define WB_COPY_H

#include <sys/types.h>

typedef ssize_t (*wb_copy_file_range_fn)(int, off64_t *, int, off64_t *, size_t, unsigned int);
typedef ssize_t (*wb_sendfile_fn)(int, int, off_t *, size_t);
typedef ssize_t (*wb_sendfile64_fn)(int, int, off64_t *, size_t);

ssize_t wb_copy_file_range(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
			   unsigned int flags, wb_copy_file_range_fn real);
ssize_t wb_splice(int in, off64_t *off_in, int out, off64_t *off_out, size_t len,
		  unsigned int flags, wb_copy_file_range_fn real);
ssize_t wb_sendfile(int out, int in, off_t *offset, size_t count, wb_sendfile_fn real);
ssize_t wb_sendfile64(int out, int in, off64_t *offset, size_t count, wb_sendfile64_fn real);

#endif
