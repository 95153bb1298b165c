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
