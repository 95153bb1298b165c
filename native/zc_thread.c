/*
 * The read+write copy buffer of each thread: allocated on first use, reused by
 * every later transfer of the thread, freed by a pthread key destructor when
 * the thread exits, so a thread that ends leaks nothing. (Splice pipes are not
 * per thread: see zc_pipe_pool.c.)
 */

#include <pthread.h>
#include <stdlib.h>

#include "zc_common.h"

static pthread_key_t buffer_key;
static pthread_once_t buffer_key_once = PTHREAD_ONCE_INIT;
static __thread char *buffer;

static void release(void *value)
{
    free(value);
    /* A later destructor of this thread calling in again must not reach the freed block. */
    buffer = NULL;
}

static void make_key(void)
{
    pthread_key_create(&buffer_key, release);
}

char *zc_thread_buffer(void)
{
    if (buffer != NULL) {
        return buffer;
    }
    pthread_once(&buffer_key_once, make_key);
    char *b = malloc(ZC_COPY_BUFFER_SIZE);
    if (b == NULL) {
        return NULL;
    }
    if (pthread_setspecific(buffer_key, b) != 0) {
        free(b);
        return NULL;
    }
    buffer = b;
    return b;
}
