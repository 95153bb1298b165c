#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>
/*
 * Per-call cost of a 4 KiB sendfile to /dev/null: raw sendfile(2), and zc_sendfile of two builds
 * of the shim (A and B, e.g. before and after a change), 200 interleaved rounds of 5000 calls each.
 *   gcc -O2 -o shim_vs_raw bench/c/shim_vs_raw.c -ldl
 *   ./shim_vs_raw /path/a/libzerocopy.so /path/b/libzerocopy.so SOURCE_FILE
 */
static int64_t now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000LL+t.tv_nsec;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
typedef int64_t(*fn)(int,int,int64_t,int64_t);
int main(int argc,char**argv){
  fn gd=(fn)dlsym(dlopen(argv[1],RTLD_NOW|RTLD_LOCAL),"zc_sendfile"), ie=(fn)dlsym(dlopen(argv[2],RTLD_NOW|RTLD_LOCAL),"zc_sendfile");
  int in=open(argv[3],O_RDONLY), out=open("/dev/null",O_WRONLY);
  enum{R=200,N=5000}; static double a[R],b[R],c[R],db[R],dc[R];
  for(int r=0;r<R;r++){
    int64_t t0=now(); for(int i=0;i<N;i++){off_t o=0; if(sendfile(out,in,&o,4096)!=4096) return 2;}
    int64_t t1=now(); for(int i=0;i<N;i++) if(gd(in,out,0,4096)!=4096) return 3;
    int64_t t2=now(); for(int i=0;i<N;i++) if(ie(in,out,0,4096)!=4096) return 4;
    int64_t t3=now(); a[r]=(t1-t0)/(double)N; b[r]=(t2-t1)/(double)N; c[r]=(t3-t2)/(double)N; db[r]=b[r]-a[r]; dc[r]=c[r]-a[r];
  }
  qsort(a,R,8,cmp);qsort(b,R,8,cmp);qsort(c,R,8,cmp);qsort(db,R,8,cmp);qsort(dc,R,8,cmp);
  printf("ns/call median [p25-p75]: raw %.0f [%.0f-%.0f], shim A %.0f [%.0f-%.0f], shim B %.0f [%.0f-%.0f]\n",a[R/2],a[R/4],a[3*R/4],b[R/2],b[R/4],b[3*R/4],c[R/2],c[R/4],c[3*R/4]);
  printf("per-round difference to raw, median [p25-p75]: A %+.1f [%+.1f..%+.1f] ns, B %+.1f [%+.1f..%+.1f] ns\n",db[R/2],db[R/4],db[3*R/4],dc[R/2],dc[R/4],dc[3*R/4]);
}
