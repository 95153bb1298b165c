/*
 * Reads the int fd out of java.io.FileDescriptor and out of the JDK's channel
 * implementations, and reaches the two things a transfer holds instead of a duplicate fd: a
 * SocketChannel's I/O lock and a FileChannel's thread set. JNI field access is not subject to
 * module encapsulation, so this needs no --add-opens on JDK 17 or later (Netty reads the fd the
 * same way). Pairs with java/dev/zerocopy/FdAccess.java.
 */
#include <jni.h>
#include <stdlib.h>

#include "zc_common.h"

/* Returned when the object has no such field (not a JDK channel, or the JDK renamed it). */
#define ZC_NO_FD_FIELD (-2)

/*
 * Field and method IDs looked up once per class: GetFieldID and GetMethodID search by name and
 * signature, several hundred ns a call, and these run on every transfer. A few classes per
 * member (FileChannelImpl, SocketChannelImpl, the pipe ends, ...); a class beyond the slots is
 * looked up each time. Entries are published with a release CAS and never change; the class is held by a
 * global reference (the JDK's classes are never unloaded).
 */
#define ZC_ID_SLOTS 8

struct zc_id_entry {
    jclass cls;
    void *id; /* jfieldID or jmethodID; NULL: the class has no such member */
};

struct zc_id_cache {
    const char *name;
    const char *sig;
    int method;
    struct zc_id_entry *slot[ZC_ID_SLOTS];
};

/* The ID of cache's member in cls; NULL (no exception left pending) if cls has none. */
static void *cached_id(JNIEnv *env, jclass cls, struct zc_id_cache *cache)
{
    int full = 1;
    for (int i = 0; i < ZC_ID_SLOTS; i++) {
        struct zc_id_entry *e = __atomic_load_n(&cache->slot[i], __ATOMIC_ACQUIRE);
        if (e == NULL) {
            full = 0;
            break;
        }
        if ((*env)->IsSameObject(env, cls, e->cls)) {
            return e->id;
        }
    }
    void *id = cache->method ? (void *)(*env)->GetMethodID(env, cls, cache->name, cache->sig)
                             : (void *)(*env)->GetFieldID(env, cls, cache->name, cache->sig);
    if (id == NULL) {
        (*env)->ExceptionClear(env);
    }
    if (full) {
        return id;
    }
    struct zc_id_entry *n = malloc(sizeof *n);
    jclass global = n != NULL ? (*env)->NewGlobalRef(env, cls) : NULL;
    if (global == NULL) {
        free(n);
        return id;
    }
    n->cls = global;
    n->id = id;
    for (int i = 0; i < ZC_ID_SLOTS; i++) {
        struct zc_id_entry *expected = NULL;
        if (__atomic_compare_exchange_n(&cache->slot[i], &expected, n, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE)) {
            return id;
        }
        if ((*env)->IsSameObject(env, cls, expected->cls)) {
            break; /* another thread published the same class first */
        }
    }
    (*env)->DeleteGlobalRef(env, global);
    free(n);
    return id;
}

static void *object_id(JNIEnv *env, jobject obj, struct zc_id_cache *cache)
{
    jclass cls = (*env)->GetObjectClass(env, obj);
    void *id = cached_id(env, cls, cache);
    (*env)->DeleteLocalRef(env, cls);
    return id;
}

static struct zc_id_cache descriptor_fd = {"fd", "I", 0, {0}};
static struct zc_id_cache channel_fd = {"fd", "Ljava/io/FileDescriptor;", 0, {0}};
static struct zc_id_cache write_lock = {"writeLock", "Ljava/util/concurrent/locks/ReentrantLock;", 0, {0}};
static struct zc_id_cache read_lock = {"readLock", "Ljava/util/concurrent/locks/ReentrantLock;", 0, {0}};
static struct zc_id_cache thread_set_field = {"threads", "Lsun/nio/ch/NativeThreadSet;", 0, {0}};
static struct zc_id_cache thread_set_add = {"add", "()I", 1, {0}};
static struct zc_id_cache thread_set_remove = {"remove", "(I)V", 1, {0}};

static jint descriptor_value(JNIEnv *env, jobject fd)
{
    jfieldID id = object_id(env, fd, &descriptor_fd);
    return id == NULL ? ZC_NO_FD_FIELD : (*env)->GetIntField(env, fd, id);
}

ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_fdOf(JNIEnv *env, jclass cls, jobject fd)
{
    (void)cls;
    return descriptor_value(env, fd);
}

/* FileChannelImpl, SocketChannelImpl, ServerSocketChannelImpl and the Pipe ends all hold `FileDescriptor fd`. */
ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_channelFd(JNIEnv *env, jclass cls, jobject channel)
{
    (void)cls;
    jfieldID id = object_id(env, channel, &channel_fd);
    if (id == NULL) {
        return ZC_NO_FD_FIELD;
    }
    jobject fd = (*env)->GetObjectField(env, channel, id);
    return fd == NULL ? ZC_NO_FD_FIELD : descriptor_value(env, fd);
}

/*
 * The ReentrantLock a SocketChannelImpl takes around every write (writeLock) or read (readLock),
 * or NULL if the class has no such field. Closing a non-blocking SocketChannel takes both locks
 * before it closes the fd (SocketChannelImpl.implCloseNonBlockingMode, JDK 17 and 25), so a
 * transfer that holds the lock may use the channel's own fd without a duplicate.
 */
ZC_EXPORT JNIEXPORT jobject JNICALL Java_dev_zerocopy_FdAccess_channelLock(JNIEnv *env, jclass cls, jobject channel,
                                                                           jboolean write)
{
    (void)cls;
    jfieldID id = object_id(env, channel, write ? &write_lock : &read_lock);
    return id == NULL ? NULL : (*env)->GetObjectField(env, channel, id);
}

/* FileChannelImpl's NativeThreadSet (field `threads`), or NULL if the class has none. */
static jobject thread_set(JNIEnv *env, jobject channel)
{
    jfieldID id = object_id(env, channel, &thread_set_field);
    return id == NULL ? NULL : (*env)->GetObjectField(env, channel, id);
}

/*
 * Registers the calling thread in a JDK FileChannel's thread set, as the JDK's own transfers do
 * (FileChannelImpl.beforeTransfer: threads.add()): closing the channel then signals the thread
 * and waits for it to leave the set before it closes the fd (NativeThreadSet.signalAndWait).
 * Returns the index to leave with, or INT32_MIN if this JDK has no such set (JDK 17 and 25 do).
 */
ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_enterThreadSet(JNIEnv *env, jclass cls, jobject channel)
{
    (void)cls;
    jobject set = thread_set(env, channel);
    if (set == NULL) {
        return INT32_MIN;
    }
    jmethodID add = object_id(env, set, &thread_set_add);
    if (add == NULL) {
        return INT32_MIN;
    }
    jint index = (*env)->CallIntMethod(env, set, add);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionClear(env);
        return INT32_MIN;
    }
    return index;
}

/* Leaves the thread set entered with index (NativeThreadSet.remove). */
ZC_EXPORT JNIEXPORT void JNICALL Java_dev_zerocopy_FdAccess_leaveThreadSet(JNIEnv *env, jclass cls, jobject channel,
                                                                           jint index)
{
    (void)cls;
    jobject set = thread_set(env, channel);
    if (set == NULL) {
        return;
    }
    jmethodID remove = object_id(env, set, &thread_set_remove);
    if (remove != NULL) {
        (*env)->CallVoidMethod(env, set, remove, index);
    }
}
