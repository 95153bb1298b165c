/*
 * Reads the int fd out of java.io.FileDescriptor and out of the JDK's channel
 * implementations, and reaches the two things a transfer holds instead of a duplicate fd: a
 * SocketChannel's I/O lock and a FileChannel's thread set. JNI field access is not subject to
 * module encapsulation, so this needs no --add-opens on JDK 17 or later (Netty reads the fd the
 * same way). Pairs with java/dev/zerocopy/FdAccess.java.
 */
#include <jni.h>
#include <pthread.h>
#include <stdint.h>

#include "zc_common.h"

/* Returned when the object has no such field (not a JDK channel, or the JDK renamed it). */
#define ZC_NO_FD_FIELD (-2)

/* Indices into the IDs FdAccess keeps per class; must match java/dev/zerocopy/FdAccess.java. */
enum { ZC_FD_FIELD, ZC_WRITE_LOCK_FIELD, ZC_READ_LOCK_FIELD, ZC_THREAD_SET_FIELD, ZC_THREAD_SET_ADD,
       ZC_THREAD_SET_REMOVE, ZC_STATE_LOCK_FIELD, ZC_STATE_FIELD, ZC_WRITER_THREAD_FIELD, ZC_READER_THREAD_FIELD,
       ZC_TRY_FINISH_CLOSE, ZC_ST_CONNECTED, ZC_ST_CLOSING, ZC_ID_COUNT };

/* java.io.FileDescriptor.fd; the class is final, so one ID serves every instance. */
static jfieldID descriptor_fd;

/* The field's ID in cls, or NULL (no exception left pending) if cls has none. */
static jfieldID field_id(JNIEnv *env, jclass cls, const char *name, const char *sig)
{
    jfieldID id = (*env)->GetFieldID(env, cls, name, sig);
    if (id == NULL) {
        (*env)->ExceptionClear(env);
    }
    return id;
}

static jmethodID method_id(JNIEnv *env, jclass cls, const char *name, const char *sig)
{
    jmethodID id = (*env)->GetMethodID(env, cls, name, sig);
    if (id == NULL) {
        (*env)->ExceptionClear(env);
    }
    return id;
}

/*
 * Looks up, once per class (FdAccess keeps the answer in a ClassValue), the members the other
 * calls use: GetFieldID and GetMethodID search by name and signature, several hundred ns each,
 * and the calls below run on every transfer. FileChannelImpl, SocketChannelImpl,
 * ServerSocketChannelImpl and the Pipe ends all hold `FileDescriptor fd`.
 */
ZC_EXPORT JNIEXPORT void JNICALL Java_dev_zerocopy_FdAccess_memberIds(JNIEnv *env, jclass cls, jclass type,
                                                                      jlongArray out)
{
    (void)cls;
    jlong ids[ZC_ID_COUNT] = {0};
    ids[ZC_FD_FIELD] = (jlong)(intptr_t)field_id(env, type, "fd", "Ljava/io/FileDescriptor;");
    ids[ZC_WRITE_LOCK_FIELD] = (jlong)(intptr_t)field_id(env, type, "writeLock", "Ljava/util/concurrent/locks/ReentrantLock;");
    ids[ZC_READ_LOCK_FIELD] = (jlong)(intptr_t)field_id(env, type, "readLock", "Ljava/util/concurrent/locks/ReentrantLock;");
    ids[ZC_THREAD_SET_FIELD] = (jlong)(intptr_t)field_id(env, type, "threads", "Lsun/nio/ch/NativeThreadSet;");
    if (ids[ZC_THREAD_SET_FIELD] != 0) {
        /* JNI's FindClass is not subject to module encapsulation; java.base's loader finds it. */
        jclass set = (*env)->FindClass(env, "sun/nio/ch/NativeThreadSet");
        if (set == NULL) {
            (*env)->ExceptionClear(env);
        } else {
            ids[ZC_THREAD_SET_ADD] = (jlong)(intptr_t)method_id(env, set, "add", "()I");
            ids[ZC_THREAD_SET_REMOVE] = (jlong)(intptr_t)method_id(env, set, "remove", "(I)V");
            (*env)->DeleteLocalRef(env, set);
        }
    }
    /*
     * SocketChannelImpl's bookkeeping of the threads in blocking I/O (JDK 17 and 25): under
     * stateLock, `state` (ST_CONNECTED while open, ST_CLOSING once a close has begun) and
     * `writerThread` / `readerThread`, the pthread_t its close signals. The two state values are
     * the class's own constants, read here rather than written down.
     */
    jfieldID state_lock = field_id(env, type, "stateLock", "Ljava/lang/Object;");
    jfieldID state = field_id(env, type, "state", "I");
    jfieldID writer = field_id(env, type, "writerThread", "J");
    jfieldID reader = field_id(env, type, "readerThread", "J");
    jmethodID finish = method_id(env, type, "tryFinishClose", "()V");
    jfieldID connected = NULL, closing = NULL;
    if (state_lock != NULL && state != NULL && writer != NULL && reader != NULL && finish != NULL) {
        connected = (*env)->GetStaticFieldID(env, type, "ST_CONNECTED", "I");
        closing = connected != NULL ? (*env)->GetStaticFieldID(env, type, "ST_CLOSING", "I") : NULL;
        if (closing == NULL) {
            (*env)->ExceptionClear(env);
        }
    }
    if (connected != NULL && closing != NULL) {
        ids[ZC_STATE_LOCK_FIELD] = (jlong)(intptr_t)state_lock;
        ids[ZC_STATE_FIELD] = (jlong)(intptr_t)state;
        ids[ZC_WRITER_THREAD_FIELD] = (jlong)(intptr_t)writer;
        ids[ZC_READER_THREAD_FIELD] = (jlong)(intptr_t)reader;
        ids[ZC_TRY_FINISH_CLOSE] = (jlong)(intptr_t)finish;
        ids[ZC_ST_CONNECTED] = (*env)->GetStaticIntField(env, type, connected);
        ids[ZC_ST_CLOSING] = (*env)->GetStaticIntField(env, type, closing);
    }
    (*env)->SetLongArrayRegion(env, out, 0, ZC_ID_COUNT, ids);
}

