/*
 * Reads the int fd out of java.io.FileDescriptor and out of the JDK's channel
 * implementations. JNI field access is not subject to module encapsulation, so
 * this needs no --add-opens on JDK 17 or later (Netty reads it the same way).
 * Pairs with java/dev/zerocopy/FdAccess.java.
 */
#include <jni.h>

#include "zc_common.h"

/* Returned when the object has no such field (not a JDK channel, or the JDK renamed it). */
#define ZC_NO_FD_FIELD (-2)

static jint int_field(JNIEnv *env, jobject obj, const char *name)
{
    jclass cls = (*env)->GetObjectClass(env, obj);
    jfieldID id = (*env)->GetFieldID(env, cls, name, "I");
    if (id == NULL) {
        (*env)->ExceptionClear(env);
        return ZC_NO_FD_FIELD;
    }
    return (*env)->GetIntField(env, obj, id);
}

ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_fdOf(JNIEnv *env, jclass cls, jobject fd)
{
    (void)cls;
    return int_field(env, fd, "fd");
}

/* FileChannelImpl, SocketChannelImpl, ServerSocketChannelImpl and the Pipe ends all hold `FileDescriptor fd`. */
ZC_EXPORT JNIEXPORT jint JNICALL Java_dev_zerocopy_FdAccess_channelFd(JNIEnv *env, jclass cls, jobject channel)
{
    (void)cls;
    jclass ccls = (*env)->GetObjectClass(env, channel);
    jfieldID id = (*env)->GetFieldID(env, ccls, "fd", "Ljava/io/FileDescriptor;");
    if (id == NULL) {
        (*env)->ExceptionClear(env);
        return ZC_NO_FD_FIELD;
    }
    jobject fd = (*env)->GetObjectField(env, channel, id);
    return fd == NULL ? ZC_NO_FD_FIELD : int_field(env, fd, "fd");
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
    jclass ccls = (*env)->GetObjectClass(env, channel);
    jfieldID id = (*env)->GetFieldID(env, ccls, write ? "writeLock" : "readLock",
                                     "Ljava/util/concurrent/locks/ReentrantLock;");
    if (id == NULL) {
        (*env)->ExceptionClear(env);
        return NULL;
    }
    return (*env)->GetObjectField(env, channel, id);
}

/* FileChannelImpl's NativeThreadSet (field `threads`), or NULL if the class has none. */
static jobject thread_set(JNIEnv *env, jobject channel)
{
    jclass ccls = (*env)->GetObjectClass(env, channel);
    jfieldID id = (*env)->GetFieldID(env, ccls, "threads", "Lsun/nio/ch/NativeThreadSet;");
    if (id == NULL) {
        (*env)->ExceptionClear(env);
        return NULL;
    }
    return (*env)->GetObjectField(env, channel, id);
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
    jmethodID add = (*env)->GetMethodID(env, (*env)->GetObjectClass(env, set), "add", "()I");
    if (add == NULL) {
        (*env)->ExceptionClear(env);
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
    jmethodID remove = (*env)->GetMethodID(env, (*env)->GetObjectClass(env, set), "remove", "(I)V");
    if (remove == NULL) {
        (*env)->ExceptionClear(env);
        return;
    }
    (*env)->CallVoidMethod(env, set, remove, index);
}
