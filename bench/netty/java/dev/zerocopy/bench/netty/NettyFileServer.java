package dev.zerocopy.bench.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The shoot-out's peer (bench/shootout.sh): a static file server as a Netty user writes it, on
 * Netty's native epoll transport, one event-loop thread, HttpServerCodec, the body as a
 * DefaultFileRegion (sendfile(2)). It answers GET and HEAD with the same header lines, in the same
 * order and case, as the example server (dev.zerocopy.examples.StaticFileServer), keeps connections alive
 * the same way, and checks paths the same way: the opened file's real path (read back from
 * /proc/self/fd) must lie under the root. No ranges: the benchmark does not ask for them.
 *
 * <pre>
 * java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
 *      -jar target/netty-file-server.jar   # (the jar manifest carries both --add-opens) --root DIR [--host 127.0.0.1] [--port 8080]
 * </pre>
 */
public final class NettyFileServer {
    private NettyFileServer() {
    }

    public static void main(String[] args) throws Exception {
        Path root = null;
        String host = "127.0.0.1";
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root": root = Paths.get(args[++i]); break;
                case "--host": host = args[++i]; break;
                case "--port": port = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("usage: NettyFileServer --root DIR [--host 127.0.0.1] [--port 8080]");
                    System.exit(2);
            }
        }
        if (root == null) {
            System.err.println("--root DIR is required");
            System.exit(2);
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's native epoll transport is not available", Epoll.unavailabilityCause());
        }
        String realRoot = root.toRealPath().toString();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 512)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new FileHandler(realRoot));
                        }
                    });
            ChannelFuture bound = b.bind(host, port).sync();
            int actual = ((java.net.InetSocketAddress) bound.channel().localAddress()).getPort();
            System.out.println("listening on " + host + ":" + actual + " mode=netty-epoll");
            System.out.flush();
            bound.channel().closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** One request at a time per connection (HttpServerCodec splits pipelined requests). */
    static final class FileHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final String root;

        FileHandler(String root) {
            this.root = root;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (!(msg instanceof HttpRequest)) {
                return; // request body parts: ignored (GET and HEAD have none here)
            }
            HttpRequest req = (HttpRequest) msg;
            if (!req.decoderResult().isSuccess()) {
                empty(ctx, HttpResponseStatus.BAD_REQUEST, false);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            boolean head = req.method().equals(HttpMethod.HEAD);
            if (!head && !req.method().equals(HttpMethod.GET)) {
                empty(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, false);
                return;
            }
            FileChannel file = open(req.uri());
            if (file == null) {
                empty(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
                return;
            }
            long length = file.size();
            HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            resp.headers()
                    .set("Server", "native-zerocopy-example")
                    .set("Content-Type", "application/octet-stream")
                    .set("Accept-Ranges", "bytes")
                    .set("Content-Length", length)
                    .set("Connection", keepAlive ? "keep-alive" : "close");
            ctx.write(resp);
            if (!head && length > 0) {
                ctx.write(new DefaultFileRegion(file, 0, length)); // closes the file when released
            } else {
                file.close();
            }
            ChannelFuture last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void empty(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
            DefaultFullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
            resp.headers()
                    .set("Server", "native-zerocopy-example")
                    .set("Content-Length", 0)
                    .set("Connection", keepAlive ? "keep-alive" : "close");
            ChannelFuture f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** The regular file under root the target names, opened; null for anything else. */
        private FileChannel open(String uri) throws IOException {
            String path;
            try {
                path = new QueryStringDecoder(uri).path(); // percent-decoded, query dropped
            } catch (IllegalArgumentException e) {
                return null;
            }
            if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
                return null;
            }
            Path p;
            try {
                p = Paths.get(root, path.substring(1));
                if (!Files.readAttributes(p, BasicFileAttributes.class).isRegularFile()) {
                    return null; // also keeps a FIFO's blocking open off the event loop
                }
            } catch (NoSuchFileException | java.nio.file.InvalidPathException e) {
                return null;
            } catch (IOException e) {
                return null;
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(p, StandardOpenOption.READ);
            } catch (IOException e) {
                return null;
            }
            // The example server's rule: what was opened (symlinks followed) must lie under root.
            String real = Files.readSymbolicLink(Paths.get("/proc/self/fd/" + Fds.of(ch))).toString();
            if (!real.startsWith(root) || real.length() <= root.length() || real.charAt(root.length()) != '/') {
                ch.close();
                return null;
            }
            return ch;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The int fd behind a JDK FileChannel, by reflection (needs the two --add-opens above). */
    static final class Fds {
        private static final Field CHANNEL_FD;
        private static final Field FD;

        static {
            try {
                CHANNEL_FD = Class.forName("sun.nio.ch.FileChannelImpl").getDeclaredField("fd");
                CHANNEL_FD.setAccessible(true);
                FD = FileDescriptor.class.getDeclaredField("fd");
                FD.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static int of(FileChannel ch) {
            try {
                return FD.getInt(CHANNEL_FD.get(ch));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