/*
 * Records the calling thread as the one in blocking I/O on a SocketChannelImpl, as its own
 * beginWrite/beginRead do under stateLock (`writerThread = NativeThread.current()`, which is
 * pthread_self() for a platform thread on Linux). Its close then does not close the fd: it
 * dup2()s a dead socket onto the number (preClose) and signals this thread, whose blocked syscall
 * returns EINTR; the fd is closed by unregister_io's tryFinishClose. Returns 1, or 0 (nothing
 * recorded) if the channel is no longer connected and open.
 */
ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_registerIo0(JNIEnv *env, jclass cls, jobject channel,
                                                                        jlong lock_field, jlong state_field,
                                                                        jlong thread_field, jint connected)
{
    (void)cls;
    jobject lock = (*env)->GetObjectField(env, channel, (jfieldID)(intptr_t)lock_field);
    if (lock == NULL || (*env)->MonitorEnter(env, lock) != JNI_OK) {
        return 0;
    }
    int open = (*env)->GetIntField(env, channel, (jfieldID)(intptr_t)state_field) == connected;
    if (open) {
        (*env)->SetLongField(env, channel, (jfieldID)(intptr_t)thread_field, (jlong)pthread_self());
    }
    (*env)->MonitorExit(env, lock);
    return open;
}

/*
 * Ends what registerIo0 recorded, as the channel's endWrite/endRead do: clears the thread and,
 * if a close began meanwhile, finishes it (tryFinishClose closes the fd once no thread is left).
 */
ZC_EXPORT JNIEXPORT void JNICALL Java_dev_zerocopy_FdAccess_unregisterIo0(JNIEnv *env, jclass cls, jobject channel,
                                                                          jlong lock_field, jlong state_field,
                                                                          jlong thread_field, jint closing,
                                                                          jlong try_finish_close)
{
    (void)cls;
    jobject lock = (*env)->GetObjectField(env, channel, (jfieldID)(intptr_t)lock_field);
    if (lock == NULL || (*env)->MonitorEnter(env, lock) != JNI_OK) {
        return;
    }
    (*env)->SetLongField(env, channel, (jfieldID)(intptr_t)thread_field, 0);
    if ((*env)->GetIntField(env, channel, (jfieldID)(intptr_t)state_field) == closing) {
        (*env)->CallVoidMethod(env, channel, (jmethodID)(intptr_t)try_finish_close);
        (*env)->ExceptionClear(env); /* tryFinishClose swallows IOException; nothing else is expected */
    }
    (*env)->MonitorExit(env, lock);
}

static jint descriptor_value(JNIEnv *env, jobject fd)
{
    jfieldID id = __atomic_load_n(&descriptor_fd, __ATOMIC_ACQUIRE);
    if (id == NULL) {
        jclass type = (*env)->GetObjectClass(env, fd);
        id = field_id(env, type, "fd", "I");
        (*env)->DeleteLocalRef(env, type);
        if (id == NULL) {
            return ZC_NO_FD_FIELD;
        }
        __atomic_store_n(&descriptor_fd, id, __ATOMIC_RELEASE); /* the same value from any thread */
    }
    return (*env)->GetIntField(env, fd, id);
}

ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_fdOf(JNIEnv *env, jclass cls, jobject fd)
{
    (void)cls;
    return descriptor_value(env, fd);
}

ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_channelFd0(JNIEnv *env, jclass cls, jobject channel,
                                                                       jlong fd_field)
{
    (void)cls;
    jobject fd = (*env)->GetObjectField(env, channel, (jfieldID)(intptr_t)fd_field);
    return fd == NULL ? ZC_NO_FD_FIELD : descriptor_value(env, fd);
}

/*
 * A reference field by its ID: a SocketChannelImpl's writeLock or readLock, the ReentrantLock it
 * takes around every write or read. Closing a non-blocking SocketChannel takes both locks before
 * it closes the fd (SocketChannelImpl.implCloseNonBlockingMode, JDK 17 and 25), so a transfer
 * that holds the lock may use the channel's own fd without a duplicate.
 */
ZC_EXPORT JNIEXPORT jobject JNICALL Java_dev_zerocopy_FdAccess_objectField(JNIEnv *env, jclass cls, jobject obj,
                                                                           jlong field)
{
    (void)cls;
    return (*env)->GetObjectField(env, obj, (jfieldID)(intptr_t)field);
}

/*
 * Registers the calling thread in a JDK FileChannel's thread set (field `threads`), as the JDK's
 * own transfers do (FileChannelImpl.beforeTransfer: threads.add()): closing the channel then
 * signals the thread and waits for it to leave the set before it closes the fd
 * (NativeThreadSet.signalAndWait). Returns the index to leave with, or INT32_MIN if the channel has
 * no set. If add() throws (it allocates: OutOfMemoryError), its exception is left pending, so the
 * Java caller gets it instead of an index and never makes the call unheld.
 */
ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_enterThreadSet0(JNIEnv *env, jclass cls, jobject channel,
                                                                            jlong set_field, jlong add)
{
    (void)cls;
    jobject set = (*env)->GetObjectField(env, channel, (jfieldID)(intptr_t)set_field);
    if (set == NULL) {
        return INT32_MIN;
    }
    jint index = (*env)->CallIntMethod(env, set, (jmethodID)(intptr_t)add);
    return (*env)->ExceptionCheck(env) ? INT32_MIN : index;
}

/* Leaves the thread set entered with index (NativeThreadSet.remove). */
ZC_EXPORT JNIEXPORT void JNICALL Java_dev_zerocopy_FdAccess_leaveThreadSet0(JNIEnv *env, jclass cls, jobject channel,
                                                                            jlong set_field, jlong remove, jint index)
{
    (void)cls;
    jobject set = (*env)->GetObjectField(env, channel, (jfieldID)(intptr_t)set_field);
    if (set != NULL) {
        (*env)->CallVoidMethod(env, set, (jmethodID)(intptr_t)remove, index);
    }
}

/*
 * MethodHandles.Lookup.IMPL_LOOKUP, the JDK's own fully privileged lookup, or NULL if this JDK has
 * no such field. JNI reads static fields without access checks, as it reads the channels' fields
 * above. JdkHandles.java uses it once, at class initialisation, to make method handles for the
 * members this file otherwise reaches on every transfer (the channels' fd, a socket's locks and
 * record of its writer, a FileChannel's thread set): called through a constant method handle they
 * are as cheap as the JDK's own calls, where a JNI up-call (CallIntMethod) costs a JavaCalls
 * transition each and MonitorEnter inflates the lock.
 */
ZC_EXPORT JNIEXPORT jobject JNICALL Java_dev_zerocopy_FdAccess_trustedLookup(JNIEnv *env, jclass cls)
{
    (void)cls;
    jclass lookup = (*env)->FindClass(env, "java/lang/invoke/MethodHandles$Lookup");
    if (lookup == NULL) {
        (*env)->ExceptionClear(env);
        return NULL;
    }
    jfieldID impl = (*env)->GetStaticFieldID(env, lookup, "IMPL_LOOKUP", "Ljava/lang/invoke/MethodHandles$Lookup;");
    if (impl == NULL) {
        (*env)->ExceptionClear(env);
        return NULL;
    }
    return (*env)->GetStaticObjectField(env, lookup, impl);
}
